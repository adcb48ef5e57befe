//! The single-table key schema (see `docs/storage.md`).
//!
//! | item | pk | sk |
//! |---|---|---|
//! | account | `ACCT#{account}` | `ACCOUNT` |
//! | sender | `ACCT#{account}` | `SENDER#{openid}` |
//! | resolve request | `ACCT#{account}` | `RESOLVE#{openid}` |
//! | message | `MSG#{account}` | `{create_time:010}#{dedupe:16}` |
//! | replay guard | `NONCE#{account}#{query digest}` | `NONCE` |
//! | marker seen | `ACCT#{account}` | `MARKER#{marker}` |
//! | dialog read | `ACCT#{account}` | `WALKED#{fakeid}` |
//! | person | `PERSON#{fakeid}` | `PROFILE` |
//! | avatar | `PERSON#{fakeid}` | `AVATAR` |
//!
//! GSI2 (`gsi2pk`, `gsi2sk`), sparse: mapped senders by FakeID, so that one
//! person's (account, openID) pairs can be listed; and every account item
//! under `ACCOUNTS`, by id, so that the registry can be listed without a scan.
//!
//! Console sessions are not in this table: they have a table of their own,
//! keyed by `pk` = the account id alone (`dynamo/sessions.rs`).

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const KIND: &str = "kind";
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI2_SK: &str = "gsi2sk";
/// The table's TTL attribute (Unix seconds).
pub const EXPIRES_AT: &str = "expires_at";

/// The `kind` attribute of each item, used by stream filters.
pub mod kind {
    pub const ACCOUNT: &str = "account";
    pub const SENDER: &str = "sender";
    pub const RESOLVE_REQUEST: &str = "resolve_request";
    pub const MESSAGE: &str = "message";
    pub const NONCE: &str = "nonce";
    pub const MARKER: &str = "marker";
    pub const WALKED: &str = "walked";
    pub const PERSON: &str = "person";
    pub const AVATAR: &str = "avatar";
}

pub fn account_pk(account: &str) -> String {
    format!("ACCT#{account}")
}

pub const ACCOUNT_SK: &str = "ACCOUNT";

/// The `gsi2pk` of every account item (its `gsi2sk` is the account id).
pub const ACCOUNTS_GSI2PK: &str = "ACCOUNTS";

/// Sort-key prefixes of the collections in an account's partition.
pub const SENDER_PREFIX: &str = "SENDER#";
pub const RESOLVE_PREFIX: &str = "RESOLVE#";
pub const MARKER_PREFIX: &str = "MARKER#";
pub const WALKED_PREFIX: &str = "WALKED#";

pub fn sender_sk(open_id: &str) -> String {
    format!("{SENDER_PREFIX}{open_id}")
}

pub fn resolve_sk(open_id: &str) -> String {
    format!("{RESOLVE_PREFIX}{open_id}")
}

pub fn messages_pk(account: &str) -> String {
    format!("MSG#{account}")
}

/// Newest-first order is a reverse query on this sort key.
pub fn message_sk(create_time: i64, dedupe_key: &str) -> String {
    let short = dedupe_key.get(..16).unwrap_or(dedupe_key);
    format!("{create_time:010}#{short}")
}

pub fn nonce_pk(account: &str, query_digest: &str) -> String {
    format!("NONCE#{account}#{query_digest}")
}

pub const NONCE_SK: &str = "NONCE";

pub fn marker_sk(marker: &str) -> String {
    format!("{MARKER_PREFIX}{marker}")
}

pub fn walked_sk(fake_id: u64) -> String {
    format!("{WALKED_PREFIX}{fake_id}")
}

pub fn person_pk(fake_id: u64) -> String {
    format!("PERSON#{fake_id}")
}

pub const PERSON_SK: &str = "PROFILE";

pub const AVATAR_SK: &str = "AVATAR";

pub fn person_gsi2sk(account: &str, open_id: &str) -> String {
    format!("{account}#{open_id}")
}
