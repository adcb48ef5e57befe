//! Settings from the environment.

use std::time::Duration;

use whosent::ingest::IngestConfig;

/// The webhook's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB table (`TABLE_NAME`).
    pub table: String,
    pub ingest: IngestConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{0} must be a whole number of seconds")]
    NotSeconds(&'static str),
}

impl Config {
    /// Reads `TABLE_NAME` and the optional `PUSH_TIMESTAMP_WINDOW_SECS`
    /// (default 300, `0` turns the replay check off), `DEDUPE_TTL_SECS`,
    /// `CACHE_TTL_SECS`, `SENDER_CACHE_TTL_SECS` and `PROFILE_MAX_AGE_SECS`
    /// (default 7 days).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = IngestConfig::default();
        let secs = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match var(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| ConfigError::NotSeconds(name)),
            }
        };
        let window = secs("PUSH_TIMESTAMP_WINDOW_SECS", defaults.timestamp_window_secs.unwrap_or(0))?;
        Ok(Self {
            table: var("TABLE_NAME").filter(|t| !t.is_empty()).ok_or(ConfigError::Missing("TABLE_NAME"))?,
            ingest: IngestConfig {
                timestamp_window_secs: (window > 0).then_some(window),
                dedupe_ttl_secs: i64::try_from(secs("DEDUPE_TTL_SECS", defaults.dedupe_ttl_secs.unsigned_abs())?)
                    .map_err(|_| ConfigError::NotSeconds("DEDUPE_TTL_SECS"))?,
                cache_ttl: Duration::from_secs(secs("CACHE_TTL_SECS", defaults.cache_ttl.as_secs())?),
                sender_cache_ttl: Duration::from_secs(secs(
                    "SENDER_CACHE_TTL_SECS",
                    defaults.sender_cache_ttl.as_secs(),
                )?),
                profile_max_age_secs: i64::try_from(secs(
                    "PROFILE_MAX_AGE_SECS",
                    defaults.profile_max_age_secs.unsigned_abs(),
                )?)
                .map_err(|_| ConfigError::NotSeconds("PROFILE_MAX_AGE_SECS"))?,
            },
        })
    }
}

#[cfg(test)]
#[path = "tests/config.rs"]
mod tests;
