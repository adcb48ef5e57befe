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

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

use crate::quote::quote;

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

/// The children of a `<xml>` root, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Elements {
    entries: Vec<(String, String)>,
}

struct Open {
    name: String,
    value: String,
    start: usize,
    nested: bool,
}

impl Elements {
    /// Parses a flat `<xml>` document.
    pub fn parse(xml: &str) -> Result<Self, XmlError> {
        let mut reader = Reader::from_str(xml);
        let mut entries = Vec::new();
        let mut depth = 0usize;
        let mut root_seen = false;
        let mut open: Option<Open> = None;

        loop {
            let before = position(&reader);
            let event = reader.read_event().map_err(|e| XmlError::Malformed(quote(&e.to_string())))?;
            match event {
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Start(start) => {
                    match depth {
                        0 if root_seen => return Err(malformed("content after the root element")),
                        0 if start.name().as_ref() != "xml" => return Err(XmlError::Root),
                        0 => root_seen = true,
                        1 => {
                            open = Some(Open {
                                name: start.name().as_ref().to_owned(),
                                value: String::new(),
                                start: position(&reader),
                                nested: false,
                            });
                        }
                        _ => {
                            if let Some(open) = open.as_mut() {
                                open.nested = true;
                            }
                        }
                    }
                    depth += 1;
                }
                Event::Empty(empty) => match depth {
                    0 if root_seen => return Err(malformed("content after the root element")),
                    0 if empty.name().as_ref() != "xml" => return Err(XmlError::Root),
                    0 => root_seen = true,
                    1 => entries.push((empty.name().as_ref().to_owned(), String::new())),
                    _ => {
                        if let Some(open) = open.as_mut() {
                            open.nested = true;
                        }
                    }
                },
                Event::End(_) => {
                    if depth == 2
                        && let Some(done) = open.take()
                    {
                        let value = if done.nested {
                            xml.get(done.start..before).unwrap_or_default().to_owned()
                        } else {
                            done.value
                        };
                        entries.push((done.name, value));
                    }
                    depth = depth.saturating_sub(1);
                }
                Event::Text(text) => {
                    let text = text.xml10_content();
                    match depth {
                        2 => push_value(&mut open, &text),
                        d if d > 2 => {}
                        _ if text.trim().is_empty() => {}
                        _ => return Err(malformed("text outside of an element")),
                    }
                }
                Event::CData(cdata) => match depth {
                    2 => push_value(&mut open, &cdata.into_inner()),
                    d if d > 2 => {}
                    _ => return Err(malformed("CDATA outside of an element")),
                },
                Event::GeneralRef(reference) => {
                    let resolved = if reference.is_char_ref() {
                        match reference.resolve_char_ref() {
                            Ok(Some(c)) => c.to_string(),
                            _ => return Err(malformed("invalid character reference")),
                        }
                    } else {
                        let name = reference.into_inner();
                        match resolve_predefined_entity(&name) {
                            Some(s) => s.to_owned(),
                            None => return Err(XmlError::UnknownEntity(quote(&format!("&{name};")))),
                        }
                    };
                    match depth {
                        2 => push_value(&mut open, &resolved),
                        d if d > 2 => {}
                        _ => return Err(malformed("entity reference outside of an element")),
                    }
                }
                Event::Eof => {
                    if !root_seen {
                        return Err(XmlError::Empty);
                    }
                    if depth != 0 {
                        return Err(malformed("unclosed element"));
                    }
                    return Ok(Self { entries });
                }
            }
        }
    }

    /// The value of the first element called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// All elements in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn position(reader: &Reader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

fn push_value(open: &mut Option<Open>, text: &str) {
    if let Some(open) = open.as_mut() {
        open.value.push_str(text);
    }
}

fn malformed(reason: &str) -> XmlError {
    XmlError::Malformed(reason.to_owned())
}
