use super::*;

#[test]
fn a_nested_child_keeps_its_inner_xml_verbatim() {
    let elements = Elements::parse("<xml><A><B>1</B><C x='y'/></A><D>2</D></xml>").unwrap();
    assert_eq!(elements.get("A"), Some("<B>1</B><C x='y'/>"));
    assert_eq!(elements.get("D"), Some("2"));
    assert_eq!(elements.get("B"), None);
}

#[test]
fn duplicated_elements_are_all_kept_and_the_first_one_answers() {
    let elements = Elements::parse("<xml><A>1</A><B>x</B><A>2</A></xml>").unwrap();
    assert_eq!(elements.len(), 3);
    assert_eq!(elements.get("A"), Some("1"));
    assert_eq!(elements.iter().collect::<Vec<_>>(), [("A", "1"), ("B", "x"), ("A", "2")]);
}

#[test]
fn equal_documents_give_equal_elements_and_debug_lists_the_entries() {
    let a = Elements::parse("<xml><A>1</A><B/></xml>").unwrap();
    let b = Elements::parse("<xml>\n  <A><![CDATA[1]]></A>\n  <B></B>\n</xml>").unwrap();
    assert_eq!(a, b);
    assert_ne!(a, Elements::parse("<xml><A>1</A></xml>").unwrap());
    assert_eq!(format!("{a:?}"), r#"Elements { entries: [("A", "1"), ("B", "")] }"#);
    assert!(Elements::default().is_empty());
}

/// Documents with non-ASCII text in every place it can be: each must read
/// through the ASCII view exactly as the document itself reads.
const NON_ASCII: &[&str] = &[
    "<xml><A>你好</A><B><![CDATA[世界 <not> &markup;]]></B><C/><D></D></xml>",
    "<xml><名>1</名></xml>",
    "<xml><名>1</另></xml>",
    "<xml><A><名>1</另></A></xml>",
    "<xml><A><B>你</B><C x='好'/></A><D>2</D></xml>",
    "<xml><A x=\"你\">1</A></xml>",
    "<xml><!-- 你 --><?pi 好?><A>1</A></xml>",
    "\u{feff}<xml><A>你</A></xml>",
    "<xml>\u{3000}<A>你</A>\u{3000}</xml>",
    "<xml><A>你 &lt; 好 &#x4F60;</A></xml>",
    "<xml><A>&名;</A></xml>",
    "<xml><A>你\r\n好\r</A></xml>",
    "<xml><A>你<![CDATA[好]]></A></xml>",
    "<xml><A>a\u{7f}你</A></xml>",
    "<xml><A\u{7f}>你</A\u{7f}></xml>",
    "<!DOCTYPE 你><xml/>",
    "<名><A>1</A></名>",
    "<xml><A>你</A>",
    "<xml><A>你</A></xml>好",
    "<xml>你<A>1</A></xml>",
];

#[test]
fn a_document_with_non_ascii_text_reads_through_its_ascii_view_as_it_reads_itself() {
    for xml in NON_ASCII {
        let as_is = Elements::read_as_is((*xml).to_owned());
        assert_eq!(Elements::parse(xml), as_is, "{xml:?}");
        if let Ok(elements) = as_is {
            assert_eq!(Elements::parse(xml).unwrap().document(), *xml);
            assert_eq!(elements.document(), *xml);
        }
    }
}

#[test]
fn the_ascii_view_is_used_only_where_it_reads_like_its_document() {
    let read = |xml: &str| ascii_view(xml).and_then(|view| read_view(&view)).is_some();
    assert!(read("<xml><A>你好</A><B><![CDATA[世界]]></B><C/><D></D></xml>"));
    assert!(read("<xml><A><B>你</B></A></xml>"));
    assert!(!read("<xml><A>plain ASCII</A></xml>"), "an ASCII document needs no view");
    // Names outside ASCII could close on another name in the view.
    assert!(!read("<xml><名>1</名></xml>"));
    assert!(!read("<xml><A><名>1</另></A></xml>"));
    // Rewritten values come from the view's text, not the document's.
    assert!(!read("<xml><A>你 &lt; 好</A></xml>"));
    assert!(!read("<xml><A>你\r\n好</A></xml>"));
    assert!(!read("<xml><A>你<![CDATA[好]]></A></xml>"));
}

#[test]
fn mismatched_names_outside_ascii_are_refused_at_any_depth() {
    for xml in ["<xml><名>1</另></xml>", "<xml><A><名>1</另></A></xml>", "<xml><A><B><名/></B><另>1</名></A></xml>"]
    {
        assert!(matches!(Elements::parse(xml), Err(XmlError::Malformed(_))), "{xml}");
    }
    assert_eq!(Elements::parse("<xml><A>&名;</A></xml>"), Err(XmlError::UnknownEntity("\"&名;\"".to_owned())));
}

/// Many documents built from pieces with and without non-ASCII text, read
/// both ways; a fixed seed keeps the run the same from one time to the next.
#[test]
fn generated_documents_read_alike_both_ways() {
    const PIECES: &[&str] = &[
        "<A>",
        "</A>",
        "<名>",
        "</名>",
        "<另>",
        "</另>",
        "<B/>",
        "<A x='你'>",
        "你好",
        "a b",
        "\u{3000}",
        "\r\n",
        "<![CDATA[世界]]>",
        "<![CDATA[]]>",
        "&lt;",
        "&#x4F60;",
        "&名;",
        "<!-- 你 -->",
        "\u{7f}",
        " ",
        "]]>",
        "<",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..5000 {
        let mut xml = String::from("<xml>");
        for _ in 0..next(9) {
            xml.push_str(PIECES[next(PIECES.len())]);
        }
        xml.push_str("</xml>");
        assert_eq!(Elements::parse(&xml), Elements::read_as_is(xml.clone()), "{xml:?}");
    }
}
