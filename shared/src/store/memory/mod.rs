//! The in-memory twin of [`super::DynamoStore`], with the same semantics,
//! for tests of the logic above the store: this file holds the tables and
//! the helpers for seeding and inspecting them, then one file per port.

mod ledger;
mod lookup;
mod overview;
mod profiles;
mod resolving;
mod sessions;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use super::keys;
use super::ports::{MarkerRecord, ResolveRequest, SessionRecord, WalkRecord};
use super::{Account, Answer, MessageRecord, Person, Sender};

#[derive(Default)]
struct Tables {
    accounts: HashMap<String, Account>,
    senders: HashMap<(String, String), Sender>,
    /// The answer kept with each message, by (account, message sort key).
    answers: HashMap<(String, String), Answer>,
    /// Replay guards: (account, query digest) → message digest.
    nonces: HashMap<(String, String), String>,
    /// By (account, message sort key), so iteration is in time order.
    messages: BTreeMap<(String, String), MessageRecord>,
    /// By (account, openID), so that an account's requests are one range.
    resolve: BTreeMap<(String, String), ResolveRequest>,
    /// Which (account, openID) pairs each FakeID was mapped from: the
    /// person index (`gsi2`) of DynamoDB. It may name a sender whose FakeID
    /// has changed since; readers check the sender.
    mapped: HashMap<u64, BTreeSet<(String, String)>>,
    persons: HashMap<u64, Person>,
    avatars: HashMap<u64, Vec<u8>>,
    sessions: HashMap<String, SessionRecord>,
    /// When each account's latest console session was made (on its item in DynamoDB).
    last_logins: HashMap<String, i64>,
    /// By (account, sort key), in the table's order.
    markers: BTreeMap<(String, String), MarkerRecord>,
    walks: BTreeMap<(String, String), WalkRecord>,
}

impl Tables {
    /// The sender item, created as an update on DynamoDB would create it.
    fn sender_mut(&mut self, account: &str, open_id: &str) -> &mut Sender {
        self.senders.entry((account.to_owned(), open_id.to_owned())).or_insert_with(|| Sender {
            account: account.to_owned(),
            open_id: open_id.to_owned(),
            ..Sender::default()
        })
    }

    fn insert_message(&mut self, message: MessageRecord) {
        let sk = keys::message_sk(message.features.create_time, &message.dedupe_key);
        self.messages.insert((message.account.clone(), sk), message);
    }
}

/// The records of an account's collection, in sort-key order.
fn collection<V: Clone>(items: &BTreeMap<(String, String), V>, account: &str) -> Vec<V> {
    of_account(items, account).map(|(_, v)| v.clone()).collect()
}

/// The entries of one account, in sort-key order: a range of the map, as a
/// Query of the account's partition is.
fn of_account<'m, V>(
    items: &'m BTreeMap<(String, String), V>,
    account: &str,
) -> impl DoubleEndedIterator<Item = (&'m (String, String), &'m V)> {
    // No string sorts between `account` and `account` + NUL.
    let next = format!("{account}\0");
    items.range((account.to_owned(), String::new())..(next, String::new()))
}

/// The records of an account under these sort keys, each once, in sort-key
/// order (a batch read's order is not part of its answer).
fn named<V: Clone>(items: &BTreeMap<(String, String), V>, account: &str, sort_keys: Vec<String>) -> Vec<V> {
    let sort_keys: BTreeSet<String> = sort_keys.into_iter().collect();
    sort_keys.into_iter().filter_map(|sk| items.get(&(account.to_owned(), sk)).cloned()).collect()
}

/// A store in memory. Every operation is atomic under one lock; clones share
/// the same tables, as clones of a [`super::DynamoStore`] share its table.
#[derive(Default, Clone)]
pub struct MemoryStore {
    tables: Arc<Mutex<Tables>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates or replaces an account, as a put of its item does: its last
    /// login is forgotten.
    pub fn put_account(&self, account: Account) {
        let mut tables = self.lock();
        tables.last_logins.remove(&account.id);
        tables.accounts.insert(account.id.clone(), account);
    }

    /// Every registered account, by id.
    pub fn accounts(&self) -> Vec<Account> {
        let mut accounts: Vec<Account> = self.lock().accounts.values().cloned().collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        accounts
    }

    pub fn put_sender(&self, sender: Sender) {
        let mut tables = self.lock();
        let key = (sender.account.clone(), sender.open_id.clone());
        if let Some(fake_id) = sender.fake_id {
            tables.mapped.entry(fake_id).or_default().insert(key.clone());
        }
        tables.senders.insert(key, sender);
    }

    /// The account's messages, newest first.
    pub fn messages(&self, account: &str) -> Vec<MessageRecord> {
        let tables = self.lock();
        of_account(&tables.messages, account).rev().map(|(_, m)| m.clone()).collect()
    }

    /// Stores a resolve request as it stands.
    pub fn put_request(&self, request: ResolveRequest) {
        self.lock().resolve.insert((request.account.clone(), request.open_id.clone()), request);
    }

    pub fn resolve_requests(&self) -> Vec<ResolveRequest> {
        self.lock().resolve.values().cloned().collect()
    }

    /// How many pushes were recorded (each message keeps its answer).
    pub fn dedupe_records(&self) -> usize {
        self.lock().answers.len()
    }

    pub fn replay_guards(&self) -> usize {
        self.lock().nonces.len()
    }

    pub fn put_person(&self, person: Person) {
        self.lock().persons.insert(person.fake_id, person);
    }

    pub fn put_avatar(&self, fake_id: u64, jpeg: Vec<u8>) {
        self.lock().avatars.insert(fake_id, jpeg);
    }

    /// Stores a message as the webhook would: in the pending index while
    /// its sender is pending.
    pub fn put_message(&self, message: MessageRecord) {
        self.lock().insert_message(message);
    }

    pub fn sender_record(&self, account: &str, open_id: &str) -> Option<Sender> {
        self.lock().senders.get(&(account.to_owned(), open_id.to_owned())).cloned()
    }
}

#[cfg(test)]
mod tests;
