use super::*;

#[test]
fn only_jpeg_bytes_count_as_an_avatar() {
    assert!(is_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]));
    assert!(!is_jpeg(b"<html><body>login</body></html>"));
    assert!(!is_jpeg(&[0xFF, 0xD8]));
}

#[test]
fn an_unknown_gender_code_becomes_unknown() {
    let mut contact: ContactInfo =
        serde_json::from_str(r#"{"fake_id": "42", "nick_name": "李雷", "gender": 2}"#).expect("contact info");
    assert_eq!(profile_of(&contact).gender, 2);
    assert_eq!(profile_of(&contact).nickname, "李雷");
    contact.gender = 7;
    assert_eq!(profile_of(&contact).gender, 0);
}
