//! By user list (claims 3 and 4).

pub mod decide;

pub use decide::*;
