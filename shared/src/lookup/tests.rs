use super::*;

#[test]
fn cursors_round_trip_and_are_bound_to_their_account() {
    let cursor = encode_cursor("acct-1", "1795740000#0123456789abcdef");
    assert_eq!(decode_cursor("acct-1", &cursor).unwrap(), "1795740000#0123456789abcdef");
    assert!(matches!(decode_cursor("acct-2", &cursor), Err(LookupError::BadRequest(r)) if r.contains("another")));
    for bad_cursor in ["", "!!!", &URL_SAFE_NO_PAD.encode("acct-1\n17957#x"), &URL_SAFE_NO_PAD.encode("acct-1")] {
        assert!(matches!(decode_cursor("acct-1", bad_cursor), Err(LookupError::BadRequest(_))), "{bad_cursor}");
    }
}

#[test]
fn ids_are_checked_before_any_read() {
    assert!(check_id("openid", "o2AmVbbbo92rS75Y2RnPm7uy1b3X").is_ok());
    for id in ["", "a/b", "x y", &"a".repeat(65), "é"] {
        assert!(check_id("openid", id).is_err(), "{id}");
    }
}
