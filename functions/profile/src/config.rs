//! Settings from the environment.

use std::time::Duration;

use whosent::config::{self, Env};
use whosent::console::ConsoleConfig;
use whosent::profile::ProfileConfig;
use whosent::session::SessionConfig;

pub use whosent::config::ConfigError;

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

/// The largest avatar an item can hold beside its keys and attribute names:
/// `AVATAR_MAX_BYTES` must leave room in a 400 KB DynamoDB item.
const AVATAR_LIMIT: usize = 390 * 1024;

impl Config {
    /// Reads `TABLE_NAME` (required), `SESSION_TABLE_NAME`, `CONSOLE_URL`,
    /// `CONSOLE_TIMEOUT_SECS` (10), `AVATAR_MAX_BYTES` (262144, at most 399360)
    /// and `DEADLINE_MARGIN_MS` (3000).
    pub fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        let defaults = ProfileConfig::default();
        let avatar_max_bytes = env.number_in("AVATAR_MAX_BYTES", defaults.avatar_max_bytes, 0..=AVATAR_LIMIT)?;
        let console = config::console(env)?;
        let table = config::table(env)?;
        Ok(Self {
            session_table: config::session_table(env, &table),
            table,
            console,
            sessions: SessionConfig::default(),
            profiles: ProfileConfig { avatar_max_bytes, ..defaults },
            deadline_margin: config::deadline_margin(env)?,
        })
    }
}

#[cfg(test)]
mod tests;
