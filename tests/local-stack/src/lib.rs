//! What AWS runs around whosent's functions, stood in for on the local
//! stack: the DynamoDB stream event source mappings that invoke the resolver
//! and the profile function (`event-source`). Not deployed.
//!
//! - [`filter`]: Lambda's event filter patterns (`events/filters.json`);
//! - [`record`]: stream records as Lambda hands them to a function;
//! - [`invoke`]: the Lambda invoke API (`cargo lambda watch`) and a twin;
//! - [`mapping`]: batching, partial failures, bisection, retries, dead letters;
//! - [`source`]: the table's stream, shard by shard;
//! - [`template`]: the functions' timeouts, from `template.yaml`.

pub mod filter;
pub mod invoke;
pub mod mapping;
pub mod record;
pub mod source;
pub mod template;
