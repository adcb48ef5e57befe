//! Triage of a batch: which of an account's requests need the console at
//! all, which wait because the account cannot log in, which are taken in
//! while the invocation waits anyway, and what each comes to once the
//! account's work is over (resolved, retried while it has not settled yet,
//! or left unresolved with the reason).

use std::collections::{BTreeMap, HashMap};

use super::by_time::decide::has_row;
use super::by_user_list::decide::{findable_by_marker, is_follow};
use super::work::{Work, hints};
use super::{Outcome, Resolver};
use crate::batch::Hold;
use crate::console::{Console, SessionState};
use crate::secrets::SecretSource;
use crate::session::SessionError;
use crate::store::{Account, ResolveHint, ResolveRequest, ResolveState, ResolverStore, Strategy};

/// Outcomes of an account's requests, by openID.
type Outcomes = Vec<(String, Outcome)>;

/// An account's requests of the batch, sorted before any console call.
#[derive(Default)]
struct Sorted {
    /// Nothing to do: gone, resolved, waiting, unresolved, or named twice.
    done: Outcomes,
    /// Pending and not mapped: the console's work.
    pending: BTreeMap<String, ResolveRequest>,
    /// Pending but mapped meanwhile, now closed: openID and FakeID.
    already_mapped: Vec<(String, u64)>,
}

/// What opening the account's console came to.
enum Opened {
    Ready(Box<Account>, SessionState),
    Held(Hold),
}

impl<St: ResolverStore, Se: SecretSource, C: Console> Resolver<'_, St, Se, C> {
    /// All requests of one account in the batch.
    pub(super) async fn account(
        &self,
        account_id: &str,
        open_ids: &[&str],
        now: i64,
    ) -> Result<Outcomes, SessionError> {
        let Sorted { mut done, pending, already_mapped } = self.sort(account_id, open_ids, now).await?;
        if pending.is_empty() && already_mapped.is_empty() {
            return Ok(done);
        }
        let (account, session) = match self.open(account_id, now).await? {
            Opened::Ready(account, session) => (*account, session),
            Opened::Held(hold) => return self.hold(account_id, pending, done, &hold, now).await,
        };
        let mut work = Work::new(account, session, pending, already_mapped);
        let result = self.resolve(&mut work, now).await;
        // Whatever happened, keep what was found.
        let moved = self.move_matched(&mut work, now).await;
        for open_id in work.matched.keys() {
            done.push((open_id.clone(), Outcome::Done));
        }
        match result.and(moved) {
            Ok(()) => {
                self.conclude(&work, &mut done, now).await?;
                Ok(done)
            }
            Err(err) if let Some(hold) = Hold::of(&err) => {
                let mut pending = std::mem::take(&mut work.pending);
                pending.retain(|o, _| work.batch.contains(o));
                self.hold(account_id, pending, done, &hold, now).await
            }
            Err(err) => {
                tracing::warn!(account = account_id, error = %err, "console work interrupted; pending records retried");
                let batch = work.pending.keys().filter(|o| work.batch.contains(*o));
                done.extend(batch.map(|o| (o.clone(), Outcome::Retry(err.to_string()))));
                Ok(done)
            }
        }
    }

    /// Reads the requests and senders of `open_ids`: a redelivery needs
    /// nothing, a request whose sender was mapped meanwhile is closed here.
    async fn sort(&self, account_id: &str, open_ids: &[&str], now: i64) -> Result<Sorted, SessionError> {
        let mut sorted = Sorted::default();
        let mut stored = self.store.requests_and_senders(account_id, open_ids).await?;
        for &open_id in open_ids {
            let found = stored.remove(open_id).unwrap_or_default();
            match found.request {
                Some(request) if request.state == ResolveState::Pending => {
                    match found.sender.and_then(|s| s.fake_id) {
                        // Resolved meanwhile (a marker seen for another request, say).
                        Some(fake_id) => {
                            let detail = "mapped before this request was handled";
                            self.store
                                .set_request_state(
                                    account_id,
                                    open_id,
                                    ResolveState::Resolved,
                                    Some(detail),
                                    Some(fake_id),
                                    now,
                                )
                                .await?;
                            sorted.already_mapped.push((open_id.to_owned(), fake_id));
                        }
                        None => {
                            sorted.pending.insert(open_id.to_owned(), request);
                        }
                    }
                }
                // Gone, resolved, waiting or unresolved, or named twice in the
                // batch: a redelivery; nothing to do.
                _ => sorted.done.push((open_id.to_owned(), Outcome::Done)),
            }
        }
        Ok(sorted)
    }

    /// The account, if it may log in, and a session on its console.
    async fn open(&self, account_id: &str, now: i64) -> Result<Opened, SessionError> {
        let opened = match self.sessions.usable_account(account_id, now).await {
            Ok(account) => match self.sessions.session(&account, now).await {
                Ok(session) => return Ok(Opened::Ready(Box::new(account), session)),
                Err(err) => err,
            },
            Err(err) => err,
        };
        Hold::of(&opened).map(Opened::Held).ok_or(opened)
    }

    /// The account is on hold ([`Hold`], the rule both stream steps share):
    /// the requests of a blocked account wait, durable, for it to be
    /// cleared; those of an unknown account end unresolved.
    async fn hold(
        &self,
        account_id: &str,
        pending: BTreeMap<String, ResolveRequest>,
        mut done: Outcomes,
        hold: &Hold,
        now: i64,
    ) -> Result<Outcomes, SessionError> {
        let state = match hold {
            Hold::Blocked(_) => ResolveState::Waiting,
            Hold::Unknown => ResolveState::Unresolved,
        };
        let reason = hold.reason();
        self.count(|s| match hold {
            Hold::Blocked(_) => *s.held.entry(hold.name()).or_default() += pending.len(),
            Hold::Unknown => *s.unresolved.entry(hold.name()).or_default() += pending.len(),
        });
        for open_id in pending.keys() {
            self.store.set_request_state(account_id, open_id, state, Some(&reason), None, now).await?;
        }
        tracing::warn!(account = account_id, requests = pending.len(), reason, "requests held with the account");
        done.extend(pending.into_keys().map(|o| (o, Outcome::Done)));
        Ok(done)
    }

    /// The batch's requests still pending after the account's work: retried
    /// while too young to tell (its row or its reply may still come), else
    /// left unresolved with the reason. Crowded by time is final: more pushes
    /// only crowd it more.
    async fn conclude(&self, work: &Work, done: &mut Outcomes, now: i64) -> Result<(), SessionError> {
        let account_id = work.account.id.as_str();
        for (open_id, request) in work.pending.iter().filter(|(o, _)| work.batch.contains(*o)) {
            let crowded = work.crowded.contains(open_id);
            let final_by_time = crowded && work.account.strategy == Strategy::Time;
            if !final_by_time
                && findable(&work.account, request)
                && !hints(request).iter().all(|h| self.settled(work, h))
            {
                done.push((open_id.clone(), Outcome::Retry("not settled yet".to_owned())));
                continue;
            }
            let give_up = self.give_up(&work.account, request, crowded);
            let reason = give_up.text(self.config.skew_secs);
            self.count(|s| *s.unresolved.entry(give_up.name()).or_default() += 1);
            self.store
                .set_request_state(account_id, open_id, ResolveState::Unresolved, Some(&reason), None, now)
                .await?;
            tracing::info!(account = account_id, reason, "sender left unresolved");
            done.push((open_id.clone(), Outcome::Done));
        }
        Ok(())
    }

    /// Why a request is left unresolved.
    fn give_up(&self, account: &Account, request: &ResolveRequest, crowded: bool) -> GiveUp {
        let hints = hints(request);
        let any_row = hints.iter().any(has_row);
        let any_marker = hints.iter().any(|h| h.marker_planted);
        match account.strategy {
            Strategy::Time if !any_row => GiveUp::EventWithoutRow,
            Strategy::Time if crowded => GiveUp::Crowded,
            Strategy::Time => GiveUp::NoSingleFit,
            _ if !any_marker && !any_row => GiveUp::NoMarkerPlanted,
            _ if !any_row && !hints.iter().any(is_follow) => GiveUp::EventWithoutPage,
            _ => GiveUp::NoMarkerFound,
        }
    }

    /// Takes in the account's requests that became pending since the batch
    /// was cut (their records are on the way, behind this invocation): while
    /// it waits anyway, it serves them too. Returns their openIDs.
    pub(super) async fn take_in(
        &self,
        work: &mut Work,
        findable: impl Fn(&ResolveHint) -> bool,
    ) -> Result<Vec<String>, SessionError> {
        let from = work.pending.values().map(|r| r.first_hint.create_time).min().unwrap_or_else(|| self.unix_now());
        let pushes = self.store.pushes_between(&work.account.id, from, self.unix_now() + self.config.skew_secs).await?;
        // Each sender's newest push: its time, and how many that second.
        let mut newest: HashMap<&str, (i64, usize)> = HashMap::new();
        for push in &pushes {
            let seen = newest.entry(push.open_id.as_str()).or_insert((push.create_time, 0));
            if push.create_time > seen.0 {
                *seen = (push.create_time, 0);
            }
            if push.create_time == seen.0 {
                seen.1 += 1;
            }
        }
        let fresh: Vec<&str> = newest
            .iter()
            .filter(|(o, at)| !work.matched.contains_key(**o) && work.looked_at.get(**o).is_none_or(|seen| *at > seen))
            .map(|(o, _)| *o)
            .collect();
        if fresh.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = self.store.requests_and_senders(&work.account.id, &fresh).await?;
        let mut taken = Vec::new();
        for open_id in fresh {
            work.looked_at.insert(open_id.to_owned(), newest[open_id]);
            let Some(found) = found.remove(open_id) else { continue };
            let unmapped = found.sender.as_ref().is_none_or(|s| s.fake_id.is_none());
            match found.request {
                Some(request)
                    if request.state == ResolveState::Pending && unmapped && hints(&request).iter().any(&findable) =>
                {
                    work.pending.insert(open_id.to_owned(), request);
                    taken.push(open_id.to_owned());
                }
                _ => {}
            }
        }
        if !taken.is_empty() {
            tracing::debug!(account = %work.account.id, taken = taken.len(), "requests taken in while waiting");
        }
        Ok(taken)
    }
}

/// Why a request is left unresolved: a small closed set, named for the
/// metrics and told in words on the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// By time: an event has no row in the message list.
    EventWithoutRow,
    /// By time: another follower sent the same at nearly the same time.
    Crowded,
    /// By time: no single follower fits the push.
    NoSingleFit,
    /// No marker was planted (the push got no reply) and there is no row.
    NoMarkerPlanted,
    /// An event other than a follow, with no row to find its page by.
    EventWithoutPage,
    /// No marker found in the unresolved followers' dialog pages.
    NoMarkerFound,
}

impl GiveUp {
    /// The reason's name in the metrics.
    pub fn name(self) -> &'static str {
        match self {
            GiveUp::EventWithoutRow => "event_without_row",
            GiveUp::Crowded => "crowded",
            GiveUp::NoSingleFit => "no_single_fit",
            GiveUp::NoMarkerPlanted => "no_marker_planted",
            GiveUp::EventWithoutPage => "event_without_page",
            GiveUp::NoMarkerFound => "no_marker_found",
        }
    }

    /// The reason in words, stored on the request.
    pub fn text(self, skew_secs: i64) -> String {
        match self {
            GiveUp::EventWithoutRow => {
                "an event has no row in the message list: waits for the follower's next message".into()
            }
            GiveUp::Crowded => format!(
                "another follower sent the same within {} s: time cannot tell them apart; waits for the follower's next message",
                2 * skew_secs
            ),
            GiveUp::NoSingleFit => "no single follower fits the push in the message list".into(),
            GiveUp::NoMarkerPlanted => {
                "no marker was planted (the push gets no reply): waits for the follower's next message".into()
            }
            GiveUp::EventWithoutPage => {
                "an event other than a follow has no row to find its page by: waits for the follower's next message"
                    .into()
            }
            GiveUp::NoMarkerFound => "no marker found in the unresolved followers' dialog pages".into(),
        }
    }
}

/// Whether a method of the account's strategy can find the request's sender
/// at all: by its row in the message list, or by a planted marker.
fn findable(account: &Account, request: &ResolveRequest) -> bool {
    let hints = hints(request);
    let by_row = hints.iter().any(has_row);
    let by_marker = hints.iter().any(findable_by_marker);
    match account.strategy {
        Strategy::Time => by_row,
        Strategy::UserList => by_marker,
        Strategy::Auto => by_row || by_marker,
    }
}
