//! The user-list marker: a short, keyed digest of an openID. The webhook
//! plants it in its reply to an unresolved sender; the resolver's user-list
//! method looks for it on followers' dialog pages.
//!
//! `ws-` followed by 12 hex digits of HMAC-SHA1(marker key, openID). Without
//! the account's marker key nobody can compute it, and it reveals nothing
//! about the openID. Its characters survive the console's HTML escaping.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

const PREFIX: &str = "ws-";
const HEX_DIGITS: usize = 12;

/// The marker of `open_id` under `key`.
pub fn marker(key: &[u8], open_id: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(open_id.as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("{PREFIX}{}", &hex::encode(digest)[..HEX_DIGITS])
}

/// The text of the passive reply that plants `marker` in the dialog.
pub fn reply_text(marker: &str) -> String {
    format!("Thanks, we received your message. [{marker}]")
}

/// Every marker-shaped token in `text`, in order.
pub fn find_all(text: &str) -> Vec<&str> {
    text.match_indices(PREFIX)
        .filter_map(|(at, _)| {
            let candidate = text.get(at..at + PREFIX.len() + HEX_DIGITS)?;
            let digits = &candidate[PREFIX.len()..];
            digits.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')).then_some(candidate)
        })
        .collect()
}

#[cfg(test)]
mod tests;
