//! Copies SQLite's write-ahead log back into the database file on a
//! connection of its own, so that the writer's COMMIT seldom has to.
//!
//! SQLite checkpoints inside the COMMIT that takes the WAL past
//! `wal_autocheckpoint` pages, and every write queued behind that COMMIT
//! waits for the copy and its two `fsync`s (docs/benchmarks.md: 11 % of the
//! server's samples under sustained writes, and the p99 of a write). Here a
//! task copies what the writer's batches committed, at most once per
//! `PASS_INTERVAL`, with a PASSIVE checkpoint: it never blocks the writer
//! or a reader, and the writer keeps appending while it runs.
//!
//! The writer keeps its own threshold all the same. A passive checkpoint
//! cannot catch up with a writer that never pauses (what it copies, the
//! writer has already added to), and SQLite only starts the WAL over once
//! every frame is copied while nobody writes — which is what the writer's
//! checkpoint, run inside its COMMIT, guarantees. With this task ahead of
//! it, that checkpoint copies only the frames of the last pass interval.
//!
//! The task also flushes the database file after each pass. SQLite syncs
//! the file only after a checkpoint that reached the end of the WAL — never
//! this task's, racing the writer, but always the writer's — so without it
//! the writer's COMMIT would flush every page this task copied since the
//! last one (about 100 ms of `fsync` per writer checkpoint, measured). An
//! `fsync` on any descriptor of the file flushes what SQLite wrote through
//! its own, and making written pages durable early is always safe.

use std::fs::File;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::{Result, StoreError};

/// The most often a pass runs: what one copies is what the writer's
/// checkpoint may still have to copy itself.
const PASS_INTERVAL: Duration = Duration::from_millis(100);

/// What the writer calls after each COMMIT.
#[derive(Clone, Default)]
pub(crate) struct CommitSignal(Arc<Notify>);

impl CommitSignal {
    pub(crate) fn committed(&self) {
        // Stores one permit when nobody waits: a burst wakes the task once.
        self.0.notify_one();
    }
}

/// The checkpointing task of one database; cheap to clone. The task stops
/// on `close` or when the last clone is dropped.
#[derive(Clone)]
pub(crate) struct SqliteCheckpointer {
    stop: Arc<watch::Sender<bool>>,
    task: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for SqliteCheckpointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteCheckpointer").finish_non_exhaustive()
    }
}

impl SqliteCheckpointer {
    /// Opens the task's connection and starts it, woken by `signal`.
    pub(crate) async fn start(
        options: SqliteConnectOptions,
        signal: &CommitSignal,
    ) -> Result<SqliteCheckpointer> {
        let conn = options.connect().await?;
        // Opened after the connection, which created the file if need be.
        let file = File::open(options.get_filename())
            .map(Arc::new)
            .map_err(io)?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(conn, file, signal.0.clone(), stopped));
        Ok(SqliteCheckpointer {
            stop: Arc::new(stop),
            task: Arc::new(std::sync::Mutex::new(Some(task))),
        })
    }

    /// Stops the task and closes its connection, so that the writer can be
    /// the last connection (which removes the WAL).
    pub(crate) async fn close(&self) {
        self.stop.send_replace(true);
        let task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

async fn run(
    mut conn: SqliteConnection,
    file: Arc<File>,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            // Closed, or every handle dropped.
            _ = stopped.wait_for(|stop| *stop) => break,
        }
        if let Err(error) = pass(&mut conn, &file).await {
            // Harmless: the writer's own checkpoint does the work.
            tracing::debug!(%error, "background WAL checkpoint failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(PASS_INTERVAL) => {}
            _ = stopped.wait_for(|stop| *stop) => break,
        }
    }
    let _ = conn.close().await;
}

/// One PASSIVE checkpoint (copies every frame no reader still needs),
/// then the copied pages flushed to disk.
async fn pass(conn: &mut SqliteConnection, file: &Arc<File>) -> Result<()> {
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(&mut *conn)
        .await?;
    let file = file.clone();
    tokio::task::spawn_blocking(move || file.sync_data())
        .await
        .map_err(|e| io(std::io::Error::other(e)))?
        .map_err(io)?;
    Ok(())
}

fn io(error: std::io::Error) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Io(error))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::str::FromStr;

    use sqlx::sqlite::SqliteJournalMode;

    use super::*;

    async fn insert_rows(writer: &mut SqliteConnection, signal: &CommitSignal) {
        for _ in 0..50 {
            sqlx::query("INSERT INTO t VALUES (randomblob(8000))")
                .execute(&mut *writer)
                .await
                .unwrap();
            signal.committed();
        }
        // A pass runs within one interval of the last commit.
        tokio::time::sleep(PASS_INTERVAL * 3).await;
    }

    fn wal_bytes(db: &Path) -> u64 {
        std::fs::metadata(db.with_extension("db-wal"))
            .unwrap()
            .len()
    }

    /// SQLite starts the WAL over (instead of growing it) only when every
    /// frame has been copied: with a writer that never checkpoints, only
    /// the task can have copied them.
    #[tokio::test]
    async fn copies_the_wal_behind_a_writer_that_never_checkpoints() {
        let dir = std::env::temp_dir().join(format!("stint-ckpt-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("t.db");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", db.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let mut writer = options
            .clone()
            .pragma("wal_autocheckpoint", "0")
            .connect()
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x BLOB)")
            .execute(&mut writer)
            .await
            .unwrap();
        let signal = CommitSignal::default();
        let checkpointer = SqliteCheckpointer::start(options, &signal).await.unwrap();
        insert_rows(&mut writer, &signal).await;
        let first = wal_bytes(&db);
        assert!(first > 50 * 8000, "the WAL holds the rows: {first} bytes");
        insert_rows(&mut writer, &signal).await;
        let second = wal_bytes(&db);
        assert!(
            second < first + first / 4,
            "the WAL grew from {first} to {second} bytes: nothing was copied"
        );
        checkpointer.close().await;
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(&mut writer)
            .await
            .unwrap();
        assert_eq!(count, 100);
        let _ = std::fs::remove_dir_all(dir);
    }
}
