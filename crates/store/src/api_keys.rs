//! API key pairs. The public half (`api_key`) is stored as is and looked up
//! by index; the secret is stored only as an HMAC-SHA256 computed by the
//! server. Deleting a key marks it revoked, which every check sees at once.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use stint_core::ids::{ApiKeyId, MemberId, OrgId};

use crate::exec::Exec;
use crate::page::{Page, PageRequest};
use crate::{Result, System, Tenant};

const COLUMNS: [&str; 8] = [
    "id",
    "name",
    "public_key",
    "scopes",
    "created_by",
    "created_at",
    "last_used_at",
    "version",
];

/// An API key as listed (never with its secret).
#[derive(Debug, Clone, FromRow)]
pub struct ApiKey {
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: ApiKeyId,
    pub name: String,
    pub public_key: String,
    /// Comma-separated scopes: `read` or `read,write`.
    pub scopes: String,
    created_by: Option<uuid::Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl ApiKey {
    pub fn created_by(&self) -> Option<MemberId> {
        self.created_by.map(MemberId::from_uuid)
    }
}

/// A key to create; the secret is already hashed.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub public_key: String,
    pub secret_hash: Vec<u8>,
    pub scopes: String,
    pub created_by: Option<MemberId>,
    pub now: DateTime<Utc>,
}

/// What authenticating with a key needs, in one read.
#[derive(Clone, FromRow)]
pub struct ApiKeyCredential {
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: ApiKeyId,
    #[sqlx(try_from = "uuid::Uuid")]
    pub org_id: OrgId,
    pub secret_hash: Vec<u8>,
    pub scopes: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The member who created the key: whom its time and expenses are
    /// recorded for when a request names no member.
    pub created_by: Option<uuid::Uuid>,
    /// The organization's Public API app state.
    pub public_api_status: String,
    /// The organization's plan.
    pub plan: String,
}

impl ApiKeyCredential {
    pub fn creator(&self) -> Option<MemberId> {
        self.created_by.map(MemberId::from_uuid)
    }
}

impl std::fmt::Debug for ApiKeyCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyCredential")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .finish()
    }
}

fn select_credential() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            ("api_keys", "id"),
            ("api_keys", "org_id"),
            ("api_keys", "secret_hash"),
            ("api_keys", "scopes"),
            ("api_keys", "revoked_at"),
            ("api_keys", "last_used_at"),
            ("api_keys", "created_by"),
        ])
        .columns([
            ("organizations", "public_api_status"),
            ("organizations", "plan"),
        ])
        .from("api_keys")
        .inner_join(
            "organizations",
            Expr::col(("organizations", "id")).equals(("api_keys", "org_id")),
        )
        .to_owned()
}

impl<E: Exec> System<E> {
    pub async fn api_key_credential_by_public(
        &mut self,
        public_key: &str,
    ) -> Result<Option<ApiKeyCredential>> {
        let stmt = select_credential()
            .and_where(Expr::col(("api_keys", "public_key")).eq(public_key))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn api_key_credential_by_id(
        &mut self,
        id: ApiKeyId,
    ) -> Result<Option<ApiKeyCredential>> {
        let stmt = select_credential()
            .and_where(Expr::col(("api_keys", "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Records use; callers throttle how often they call it.
    pub async fn touch_api_key(&mut self, id: ApiKeyId, now: DateTime<Utc>) -> Result<()> {
        let stmt = Query::update()
            .table("api_keys")
            .value("last_used_at", now)
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }
}

impl<E: Exec> Tenant<E> {
    pub async fn insert_api_key(&mut self, key: &NewApiKey) -> Result<ApiKey> {
        let stmt = Query::insert()
            .into_table("api_keys")
            .columns([
                "id",
                "org_id",
                "name",
                "public_key",
                "secret_hash",
                "scopes",
                "created_by",
                "created_at",
                "updated_at",
                "version",
            ])
            .values_panic([
                key.id.uuid().into(),
                self.org.uuid().into(),
                key.name.clone().into(),
                key.public_key.clone().into(),
                key.secret_hash.clone().into(),
                key.scopes.clone().into(),
                key.created_by.map(|m| m.uuid()).into(),
                key.now.into(),
                key.now.into(),
                1i64.into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .to_owned();
        self.exec.conn().fetch_one(&stmt).await
    }

    /// A live key of this organization.
    pub async fn api_key(&mut self, id: ApiKeyId) -> Result<Option<ApiKey>> {
        let stmt = Query::select()
            .columns(COLUMNS)
            .from("api_keys")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("revoked_at").is_null())
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Keys not yet deleted, oldest first.
    pub async fn list_api_keys(&mut self, page: &PageRequest) -> Result<Page<ApiKey>> {
        let mut stmt = Query::select()
            .columns(COLUMNS.map(|c| ("api_keys", c)))
            .from("api_keys")
            .and_where(Expr::col(("api_keys", "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col(("api_keys", "revoked_at")).is_null())
            .to_owned();
        page.apply(&mut stmt, "api_keys");
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    pub async fn count_api_keys(&mut self) -> Result<i64> {
        let stmt = Query::select()
            .expr_as(Expr::col("id").count(), "n")
            .from("api_keys")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("revoked_at").is_null())
            .to_owned();
        let row: crate::members::Count = self.exec.conn().fetch_one(&stmt).await?;
        Ok(row.n)
    }

    /// Revokes a live key; `false` when there is none with that id here.
    pub async fn revoke_api_key(&mut self, id: ApiKeyId, now: DateTime<Utc>) -> Result<bool> {
        let stmt = Query::update()
            .table("api_keys")
            .value("revoked_at", now)
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("revoked_at").is_null())
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
