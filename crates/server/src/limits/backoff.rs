//! Growing back-off after failed sign-ins for one identifier (an email or
//! an API key's public half). After `FREE_FAILURES` failures each further
//! failure doubles the wait, up to `MAX_WAIT`. The identifier is counted
//! whether or not an account exists, so the answers never tell.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use tokio::sync::Mutex as AsyncMutex;

use crate::config::{RateLimitBackend, RateLimitSettings};

/// Failures allowed before waits begin.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait, in seconds.
pub const MAX_WAIT: i64 = 15 * 60;
/// Failures are forgotten after this long without another.
const FORGET_AFTER: i64 = 60 * 60;

/// Records one failure: `{n}` failures so far; answers the moment the
/// identifier may be tried again (0 when it may now).
const FAIL: &str = r"
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local now = tonumber(ARGV[1])
local until_ = 0
if n > tonumber(ARGV[2]) then
  local wait = math.min(2 ^ (n - tonumber(ARGV[2]) - 1), tonumber(ARGV[3]))
  until_ = now + wait
  redis.call('HSET', KEYS[1], 'until', until_)
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return until_
";

fn wait_seconds(failures: u32) -> i64 {
    if failures <= FREE_FAILURES {
        0
    } else {
        2i64.saturating_pow(failures - FREE_FAILURES - 1)
            .min(MAX_WAIT)
    }
}

/// Where failures are remembered.
pub enum Backoff {
    Memory(Mutex<HashMap<String, (u32, i64, i64)>>),
    Redis {
        url: String,
        connection: AsyncMutex<Option<ConnectionManager>>,
    },
}

impl Backoff {
    pub fn new(settings: &RateLimitSettings) -> Backoff {
        match settings.backend {
            RateLimitBackend::Memory => Backoff::Memory(Mutex::new(HashMap::new())),
            RateLimitBackend::Redis => Backoff::Redis {
                url: settings.redis_url.clone().unwrap_or_default(),
                connection: AsyncMutex::new(None),
            },
        }
    }

    fn key(identifier: &str) -> String {
        format!("stint:bo:{}", identifier.trim().to_lowercase())
    }

    async fn redis(&self) -> Option<ConnectionManager> {
        let Backoff::Redis { url, connection } = self else {
            return None;
        };
        let mut guard = connection.lock().await;
        if guard.is_none() {
            let client = redis::Client::open(url.as_str()).ok()?;
            *guard = ConnectionManager::new(client).await.ok();
        }
        guard.clone()
    }

    /// Seconds until the identifier may be tried again, if it must wait.
    pub async fn wait(&self, identifier: &str, now: DateTime<Utc>) -> Option<u64> {
        let now = now.timestamp();
        let until = match self {
            Backoff::Memory(map) => {
                let map = map.lock().unwrap_or_else(|e| e.into_inner());
                map.get(&Self::key(identifier))
                    .map(|(_, until, _)| *until)
                    .unwrap_or(0)
            }
            Backoff::Redis { .. } => {
                let mut connection = self.redis().await?;
                let until: Option<i64> = redis::cmd("HGET")
                    .arg(Self::key(identifier))
                    .arg("until")
                    .query_async(&mut connection)
                    .await
                    .ok()?;
                until.unwrap_or(0)
            }
        };
        (until > now).then(|| u64::try_from(until - now).unwrap_or(1))
    }

    /// Remembers a failure.
    pub async fn failed(&self, identifier: &str, now: DateTime<Utc>) {
        let now = now.timestamp();
        match self {
            Backoff::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                if map.len() > 100_000 {
                    map.retain(|_, (_, _, last)| now - *last < FORGET_AFTER);
                }
                let entry = map.entry(Self::key(identifier)).or_insert((0, 0, now));
                if now - entry.2 >= FORGET_AFTER {
                    *entry = (0, 0, now);
                }
                entry.0 += 1;
                entry.2 = now;
                let wait = wait_seconds(entry.0);
                if wait > 0 {
                    entry.1 = now + wait;
                }
            }
            Backoff::Redis { .. } => {
                let Some(mut connection) = self.redis().await else {
                    return;
                };
                let result: Result<i64, _> = redis::Script::new(FAIL)
                    .key(Self::key(identifier))
                    .arg(now)
                    .arg(FREE_FAILURES)
                    .arg(MAX_WAIT)
                    .arg(FORGET_AFTER)
                    .invoke_async(&mut connection)
                    .await;
                if let Err(error) = result {
                    tracing::warn!(%error, "could not record a failed sign-in in Redis");
                }
            }
        }
    }

    /// Forgets failures after a success.
    pub async fn succeeded(&self, identifier: &str) {
        match self {
            Backoff::Memory(map) => {
                map.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&Self::key(identifier));
            }
            Backoff::Redis { .. } => {
                if let Some(mut connection) = self.redis().await {
                    let _: Result<i64, _> = redis::cmd("DEL")
                        .arg(Self::key(identifier))
                        .query_async(&mut connection)
                        .await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_the_free_failures() {
        assert_eq!(wait_seconds(5), 0);
        assert_eq!(wait_seconds(6), 1);
        assert_eq!(wait_seconds(7), 2);
        assert_eq!(wait_seconds(10), 16);
        assert_eq!(wait_seconds(40), MAX_WAIT);
    }
}
