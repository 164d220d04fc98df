//! Settings: embedded defaults, then `stint.toml`, then `STINT_*` environment
//! variables (sections joined by `__`), then command-line flags. The process
//! refuses to start on an invalid setting and names the key and the reason.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};

/// Every setting of `stint serve`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database_url: String,
    pub log_format: LogFormat,
    pub log_level: String,
    pub database: DatabaseSettings,
    pub http: HttpSettings,
    pub signup: SignupSettings,
    pub auth: AuthSettings,
    pub time_tracking: TimeTrackingSettings,
    pub webhooks: WebhookSettings,
    pub rate_limit: RateLimitSettings,
    /// Plans by name (`free`, `pro`, `business`, `enterprise` by default).
    pub plans: std::collections::BTreeMap<String, PlanSettings>,
}

/// Webhook delivery.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Delays before each attempt after the first failure; when they run
    /// out the delivery is `failed`.
    #[serde(deserialize_with = "duration_list")]
    pub retry_schedule: Vec<Duration>,
    /// How long a receiver has to answer.
    #[serde(deserialize_with = "human_duration")]
    pub timeout: Duration,
    /// Deliver to loopback, private and link-local addresses (tests, on-premise receivers).
    pub allow_private_targets: bool,
    /// Deliveries in flight at once in one process.
    pub concurrency: usize,
    /// An endpoint whose deliveries all failed for this long is disabled.
    #[serde(deserialize_with = "human_duration")]
    pub disable_after: Duration,
    /// How long events stay in the event log.
    #[serde(deserialize_with = "human_duration")]
    pub event_retention: Duration,
    /// How often an idle worker looks for new events and due retries.
    #[serde(deserialize_with = "human_duration")]
    pub poll_interval: Duration,
    /// How long a process's claim on a delivery lasts before another may take it over.
    #[serde(deserialize_with = "human_duration")]
    pub lease: Duration,
}

/// Where rate-limit counters live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitBackend {
    /// In this process (one process).
    Memory,
    /// In Redis, shared by every process.
    Redis,
}

/// What to do when Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnRedisError {
    /// Let the request through (logged and counted).
    FailOpen,
    /// Answer 503.
    FailClosed,
}

/// Rate limiting.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub backend: RateLimitBackend,
    /// `redis://127.0.0.1:6379` when `backend = "redis"`.
    #[serde(default)]
    pub redis_url: Option<String>,
    pub on_redis_error: OnRedisError,
    /// Requests per hour for a user's own tokens (API keys follow their plan).
    pub user_requests_per_hour: u64,
    /// Unauthenticated credential requests per IP address per minute.
    pub credential_requests_per_minute: u64,
}

/// What an organization on a plan may do.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSettings {
    /// API requests per API key (and per user) in one clock hour.
    pub requests_per_hour: u64,
    pub max_api_keys: u64,
    pub max_webhooks: u64,
    pub max_members: u64,
    /// Whether the plan may switch the Public API app on.
    pub public_api: bool,
}

impl Settings {
    /// The limits of a plan; an unknown plan name (say, removed from the
    /// configuration) gets the most restrictive configured plan.
    pub fn plan(&self, name: &str) -> PlanSettings {
        self.plans.get(name).cloned().unwrap_or_else(|| {
            self.plans
                .values()
                .min_by_key(|p| p.requests_per_hour)
                .cloned()
                .unwrap_or(PlanSettings {
                    requests_per_hour: 0,
                    max_api_keys: 0,
                    max_webhooks: 0,
                    max_members: 1,
                    public_api: false,
                })
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeTrackingSettings {
    /// Longest duration one time entry may have.
    #[serde(deserialize_with = "human_duration")]
    pub max_entry_duration: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub max_connections: u32,
    #[serde(deserialize_with = "human_duration")]
    pub acquire_timeout: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    #[serde(deserialize_with = "byte_size")]
    pub body_limit: usize,
    #[serde(deserialize_with = "human_duration")]
    pub request_timeout: Duration,
    #[serde(deserialize_with = "human_duration")]
    pub shutdown_timeout: Duration,
    #[serde(deserialize_with = "comma_list")]
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupSettings {
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// When absent, a key is generated once and kept in the database.
    #[serde(default)]
    pub jwt_secret: Option<SecretString>,
    #[serde(deserialize_with = "human_duration")]
    pub access_token_ttl: Duration,
    #[serde(deserialize_with = "human_duration")]
    pub refresh_token_ttl: Duration,
    #[serde(deserialize_with = "human_duration")]
    pub session_max_age: Duration,
    #[serde(deserialize_with = "human_duration")]
    pub api_token_ttl: Duration,
    /// Whether API-key credentials are kept in the process.
    pub credential_cache: CredentialCacheMode,
    /// How long a cached credential is trusted without reading it again;
    /// bounds how late changes made by other processes are seen.
    #[serde(deserialize_with = "human_duration")]
    pub credential_cache_ttl: Duration,
}

/// `auth.credential_cache`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialCacheMode {
    /// On for SQLite (one process writes, invalidation is exact), off for
    /// PostgreSQL (several processes may serve).
    Auto,
    On,
    Off,
}

impl CredentialCacheMode {
    pub fn enabled(self, sqlite: bool) -> bool {
        match self {
            CredentialCacheMode::Auto => sqlite,
            CredentialCacheMode::On => true,
            CredentialCacheMode::Off => false,
        }
    }
}

/// One documented setting: its key, default and meaning. `stint serve --help`
/// prints this table, and a test checks it lists exactly the real keys.
pub struct SettingDoc {
    pub key: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

pub const SETTINGS: &[SettingDoc] = &[
    SettingDoc {
        key: "listen",
        default: "127.0.0.1:8080",
        help: "Address and port to serve HTTP on.",
    },
    SettingDoc {
        key: "database_url",
        default: "sqlite://./stint-data/stint.db",
        help: "sqlite://FILE (created on first start) or postgres://…",
    },
    SettingDoc {
        key: "log_format",
        default: "human",
        help: "human or json (one JSON object per line).",
    },
    SettingDoc {
        key: "log_level",
        default: "info",
        help: "tracing filter, e.g. info or stint_server=debug.",
    },
    SettingDoc {
        key: "database.max_connections",
        default: "10",
        help: "Connection pool size (readers on SQLite).",
    },
    SettingDoc {
        key: "database.acquire_timeout",
        default: "10s",
        help: "How long a request waits for a database connection.",
    },
    SettingDoc {
        key: "http.body_limit",
        default: "1MiB",
        help: "Largest request body accepted (413 above).",
    },
    SettingDoc {
        key: "http.request_timeout",
        default: "30s",
        help: "Requests running longer are answered 503.",
    },
    SettingDoc {
        key: "http.shutdown_timeout",
        default: "30s",
        help: "On SIGTERM/SIGINT, how long in-flight requests may finish.",
    },
    SettingDoc {
        key: "http.cors_origins",
        default: "",
        help: "Comma-separated origins allowed by CORS; empty turns CORS off.",
    },
    SettingDoc {
        key: "signup.enabled",
        default: "true",
        help: "Whether POST /api/v1/signup may create organizations.",
    },
    SettingDoc {
        key: "auth.jwt_secret",
        default: "(generated, kept in the database)",
        help: "HS256 signing key for access tokens, at least 32 bytes.",
    },
    SettingDoc {
        key: "auth.access_token_ttl",
        default: "30m",
        help: "Lifetime of a user's access token.",
    },
    SettingDoc {
        key: "auth.refresh_token_ttl",
        default: "30d",
        help: "Lifetime of a refresh token (renewed on each refresh).",
    },
    SettingDoc {
        key: "auth.session_max_age",
        default: "90d",
        help: "A sign-in session ends this long after it began.",
    },
    SettingDoc {
        key: "auth.api_token_ttl",
        default: "10m",
        help: "Lifetime of a JWT obtained with an API key pair.",
    },
    SettingDoc {
        key: "auth.credential_cache",
        default: "auto",
        help: "Keep verified API keys in the process: auto (on for SQLite, off for PostgreSQL), on or off.",
    },
    SettingDoc {
        key: "auth.credential_cache_ttl",
        default: "60s",
        help: "Longest a cached API key is trusted before it is read again (changes by other processes).",
    },
    SettingDoc {
        key: "time_tracking.max_entry_duration",
        default: "24h",
        help: "Longest a single time entry may be.",
    },
    SettingDoc {
        key: "webhooks.retry_schedule",
        default: "0s,5s,5m,30m,2h,5h,10h,10h",
        help: "Delays of the attempts after a failure (jitter added); then the delivery fails.",
    },
    SettingDoc {
        key: "webhooks.timeout",
        default: "10s",
        help: "How long a webhook receiver has to answer.",
    },
    SettingDoc {
        key: "webhooks.allow_private_targets",
        default: "false",
        help: "Allow loopback, private and link-local webhook URLs (tests, on-premise).",
    },
    SettingDoc {
        key: "webhooks.concurrency",
        default: "16",
        help: "Deliveries in flight at once per process.",
    },
    SettingDoc {
        key: "webhooks.disable_after",
        default: "5d",
        help: "Disable an endpoint whose deliveries all failed this long.",
    },
    SettingDoc {
        key: "webhooks.event_retention",
        default: "30d",
        help: "How long events stay in the event log.",
    },
    SettingDoc {
        key: "webhooks.poll_interval",
        default: "1s",
        help: "How often an idle worker looks for work.",
    },
    SettingDoc {
        key: "webhooks.lease",
        default: "60s",
        help: "How long a claim on a delivery lasts before another process may take it over.",
    },
    SettingDoc {
        key: "rate_limit.backend",
        default: "memory",
        help: "memory (one process) or redis (shared by every process).",
    },
    SettingDoc {
        key: "rate_limit.redis_url",
        default: "(none)",
        help: "redis://host:port when the backend is redis.",
    },
    SettingDoc {
        key: "rate_limit.on_redis_error",
        default: "fail_open",
        help: "fail_open (let requests through, logged) or fail_closed (503) when Redis is down.",
    },
    SettingDoc {
        key: "rate_limit.user_requests_per_hour",
        default: "10000",
        help: "Requests per hour for a user's own tokens.",
    },
    SettingDoc {
        key: "rate_limit.credential_requests_per_minute",
        default: "20",
        help: "Sign-in, signup, refresh and key-login requests per IP address per minute.",
    },
    SettingDoc {
        key: "plans.<plan>.requests_per_hour",
        default: "free 100, pro 1000, business 5000, enterprise 10000",
        help: "API requests per key (and per user) per clock hour.",
    },
    SettingDoc {
        key: "plans.<plan>.max_api_keys",
        default: "free 2, pro 10, business 50, enterprise 500",
        help: "API keys an organization may have.",
    },
    SettingDoc {
        key: "plans.<plan>.max_webhooks",
        default: "free 2, pro 10, business 50, enterprise 500",
        help: "Webhooks an organization may have.",
    },
    SettingDoc {
        key: "plans.<plan>.max_members",
        default: "free 5, pro 25, business 100, enterprise 10000",
        help: "Members (active or invited) an organization may have.",
    },
    SettingDoc {
        key: "plans.<plan>.public_api",
        default: "true",
        help: "Whether the plan may activate the Public API app.",
    },
];

const DEFAULTS: &str = r#"
listen = "127.0.0.1:8080"
database_url = "sqlite://./stint-data/stint.db"
log_format = "human"
log_level = "info"

[database]
max_connections = 10
acquire_timeout = "10s"

[http]
body_limit = "1MiB"
request_timeout = "30s"
shutdown_timeout = "30s"
cors_origins = ""

[signup]
enabled = true

[auth]
access_token_ttl = "30m"
refresh_token_ttl = "30d"
session_max_age = "90d"
api_token_ttl = "10m"
credential_cache = "auto"
credential_cache_ttl = "60s"

[time_tracking]
max_entry_duration = "24h"

[webhooks]
retry_schedule = "0s,5s,5m,30m,2h,5h,10h,10h"
timeout = "10s"
allow_private_targets = false
concurrency = 16
disable_after = "5d"
event_retention = "30d"
poll_interval = "1s"
lease = "60s"

[rate_limit]
backend = "memory"
on_redis_error = "fail_open"
user_requests_per_hour = 10000
credential_requests_per_minute = 20

[plans.free]
requests_per_hour = 100
max_api_keys = 2
max_webhooks = 2
max_members = 5
public_api = true

[plans.pro]
requests_per_hour = 1000
max_api_keys = 10
max_webhooks = 10
max_members = 25
public_api = true

[plans.business]
requests_per_hour = 5000
max_api_keys = 50
max_webhooks = 50
max_members = 100
public_api = true

[plans.enterprise]
requests_per_hour = 10000
max_api_keys = 500
max_webhooks = 500
max_members = 10000
public_api = true
"#;

/// Values given as command-line flags; they win over everything else.
#[derive(Debug, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

/// Why the settings were refused, phrased for an operator.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Loads defaults, then `config_file` (when it exists, or always when it
    /// was named explicitly), then `STINT_*` variables, then flags.
    pub fn load(
        config_file: Option<&Path>,
        flags: &FlagOverrides,
    ) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        match config_file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("stint.toml").exists() => {
                figment = figment.merge(Toml::file_exact("stint.toml"));
            }
            None => {}
        }
        figment = figment
            .merge(
                // STINT_CONFIG names the file; STINT_TEST_* belong to the test suite.
                Env::prefixed("STINT_")
                    .filter(|key| key != "config" && !key.as_str().starts_with("test_"))
                    .split("__"),
            )
            .merge(Serialized::defaults(flags));
        Self::from_figment(figment)
    }

    /// Settings from an explicit list of `key = value` overrides on top of the
    /// defaults, ignoring files and the environment (for tests and tools).
    pub fn from_overrides(overrides: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        for (key, value) in overrides {
            // Typed like environment variables: "4" is a number, "false" a bool.
            let typed: figment::value::Value = value
                .parse()
                .unwrap_or_else(|_| figment::value::Value::from(*value));
            figment = figment.merge(Serialized::default(key, typed));
        }
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Settings, ConfigError> {
        let settings: Settings = figment.extract().map_err(describe_figment_error)?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.database_url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError(
                "database_url: must start with sqlite:// or postgres:// (STINT_DATABASE_URL)"
                    .into(),
            ));
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError(
                "database.max_connections: must be at least 1".into(),
            ));
        }
        if self.http.body_limit < 1024 {
            return Err(ConfigError("http.body_limit: must be at least 1KiB".into()));
        }
        if let Some(secret) = &self.auth.jwt_secret {
            use secrecy::ExposeSecret;
            if secret.expose_secret().len() < 32 {
                return Err(ConfigError(
                    "auth.jwt_secret: must be at least 32 bytes (STINT_AUTH__JWT_SECRET)".into(),
                ));
            }
        }
        for (key, value) in [
            ("auth.access_token_ttl", self.auth.access_token_ttl),
            ("auth.refresh_token_ttl", self.auth.refresh_token_ttl),
            ("auth.api_token_ttl", self.auth.api_token_ttl),
            ("http.request_timeout", self.http.request_timeout),
            (
                "time_tracking.max_entry_duration",
                self.time_tracking.max_entry_duration,
            ),
        ] {
            if value.is_zero() {
                return Err(ConfigError(format!("{key}: must be longer than zero")));
            }
        }
        if self.webhooks.retry_schedule.is_empty() {
            return Err(ConfigError(
                "webhooks.retry_schedule: must list at least one delay".into(),
            ));
        }
        if self.webhooks.concurrency == 0 {
            return Err(ConfigError(
                "webhooks.concurrency: must be at least 1".into(),
            ));
        }
        if self.rate_limit.backend == RateLimitBackend::Redis
            && !self
                .rate_limit
                .redis_url
                .as_deref()
                .is_some_and(|u| u.starts_with("redis://") || u.starts_with("rediss://"))
        {
            return Err(ConfigError(
                "rate_limit.redis_url: must be a redis:// URL when rate_limit.backend is redis"
                    .into(),
            ));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log_level) {
            return Err(ConfigError(format!("log_level: {e}")));
        }
        Ok(())
    }
}

/// Figment's errors already name the key and where it came from; keep them
/// but drop the internal `default.` profile prefix.
fn describe_figment_error(error: figment::Error) -> ConfigError {
    let messages: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let origin = e
                .metadata
                .as_ref()
                .map(|m| m.name.to_string())
                .unwrap_or_default();
            let kind = e.kind.to_string();
            if key.is_empty() {
                format!("{kind} ({origin})")
            } else {
                format!("{key}: {kind} ({origin})")
            }
        })
        .collect();
    ConfigError(messages.join("; "))
}

fn human_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Seconds(u64),
    }
    match Raw::deserialize(d)? {
        Raw::Seconds(s) => Ok(Duration::from_secs(s)),
        Raw::Text(t) => humantime::parse_duration(t.trim()).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{t}` is not a duration such as 30s, 10m or 2h ({e})"
            ))
        }),
    }
}

fn duration_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
    let items: Vec<String> = comma_list(d)?;
    items
        .iter()
        .map(|t| {
            humantime::parse_duration(t).map_err(|e| {
                serde::de::Error::custom(format!("`{t}` is not a duration such as 5s or 2h ({e})"))
            })
        })
        .collect()
}

fn byte_size<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Bytes(u64),
    }
    match Raw::deserialize(d)? {
        Raw::Bytes(b) => usize::try_from(b).map_err(serde::de::Error::custom),
        Raw::Text(t) => parse_byte_size(&t).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{t}` is not a size such as 1MiB, 512KiB or 1048576"
            ))
        }),
    }
}

/// `1048576`, `512KiB`, `1MiB`, `10MB`: binary and decimal units.
pub fn parse_byte_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: usize = number.parse().ok()?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    number.checked_mul(factor)
}

fn comma_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        List(Vec<String>),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::List(list) => list,
        Raw::Text(t) => t
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// The `--help` text listing every setting with its variable and default.
pub fn settings_help() -> String {
    let mut out = String::from(
        "Settings (defaults < stint.toml < STINT_* environment < flags; sections joined by __ in variables):\n",
    );
    for s in SETTINGS {
        let env = format!("STINT_{}", s.key.replace('.', "__").to_uppercase());
        out.push_str(&format!(
            "  {:<26} {:<32} default {}\n      {}\n",
            s.key, env, s.default, s.help
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load() {
        let s = Settings::from_overrides(&[]).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.http.body_limit, 1 << 20);
        assert_eq!(s.auth.access_token_ttl, Duration::from_secs(1800));
        assert!(s.http.cors_origins.is_empty());
    }

    #[test]
    fn refuses_bad_values_naming_the_key() {
        let err = Settings::from_overrides(&[("http.request_timeout", "soon")]).unwrap_err();
        assert!(err.to_string().contains("http.request_timeout"), "{err}");
        let err = Settings::from_overrides(&[("listen", "nowhere")]).unwrap_err();
        assert!(err.to_string().contains("listen"), "{err}");
        let err = Settings::from_overrides(&[("database_url", "mysql://x")]).unwrap_err();
        assert!(err.to_string().contains("database_url"), "{err}");
        let err = Settings::from_overrides(&[("auth.jwt_secret", "short")]).unwrap_err();
        assert!(err.to_string().contains("auth.jwt_secret"), "{err}");
    }

    #[test]
    fn plans_have_defaults_and_env_style_overrides() {
        let s = Settings::from_overrides(&[]).unwrap();
        assert_eq!(s.plan("free").requests_per_hour, 100);
        assert_eq!(s.plan("enterprise").requests_per_hour, 10_000);
        assert_eq!(
            s.plan("no-such-plan").requests_per_hour,
            100,
            "unknown plans get the strictest"
        );
        let s = Settings::from_overrides(&[("plans.free.requests_per_hour", "5")]).unwrap();
        assert_eq!(s.plan("free").requests_per_hour, 5);
        assert_eq!(s.plan("free").max_api_keys, 2);
    }

    #[test]
    fn webhook_schedule_from_the_environment_style_string() {
        let s = Settings::from_overrides(&[("webhooks.retry_schedule", "1s,2s,4s")]).unwrap();
        assert_eq!(
            s.webhooks.retry_schedule,
            [
                Duration::from_secs(1),
                Duration::from_secs(2),
                Duration::from_secs(4)
            ]
        );
        let err = Settings::from_overrides(&[("webhooks.retry_schedule", "1s,soon")]).unwrap_err();
        assert!(err.to_string().contains("webhooks.retry_schedule"), "{err}");
        let err = Settings::from_overrides(&[("rate_limit.backend", "redis")]).unwrap_err();
        assert!(err.to_string().contains("rate_limit.redis_url"), "{err}");
    }

    #[test]
    fn sizes_and_lists() {
        assert_eq!(parse_byte_size("512KiB"), Some(512 * 1024));
        assert_eq!(parse_byte_size("10MB"), Some(10_000_000));
        assert_eq!(parse_byte_size("12"), Some(12));
        assert_eq!(parse_byte_size("lots"), None);
        let s = Settings::from_overrides(&[(
            "http.cors_origins",
            "https://a.example, https://b.example",
        )])
        .unwrap();
        assert_eq!(
            s.http.cors_origins,
            ["https://a.example", "https://b.example"]
        );
    }

    #[test]
    fn help_table_lists_exactly_the_real_keys() {
        let defaults: toml_keys::Table = figment::Figment::from(Toml::string(DEFAULTS))
            .extract()
            .unwrap();
        let mut real: Vec<String> = toml_keys::flatten(&defaults)
            .into_iter()
            .filter(|k| !k.starts_with("plans."))
            .collect();
        real.push("auth.jwt_secret".into());
        real.push("rate_limit.redis_url".into());
        real.sort();
        let mut documented: Vec<String> = SETTINGS
            .iter()
            .map(|s| s.key.to_owned())
            .filter(|k| !k.starts_with("plans."))
            .collect();
        documented.sort();
        assert_eq!(real, documented);
    }

    mod toml_keys {
        pub type Table = std::collections::BTreeMap<String, figment::value::Value>;
        pub fn flatten(table: &Table) -> Vec<String> {
            let mut out = Vec::new();
            for (k, v) in table {
                match v {
                    figment::value::Value::Dict(_, inner) => {
                        for ik in inner.keys() {
                            out.push(format!("{k}.{ik}"));
                        }
                    }
                    _ => out.push(k.clone()),
                }
            }
            out
        }
    }
}
