//! The webhook: `GET /wechat/{account}` (URL check) and `POST /wechat/{account}`
//! (a push), behind API Gateway (HTTP API or REST API) or `cargo lambda watch`.

mod config;
mod handler;

pub use config::{Config, ConfigError};
pub use handler::handle;
