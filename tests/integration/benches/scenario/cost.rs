//! What a million pushes cost on AWS, from the counts of a run: list prices
//! of us-east-1 (N. Virginia) as checked on 2026-12-06, and a model of
//! each function's billed duration.
//!
//! Billed duration: the handler's time on the twin (the console emulator's
//! work included, so an overestimate) plus modelled waits: 5 ms a DynamoDB
//! request (10 ms a transaction), 15 ms a Secrets Manager call, 200 ms a
//! console request (us-east-1 to the console, one after another: the
//! resolver reads up to 8 pages side by side, so this too overestimates).
//! The webhook's handler time is taken as 1 ms a push (its hot path is a
//! few µs; Lambda bills whole milliseconds). Memory: 256 MB, arm64.

use crate::meter::Tally;
use crate::run::{Figures, Function};

/// Lambda arm64, per GB-second.
pub const LAMBDA_GB_S: f64 = 0.000_013_333_4;
/// Lambda, per request.
pub const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
/// DynamoDB on-demand, per write request unit.
pub const WRU: f64 = 0.625 / 1e6;
/// DynamoDB on-demand, per read request unit.
pub const RRU: f64 = 0.125 / 1e6;
/// API Gateway HTTP API, per request (first 300 million a month).
pub const API_REQUEST: f64 = 1.00 / 1e6;
/// Secrets Manager, per API call.
pub const SECRET_CALL: f64 = 0.05 / 10_000.0;
/// DynamoDB Streams reads made by Lambda's event source mappings are free.
pub const STREAM_READ_BY_LAMBDA: f64 = 0.0;

const MEMORY_GB: f64 = 0.25;
const DYNAMO_MS: f64 = 5.0;
const TRANSACTION_MS: f64 = 10.0;
const SECRET_MS: f64 = 15.0;
const CONSOLE_MS: f64 = 200.0;
const WEBHOOK_HANDLER_MS: f64 = 1.0;

/// Modelled waits of a function's requests, in ms.
fn waits_ms(function: &Function) -> f64 {
    let store: &Tally = &function.store;
    let transactions = store.requests.get("TransactWriteItems").copied().unwrap_or(0) as f64;
    let others = store.requests.values().sum::<u64>() as f64 - transactions;
    transactions * TRANSACTION_MS
        + others * DYNAMO_MS
        + store.secret_calls as f64 * SECRET_MS
        + function.console_requests as f64 * CONSOLE_MS
}

/// Billed milliseconds of a function over the run.
pub fn billed_ms(function: &Function, webhook: bool) -> f64 {
    let handler = match webhook {
        true => function.invocations as f64 * WEBHOOK_HANDLER_MS,
        false => function.handler.as_secs_f64() * 1000.0,
    };
    handler + waits_ms(function)
}

/// The cost of a million pushes, by line.
pub struct Bill {
    pub lines: Vec<(&'static str, f64)>,
}

impl Bill {
    pub fn of(f: &Figures) -> Bill {
        let per_million = 1e6 / f.pushes.max(1) as f64;
        let functions = [(&f.webhook, true), (&f.resolver, false), (&f.profile, false)];
        let invocations: u64 = functions.iter().map(|(x, _)| x.invocations).sum();
        let gb_s: f64 = functions.iter().map(|(x, w)| billed_ms(x, *w) / 1000.0 * MEMORY_GB).sum();
        let mut store = Tally::default();
        for (function, _) in &functions {
            store.add(&function.store);
        }
        let lines = vec![
            ("API Gateway", f.pushes as f64 * API_REQUEST),
            ("Lambda requests", invocations as f64 * LAMBDA_REQUEST),
            ("Lambda duration", gb_s * LAMBDA_GB_S),
            ("DynamoDB writes", store.write_units * WRU),
            ("DynamoDB reads", store.read_units * RRU),
            ("Streams reads", store.stream_records as f64 * STREAM_READ_BY_LAMBDA),
            ("Secrets Manager", store.secret_calls as f64 * SECRET_CALL),
        ];
        Bill { lines: lines.into_iter().map(|(name, dollars)| (name, dollars * per_million)).collect() }
    }

    pub fn total(&self) -> f64 {
        self.lines.iter().map(|(_, d)| d).sum()
    }
}
