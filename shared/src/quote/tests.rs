use super::*;

#[test]
fn control_characters_are_escaped() {
    assert_eq!(quote("a\r\nINFO forged line"), r#""a\r\nINFO forged line""#);
    assert_eq!(quote("tab\there \u{1b}[31m"), r#""tab\there \u{1b}[31m""#);
}

#[test]
fn long_text_is_cut_at_a_character_boundary() {
    let quoted = quote(&"é".repeat(100));
    assert_eq!(quoted, format!("{:?}…", "é".repeat(32)));
    assert_eq!(quote(&"x".repeat(64)), format!("{:?}", "x".repeat(64)));
}
