use super::*;

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && bytes.ends_with(&[0xFF, 0xD9])
}

#[test]
fn avatars_are_jpegs_and_differ_per_person() {
    let a = avatar(1, 844_735_403);
    let b = avatar(1, 844_735_404);
    assert!(is_jpeg(&a) && is_jpeg(&b));
    assert_ne!(a, b);
    assert_eq!(a, avatar(1, 844_735_403));
}

#[test]
fn captcha_is_a_jpeg() {
    let mut rng = rng::stream(1, "captcha", 0);
    assert!(is_jpeg(&captcha("4821", &mut rng)));
}
