//! Lambda's event filtering (the `FilterCriteria` of an event source
//! mapping), as far as whosent's mappings need it and a little beyond.
//!
//! A pattern is a JSON object laid over the record as Lambda sees it (for a
//! DynamoDB stream: `eventName`, `dynamodb.NewImage`, `dynamodb.OldImage`, …).
//! Every key of the pattern must match:
//!
//! - an object descends into the record's field of that name;
//! - an array lists the values allowed there (any one will do): strings,
//!   numbers, booleans, `null`, or one of the operators `{"exists": bool}`,
//!   `{"anything-but": value | [values] | {"prefix": …}}`, `{"prefix": "…"}`,
//!   `{"suffix": "…"}`, `{"equals-ignore-case": "…"}`, `{"numeric": [op, n, …]}`.
//!
//! As in Lambda (and EventBridge), a field that is missing matches only
//! `{"exists": false}`; a field holding an array matches when any of its
//! elements does. A record passes a filter when any of its patterns matches;
//! a filter with no pattern passes everything.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

/// Why a pattern or a filters file was refused.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("filters are not valid JSON: {0}")]
    Json(String),
    #[error("invalid pattern at {at}: {reason}")]
    Pattern { at: String, reason: String },
}

/// One value matcher of a pattern's array.
#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    Equals(Value),
    Exists(bool),
    AnythingBut(Vec<Matcher>),
    Prefix(String),
    Suffix(String),
    EqualsIgnoreCase(String),
    Numeric(Vec<(String, f64)>),
}

/// A node of a compiled pattern.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Object(BTreeMap<String, Node>),
    Leaf(Vec<Matcher>),
}

/// One compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    root: BTreeMap<String, Node>,
    source: Value,
}

impl Pattern {
    /// Compiles a pattern: a JSON object, or a string holding one (as
    /// `FilterCriteria.Filters[].Pattern` is written in a template).
    pub fn new(pattern: &Value) -> Result<Self, FilterError> {
        let value = match pattern {
            Value::String(text) => serde_json::from_str(text).map_err(|e| FilterError::Json(e.to_string()))?,
            other => other.clone(),
        };
        let Value::Object(map) = &value else {
            return Err(FilterError::Pattern { at: "$".into(), reason: "a pattern is a JSON object".into() });
        };
        Ok(Self { root: object(map, "$")?, source: value })
    }

    /// The pattern as written.
    pub fn source(&self) -> &Value {
        &self.source
    }

    /// Whether the record matches this pattern.
    pub fn matches(&self, record: &Value) -> bool {
        matches_object(&self.root, Some(record))
    }
}

/// The patterns of one mapping, OR'ed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    patterns: Vec<Pattern>,
}

impl Filter {
    pub fn new(patterns: Vec<Pattern>) -> Self {
        Self { patterns }
    }

    /// Compiles every pattern of a JSON array.
    pub fn from_values(values: &[Value]) -> Result<Self, FilterError> {
        values.iter().map(Pattern::new).collect::<Result<Vec<_>, _>>().map(Self::new)
    }

    /// Passes everything.
    pub fn all() -> Self {
        Self::default()
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Whether the record passes: any pattern matches, or there is none.
    pub fn matches(&self, record: &Value) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(record))
    }
}

/// The filters of every mapping, as in `events/filters.json`:
/// `{"resolver": [pattern, …], "profile": [pattern, …]}`.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    by_mapping: BTreeMap<String, Filter>,
}

impl Filters {
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        let value: Value = serde_json::from_str(text).map_err(|e| FilterError::Json(e.to_string()))?;
        let Value::Object(map) = value else {
            return Err(FilterError::Json("the filters file is an object of arrays, by mapping".into()));
        };
        let mut by_mapping = BTreeMap::new();
        for (name, patterns) in map {
            let Value::Array(patterns) = patterns else {
                return Err(FilterError::Pattern { at: name, reason: "a mapping's filters are an array".into() });
            };
            let filter = Filter::from_values(&patterns).map_err(|e| match e {
                FilterError::Pattern { at, reason } => {
                    FilterError::Pattern { at: format!("{name}{}", &at[1..]), reason }
                }
                other => other,
            })?;
            by_mapping.insert(name, filter);
        }
        Ok(Self { by_mapping })
    }

    pub fn load(path: &Path) -> Result<Self, FilterError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| FilterError::Read { path: path.display().to_string(), reason: e.to_string() })?;
        Self::parse(&text)
    }

    /// The filter of a mapping; none (everything passes) when it has no entry.
    pub fn get(&self, mapping: &str) -> Filter {
        self.by_mapping.get(mapping).cloned().unwrap_or_default()
    }
}

fn object(map: &Map<String, Value>, at: &str) -> Result<BTreeMap<String, Node>, FilterError> {
    let mut out = BTreeMap::new();
    for (key, value) in map {
        let here = format!("{at}.{key}");
        let node = match value {
            Value::Object(inner) => Node::Object(object(inner, &here)?),
            Value::Array(values) if values.is_empty() => {
                return Err(FilterError::Pattern { at: here, reason: "an empty array matches nothing".into() });
            }
            Value::Array(values) => Node::Leaf(values.iter().map(|v| matcher(v, &here)).collect::<Result<_, _>>()?),
            _ => {
                return Err(FilterError::Pattern {
                    at: here,
                    reason: "a field's allowed values are given as an array".into(),
                });
            }
        };
        out.insert(key.clone(), node);
    }
    Ok(out)
}

fn pattern_error(at: &str, reason: impl Into<String>) -> FilterError {
    FilterError::Pattern { at: at.to_owned(), reason: reason.into() }
}

fn matcher(value: &Value, at: &str) -> Result<Matcher, FilterError> {
    let Value::Object(op) = value else {
        return Ok(Matcher::Equals(value.clone()));
    };
    if op.len() != 1 {
        return Err(pattern_error(at, "an operator object has exactly one key"));
    }
    let (name, arg) = op.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", &Value::Null));
    let text = |what: &str| -> Result<String, FilterError> {
        arg.as_str().map(str::to_owned).ok_or_else(|| pattern_error(at, format!("{what} takes a string")))
    };
    Ok(match name {
        "exists" => Matcher::Exists(arg.as_bool().ok_or_else(|| pattern_error(at, "exists takes true or false"))?),
        "prefix" => Matcher::Prefix(text("prefix")?),
        "suffix" => Matcher::Suffix(text("suffix")?),
        "equals-ignore-case" => Matcher::EqualsIgnoreCase(text("equals-ignore-case")?),
        "anything-but" => {
            let inner = match arg {
                Value::Array(values) => values.iter().map(|v| matcher(v, at)).collect::<Result<Vec<_>, _>>()?,
                Value::Object(_) => vec![matcher(arg, at)?],
                scalar => vec![Matcher::Equals(scalar.clone())],
            };
            if inner.iter().any(|m| matches!(m, Matcher::Exists(_) | Matcher::AnythingBut(_) | Matcher::Numeric(_))) {
                return Err(pattern_error(at, "anything-but takes values, a prefix or a suffix"));
            }
            Matcher::AnythingBut(inner)
        }
        "numeric" => {
            let Value::Array(parts) = arg else {
                return Err(pattern_error(at, "numeric takes [operator, number, …]"));
            };
            let mut comparisons = Vec::new();
            for pair in parts.chunks(2) {
                let (Some(op), Some(n)) = (pair[0].as_str(), pair.get(1).and_then(Value::as_f64)) else {
                    return Err(pattern_error(at, "numeric takes [operator, number, …]"));
                };
                if !matches!(op, "=" | "<" | "<=" | ">" | ">=") {
                    return Err(pattern_error(at, format!("unknown numeric operator {op}")));
                }
                comparisons.push((op.to_owned(), n));
            }
            Matcher::Numeric(comparisons)
        }
        other => return Err(pattern_error(at, format!("unknown operator {other}"))),
    })
}

fn matches_object(pattern: &BTreeMap<String, Node>, value: Option<&Value>) -> bool {
    pattern.iter().all(|(key, node)| {
        let field = value.and_then(|v| v.get(key));
        match node {
            Node::Object(inner) => match field {
                // An array of objects matches when any element does.
                Some(Value::Array(items)) => items.iter().any(|item| matches_object(inner, Some(item))),
                other => matches_object(inner, other),
            },
            Node::Leaf(matchers) => matchers.iter().any(|m| matches_field(m, field)),
        }
    })
}

fn matches_field(matcher: &Matcher, field: Option<&Value>) -> bool {
    match (matcher, field) {
        (Matcher::Exists(wanted), field) => field.is_some() == *wanted,
        (_, None) => false,
        (_, Some(Value::Array(items))) => items.iter().any(|item| matches_value(matcher, item)),
        (_, Some(value)) => matches_value(matcher, value),
    }
}

fn matches_value(matcher: &Matcher, value: &Value) -> bool {
    match matcher {
        Matcher::Exists(wanted) => *wanted,
        Matcher::Equals(expected) => equal(expected, value),
        Matcher::AnythingBut(excluded) => !excluded.iter().any(|m| matches_value(m, value)),
        Matcher::Prefix(prefix) => value.as_str().is_some_and(|s| s.starts_with(prefix.as_str())),
        Matcher::Suffix(suffix) => value.as_str().is_some_and(|s| s.ends_with(suffix.as_str())),
        Matcher::EqualsIgnoreCase(text) => value.as_str().is_some_and(|s| s.to_lowercase() == text.to_lowercase()),
        Matcher::Numeric(comparisons) => value.as_f64().is_some_and(|n| {
            comparisons.iter().all(|(op, bound)| match op.as_str() {
                "=" => n == *bound,
                "<" => n < *bound,
                "<=" => n <= *bound,
                ">" => n > *bound,
                _ => n >= *bound,
            })
        }),
    }
}

/// Numbers compare by value (`1` equals `1.0`), everything else exactly.
fn equal(expected: &Value, value: &Value) -> bool {
    match (expected, value) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests;
