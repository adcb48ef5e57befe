//! Settings from the environment.

use std::time::Duration;

use whosent::config::{self, CACHE_TTL_SECS, Env};
use whosent::lookup::LookupConfig;

pub use whosent::config::ConfigError;

/// The lookup API's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB table (`TABLE_NAME`).
    pub table: String,
    /// `API_KEYS_SECRET` (default `whosent/api-keys`) and `CACHE_TTL_SECS` (default 60).
    pub lookup: LookupConfig,
}

impl Config {
    /// Reads `TABLE_NAME` (required) and the optional `API_KEYS_SECRET`
    /// (default `whosent/api-keys`) and `CACHE_TTL_SECS` (default 60).
    pub fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            table: config::table(env)?,
            lookup: LookupConfig {
                api_keys_secret: env.text_or("API_KEYS_SECRET", "whosent/api-keys"),
                cache_ttl: env.secs(CACHE_TTL_SECS, Duration::from_secs(60))?,
            },
        })
    }
}

#[cfg(test)]
mod tests;
