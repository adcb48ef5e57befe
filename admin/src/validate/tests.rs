use super::*;

fn field_of(result: Result<(), AdminError>) -> Option<&'static str> {
    match result {
        Ok(()) => None,
        Err(AdminError::Invalid { field, .. }) => Some(field),
        Err(other) => panic!("not a validation error: {other}"),
    }
}

#[test]
fn account_ids_are_path_segments() {
    for ok in ["acct-1", "a", "shop_2.cn", &"x".repeat(64)] {
        assert_eq!(field_of(account_id(ok)), None, "{ok}");
    }
    for bad in ["", "a/b", "a b", ".hidden", "中文", &"x".repeat(65), "a?b"] {
        assert_eq!(field_of(account_id(bad)), Some("id"), "{bad}");
    }
}

#[test]
fn appids_and_gh_ids_have_the_platforms_shape() {
    assert_eq!(field_of(appid("wx0123456789abcdef")), None);
    assert_eq!(field_of(appid("wx0123456789ABCDEF")), None);
    for bad in
        ["0123456789abcdef", "wx0123456789abcde", "wx0123456789abcdefg", "wx0123456789abcdeg", "WX0123456789abcdef"]
    {
        assert_eq!(field_of(appid(bad)), Some("appid"), "{bad}");
    }
    assert_eq!(field_of(gh_id("gh_0123456789ab")), None);
    for bad in ["gh_0123456789a", "gh_0123456789abc", "gh-0123456789ab", "0123456789ab", "gh_0123456789ag"] {
        assert_eq!(field_of(gh_id(bad)), Some("gh-id"), "{bad}");
    }
}

#[test]
fn tokens_are_3_to_32_letters_or_digits() {
    for ok in ["abc", "Token2013", &"a1".repeat(16)] {
        assert_eq!(field_of(token(ok)), None, "{ok}");
    }
    for bad in ["ab", &"a".repeat(33), "tok en", "tok-en", "tok_en", "tøken"] {
        assert_eq!(field_of(token(bad)), Some("token"), "{bad}");
    }
}

#[test]
fn encoding_aes_keys_decode_leniently_to_32_bytes() {
    // Real keys end in a character whose low bits a strict decoder refuses.
    let real = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    assert_eq!(field_of(aes_key("aes-key", real)), None);
    assert_eq!(field_of(aes_key("aes-key", &format!("{}+", &real[..42]))), None);
    assert_eq!(field_of(aes_key("aes-key", &real[..42])), Some("aes-key"), "42 characters");
    assert_eq!(field_of(aes_key("aes-key", &format!("{real}="))), Some("aes-key"), "44 characters");
    assert_eq!(field_of(aes_key("previous-aes-key", &format!("{}!", &real[..42]))), Some("previous-aes-key"));
    assert_eq!(field_of(aes_key("aes-key", &format!("{}-", &real[..42]))), Some("aes-key"), "not base64url");
}

#[test]
fn other_fields() {
    assert_eq!(field_of(marker_key("0123456789abcdef")), None);
    assert_eq!(field_of(marker_key("short")), Some("marker-key"));
    assert_eq!(field_of(marker_key("with a space in it")), Some("marker-key"));
    assert_eq!(field_of(console_field("username", "acct-1@example.com")), None);
    assert_eq!(field_of(console_field("password", "")), Some("password"));
    assert_eq!(field_of(console_field("password", "two\nlines")), Some("password"));
    assert_eq!(field_of(webhook_base("https://example.com/prod")), None);
    assert_eq!(field_of(webhook_base("example.com")), Some("webhook-base"));
}

#[test]
fn a_refused_value_is_never_in_the_message() {
    let secret = "Secret_Token_Value";
    let message = token(secret).unwrap_err().to_string();
    assert!(!message.contains(secret), "{message}");
    let key = "!".repeat(43);
    let message = aes_key("aes-key", &key).unwrap_err().to_string();
    assert!(!message.contains(&key), "{message}");
}
