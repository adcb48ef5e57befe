//! Matching a push's openID to the sender's FakeID (patent steps 15–16):
//! [`by_time`] (claim 5) and [`by_user_list`] (claims 3 and 4) with its
//! planted [`marker`]. These are the decisions; `resolve` drives them
//! against the console and the store.

pub mod by_time;
pub mod by_user_list;
pub mod marker;
