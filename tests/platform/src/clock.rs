//! The platform's clock: real time by default, shifted or frozen by tests.
//!
//! Everything the console and the push side date (sessions, `CreateTime`,
//! `date_time`, the 48-hour rule, `day`) reads this clock. Network timing
//! (the push timeout, injected latency) is real time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const RUNNING: i64 = i64::MIN;

/// Real time plus an offset, or a frozen instant.
#[derive(Debug)]
pub struct Clock {
    offset_ms: AtomicI64,
    frozen_ms: AtomicI64,
}

impl Default for Clock {
    fn default() -> Self {
        Self::real()
    }
}

impl Clock {
    /// Follows the system clock.
    pub fn real() -> Self {
        Self { offset_ms: AtomicI64::new(0), frozen_ms: AtomicI64::new(RUNNING) }
    }

    /// Stands still at `unix_secs` until advanced, set or resumed.
    pub fn frozen_at(unix_secs: i64) -> Self {
        Self { offset_ms: AtomicI64::new(0), frozen_ms: AtomicI64::new(unix_secs * 1000) }
    }

    /// Now, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        match self.frozen_ms.load(Ordering::SeqCst) {
            RUNNING => system_ms() + self.offset_ms.load(Ordering::SeqCst),
            frozen => frozen,
        }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen_ms.load(Ordering::SeqCst) != RUNNING
    }

    /// Moves the clock forward (whether frozen or running).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2);
        if self.frozen_ms.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |f| (f != RUNNING).then(|| f + ms)).is_err()
        {
            self.offset_ms.fetch_add(ms, Ordering::SeqCst);
        }
    }

    /// Moves the clock to `unix_ms` if that is later than now; never backwards.
    pub fn advance_to_ms(&self, unix_ms: i64) {
        let now = self.now_ms();
        if unix_ms > now {
            self.advance(Duration::from_millis(u64::try_from(unix_ms - now).unwrap_or(0)));
        }
    }

    /// Freezes the clock at `unix_secs`.
    pub fn set(&self, unix_secs: i64) {
        self.frozen_ms.store(unix_secs * 1000, Ordering::SeqCst);
    }

    /// Lets a frozen clock run again from where it stood.
    pub fn resume(&self) {
        let frozen = self.frozen_ms.swap(RUNNING, Ordering::SeqCst);
        if frozen != RUNNING {
            self.offset_ms.store(frozen - system_ms(), Ordering::SeqCst);
        }
    }
}

fn system_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX / 2)
}

#[cfg(test)]
mod tests;
