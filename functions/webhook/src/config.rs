//! Settings from the environment.

use std::time::Duration;

use whosent::config::{self, CACHE_TTL_SECS, Env};
use whosent::ingest::IngestConfig;

pub use whosent::config::ConfigError;

/// The webhook's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB table (`TABLE_NAME`).
    pub table: String,
    pub ingest: IngestConfig,
}

impl Config {
    /// Reads `TABLE_NAME` (required) and the optional `PUSH_TIMESTAMP_WINDOW_SECS`
    /// (default 300, `0` turns the replay check off), `DEDUPE_TTL_SECS` (2 days:
    /// a replay guard's life when that check is off), `CACHE_TTL_SECS` (300),
    /// `SENDER_CACHE_TTL_SECS` (60: a sender stamped as remembered after a
    /// push of theirs was written) and `PROFILE_MAX_AGE_SECS` (7 days).
    pub fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        let defaults = IngestConfig::default();
        let window = Duration::from_secs(defaults.timestamp_window_secs.unwrap_or(0));
        let window = env.secs("PUSH_TIMESTAMP_WINDOW_SECS", window)?.as_secs();
        Ok(Self {
            table: config::table(env)?,
            ingest: IngestConfig {
                timestamp_window_secs: (window > 0).then_some(window),
                dedupe_ttl_secs: env.number_in("DEDUPE_TTL_SECS", defaults.dedupe_ttl_secs, 0..=i64::MAX)?,
                cache_ttl: env.secs(CACHE_TTL_SECS, defaults.cache_ttl)?,
                sender_cache_ttl: env.secs("SENDER_CACHE_TTL_SECS", defaults.sender_cache_ttl)?,
                profile_max_age_secs: env.number_in(
                    "PROFILE_MAX_AGE_SECS",
                    defaults.profile_max_age_secs,
                    0..=i64::MAX,
                )?,
            },
        })
    }
}

#[cfg(test)]
mod tests;
