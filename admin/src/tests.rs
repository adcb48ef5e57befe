use super::*;

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("whosent").chain(args.iter().copied()))
}

fn add_args(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "accounts",
        "add",
        "--id",
        "acct-1",
        "--appid",
        "wx0123456789abcdef",
        "--gh-id",
        "gh_0123456789ab",
        "--username",
        "acct-1@example.com",
        "--strategy",
        "user-list",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn input_of(extra: &[&str], lines: &[&str]) -> Result<AccountInput, AdminError> {
    let args = add_args(extra);
    let cli = parse(&args.iter().map(String::as_str).collect::<Vec<_>>()).expect("parses");
    let Command::Accounts(AccountsCommand::Add(add)) = cli.command else { panic!("not add") };
    let mut lines = lines.iter().map(|s| s.to_string()).collect::<std::collections::VecDeque<_>>();
    account_input(&add, &mut |field| lines.pop_front().ok_or(AdminError::Input(format!("no line for {field}"))))
}

#[test]
fn secrets_may_come_from_stdin_in_order() {
    let input = input_of(&["--token", "-", "--aes-key", "-", "--password", "-"], &["Token123", KEY, "pw"]).unwrap();
    assert_eq!(input.token.expose(), "Token123");
    assert_eq!(input.aes_key.expose(), KEY);
    assert_eq!(input.password.expose(), "pw");
    assert_eq!(input.strategy, Strategy::UserList);
    assert_eq!(input.mode, None, "no --mode: the stored mode stays");
    assert!(input.marker_key.is_none());
    let short = input_of(&["--token", "-", "--aes-key", KEY, "--password", "-"], &["Token123"]);
    assert!(matches!(short, Err(AdminError::Input(_))), "{short:?}");
}

#[test]
fn invalid_input_is_refused_before_anything_is_written() {
    let bad = input_of(&["--token", "to ken", "--aes-key", KEY, "--password", "pw"], &[]);
    assert!(matches!(bad, Err(AdminError::Invalid { field: "token", .. })), "{bad:?}");
    let bad = input_of(&["--token", "Token123", "--aes-key", &KEY[1..], "--password", "pw"], &[]);
    assert!(matches!(bad, Err(AdminError::Invalid { field: "aes-key", .. })), "{bad:?}");
    let bad = input_of(&["--token", "Token123", "--aes-key", KEY, "--password", "pw", "--marker-key", "x"], &[]);
    assert!(matches!(bad, Err(AdminError::Invalid { field: "marker-key", .. })), "{bad:?}");
    assert_eq!(bad.unwrap_err().exit_code(), 2);
}

#[test]
fn the_strategy_and_the_required_arguments_are_checked_by_the_parser() {
    assert!(parse(&["accounts", "add", "--id", "a"]).is_err());
    let mut args = add_args(&["--token", "Token123", "--aes-key", KEY, "--password", "pw"]);
    let at = args.iter().position(|a| a == "user-list").unwrap();
    args[at] = "sometimes".into();
    assert!(parse(&args.iter().map(String::as_str).collect::<Vec<_>>()).is_err());
    assert!(parse(&["--local", "accounts", "list"]).is_ok());
    assert!(parse(&["accounts", "show", "acct-1", "--local"]).is_ok(), "global flags go anywhere");
    assert!(parse(&["table", "create", "--table", "t"]).is_ok());
    assert!(parse(&["api-keys", "add"]).is_ok());
}

#[test]
fn the_body_mode_is_one_of_three() {
    for (typed, mode) in
        [("plaintext", BodyMode::Plaintext), ("compatible", BodyMode::Compatible), ("safe", BodyMode::Safe)]
    {
        let input = input_of(&["--token", "Token123", "--aes-key", KEY, "--password", "pw", "--mode", typed], &[]);
        assert_eq!(input.unwrap().mode, Some(mode), "{typed}");
    }
    let args = add_args(&["--token", "Token123", "--aes-key", KEY, "--password", "pw", "--mode", "encrypted"]);
    assert!(parse(&args.iter().map(String::as_str).collect::<Vec<_>>()).is_err());
}
