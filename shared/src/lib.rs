//! whosent: who sent this message?
//!
//! The shared library of the whosent functions: the patent's steps as
//! modules, the ports to the outside world (store, secrets, console) with
//! their real adapters and in-memory twins, and the frame both stream
//! functions run in.
//!
//! # Layout
//!
//! The steps, in the order a push meets them:
//!
//! | module | step |
//! |---|---|
//! | [`push`] | the push protocol: signatures, body modes, AES, the message XML, field bounds, passive replies (`docs/push.md`) |
//! | [`ingest`] | the webhook (steps 12–14): account, verify, record once, stamp a known sender or ask for it to be resolved |
//! | [`marker`] | the user-list marker planted in the webhook's reply and found on dialog pages |
//! | [`resolve`] | the resolver (steps 15–16): triage, by time, by user list, recording matches, the resolved group (`docs/resolver.md`) |
//! | [`profile`] | the profile step (step 17): the person and avatar by FakeID, stored beside the openID |
//! | [`lookup`] | the lookup API (claim 12): who sent this, who is this person, what did an account receive |
//!
//! What the steps share:
//!
//! | module | what |
//! |---|---|
//! | [`batch`] | the stream-batch frame of the resolver and the profile step: keys, accounts side by side, the blocked-account rule, the deadline, the partial-batch response |
//! | [`session`] | console logins under a lease, account states, retries (step 15) |
//! | [`console`] | port to the web console (`docs/console.md`): the reqwest adapter; with `twins`, the in-memory twin and the scripted console |
//! | [`store`] | port to DynamoDB (`docs/storage.md`): every port trait in `store::ports`, the adapter in `store::dynamo`, the twin in `store::memory` |
//! | [`secrets`] | port to Secrets Manager: the adapter, the twin, a cache, the redacting `Secret` |
//! | [`config`] | the functions' environment: one reader, one error, shared defaults |
//! | [`cache`] | a small per-container cache with a time to live |
//! | [`quote`] | untrusted text escaped and cut short for log lines and answers |
//! | [`metrics`] | the functions' counts as CloudWatch metrics (Embedded Metric Format lines on standard output) |
//!
//! Unit tests of a module `foo` live in `foo/tests.rs` (`#[cfg(test)] mod
//! tests;`); the core's tests across modules, on the twins and with no
//! server, live in `tests/` beside this file.

pub mod batch;
pub mod cache;
pub mod config;
pub mod console;
pub mod ingest;
pub mod lookup;
pub mod marker;
pub mod metrics;
pub mod profile;
pub mod push;
pub mod quote;
pub mod resolve;
pub mod secrets;
pub mod session;
pub mod store;
pub mod tls;

#[cfg(test)]
mod tests;
