use whosent::store::{AccountState, Strategy};

use super::*;

#[test]
fn utc_dates() {
    assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(utc(1_409_735_669), "2014-09-03 09:14:29 UTC");
    assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
}

#[test]
fn lists_and_reports_name_states_as_stored() {
    let mut account = Account::new("acct-1", "wx0123456789abcdef", "gh_0123456789ab", Strategy::UserList);
    account.state = AccountState::CredentialsRejected;
    account.state_reason = Some("-23 wrong password".into());
    let list = format_list(std::slice::from_ref(&account));
    assert!(list.starts_with("ID      STRATEGY   MODE        STATE\n"), "{list}");
    assert!(list.contains("acct-1  user_list  safe        credentials_rejected"), "{list}");
    let report =
        AccountReport { account, requests: vec![("pending", 2), ("waiting", 1)], last_login: Some(1_409_735_669) };
    let text = format_report(&report);
    assert!(text.contains("reason       -23 wrong password"), "{text}");
    assert!(text.contains("body mode    safe"), "{text}");
    assert!(text.contains("requests     2 pending, 1 waiting"), "{text}");
    assert!(text.contains("last login   2014-09-03 09:14:29 UTC"), "{text}");
    assert_eq!(
        callback_url("http://127.0.0.1:9000/lambda-url/webhook/", "acct-1"),
        "http://127.0.0.1:9000/lambda-url/webhook/wechat/acct-1"
    );
}
