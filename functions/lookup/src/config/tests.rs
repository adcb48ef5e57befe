use super::*;

#[test]
fn defaults_and_checks() -> Result<(), ConfigError> {
    let config = Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t")]))?;
    assert_eq!(config.lookup.api_keys_secret, "whosent/api-keys");
    assert_eq!(config.lookup.cache_ttl, Duration::from_secs(60));
    assert!(matches!(Config::from_env(&Env::from_pairs(&[])), Err(ConfigError::Missing("TABLE_NAME"))));
    assert!(matches!(
        Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t"), ("CACHE_TTL_SECS", "1m")])),
        Err(ConfigError::Invalid { name: "CACHE_TTL_SECS", .. })
    ));
    Ok(())
}
