//! Instance-wide secrets (the JWT signing key, the API-key hashing key),
//! generated once and shared by every process on the same database.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use sqlx::FromRow;

use crate::exec::Exec;
use crate::{Result, System};

#[derive(FromRow)]
struct SecretRow {
    value: Vec<u8>,
}

impl<E: Exec> System<E> {
    /// The secret called `name`, storing `candidate` first when there is none.
    /// Concurrent first starts agree: whichever insert lands first wins and
    /// every process reads that one back.
    pub async fn secret_or_insert(
        &mut self,
        name: &str,
        candidate: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Vec<u8>> {
        let insert = Query::insert()
            .into_table("instance_secrets")
            .columns(["name", "value", "created_at"])
            .values_panic([name.into(), candidate.to_vec().into(), now.into()])
            .on_conflict(OnConflict::column("name").do_nothing().to_owned())
            .to_owned();
        self.exec.conn().execute(&insert).await?;
        let select = Query::select()
            .column("value")
            .from("instance_secrets")
            .and_where(Expr::col("name").eq(name))
            .to_owned();
        let row: SecretRow = self.exec.conn().fetch_one(&select).await?;
        Ok(row.value)
    }
}
