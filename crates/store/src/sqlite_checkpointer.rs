//! Copies SQLite's write-ahead log back into the database file on a
//! connection of its own, so that the writer seldom has to.
//!
//! SQLite checkpoints inside the COMMIT that takes the WAL past
//! `wal_autocheckpoint` pages, and every write queued behind that COMMIT
//! waits for the copy and its two `fsync`s (docs/benchmarks.md: 11 % of the
//! server's samples under sustained writes, and the p99 of a write). Here a
//! task copies what the writer's batches committed, at most once per
//! `PASS_INTERVAL`, with a PASSIVE checkpoint: it never blocks the writer
//! or a reader, and the writer keeps appending while it runs.
//!
//! The task also flushes the database file after each pass. SQLite syncs
//! the file only after a checkpoint that reached the end of the WAL — never
//! a pass racing the writer — so without it the checkpoint that finally
//! does reach the end would flush every page copied since the last one
//! (about 100 ms of `fsync`, measured). An `fsync` on any descriptor of the
//! file flushes what SQLite wrote through its own, and making written pages
//! durable early is always safe.
//!
//! Passes alone never let the WAL start over: SQLite rewinds it only once
//! every frame is copied while nobody writes, and a writer that never
//! pauses has always added more. So once the WAL holds `CLOSE_AT_FRAMES`,
//! the task *closes* it: a second pass copies what the writer added during
//! the first, then, holding the writer between two batches, a last
//! checkpoint copies the few frames left, and the writer's next COMMIT
//! starts the WAL over. The writer waits only for that last small copy and
//! its two `fsync`s, with little left to flush — where its own checkpoint
//! (`wal_autocheckpoint`, still there as the fallback at a higher
//! threshold) would flush everything written since the last pass.

use std::fs::File;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::sqlite_writer::SqliteWriter;
use crate::{Result, StoreError};

/// The most often a pass runs.
const PASS_INTERVAL: Duration = Duration::from_millis(100);

/// WAL frames (pages) after which the task closes the WAL: about 20 MB.
/// Below the writer's own threshold (`WRITER_CHECKPOINT_PAGES`), so that
/// the task closes first; each close pauses the writer, so not much lower.
const CLOSE_AT_FRAMES: i64 = 5_000;

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
    /// Opens the task's connection and starts it, woken by `signal`; it
    /// holds `writer` when it closes the WAL.
    pub(crate) async fn start(
        options: SqliteConnectOptions,
        signal: &CommitSignal,
        writer: SqliteWriter,
    ) -> Result<SqliteCheckpointer> {
        Self::start_closing_at(options, signal, writer, CLOSE_AT_FRAMES).await
    }

    async fn start_closing_at(
        options: SqliteConnectOptions,
        signal: &CommitSignal,
        writer: SqliteWriter,
        close_at_frames: i64,
    ) -> Result<SqliteCheckpointer> {
        let conn = options.connect().await?;
        // Opened after the connection, which created the file if need be.
        let file = File::open(options.get_filename())
            .map(Arc::new)
            .map_err(io)?;
        let (stop, stopped) = watch::channel(false);
        let closing = Closing {
            writer,
            at_frames: close_at_frames,
        };
        let task = tokio::spawn(run(conn, file, signal.0.clone(), stopped, closing));
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

/// When and through whom the task closes the WAL.
struct Closing {
    writer: SqliteWriter,
    at_frames: i64,
}

async fn run(
    mut conn: SqliteConnection,
    file: Arc<File>,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
    closing: Closing,
) {
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            // Closed, or every handle dropped.
            _ = stopped.wait_for(|stop| *stop) => break,
        }
        let copied = async {
            if pass(&mut conn, &file).await? >= closing.at_frames {
                // What the writer added during the first pass, so that
                // the close has little left to copy.
                pass(&mut conn, &file).await?;
                close_wal(&closing.writer).await?;
            }
            Ok::<_, StoreError>(())
        }
        .await;
        if let Err(error) = copied {
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
/// then the copied pages flushed to disk; returns the frames the WAL held.
async fn pass(conn: &mut SqliteConnection, file: &Arc<File>) -> Result<i64> {
    // (busy, frames in the WAL, frames copied so far)
    let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(&mut *conn)
        .await?;
    let file = file.clone();
    tokio::task::spawn_blocking(move || file.sync_data())
        .await
        .map_err(|e| io(std::io::Error::other(e)))?
        .map_err(io)?;
    Ok(frames)
}

/// The last checkpoint of the WAL, with the writer held between batches:
/// nothing is appended meanwhile, so (unless a reader still needs old
/// frames) it reaches the end, SQLite syncs the file, and the writer's next
/// COMMIT starts the WAL over.
async fn close_wal(writer: &SqliteWriter) -> Result<()> {
    writer
        .exclusive(async |conn| {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&mut *conn)
                .await?;
            Ok(())
        })
        .await
}

fn io(error: std::io::Error) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Io(error))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::str::FromStr;

    use sqlx::sqlite::SqliteJournalMode;

    use super::*;

    /// A database in a directory of its own, with its writer (whose own
    /// checkpoint, at 10,000 pages, these tests never reach) and a
    /// checkpointer closing the WAL at `close_at_frames`.
    async fn database(
        close_at_frames: i64,
    ) -> (PathBuf, SqliteWriter, SqliteCheckpointer, CommitSignal) {
        let dir = std::env::temp_dir().join(format!("stint-ckpt-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("t.db");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", db.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let signal = CommitSignal::default();
        let writer =
            SqliteWriter::connect(options.clone(), Duration::from_secs(10), signal.clone())
                .await
                .unwrap();
        writer
            .exclusive(async |conn| {
                sqlx::query("CREATE TABLE t (x BLOB)").execute(conn).await?;
                Ok(())
            })
            .await
            .unwrap();
        let checkpointer =
            SqliteCheckpointer::start_closing_at(options, &signal, writer.clone(), close_at_frames)
                .await
                .unwrap();
        (db, writer, checkpointer, signal)
    }

    /// One row of two pages, committed on its own.
    async fn insert_row(writer: &SqliteWriter, signal: &CommitSignal) {
        writer
            .exclusive(async |conn| {
                sqlx::query("INSERT INTO t VALUES (randomblob(8000))")
                    .execute(conn)
                    .await?;
                Ok(())
            })
            .await
            .unwrap();
        signal.committed();
    }

    fn wal_bytes(db: &Path) -> u64 {
        std::fs::metadata(db.with_extension("db-wal"))
            .unwrap()
            .len()
    }

    async fn rows(writer: &SqliteWriter) -> i64 {
        writer
            .exclusive(async |conn| {
                Ok(sqlx::query_scalar::<_, i64>("SELECT count(*) FROM t")
                    .fetch_one(conn)
                    .await?)
            })
            .await
            .unwrap()
    }

    /// SQLite starts the WAL over (instead of growing it) only when every
    /// frame has been copied: with a writer that never checkpoints, only
    /// the task can have copied them.
    #[tokio::test]
    async fn copies_the_wal_behind_a_writer_that_pauses() {
        let (db, writer, checkpointer, signal) = database(i64::MAX).await;
        for _ in 0..50 {
            insert_row(&writer, &signal).await;
        }
        // A pass runs within one interval of the last commit.
        tokio::time::sleep(PASS_INTERVAL * 3).await;
        let first = wal_bytes(&db);
        assert!(first > 50 * 8000, "the WAL holds the rows: {first} bytes");
        for _ in 0..50 {
            insert_row(&writer, &signal).await;
        }
        let second = wal_bytes(&db);
        assert!(
            second < first + first / 4,
            "the WAL grew from {first} to {second} bytes: nothing was copied"
        );
        checkpointer.close().await;
        assert_eq!(rows(&writer).await, 100);
        writer.close().await;
        let _ = std::fs::remove_dir_all(db.parent().unwrap());
    }

    /// A writer that never pauses: passes alone cannot finish the copy, so
    /// only the task's close lets the WAL start over.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closes_the_wal_behind_a_writer_that_never_pauses() {
        let (db, writer, checkpointer, signal) = database(400).await;
        let mut largest = 0;
        for _ in 0..3_000 {
            insert_row(&writer, &signal).await;
            largest = largest.max(wal_bytes(&db));
        }
        let written = 3_000 * 8_000;
        assert!(
            // Without the close it never starts over: 41 MB, measured.
            largest < written / 2,
            "the WAL reached {largest} bytes for {written} written: it never started over"
        );
        checkpointer.close().await;
        assert_eq!(rows(&writer).await, 3_000);
        writer.close().await;
        let _ = std::fs::remove_dir_all(db.parent().unwrap());
    }
}
