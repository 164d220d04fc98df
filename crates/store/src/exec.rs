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
use sqlx::{AssertSqlSafe, FromRow, PgConnection, Postgres, Sqlite, SqliteConnection, Transaction};

use crate::Result;
use crate::db::Backend;
use crate::sqlite_writer::WriteJob;

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
/// connection also carries the job's savepoint statement until it has run
/// (`sqlite_writer`): the first read of the job takes it along in the same
/// round trip to SQLite's thread.
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection, Option<&'c mut Prefix>),
    Postgres(&'c mut PgConnection),
}

/// Statements a write job must run before its own, and whether they ran.
#[derive(Debug)]
pub struct Prefix {
    pub(crate) sql: &'static str,
    pub(crate) state: PrefixState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrefixState {
    NotRun,
    Ran,
    /// Failed, or failed together with the statement it was sent with:
    /// whether it took effect is unknown, so the job's whole batch is
    /// rolled back.
    Broken,
}

impl Prefix {
    /// The SQL to send: the prefix, then `sql`, when the prefix is due.
    /// After a broken prefix nothing more is sent: the job's savepoint may
    /// not exist, and what ran without it could not be undone.
    fn fold(prefix: &mut Option<&mut Prefix>, sql: String) -> Result<(String, bool)> {
        match prefix {
            Some(p) if p.state == PrefixState::NotRun => {
                p.state = PrefixState::Broken;
                Ok((format!("{}; {sql}", p.sql), true))
            }
            Some(p) if p.state == PrefixState::Broken => Err(broken()),
            _ => Ok((sql, false)),
        }
    }

    fn ran(prefix: &mut Option<&mut Prefix>, folded: bool) {
        if let (true, Some(p)) = (folded, prefix) {
            p.state = PrefixState::Ran;
        }
    }

    /// Runs a due prefix alone: a statement that answers a row count
    /// cannot carry it (SQLite reports the count of the last change, which
    /// after a SAVEPOINT is an earlier statement's).
    async fn run_alone(
        prefix: &mut Option<&mut Prefix>,
        conn: &mut SqliteConnection,
    ) -> Result<()> {
        match prefix {
            Some(p) if p.state == PrefixState::NotRun => {
                p.state = PrefixState::Broken;
                sqlx::query(AssertSqlSafe(p.sql))
                    .execute(&mut *conn)
                    .await?;
                p.state = PrefixState::Ran;
                Ok(())
            }
            Some(p) if p.state == PrefixState::Broken => Err(broken()),
            _ => Ok(()),
        }
    }
}

fn broken() -> crate::StoreError {
    crate::StoreError::Unavailable(sqlx::Error::Protocol(
        "an earlier statement of this write failed before its savepoint was known".into(),
    ))
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
                let (sql, folded) = Prefix::fold(prefix, sql)?;
                let rows = sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **c)
                    .await?;
                Prefix::ran(prefix, folded);
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
                let (sql, folded) = Prefix::fold(prefix, sql)?;
                // The prefix runs before the select's first step, so
                // stopping after one row leaves it complete.
                let row = sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(&mut **c)
                    .await?;
                Prefix::ran(prefix, folded);
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
                let (sql, folded) = Prefix::fold(prefix, sql)?;
                let row = sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_one(&mut **c)
                    .await?;
                Prefix::ran(prefix, folded);
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

    /// Runs a statement and answers the number of rows it touched.
    pub async fn execute(&mut self, stmt: &impl SqlxBinder) -> Result<u64> {
        Ok(match self {
            Conn::Sqlite(c, prefix) => {
                Prefix::run_alone(prefix, c).await?;
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
    Sqlite(PoolConnection<Sqlite>),
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
