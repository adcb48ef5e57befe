//! whosent: who sent this message?
//!
//! The shared library of the whosent functions. Its modules follow the steps
//! of the method: [`push`] receives and verifies what the platform sends,
//! [`store`] keeps messages, senders and mappings in DynamoDB, and [`secrets`]
//! holds each account's credentials.

pub mod batch;
pub mod cache;
pub mod config;
pub mod console;
pub mod ingest;
pub mod lookup;
pub mod matching;
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
