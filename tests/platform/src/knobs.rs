//! What tests can turn: latency, console delay and clock skew, frequency
//! control, injected faults, platform timing. Every draw is seeded.

use std::fmt;
use std::str::FromStr;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// A distribution of seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Dist {
    /// Always `value`.
    Const { value: f64 },
    /// Uniform in `[low, high]`.
    Uniform { low: f64, high: f64 },
    /// Exponential with this mean.
    Exp { mean: f64 },
    /// One of `values` (`[value, weight]` pairs), by weight.
    Choice { values: Vec<(f64, f64)> },
}

impl Default for Dist {
    fn default() -> Self {
        Dist::zero()
    }
}

impl Dist {
    pub fn zero() -> Self {
        Dist::Const { value: 0.0 }
    }

    pub fn constant(value: f64) -> Self {
        Dist::Const { value }
    }

    pub fn uniform(low: f64, high: f64) -> Self {
        Dist::Uniform { low, high }
    }

    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match self {
            Dist::Const { value } => *value,
            Dist::Uniform { low, high } if high > low => rng.random_range(*low..=*high),
            Dist::Uniform { low, .. } => *low,
            Dist::Exp { mean } => -mean * (1.0 - rng.random::<f64>()).ln(),
            Dist::Choice { values } => {
                let total: f64 = values.iter().map(|(_, w)| w.max(0.0)).sum();
                let mut x = rng.random::<f64>() * total;
                for (value, weight) in values {
                    x -= weight.max(0.0);
                    if x < 0.0 {
                        return *value;
                    }
                }
                values.last().map_or(0.0, |(v, _)| *v)
            }
        }
    }
}

/// `1.5` (constant), `0..2` (uniform), `exp:1` (exponential mean),
/// `0:30,1:40,2:25,5:5` (value:weight choices).
impl FromStr for Dist {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let num = |x: &str| x.trim().parse::<f64>().map_err(|_| format!("not a number: {x:?} in {s:?}"));
        if let Some(mean) = s.strip_prefix("exp:") {
            return Ok(Dist::Exp { mean: num(mean)? });
        }
        if let Some((low, high)) = s.split_once("..") {
            return Ok(Dist::Uniform { low: num(low)?, high: num(high)? });
        }
        if s.contains(':') {
            let values = s
                .split(',')
                .map(|pair| {
                    let (v, w) = pair.split_once(':').ok_or_else(|| format!("expected value:weight in {s:?}"))?;
                    Ok((num(v)?, num(w)?))
                })
                .collect::<Result<_, String>>()?;
            return Ok(Dist::Choice { values });
        }
        Ok(Dist::Const { value: num(s)? })
    }
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dist::Const { value } => write!(f, "{value}"),
            Dist::Uniform { low, high } => write!(f, "{low}..{high}"),
            Dist::Exp { mean } => write!(f, "exp:{mean}"),
            Dist::Choice { values } => {
                let parts: Vec<String> = values.iter().map(|(v, w)| format!("{v}:{w}")).collect();
                f.write_str(&parts.join(","))
            }
        }
    }
}

/// At most `requests` console requests per session in any `per_secs` window
/// of the platform clock; more get `ret 200013`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrequencyLimit {
    pub requests: u32,
    pub per_secs: f64,
}

/// Injected console faults, each a probability per request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// `base_resp.ret = -1` (system busy); at login, `-1`.
    pub system_error: f64,
    /// An HTTP 502 or 503 error page.
    pub http_5xx: f64,
    /// The answer comes after `slow_secs` more seconds.
    pub slow: f64,
    pub slow_secs: f64,
    /// The connection is closed without an answer.
    pub drop: f64,
    /// The session behind the request ends before its time (`200003`).
    pub expire_session: f64,
}

/// Every knob of the emulator. `Knobs::default()` is a quiet platform with
/// the reference's timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Knobs {
    /// Added to every console answer (seconds).
    pub latency: Dist,
    /// How long after its push a follower's message (or the account's reply)
    /// enters the console (seconds).
    pub console_delay: Dist,
    /// `date_time − CreateTime` of a follower's message (seconds, rounded).
    pub skew: Dist,
    pub frequency_limit: Option<FrequencyLimit>,
    pub faults: Faults,
    /// How long the platform waits for the callback to answer.
    pub push_timeout_ms: u64,
    /// Tries per push, the first included.
    pub push_tries: u32,
    pub session_idle_secs: i64,
    pub session_max_age_secs: i64,
    /// Failed logins in a row after which a captcha is demanded.
    pub captcha_after: u32,
    /// Share of messages whose `MsgId` repeats the previous message's (from
    /// another sender), as has been seen on the real platform.
    pub msgid_collision_share: f64,
    /// How many days the console's message list keeps.
    pub retention_days: i64,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            latency: Dist::zero(),
            console_delay: Dist::uniform(0.0, 2.0),
            skew: Dist::Choice { values: vec![(0.0, 30.0), (1.0, 40.0), (2.0, 25.0), (4.0, 5.0)] },
            frequency_limit: None,
            faults: Faults::default(),
            push_timeout_ms: 5_000,
            push_tries: 3,
            session_idle_secs: 30 * 60,
            session_max_age_secs: 6 * 3600,
            captcha_after: 3,
            msgid_collision_share: 0.0,
            retention_days: 5,
        }
    }
}

impl Knobs {
    /// No console delay and no skew: a follower's message is in the console
    /// at once, dated with its `CreateTime`.
    pub fn instant() -> Self {
        Self { console_delay: Dist::zero(), skew: Dist::zero(), ..Self::default() }
    }
}

/// The fault drawn for one console request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    SystemError,
    Http5xx,
    Slow,
    Drop,
    ExpireSession,
}

impl Faults {
    /// At most one fault per request, each with its own probability.
    pub fn draw(&self, rng: &mut Rng) -> Option<Fault> {
        let x: f64 = rng.random();
        let table = [
            (self.system_error, Fault::SystemError),
            (self.http_5xx, Fault::Http5xx),
            (self.slow, Fault::Slow),
            (self.drop, Fault::Drop),
            (self.expire_session, Fault::ExpireSession),
        ];
        let mut edge = 0.0;
        for (p, fault) in table {
            edge += p.max(0.0);
            if x < edge {
                return Some(fault);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
