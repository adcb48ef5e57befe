//! Settings from the environment.

use std::time::Duration;

use whosent::lookup::LookupConfig;

/// The lookup API's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB table (`TABLE_NAME`).
    pub table: String,
    /// `API_KEYS_SECRET` (default `whosent/api-keys`) and `CACHE_TTL_SECS` (default 60).
    pub lookup: LookupConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{0} must be a whole number of seconds")]
    NotSeconds(&'static str),
}

impl Config {
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let ttl = match var("CACHE_TTL_SECS") {
            None => 60,
            Some(v) => v.trim().parse().map_err(|_| ConfigError::NotSeconds("CACHE_TTL_SECS"))?,
        };
        Ok(Self {
            table: var("TABLE_NAME").filter(|t| !t.is_empty()).ok_or(ConfigError::Missing("TABLE_NAME"))?,
            lookup: LookupConfig {
                api_keys_secret: var("API_KEYS_SECRET")
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "whosent/api-keys".to_owned()),
                cache_ttl: Duration::from_secs(ttl),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() -> Result<(), ConfigError> {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let config = Config::from_env(env(&[("TABLE_NAME", "t")]))?;
        assert_eq!(config.lookup.api_keys_secret, "whosent/api-keys");
        assert_eq!(config.lookup.cache_ttl, Duration::from_secs(60));
        assert!(matches!(Config::from_env(env(&[])), Err(ConfigError::Missing("TABLE_NAME"))));
        assert!(matches!(
            Config::from_env(env(&[("TABLE_NAME", "t"), ("CACHE_TTL_SECS", "1m")])),
            Err(ConfigError::NotSeconds("CACHE_TTL_SECS"))
        ));
        Ok(())
    }
}
