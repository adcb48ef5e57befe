//! By user list (claims 3 and 4), the decision: the marker planted in the
//! account's reply is found in a follower's dialog page, which ties that
//! FakeID to the openID. Also which pushes this method can find at all, and
//! which only a walk of the unresolved list's top can.

use std::collections::HashMap;

use crate::console::Dialog;
use crate::marker;
use crate::resolve::by_time::decide::has_row;
use crate::resolve::work::hints;
use crate::store::{Method, Resolution, ResolveHint, ResolveRequest};

/// A marker seen in a follower's dialog page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub marker: String,
    /// The follower whose page it was on.
    pub fake_id: u64,
    /// The console message that carried it.
    pub message_id: u64,
}

/// Every marker in the account's own messages on a follower's page. Markers
/// the follower typed do not count: anyone can type anyone's marker.
pub fn markers_in(dialog: &Dialog, fake_id: u64) -> Vec<Found> {
    dialog
        .messages
        .iter()
        .filter(|m| m.from_account() && m.to_uin.is_none_or(|to| to == fake_id))
        .flat_map(|m| {
            marker::find_all(&m.content).into_iter().map(move |found| Found {
                marker: found.to_owned(),
                fake_id,
                message_id: m.id,
            })
        })
        .collect()
}

/// The markers of the pending openIDs, to recognise them on a page.
pub fn marker_table<'a>(key: &[u8], open_ids: impl IntoIterator<Item = &'a str>) -> HashMap<String, String> {
    open_ids.into_iter().map(|open_id| (marker::marker(key, open_id), open_id.to_owned())).collect()
}

/// The newest `date_time` of the follower's own messages on a page that the
/// account had answered when the page was read (0: none): the page is newest
/// first, so an answer is an account's message above it. A later message
/// without an answer yet may still get its marker.
pub fn newest_answered(dialog: &Dialog) -> i64 {
    let first_answer = dialog.messages.iter().position(|m| m.from_account());
    first_answer
        .and_then(|at| dialog.messages[at..].iter().filter(|m| !m.from_account()).map(|m| m.date_time).max())
        .unwrap_or(0)
}

/// Whether a push's marker can be found: through the push's row in the
/// message list, or, for a follow, at the top of the unresolved list.
pub fn findable_by_marker(hint: &ResolveHint) -> bool {
    hint.marker_planted && (has_row(hint) || is_follow(hint))
}

/// Whether a push is a follow (the `subscribe` event).
pub fn is_follow(hint: &ResolveHint) -> bool {
    hint.event.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("subscribe"))
}

/// A request only a walk of the unresolved list's top can find: a follow.
pub fn awaits_follow_walk(request: &ResolveRequest) -> bool {
    let hints = hints(request);
    hints.iter().any(|h| h.marker_planted && is_follow(h)) && !hints.iter().any(has_row)
}

/// The mapping a marker on a follower's page proves.
pub fn user_list_resolution(fake_id: u64, message_id: u64, at: i64) -> Resolution {
    Resolution {
        fake_id,
        method: Method::UserList,
        evidence: format!("marker in the dialog page of {fake_id}, message {message_id}"),
        resolved_at: at,
    }
}

#[cfg(test)]
mod tests;
