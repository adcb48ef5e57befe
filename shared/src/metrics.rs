//! The functions' counts as CloudWatch metrics, in the Embedded Metric
//! Format (EMF). An invocation records what it did into a [`Metrics`] and,
//! at its end, writes it as JSON lines to standard output: Lambda sends them
//! to the function's log group, where CloudWatch takes the metrics out. No
//! API call and no IAM permission: the lines travel as every log line does.
//!
//! Every metric is one of [`ALL`], named with its unit. Dimension values are
//! small closed sets of names (an outcome, a method, a reason, a console
//! endpoint), never an account, an openID, a FakeID or text from outside;
//! the one open value is the `Function` dimension, the Lambda function's own
//! name, which keeps two stacks in one AWS account apart. `docs/metrics.md`
//! describes each metric; the dashboard of `template.yaml` shows them all.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::config::Env;

mod catalog;

pub use catalog::*;

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "whosent";
/// The dimension every metric carries: the Lambda function's name.
pub const FUNCTION: &str = "Function";
/// EMF's limits: metrics in one directive, values of one metric, dimensions in one set.
pub const MAX_METRICS_PER_LINE: usize = 100;
pub const MAX_VALUES_PER_METRIC: usize = 100;
pub const MAX_DIMENSIONS: usize = 30;

/// The unit of a metric (the two of CloudWatch's units whosent uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// A metric: its name and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub name: &'static str,
    pub unit: Unit,
}

/// Dimension names and values besides `Function`, in the order given.
type Dims = Vec<(&'static str, &'static str)>;

/// What one metric holds within one dimension set.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    /// A counter: the sum of what was counted.
    Sum(f64),
    /// Samples, each its own value (latencies).
    Samples(Vec<f64>),
}

/// What one invocation recorded, by dimension set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    sets: BTreeMap<Dims, BTreeMap<&'static str, (Unit, Values)>>,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `n` to a counter. A count of zero is recorded too, so that a
    /// caller may report that nothing happened.
    pub fn count(&mut self, metric: Metric, dims: &[(&'static str, &'static str)], n: usize) {
        let entry = self.entry(metric, dims, Values::Sum(0.0));
        if let Values::Sum(sum) = entry {
            *sum += n as f64;
        }
    }

    /// Records one sample (a latency, in the metric's unit).
    pub fn sample(&mut self, metric: Metric, dims: &[(&'static str, &'static str)], value: f64) {
        let entry = self.entry(metric, dims, Values::Samples(Vec::new()));
        if let Values::Samples(samples) = entry {
            samples.push(value);
        }
    }

    fn entry(&mut self, metric: Metric, dims: &[(&'static str, &'static str)], empty: Values) -> &mut Values {
        // `Function` is always there: room for the rest, within EMF's limit.
        let dims: Dims = dims.iter().copied().filter(|(name, _)| *name != FUNCTION).take(MAX_DIMENSIONS - 1).collect();
        let set = self.sets.entry(dims).or_default();
        &mut set.entry(metric.name).or_insert((metric.unit, empty)).1
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// The value of a counter in a dimension set, if counted (for tests and checks).
    pub fn counted(&self, metric: Metric, dims: &[(&'static str, &'static str)]) -> Option<f64> {
        match self.sets.get(dims)?.get(metric.name)? {
            (_, Values::Sum(sum)) => Some(*sum),
            (_, Values::Samples(_)) => None,
        }
    }

    /// The samples of a metric in a dimension set (for tests and checks).
    pub fn samples(&self, metric: Metric, dims: &[(&'static str, &'static str)]) -> &[f64] {
        match self.sets.get(dims).and_then(|set| set.get(metric.name)) {
            Some((_, Values::Samples(samples))) => samples,
            _ => &[],
        }
    }

    /// The EMF documents, one per line: one or more for each dimension set,
    /// each with at most [`MAX_METRICS_PER_LINE`] metrics of at most
    /// [`MAX_VALUES_PER_METRIC`] values (more samples go on further lines).
    pub fn documents(&self, function: &str, timestamp_ms: u64) -> Vec<Value> {
        let mut documents = Vec::new();
        for (dims, metrics) in &self.sets {
            // The values of each metric, cut into pages: page k of every
            // metric goes on the k-th line(s) of this set, so that no line
            // names a metric twice.
            let mut pages: Vec<Vec<(&'static str, Unit, Value)>> = Vec::new();
            for (name, (unit, values)) in metrics {
                let chunks: Vec<Value> = match values {
                    Values::Sum(sum) => vec![json!(sum)],
                    Values::Samples(samples) => samples.chunks(MAX_VALUES_PER_METRIC).map(|c| json!(c)).collect(),
                };
                for (k, chunk) in chunks.into_iter().enumerate() {
                    if pages.len() <= k {
                        pages.push(Vec::new());
                    }
                    pages[k].push((name, *unit, chunk));
                }
            }
            for page in pages {
                for line in page.chunks(MAX_METRICS_PER_LINE) {
                    documents.push(document(function, dims, line, timestamp_ms));
                }
            }
        }
        documents
    }

    /// Writes the documents, one JSON line each, each in one write.
    pub fn write_to(&self, out: &mut impl Write, function: &str, timestamp_ms: u64) -> io::Result<()> {
        for document in self.documents(function, timestamp_ms) {
            let mut line = serde_json::to_vec(&document)?;
            line.push(b'\n');
            out.write_all(&line)?;
        }
        out.flush()
    }

    /// Writes the metrics to standard output, where Lambda takes them, when
    /// running as a Lambda function (`AWS_LAMBDA_FUNCTION_NAME` is set); off
    /// Lambda, as in unit tests, nothing is written.
    pub fn emit(&self) {
        let Some(function) = function_name() else { return };
        if self.is_empty() {
            return;
        }
        if let Err(err) = self.write_to(&mut io::stdout().lock(), function, unix_ms()) {
            tracing::warn!(error = %err, "metrics not written");
        }
    }
}

/// One EMF document: the directive, `Function` and the other dimensions,
/// and each metric's value at the root.
fn document(function: &str, dims: &Dims, metrics: &[(&'static str, Unit, Value)], timestamp_ms: u64) -> Value {
    let mut names = vec![FUNCTION];
    names.extend(dims.iter().map(|(name, _)| *name));
    let declared: Vec<Value> =
        metrics.iter().map(|(name, unit, _)| json!({"Name": name, "Unit": unit.name()})).collect();
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [names], "Metrics": declared}],
        }),
    );
    root.insert(FUNCTION.into(), json!(function));
    for (name, value) in dims {
        root.insert((*name).into(), json!(value));
    }
    for (name, _, value) in metrics {
        root.insert((*name).into(), value.clone());
    }
    Value::Object(root)
}

/// Counts of a batch's stream records, for the metrics: `done`, `retried`,
/// and `skipped` for those that name no work (they are retried too, then
/// dead-lettered).
pub fn count_records(metrics: &mut Metrics, records: usize, retried: usize, skipped: usize) {
    let retried_work = retried.saturating_sub(skipped);
    metrics.count(RECORDS, &[(OUTCOME, "done")], records.saturating_sub(retried));
    if retried_work > 0 {
        metrics.count(RECORDS, &[(OUTCOME, "retried")], retried_work);
    }
    if skipped > 0 {
        metrics.count(RECORDS, &[(OUTCOME, "skipped")], skipped);
    }
}

/// What CloudWatch asks of an EMF document, checked: one JSON object with
/// `_aws.Timestamp` in Unix milliseconds and directives whose namespace,
/// dimensions (each a string at the root, at most [`MAX_DIMENSIONS`] a set)
/// and metrics (at most [`MAX_METRICS_PER_LINE`], each a number or at most
/// [`MAX_VALUES_PER_METRIC`] numbers at the root, with a known unit) are
/// there. The tests hold every line written to it.
pub fn check(document: &Value) -> Result<(), String> {
    let root = document.as_object().ok_or("not a JSON object")?;
    let aws = root.get("_aws").and_then(Value::as_object).ok_or("no _aws object")?;
    let timestamp = aws.get("Timestamp").and_then(Value::as_u64).ok_or("no whole Timestamp")?;
    // Milliseconds: after 2001 in milliseconds is far past any date in seconds.
    if timestamp < 978_307_200_000 {
        return Err(format!("Timestamp {timestamp} is not in milliseconds"));
    }
    let directives = aws.get("CloudWatchMetrics").and_then(Value::as_array).ok_or("no CloudWatchMetrics")?;
    if directives.is_empty() {
        return Err("no directive".into());
    }
    for directive in directives {
        if directive.get("Namespace").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err("a directive without Namespace".into());
        }
        let sets = directive.get("Dimensions").and_then(Value::as_array).ok_or("no Dimensions")?;
        for set in sets {
            let names = set.as_array().ok_or("a dimension set that is not a list")?;
            if names.len() > MAX_DIMENSIONS {
                return Err(format!("{} dimensions in one set", names.len()));
            }
            for name in names {
                let name = name.as_str().ok_or("a dimension name that is not text")?;
                if !root.get(name).is_some_and(Value::is_string) {
                    return Err(format!("dimension {name} has no text value at the root"));
                }
            }
        }
        let metrics = directive.get("Metrics").and_then(Value::as_array).ok_or("no Metrics")?;
        if metrics.len() > MAX_METRICS_PER_LINE {
            return Err(format!("{} metrics in one directive", metrics.len()));
        }
        for metric in metrics {
            let name = metric.get("Name").and_then(Value::as_str).ok_or("a metric without Name")?;
            let unit = metric.get("Unit").and_then(Value::as_str).unwrap_or("None");
            if ![Unit::Count.name(), Unit::Milliseconds.name()].contains(&unit) {
                return Err(format!("{name}: unit {unit}"));
            }
            match root.get(name) {
                Some(Value::Number(_)) => {}
                Some(Value::Array(values)) if values.len() > MAX_VALUES_PER_METRIC => {
                    return Err(format!("{name}: {} values", values.len()));
                }
                Some(Value::Array(values)) if !values.is_empty() && values.iter().all(Value::is_number) => {}
                _ => return Err(format!("{name} has no number or list of numbers at the root")),
            }
        }
    }
    Ok(())
}

/// The Lambda function's name, from the variable Lambda sets; `None` off Lambda.
pub fn function_name() -> Option<&'static str> {
    static NAME: OnceLock<Option<String>> = OnceLock::new();
    NAME.get_or_init(|| Env::process().get("AWS_LAMBDA_FUNCTION_NAME").filter(|n| !n.is_empty())).as_deref()
}

/// Now, in Unix milliseconds.
pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

/// Milliseconds from the Unix second `from` to `now_ms` (Unix
/// milliseconds), never below zero. The stored times are whole seconds, so
/// a latency reads up to a second longer than it was.
pub fn since_ms(from: i64, now_ms: i64) -> u64 {
    u64::try_from(now_ms - from.saturating_mul(1000)).unwrap_or(0)
}

#[cfg(test)]
mod tests;
