//! The store: accounts, senders, messages, dedupe records and resolve
//! requests in one DynamoDB table (single-table design, `docs/storage.md`);
//! console sessions in a second table, out of reach of the webhook and the
//! lookup API and off the main table's stream.
//!
//! Each function sees the store through a small port trait; [`DynamoStore`]
//! is the real adapter and [`MemoryStore`] its in-memory twin for tests.
//!
//! Layout:
//! - `ports.rs`: every port trait and the data that crosses it (requests,
//!   mapping outcomes, markers, walks, pages, session records).
//! - `model.rs`: what the store keeps as the rest of the crate sees it
//!   (accounts, senders, persons, profiles).
//! - `entry.rs`: what one push writes through the ledger (the message, its
//!   guards and hints), and the ledger's answer.
//! - [`keys`]: the key schema; [`limits`]: DynamoDB's size limits.
//! - `dynamo/`: the DynamoDB adapter; `mod.rs` holds the client and the
//!   shared helpers, then one file per port (`registry.rs`, `ledger.rs`,
//!   `sessions.rs`, `resolving.rs`, `profiles.rs`, `lookup.rs`), the
//!   attribute names (`attrs.rs`), the update-expression builder
//!   (`expr.rs`) and the tables' creation ([`schema`]).
//! - `memory/`: the in-memory twin, one file per port likewise. The
//!   integration test `store_twin` runs the same script on both and
//!   compares their answers.

mod dynamo;
mod entry;
pub mod keys;
pub mod limits;
mod memory;
mod model;
mod ports;

pub use dynamo::{DynamoStore, schema};
pub use entry::*;
pub use memory::MemoryStore;
pub use model::*;
pub use ports::*;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB request failed: {0}")]
    Dynamo(String),
    #[error("stored item is not valid: {0}")]
    Corrupt(String),
    #[error("write kept conflicting with a concurrent one")]
    Contention,
}
