//! Running sea-query statements on whichever backend a connection belongs
//! to. A statement is built once and rendered for SQLite or PostgreSQL here,
//! so resource modules never branch on the backend.

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
// sea-query renders statements with every value bound as a parameter, so the
// SQL text never carries input: that is what makes it safe to assert.
use sqlx::{AssertSqlSafe, FromRow, PgConnection, Postgres, SqliteConnection, Transaction};

use crate::Result;
use crate::db::Backend;
use crate::sqlite_readers::ReaderConn;
use crate::sqlite_writer::WriteJob;
use crate::write_prefix::{self, Prefix};

/// A row type that decodes from both backends (one `#[derive(FromRow)]`).
pub trait DbRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> DbRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A borrowed connection of either backend. On SQLite, a write job's
/// connection also carries what the job must send ahead of its statements
/// (`write_prefix`).
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection, Option<&'c mut Prefix>),
    Postgres(&'c mut PgConnection),
}

impl Conn<'_> {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(..) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn fetch_all<T: DbRow>(&mut self, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        Ok(match self {
            Conn::Sqlite(c, prefix) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let (sql, values, folded) = write_prefix::fold(prefix, sql, values)?;
                let rows = sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **c)
                    .await?;
                write_prefix::sent(prefix, folded);
                rows
            }
            Conn::Postgres(c) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **c)
                    .await?
            }
        })
    }

    pub async fn fetch_optional<T: DbRow>(&mut self, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        Ok(match self {
            Conn::Sqlite(c, prefix) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let (sql, values, folded) = write_prefix::fold(prefix, sql, values)?;
                // The prefix runs before the select's first step, so
                // stopping after one row leaves it complete.
                let row = sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(&mut **c)
                    .await?;
                write_prefix::sent(prefix, folded);
                row
            }
            Conn::Postgres(c) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(&mut **c)
                    .await?
            }
        })
    }

    pub async fn fetch_one<T: DbRow>(&mut self, stmt: &impl SqlxBinder) -> Result<T> {
        Ok(match self {
            Conn::Sqlite(c, prefix) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let (sql, values, folded) = write_prefix::fold(prefix, sql, values)?;
                let row = sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_one(&mut **c)
                    .await?;
                write_prefix::sent(prefix, folded);
                row
            }
            Conn::Postgres(c) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_one(&mut **c)
                    .await?
            }
        })
    }

    /// Runs a statement whose result nobody waits for (an event row): in
    /// an SQLite write job it is sent with the job's next statement or at
    /// its end (`write_prefix`); elsewhere at once. Its failure, reported
    /// late, fails the job or its whole batch.
    pub async fn defer(&mut self, stmt: &impl SqlxBinder) -> Result<()> {
        match self {
            Conn::Sqlite(_, Some(prefix)) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                prefix.defer(sql, values);
                Ok(())
            }
            _ => self.execute(stmt).await.map(|_| ()),
        }
    }

    /// Runs a statement and answers the number of rows it touched.
    pub async fn execute(&mut self, stmt: &impl SqlxBinder) -> Result<u64> {
        Ok(match self {
            Conn::Sqlite(c, prefix) => {
                write_prefix::flush(prefix, c).await?;
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(&mut **c)
                    .await?
                    .rows_affected()
            }
            Conn::Postgres(c) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(&mut **c)
                    .await?
                    .rows_affected()
            }
        })
    }
}

/// Something that lends a connection: a pooled one for reads or an open
/// transaction for writes.
pub trait Exec: Send {
    fn conn(&mut self) -> Conn<'_>;
}

/// A connection checked out of a pool, for reads outside a transaction.
pub enum Pooled {
    Sqlite(ReaderConn),
    Postgres(PoolConnection<Postgres>),
}

impl Exec for Pooled {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(c) => Conn::Sqlite(&mut *c, None),
            Pooled::Postgres(c) => Conn::Postgres(&mut *c),
        }
    }
}

/// An open transaction. Dropped without `commit`, it rolls back, so an
/// error half-way through a write leaves nothing behind.
///
/// On SQLite it is a job of the shared writer (`sqlite_writer`): a
/// savepoint that commits together with the other queued writes.
pub enum Tx {
    Sqlite(WriteJob),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(job) => job.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Exec for Tx {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(job) => job.conn(),
            Tx::Postgres(t) => Conn::Postgres(&mut *t),
        }
    }
}
