use super::*;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<'static> {
    Env::from_pairs(pairs)
}

#[test]
fn defaults_and_checked_numbers() -> TestResult {
    let config = Config::from_env(&env(&[("TABLE_NAME", "t")]))?;
    assert_eq!(config.console.base_url, "https://mp.weixin.qq.com");
    assert_eq!(config.profiles.avatar_max_bytes, 256 * 1024);
    assert!(matches!(Config::from_env(&env(&[])), Err(ConfigError::Missing("TABLE_NAME"))));
    assert!(matches!(
        Config::from_env(&env(&[("TABLE_NAME", "t"), ("AVATAR_MAX_BYTES", "big")])),
        Err(ConfigError::Invalid { name: "AVATAR_MAX_BYTES", .. })
    ));
    Ok(())
}

#[test]
fn an_avatar_limit_beyond_an_item_is_refused() -> TestResult {
    assert!(matches!(
        Config::from_env(&env(&[("TABLE_NAME", "t"), ("AVATAR_MAX_BYTES", "409600")])),
        Err(ConfigError::OutOfRange { name: "AVATAR_MAX_BYTES", .. })
    ));
    let config = Config::from_env(&env(&[("TABLE_NAME", "t"), ("AVATAR_MAX_BYTES", "1000")]))?;
    assert_eq!(config.profiles.avatar_max_bytes, 1000);
    Ok(())
}

#[test]
fn sessions_are_in_their_own_table() -> TestResult {
    let config = Config::from_env(&env(&[("TABLE_NAME", "t")]))?;
    assert_eq!(config.session_table, "t-sessions");
    let config = Config::from_env(&env(&[("TABLE_NAME", "t"), ("SESSION_TABLE_NAME", "s")]))?;
    assert_eq!(config.session_table, "s");
    Ok(())
}
