//! Settings from the environment.

use std::time::Duration;

use whosent::console::ConsoleConfig;
use whosent::resolve::ResolverConfig;
use whosent::session::SessionConfig;

/// The resolver's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB table (`TABLE_NAME`).
    pub table: String,
    /// The table of console sessions (`SESSION_TABLE_NAME`, default `{TABLE_NAME}-sessions`).
    pub session_table: String,
    /// The console (`CONSOLE_URL`, default the platform's; `CONSOLE_TIMEOUT_SECS`).
    pub console: ConsoleConfig,
    pub sessions: SessionConfig,
    pub resolver: ResolverConfig,
    /// Time kept free at the end of an invocation (`DEADLINE_MARGIN_MS`).
    pub deadline_margin: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{0} must be a whole number")]
    NotANumber(&'static str),
}

impl Config {
    /// Reads `TABLE_NAME` (required), `SESSION_TABLE_NAME`, `CONSOLE_URL`, `CONSOLE_TIMEOUT_SECS`,
    /// `UNRESOLVED_GROUP`, `RESOLVED_GROUP_NAME`, `TIME_SKEW_SECS`,
    /// `SETTLE_SECS`, `ROUNDS`, `ROUND_WAIT_MS`, `DEADLINE_MARGIN_MS`.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let number = |name: &'static str, default: i64| -> Result<i64, ConfigError> {
            var(name).map_or(Ok(default), |v| v.trim().parse().map_err(|_| ConfigError::NotANumber(name)))
        };
        let unsigned = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            var(name).map_or(Ok(default), |v| v.trim().parse().map_err(|_| ConfigError::NotANumber(name)))
        };
        let defaults = ResolverConfig::default();
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
            resolver: ResolverConfig {
                unresolved_group: number("UNRESOLVED_GROUP", defaults.unresolved_group)?,
                resolved_group_name: var("RESOLVED_GROUP_NAME").unwrap_or(defaults.resolved_group_name),
                skew_secs: number("TIME_SKEW_SECS", defaults.skew_secs)?,
                settle_secs: number("SETTLE_SECS", defaults.settle_secs)?,
                rounds: u32::try_from(unsigned("ROUNDS", u64::from(defaults.rounds))?)
                    .map_err(|_| ConfigError::NotANumber("ROUNDS"))?,
                round_wait: Duration::from_millis(unsigned("ROUND_WAIT_MS", defaults.round_wait.as_millis() as u64)?),
                parallel_reads: usize::try_from(unsigned("PARALLEL_READS", defaults.parallel_reads as u64)?)
                    .map_err(|_| ConfigError::NotANumber("PARALLEL_READS"))?,
                ..defaults
            },
            deadline_margin: Duration::from_millis(unsigned("DEADLINE_MARGIN_MS", 3000)?),
        })
    }
}

#[cfg(test)]
#[path = "tests/config.rs"]
mod tests;
