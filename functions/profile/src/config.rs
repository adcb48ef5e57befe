//! Settings from the environment.

use std::time::Duration;

use whosent::console::ConsoleConfig;
use whosent::profile::ProfileConfig;
use whosent::session::SessionConfig;

/// The profile function's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB table (`TABLE_NAME`).
    pub table: String,
    /// The table of console sessions (`SESSION_TABLE_NAME`, default `{TABLE_NAME}-sessions`).
    pub session_table: String,
    /// The console (`CONSOLE_URL`, default the platform's; `CONSOLE_TIMEOUT_SECS`).
    pub console: ConsoleConfig,
    pub sessions: SessionConfig,
    /// `AVATAR_MAX_BYTES` (default 256 KiB).
    pub profiles: ProfileConfig,
    /// Time kept free at the end of an invocation (`DEADLINE_MARGIN_MS`).
    pub deadline_margin: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{0} must be a whole number")]
    NotANumber(&'static str),
    #[error("AVATAR_MAX_BYTES must leave room in a 400 KB DynamoDB item (at most {max})")]
    AvatarTooLarge { max: u64 },
}

/// The largest avatar an item can hold beside its keys and attribute names.
const AVATAR_LIMIT: u64 = 390 * 1024;

impl Config {
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let unsigned = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            var(name).map_or(Ok(default), |v| v.trim().parse().map_err(|_| ConfigError::NotANumber(name)))
        };
        let defaults = ProfileConfig::default();
        let avatar_max = unsigned("AVATAR_MAX_BYTES", defaults.avatar_max_bytes as u64)?;
        if avatar_max > AVATAR_LIMIT {
            return Err(ConfigError::AvatarTooLarge { max: AVATAR_LIMIT });
        }
        let mut console =
            ConsoleConfig::new(var("CONSOLE_URL").unwrap_or_else(|| "https://mp.weixin.qq.com".to_owned()));
        console.timeout = Duration::from_secs(unsigned("CONSOLE_TIMEOUT_SECS", 10)?);
        let table = var("TABLE_NAME").filter(|t| !t.is_empty()).ok_or(ConfigError::Missing("TABLE_NAME"))?;
        Ok(Self {
            session_table: var("SESSION_TABLE_NAME")
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| whosent::store::schema::session_table_name(&table)),
            table,
            console,
            sessions: SessionConfig::default(),
            profiles: ProfileConfig { avatar_max_bytes: avatar_max as usize, ..defaults },
            deadline_margin: Duration::from_millis(unsigned("DEADLINE_MARGIN_MS", 3000)?),
        })
    }
}

#[cfg(test)]
#[path = "tests/config.rs"]
mod tests;
