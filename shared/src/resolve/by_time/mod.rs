//! By time (claim 5).

pub mod decide;

pub use decide::*;
