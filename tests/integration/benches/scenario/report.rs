//! The tables the benchmark prints.

use crate::cost::{Bill, billed_ms};
use crate::run::{Figures, Scenario, Way};

pub fn describe(s: Scenario) -> String {
    let accounts = match s.accounts {
        1 => String::new(),
        n => format!("{n} accounts, "),
    };
    let bounded = s.max_batches.map(|n| format!(", stopped after {n} batches")).unwrap_or_default();
    format!(
        "{accounts}{} followers, {} pushes at {}/s, {:.0} % same-second collisions, a stream batch every {} s{bounded}",
        s.followers,
        s.pushes,
        s.rate,
        s.same_second * 100.0,
        s.batch_secs
    )
}

/// The three ways side by side.
pub fn ways(scenario: Scenario, rows: &[(Way, Figures)]) {
    println!("\n{}\n", describe(scenario));
    println!(
        "{:<24} {:>8} {:>8} {:>8} {:>6} {:>9} {:>10} {:>10} {:>11} {:>12} {:>8}",
        "way",
        "writers",
        "requests",
        "resolved",
        "wrong",
        "list/push",
        "pages/fol.",
        "pages/wr.",
        "pages/read",
        "console reqs",
        "seconds"
    );
    for (way, f) in rows {
        println!(
            "{:<24} {:>8} {:>8} {:>8} {:>6} {:>9.3} {:>10.2} {:>10.2} {:>11.2} {:>12} {:>8.1}",
            way.name(),
            f.writers,
            f.requests,
            f.resolved,
            f.misattributed,
            f.list_reads as f64 / f.pushes as f64,
            f.dialog_reads as f64 / scenario.followers as f64,
            f.dialog_reads as f64 / f.writers.max(1) as f64,
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
    let pages = |w: Way| rows.iter().find(|(x, _)| *x == w).map(|(_, f)| f.dialog_reads as f64).unwrap_or(0.0);
    let ours = pages(Way::Whosent(whosent::store::Strategy::UserList));
    if ours > 0.0 {
        println!("\nliteral walk / whosent user list, dialog pages read: {:.1}×", pages(Way::Literal) / ours);
    }
}

/// Per push, for each size: what the functions did and what it costs.
pub fn growth(rows: &[(Scenario, Way, Figures)]) {
    println!("\nPer push (webhook + resolver + profile), on the counted in-memory twin:\n");
    println!(
        "{:<46} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8} {:>9} {:>8} {:>7}",
        "size / way",
        "writers",
        "console",
        "logins",
        "reads",
        "writes",
        "RRU",
        "WRU",
        "stream",
        "λ calls",
        "λ ms",
        "secrets",
        "$/M",
        "seconds"
    );
    for (scenario, way, f) in rows {
        let n = f.pushes.max(1) as f64;
        let functions = [(&f.webhook, true), (&f.resolver, false), (&f.profile, false)];
        let mut store = crate::meter::Tally::default();
        for (function, _) in &functions {
            store.add(&function.store);
        }
        let calls: u64 = functions.iter().map(|(x, _)| x.invocations).sum();
        let billed: f64 = functions.iter().map(|(x, w)| billed_ms(x, *w)).sum();
        let console = f.resolver.console_requests + f.profile.console_requests;
        println!(
            "{:<46} {:>8.3} {:>8.3} {:>8.5} {:>7.3} {:>7.3} {:>7.2} {:>7.2} {:>7.2} {:>8.3} {:>8.1} {:>9.5} {:>8.3} {:>7.0}",
            format!(
                "{}×{} × {}, {}",
                scenario.accounts,
                scenario.followers / scenario.accounts,
                scenario.pushes,
                short(*way)
            ),
            f.writers as f64 / n,
            console as f64 / n,
            f.logins as f64 / n,
            store.reads() as f64 / n,
            store.writes() as f64 / n,
            store.read_units / n,
            store.write_units / n,
            store.stream_records as f64 / n,
            calls as f64 / n,
            billed / n,
            store.secret_calls as f64 / n,
            Bill::of(f).total(),
            f.seconds
        );
    }
    bills(rows);
}

/// The cost of a million pushes of each row, by line.
fn bills(rows: &[(Scenario, Way, Figures)]) {
    println!("\nCost of a million pushes (us-east-1 list prices), by line:\n");
    for (scenario, way, f) in rows {
        let bill = Bill::of(f);
        let lines: Vec<String> = bill.lines.iter().map(|(name, d)| format!("{name} {d:.3}")).collect();
        println!(
            "  {}×{} × {}, {}: {} = ${:.3}",
            scenario.accounts,
            scenario.followers / scenario.accounts,
            scenario.pushes,
            short(*way),
            lines.join(", "),
            bill.total()
        );
    }
    beside_recorded(rows);
    println!("\nWRU a push by function, and the webhook's writes by request:\n");
    for (scenario, way, f) in rows {
        let n = f.pushes.max(1) as f64;
        let hook = &f.webhook.store;
        let ops: Vec<String> = hook.requests.iter().map(|(op, c)| format!("{op} {:.3}", *c as f64 / n)).collect();
        println!(
            "  {}×{} × {}, {}: webhook {:.2}, resolver {:.2}, profile {:.2}; webhook {}",
            scenario.accounts,
            scenario.followers / scenario.accounts,
            scenario.pushes,
            short(*way),
            hook.write_units / n,
            f.resolver.store.write_units / n,
            f.profile.store.write_units / n,
            ops.join(", ")
        );
    }
}

/// An earlier figure of the cost of a million pushes, as the README
/// recorded it: the last round's (before messages stopped being rewritten)
/// and the first measured (before any of the webhook's write cuts).
struct Recorded {
    /// Accounts, followers an account, pushes.
    size: (usize, usize, usize),
    way: &'static str,
    last: f64,
    first: f64,
}

/// The sizes measured before; the largest was not measurable then.
const RECORDED: &[Recorded] = &[
    Recorded { size: (1, 2000, 10_000), way: "by user list", last: 5.95, first: 9.18 },
    Recorded { size: (1, 2000, 10_000), way: "by time", last: 5.75, first: 9.34 },
    Recorded { size: (1, 20_000, 100_000), way: "by user list", last: 5.35, first: 8.64 },
    Recorded { size: (1, 20_000, 100_000), way: "by time", last: 5.54, first: 10.21 },
    Recorded { size: (10, 2000, 100_000), way: "by user list", last: 7.65, first: 10.44 },
    Recorded { size: (10, 2000, 100_000), way: "by time", last: 6.42, first: 10.36 },
];

/// Each row's cost beside the recorded figures of its size and way, as ratios.
fn beside_recorded(rows: &[(Scenario, Way, Figures)]) {
    println!("\nThe cost of a million pushes beside the figures recorded before:\n");
    println!(
        "  {:<32} {:>8} {:>11} {:>9} {:>9} {:>9}",
        "size / way", "$/M now", "last round", "now/last", "first", "now/first"
    );
    for (scenario, way, f) in rows {
        let size = (scenario.accounts, scenario.followers / scenario.accounts, scenario.pushes);
        let label = format!("{}×{} × {}, {}", size.0, size.1, size.2, short(*way));
        let now = Bill::of(f).total();
        match RECORDED.iter().find(|r| r.size == size && r.way == short(*way)) {
            Some(&Recorded { last, first, .. }) => {
                println!("  {label:<32} {now:>8.2} {last:>11.2} {:>9.2} {first:>9.2} {:>9.2}", now / last, now / first)
            }
            None => println!("  {label:<32} {now:>8.2} {:>11}", "(none)"),
        }
    }
}

fn short(way: Way) -> &'static str {
    match way {
        Way::Whosent(whosent::store::Strategy::Time) => "by time",
        Way::Whosent(_) => "by user list",
        Way::Literal => "literal",
    }
}
