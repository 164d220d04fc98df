//! Counting hits in a window, in this process or in Redis. Counting is one
//! atomic step in both (a mutex here, one Lua script there), so several
//! processes sharing Redis together allow exactly the limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::Mutex as AsyncMutex;

use crate::config::{OnRedisError, RateLimitBackend, RateLimitSettings};

/// Increments the key and sets its expiry on first use, atomically.
const INCREMENT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
";
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);
const RECONNECT_EVERY: Duration = Duration::from_secs(5);

/// Where counts live.
pub enum Counter {
    Memory(MemoryCounter),
    Redis(RedisCounter),
}

/// Counts kept in this process. Old windows are dropped as new ones start.
#[derive(Default)]
pub struct MemoryCounter {
    counts: Mutex<HashMap<String, (i64, u64)>>,
}

/// Counts kept in Redis, shared by every process.
pub struct RedisCounter {
    url: String,
    connection: AsyncMutex<(Option<ConnectionManager>, Option<std::time::Instant>)>,
    on_error: OnRedisError,
    /// Redis failures so far (exposed at `/metrics`).
    pub errors: AtomicU64,
}

/// Why a count could not be made.
#[derive(Debug)]
pub struct Unavailable;

impl Counter {
    pub fn new(settings: &RateLimitSettings) -> Counter {
        match settings.backend {
            RateLimitBackend::Memory => Counter::Memory(MemoryCounter::default()),
            RateLimitBackend::Redis => Counter::Redis(RedisCounter {
                url: settings.redis_url.clone().unwrap_or_default(),
                connection: AsyncMutex::new((None, None)),
                on_error: settings.on_redis_error,
                errors: AtomicU64::new(0),
            }),
        }
    }

    /// Adds one hit to `key` in window `index` and answers the new count.
    /// `None` when the backend failed and the policy is to let requests
    /// through; `Err` when it failed and the policy is to refuse.
    pub async fn hit(
        &self,
        key: &str,
        index: i64,
        ttl_seconds: i64,
    ) -> Result<Option<u64>, Unavailable> {
        match self {
            Counter::Memory(m) => Ok(Some(m.hit(key, index))),
            Counter::Redis(r) => r.hit(key, index, ttl_seconds).await,
        }
    }

    /// Redis failures so far (0 for the memory backend).
    pub fn errors(&self) -> u64 {
        match self {
            Counter::Memory(_) => 0,
            Counter::Redis(r) => r.errors.load(Ordering::Relaxed),
        }
    }
}

impl MemoryCounter {
    fn hit(&self, key: &str, index: i64) -> u64 {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        // Keep the map bounded: entries of past windows are worthless.
        if counts.len() > 100_000 {
            counts.retain(|_, (i, _)| *i >= index);
        }
        // Look up before inserting: the common case finds the key and needs
        // no owned copy of it.
        if let Some(entry) = counts.get_mut(key) {
            if entry.0 != index {
                *entry = (index, 0);
            }
            entry.1 += 1;
            return entry.1;
        }
        counts.insert(key.to_owned(), (index, 1));
        1
    }
}

impl RedisCounter {
    async fn hit(
        &self,
        key: &str,
        index: i64,
        ttl_seconds: i64,
    ) -> Result<Option<u64>, Unavailable> {
        let redis_key = format!("stint:rl:{key}:{index}");
        let result = async {
            let mut guard = self.connection.lock().await;
            if guard.0.is_none() {
                // Do not hammer a Redis that is down: one attempt every few seconds.
                if guard.1.is_some_and(|at| at.elapsed() < RECONNECT_EVERY) {
                    return Err(());
                }
                guard.1 = Some(std::time::Instant::now());
                let client = redis::Client::open(self.url.as_str()).map_err(|_| ())?;
                let manager =
                    tokio::time::timeout(REDIS_TIMEOUT * 4, ConnectionManager::new(client))
                        .await
                        .map_err(|_| ())?
                        .map_err(|_| ())?;
                guard.0 = Some(manager);
            }
            let mut connection = guard.0.clone().ok_or(())?;
            drop(guard);
            let script = redis::Script::new(INCREMENT);
            let count: u64 = tokio::time::timeout(
                REDIS_TIMEOUT,
                script
                    .key(&redis_key)
                    .arg(ttl_seconds + 60)
                    .invoke_async(&mut connection),
            )
            .await
            .map_err(|_| ())?
            .map_err(|_| ())?;
            Ok(count)
        }
        .await;
        match result {
            Ok(count) => Ok(Some(count)),
            Err(()) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(policy = ?self.on_error, "rate-limit counter unavailable (Redis)");
                match self.on_error {
                    OnRedisError::FailOpen => Ok(None),
                    OnRedisError::FailClosed => Err(Unavailable),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_counts_per_key_and_window() {
        let c = MemoryCounter::default();
        assert_eq!(c.hit("a", 1), 1);
        assert_eq!(c.hit("a", 1), 2);
        assert_eq!(c.hit("b", 1), 1);
        assert_eq!(c.hit("a", 2), 1, "a new window starts from zero");
    }
}
