//! Bulk loading, for the benchmark tool (`stint-bench`) only: it fills a
//! fresh database with a realistic organization in seconds instead of
//! hours of API calls. Rows go in as multi-row INSERTs inside the caller's
//! transaction, with the same columns, versions and timestamps as the
//! single-row inserts of each resource, so the server cannot tell them
//! apart. No events are written and no links (project members, task
//! assignees, client groups) are set: history has no outbox. The server
//! never calls anything here.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sea_query::{Query, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions as _, Connection as _};
use uuid::Uuid;

use crate::clients::ClientValues;
use crate::db::Db;
use crate::exec::Exec;
use crate::projects::ProjectValues;
use crate::services::ServiceValues;
use crate::tasks::TaskValues;
use crate::time_entries::TimeEntryValues;
use crate::{Result, Store, StoreError, Tenant, Tx};

/// Bound parameters per statement: below SQLite's 32,766 and PostgreSQL's
/// 65,535.
const MAX_BINDS: usize = 30_000;

/// A resource whose rows can be bulk-inserted.
pub trait BulkRow: sealed::Sealed {
    const TABLE: &'static str;
    #[doc(hidden)]
    fn bulk_columns(&self) -> Vec<(&'static str, Value)>;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! bulk_row {
    ($t:ty, $table:literal) => {
        impl sealed::Sealed for $t {}
        impl BulkRow for $t {
            const TABLE: &'static str = $table;
            fn bulk_columns(&self) -> Vec<(&'static str, Value)> {
                self.columns()
            }
        }
    };
}

bulk_row!(ClientValues, "clients");
bulk_row!(ProjectValues, "projects");
bulk_row!(TaskValues, "tasks");
bulk_row!(ServiceValues, "services");
bulk_row!(TimeEntryValues, "time_entries");

/// One row to insert: its id, when it was created (and last updated), and
/// its values.
#[derive(Debug, Clone)]
pub struct BulkItem<R> {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub values: R,
}

impl Tenant<Tx> {
    /// Inserts every row, version 1, in as few statements as the
    /// parameter limits allow. Links carried by the values (members,
    /// assignees, groups) are ignored.
    pub async fn bulk_insert<R: BulkRow>(&mut self, rows: &[BulkItem<R>]) -> Result<u64> {
        let Some(first) = rows.first() else {
            return Ok(0);
        };
        let mut columns = vec!["id", "org_id", "created_at", "updated_at", "version"];
        columns.extend(first.values.bulk_columns().into_iter().map(|(c, _)| c));
        let per_statement = (MAX_BINDS / columns.len()).max(1);
        let mut inserted = 0;
        for chunk in rows.chunks(per_statement) {
            let mut stmt = Query::insert();
            stmt.into_table(R::TABLE).columns(columns.iter().copied());
            for item in chunk {
                let mut row: Vec<Value> = vec![
                    item.id.into(),
                    self.org.uuid().into(),
                    item.created_at.into(),
                    item.created_at.into(),
                    1i64.into(),
                ];
                row.extend(item.values.bulk_columns().into_iter().map(|(_, v)| v));
                stmt.values_panic(row.into_iter().map(Into::into));
            }
            inserted += self.exec.conn().execute(&stmt).await?;
        }
        Ok(inserted)
    }
}

impl Store {
    /// Bytes the database takes on disk (pages in use on SQLite, the whole
    /// database on PostgreSQL).
    pub async fn bulk_database_size(&self) -> Result<i64> {
        #[derive(sqlx::FromRow)]
        struct Size {
            bytes: i64,
        }
        let size = match self.db() {
            Db::Sqlite { writer, .. } => {
                writer
                    .exclusive(async |conn| {
                        Ok(sqlx::query_as::<_, Size>(
                            "SELECT page_count * page_size AS bytes \
                             FROM pragma_page_count(), pragma_page_size()",
                        )
                        .fetch_one(conn)
                        .await?)
                    })
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_as::<_, Size>(
                    "SELECT pg_database_size(current_database())::BIGINT AS bytes",
                )
                .fetch_one(pool)
                .await?
            }
        };
        Ok(size.bytes)
    }

    /// After a load: folds SQLite's write-ahead log back into the database
    /// file; on PostgreSQL, gathers the statistics autovacuum would gather
    /// soon anyway. SQLite gets no statistics: the server never runs
    /// `ANALYZE`, so the bench must not either.
    pub async fn bulk_finish(&self) -> Result<()> {
        match self.db() {
            Db::Sqlite { writer, .. } => {
                writer
                    .exclusive(async |conn| {
                        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                            .execute(conn)
                            .await?;
                        Ok(())
                    })
                    .await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("VACUUM ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }
}

/// Drops and creates database `name` on the PostgreSQL server of
/// `server_url`, answering the URL of the new database. Destroys that
/// database's data: the bench uses its own name.
pub async fn recreate_postgres_database(server_url: &str, name: &str) -> Result<String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(StoreError::Corrupt(format!(
            "database name `{name}` must be lowercase letters, digits and _"
        )));
    }
    let options = PgConnectOptions::from_str(server_url).map_err(StoreError::Database)?;
    let mut conn = options.connect().await?;
    // The name is checked above: only [a-z0-9_] reaches the SQL text.
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let base = match server_url.split_once('?') {
        Some((base, _)) => base,
        None => server_url,
    };
    let (server, _) = base
        .rsplit_once('/')
        .filter(|(s, _)| s.contains("://") && !s.ends_with('/'))
        .ok_or_else(|| StoreError::Corrupt("PostgreSQL URL must name a database".into()))?;
    Ok(format!("{server}/{name}"))
}
