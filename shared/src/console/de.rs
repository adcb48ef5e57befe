//! Decoding the console's loose JSON: numbers that come as strings, and
//! lists encoded twice (a JSON string holding JSON).

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer};
use serde_json::Value;

/// A FakeID, id or code given as a number or as a string of digits.
pub fn u64_loose<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64().ok_or_else(|| de::Error::custom(format!("not an unsigned integer: {n}"))),
        Value::String(s) => s.trim().parse().map_err(|_| de::Error::custom(format!("not an unsigned integer: {s:?}"))),
        other => Err(de::Error::custom(format!("expected a number, got {other}"))),
    }
}

/// Like [`u64_loose`], for signed values (`ret` codes, times).
pub fn i64_loose<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().ok_or_else(|| de::Error::custom(format!("not an integer: {n}"))),
        Value::String(s) => s.trim().parse().map_err(|_| de::Error::custom(format!("not an integer: {s:?}"))),
        other => Err(de::Error::custom(format!("expected a number, got {other}"))),
    }
}

/// An optional FakeID (absent, null or empty string is `None`).
pub fn opt_u64_loose<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        v => u64_loose(v).map(Some).map_err(de::Error::custom),
    }
}

/// A value that is either JSON or a string holding JSON (docs/console.md, "Conventions").
pub fn twice<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => serde_json::from_str(&s).map_err(de::Error::custom),
        v => serde_json::from_value(v).map_err(de::Error::custom),
    }
}

/// Message content as the console escapes it: `&amp;`, `&lt;`, `&nbsp;` for
/// spaces, `<br/>` for line breaks.
pub fn unescape_content(content: &str) -> String {
    let content = content.replace("<br/>", "\n").replace("<br />", "\n").replace("<br>", "\n").replace("&nbsp;", " ");
    html_escape::decode_html_entities(&content).into_owned()
}

#[cfg(test)]
mod tests;
