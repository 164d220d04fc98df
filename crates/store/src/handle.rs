//! The handles through which the rest of Stint reaches data.
//!
//! `Store::scoped(org)` gives a `Scoped` handle whose `Tenant` views bind the
//! organization id into every statement; nothing else in the server holds a
//! pool. Only the server's `auth` module calls `scoped` (enforced by
//! clippy's `disallowed-methods`), after it has proven who is calling.
//! `Store::system()` is the deliberately loud handle for work that has no
//! tenant yet or spans tenants: sign-in, signup, operator commands, workers.

use stint_core::ids::OrgId;

use crate::Result;
use crate::db::{Backend, ConnectOptions, Db};
use crate::exec::{Exec, Pooled, Tx};

/// The database, with its pools.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
}

impl Store {
    pub async fn connect(options: &ConnectOptions) -> Result<Store> {
        Ok(Store {
            db: Db::connect(options).await?,
        })
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<()> {
        self.db.migrate().await
    }

    /// Answers when the database accepts a trivial query.
    pub async fn ping(&self) -> Result<()> {
        self.db.ping().await
    }

    pub async fn close(&self) {
        self.db.close().await
    }

    /// The data of one organization. Call only once the caller is proven to
    /// act for `org` (the server's auth module does).
    pub fn scoped(&self, org: OrgId) -> Scoped {
        Scoped {
            db: self.db.clone(),
            org,
        }
    }

    /// Cross-tenant access for sign-in, signup, operators and workers.
    pub fn system(&self) -> SystemStore {
        SystemStore {
            db: self.db.clone(),
        }
    }
}

async fn read_conn(db: &Db) -> Result<Pooled> {
    Ok(match db {
        Db::Sqlite { reader, .. } => Pooled::Sqlite(reader.acquire().await?),
        Db::Postgres(pool) => Pooled::Postgres(pool.acquire().await?),
    })
}

async fn begin(db: &Db) -> Result<Tx> {
    Ok(match db {
        Db::Sqlite { writer, .. } => Tx::Sqlite(writer.begin().await?),
        Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
    })
}

/// One organization's data; cheap to clone.
#[derive(Debug, Clone)]
pub struct Scoped {
    db: Db,
    org: OrgId,
}

impl Scoped {
    pub fn org(&self) -> OrgId {
        self.org
    }

    /// A view for reading outside a transaction.
    pub async fn read(&self) -> Result<Tenant<Pooled>> {
        Ok(Tenant {
            exec: read_conn(&self.db).await?,
            org: self.org,
        })
    }

    /// A view inside a new transaction; `commit` it or it rolls back.
    pub async fn write(&self) -> Result<Tenant<Tx>> {
        Ok(Tenant {
            exec: begin(&self.db).await?,
            org: self.org,
        })
    }
}

/// One organization's data over one connection. Resource modules add their
/// queries as methods here; each binds `self.org`.
pub struct Tenant<E: Exec> {
    pub(crate) exec: E,
    pub(crate) org: OrgId,
}

impl<E: Exec> Tenant<E> {
    pub fn org(&self) -> OrgId {
        self.org
    }
}

impl Tenant<Tx> {
    pub async fn commit(self) -> Result<()> {
        self.exec.commit().await
    }
}

/// The cross-tenant handle.
#[derive(Debug, Clone)]
pub struct SystemStore {
    db: Db,
}

impl SystemStore {
    pub async fn read(&self) -> Result<System<Pooled>> {
        Ok(System {
            exec: read_conn(&self.db).await?,
        })
    }

    pub async fn write(&self) -> Result<System<Tx>> {
        Ok(System {
            exec: begin(&self.db).await?,
        })
    }
}

/// Cross-tenant queries over one connection.
pub struct System<E: Exec> {
    pub(crate) exec: E,
}

impl System<Tx> {
    pub async fn commit(self) -> Result<()> {
        self.exec.commit().await
    }
}
