//! The functions' timeouts, read from the SAM template (`template.yaml`), so
//! that the stand-in gives up on an invocation when Lambda would: a crashed
//! or hung instance fails its batch after the function's `Timeout`, not after
//! Lambda's longest.
//!
//! A function is an `AWS::Serverless::Function` resource, named by its
//! binary (`Metadata.BuildProperties.Binary`, what `cargo lambda watch`
//! serves); its timeout is `Properties.Timeout`, else `Globals.Function.Timeout`,
//! else Lambda's default of 3 s. Only the block style of YAML the template is
//! written in is read (keys, nested maps, lists, folded and literal scalars):
//! enough for these few keys, without a YAML library for one file.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Lambda's timeout when neither the function nor the globals set one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Lambda's longest timeout.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(900);

/// Why a template was refused.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{at}: Timeout is a whole number of seconds from 1 to 900, not {value:?}")]
    Timeout { at: String, value: String },
    #[error("the template has no AWS::Serverless::Function with a Metadata.BuildProperties.Binary")]
    NoFunction,
}

/// The template's functions and their timeouts, by binary name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    timeouts: BTreeMap<String, Duration>,
}

impl Template {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let scalars = scalars(text);
        let get = |path: &[&str]| scalars.get(&path.join("/")).map(String::as_str);
        let global = match get(&["Globals", "Function", "Timeout"]) {
            Some(value) => seconds("Globals.Function", value)?,
            None => DEFAULT_TIMEOUT,
        };
        let mut timeouts = BTreeMap::new();
        let resources = scalars.keys().filter_map(|path| {
            let rest = path.strip_prefix("Resources/")?;
            rest.strip_suffix("/Type").filter(|id| !id.contains('/'))
        });
        for id in resources {
            if get(&["Resources", id, "Type"]) != Some("AWS::Serverless::Function") {
                continue;
            }
            let Some(binary) = get(&["Resources", id, "Metadata", "BuildProperties", "Binary"]) else { continue };
            let timeout = match get(&["Resources", id, "Properties", "Timeout"]) {
                Some(value) => seconds(&format!("Resources.{id}.Properties"), value)?,
                None => global,
            };
            timeouts.insert(binary.to_owned(), timeout);
        }
        if timeouts.is_empty() {
            return Err(TemplateError::NoFunction);
        }
        Ok(Self { timeouts })
    }

    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TemplateError::Read { path: path.display().to_string(), reason: e.to_string() })?;
        Self::parse(&text)
    }

    /// The timeout of the function with this binary, if the template has it.
    pub fn timeout(&self, function: &str) -> Option<Duration> {
        self.timeouts.get(function).copied()
    }

    /// Every function's binary and timeout.
    pub fn timeouts(&self) -> impl Iterator<Item = (&str, Duration)> {
        self.timeouts.iter().map(|(name, timeout)| (name.as_str(), *timeout))
    }
}

fn seconds(at: &str, value: &str) -> Result<Duration, TemplateError> {
    let error = || TemplateError::Timeout { at: at.to_owned(), value: value.to_owned() };
    let secs: u64 = unquote(value).parse().map_err(|_| error())?;
    let timeout = Duration::from_secs(secs);
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        return Err(error());
    }
    Ok(timeout)
}

fn unquote(value: &str) -> &str {
    let quoted = |q: char| value.len() >= 2 && value.starts_with(q) && value.ends_with(q);
    if quoted('"') || quoted('\'') { &value[1..value.len() - 1] } else { value }
}

/// Every scalar of the document under the path of map keys leading to it,
/// joined with `/` (a list item is `-`).
fn scalars(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    // The open maps: (indent of their keys' line, key).
    let mut open: Vec<(usize, String)> = Vec::new();
    // Inside a folded or literal scalar: lines indented deeper than this.
    let mut block_above: Option<usize> = None;
    for line in text.lines() {
        let content = line.trim_start();
        let mut indent = line.len() - content.len();
        if let Some(above) = block_above {
            if content.is_empty() || indent > above {
                continue;
            }
            block_above = None;
        }
        if content.is_empty() || content.starts_with('#') || content == "---" {
            continue;
        }
        let mut content = content;
        while let Some(item) = content.strip_prefix("- ").or(if content == "-" { Some("") } else { None }) {
            open.retain(|(i, _)| *i < indent);
            open.push((indent, "-".to_owned()));
            let rest = item.trim_start();
            indent += content.len() - rest.len();
            content = rest;
        }
        let Some((key, value)) = split_key(content) else { continue };
        open.retain(|(i, _)| *i < indent);
        let value = strip_comment(value).trim();
        if value.is_empty() {
            open.push((indent, key.to_owned()));
            continue;
        }
        if value.starts_with('|') || value.starts_with('>') {
            block_above = Some(indent);
        }
        let path: Vec<&str> = open.iter().map(|(_, k)| k.as_str()).chain([key]).collect();
        out.insert(path.join("/"), value.to_owned());
    }
    out
}

/// `key: value` or `key:`; the key unquoted.
fn split_key(content: &str) -> Option<(&str, &str)> {
    let (key, value) = match content.find(": ") {
        Some(at) => (&content[..at], &content[at + 2..]),
        None => (content.strip_suffix(':')?, ""),
    };
    let key = unquote(key.trim());
    if key.is_empty() || key.starts_with(['{', '[', '!']) { None } else { Some((key, value)) }
}

/// A value without its trailing ` # comment` (outside quotes).
fn strip_comment(value: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (at, c) in value.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return &value[..at],
            _ => {}
        }
        previous = c;
    }
    value
}

#[cfg(test)]
mod tests;
