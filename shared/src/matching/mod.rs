//! Matching a push's openID to the sender's FakeID (patent steps 15–16).
//!
//! [`marker`] is the planted correspondence of the user-list method (claims 3
//! and 4): the webhook writes it into its reply, the resolver finds it in the
//! console's dialog pages.

pub mod marker;
