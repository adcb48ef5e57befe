//! The resolver's scenario benchmark, on the platform emulator with whosent's
//! store in memory (the twin of the DynamoDB adapter, checked against moto by
//! `tests/store_twin.rs`): what is measured here is the console, and moto's
//! pace would make the full run last hours. 2,000 followers, 10,000 pushes with Zipf senders at 20
//! pushes a second, 5 % of them joined in the same second by another
//! follower. Three runs of the same seeded traffic, side by side:
//!
//! - whosent by time,
//! - whosent by user list,
//! - the literal patent method: on every push from an unresolved sender, walk
//!   the unresolved followers' dialog pages from the top until its marker shows.
//!
//! Time is the platform's (virtual: no real waiting); the resolver runs on
//! what a stream batch would hold every 5 seconds, as Lambda would.
//! `cargo bench -p whosent-integration --bench scenario` (or `make bench`);
//! under `cargo test` a small version runs as a check.

use std::collections::HashSet;
use std::time::Instant;

use platform::{Config, Knobs, Pace, Planned, Traffic};
use whosent::batch::WorkKey;
use whosent::console::{Console, ConsoleConfig, HttpConsole};
use whosent::ingest::IngestConfig;
use whosent::marker;
use whosent::resolve::ResolverConfig;
use whosent::resolve::by_user_list::decide as by_user_list;
use whosent::secrets::{MemorySecrets, Secret};
use whosent::store::{MemoryStore, Method, Resolution, ResolveState, ResolverStore, Strategy};
use whosent_integration::emulated::{Emulated, MARKER_KEY};

#[derive(Clone, Copy)]
struct Scenario {
    followers: usize,
    pushes: usize,
    rate: f64,
    same_second: f64,
    batch_secs: i64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    Whosent(Strategy),
    Literal,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Whosent(Strategy::Time) => "whosent, by time",
            Way::Whosent(_) => "whosent, by user list",
            Way::Literal => "literal patent walk",
        }
    }
}

#[derive(Default, Debug)]
struct Figures {
    pushes: usize,
    requests: usize,
    resolved: usize,
    misattributed: usize,
    logins: u64,
    list_reads: u64,
    dialog_reads: u64,
    followers_read: usize,
    console_requests: u64,
    seconds: f64,
    /// Requests not resolved, by state and reason.
    left: std::collections::BTreeMap<String, usize>,
}

async fn run(scenario: Scenario, way: Way) -> Figures {
    let knobs = Knobs::default();
    let world = Config::small(2026, 1, scenario.followers).knobs(knobs).frozen_at(1_795_000_000);
    let strategy = match way {
        Way::Whosent(strategy) => strategy,
        Way::Literal => Strategy::UserList,
    };
    // The platform's clock runs virtual time: no replay window.
    let ingest = IngestConfig { timestamp_window_secs: None, ..IngestConfig::default() };
    let e = Emulated::in_memory(world, &[strategy], ingest).await;
    let traffic = Traffic {
        count: scenario.pushes,
        rate: scenario.rate,
        zipf: 1.0,
        same_second_share: scenario.same_second,
        pace: Pace::Virtual,
        concurrency: 8,
        ..Traffic::default()
    };
    let plan = e.platform.plan(&traffic);
    let config = ResolverConfig { rounds: 1, ..ResolverConfig::default() };
    let started = Instant::now();
    let mut figures = Figures { pushes: plan.len(), ..Figures::default() };
    let mut literal = Literal::default();
    let mut seen_requests = HashSet::new();

    let batch_ms = scenario.batch_secs * 1000;
    let mut chunks: Vec<Vec<Planned>> = Vec::new();
    for planned in plan {
        let index = (planned.at_ms / batch_ms) as usize;
        while chunks.len() <= index {
            chunks.push(Vec::new());
        }
        chunks[index].push(planned);
    }
    // Quiet batches at the end, for the last rows and replies to settle.
    chunks.extend([Vec::new(), Vec::new(), Vec::new()]);
    let base_ms = e.platform.clock().now_ms();
    for (index, chunk) in chunks.into_iter().enumerate() {
        let start_ms = index as i64 * batch_ms;
        let rebased: Vec<Planned> =
            chunk.into_iter().map(|p| Planned { at_ms: p.at_ms - start_ms, outgoing: p.outgoing }).collect();
        e.platform.run_plan(rebased, Pace::Virtual, 8).await;
        e.platform.clock().advance_to_ms(base_ms + start_ms + batch_ms);
        // The batching window closes.
        let batch = e.pending().await;
        seen_requests.extend(batch.iter().cloned());
        if batch.is_empty() {
            continue;
        }
        match way {
            Way::Whosent(_) => {
                e.resolve_at(&batch, &config, e.platform.clock().now()).await;
            }
            Way::Literal => literal.walk(&e, &batch).await,
        }
    }
    figures.seconds = started.elapsed().as_secs_f64();
    figures.requests = seen_requests.len();
    for key in &seen_requests {
        if let Some(fake_id) = e.mapped(0, &key.open_id).await {
            figures.resolved += 1;
            if Some(fake_id) != e.platform.fakeid_of(0, &key.open_id) {
                figures.misattributed += 1;
            }
        } else {
            let (state, reason) = e.request_state(key).await;
            *figures.left.entry(format!("{state:?}: {}", reason.unwrap_or_default())).or_default() += 1;
        }
    }
    let counters = e.platform.counters();
    figures.logins = counters.logins;
    figures.list_reads = counters.requests_to("/cgi-bin/message");
    figures.dialog_reads = counters.requests_to("/cgi-bin/singlesendpage");
    figures.console_requests = counters.requests.values().sum();
    figures.followers_read = match way {
        Way::Literal => literal.read.len(),
        Way::Whosent(_) => {
            let walks = e.store.walks(&e.accounts[0].id).await.unwrap_or_default();
            walks.len()
        }
    };
    figures
}

/// The patent's user-list method as written: for each unresolved sender, read
/// the dialog pages of the unresolved list from the top until the marker shows,
/// then move the follower to the resolved group.
#[derive(Default)]
struct Literal {
    console: Option<(HttpConsole, whosent::console::SessionState)>,
    resolved_group: Option<i64>,
    read: HashSet<u64>,
}

impl Literal {
    async fn walk(&mut self, e: &Emulated<MemoryStore, MemorySecrets>, batch: &[WorkKey]) {
        if self.console.is_none() {
            let console = HttpConsole::new(&ConsoleConfig::new(e.platform.console_url())).expect("client");
            let account = &e.platform.accounts()[0];
            let password = Secret::new(account.password.clone());
            let mut session = console.login(&account.username, &password, None, 0).await.expect("login");
            session.uin = Some(console.home(&session).await.expect("home").uin);
            let group = console.create_group(&session, "resolved").await.expect("group");
            self.resolved_group = Some(group);
            self.console = Some((console, session));
        }
        let Some((console, session)) = &self.console else { return };
        let account = &e.accounts[0];
        for key in batch {
            let wanted = marker::marker(MARKER_KEY.as_bytes(), &key.open_id);
            let mut found = None;
            'walk: for page in 0..100 {
                let contacts = match console.followers(session, 0, page, 100).await {
                    Ok(page) => page.contacts,
                    Err(_) => break,
                };
                if contacts.is_empty() {
                    break;
                }
                for contact in contacts {
                    let Ok(dialog) = console.dialog(session, contact.fake_id, session.uin.unwrap_or(0), 0).await else {
                        continue;
                    };
                    self.read.insert(contact.fake_id);
                    if by_user_list::markers_in(&dialog, contact.fake_id).iter().any(|m| m.marker == wanted) {
                        found = Some(contact.fake_id);
                        break 'walk;
                    }
                }
            }
            let Some(fake_id) = found else { continue };
            let _ = console.move_to_group(session, &[fake_id], self.resolved_group.unwrap_or(100)).await;
            let resolution =
                Resolution { fake_id, method: Method::UserList, evidence: "literal walk".into(), resolved_at: 0 };
            let _ = e.store.record_mapping(&account.id, &key.open_id, &resolution).await;
            let _ = e
                .store
                .set_request_state(&account.id, &key.open_id, ResolveState::Resolved, None, Some(fake_id), 0)
                .await;
        }
    }
}

fn print(scenario: Scenario, rows: &[(Way, Figures)]) {
    println!(
        "\n{} followers, {} pushes at {}/s, {:.0} % same-second collisions, a stream batch every {} s\n",
        scenario.followers,
        scenario.pushes,
        scenario.rate,
        scenario.same_second * 100.0,
        scenario.batch_secs
    );
    println!(
        "{:<24} {:>8} {:>9} {:>8} {:>7} {:>11} {:>13} {:>16} {:>15} {:>9}",
        "way",
        "requests",
        "resolved",
        "wrong",
        "logins",
        "list/push",
        "dialogs/fol.",
        "dialogs/fol.read",
        "console reqs",
        "seconds"
    );
    for (way, f) in rows {
        println!(
            "{:<24} {:>8} {:>9} {:>8} {:>7} {:>11.3} {:>13.2} {:>16.2} {:>15} {:>9.1}",
            way.name(),
            f.requests,
            f.resolved,
            f.misattributed,
            f.logins,
            f.list_reads as f64 / f.pushes as f64,
            f.dialog_reads as f64 / scenario.followers as f64,
            f.dialog_reads as f64 / f.followers_read.max(1) as f64,
            f.console_requests,
            f.seconds
        );
    }
    for (way, f) in rows {
        for (why, n) in &f.left {
            println!("  {:<22} {n:>5} left {why}", way.name());
        }
    }
    let dialogs = |w: Way| rows.iter().find(|(x, _)| *x == w).map(|(_, f)| f.dialog_reads as f64).unwrap_or(0.0);
    let ours = dialogs(Way::Whosent(Strategy::UserList));
    if ours > 0.0 {
        println!("\nliteral walk / whosent user list, dialog pages read: {:.1}×", dialogs(Way::Literal) / ours);
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let scenario = if full {
        Scenario { followers: 2000, pushes: 10_000, rate: 20.0, same_second: 0.05, batch_secs: 5 }
    } else {
        Scenario { followers: 150, pushes: 300, rate: 20.0, same_second: 0.05, batch_secs: 5 }
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let rows = runtime.block_on(async {
        let mut rows = Vec::new();
        for way in [Way::Whosent(Strategy::Time), Way::Whosent(Strategy::UserList), Way::Literal] {
            rows.push((way, run(scenario, way).await));
        }
        rows
    });
    print(scenario, &rows);
    for (way, figures) in &rows {
        assert_eq!(figures.misattributed, 0, "{}: a sender was attributed to the wrong person", way.name());
        assert!(figures.resolved > 0, "{}: nothing resolved", way.name());
    }
}
