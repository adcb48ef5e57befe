//! The in-memory store is a twin of the DynamoDB adapter: the same script of
//! operations on each port, run on both, must give the same answers. The
//! scenario benchmark and the core's tests run on the twin; this is what
//! keeps them honest.
//!
//! One script per port, each on a fresh table: `ledger` (the registry and
//! the push ledger, with retries and replays), `sessions`, `resolver`,
//! `profiles` (with the pending index), `lookup` and `accounts` (the lookup
//! API's overview of the accounts).

mod accounts;
mod ledger;
mod lookup;
mod profiles;
mod resolver;
mod sessions;

use std::fmt::Debug;

use whosent::console::SessionState;
use whosent::push::Features;
use whosent::secrets::Secret;
use whosent::store::{
    Account, Answer, DynamoStore, MemoryStore, MessageRecord, Method, PushEntry, ReplayGuard, Resolution, ResolveHint,
    SenderField, Strategy,
};
use whosent_integration::LocalAws;

const ACCOUNT: &str = "twin-account";

fn account() -> Account {
    Account::new(ACCOUNT, "wx0123456789abcdef", "gh_0123456789ab", Strategy::UserList)
}

fn session(token: &str) -> SessionState {
    SessionState { token: token.into(), cookies: Secret::new("slave_sid=abc".into()), uin: Some(7), created_at: 50 }
}

/// A pending text from `open_id`, asking for a resolve request.
fn pending_push(open_id: &str, create_time: i64) -> PushEntry {
    let features = Features {
        open_id: open_id.into(),
        create_time,
        msg_type: "text".into(),
        msg_id: Some(format!("{create_time}01")),
        content: Some("hello".into()),
        event: None,
        event_key: None,
    };
    let hint = ResolveHint {
        create_time,
        msg_type: "text".into(),
        msg_id: features.msg_id.clone(),
        content: features.content.clone(),
        marker_planted: true,
        event: None,
    };
    PushEntry {
        guard: Some(ReplayGuard {
            query_digest: format!("query-{open_id}-{create_time}"),
            message_digest: format!("message-{open_id}-{create_time}"),
            expires_at: create_time + 600,
        }),
        message: MessageRecord {
            account: ACCOUNT.into(),
            dedupe_key: format!("key-{open_id}-{create_time}"),
            features,
            raw_xml: "<xml/>".into(),
            received_at: create_time + 1,
            sender: SenderField::Pending,
        },
        answer: Answer::Success,
        resolve: Some(hint),
        follow: None,
        refresh_profile: false,
        check: None,
    }
}

fn resolution(fake_id: u64, at: i64) -> Resolution {
    Resolution { fake_id, method: Method::UserList, evidence: format!("dialog {fake_id}"), resolved_at: at }
}

/// Every answer of a script, as text.
#[derive(Default)]
struct Transcript(Vec<String>);

impl Transcript {
    fn note(&mut self, step: &str, value: impl Debug) {
        self.0.push(format!("{step}: {value:?}"));
    }

    /// The line of a step.
    fn answer(&self, step: &str) -> String {
        let prefix = format!("{step}: ");
        self.0.iter().find(|l| l.starts_with(&prefix)).cloned().unwrap_or_else(|| panic!("no step {step}"))
    }
}

/// The two stores, each with the account registered: DynamoDB on a fresh
/// table of the local AWS, and the twin.
async fn twins(prefix: &str) -> (DynamoStore, MemoryStore) {
    let aws = LocalAws::connect().await;
    let table = aws.fresh_table(prefix).await;
    let dynamo = DynamoStore::new(aws.dynamo(), &table);
    dynamo.put_account(&account()).await.unwrap();
    let memory = MemoryStore::new();
    memory.put_account(account());
    (dynamo, memory)
}

/// Asserts that both transcripts are the same, step by step; the twin's.
fn same(on_dynamo: Transcript, on_memory: Transcript) -> Transcript {
    assert_eq!(on_dynamo.0.len(), on_memory.0.len());
    for (d, m) in on_dynamo.0.iter().zip(&on_memory.0) {
        assert_eq!(d, m, "the twin differs from DynamoDB");
    }
    on_memory
}
