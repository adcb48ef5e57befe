//! [`Elements`]: the children of a `<xml>` root, kept with the document.

use std::fmt;

use super::{MASK, XmlError, read, walk};

#[cfg(test)]
mod tests;

/// The children of a `<xml>` root, in document order, and the document
/// they were read from.
///
/// Names and values are ranges of the document wherever [`walk`] could
/// borrow them; a value that had to be rewritten (an entity, a line end,
/// several pieces) is stored after the document, in the same string.
#[derive(Clone, Default)]
pub struct Elements {
    /// The document, then the rewritten values.
    text: String,
    /// Where the document ends in `text`.
    document: usize,
    entries: Vec<Entry>,
}

/// Where one child's name and value are in [`Elements::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    name: Span,
    value: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

impl Elements {
    /// Parses a flat `<xml>` document, keeping a copy of it.
    pub fn parse(xml: &str) -> Result<Self, XmlError> {
        Self::from_document(xml.to_owned())
    }

    /// Parses a flat `<xml>` document and keeps it, without a copy.
    ///
    /// quick-xml checks that each piece it reads is UTF-8 again, which costs
    /// most on non-ASCII text, though a `str` is UTF-8 already. So a document
    /// with non-ASCII text is first read through its ASCII view, the same
    /// bytes with each byte of a non-ASCII character replaced by DEL: XML's
    /// markup is all ASCII, so the view has the same elements at the same
    /// offsets, and the names and values are taken from the document. The
    /// view is trusted only where it cannot read otherwise than the document:
    /// when no tag name holds DEL and every name and value is a plain range
    /// of it. Any other document (a name outside ASCII, an entity, a line end
    /// to rewrite, a refusal) is read again as it is.
    pub fn from_document(xml: String) -> Result<Self, XmlError> {
        match ascii_view(&xml).and_then(|view| read_view(&view)) {
            Some(entries) => Ok(Self { document: xml.len(), text: xml, entries }),
            None => Self::read_as_is(xml),
        }
    }

    /// Reads the document itself, with quick-xml's own UTF-8 checks.
    fn read_as_is(xml: String) -> Result<Self, XmlError> {
        let mut entries = Vec::with_capacity(8);
        let mut rewritten = String::new();
        walk(&xml, |name, value| {
            let name = place(&xml, &mut rewritten, &name);
            let value = place(&xml, &mut rewritten, &value);
            entries.push(Entry { name, value });
        })?;
        let document = xml.len();
        let mut text = xml;
        text.push_str(&rewritten);
        Ok(Self { text, document, entries })
    }

    /// The document the elements were read from.
    pub fn document(&self) -> &str {
        self.text.get(..self.document).unwrap_or_default()
    }

    /// The value of the first element called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find_map(|(n, value)| (n == name).then_some(value))
    }

    /// All elements in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|e| (self.span(e.name), self.span(e.value)))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn span(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or_default()
    }
}

/// The document byte for byte, with each byte of a non-ASCII character
/// replaced by [`MASK`]; `None` for an ASCII document.
fn ascii_view(xml: &str) -> Option<String> {
    if xml.is_ascii() {
        return None;
    }
    let view: Vec<u8> = xml.bytes().map(|b| if b.is_ascii() { b } else { MASK }).collect();
    String::from_utf8(view).ok()
}

/// The elements of an ASCII view, as ranges that hold the same names and
/// values in its document; `None` when the view might read otherwise.
fn read_view(view: &str) -> Option<Vec<Entry>> {
    let mut entries = Vec::with_capacity(8);
    let mut plain = true;
    read(view, true, |name, value| match (range_in(view, &name), range_in(view, &value)) {
        (Some(name), Some(value)) => entries.push(Entry { name, value }),
        _ => plain = false,
    })
    .ok()?;
    plain.then_some(entries)
}

/// The range of `part` in `document`, when it was borrowed from it.
fn range_in(document: &str, part: &str) -> Option<Span> {
    if part.is_empty() {
        return Some(Span { start: 0, end: 0 });
    }
    let offset = part.as_ptr().addr().wrapping_sub(document.as_ptr().addr());
    (offset <= document.len() && part.len() <= document.len() - offset)
        .then_some(Span { start: offset, end: offset + part.len() })
}

/// Where `part` is: its range in `document` when it was borrowed from it,
/// or else a range after the document, where it is appended to `rewritten`.
fn place(document: &str, rewritten: &mut String, part: &str) -> Span {
    range_in(document, part).unwrap_or_else(|| {
        let start = document.len() + rewritten.len();
        rewritten.push_str(part);
        Span { start, end: start + part.len() }
    })
}

/// Two element lists are equal when they hold the same names and values in
/// the same order, however their documents were written.
impl PartialEq for Elements {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Elements {}

impl fmt::Debug for Elements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Elements").field("entries", &EntriesDebug(self)).finish()
    }
}

struct EntriesDebug<'a>(&'a Elements);

impl fmt::Debug for EntriesDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}
