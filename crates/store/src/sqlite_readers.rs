//! SQLite's reader connections: a fixed number of connections, each lent to
//! one request at a time.
//!
//! Why not sqlx's pool: it pings a connection when it lends it and again
//! when it comes back, and on SQLite each ping is a round trip to the
//! connection's worker thread — for a read by primary key, two of its three
//! hand-offs between threads (docs/benchmarks.md, S1). The pings guard
//! against connections that hung up or were left mid-transaction, and
//! neither can happen here: a file connection does not hang up, readers
//! never open a transaction (writes go to `sqlite_writer`), and a read
//! abandoned half-way (its request cancelled) leaves nothing behind, because
//! sqlx's worker finishes or resets that statement before it takes the next
//! command from the queue. So connections go back to the idle list as they
//! are, and are opened lazily up to the limit.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{Result, StoreError};

/// The reader connections of one database; cheap to clone.
#[derive(Clone)]
pub(crate) struct SqliteReaders {
    inner: Arc<Inner>,
}

struct Inner {
    options: SqliteConnectOptions,
    idle: Mutex<Vec<SqliteConnection>>,
    /// One permit per connection that may exist; a lent connection holds
    /// one.
    permits: Arc<Semaphore>,
    wait_limit: Duration,
}

impl std::fmt::Debug for SqliteReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReaders")
            .field("available", &self.inner.permits.available_permits())
            .finish()
    }
}

impl SqliteReaders {
    /// Opens one connection at once, so that a database that cannot be read
    /// fails here rather than on the first request.
    pub(crate) async fn connect(
        options: SqliteConnectOptions,
        size: u32,
        wait_limit: Duration,
    ) -> Result<SqliteReaders> {
        let first = options.connect().await?;
        Ok(SqliteReaders {
            inner: Arc::new(Inner {
                options,
                idle: Mutex::new(vec![first]),
                permits: Arc::new(Semaphore::new(size.max(1) as usize)),
                wait_limit,
            }),
        })
    }

    /// A connection for one read, waiting up to the acquire timeout for one
    /// to be free.
    pub(crate) async fn acquire(&self) -> Result<ReaderConn> {
        let permit = tokio::time::timeout(
            self.inner.wait_limit,
            self.inner.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolTimedOut))?
        .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolClosed))?;
        let idle = self.inner.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.inner.options.connect().await?,
        };
        Ok(ReaderConn {
            conn: Some(conn),
            home: self.inner.clone(),
            _permit: permit,
        })
    }

    /// Refuses new reads and closes the idle connections; a lent one is
    /// closed when it is dropped after this.
    pub(crate) async fn close(&self) {
        self.inner.permits.close();
        let idle = std::mem::take(&mut *self.inner.idle());
        for conn in idle {
            let _ = conn.close().await;
        }
    }
}

impl Inner {
    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<SqliteConnection>> {
        // The list is only pushed to and popped from: a panic elsewhere
        // cannot leave it inconsistent.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A lent reader connection; back to the idle list when dropped.
pub struct ReaderConn {
    conn: Option<SqliteConnection>,
    home: Arc<Inner>,
    // Declared after `conn` and released only after `drop` has put the
    // connection back, so a waiter never finds the list empty and opens a
    // connection beyond the limit.
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for ReaderConn {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for ReaderConn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("present until dropped")
    }
}

impl Drop for ReaderConn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && !self.home.permits.is_closed()
        {
            self.home.idle().push(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    async fn readers(size: u32, wait_limit: Duration) -> SqliteReaders {
        let path = std::env::temp_dir().join(format!("stint-readers-{}.db", uuid::Uuid::now_v7()));
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let mut setup = options.connect().await.unwrap();
        sqlx::query(
            "CREATE TABLE t (v INTEGER PRIMARY KEY); \
             WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 5000) \
             INSERT INTO t SELECT v FROM n",
        )
        .execute(&mut setup)
        .await
        .unwrap();
        setup.close().await.unwrap();
        SqliteReaders::connect(options, size, wait_limit)
            .await
            .unwrap()
    }

    async fn sum(conn: &mut SqliteConnection) -> i64 {
        sqlx::query_scalar("SELECT sum(v) FROM t")
            .fetch_one(conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn lends_at_most_size_connections_and_reuses_them() {
        let readers = readers(2, Duration::from_millis(200)).await;
        let mut a = readers.acquire().await.unwrap();
        let b = readers.acquire().await.unwrap();
        let third = readers.acquire().await;
        assert!(matches!(
            third,
            Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut))
        ));
        // A connection-local mark survives the return to the idle list: the
        // same connection is lent again, not a new one.
        sqlx::query("CREATE TEMP TABLE mark (x)")
            .execute(&mut *a)
            .await
            .unwrap();
        drop(a);
        drop(b);
        let mut found = 0;
        let mut lent = vec![
            readers.acquire().await.unwrap(),
            readers.acquire().await.unwrap(),
        ];
        for conn in &mut lent {
            let marked: Option<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_temp_master WHERE name = 'mark'")
                    .fetch_optional(&mut **conn)
                    .await
                    .unwrap();
            found += usize::from(marked.is_some());
        }
        assert_eq!(found, 1, "the marked connection came back, and only once");
        assert!(readers.inner.idle().is_empty());
    }

    #[tokio::test]
    async fn a_read_abandoned_half_way_leaves_the_connection_usable() {
        let readers = readers(1, Duration::from_secs(5)).await;
        for wait in [0, 1, 5, 20] {
            let mut conn = readers.acquire().await.unwrap();
            // Cancelled while SQLite's thread is producing the rows: the
            // request went away.
            let read = sqlx::query("SELECT a.v FROM t a, t b LIMIT 1000000").fetch_all(&mut *conn);
            let cancelled = tokio::time::timeout(Duration::from_millis(wait), read).await;
            assert!(cancelled.is_err(), "the read was still under way");
            drop(conn);
            let mut again = readers.acquire().await.unwrap();
            assert_eq!(sum(&mut again).await, 5000 * 5001 / 2);
        }
    }

    #[tokio::test]
    async fn close_refuses_new_reads() {
        let readers = readers(2, Duration::from_secs(5)).await;
        let mut lent = readers.acquire().await.unwrap();
        readers.close().await;
        assert!(matches!(
            readers.acquire().await,
            Err(StoreError::Unavailable(sqlx::Error::PoolClosed))
        ));
        // A read already under way finishes; its connection is then closed,
        // not kept.
        assert_eq!(sum(&mut lent).await, 5000 * 5001 / 2);
        drop(lent);
        assert!(readers.inner.idle().is_empty());
    }
}
