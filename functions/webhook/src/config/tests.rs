use super::*;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[test]
fn defaults_and_the_switched_off_window() -> TestResult {
    let config = Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t")]))?;
    assert_eq!(config.table, "t");
    assert_eq!(config.ingest.timestamp_window_secs, Some(300));
    assert_eq!(config.ingest.sender_cache_ttl.as_secs(), 60);
    let off = Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t"), ("PUSH_TIMESTAMP_WINDOW_SECS", "0")]))?;
    assert_eq!(off.ingest.timestamp_window_secs, None);
    Ok(())
}

#[test]
fn missing_table_and_bad_numbers_are_named() {
    assert!(matches!(Config::from_env(&Env::from_pairs(&[])), Err(ConfigError::Missing("TABLE_NAME"))));
    let bad = Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t"), ("CACHE_TTL_SECS", "5m")]));
    assert!(matches!(bad, Err(ConfigError::Invalid { name: "CACHE_TTL_SECS", .. })));
}
