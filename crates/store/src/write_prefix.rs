//! What an SQLite write job sends to SQLite's thread ahead of its own
//! statements, so that bookkeeping costs no round trip of its own
//! (`sqlite_writer` explains the jobs).
//!
//! A job's first statement carries, in one multi-statement query:
//! 1. the statements the previous job deferred (`carried`), which still
//!    belong to that job's savepoint;
//! 2. the job's savepoint (with the batch's BEGIN or the previous job's
//!    RELEASE);
//! 3. the job's own deferred statements;
//! 4. the statement itself.
//!
//! A statement is *deferred* when nothing needs its result at once: an
//! event row. It is sent with the job's next statement or, failing one,
//! with the next job's first statement or the batch's COMMIT. A statement
//! that answers a row count cannot carry anything (SQLite reports the count
//! of the last change, which could be a carried one's), so everything due
//! goes ahead of it alone.

use sea_query::{Value, Values};
use sea_query_sqlx::SqlxValues;
use sqlx::{AssertSqlSafe, SqliteConnection};

use crate::{Result, StoreError};

/// A statement waiting to be sent.
#[derive(Debug)]
pub(crate) struct Deferred {
    pub sql: String,
    pub values: Vec<Value>,
}

/// The job's pending bookkeeping, and whether its savepoint exists.
#[derive(Debug)]
pub struct Prefix {
    pub(crate) savepoint: &'static str,
    pub(crate) state: PrefixState,
    pub(crate) carried: Vec<Deferred>,
    /// Carried statements went out with a statement whose outcome is
    /// unknown: the previous job's work is then uncertain too.
    pub(crate) carried_sent: bool,
    pub(crate) deferred: Vec<Deferred>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrefixState {
    NotRun,
    Ran,
    /// Failed, or failed together with the statement it was sent with:
    /// whether it took effect is unknown.
    Broken,
}

impl Prefix {
    pub(crate) fn new(savepoint: &'static str, carried: Vec<Deferred>) -> Prefix {
        Prefix {
            savepoint,
            state: PrefixState::NotRun,
            carried,
            carried_sent: false,
            deferred: Vec::new(),
        }
    }

    pub(crate) fn defer(&mut self, sql: String, values: SqlxValues) {
        self.deferred.push(Deferred {
            sql,
            values: values.0.0,
        });
    }

    /// Everything due, then `last` if given: the SQL and its values, and
    /// whether the savepoint is in it.
    fn compose(
        &mut self,
        last: Option<(String, SqlxValues)>,
    ) -> Result<(String, SqlxValues, bool)> {
        if self.state == PrefixState::Broken {
            return Err(StoreError::Unavailable(sqlx::Error::Protocol(
                "an earlier statement of this write failed before its savepoint was known".into(),
            )));
        }
        let mut parts = Vec::new();
        let mut values = Vec::new();
        let savepoint = self.state == PrefixState::NotRun;
        if savepoint {
            self.carried_sent = !self.carried.is_empty();
            for d in self.carried.drain(..) {
                parts.push(d.sql);
                values.extend(d.values);
            }
            parts.push(self.savepoint.to_owned());
            // Until the round trip answers.
            self.state = PrefixState::Broken;
        }
        for d in self.deferred.drain(..) {
            parts.push(d.sql);
            values.extend(d.values);
        }
        if let Some((sql, own)) = last {
            parts.push(sql);
            values.extend(own.0.0);
        }
        Ok((parts.join("; "), SqlxValues(Values(values)), savepoint))
    }

    fn sent(&mut self, savepoint: bool) {
        if savepoint {
            self.state = PrefixState::Ran;
        }
    }

    fn is_due(&self) -> bool {
        self.state != PrefixState::Ran || !self.deferred.is_empty()
    }
}

/// The statement to send in place of `sql` (a read): with everything due.
pub(crate) fn fold(
    prefix: &mut Option<&mut Prefix>,
    sql: String,
    values: SqlxValues,
) -> Result<(String, SqlxValues, bool)> {
    match prefix {
        Some(p) => p.compose(Some((sql, values))),
        None => Ok((sql, values, false)),
    }
}

/// After a folded statement answered.
pub(crate) fn sent(prefix: &mut Option<&mut Prefix>, savepoint: bool) {
    if let Some(p) = prefix {
        p.sent(savepoint);
    }
}

/// Sends everything due on its own (before a statement that answers a row
/// count, or at the end of a job).
pub(crate) async fn flush(
    prefix: &mut Option<&mut Prefix>,
    conn: &mut SqliteConnection,
) -> Result<()> {
    let Some(p) = prefix else {
        return Ok(());
    };
    if !p.is_due() {
        return Ok(());
    }
    let (sql, values, savepoint) = p.compose(None)?;
    // Built from statements sea-query rendered with every value bound.
    sqlx::query_with(AssertSqlSafe(sql), values)
        .execute(&mut *conn)
        .await?;
    p.sent(savepoint);
    Ok(())
}

/// Statements carried to the end of a batch, then `COMMIT`.
pub(crate) fn commit_sql(carry: Vec<Deferred>) -> (String, SqlxValues) {
    let mut parts = Vec::new();
    let mut values = Vec::new();
    for d in carry {
        parts.push(d.sql);
        values.extend(d.values);
    }
    parts.push("COMMIT".to_owned());
    (parts.join("; "), SqlxValues(Values(values)))
}
