use std::borrow::Cow;

use super::*;

/// The children of the root as `walk` hands them over.
type Children<'x> = Vec<(Cow<'x, str>, Cow<'x, str>)>;

fn walked(xml: &str) -> Result<Children<'_>, XmlError> {
    let mut children = Vec::new();
    walk(xml, |name, value| children.push((name, value)))?;
    Ok(children)
}

#[test]
fn plain_and_cdata_values_are_borrowed_from_the_document() {
    let children = walked("<xml><A>plain</A><B><![CDATA[<not> &markup;]]></B><C/></xml>").unwrap();
    let pairs: Vec<(&str, &str)> = children.iter().map(|(n, v)| (&**n, &**v)).collect();
    assert_eq!(pairs, [("A", "plain"), ("B", "<not> &markup;"), ("C", "")]);
    for (name, value) in &children {
        assert!(matches!(name, Cow::Borrowed(_)), "{name}");
        assert!(matches!(value, Cow::Borrowed(_)), "{value}");
    }
}

#[test]
fn entities_and_line_ends_are_rewritten_into_an_owned_value() {
    let children = walked("<xml><A>a &lt;b&gt; &#x4F60;</A><B>one\r\ntwo</B><C>&amp;</C></xml>").unwrap();
    assert_eq!(children[0].1, "a <b> 你");
    assert!(matches!(children[0].1, Cow::Owned(_)));
    assert_eq!(children[1].1, "one\ntwo");
    assert_eq!(children[2].1, "&");
}

#[test]
fn refused_documents_keep_their_reasons() {
    let malformed = |reason: &str| Err(XmlError::Malformed(reason.to_owned()));
    assert_eq!(walked("<!DOCTYPE xml><xml/>"), Err(XmlError::Doctype));
    assert_eq!(walked("<xml><A>&bogus;</A></xml>"), Err(XmlError::UnknownEntity("\"&bogus;\"".to_owned())));
    assert_eq!(walked("<root><A>1</A></root>"), Err(XmlError::Root));
    assert_eq!(walked("   "), Err(XmlError::Empty));
    assert_eq!(walked("<xml/><xml/>"), malformed("content after the root element"));
    assert_eq!(walked("<xml>loose</xml>"), malformed("text outside of an element"));
    assert_eq!(walked("<xml><![CDATA[x]]></xml>"), malformed("CDATA outside of an element"));
    assert_eq!(walked("<xml>&amp;</xml>"), malformed("entity reference outside of an element"));
    assert_eq!(walked("<xml><A>&#0;</A></xml>"), malformed("invalid character reference"));
    assert!(matches!(walked("<xml><A>1</A>"), Err(XmlError::Malformed(_))));
    assert!(matches!(walked("<xml><A>1</B></xml>"), Err(XmlError::Malformed(_))));
}
