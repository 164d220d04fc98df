//! `StoreError`: what can go wrong below the domain, with constraint
//! violations told apart from outages so the API can answer 409 or 503.

/// A persistence failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; `constraint` names the index or
    /// column list as the backend reported it.
    #[error("unique constraint violated: {constraint}")]
    Unique { constraint: String },
    /// A row referenced another that does not exist (or belongs elsewhere).
    #[error("foreign key violated: {constraint}")]
    ForeignKey { constraint: String },
    /// The database could not be reached in time.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Migrations failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Anything else the driver reported.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// A stored value could not be understood (a bug or a hand-edited row).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// True for a unique violation whose description mentions `needle`
    /// (a PostgreSQL constraint name or SQLite's `table.column`).
    pub fn is_unique_on(&self, needle: &str) -> bool {
        matches!(self, StoreError::Unique { constraint } if constraint.contains(needle))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) => {
                let constraint = db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned());
                match db.kind() {
                    sqlx::error::ErrorKind::UniqueViolation => StoreError::Unique { constraint },
                    sqlx::error::ErrorKind::ForeignKeyViolation => {
                        StoreError::ForeignKey { constraint }
                    }
                    _ => StoreError::Database(error),
                }
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(error)
            }
            _ => StoreError::Database(error),
        }
    }
}
