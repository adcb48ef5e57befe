//! `platform`: the emulator on its own, on a loopback port.
//!
//! ```text
//! platform serve   [options]   serve the console and the truth API until killed
//! platform traffic [options]   serve, play traffic against --callback-base, print the report, exit
//! ```
//! Run `platform help` for the options.

use std::io::Write;
use std::process::ExitCode;

use platform::{Config, Dist, FrequencyLimit, Mix, Mode, Pace, Platform, Report, Traffic};
use serde_json::json;

const HELP: &str = "\
platform serve   [options]   serve the console and the truth API until killed
platform traffic [options]   serve, play traffic against --callback-base, print the report, exit

World:
  --seed N               world seed (1)
  --accounts N           accounts (3)
  --followers N          people following at least one account (2000)
  --bystanders N         people following none at the start (200)
  --overlap F            chance a follower also follows each other account (0.15)
  --modes LIST           body modes given in turn: safe,compatible,plaintext
  --history N            console messages from before the start (0)
  --starred F / --blacklisted F   shares of followers in groups 2 and 1 (0)
  --hostile N            hostile people, whose names and texts carry HTML and script (5)
Serving:
  --host IP (127.0.0.1)  --port P (0: free)  --truth-port P (0: free)
  --frozen-at T          freeze the platform clock at Unix time T (default: real time)
  --callback-base URL    each account's callback is URL/wechat/{account id}
  --check-url            run the platform's URL check on each callback first
Knobs (D is a distribution of seconds: 1.5 | 0..2 | exp:1 | 0:30,1:40,2:30):
  --latency D  --delay D  --skew D  --push-timeout-ms N  --push-tries N
  --freq N/SECS          at most N console requests per session per SECS (off)
  --session-idle S  --session-max-age S
  --fault-error F  --fault-5xx F  --fault-slow F  --slow-secs S  --fault-drop F  --fault-expire F
Traffic (serve plays it once in the background when --count is given):
  --count N (100)  --rate R per second (5)  --zipf S (1.0)  --same-second F (0.05)  --repeat F (0.02)
  --hostile-share F      share of texts written by hostile followers (0.02)
  --pace real|virtual (real)  --concurrency N (32)  --traffic-seed N  --texts-only  --outcomes
";

struct Cli {
    command: String,
    config: Config,
    traffic: Traffic,
    traffic_given: bool,
    callback_base: Option<String>,
    check_url: bool,
    outcomes: bool,
}

fn parse(args: Vec<String>) -> Result<Cli, String> {
    let mut args = args.into_iter();
    let command = args.next().unwrap_or_else(|| "help".to_owned());
    let mut cli = Cli {
        command,
        config: Config::default(),
        traffic: Traffic::default(),
        traffic_given: false,
        callback_base: None,
        check_url: false,
        outcomes: false,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        fn num<T: std::str::FromStr>(flag: &str, v: String) -> Result<T, String> {
            v.parse().map_err(|_| format!("{flag}: not a number: {v}"))
        }
        let (world, knobs, traffic) = (&mut cli.config.world, &mut cli.config.knobs, &mut cli.traffic);
        match flag.as_str() {
            "--seed" => world.seed = num(&flag, value()?)?,
            "--accounts" => world.accounts = num(&flag, value()?)?,
            "--followers" => world.followers = num(&flag, value()?)?,
            "--bystanders" => world.bystanders = num(&flag, value()?)?,
            "--overlap" => world.overlap = num(&flag, value()?)?,
            "--history" => world.history = num(&flag, value()?)?,
            "--starred" => world.starred_share = num(&flag, value()?)?,
            "--blacklisted" => world.blacklisted_share = num(&flag, value()?)?,
            "--hostile" => world.hostile = num(&flag, value()?)?,
            "--modes" => {
                world.modes = value()?.split(',').map(str::parse::<Mode>).collect::<Result<_, _>>()?;
            }
            "--host" => cli.config.host = num(&flag, value()?)?,
            "--port" => cli.config.console_port = num(&flag, value()?)?,
            "--truth-port" => cli.config.truth_port = num(&flag, value()?)?,
            "--frozen-at" => cli.config.frozen_at = Some(num(&flag, value()?)?),
            "--callback-base" => cli.callback_base = Some(value()?),
            "--check-url" => cli.check_url = true,
            "--latency" => knobs.latency = value()?.parse::<Dist>()?,
            "--delay" => knobs.console_delay = value()?.parse::<Dist>()?,
            "--skew" => knobs.skew = value()?.parse::<Dist>()?,
            "--push-timeout-ms" => knobs.push_timeout_ms = num(&flag, value()?)?,
            "--push-tries" => knobs.push_tries = num(&flag, value()?)?,
            "--session-idle" => knobs.session_idle_secs = num(&flag, value()?)?,
            "--session-max-age" => knobs.session_max_age_secs = num(&flag, value()?)?,
            "--freq" => {
                let v = value()?;
                let (n, secs) = v.split_once('/').ok_or("--freq wants N/SECS")?;
                knobs.frequency_limit = Some(FrequencyLimit {
                    requests: num(&flag, n.to_owned())?,
                    per_secs: num(&flag, secs.to_owned())?,
                });
            }
            "--fault-error" => knobs.faults.system_error = num(&flag, value()?)?,
            "--fault-5xx" => knobs.faults.http_5xx = num(&flag, value()?)?,
            "--fault-slow" => knobs.faults.slow = num(&flag, value()?)?,
            "--slow-secs" => knobs.faults.slow_secs = num(&flag, value()?)?,
            "--fault-drop" => knobs.faults.drop = num(&flag, value()?)?,
            "--fault-expire" => knobs.faults.expire_session = num(&flag, value()?)?,
            "--count" => {
                traffic.count = num(&flag, value()?)?;
                cli.traffic_given = true;
            }
            "--rate" => traffic.rate = num(&flag, value()?)?,
            "--zipf" => traffic.zipf = num(&flag, value()?)?,
            "--same-second" => traffic.same_second_share = num(&flag, value()?)?,
            "--repeat" => traffic.repeat_share = num(&flag, value()?)?,
            "--hostile-share" => traffic.hostile_share = num(&flag, value()?)?,
            "--concurrency" => traffic.concurrency = num(&flag, value()?)?,
            "--traffic-seed" => traffic.seed = Some(num(&flag, value()?)?),
            "--texts-only" => traffic.mix = Mix::texts(),
            "--pace" => {
                traffic.pace = match value()?.as_str() {
                    "real" => Pace::RealTime,
                    "virtual" => Pace::Virtual,
                    other => return Err(format!("--pace: real or virtual, not {other}")),
                }
            }
            "--outcomes" => cli.outcomes = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(cli)
}

fn summary(report: &Report, with_outcomes: bool) -> serde_json::Value {
    let mut value = json!({
        "planned": report.planned,
        "acknowledged": report.acknowledged,
        "replied": report.replied,
        "unavailable": report.unavailable,
        "unanswered": report.unanswered,
        "no_callback": report.no_callback,
        "refused": report.refused,
    });
    if with_outcomes {
        value["outcomes"] = serde_json::to_value(&report.outcomes).unwrap_or_default();
    }
    value
}

fn print(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", serde_json::to_string_pretty(value).unwrap_or_default());
    let _ = out.flush();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match parse(std::env::args().skip(1).collect()) {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("{e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    if !matches!(cli.command.as_str(), "serve" | "traffic") {
        print!("{HELP}");
        return if cli.command == "help" || cli.command == "--help" { ExitCode::SUCCESS } else { ExitCode::from(2) };
    }
    if cli.command == "traffic" && cli.callback_base.is_none() {
        eprintln!("traffic needs --callback-base URL");
        return ExitCode::from(2);
    }
    let platform = match Platform::start(cli.config.clone()).await {
        Ok(platform) => platform,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(base) = &cli.callback_base {
        platform.set_callback_base(base);
    }
    let accounts: Vec<_> = platform
        .accounts()
        .iter()
        .map(|a| json!({ "account": a, "callback_url": platform.callback(a.index) }))
        .collect();
    print(&json!({
        "console_url": platform.console_url(),
        "truth_url": platform.truth_url(),
        "seed": cli.config.world.seed,
        "accounts": accounts,
    }));
    if cli.check_url {
        for account in platform.accounts() {
            if let Some(check) = platform.check_url(account.index).await {
                eprintln!(
                    "URL check {}: {} ({})",
                    account.id,
                    if check.passed { "passed" } else { "failed" },
                    check.answer
                );
            }
        }
    }
    match cli.command.as_str() {
        "traffic" => {
            let report = platform.run(&cli.traffic).await;
            print(&json!({ "report": summary(&report, cli.outcomes), "counters": platform.counters() }));
            ExitCode::SUCCESS
        }
        _ => {
            if cli.traffic_given {
                let report = platform.run(&cli.traffic).await;
                eprintln!("{}", json!({ "report": summary(&report, false) }));
            }
            std::future::pending::<()>().await;
            ExitCode::SUCCESS
        }
    }
}
