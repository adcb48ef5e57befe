use super::*;

#[test]
fn an_account_written_before_the_marker_secret_was_named_reads_with_its_default() {
    let old = r#"{"id":"shop","appid":"wx0123456789abcdef","gh_id":"gh_0123456789ab","strategy":"user_list",
        "state":"active","push_secret":"whosent/shop/push","console_secret":"whosent/shop/console"}"#;
    let account: Account = serde_json::from_str(old).unwrap();
    assert_eq!(account, Account::new("shop", "wx0123456789abcdef", "gh_0123456789ab", Strategy::UserList));
    let mut named = account.clone();
    named.marker_secret = "elsewhere/marker".into();
    let again: Account = serde_json::from_value(serde_json::to_value(&named).unwrap()).unwrap();
    assert_eq!(again, named);
}
