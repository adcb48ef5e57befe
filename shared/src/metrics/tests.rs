use std::collections::BTreeSet;

use serde_json::Value;

use super::*;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const NOW_MS: u64 = 1_700_000_000_123;

/// The lines written, each parsed and checked against [`check`].
fn lines(metrics: &Metrics) -> TestResult<Vec<Value>> {
    let mut out = Vec::new();
    metrics.write_to(&mut out, "whosent-dev-ResolverFunction-abc", NOW_MS)?;
    let text = String::from_utf8(out)?;
    assert!(text.ends_with('\n') || text.is_empty());
    let mut documents = Vec::new();
    for line in text.lines() {
        let document: Value = serde_json::from_str(line)?;
        check(&document).map_err(|e| format!("{e}: {line}"))?;
        documents.push(document);
    }
    Ok(documents)
}

fn directive(document: &Value) -> &Value {
    &document["_aws"]["CloudWatchMetrics"][0]
}

fn names(document: &Value) -> Vec<&str> {
    directive(document)["Metrics"].as_array().into_iter().flatten().filter_map(|m| m["Name"].as_str()).collect()
}

/// A name for test metrics and dimension values made up on the fly.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[test]
fn one_line_per_dimension_set_with_function_and_each_value_at_the_root() -> TestResult {
    let mut m = Metrics::new();
    m.count(PUSHES, &[(OUTCOME, "known_sender")], 1);
    m.count(PUSHES, &[(OUTCOME, "known_sender")], 2);
    m.count(PUSHES, &[(OUTCOME, "duplicate")], 1);
    m.count(URL_CHECKS, &[], 1);
    m.sample(PUSH_TO_MAPPING, &[], 2500.0);
    m.sample(PUSH_TO_MAPPING, &[], 4100.0);
    let docs = lines(&m)?;
    assert_eq!(docs.len(), 3, "{docs:#?}");
    for doc in &docs {
        assert_eq!(doc["_aws"]["Timestamp"], NOW_MS);
        assert_eq!(directive(doc)["Namespace"], "whosent");
        assert_eq!(doc["Function"], "whosent-dev-ResolverFunction-abc");
        assert_eq!(directive(doc)["Dimensions"][0][0], "Function");
    }
    let known = docs.iter().find(|d| d["Outcome"] == "known_sender").ok_or("the known-sender line")?;
    assert_eq!(known["Pushes"], 3.0);
    assert_eq!(directive(known)["Dimensions"], serde_json::json!([["Function", "Outcome"]]));
    assert_eq!(directive(known)["Metrics"], serde_json::json!([{"Name": "Pushes", "Unit": "Count"}]));
    let plain = docs.iter().find(|d| d.get("Outcome").is_none()).ok_or("the line without outcome")?;
    assert_eq!(plain["UrlChecks"], 1.0);
    assert_eq!(plain["PushToMapping"], serde_json::json!([2500.0, 4100.0]));
    let units: Vec<&Value> = directive(plain)["Metrics"].as_array().into_iter().flatten().map(|m| &m["Unit"]).collect();
    assert_eq!(units, ["Milliseconds", "Count"]);
    Ok(())
}

#[test]
fn nothing_recorded_writes_nothing() -> TestResult {
    let m = Metrics::new();
    assert!(m.is_empty());
    assert!(lines(&m)?.is_empty());
    Ok(())
}

#[test]
fn a_count_of_zero_is_written() -> TestResult {
    let mut m = Metrics::new();
    m.count(RECORDS, &[(OUTCOME, "done")], 0);
    let docs = lines(&m)?;
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["Records"], 0.0);
    Ok(())
}

#[test]
fn more_than_a_hundred_samples_go_on_further_lines() -> TestResult {
    let mut m = Metrics::new();
    for i in 0..250 {
        m.sample(MAPPING_TO_PROFILE, &[], f64::from(i));
    }
    m.count(AVATARS_NOT_STORED, &[], 7);
    let docs = lines(&m)?;
    assert_eq!(docs.len(), 3);
    let mut seen = Vec::new();
    for doc in &docs {
        let values = doc["MappingToProfile"].as_array().ok_or("samples")?;
        assert!(values.len() <= MAX_VALUES_PER_METRIC);
        seen.extend(values.iter().filter_map(Value::as_f64));
    }
    assert_eq!(seen, (0..250).map(f64::from).collect::<Vec<_>>(), "every sample once, in order");
    // The counter once, not on every line.
    assert_eq!(docs.iter().filter(|d| d.get("AvatarsNotStored").is_some()).count(), 1);
    Ok(())
}

#[test]
fn more_than_a_hundred_metrics_of_one_set_go_on_further_lines() -> TestResult {
    let mut m = Metrics::new();
    for i in 0..230 {
        m.count(Metric { name: leak(format!("Test{i:03}")), unit: Unit::Count }, &[(REASON, "x")], 1);
    }
    let docs = lines(&m)?;
    assert_eq!(docs.len(), 3);
    let all: BTreeSet<&str> = docs.iter().flat_map(names).collect();
    assert_eq!(all.len(), 230);
    assert!(docs.iter().all(|d| names(d).len() <= MAX_METRICS_PER_LINE));
    Ok(())
}

#[test]
fn many_dimension_sets_each_get_their_own_lines() -> TestResult {
    let mut m = Metrics::new();
    for i in 0..150 {
        m.count(REFUSED, &[(REASON, leak(format!("reason_{i}")))], 1);
    }
    let docs = lines(&m)?;
    assert_eq!(docs.len(), 150);
    let reasons: BTreeSet<&str> = docs.iter().filter_map(|d| d["Reason"].as_str()).collect();
    assert_eq!(reasons.len(), 150);
    Ok(())
}

#[test]
fn dimensions_are_cut_to_the_limit_and_function_is_never_given_twice() -> TestResult {
    let mut m = Metrics::new();
    let dims: Vec<(&'static str, &'static str)> =
        (0..40).map(|i| (leak(format!("Dim{i}")), "v")).chain([(FUNCTION, "spoofed")]).collect();
    m.count(PUSHES, &dims, 1);
    let docs = lines(&m)?;
    assert_eq!(docs.len(), 1);
    let set = directive(&docs[0])["Dimensions"][0].as_array().ok_or("a set")?;
    assert_eq!(set.len(), MAX_DIMENSIONS);
    assert_eq!(docs[0]["Function"], "whosent-dev-ResolverFunction-abc");
    Ok(())
}

#[test]
fn the_check_refuses_what_cloudwatch_would_drop() {
    let good = serde_json::json!({
        "_aws": {"Timestamp": NOW_MS, "CloudWatchMetrics": [{"Namespace": "whosent", "Dimensions": [["Function"]], "Metrics": [{"Name": "Pushes", "Unit": "Count"}]}]},
        "Function": "f", "Pushes": 1
    });
    assert_eq!(check(&good), Ok(()));
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut doc = good.clone();
        edit(&mut doc);
        check(&doc)
    };
    assert!(broken(&|d| d["_aws"]["Timestamp"] = (NOW_MS / 1000).into()).is_err(), "seconds");
    assert!(broken(&|d| d["Function"] = 1.into()).is_err(), "a dimension that is not text");
    assert!(broken(&|d| d["Pushes"] = "1".into()).is_err(), "a value that is not a number");
    assert!(broken(&|d| d["Pushes"] = vec![1; 101].into()).is_err(), "too many values");
    assert!(broken(&|d| d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = "Bytes".into()).is_err());
    assert!(broken(&|d| d["_aws"]["CloudWatchMetrics"][0]["Namespace"] = "".into()).is_err());
}

#[test]
fn since_ms_counts_from_whole_seconds_and_never_goes_below_zero() {
    assert_eq!(since_ms(100, 102_500), 2_500);
    assert_eq!(since_ms(100, 99_000), 0);
}

#[test]
fn metric_names_are_unique_and_never_a_dimension_name() {
    let names: BTreeSet<&str> = ALL.iter().map(|m| m.name).collect();
    assert_eq!(names.len(), ALL.len());
    for name in &names {
        assert!(!DIMENSIONS.contains(name) && *name != FUNCTION && *name != "_aws", "{name}");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
    }
}

/// The text of a file at the checkout's root.
fn root_file(path: &str) -> TestResult<String> {
    Ok(std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path))?)
}

#[test]
fn the_dashboard_shows_every_metric() -> TestResult {
    let template = root_file("template.yaml")?;
    let start = template.find("\n  MetricsDashboard:\n").ok_or("a MetricsDashboard resource")? + 1;
    // Its lines: up to the next resource or section (indented two spaces or less).
    let dashboard: Vec<&str> = template[start..]
        .lines()
        .enumerate()
        .take_while(|(i, line)| *i == 0 || line.trim().is_empty() || line.starts_with("   "))
        .map(|(_, line)| line)
        .collect();
    let dashboard = dashboard.join("\n");
    assert!(dashboard.contains("AWS::CloudWatch::Dashboard"));
    for metric in ALL {
        let searched = format!("MetricName=\\\"{}\\\"", metric.name);
        assert!(dashboard.contains(&searched), "the dashboard does not show {} ({searched})", metric.name);
    }
    Ok(())
}

#[test]
fn the_docs_describe_every_metric_and_dimension() -> TestResult {
    let docs = root_file("docs/metrics.md")?;
    for metric in ALL {
        assert!(docs.contains(&format!("| `{}` |", metric.name)), "docs/metrics.md has no row for {}", metric.name);
    }
    for dimension in DIMENSIONS.iter().chain([&FUNCTION]) {
        assert!(docs.contains(&format!("`{dimension}`")), "docs/metrics.md does not name {dimension}");
    }
    Ok(())
}
