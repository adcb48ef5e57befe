//! Settings from the environment, read the same way by the four functions.
//!
//! [`Env`] answers for the process environment or, in tests, for a list of
//! pairs or a function. Its getters share one set of rules:
//!
//! - an unset variable takes the default; so does an empty one holding text;
//! - a number is read after trimming spaces, and a value that does not parse
//!   (an empty one included) or falls outside its bounds is refused;
//! - a refusal is a [`ConfigError`] naming the variable and, quoted, the value.
//!
//! The settings more than one function reads are read here once: the tables
//! ([`table`], [`session_table`]), the console ([`console`]) and the time kept
//! free at the end of an invocation ([`deadline_margin`]). Each function's
//! own `config.rs` reads only what is its own.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use crate::console::ConsoleConfig;
use crate::quote::quote;

/// The main table; every function needs it.
pub const TABLE_NAME: &str = "TABLE_NAME";
/// The table of console sessions (resolver, profile).
pub const SESSION_TABLE_NAME: &str = "SESSION_TABLE_NAME";
/// The console's base URL (resolver, profile).
pub const CONSOLE_URL: &str = "CONSOLE_URL";
/// Per console request, connection included, in seconds (resolver, profile).
pub const CONSOLE_TIMEOUT_SECS: &str = "CONSOLE_TIMEOUT_SECS";
/// Time kept free at the end of an invocation, in milliseconds (resolver, profile).
pub const DEADLINE_MARGIN_MS: &str = "DEADLINE_MARGIN_MS";
/// How long cached secrets and records are kept, in seconds (webhook, lookup;
/// each has its own default).
pub const CACHE_TTL_SECS: &str = "CACHE_TTL_SECS";

/// The platform's own console.
pub const DEFAULT_CONSOLE_URL: &str = "https://mp.weixin.qq.com";
/// How long one console request may take.
pub const DEFAULT_CONSOLE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time kept free at the end of an invocation.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_millis(3000);

/// A setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{0} must be set")]
    Missing(&'static str),
    /// A value that does not parse; `value` is quoted.
    #[error("{name} must be {expected}, not {value}")]
    Invalid { name: &'static str, expected: &'static str, value: String },
    /// A number outside its bounds; `value` is quoted.
    #[error("{name} must be from {min} to {max}, not {value}")]
    OutOfRange { name: &'static str, min: String, max: String, value: String },
}

/// Answers a variable's name with its value, if set.
type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// Where settings come from: the process environment, or anything that
/// answers a variable's name with its value.
pub struct Env<'a> {
    var: Lookup<'a>,
}

impl Env<'static> {
    /// The process environment. A value that is not Unicode counts as unset.
    pub fn process() -> Self {
        Self::from_fn(|name| std::env::var(name).ok())
    }
}

impl<'a> Env<'a> {
    /// The values `var` gives.
    pub fn from_fn(var: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self { var: Box::new(var) }
    }

    /// The values in `pairs` (name, value); the first pair of a name counts.
    pub fn from_pairs(pairs: &'a [(&'a str, &'a str)]) -> Self {
        Self::from_fn(move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
    }

    /// The value of `name` as set, if set.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.var)(name)
    }

    /// The value of `name`, which must be set and not empty.
    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.get(name).filter(|v| !v.is_empty()).ok_or(ConfigError::Missing(name))
    }

    /// The value of `name`, or `default` when it is unset or empty.
    pub fn text_or(&self, name: &str, default: impl Into<String>) -> String {
        self.get(name).filter(|v| !v.is_empty()).unwrap_or_else(|| default.into())
    }

    /// The number in `name`, or `default` when it is unset; any value of
    /// the type is accepted.
    pub fn number<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError> {
        Ok(self.parsed(name, "a whole number")?.map_or(default, |(n, _)| n))
    }

    /// The number in `name`, or `default` when it is unset; it must lie in `bounds`.
    pub fn number_in<T>(&self, name: &'static str, default: T, bounds: RangeInclusive<T>) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display,
    {
        match self.parsed(name, "a whole number")? {
            None => Ok(default),
            Some((n, _)) if bounds.contains(&n) => Ok(n),
            Some((_, value)) => Err(ConfigError::OutOfRange {
                name,
                min: bounds.start().to_string(),
                max: bounds.end().to_string(),
                value: quote(&value),
            }),
        }
    }

    /// The whole seconds in `name`, or `default` when it is unset.
    pub fn secs(&self, name: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        Ok(self.parsed(name, "a whole number of seconds")?.map_or(default, |(n, _)| Duration::from_secs(n)))
    }

    /// The whole milliseconds in `name`, or `default` when it is unset.
    pub fn millis(&self, name: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        Ok(self.parsed(name, "a whole number of milliseconds")?.map_or(default, |(n, _)| Duration::from_millis(n)))
    }

    /// `name` parsed (after trimming) beside its value as set, if set.
    fn parsed<T: FromStr>(
        &self,
        name: &'static str,
        expected: &'static str,
    ) -> Result<Option<(T, String)>, ConfigError> {
        let Some(value) = self.get(name) else { return Ok(None) };
        match value.trim().parse() {
            Ok(n) => Ok(Some((n, value))),
            Err(_) => Err(ConfigError::Invalid { name, expected, value: quote(&value) }),
        }
    }
}

impl fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env").finish_non_exhaustive()
    }
}

/// `TABLE_NAME`, required.
pub fn table(env: &Env<'_>) -> Result<String, ConfigError> {
    env.required(TABLE_NAME)
}

/// `SESSION_TABLE_NAME`, by default `{table}-sessions`.
pub fn session_table(env: &Env<'_>, table: &str) -> String {
    env.text_or(SESSION_TABLE_NAME, crate::store::schema::session_table_name(table))
}

/// `CONSOLE_URL` (default [`DEFAULT_CONSOLE_URL`]) and `CONSOLE_TIMEOUT_SECS`
/// (default [`DEFAULT_CONSOLE_TIMEOUT`]).
pub fn console(env: &Env<'_>) -> Result<ConsoleConfig, ConfigError> {
    let mut console = ConsoleConfig::new(env.text_or(CONSOLE_URL, DEFAULT_CONSOLE_URL));
    console.timeout = env.secs(CONSOLE_TIMEOUT_SECS, DEFAULT_CONSOLE_TIMEOUT)?;
    Ok(console)
}

/// `DEADLINE_MARGIN_MS`, by default [`DEFAULT_DEADLINE_MARGIN`].
pub fn deadline_margin(env: &Env<'_>) -> Result<Duration, ConfigError> {
    env.millis(DEADLINE_MARGIN_MS, DEFAULT_DEADLINE_MARGIN)
}

#[cfg(test)]
mod tests;
