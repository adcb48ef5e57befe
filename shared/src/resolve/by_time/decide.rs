//! By time (claim 5), the decision: match a push's CreateTime, kind and
//! content to a row of the console's message list.
//!
//! A row is a candidate for a push when it came from a follower, its
//! `date_time` is within the skew of the push's CreateTime, it is of the same
//! kind, and for text it has the same content after unescaping. A FakeID
//! already mapped to another openID of the account is no candidate. An openID
//! with several pushes keeps only the FakeIDs that fit all of them. A match
//! counts only when exactly one FakeID fits; otherwise nothing is decided.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::console::MessageItem;
use crate::push::Features;
use crate::store::ResolveHint;

/// The console's `type` for a push's `MsgType`: 1 text, 2 image, 3 voice,
/// 4 video; locations, links and short videos are listed as text. Events
/// have no row.
pub fn console_kind(msg_type: &str) -> Option<i64> {
    match msg_type {
        "text" | "location" | "link" | "shortvideo" => Some(1),
        "image" => Some(2),
        "voice" => Some(3),
        "video" => Some(4),
        _ => None,
    }
}

/// Whether a push can be found in the message list at all.
pub fn has_row(hint: &ResolveHint) -> bool {
    console_kind(&hint.msg_type).is_some()
}

/// The rows that fit one push, by FakeID (with the id of a fitting row).
pub fn candidates(hint: &ResolveHint, rows: &[MessageItem], skew_secs: i64) -> BTreeMap<u64, u64> {
    let Some(kind) = console_kind(&hint.msg_type) else {
        return BTreeMap::new();
    };
    rows.iter()
        .filter(|row| !row.from_account() && row.kind == kind)
        .filter(|row| (row.date_time - hint.create_time).abs() <= skew_secs)
        .filter(|row| hint.msg_type != "text" || Some(row.content.as_str()) == hint.content.as_deref())
        .map(|row| (row.fake_id, row.id))
        .collect()
}

/// Whether another follower's push could have left a row that fits `hint`:
/// one of the same kind (for text, the same text) within `radius` seconds.
/// The console dates rows a little off, sometimes past the skew allowed: the
/// hint's own row can then fall outside its window while that other row
/// stands alone in it. Time cannot tell such pushes apart.
pub fn crowded(hint: &ResolveHint, open_id: &str, neighbours: &[Features], radius: i64) -> bool {
    let Some(kind) = console_kind(&hint.msg_type) else {
        return false;
    };
    neighbours.iter().any(|other| {
        let alike = if hint.msg_type == "text" {
            other.msg_type == "text" && other.content == hint.content
        } else {
            console_kind(&other.msg_type) == Some(kind)
        };
        alike && other.open_id != open_id && (other.create_time - hint.create_time).abs() <= radius
    })
}

/// The outcome for one openID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Exactly one FakeID fits; `message_id` is the console row that shows it.
    Match { fake_id: u64, message_id: u64 },
    /// More than one FakeID fits.
    Ambiguous(Vec<u64>),
    /// No row fits (yet).
    NotFound,
}

/// Decides every pending openID of one account against the same rows.
///
/// `pending` gives each openID's pushes; `mapped` the FakeIDs already mapped
/// to some openID of the account (with that openID). A FakeID matched here to
/// one openID is no longer a candidate for the others, and the rounds repeat
/// until nothing more is decided.
pub fn decide(
    pending: &[(String, Vec<ResolveHint>)],
    rows: &[MessageItem],
    skew_secs: i64,
    mapped: &HashMap<u64, String>,
) -> HashMap<String, Verdict> {
    let mut fits: HashMap<&str, BTreeMap<u64, u64>> = HashMap::new();
    for (open_id, hints) in pending {
        let mut fit: Option<BTreeMap<u64, u64>> = None;
        for hint in hints.iter().filter(|h| has_row(h)) {
            let found = candidates(hint, rows, skew_secs);
            if found.is_empty() {
                continue; // this push's row may not be listed yet
            }
            fit = Some(match fit {
                None => found,
                Some(before) => before.into_iter().filter(|(fake_id, _)| found.contains_key(fake_id)).collect(),
            });
        }
        let mut fit = fit.unwrap_or_default();
        fit.retain(|fake_id, _| mapped.get(fake_id).is_none_or(|owner| owner == open_id));
        fits.insert(open_id.as_str(), fit);
    }

    let mut verdicts = HashMap::new();
    let mut claimed: HashSet<u64> = HashSet::new();
    loop {
        let mut progress = false;
        for (open_id, _) in pending {
            if verdicts.contains_key(open_id) {
                continue;
            }
            let open: BTreeSet<u64> = fits[open_id.as_str()].keys().copied().filter(|f| !claimed.contains(f)).collect();
            if open.len() == 1 {
                let fake_id = *open.iter().next().unwrap_or(&0);
                let message_id = fits[open_id.as_str()][&fake_id];
                claimed.insert(fake_id);
                verdicts.insert(open_id.clone(), Verdict::Match { fake_id, message_id });
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    for (open_id, _) in pending {
        if !verdicts.contains_key(open_id) {
            let open: Vec<u64> = fits[open_id.as_str()].keys().copied().filter(|f| !claimed.contains(f)).collect();
            let verdict = if open.is_empty() { Verdict::NotFound } else { Verdict::Ambiguous(open) };
            verdicts.insert(open_id.clone(), verdict);
        }
    }
    verdicts
}

#[cfg(test)]
mod tests;
