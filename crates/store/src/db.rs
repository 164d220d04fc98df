//! Connecting to SQLite or PostgreSQL, and running migrations.
//!
//! SQLite runs in WAL mode with one writer connection and several readers:
//! writes queue for the writer (`sqlite_writer`, which commits the writes
//! of queued transactions together) instead of failing with SQLITE_BUSY,
//! and readers never wait for the writer. A background connection copies
//! the WAL into the database file (`sqlite_checkpointer`).

use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use crate::sqlite_checkpointer::{CommitSignal, SqliteCheckpointer};
use crate::sqlite_readers::SqliteReaders;
use crate::sqlite_writer::SqliteWriter;
use crate::{Result, StoreError};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `sqlite://path/to/file.db` or `postgres://…`.
    pub url: String,
    /// Pool size (readers on SQLite; all connections on PostgreSQL).
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl ConnectOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }

    pub fn backend(&self) -> Option<Backend> {
        if self.url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if self.url.starts_with("postgres://") || self.url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The connection pools of one database.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite {
        writer: SqliteWriter,
        reader: SqliteReaders,
        checkpointer: SqliteCheckpointer,
    },
    Postgres(PgPool),
}

impl Db {
    pub(crate) async fn connect(options: &ConnectOptions) -> Result<Db> {
        match options.backend() {
            Some(Backend::Sqlite) => connect_sqlite(options).await,
            Some(Backend::Postgres) => connect_postgres(options).await,
            None => Err(StoreError::Corrupt(format!(
                "unsupported database URL (expected sqlite:// or postgres://): {}",
                redact_url(&options.url)
            ))),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite { writer, .. } => {
                writer
                    .exclusive(async |conn| Ok(SQLITE_MIGRATIONS.run(conn).await?))
                    .await?
            }
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        match self {
            Db::Sqlite { reader, .. } => {
                sqlx::query("SELECT 1")
                    .execute(&mut *reader.acquire().await?)
                    .await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn close(&self) {
        match self {
            Db::Sqlite {
                writer,
                reader,
                checkpointer,
            } => {
                reader.close().await;
                checkpointer.close().await;
                // Last, so that its close removes the WAL.
                writer.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// Bytes of the database file each SQLite connection maps into memory
/// (address space, not resident memory: the kernel's page cache is shared).
const SQLITE_MMAP_SIZE: u64 = 1 << 30;

async fn connect_sqlite(options: &ConnectOptions) -> Result<Db> {
    let base = SqliteConnectOptions::from_str(&options.url)
        .map_err(StoreError::Database)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL is durable across crashes of the process in WAL mode; only a
        // power loss can drop the last transactions.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Pages read through a memory map instead of a pread() system call
        // each; SQLite still writes through the WAL as before.
        .pragma("mmap_size", SQLITE_MMAP_SIZE.to_string());
    if let Some(parent) = base.get_filename().parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
    }
    let committed = CommitSignal::default();
    let writer =
        SqliteWriter::connect(base.clone(), options.acquire_timeout, committed.clone()).await?;
    let existing = base.create_if_missing(false);
    let reader = SqliteReaders::connect(
        existing.clone(),
        options.max_connections,
        options.acquire_timeout,
    )
    .await?;
    let checkpointer = SqliteCheckpointer::start(existing, &committed, writer.clone()).await?;
    Ok(Db::Sqlite {
        writer,
        reader,
        checkpointer,
    })
}

async fn connect_postgres(options: &ConnectOptions) -> Result<Db> {
    let connect = PgConnectOptions::from_str(&options.url).map_err(StoreError::Database)?;
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections.max(2))
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect)
        .await?;
    Ok(Db::Postgres(pool))
}

/// The URL with any password replaced, fit for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }
}
