//! What an operator types, checked before anything is written.
//!
//! - account id: 1–64 ASCII letters, digits, `-`, `_` or `.` (it is a path
//!   segment of the callback URL and part of the secrets' names);
//! - appid: `wx` and 16 hex digits;
//! - `gh_…` id: `gh_` and 12 hex digits;
//! - token: 3–32 ASCII letters or digits (the platform's settings page takes
//!   no other; `docs/push.md` only says it signs the pushes);
//! - EncodingAESKey: 43 characters that decode to 32 bytes, leniently, as the
//!   webhook decodes them (`whosent::push::AesKey`);
//! - marker key: at least 16 printable ASCII characters;
//! - console username and password: not empty, no line breaks.

use whosent::push::AesKey;

use crate::AdminError;

fn invalid(field: &'static str, reason: impl Into<String>) -> AdminError {
    AdminError::Invalid { field, reason: reason.into() }
}

fn all(s: &str, ok: impl Fn(char) -> bool) -> bool {
    s.chars().all(ok)
}

pub fn account_id(id: &str) -> Result<(), AdminError> {
    let ok = (1..=64).contains(&id.len()) && all(id, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok || id.starts_with('.') {
        return Err(invalid("id", "1–64 ASCII letters, digits, '-', '_' or '.', not starting with '.'"));
    }
    Ok(())
}

pub fn appid(appid: &str) -> Result<(), AdminError> {
    match appid.strip_prefix("wx") {
        Some(rest) if rest.len() == 16 && all(rest, |c| c.is_ascii_hexdigit()) => Ok(()),
        _ => Err(invalid("appid", "wx followed by 16 hex digits")),
    }
}

pub fn gh_id(gh_id: &str) -> Result<(), AdminError> {
    match gh_id.strip_prefix("gh_") {
        Some(rest) if rest.len() == 12 && all(rest, |c| c.is_ascii_hexdigit()) => Ok(()),
        _ => Err(invalid("gh-id", "gh_ followed by 12 hex digits")),
    }
}

pub fn token(token: &str) -> Result<(), AdminError> {
    if (3..=32).contains(&token.len()) && all(token, |c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(invalid("token", "3–32 ASCII letters or digits"))
    }
}

pub fn aes_key(field: &'static str, key: &str) -> Result<(), AdminError> {
    if key.len() != 43 {
        return Err(invalid(field, format!("43 characters, not {}", key.chars().count())));
    }
    AesKey::from_encoding_aes_key(key)
        .map(drop)
        .map_err(|_| invalid(field, "43 base64 characters that decode to a 32-byte key"))
}

pub fn marker_key(key: &str) -> Result<(), AdminError> {
    if key.len() >= 16 && all(key, |c| c.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(invalid("marker-key", "at least 16 printable ASCII characters, no spaces"))
    }
}

pub fn console_field(field: &'static str, value: &str) -> Result<(), AdminError> {
    if value.is_empty() || value.contains(['\n', '\r']) {
        return Err(invalid(field, "not empty, on one line"));
    }
    Ok(())
}

pub fn webhook_base(base: &str) -> Result<(), AdminError> {
    if base.starts_with("http://") || base.starts_with("https://") {
        Ok(())
    } else {
        Err(invalid("webhook-base", "an http:// or https:// URL"))
    }
}

#[cfg(test)]
mod tests;
