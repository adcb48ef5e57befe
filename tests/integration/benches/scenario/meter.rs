//! What the store and secrets would cost on AWS: each call to a port is
//! counted as the requests the DynamoDB adapter sends for it, with their
//! request units and the stream records their writes leave.
//!
//! | port method | DynamoDB request | units |
//! |---|---|---|
//! | `account`, `sender`, `sender_record`, `request`, `session` | GetItem | 0.5 RRU (eventually consistent, < 4 KB) |
//! | `account_now`, `sender_now`, `person` | GetItem, consistent | 1 RRU |
//! | `record` | TransactWriteItems: guard (plaintext accounts), message with its answer, request?, sender?; PutItem when the message is alone | 2 WRU an item a KB (PutItem: 1 a KB) |
//! | `requests_and_senders`, `markers_named`, `walks_of` | BatchGetItem, 100 keys a request | 0.5 RRU a key |
//! | `pushes_between`, `mapped_to` | Query | 0.5 RRU a 4 KB read |
//! | `record_mapping` | UpdateItem (+1 on a conflict) | 1 WRU, +1 for the person index |
//! | every other write | UpdateItem or PutItem | 1 WRU |
//! | `save_person` | PutItem: the person, then the avatar (if any) | 1 WRU a KB each |
//! | a secret | GetSecretValue | one API call |
//!
//! A write to the main table leaves one stream record; the session table
//! has no stream.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Which function a call is counted for (`Off`: the benchmark itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Off = 0,
    Webhook = 1,
    Resolver = 2,
    Profile = 3,
}

/// The counts of one function.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// DynamoDB requests by operation.
    pub requests: BTreeMap<&'static str, u64>,
    pub read_units: f64,
    pub write_units: f64,
    pub stream_records: u64,
    pub secret_calls: u64,
}

impl Tally {
    pub fn reads(&self) -> u64 {
        ["GetItem", "BatchGetItem", "Query"].iter().map(|op| self.requests.get(op).copied().unwrap_or(0)).sum()
    }

    pub fn writes(&self) -> u64 {
        self.requests.values().sum::<u64>() - self.reads()
    }

    pub fn add(&mut self, other: &Tally) {
        for (op, n) in &other.requests {
            *self.requests.entry(op).or_default() += n;
        }
        self.read_units += other.read_units;
        self.write_units += other.write_units;
        self.stream_records += other.stream_records;
        self.secret_calls += other.secret_calls;
    }
}

/// Counts shared by the store and secrets wrappers.
#[derive(Clone, Default)]
pub struct Meter {
    phase: Arc<AtomicUsize>,
    tallies: Arc<Mutex<[Tally; 4]>>,
}

impl Meter {
    pub fn set(&self, phase: Phase) {
        self.phase.store(phase as usize, Ordering::SeqCst);
    }

    /// The counts of `phase` so far.
    pub fn tally(&self, phase: Phase) -> Tally {
        self.tallies.lock().expect("meter")[phase as usize].clone()
    }

    fn with(&self, change: impl FnOnce(&mut Tally)) {
        let phase = self.phase.load(Ordering::SeqCst);
        if phase != Phase::Off as usize {
            change(&mut self.tallies.lock().expect("meter")[phase]);
        }
    }

    /// `count` requests of `op` reading `units` RRU in all.
    pub fn read(&self, op: &'static str, count: u64, units: f64) {
        self.with(|t| {
            *t.requests.entry(op).or_default() += count;
            t.read_units += units;
        });
    }

    /// One request of `op` writing `units` WRU and leaving `records` stream records.
    pub fn write(&self, op: &'static str, units: f64, records: u64) {
        self.with(|t| {
            *t.requests.entry(op).or_default() += 1;
            t.write_units += units;
            t.stream_records += records;
        });
    }

    pub fn secret(&self) {
        self.with(|t| t.secret_calls += 1);
    }
}

/// Whole KB units of an item of `bytes` (at least one).
pub fn kb_units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

/// RRU of an eventually consistent query or batch reading `bytes` over `items`.
pub fn query_units(bytes: usize) -> f64 {
    0.5 * bytes.div_ceil(4096).max(1) as f64
}
