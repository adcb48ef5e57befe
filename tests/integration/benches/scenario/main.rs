//! The resolver's scenario benchmark, on the platform emulator with whosent's
//! store in memory (the twin of the DynamoDB adapter, checked against moto by
//! `tests/store_twin/`): what is measured here is the console, and moto's
//! pace would make the full run last hours. Followers send Zipf pushes,
//! 5 % of them joined in the same second by another follower; three ways
//! run the same seeded traffic side by side:
//!
//! - whosent by time,
//! - whosent by user list,
//! - the literal patent method: on every push from an unresolved sender, walk
//!   the unresolved followers' dialog pages from the top until its marker shows.
//!
//! Time is the platform's (virtual: no real waiting); the resolver runs on
//! what a stream batch would hold every 5 seconds, as Lambda would, and the
//! profile step on the senders each batch mapped. Every store and secrets
//! call is counted as the DynamoDB and Secrets Manager requests it would be
//! (`meter.rs`), and priced (`cost.rs`).
//!
//! - `cargo bench -p whosent-integration --bench scenario`: 2,000 followers,
//!   10,000 pushes, the three ways;
//! - `… --bench scenario -- growth`: whosent at three sizes, per push and
//!   the cost of a million pushes, each beside the figures recorded before
//!   (`-- growth large`, as `make bench` runs it, adds 100 accounts of 2,000
//!   followers and a million pushes, by user list; `-- growth small` runs
//!   the first size only);
//! - under `cargo test`: a small run of the three ways, and the full-size
//!   scenario stopped after its first batch (a check that it terminates).
//!   `SCENARIO_BATCHES=n` sets that bound.

mod cost;
mod counted;
mod literal;
mod meter;
mod report;
mod run;

use run::{Figures, Scenario, Way, run};
use whosent::store::Strategy;

const WAYS: [Way; 3] = [Way::Whosent(Strategy::Time), Way::Whosent(Strategy::UserList), Way::Literal];

const FULL: Scenario = Scenario {
    accounts: 1,
    followers: 2000,
    pushes: 10_000,
    rate: 20.0,
    same_second: 0.05,
    batch_secs: 5,
    max_batches: None,
};

/// The sizes of the growth run: ten times the followers and pushes, then
/// ten accounts of the first size's followers and the second's pushes.
const SIZES: [Scenario; 3] = [
    FULL,
    Scenario { followers: 20_000, pushes: 100_000, rate: 200.0, ..FULL },
    Scenario { accounts: 10, followers: 20_000, pushes: 100_000, rate: 200.0, ..FULL },
];

/// The largest size, by user list only (`-- growth large`).
const LARGE: Scenario = Scenario { accounts: 100, followers: 200_000, pushes: 1_000_000, rate: 2000.0, ..FULL };

async fn ways(scenario: Scenario) -> Vec<(Way, Figures)> {
    let mut rows = Vec::new();
    for way in WAYS {
        rows.push((way, run(scenario, way).await));
    }
    report::ways(scenario, &rows);
    rows
}

fn check(rows: &[(Way, Figures)]) {
    for (way, figures) in rows {
        assert_eq!(figures.misattributed, 0, "{}: a sender was attributed to the wrong person", way.name());
        assert!(figures.resolved > 0, "{}: nothing resolved", way.name());
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let growth = args.iter().any(|a| a == "growth");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        if growth {
            let mut rows = Vec::new();
            let sizes = if args.iter().any(|a| a == "small") { &SIZES[..1] } else { &SIZES[..] };
            for &size in sizes {
                for strategy in [Strategy::UserList, Strategy::Time] {
                    let way = Way::Whosent(strategy);
                    rows.push((size, way, run(size, way).await));
                    report::growth(&rows);
                }
            }
            if args.iter().any(|a| a == "large") {
                rows.push((
                    LARGE,
                    Way::Whosent(Strategy::UserList),
                    run(LARGE, Way::Whosent(Strategy::UserList)).await,
                ));
                report::growth(&rows);
            }
        } else if bench {
            let rows = ways(FULL).await;
            report::growth(&rows.into_iter().map(|(w, f)| (FULL, w, f)).collect::<Vec<_>>());
        } else {
            check(&ways(Scenario { followers: 150, pushes: 300, ..FULL }).await);
            let batches = std::env::var("SCENARIO_BATCHES").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
            let bounded = ways(Scenario { max_batches: Some(batches), ..FULL }).await;
            for (way, figures) in &bounded {
                assert_eq!(figures.misattributed, 0, "{}: a sender was attributed to the wrong person", way.name());
            }
        }
    });
}
