use super::*;

#[test]
fn markers_depend_on_key_and_openid_and_are_found_again() {
    let a = marker(b"key-1", "oAAA");
    assert_eq!(a.len(), 15);
    assert_eq!(a, marker(b"key-1", "oAAA"));
    assert_ne!(a, marker(b"key-2", "oAAA"));
    assert_ne!(a, marker(b"key-1", "oAAB"));
    let text = reply_text(&a);
    assert_eq!(find_all(&text), vec![a.as_str()]);
    assert!(!text.contains("oAAA"));
    assert!(find_all("ws-12345 ws-zzzzzzzzzzzz").is_empty());
}
