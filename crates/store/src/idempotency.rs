//! Idempotency keys: the first response to a POST with an `Idempotency-Key`
//! is stored, and a retry with the same key gets it back instead of acting
//! twice. Keys are scoped to the organization and the caller.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use sqlx::types::Json;
use uuid::Uuid;

use crate::exec::Exec;
use crate::{Result, StoreError, Tenant, Tx};

/// A stored response.
#[derive(Debug, Clone, FromRow)]
pub struct StoredResponse {
    pub response_status: Option<i64>,
    pub response_headers: Option<Json<Vec<(String, String)>>>,
    pub response_body: Option<Vec<u8>>,
}

#[derive(Debug, FromRow)]
struct KeyRow {
    request_hash: Vec<u8>,
    state: String,
    created_at: DateTime<Utc>,
    #[sqlx(flatten)]
    response: StoredResponse,
}

/// What a claim on a key found.
#[derive(Debug)]
pub enum Claim {
    /// First use: go ahead, then `complete` or `release` the key.
    New,
    /// Used before for the same request: answer this again.
    Replay(StoredResponse),
    /// Used before for a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

impl Tenant<Tx> {
    /// Claims `key` for `actor`. Keys older than `expires_before` are
    /// forgotten and may be used again.
    pub async fn claim_idempotency_key(
        &mut self,
        actor: Uuid,
        key: &str,
        request_hash: &[u8],
        now: DateTime<Utc>,
        expires_before: DateTime<Utc>,
    ) -> Result<Claim> {
        let select = Query::select()
            .columns([
                "request_hash",
                "state",
                "created_at",
                "response_status",
                "response_headers",
                "response_body",
            ])
            .from("idempotency_keys")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("actor_id").eq(actor))
            .and_where(Expr::col("idempotency_key").eq(key))
            .to_owned();
        if let Some(row) = self.exec.conn().fetch_optional::<KeyRow>(&select).await? {
            if row.created_at >= expires_before {
                return Ok(if row.request_hash != request_hash {
                    Claim::Mismatch
                } else if row.state == "done" {
                    Claim::Replay(row.response)
                } else {
                    Claim::InProgress
                });
            }
            self.release_idempotency_key(actor, key).await?;
        }
        let insert = Query::insert()
            .into_table("idempotency_keys")
            .columns([
                "org_id",
                "actor_id",
                "idempotency_key",
                "request_hash",
                "state",
                "created_at",
            ])
            .values_panic([
                self.org.uuid().into(),
                actor.into(),
                key.into(),
                request_hash.to_vec().into(),
                "in_progress".into(),
                now.into(),
            ])
            .to_owned();
        match self.exec.conn().execute(&insert).await {
            Ok(_) => Ok(Claim::New),
            // Another request claimed it between our read and insert.
            Err(StoreError::Unique { .. }) => Ok(Claim::InProgress),
            Err(e) => Err(e),
        }
    }

    /// Stores the response of the first request.
    pub async fn complete_idempotency_key(
        &mut self,
        actor: Uuid,
        key: &str,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<()> {
        let stmt = Query::update()
            .table("idempotency_keys")
            .value("state", "done")
            .value("response_status", i64::from(status))
            .value(
                "response_headers",
                serde_json::to_value(headers).unwrap_or_default(),
            )
            .value("response_body", body)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("actor_id").eq(actor))
            .and_where(Expr::col("idempotency_key").eq(key))
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    /// Forgets a key, so the request may be retried (after a server error).
    pub async fn release_idempotency_key(&mut self, actor: Uuid, key: &str) -> Result<()> {
        let stmt = Query::delete()
            .from_table("idempotency_keys")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("actor_id").eq(actor))
            .and_where(Expr::col("idempotency_key").eq(key))
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }
}
