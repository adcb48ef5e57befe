//! Untrusted text in log lines and answers: escaped, and cut short.
//!
//! Bytes from outside (a push body, a console answer) reach error messages,
//! which reach log lines and 4xx bodies. Quoted through [`quote`], a CR/LF
//! cannot start a forged log line and a megabyte cannot flood one.

/// The most bytes of untrusted text quoted.
pub const MAX_QUOTED_BYTES: usize = 64;

/// `text` as a quoted, escaped literal (`"a\r\nb"`), cut after at most
/// [`MAX_QUOTED_BYTES`] bytes of it (at a character boundary), with `…`
/// after the closing quote when it was cut.
pub fn quote(text: &str) -> String {
    let mut end = text.len().min(MAX_QUOTED_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = if end < text.len() { "…" } else { "" };
    format!("{:?}{cut}", &text[..end])
}

#[cfg(test)]
mod tests;
