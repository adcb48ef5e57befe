use super::*;

#[test]
fn defaults_follow_the_reference_and_numbers_are_checked() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    };
    let config = Config::from_env(env(&[("TABLE_NAME", "t")])).unwrap();
    assert_eq!(config.console.base_url, "https://mp.weixin.qq.com");
    assert_eq!(config.resolver.skew_secs, 3);
    assert_eq!(config.resolver.unresolved_group, 0);
    assert!(matches!(Config::from_env(env(&[])), Err(ConfigError::Missing("TABLE_NAME"))));
    assert!(matches!(
        Config::from_env(env(&[("TABLE_NAME", "t"), ("TIME_SKEW_SECS", "3s")])),
        Err(ConfigError::NotANumber("TIME_SKEW_SECS"))
    ));
}

#[test]
fn sessions_are_in_their_own_table() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    };
    let config = Config::from_env(env(&[("TABLE_NAME", "t")])).unwrap();
    assert_eq!(config.session_table, "t-sessions");
    let config = Config::from_env(env(&[("TABLE_NAME", "t"), ("SESSION_TABLE_NAME", "s")])).unwrap();
    assert_eq!(config.session_table, "s");
}
