//! The profile function (patent step 17, claim 6): triggered by the table's
//! stream records of senders whose profile is wanted (a new mapping, a stale
//! profile, a follower back after an unfollow), in batches, it stores who the
//! FakeID is and reports the records to retry (`ReportBatchItemFailures`).

mod config;
mod handler;

pub use config::{Config, ConfigError};
pub use handler::{Deps, FunctionError, handle, keys_of, metrics_of};
