use super::*;

#[test]
fn secrets_never_print_their_value() {
    let secret = PushSecret {
        token: Secret::new("tok-123".into()),
        encoding_aes_key: Secret::new("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into()),
        previous_encoding_aes_key: None,
    };
    let creds = PushCredentials::try_from(secret.clone()).unwrap();
    let marker = MarkerSecret { marker_key: Secret::new("mk-456".into()) };
    for text in [format!("{secret:?}"), format!("{creds:?}"), format!("{}", secret.token), format!("{marker:?}")] {
        assert!(!text.contains("tok-123") && !text.contains("mk-456") && !text.contains("abcdefg"), "{text}");
    }
    let console = ConsoleSecret { username: "u".into(), password: Secret::new("hunter2".into()) };
    assert!(!format!("{console:?}").contains("hunter2"));
}

#[test]
fn a_bad_secret_names_the_problem_not_the_value() {
    let err = parse::<PushSecret>("acct/push", r#"{"token":"tok-123"}"#).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("encoding_aes_key") && !text.contains("tok-123"), "{text}");
}

#[test]
fn api_keys_accept_exactly_their_keys_and_never_print() {
    let secret = parse::<ApiKeysSecret>("api", r#"{"keys":["k-0123456789abcdef","k-fedcba9876543210"]}"#).unwrap();
    let keys = ApiKeys::try_from(secret).unwrap();
    assert!(keys.accepts("k-0123456789abcdef"));
    assert!(keys.accepts("k-fedcba9876543210"));
    assert!(!keys.accepts("k-0123456789abcdeF"));
    assert!(!keys.accepts("k-0123456789abcde"));
    assert!(!keys.accepts(""));
    assert!(!format!("{keys:?}").contains("0123"));
    let short = parse::<ApiKeysSecret>("api", r#"{"keys":["short"]}"#).unwrap();
    assert!(ApiKeys::try_from(short).is_err());
}
