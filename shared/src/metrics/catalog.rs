//! Every metric the functions emit, and the names of their dimensions.
//! `docs/metrics.md` describes them; the dashboard of `template.yaml` shows
//! each one (both checked by this module's tests).

use super::{Metric, Unit};

/// Dimension: what became of a push, a stream record, a profile or a login.
pub const OUTCOME: &str = "Outcome";
/// Dimension: why a request was refused, a sender left unresolved, an account held.
pub const REASON: &str = "Reason";
/// Dimension: how a FakeID was found (`time`, `user_list`).
pub const METHOD: &str = "Method";
/// Dimension: the console endpoint called.
pub const ENDPOINT: &str = "Endpoint";

const fn count(name: &'static str) -> Metric {
    Metric { name, unit: Unit::Count }
}

const fn millis(name: &'static str) -> Metric {
    Metric { name, unit: Unit::Milliseconds }
}

/// Webhook: pushes recorded, by `Outcome` (`new_sender`, `known_sender`,
/// `awaiting_profile`, `duplicate`).
pub const PUSHES: Metric = count("Pushes");
/// Webhook: requests refused (pushes and URL checks), by `Reason`.
pub const REFUSED: Metric = count("Refused");
/// Webhook: URL checks answered.
pub const URL_CHECKS: Metric = count("UrlChecks");

/// Resolver: FakeIDs found and stored, by `Method` and `Outcome` (`mapped`,
/// or `conflict` when another FakeID was stored already and kept).
pub const RESOLUTIONS: Metric = count("Resolutions");
/// Resolver: requests left unresolved, by `Reason`.
pub const UNRESOLVED: Metric = count("Unresolved");
/// Resolver: from the first push of a sender's request to its FakeID found.
pub const PUSH_TO_MAPPING: Metric = millis("PushToMapping");

/// Profile: senders' profiles stored, by `Outcome` (`fetched`, `reused`), or
/// `not_following`.
pub const PROFILES: Metric = count("Profiles");
/// Profile: avatars not stored (not a JPEG, too large, refused).
pub const AVATARS_NOT_STORED: Metric = count("AvatarsNotStored");
/// Profile: from a sender's FakeID found to its first profile stored.
pub const MAPPING_TO_PROFILE: Metric = millis("MappingToProfile");

/// Resolver and profile: stream records, by `Outcome` (`done`, `retried`,
/// `skipped` for a record that names no work).
pub const RECORDS: Metric = count("Records");
/// Resolver and profile: work held with its account, by `Reason` (the
/// account's state, e.g. `captcha_required`).
pub const HELD: Metric = count("Held");
/// Resolver and profile: console requests, by `Endpoint`.
pub const CONSOLE_REQUESTS: Metric = count("ConsoleRequests");
/// Resolver and profile: console logins, by `Outcome` (`ok`, `refused`).
pub const CONSOLE_LOGINS: Metric = count("ConsoleLogins");
/// Resolver and profile: frequency-control answers (200013), by `Endpoint`.
pub const FREQUENCY_CONTROL: Metric = count("FrequencyControl");

/// Every metric.
pub const ALL: &[Metric] = &[
    PUSHES,
    REFUSED,
    URL_CHECKS,
    RESOLUTIONS,
    UNRESOLVED,
    PUSH_TO_MAPPING,
    PROFILES,
    AVATARS_NOT_STORED,
    MAPPING_TO_PROFILE,
    RECORDS,
    HELD,
    CONSOLE_REQUESTS,
    CONSOLE_LOGINS,
    FREQUENCY_CONTROL,
];

/// Every dimension name besides `Function`.
pub const DIMENSIONS: &[&str] = &[OUTCOME, REASON, METHOD, ENDPOINT];
