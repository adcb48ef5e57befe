use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

#[test]
fn defaults_and_the_switched_off_window() {
    let config = Config::from_env(env(&[("TABLE_NAME", "t")])).unwrap();
    assert_eq!(config.table, "t");
    assert_eq!(config.ingest.timestamp_window_secs, Some(300));
    let off = Config::from_env(env(&[("TABLE_NAME", "t"), ("PUSH_TIMESTAMP_WINDOW_SECS", "0")])).unwrap();
    assert_eq!(off.ingest.timestamp_window_secs, None);
}

#[test]
fn missing_table_and_bad_numbers_are_named() {
    assert!(matches!(Config::from_env(env(&[])), Err(ConfigError::Missing("TABLE_NAME"))));
    let bad = Config::from_env(env(&[("TABLE_NAME", "t"), ("CACHE_TTL_SECS", "5m")]));
    assert!(matches!(bad, Err(ConfigError::NotSeconds("CACHE_TTL_SECS"))));
}
