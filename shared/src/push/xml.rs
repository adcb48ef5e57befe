//! Safe parsing of the platform's flat `<xml>` documents.
//!
//! Every push is a root `<xml>` whose children are named fields, in any order,
//! with plain or CDATA values (docs/push.md, "Message XML"). [`Elements`] keeps all
//! of them, known or not, in document order. A child with nested elements keeps
//! its inner XML verbatim, so nothing the platform sends is lost.
//!
//! Document type declarations are refused outright (they are the door to
//! entity expansion attacks), and so is any entity reference other than the
//! five predefined ones and character references.
//!
//! [`walk`] reads a document once and hands over each child as it ends, its
//! name and value borrowed from the document wherever no entity or line end
//! had to be rewritten: [`Elements`] keeps them as ranges of the document,
//! and an encrypted body is read for its `Encrypt` without copying it.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::quote::quote;

mod elements;
#[cfg(test)]
mod tests;

pub use elements::Elements;

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("document type and entity declarations are not accepted")]
    Doctype,
    /// The entity's name, quoted.
    #[error("undeclared entity reference {0}")]
    UnknownEntity(String),
    #[error("the root element must be <xml>")]
    Root,
    #[error("empty document")]
    Empty,
    /// Why, with any of the document's own text quoted.
    #[error("malformed XML: {0}")]
    Malformed(String),
}

/// Reads a flat `<xml>` document and calls `each` with the name and value
/// of every child of the root, in document order, under the rules of
/// [`Elements::parse`]. Values are borrowed from `xml` unless an entity or
/// a line end had to be rewritten or the value came in several pieces.
///
/// `each` may have been called for the first children when a later part of
/// the document is refused.
pub fn walk<'x>(xml: &'x str, each: impl FnMut(Cow<'x, str>, Cow<'x, str>)) -> Result<(), XmlError> {
    read(xml, false, each)
}

/// The byte that stands for each byte of a non-ASCII character in the ASCII
/// view of a document (see [`Elements::from_document`]): DEL.
const MASK: u8 = 0x7F;

/// [`walk`], and when `masked`, the refusal of any start or empty tag whose
/// name holds [`MASK`] (quick-xml checks every end tag against its start
/// tag), so that an ASCII view is read only where it reads like its document.
fn read<'x>(xml: &'x str, masked: bool, mut each: impl FnMut(Cow<'x, str>, Cow<'x, str>)) -> Result<(), XmlError> {
    let mut reader = Reader::from_str(xml);
    let mut state = Walk { xml, depth: 0, root_seen: false, open: None };
    loop {
        let before = position(&reader);
        let event = reader.read_event().map_err(|e| XmlError::Malformed(quote(&e.to_string())))?;
        if let (true, Event::Start(tag) | Event::Empty(tag)) = (masked, &event) {
            check_name(tag.name().as_ref())?;
        }
        match event {
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Start(start) => {
                state.start(&start, before, position(&reader))?;
                state.depth += 1;
            }
            Event::Empty(empty) => {
                if let Some(name) = state.empty(&empty, before)? {
                    each(name, Cow::Borrowed(""));
                }
            }
            Event::End(_) => {
                if let Some((name, value)) = state.end(before) {
                    each(name, value);
                }
                state.depth = state.depth.saturating_sub(1);
            }
            Event::Text(text) => {
                let text = text.xml10_content();
                if state.depth <= 1 && text.trim().is_empty() {
                    continue;
                }
                state.piece(text, "text outside of an element")?;
            }
            Event::CData(cdata) => state.piece(cdata.into_inner(), "CDATA outside of an element")?,
            Event::GeneralRef(reference) => {
                state.piece(resolve(reference)?, "entity reference outside of an element")?;
            }
            Event::Eof => return state.finish(),
        }
    }
}

/// The state of [`walk`] between events.
struct Walk<'x> {
    xml: &'x str,
    depth: usize,
    root_seen: bool,
    open: Option<Open<'x>>,
}

/// The child of the root being read.
struct Open<'x> {
    name: Cow<'x, str>,
    value: Cow<'x, str>,
    /// Where its content begins in the document.
    start: usize,
    nested: bool,
}

impl<'x> Walk<'x> {
    /// A start tag at `at`, whose content begins at `content`.
    fn start(&mut self, start: &BytesStart<'_>, at: usize, content: usize) -> Result<(), XmlError> {
        match self.depth {
            0 => self.root(start)?,
            1 => {
                self.open =
                    Some(Open { name: self.name(start, at), value: Cow::Borrowed(""), start: content, nested: false })
            }
            _ => self.mark_nested(),
        }
        Ok(())
    }

    /// An empty element at `at`: returns its name when it is a child of the root.
    fn empty(&mut self, empty: &BytesStart<'_>, at: usize) -> Result<Option<Cow<'x, str>>, XmlError> {
        match self.depth {
            0 => self.root(empty)?,
            1 => return Ok(Some(self.name(empty, at))),
            _ => self.mark_nested(),
        }
        Ok(None)
    }

    fn root(&mut self, start: &BytesStart<'_>) -> Result<(), XmlError> {
        if self.root_seen {
            return Err(malformed("content after the root element"));
        }
        if start.name().as_ref() != "xml" {
            return Err(XmlError::Root);
        }
        self.root_seen = true;
        Ok(())
    }

    /// The element's name, borrowed from the document: the tag at `at` is
    /// `<` followed by the name.
    fn name(&self, start: &BytesStart<'_>, at: usize) -> Cow<'x, str> {
        let name = start.name();
        let name = name.as_ref();
        match self.xml.get(at + 1..at + 1 + name.len()) {
            Some(borrowed) if borrowed == name => Cow::Borrowed(borrowed),
            _ => Cow::Owned(name.to_owned()),
        }
    }

    fn mark_nested(&mut self) {
        if let Some(open) = self.open.as_mut() {
            open.nested = true;
        }
    }

    /// An end tag at `at`: returns the child of the root it closes, if any.
    fn end(&mut self, at: usize) -> Option<(Cow<'x, str>, Cow<'x, str>)> {
        if self.depth != 2 {
            return None;
        }
        let done = self.open.take()?;
        let value =
            if done.nested { Cow::Borrowed(self.xml.get(done.start..at).unwrap_or_default()) } else { done.value };
        Some((done.name, value))
    }

    /// A piece of character data: part of the open child's value, ignored
    /// deeper down, refused (with `outside`) above the children.
    fn piece(&mut self, piece: Cow<'x, str>, outside: &str) -> Result<(), XmlError> {
        match self.depth {
            2 => {
                if let Some(open) = self.open.as_mut() {
                    if open.value.is_empty() {
                        open.value = piece;
                    } else {
                        open.value.to_mut().push_str(&piece);
                    }
                }
                Ok(())
            }
            d if d > 2 => Ok(()),
            _ => Err(malformed(outside)),
        }
    }

    fn finish(&self) -> Result<(), XmlError> {
        if !self.root_seen {
            return Err(XmlError::Empty);
        }
        if self.depth != 0 {
            return Err(malformed("unclosed element"));
        }
        Ok(())
    }
}

/// A character reference or one of the five predefined entities.
fn resolve<'x>(reference: BytesRef<'x>) -> Result<Cow<'x, str>, XmlError> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
            _ => Err(malformed("invalid character reference")),
        };
    }
    let name = reference.into_inner();
    match resolve_predefined_entity(&name) {
        Some(s) => Ok(Cow::Borrowed(s)),
        None => Err(XmlError::UnknownEntity(quote(&format!("&{name};")))),
    }
}

fn check_name(name: &str) -> Result<(), XmlError> {
    if name.bytes().any(|b| b == MASK) {
        return Err(malformed("a name outside ASCII in an ASCII view"));
    }
    Ok(())
}

fn position(reader: &Reader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

fn malformed(reason: &str) -> XmlError {
    XmlError::Malformed(reason.to_owned())
}
