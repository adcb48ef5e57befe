use serde_json::{Value, json};

use super::*;

const FILTERS: &str = include_str!("../../../../events/filters.json");

fn filters() -> Filters {
    Filters::parse(FILTERS).expect("events/filters.json is valid")
}

/// A stream record as Lambda sees it, with string attributes only.
fn record(event: &str, new: Option<&[(&str, &str)]>, old: Option<&[(&str, &str)]>) -> Value {
    let image = |attrs: &[(&str, &str)]| -> Value {
        attrs.iter().map(|(k, v)| ((*k).to_owned(), json!({ "S": v }))).collect::<serde_json::Map<_, _>>().into()
    };
    let mut dynamodb = json!({"Keys": {"pk": {"S": "ACCT#a"}, "sk": {"S": "X"}}, "SequenceNumber": "100"});
    if let Some(new) = new {
        dynamodb["NewImage"] = image(new);
    }
    if let Some(old) = old {
        dynamodb["OldImage"] = image(old);
    }
    json!({"eventID": "1", "eventName": event, "eventSource": "aws:dynamodb", "dynamodb": dynamodb})
}

#[test]
fn the_resolver_gets_new_requests_and_requests_reopened_from_unresolved_or_waiting() {
    let resolver = filters().get("resolver");
    let request = [("kind", "resolve_request"), ("state", "pending")];
    assert!(resolver.matches(&record("INSERT", Some(&request), None)), "INSERT of a resolve request");
    for old in ["unresolved", "waiting"] {
        let before = [("kind", "resolve_request"), ("state", old)];
        assert!(resolver.matches(&record("MODIFY", Some(&request), Some(&before))), "MODIFY {old} → pending");
    }
    assert!(!resolver.matches(&record("MODIFY", Some(&request), Some(&request))), "not pending → pending");
    let resolved = [("kind", "resolve_request"), ("state", "resolved")];
    assert!(!resolver.matches(&record("MODIFY", Some(&resolved), Some(&request))), "not pending → resolved");
    let sender = [("kind", "sender"), ("profile_state", "wanted")];
    assert!(!resolver.matches(&record("INSERT", Some(&sender), None)), "not a sender");
    assert!(!resolver.matches(&record("REMOVE", None, Some(&request))), "not a removal");
}

#[test]
fn the_profile_function_gets_senders_once_their_profile_is_wanted() {
    let profile = filters().get("profile");
    let wanted = [("kind", "sender"), ("profile_state", "wanted")];
    assert!(profile.matches(&record("INSERT", Some(&wanted), None)), "sender INSERT with wanted");
    let fetched = [("kind", "sender"), ("profile_state", "fetched")];
    assert!(profile.matches(&record("MODIFY", Some(&wanted), Some(&fetched))), "MODIFY fetched → wanted");
    let following = [("kind", "sender"), ("follow_state", "following")];
    assert!(profile.matches(&record("MODIFY", Some(&wanted), Some(&following))), "MODIFY (none) → wanted");
    assert!(!profile.matches(&record("MODIFY", Some(&wanted), Some(&wanted))), "not wanted → wanted");
    assert!(!profile.matches(&record("MODIFY", Some(&fetched), Some(&wanted))), "not wanted → fetched");
    assert!(!profile.matches(&record("INSERT", Some(&following), None)), "not a sender without a wanted profile");
    let request = [("kind", "resolve_request"), ("profile_state", "wanted")];
    assert!(!profile.matches(&record("INSERT", Some(&request), None)), "not another kind");
}

#[test]
fn a_mapping_without_filters_gets_everything() {
    let none = filters().get("webhook");
    assert!(none.matches(&record("REMOVE", None, None)));
}

#[test]
fn operators() {
    let case = |pattern: Value, record: Value| Pattern::new(&pattern).unwrap().matches(&record);
    assert!(case(json!({"a": ["x", "y"]}), json!({"a": "y"})), "OR of values");
    assert!(!case(json!({"a": ["x", "y"]}), json!({"a": "z"})));
    assert!(case(json!({"a": [1]}), json!({"a": 1.0})), "numbers by value");
    assert!(case(json!({"a": [null]}), json!({"a": null})));
    assert!(case(json!({"a": [true]}), json!({"a": true})));
    assert!(case(json!({"a": [{"prefix": "ACCT#"}]}), json!({"a": "ACCT#1"})));
    assert!(!case(json!({"a": [{"prefix": "ACCT#"}]}), json!({"a": "MSG#1"})));
    assert!(case(json!({"a": [{"suffix": ".png"}]}), json!({"a": "x.png"})));
    assert!(case(json!({"a": [{"equals-ignore-case": "Insert"}]}), json!({"a": "INSERT"})));
    assert!(case(json!({"a": [{"anything-but": "x"}]}), json!({"a": "y"})));
    assert!(!case(json!({"a": [{"anything-but": ["x", "y"]}]}), json!({"a": "y"})));
    assert!(!case(json!({"a": [{"anything-but": ["x"]}]}), json!({})), "anything-but needs the field");
    assert!(case(json!({"a": [{"anything-but": {"prefix": "x"}}]}), json!({"a": "yx"})));
    assert!(!case(json!({"a": [{"anything-but": {"prefix": "x"}}]}), json!({"a": "xy"})));
    assert!(case(json!({"a": [{"exists": true}]}), json!({"a": {"S": "1"}})));
    assert!(!case(json!({"a": [{"exists": true}]}), json!({"b": 1})));
    assert!(case(json!({"a": {"b": [{"exists": false}]}}), json!({})), "a missing parent: the child is missing too");
    assert!(case(json!({"a": [{"numeric": [">", 0, "<=", 5]}]}), json!({"a": 5})));
    assert!(!case(json!({"a": [{"numeric": [">", 0, "<=", 5]}]}), json!({"a": 6})));
    assert!(case(json!({"a": ["x"]}), json!({"a": ["w", "x"]})), "an array field matches by any element");
    assert!(case(json!({"a": {"b": ["x"]}}), json!({"a": [{"b": "w"}, {"b": "x"}]})));
    assert!(!case(json!({"a": {"b": ["x"]}}), json!({"a": "x"})), "a scalar has no fields");
    assert!(case(json!({}), json!({"a": 1})), "an empty pattern matches everything");
}

#[test]
fn patterns_may_be_given_as_strings_as_in_a_template() {
    let filter = Filter::from_values(&[json!(r#"{"eventName": ["INSERT"]}"#)]).unwrap();
    assert!(filter.matches(&json!({"eventName": "INSERT"})));
    assert!(!filter.matches(&json!({"eventName": "MODIFY"})));
}

#[test]
fn invalid_patterns_are_refused_with_where() {
    for (pattern, at) in [
        (json!({"a": "x"}), "$.a"),
        (json!({"a": []}), "$.a"),
        (json!({"a": {"b": [{"exists": "yes"}]}}), "$.a.b"),
        (json!({"a": [{"wildcard": "*"}]}), "$.a"),
        (json!({"a": [{"numeric": ["~", 1]}]}), "$.a"),
        (json!({"a": [{"prefix": "x", "suffix": "y"}]}), "$.a"),
        (json!(["x"]), "$"),
    ] {
        match Pattern::new(&pattern) {
            Err(FilterError::Pattern { at: got, .. }) => assert_eq!(got, at, "{pattern}"),
            other => panic!("{pattern}: {other:?}"),
        }
    }
    assert!(matches!(Filters::parse(r#"{"resolver": {"a": ["x"]}}"#), Err(FilterError::Pattern { .. })));
    let err = Filters::parse(r#"{"resolver": [{"a": "x"}]}"#).unwrap_err();
    assert!(err.to_string().contains("resolver.a"), "{err}");
}
