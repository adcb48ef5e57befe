//! The resolver: triggered by the table's stream records of new (or reopened)
//! resolve requests, in batches, it finds each sender's FakeID and reports the
//! records to retry (`ReportBatchItemFailures`).

mod config;
mod handler;

pub use config::{Config, ConfigError};
pub use handler::{Deps, FunctionError, handle, keys_of, metrics_of};
