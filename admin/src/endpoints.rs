//! The local stack's `endpoints.env` (`KEY=value` lines, written by
//! `scripts/stack.sh up`), for `--local`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::AdminError;

/// `$STACK_DIR/endpoints.env`, `STACK_DIR` defaulting to `.local`.
pub fn default_path() -> PathBuf {
    let dir = std::env::var("STACK_DIR").ok().filter(|d| !d.is_empty()).unwrap_or_else(|| ".local".to_owned());
    Path::new(&dir).join("endpoints.env")
}

/// The keys and values of an env file: `KEY=value`, blank lines and `#`
/// comments skipped, one pair of surrounding quotes removed.
pub fn parse(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| {
            let key = key.trim().trim_start_matches("export ").trim();
            let value = value.trim();
            let unquoted = ['"', '\'']
                .iter()
                .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
                .unwrap_or(value);
            (key.to_owned(), unquoted.to_owned())
        })
        .collect()
}

/// Reads the file, with a hint when the stack is not up.
pub fn load(path: &Path) -> Result<HashMap<String, String>, AdminError> {
    let text = std::fs::read_to_string(path).map_err(|e| AdminError::EndpointsFile {
        path: path.display().to_string(),
        reason: format!("{e} (is the local stack up? `make up`)"),
    })?;
    Ok(parse(&text))
}

#[cfg(test)]
mod tests;
