//! Verified API-key credentials kept in this process, so a request made
//! with a key (or with a JWT made from one) does not read the database.
//!
//! Exactness: every change that can refuse a key — deleting it, switching
//! the organization's Public API app off (or on) — goes through this
//! process's services, which call `forget_key` / `forget_organization` right
//! after their transaction commits. A look-up that read the database before
//! such a change may finish after it; the generation counter stops it from
//! storing what it read (`fill` checks the generation taken before the read).
//! So the next request after the change's response misses the cache and
//! reads the committed state. That holds while one process writes the
//! database: always on SQLite (one `stint serve` per file). On PostgreSQL
//! several processes may serve, so the cache is off unless configured
//! (`auth.credential_cache`); when forced on there, other processes see a
//! change within `auth.credential_cache_ttl`, as they do the operator's
//! `stint admin set-plan` on either backend.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use stint_core::ids::{ApiKeyId, OrgId};
use stint_store::api_keys::ApiKeyCredential;

/// Entries kept at most; past it the cache starts over (keys are few).
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    credential: Arc<ApiKeyCredential>,
    cached_at: DateTime<Utc>,
}

#[derive(Default)]
struct Entries {
    /// Bumped by every invalidation.
    generation: u64,
    by_public: HashMap<String, Arc<Entry>>,
    by_id: HashMap<ApiKeyId, Arc<Entry>>,
}

/// The cache; disabled it stores nothing and every look-up misses.
pub struct CredentialCache {
    enabled: bool,
    ttl: chrono::Duration,
    entries: Mutex<Entries>,
}

/// Taken before reading the database; `fill` stores the result only if no
/// invalidation happened since.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(Option<u64>);

impl CredentialCache {
    pub fn new(enabled: bool, ttl: std::time::Duration) -> CredentialCache {
        CredentialCache {
            enabled,
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX),
            entries: Mutex::new(Entries::default()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fresh(&self, entry: &Entry, now: DateTime<Utc>) -> bool {
        now - entry.cached_at < self.ttl && entry.cached_at <= now
    }

    /// The key with this public half, as last read.
    pub fn by_public(&self, public: &str, now: DateTime<Utc>) -> Option<Arc<ApiKeyCredential>> {
        if !self.enabled {
            return None;
        }
        let entries = self.lock();
        let entry = entries.by_public.get(public)?;
        self.fresh(entry, now).then(|| entry.credential.clone())
    }

    /// The key with this id, as last read.
    pub fn by_id(&self, id: ApiKeyId, now: DateTime<Utc>) -> Option<Arc<ApiKeyCredential>> {
        if !self.enabled {
            return None;
        }
        let entries = self.lock();
        let entry = entries.by_id.get(&id)?;
        self.fresh(entry, now).then(|| entry.credential.clone())
    }

    /// Call before reading a credential from the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.enabled.then(|| self.lock().generation))
    }

    /// Stores a live key read after `ticket` was taken, unless something
    /// was invalidated in between (the read may predate that change).
    /// `public` is the key's public half when the look-up was by it.
    pub fn fill(
        &self,
        ticket: Ticket,
        public: Option<&str>,
        credential: &Arc<ApiKeyCredential>,
        now: DateTime<Utc>,
    ) {
        let Ticket(Some(generation)) = ticket else {
            return;
        };
        if credential.revoked_at.is_some() {
            return;
        }
        let mut entries = self.lock();
        if entries.generation != generation {
            return;
        }
        if entries.by_id.len() >= MAX_ENTRIES {
            entries.by_id.clear();
            entries.by_public.clear();
        }
        let entry = Arc::new(Entry {
            credential: credential.clone(),
            cached_at: now,
        });
        if let Some(public) = public {
            entries.by_public.insert(public.to_owned(), entry.clone());
        }
        entries.by_id.insert(credential.id, entry);
    }

    /// After a key was deleted (its transaction committed).
    pub fn forget_key(&self, id: ApiKeyId) {
        if !self.enabled {
            return;
        }
        let mut entries = self.lock();
        entries.generation += 1;
        entries.by_id.remove(&id);
        entries.by_public.retain(|_, e| e.credential.id != id);
    }

    /// After a change to an organization that its keys carry (the Public
    /// API app's state, the plan).
    pub fn forget_organization(&self, org: OrgId) {
        if !self.enabled {
            return;
        }
        let mut entries = self.lock();
        entries.generation += 1;
        entries.by_id.retain(|_, e| e.credential.org_id != org);
        entries.by_public.retain(|_, e| e.credential.org_id != org);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn credential(org: OrgId) -> Arc<ApiKeyCredential> {
        Arc::new(ApiKeyCredential {
            id: ApiKeyId::generate(),
            org_id: org,
            secret_hash: vec![1, 2, 3],
            scopes: "read".into(),
            revoked_at: None,
            last_used_at: None,
            created_by: None,
            public_api_status: "active".into(),
            plan: "free".into(),
        })
    }

    fn now() -> DateTime<Utc> {
        "2026-03-02T09:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_read_that_predates_an_invalidation_is_not_stored() {
        let cache = CredentialCache::new(true, Duration::from_secs(60));
        let key = credential(OrgId::generate());
        let ticket = cache.ticket();
        cache.forget_key(key.id);
        cache.fill(ticket, Some("pk_a"), &key, now());
        assert!(cache.by_public("pk_a", now()).is_none());
        cache.fill(cache.ticket(), Some("pk_a"), &key, now());
        assert!(cache.by_public("pk_a", now()).is_some());
        assert!(cache.by_id(key.id, now()).is_some());
    }

    #[test]
    fn forgetting_drops_the_key_or_the_whole_organization() {
        let cache = CredentialCache::new(true, Duration::from_secs(60));
        let org = OrgId::generate();
        let (a, b, other) = (
            credential(org),
            credential(org),
            credential(OrgId::generate()),
        );
        for (public, key) in [("pk_a", &a), ("pk_b", &b), ("pk_o", &other)] {
            cache.fill(cache.ticket(), Some(public), key, now());
        }
        cache.forget_key(a.id);
        assert!(cache.by_public("pk_a", now()).is_none());
        assert!(cache.by_id(a.id, now()).is_none());
        assert!(cache.by_public("pk_b", now()).is_some());
        cache.forget_organization(org);
        assert!(cache.by_public("pk_b", now()).is_none());
        assert!(cache.by_id(b.id, now()).is_none());
        assert!(cache.by_public("pk_o", now()).is_some());
    }

    #[test]
    fn entries_expire_and_a_disabled_cache_keeps_nothing() {
        let cache = CredentialCache::new(true, Duration::from_secs(60));
        let key = credential(OrgId::generate());
        cache.fill(cache.ticket(), Some("pk_a"), &key, now());
        assert!(
            cache
                .by_public("pk_a", now() + chrono::Duration::seconds(61))
                .is_none()
        );
        let mut revoked = (*credential(OrgId::generate())).clone();
        revoked.revoked_at = Some(now());
        cache.fill(cache.ticket(), Some("pk_r"), &Arc::new(revoked), now());
        assert!(cache.by_public("pk_r", now()).is_none());

        let off = CredentialCache::new(false, Duration::from_secs(60));
        off.fill(off.ticket(), Some("pk_a"), &key, now());
        assert!(off.by_public("pk_a", now()).is_none());
    }
}
