//! Settings from the environment.

use std::time::Duration;

use whosent::config::{self, Env};
use whosent::console::ConsoleConfig;
use whosent::resolve::ResolverConfig;
use whosent::session::SessionConfig;

pub use whosent::config::ConfigError;

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

impl Config {
    /// Reads `TABLE_NAME` (required), `SESSION_TABLE_NAME`, `CONSOLE_URL`,
    /// `CONSOLE_TIMEOUT_SECS`, `UNRESOLVED_GROUP`, `RESOLVED_GROUP_NAME`,
    /// `TIME_SKEW_SECS`, `SETTLE_SECS`, `ROUNDS`, `ROUND_WAIT_MS`,
    /// `PARALLEL_READS` and `DEADLINE_MARGIN_MS`; the defaults of the tuning
    /// are those of [`ResolverConfig::default`].
    pub fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        let console = config::console(env)?;
        let table = config::table(env)?;
        Ok(Self {
            session_table: config::session_table(env, &table),
            table,
            console,
            sessions: SessionConfig::default(),
            resolver: tuning(env)?,
            deadline_margin: config::deadline_margin(env)?,
        })
    }
}

/// The resolver's own variables, over the defaults.
fn tuning(env: &Env<'_>) -> Result<ResolverConfig, ConfigError> {
    let defaults = ResolverConfig::default();
    Ok(ResolverConfig {
        unresolved_group: env.number("UNRESOLVED_GROUP", defaults.unresolved_group)?,
        resolved_group_name: env.text_or("RESOLVED_GROUP_NAME", defaults.resolved_group_name.as_str()),
        skew_secs: env.number("TIME_SKEW_SECS", defaults.skew_secs)?,
        settle_secs: env.number("SETTLE_SECS", defaults.settle_secs)?,
        rounds: env.number("ROUNDS", defaults.rounds)?,
        round_wait: env.millis("ROUND_WAIT_MS", defaults.round_wait)?,
        parallel_reads: env.number("PARALLEL_READS", defaults.parallel_reads)?,
        ..defaults
    })
}

#[cfg(test)]
mod tests;
