//! SQLite's one writer connection, shared by concurrent write transactions
//! with group commit.
//!
//! SQLite allows one writer at a time, so every write transaction of the
//! server queues for this connection. Each used to be BEGIN … COMMIT of its
//! own; under load most of a write's time went to hand-offs between threads
//! around BEGIN and COMMIT and to the COMMIT itself (its WAL frames and,
//! every thousand pages, a checkpoint) — see docs/benchmarks.md.
//!
//! Here a write transaction is a *job*: a savepoint inside a transaction
//! that several jobs share. A job that finishes while others are queued
//! passes the still-open transaction to the next job; the last job in the
//! queue (or the `MAX_JOBS`th) commits it for all of them. A job's `commit`
//! returns only once the shared COMMIT has succeeded, so nobody answers a
//! request before its data is durable, and if that COMMIT fails every job
//! of the batch gets the error: nothing of theirs was written. A job that
//! fails or is dropped rolls back to its savepoint and leaves the others'
//! work intact. Jobs run one at a time in arrival order (a fair mutex),
//! each seeing the writes of the jobs before it, exactly as consecutive
//! transactions would.
//!
//! Round trips to SQLite's thread are what a write waits on, so none is
//! spent on bookkeeping: a job's `SAVEPOINT` (with the batch's `BEGIN` or
//! the previous job's `RELEASE`) travels with its first read
//! (`exec::Prefix`), and COMMIT ends every savepoint at once.
//!
//! The invariant that keeps a failed job from touching anybody else's
//! work: between jobs, at most one savepoint exists — the last committed
//! job's, `unreleased` — and the next job's savepoint always has the other
//! name. Rolling back to its own name can therefore only ever undo its own
//! writes, even when it cannot know how much of its prefix ran (a request
//! cancelled while its first statement was on SQLite's thread).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::exec::Conn;
use crate::sqlite_checkpointer::CommitSignal;
use crate::write_prefix::{self, Deferred, Prefix, PrefixState};
use crate::{Result, StoreError};

/// Most jobs committed together: bounds how long the first job of a batch
/// waits for its COMMIT.
const MAX_JOBS: u32 = 64;

/// A job waiting for its batch's COMMIT checks this often that the batch
/// has not been left open (should the job it was passed to have been
/// cancelled before it started), and commits it itself if so.
const ORPHAN_CHECK: Duration = Duration::from_millis(50);

/// Prepared statements kept on the writer: each first read of a write
/// path exists in up to four prefixed forms.
const STATEMENT_CACHE: usize = 400;

/// WAL pages after which a COMMIT checkpoints (SQLite's default is 1,000):
/// the fallback behind the background task's close at 5,000 frames
/// (`sqlite_checkpointer`).
const WRITER_CHECKPOINT_PAGES: u32 = 10_000;

/// What a batch's jobs learn when it ends: `None` while open.
type Outcome = Option<std::result::Result<(), String>>;

/// The two savepoint names jobs alternate between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    A,
    B,
}

impl Name {
    fn undo_sql(self) -> &'static str {
        match self {
            Name::A => "ROLLBACK TO job_a; RELEASE job_a",
            Name::B => "ROLLBACK TO job_b; RELEASE job_b",
        }
    }

    fn release_sql(self) -> &'static str {
        match self {
            Name::A => "RELEASE job_a",
            Name::B => "RELEASE job_b",
        }
    }
}

/// The writer of one SQLite database; cheap to clone.
#[derive(Clone)]
pub(crate) struct SqliteWriter {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter").finish_non_exhaustive()
    }
}

struct Inner {
    /// Whoever holds the lock owns the connection.
    slot: Arc<Mutex<Slot>>,
    /// Tasks queued for `slot`: a finishing job passes the batch on only
    /// when somebody is there to take it.
    queued: AtomicUsize,
    next_batch: AtomicU64,
    /// How long a write waits for its turn before failing, as a pool's
    /// acquire timeout would (and a task that already holds a job and asks
    /// for another fails instead of waiting forever for itself).
    wait_limit: Duration,
}

struct Slot {
    /// `None` once closed.
    conn: Option<SqliteConnection>,
    /// The open transaction, once a job has committed into it.
    batch: Option<Batch>,
    /// The last committed job's deferred statements, for the next job's
    /// first statement or the COMMIT to send.
    carry: Vec<Deferred>,
    /// Wakes the background checkpoint (`sqlite_checkpointer`).
    committed: CommitSignal,
}

/// The open transaction and the jobs it holds.
struct Batch {
    id: u64,
    /// Jobs committed into it so far.
    jobs: u32,
    /// The last committed job's savepoint, not released yet (the next
    /// job's prefix or the COMMIT ends it).
    unreleased: Option<Name>,
    outcome: watch::Sender<Outcome>,
}

/// Counts a task in `queued` until it holds the slot (or gives up).
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn enter(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::AcqRel);
        Queued(counter)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn run(conn: &mut SqliteConnection, sql: &'static str) -> Result<()> {
    sqlx::query(sql).execute(&mut *conn).await?;
    Ok(())
}

fn closed() -> StoreError {
    StoreError::Unavailable(sqlx::Error::PoolClosed)
}

fn not_committed(why: &str) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Protocol(format!(
        "the shared transaction was not committed: {why}"
    )))
}

impl Slot {
    fn conn(&mut self) -> Result<&mut SqliteConnection> {
        self.conn.as_mut().ok_or_else(closed)
    }

    /// Commits the open batch (if any) and tells its jobs how it went.
    async fn end_batch(&mut self) -> Result<()> {
        let Some(batch) = self.batch.take() else {
            return Ok(());
        };
        let (sql, values) = write_prefix::commit_sql(std::mem::take(&mut self.carry));
        let conn = self.conn()?;
        // Built from statements sea-query rendered with every value bound.
        let result = sqlx::query_with(sqlx::AssertSqlSafe(sql), values)
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(StoreError::from);
        if result.is_err() {
            // A failed COMMIT may leave the transaction open.
            let _ = run(conn, "ROLLBACK").await;
        }
        if result.is_ok() {
            self.committed.committed();
        }
        let outcome = match &result {
            Ok(()) => Ok(()),
            Err(error) => Err(error.to_string()),
        };
        batch.outcome.send_replace(Some(outcome));
        result
    }

    /// Rolls back whatever transaction is open, telling the batch's jobs
    /// why.
    async fn abort(&mut self, why: &str) {
        self.carry.clear();
        if let Some(conn) = self.conn.as_mut() {
            // Fails harmlessly when no transaction is open.
            let _ = run(conn, "ROLLBACK").await;
        }
        if let Some(batch) = self.batch.take() {
            batch.outcome.send_replace(Some(Err(why.to_owned())));
        }
    }
}

impl SqliteWriter {
    pub(crate) async fn connect(
        options: SqliteConnectOptions,
        wait_limit: Duration,
        committed: CommitSignal,
    ) -> Result<SqliteWriter> {
        let conn = options
            .statement_cache_capacity(STATEMENT_CACHE)
            .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES.to_string())
            // Every job is a savepoint, so each page it touches first is
            // copied to a sub-journal; past 64 KiB (a create touches more)
            // SQLite spills that to a temporary file, a write() per page.
            // In memory it never spills (pager.c: `sqlite3TempInMemory`).
            .pragma("temp_store", "memory")
            .connect()
            .await?;
        Ok(SqliteWriter {
            inner: Arc::new(Inner {
                slot: Arc::new(Mutex::new(Slot {
                    conn: Some(conn),
                    batch: None,
                    carry: Vec::new(),
                    committed,
                })),
                queued: AtomicUsize::new(0),
                next_batch: AtomicU64::new(1),
                wait_limit,
            }),
        })
    }

    async fn lock(&self) -> Result<OwnedMutexGuard<Slot>> {
        let _queued = Queued::enter(&self.inner.queued);
        tokio::time::timeout(self.inner.wait_limit, self.inner.slot.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolTimedOut))
    }

    /// Starts a job: a savepoint in the open batch, or in a new one. The
    /// savepoint is sent with the job's first statement.
    pub(crate) async fn begin(&self) -> Result<WriteJob> {
        let mut slot = self.lock().await?;
        // IMMEDIATE: the write lock at once, so that another process's
        // write cannot make a later statement of ours fail as busy.
        let (name, sql) = match slot.batch.as_ref().map(|b| b.unreleased) {
            None => (Name::A, "BEGIN IMMEDIATE; SAVEPOINT job_a"),
            Some(None) => (Name::A, "SAVEPOINT job_a"),
            Some(Some(Name::A)) => (Name::B, "RELEASE job_a; SAVEPOINT job_b"),
            Some(Some(Name::B)) => (Name::A, "RELEASE job_b; SAVEPOINT job_a"),
        };
        let carried = std::mem::take(&mut slot.carry);
        Ok(WriteJob {
            slot: Some(slot),
            name,
            prefix: Prefix::new(sql, carried),
            writer: self.clone(),
        })
    }

    /// Runs `f` on the connection alone, outside any transaction (after
    /// committing the open batch): migrations, checkpoints, maintenance.
    pub(crate) async fn exclusive<T>(
        &self,
        f: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T>,
    ) -> Result<T> {
        let mut slot = self.lock().await?;
        slot.end_batch().await?;
        f(slot.conn()?).await
    }

    pub(crate) async fn close(&self) {
        let Ok(mut slot) = self.lock().await else {
            return;
        };
        let _ = slot.end_batch().await;
        if let Some(conn) = slot.conn.take() {
            let _ = conn.close().await;
        }
    }

    /// Waits for the end of batch `id`, committing it itself should it
    /// have been left open with nobody to commit it.
    async fn outcome_of(&self, id: u64, mut outcome: watch::Receiver<Outcome>) -> Result<()> {
        loop {
            // Owned before any other await: the watch's guard is not Send.
            let waited = tokio::time::timeout(ORPHAN_CHECK, outcome.wait_for(Option::is_some))
                .await
                .map(|seen| seen.map(|ended| ended.clone()));
            match waited {
                Ok(Ok(Some(Err(why)))) => return Err(not_committed(&why)),
                Ok(Ok(_)) => return Ok(()),
                // The batch is gone without a word: only if a task
                // panicked while holding it.
                Ok(Err(_)) => return Err(not_committed("the writer stopped")),
                Err(_) => {
                    let mut slot = self.lock().await?;
                    if slot.batch.as_ref().is_some_and(|b| b.id == id) {
                        slot.end_batch().await?;
                    }
                }
            }
        }
    }

    /// Leaves the slot after a job that changed nothing: the next job
    /// takes the batch on, or the batch is committed for the jobs waiting
    /// on it.
    async fn hand_on(&self, mut slot: OwnedMutexGuard<Slot>) -> Result<()> {
        if self.inner.queued.load(Ordering::Acquire) == 0 {
            slot.end_batch().await?;
        }
        Ok(())
    }

    /// Undoes a job that will not commit, restoring the invariant (no
    /// savepoint left but, possibly, the previous job's).
    async fn undo(&self, mut slot: OwnedMutexGuard<Slot>, name: Name, prefix: Prefix) {
        let state = prefix.state;
        if state == PrefixState::NotRun {
            // Nothing sent: what it carried is still the previous job's.
            slot.carry = prefix.carried;
            let _ = self.hand_on(slot).await;
            return;
        }
        if state == PrefixState::Broken && prefix.carried_sent {
            slot.abort("a write failed together with the previous write's last statements")
                .await;
            return;
        }
        let Ok(conn) = slot.conn() else {
            return;
        };
        let rolled_back = run(conn, name.undo_sql()).await.is_ok();
        if !rolled_back && state == PrefixState::Ran {
            // The savepoint exists, yet rolling back to it failed.
            slot.abort("a failed write could not be undone").await;
            return;
        }
        // Either the job's savepoint was undone (so its prefix had run
        // whole, releasing the previous one), or it never existed and the
        // prefix stopped somewhere before it: release the previous one
        // for certain, so that one state follows both.
        let previous = slot.batch.as_ref().and_then(|b| b.unreleased);
        if !rolled_back && let (Some(previous), Ok(conn)) = (previous, slot.conn()) {
            let _ = run(conn, previous.release_sql()).await;
        }
        match slot.batch.as_mut() {
            // The job would have opened the transaction: end it.
            None => {
                if let Ok(conn) = slot.conn() {
                    let _ = run(conn, "ROLLBACK").await;
                }
            }
            Some(batch) => {
                batch.unreleased = None;
                let _ = self.hand_on(slot).await;
            }
        }
    }
}

/// One write transaction: a savepoint in the shared one. Dropped without
/// `commit`, it rolls back to its savepoint.
pub struct WriteJob {
    /// `None` once committed or dropped.
    slot: Option<OwnedMutexGuard<Slot>>,
    name: Name,
    prefix: Prefix,
    writer: SqliteWriter,
}

impl WriteJob {
    /// The prefix, out of a job that is ending (commit or drop).
    fn take_prefix(&mut self) -> Prefix {
        std::mem::replace(&mut self.prefix, Prefix::new("", Vec::new()))
    }

    pub(crate) fn conn(&mut self) -> Conn<'_> {
        // `begin` makes a job holding the slot, only `commit` (which
        // consumes the job) and `Drop` take it, and only `close` (which
        // waits for the slot) takes the connection.
        let conn = self
            .slot
            .as_mut()
            .and_then(|slot| slot.conn.as_mut())
            .expect("a live job holds the writer's connection");
        Conn::Sqlite(conn, Some(&mut self.prefix))
    }

    /// Keeps the job's writes; returns once they are committed.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let Some(mut slot) = self.slot.take() else {
            return Err(closed());
        };
        let mut prefix = self.take_prefix();
        if prefix.state == PrefixState::NotRun && !prefix.deferred.is_empty() {
            // Only deferred statements: they need the savepoint now.
            let flushed = match slot.conn() {
                Ok(conn) => write_prefix::flush(&mut Some(&mut prefix), conn).await,
                Err(error) => Err(error),
            };
            if let Err(error) = flushed {
                self.writer.undo(slot, self.name, prefix).await;
                return Err(error);
            }
        }
        match prefix.state {
            PrefixState::Ran => {}
            // Nothing was written: the batch is as the job found it.
            PrefixState::NotRun => {
                slot.carry = prefix.carried;
                return self.writer.hand_on(slot).await;
            }
            // Its first statement failed, yet the caller commits: keep
            // nothing of it.
            PrefixState::Broken => {
                self.writer.undo(slot, self.name, prefix).await;
                return Err(not_committed("the write's first statement failed"));
            }
        }
        slot.carry = prefix.deferred;
        let writer = &self.writer;
        let batch = slot.batch.get_or_insert_with(|| Batch {
            id: writer.inner.next_batch.fetch_add(1, Ordering::Relaxed),
            jobs: 0,
            unreleased: None,
            outcome: watch::channel(None).0,
        });
        batch.jobs += 1;
        batch.unreleased = Some(self.name);
        let pass_on = batch.jobs < MAX_JOBS && writer.inner.queued.load(Ordering::Acquire) > 0;
        if !pass_on {
            return slot.end_batch().await;
        }
        let (id, outcome) = (batch.id, batch.outcome.subscribe());
        drop(slot);
        writer.outcome_of(id, outcome).await
    }
}

impl Drop for WriteJob {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        let (writer, name) = (self.writer.clone(), self.name);
        let prefix = self.take_prefix();
        // Undoing the job needs the connection, which only an async task
        // can drive; it keeps the slot until the job is undone. Without a
        // runtime (process exit) nothing can write any more anyway.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { writer.undo(slot, name, prefix).await });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sea_query::{Expr, Query};

    use super::*;

    #[derive(sqlx::FromRow)]
    struct Count {
        #[allow(dead_code)] // read by the database, not by the tests
        n: i64,
    }

    async fn writer() -> SqliteWriter {
        let path = std::env::temp_dir().join(format!("stint-writer-{}.db", uuid::Uuid::now_v7()));
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let writer =
            SqliteWriter::connect(options, Duration::from_secs(10), CommitSignal::default())
                .await
                .unwrap();
        writer
            .exclusive(async |conn| run(conn, "CREATE TABLE t (v INTEGER PRIMARY KEY)").await)
            .await
            .unwrap();
        writer
    }

    fn insert(v: i64) -> sea_query::InsertStatement {
        Query::insert()
            .into_table("t")
            .columns(["v"])
            .values_panic([v.into()])
            .to_owned()
    }

    fn count() -> sea_query::SelectStatement {
        Query::select()
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .from("t")
            .to_owned()
    }

    async fn values(writer: &SqliteWriter) -> Vec<i64> {
        writer
            .exclusive(async |conn| {
                Ok(sqlx::query_scalar::<_, i64>("SELECT v FROM t ORDER BY v")
                    .fetch_all(conn)
                    .await?)
            })
            .await
            .unwrap()
    }

    /// A job that reads first (its savepoint folded into the read), then
    /// writes `v`; it fails after writing when `v` is odd.
    async fn job(writer: SqliteWriter, v: i64) -> Result<()> {
        let mut job = writer.begin().await?;
        job.conn().fetch_one::<Count>(&count()).await?;
        job.conn().execute(&insert(v)).await?;
        if v % 2 == 1 {
            return Err(closed());
        }
        job.commit().await
    }

    /// The same with a deferred second row, `v + 1000` (as an event row).
    async fn job_with_deferred(writer: SqliteWriter, v: i64) -> Result<()> {
        let mut job = writer.begin().await?;
        job.conn().fetch_one::<Count>(&count()).await?;
        job.conn().execute(&insert(v)).await?;
        job.conn().defer(&insert(v + 1000)).await?;
        if v % 2 == 1 {
            return Err(closed());
        }
        job.commit().await
    }

    /// Runs jobs 1..=200 concurrently and checks that exactly the even ones
    /// (those that do not fail on purpose) succeed.
    async fn run_200<F, Fut>(writer: &SqliteWriter, job: F)
    where
        F: Fn(SqliteWriter, i64) -> Fut,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        let jobs: Vec<_> = (1..=200)
            .map(|v| tokio::spawn(job(writer.clone(), v)))
            .collect();
        for (v, handle) in (1..=200).zip(jobs) {
            assert_eq!(handle.await.unwrap().is_ok(), v % 2 == 0, "job {v}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_jobs_commit_together_and_failures_undo_only_themselves() {
        let writer = writer().await;
        run_200(&writer, job).await;
        assert_eq!(
            values(&writer).await,
            (1..=100).map(|v| v * 2).collect::<Vec<_>>()
        );
        let batches = writer.inner.next_batch.load(Ordering::Relaxed) - 1;
        assert!(batches < 100, "{batches} commits for 100 jobs");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deferred_statements_commit_with_their_job_or_not_at_all() {
        let writer = writer().await;
        run_200(&writer, job_with_deferred).await;
        let mut expected: Vec<i64> = (1..=100).flat_map(|v| [v * 2, v * 2 + 1000]).collect();
        expected.sort();
        assert_eq!(values(&writer).await, expected);
        // Deferred alone: sent when the job commits.
        let mut job = writer.begin().await.unwrap();
        job.conn().defer(&insert(5000)).await.unwrap();
        job.commit().await.unwrap();
        assert!(values(&writer).await.contains(&5000));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_first_statement_or_a_cancelled_job_leaves_the_others() {
        let writer = writer().await;
        let mut kept = Vec::new();
        for round in 0..30 {
            let base = round * 10;
            let first = tokio::spawn(job(writer.clone(), base + 2));
            // The first statement fails together with its savepoint.
            let broken = {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let mut job = writer.begin().await?;
                    let bad = Query::select()
                        .expr(Expr::cust("no_such_column"))
                        .from("t")
                        .to_owned();
                    job.conn().fetch_one::<Count>(&bad).await?;
                    job.commit().await
                })
            };
            // Cancelled while a slow first statement is on SQLite's thread.
            let cancelled = {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let mut job = writer.begin().await.unwrap();
                    let slow = Query::select()
                        .expr_as(
                            Expr::cust(
                                "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
                                 WHERE x < 300000) SELECT COUNT(*) FROM c)",
                            ),
                            "n",
                        )
                        .to_owned();
                    let _ = tokio::time::timeout(
                        Duration::from_micros(200),
                        job.conn().fetch_one::<Count>(&slow),
                    )
                    .await;
                    job.conn().execute(&insert(base + 5)).await.ok();
                    // Dropped here without commit.
                })
            };
            let last = tokio::spawn(job(writer.clone(), base + 4));
            assert!(first.await.unwrap().is_ok());
            assert!(broken.await.unwrap().is_err());
            cancelled.await.unwrap();
            assert!(last.await.unwrap().is_ok());
            kept.extend([base + 2, base + 4]);
        }
        kept.sort();
        assert_eq!(values(&writer).await, kept);
    }
}
