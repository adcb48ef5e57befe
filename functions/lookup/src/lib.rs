//! The lookup API: the third party asks who sent a message (claim 12).
//! A sibling of the profile function rather than a part of it: it answers
//! HTTP, reads only, and holds no console credentials. It also serves the
//! web page over the same API (`page`).

mod config;
mod handler;
mod page;

pub use config::{Config, ConfigError};
pub use handler::{API_KEY_HEADER, handle};
