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
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() -> Result<(), ConfigError> {
        let config = Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t")]))?;
        assert_eq!(config.lookup.api_keys_secret, "whosent/api-keys");
        assert_eq!(config.lookup.cache_ttl, Duration::from_secs(60));
        assert!(matches!(Config::from_env(&Env::from_pairs(&[])), Err(ConfigError::Missing("TABLE_NAME"))));
        assert!(matches!(
            Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t"), ("CACHE_TTL_SECS", "1m")])),
            Err(ConfigError::Invalid { name: "CACHE_TTL_SECS", .. })
        ));
        Ok(())
    }
}
