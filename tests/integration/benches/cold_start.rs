//! Cold start of each function: exec → first `GET /runtime/invocation/next`,
//! on a stand-in Runtime API (whosent_integration::cold_start), with Lambda's
//! environment, dummy credentials and no network use before the first event.
//! Beside it, in the same run: `/bin/true` (starting any process here) and
//! the anchor example `cold_anchor` (a lambda_runtime function that does
//! nothing), as ratios; and the figure before the shared TLS configuration
//! (recorded, or measured in the same run from the binaries in the folder
//! `COLD_START_BEFORE` when it is set).
//!
//! The binaries are those of the same profile, next to this bench: build them
//! first (`scripts/bench.sh` does), e.g.
//! `cargo build --release -p webhook -p lookup -p resolver -p profile` and
//! `cargo build --release -p whosent-integration --example cold_anchor`.
//! `cargo bench -p whosent-integration --bench cold_start`: 31 runs per
//! binary, interleaved (`COLD_START_RUNS` to change); under `cargo test` one
//! run of whatever binaries were built, as a check that each starts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use whosent_integration::cold_start::{FakeRuntime, lambda_env, median_ms, time_to_exit, time_to_next};

/// Each function, and its median before the shared TLS configuration (ms,
/// this bench on the same machine, 31 runs).
const FUNCTIONS: [(&str, f64); 4] = [("webhook", 6.85), ("lookup", 7.06), ("resolver", 10.54), ("profile", 10.28)];
const ANCHOR: &str = "cold_anchor";
const GOAL_MS: f64 = 10.0;
const WAIT: Duration = Duration::from_secs(10);

/// One binary to start, and the times it took (wall clock, CPU).
struct Row {
    name: &'static str,
    path: PathBuf,
    times: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Row {
    fn new(name: &'static str, path: PathBuf) -> Self {
        Self { name, path, times: Vec::new(), cpu: Vec::new() }
    }

    fn median(&mut self) -> f64 {
        median_ms(&mut self.times)
    }

    /// Best wall clock and median CPU time, ms.
    fn best_and_cpu(&mut self) -> (f64, f64) {
        let best = self.times.iter().min().map_or(f64::NAN, |t| t.as_secs_f64() * 1e3);
        (best, median_ms(&mut self.cpu))
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = std::env::var("COLD_START_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(if full { 31 } else { 1 });
    let dir = binaries_dir();
    let before_dir = std::env::var_os("COLD_START_BEFORE").map(PathBuf::from);
    let mut anchor = Row::new(ANCHOR, dir.join("examples").join(ANCHOR));
    let mut now: Vec<Row> = FUNCTIONS.iter().map(|(name, _)| Row::new(name, dir.join(name))).collect();
    let mut before: Vec<Row> = match &before_dir {
        Some(before) => FUNCTIONS.iter().map(|(name, _)| Row::new(name, before.join(name))).collect(),
        None => Vec::new(),
    };
    let missing: Vec<&Path> =
        [&anchor].into_iter().chain(&now).chain(&before).map(|r| r.path.as_path()).filter(|p| !p.exists()).collect();
    if !missing.is_empty() {
        assert!(
            !full,
            "not built: {missing:?}; build the functions and the cold_anchor example first (see the bench's doc)"
        );
        println!("cold start: skipped, not built: {missing:?}");
        return;
    }

    let runtime = FakeRuntime::start().expect("stand-in Runtime API");
    let mut process = Vec::with_capacity(runs);
    for _ in 0..runs {
        process.push(time_to_exit(Path::new("/bin/true")).expect("/bin/true"));
        for row in [&mut anchor].into_iter().chain(&mut now).chain(&mut before) {
            let start = time_to_next(&runtime, &row.path, &lambda_env(&runtime, row.name), WAIT);
            let start = start.expect("a function that starts");
            row.times.push(start.wall);
            row.cpu.push(start.cpu);
        }
    }

    let source = if before_dir.is_some() { "this run" } else { "recorded" };
    println!("cold start: exec → first /next, {runs} interleaved runs ({}; before: {source})", dir.display());
    report(median_ms(&mut process), &mut anchor, &mut now, &mut before);
}

/// The table: each binary's median, best and CPU time, beside the anchor and
/// the figure before.
fn report(process: f64, anchor: &mut Row, now: &mut [Row], before: &mut [Row]) {
    let hello = anchor.median();
    println!(
        "{:<12} {:>9} {:>7} {:>6} {:>9} {:>10} {:>11} {:>5}",
        "binary", "median ms", "best ms", "CPU ms", "× anchor", "before ms", "now/before", "goal"
    );
    println!("{:<12} {process:>9.2} {:>7} {:>6} {:>9.2}", "/bin/true", "", "", process / hello);
    let (best, cpu) = anchor.best_and_cpu();
    println!("{:<12} {hello:>9.2} {best:>7.2} {cpu:>6.2} {:>9.2}", ANCHOR, 1.0);
    for (i, row) in now.iter_mut().enumerate() {
        let median = row.median();
        let (best, cpu) = row.best_and_cpu();
        let was = before.get_mut(i).map_or(FUNCTIONS[i].1, Row::median);
        let verdict = if median <= GOAL_MS { "≤ 10" } else { "> 10" };
        println!(
            "{:<12} {median:>9.2} {best:>7.2} {cpu:>6.2} {:>9.2} {was:>10.2} {:>11.2} {verdict:>5}",
            row.name,
            median / hello,
            median / was
        );
    }
    for row in before {
        let (best, cpu) = row.best_and_cpu();
        println!("{:<12} best {best:.2} ms, CPU {cpu:.2} ms (before)", row.name);
    }
    println!("(CPU: all threads of the process, up to its /next)");
    if cfg!(debug_assertions) {
        println!("(a debug build: a check that each binary starts, not figures to compare)");
    }
}

/// The folder of this bench's profile (`target/release` under `cargo bench`),
/// where the functions' binaries are built.
fn binaries_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let deps = exe.parent().expect("deps folder");
    deps.parent().expect("profile folder").to_path_buf()
}
