use super::*;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[test]
fn defaults_follow_the_reference_and_numbers_are_checked() -> TestResult {
    let config = Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t")]))?;
    assert_eq!(config.console.base_url, "https://mp.weixin.qq.com");
    assert_eq!(config.resolver.skew_secs, 3);
    assert_eq!(config.resolver.unresolved_group, 0);
    assert!(matches!(Config::from_env(&Env::from_pairs(&[])), Err(ConfigError::Missing("TABLE_NAME"))));
    assert!(matches!(
        Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t"), ("TIME_SKEW_SECS", "3s")])),
        Err(ConfigError::Invalid { name: "TIME_SKEW_SECS", .. })
    ));
    Ok(())
}

#[test]
fn sessions_are_in_their_own_table() -> TestResult {
    let config = Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t")]))?;
    assert_eq!(config.session_table, "t-sessions");
    let config = Config::from_env(&Env::from_pairs(&[("TABLE_NAME", "t"), ("SESSION_TABLE_NAME", "s")]))?;
    assert_eq!(config.session_table, "s");
    Ok(())
}
