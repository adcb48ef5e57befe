use super::*;

#[test]
fn a_required_value_must_be_set_and_not_empty() {
    assert_eq!(Env::from_pairs(&[("T", "t")]).required("T"), Ok("t".to_owned()));
    assert_eq!(Env::from_pairs(&[]).required("T"), Err(ConfigError::Missing("T")));
    assert_eq!(Env::from_pairs(&[("T", "")]).required("T"), Err(ConfigError::Missing("T")));
    assert_eq!(ConfigError::Missing("T").to_string(), "T must be set");
}

#[test]
fn text_falls_back_when_unset_or_empty() {
    let env = Env::from_pairs(&[("SET", "value"), ("EMPTY", "")]);
    assert_eq!(env.text_or("SET", "default"), "value");
    assert_eq!(env.text_or("EMPTY", "default"), "default");
    assert_eq!(env.text_or("UNSET", "default"), "default");
}

#[test]
fn numbers_are_trimmed_and_take_their_default_when_unset() {
    let env = Env::from_pairs(&[("N", " 42 "), ("NEG", "-3")]);
    assert_eq!(env.number("N", 0_u32), Ok(42));
    assert_eq!(env.number("NEG", 0_i64), Ok(-3));
    assert_eq!(env.number("UNSET", 7_usize), Ok(7));
}

#[test]
fn a_bad_number_names_the_variable_and_the_quoted_value() {
    let env = Env::from_pairs(&[("N", "3s"), ("EMPTY", ""), ("NEG", "-1"), ("HUGE", "5000000000")]);
    let err = env.number("N", 0_i64).unwrap_err();
    assert_eq!(err, ConfigError::Invalid { name: "N", expected: "a whole number", value: "\"3s\"".to_owned() });
    assert_eq!(err.to_string(), r#"N must be a whole number, not "3s""#);
    assert!(matches!(env.number("EMPTY", 0_u64), Err(ConfigError::Invalid { name: "EMPTY", .. })));
    assert!(matches!(env.number("NEG", 0_u64), Err(ConfigError::Invalid { name: "NEG", .. })));
    assert!(matches!(env.number("HUGE", 0_u32), Err(ConfigError::Invalid { name: "HUGE", .. })));
}

#[test]
fn a_value_from_outside_is_escaped_and_cut_in_the_error() {
    let long = format!("1\r\nforged {}", "x".repeat(200));
    let pairs = [("N", long.as_str())];
    let message = Env::from_pairs(&pairs).number("N", 0_u64).unwrap_err().to_string();
    assert!(message.starts_with(r#"N must be a whole number, not "1\r\nforged xx"#), "{message}");
    assert!(message.ends_with('…') && !message.contains('\n'), "{message}");
}

#[test]
fn bounds_are_checked() {
    let env = Env::from_pairs(&[("IN", "10"), ("EDGE", "20"), ("OVER", "21"), ("BAD", "ten")]);
    assert_eq!(env.number_in("IN", 5_u64, 0..=20), Ok(10));
    assert_eq!(env.number_in("EDGE", 5_u64, 0..=20), Ok(20));
    assert_eq!(env.number_in("UNSET", 5_u64, 0..=20), Ok(5));
    let over = env.number_in("OVER", 5_u64, 0..=20).unwrap_err();
    assert_eq!(over.to_string(), r#"OVER must be from 0 to 20, not "21""#);
    assert!(matches!(env.number_in("BAD", 5_u64, 0..=20), Err(ConfigError::Invalid { name: "BAD", .. })));
    let negative = Env::from_pairs(&[("N", "-5")]).number_in("N", 1_i64, 0..=i64::MAX);
    assert!(matches!(negative, Err(ConfigError::OutOfRange { name: "N", .. })));
}

#[test]
fn durations_are_whole_seconds_or_milliseconds() {
    let env = Env::from_pairs(&[("S", "90"), ("MS", "250"), ("BAD", "1m"), ("FRACTION", "1.5")]);
    assert_eq!(env.secs("S", Duration::ZERO), Ok(Duration::from_secs(90)));
    assert_eq!(env.millis("MS", Duration::ZERO), Ok(Duration::from_millis(250)));
    assert_eq!(env.secs("UNSET", Duration::from_secs(60)), Ok(Duration::from_secs(60)));
    assert_eq!(
        env.secs("BAD", Duration::ZERO).unwrap_err().to_string(),
        r#"BAD must be a whole number of seconds, not "1m""#
    );
    let fraction = env.millis("FRACTION", Duration::ZERO).unwrap_err().to_string();
    assert_eq!(fraction, r#"FRACTION must be a whole number of milliseconds, not "1.5""#);
}

#[test]
fn a_function_answers_as_the_environment() {
    let env = Env::from_fn(|name| (name == "A").then(|| "1".to_owned()));
    assert_eq!(env.get("A").as_deref(), Some("1"));
    assert_eq!(env.get("B"), None);
    assert_eq!(Env::from_pairs(&[("A", "first"), ("A", "second")]).get("A").as_deref(), Some("first"));
}

#[test]
fn shared_settings_and_their_defaults() {
    let env = Env::from_pairs(&[("TABLE_NAME", "t")]);
    assert_eq!(table(&env), Ok("t".to_owned()));
    assert_eq!(session_table(&env, "t"), "t-sessions");
    let read = console(&env).unwrap();
    assert_eq!(read.base_url, "https://mp.weixin.qq.com");
    assert_eq!(read.timeout, Duration::from_secs(10));
    assert_eq!(deadline_margin(&env), Ok(Duration::from_millis(3000)));
    assert_eq!(table(&Env::from_pairs(&[])), Err(ConfigError::Missing("TABLE_NAME")));
}

#[test]
fn shared_settings_as_set() {
    let env = Env::from_pairs(&[
        ("SESSION_TABLE_NAME", "s"),
        ("CONSOLE_URL", "http://127.0.0.1:9000/"),
        ("CONSOLE_TIMEOUT_SECS", "2"),
        ("DEADLINE_MARGIN_MS", "500"),
    ]);
    assert_eq!(session_table(&env, "t"), "s");
    let read = console(&env).unwrap();
    assert_eq!(read.base_url, "http://127.0.0.1:9000");
    assert_eq!(read.timeout, Duration::from_secs(2));
    assert_eq!(deadline_margin(&env), Ok(Duration::from_millis(500)));
    let bad = Env::from_pairs(&[("CONSOLE_TIMEOUT_SECS", "ten"), ("DEADLINE_MARGIN_MS", "3s")]);
    assert!(matches!(console(&bad), Err(ConfigError::Invalid { name: "CONSOLE_TIMEOUT_SECS", .. })));
    assert!(matches!(deadline_margin(&bad), Err(ConfigError::Invalid { name: "DEADLINE_MARGIN_MS", .. })));
}
