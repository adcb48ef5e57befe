//! `event-source`: the table's stream mappings on the local stack. Reads the
//! stream of `--table` and invokes `resolver` and `profile` through the
//! Lambda invoke API at `--invoke-url` (`cargo lambda watch`), as Lambda's
//! event source mappings would, each invocation bounded by the function's
//! `Timeout` in `--template`. Logs one line per invocation to stderr; prints
//! its counters on SIGTERM or Ctrl-C and exits.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use local_stack::filter::Filters;
use local_stack::invoke::HttpInvoker;
use local_stack::mapping::{JsonlDeadLetters, Mapping, MappingConfig};
use local_stack::source::{PollConfig, Runner, SourceError, StartingPosition, StreamSource};
use local_stack::template::{MAX_TIMEOUT, Template};
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Start {
    Latest,
    TrimHorizon,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Name {
    Resolver,
    Profile,
}

/// The table's stream mappings (resolver: batches of 100, 10 retries;
/// profile: batches of 25, 5 retries), with ReportBatchItemFailures and
/// BisectBatchOnFunctionError.
#[derive(Parser, Debug)]
#[command(name = "event-source", version)]
struct Cli {
    /// The table whose stream is read.
    #[arg(long, env = "TABLE_NAME")]
    table: String,
    /// Base of the Lambda invoke API (`cargo lambda watch`'s address).
    #[arg(long, env = "INVOKE_URL")]
    invoke_url: String,
    /// The mappings to run (default: both).
    #[arg(long = "mapping", value_enum)]
    mappings: Vec<Name>,
    /// The filter patterns of every mapping.
    #[arg(long, default_value = "events/filters.json")]
    filters: PathBuf,
    /// The SAM template: each function's `Timeout` bounds its invocations.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
    /// Where records given up are appended, one `{mapping}.jsonl` each.
    #[arg(long, default_value = ".local/dlq")]
    dlq_dir: PathBuf,
    /// Where to start on the shards open at start-up.
    #[arg(long, value_enum, default_value_t = Start::Latest)]
    starting_position: Start,
    /// Batching window (`MaximumBatchingWindowInSeconds`, 0 in the template).
    #[arg(long, default_value_t = 0)]
    window_ms: u64,
    /// Wait before the first retry; doubled for each next one.
    #[arg(long, default_value_t = 1000)]
    backoff_ms: u64,
    /// Longest wait between retries.
    #[arg(long, default_value_t = 10_000)]
    max_backoff_ms: u64,
    /// `MaximumRecordAgeInSeconds`.
    #[arg(long, default_value_t = 3600)]
    max_record_age_secs: u64,
    /// Wait after an empty `GetRecords`.
    #[arg(long, default_value_t = 250)]
    poll_ms: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("event-source: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let filters = Filters::load(&cli.filters).map_err(|e| e.to_string())?;
    let template = Template::load(&cli.template).map_err(|e| e.to_string())?;
    let mut invoker = HttpInvoker::new(&cli.invoke_url, MAX_TIMEOUT).map_err(|e| e.to_string())?;
    let dead_letters = Arc::new(JsonlDeadLetters::new(&cli.dlq_dir));
    let names = if cli.mappings.is_empty() { vec![Name::Resolver, Name::Profile] } else { cli.mappings.clone() };

    let mut configs = Vec::new();
    for name in names {
        let mut config = match name {
            Name::Resolver => MappingConfig::resolver(filters.get("resolver")),
            Name::Profile => MappingConfig::profile(filters.get("profile")),
        };
        config.window = Duration::from_millis(cli.window_ms);
        config.backoff = Duration::from_millis(cli.backoff_ms);
        config.max_backoff = Duration::from_millis(cli.max_backoff_ms);
        config.max_record_age = Duration::from_secs(cli.max_record_age_secs);
        let timeout = template.timeout(&config.function).ok_or_else(|| {
            format!("{}: no function with binary {:?} in the template", cli.template.display(), config.function)
        })?;
        invoker = invoker.with_timeout(&config.function, timeout);
        eprintln!(
            "event-source: mapping {} → function {} (batch {}, window {} ms, {} retries, timeout {} s, {} filter pattern(s))",
            config.name,
            config.function,
            config.batch_size,
            config.window.as_millis(),
            config.max_retry_attempts,
            timeout.as_secs(),
            config.filter.patterns().len()
        );
        configs.push(config);
    }
    let invoker = Arc::new(invoker);

    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let source = StreamSource::new(&config);
    let stream_arn = loop {
        match source.stream_arn(&cli.table).await {
            Ok(arn) => break arn,
            Err(e @ (SourceError::NoTable(_) | SourceError::Api(_))) => {
                eprintln!("event-source: {e}; waiting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let position = match cli.starting_position {
        Start::Latest => StartingPosition::Latest,
        Start::TrimHorizon => StartingPosition::TrimHorizon,
    };
    let poll = PollConfig { poll_interval: Duration::from_millis(cli.poll_ms), ..PollConfig::default() };

    eprintln!("event-source: reading {stream_arn}");
    let mappings: Vec<_> = configs
        .into_iter()
        .map(|config| Arc::new(Mapping::new(config, invoker.clone(), dead_letters.clone())))
        .collect();
    // One reader of the stream for every mapping: the local DynamoDB serves
    // one request at a time, and stream reads are its costliest.
    let runner = Runner::for_all(source.clone(), mappings.clone(), stream_arn.clone(), poll.clone());
    runner.start(position).await.map_err(|e| e.to_string())?;
    eprintln!("event-source: ready");

    wait_for_stop().await;
    let counters: serde_json::Map<String, serde_json::Value> =
        mappings.iter().map(|m| (m.config.name.clone(), m.counters.snapshot())).collect();
    eprintln!("event-source: stopping; counters {}", json!(counters));
    Ok(())
}

async fn wait_for_stop() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
