//! The admin CLI against moto (`make test` starts it and sets
//! `AWS_ENDPOINT_URL`): accounts added and updated with their secrets, listed,
//! shown and cleared; the binary itself on an endpoints file.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{KEY_A, KEY_B, console_secret, input, marker_secret, push_secret, put_request, raw_secret, setup, unique};
use local_stack::filter::Filters;
use whosent::console::SessionState;
use whosent::secrets::{Secret, SecretSource};
use whosent::store::{
    AccountRegistry, AccountState, ProfileState, ResolveState, ResolverStore, Sender, SessionStore, Strategy,
};
use whosent_admin::{AdminError, MarkerOrigin, unix_now};
use whosent_integration::LocalAws;

#[tokio::test]
async fn add_creates_the_secrets_and_the_item_and_update_keeps_what_it_should() {
    let (_aws, _table, admin) = setup().await;
    let id = unique("add");
    let added = admin.add_account(&input(&id)).await.unwrap();
    assert!(added.created && added.push_written && added.console_written && added.marker_written);
    assert_eq!(added.marker, MarkerOrigin::Generated);
    let account = admin.store.account(&id).await.unwrap().expect("registered");
    assert_eq!((account.strategy, account.state), (Strategy::UserList, AccountState::Active));
    assert_eq!(account.push_secret, format!("whosent/{id}/push"));
    let push = push_secret(&admin, &id).await;
    assert_eq!(push.token.expose(), "Token2013");
    assert_eq!(push.encoding_aes_key.expose(), KEY_A);
    assert!(push.previous_encoding_aes_key.is_none());
    let marker = marker_secret(&admin, &id).await.marker_key;
    assert_eq!(marker.expose().len(), 64);
    assert!(!raw_secret(&admin, &format!("whosent/{id}/push")).await.contains("marker_key"));
    let (console, version) = console_secret(&admin, &id).await;
    assert_eq!(
        (console.username.as_str(), console.password.expose().as_str()),
        (&*format!("{id}@example.com"), "first-password")
    );

    // The same again: nothing new is written.
    let again = admin.add_account(&input(&id)).await.unwrap();
    assert!(!again.created && !again.push_written && !again.console_written && !again.marker_written);
    assert_eq!(again.marker, MarkerOrigin::Kept);
    assert_eq!(console_secret(&admin, &id).await.1, version);

    // A new key: the old one becomes the previous one; the marker key stays.
    let mut rotated = input(&id);
    rotated.aes_key = Secret::new(KEY_B.into());
    rotated.strategy = Strategy::Auto;
    let out = admin.add_account(&rotated).await.unwrap();
    assert!(out.push_written && !out.console_written);
    let push = push_secret(&admin, &id).await;
    assert_eq!(push.encoding_aes_key.expose(), KEY_B);
    assert_eq!(push.previous_encoding_aes_key.as_ref().map(|k| k.expose().as_str()), Some(KEY_A));
    assert_eq!(marker_secret(&admin, &id).await.marker_key, marker);
    assert_eq!(admin.store.account(&id).await.unwrap().unwrap().strategy, Strategy::Auto);

    // Refused credentials: the same password keeps the state, a new one lifts it.
    let now = unix_now();
    admin
        .store
        .set_account_state(&id, AccountState::CredentialsRejected, Some("-23"), version.as_deref(), now)
        .await
        .unwrap();
    let same = admin.add_account(&rotated).await.unwrap();
    assert!(!same.lifted_rejection);
    assert_eq!(same.account.state, AccountState::CredentialsRejected);
    let mut fixed = rotated.clone();
    fixed.password = Secret::new("second-password".into());
    let lifted = admin.add_account(&fixed).await.unwrap();
    assert!(lifted.console_written && lifted.lifted_rejection);
    let account = admin.store.account_now(&id).await.unwrap().unwrap();
    assert_eq!(account.state, AccountState::Active);
    assert_eq!((account.state_reason, account.rejected_secret_version), (None, None));

    // Any other state is the operator's to clear, even with a new password.
    admin.store.set_account_state(&id, AccountState::CaptchaRequired, Some("-8"), None, now).await.unwrap();
    let mut third = fixed.clone();
    third.password = Secret::new("third-password".into());
    let kept = admin.add_account(&third).await.unwrap();
    assert_eq!(kept.account.state, AccountState::CaptchaRequired);
    assert_eq!(kept.account.state_reason.as_deref(), Some("-8"));

    // Validation comes first.
    let mut bad = input(&id);
    bad.appid = "wx1".into();
    assert!(matches!(admin.add_account(&bad).await, Err(AdminError::Invalid { field: "appid", .. })));
}

#[tokio::test]
async fn list_show_and_clear() {
    let (aws, table, admin) = setup().await;
    let (a, b) = (unique("a"), unique("b"));
    admin.add_account(&input(&b)).await.unwrap();
    let mut time = input(&a);
    time.strategy = Strategy::Time;
    admin.add_account(&time).await.unwrap();
    let listed: Vec<_> = admin.accounts().await.unwrap().into_iter().map(|x| (x.id, x.strategy)).collect();
    assert_eq!(listed, [(a.clone(), Strategy::Time), (b.clone(), Strategy::UserList)]);

    admin
        .store
        .set_account_state(&a, AccountState::CaptchaRequired, Some("-8 captcha"), None, unix_now())
        .await
        .unwrap();
    put_request(&admin, &a, "oWait1", ResolveState::Waiting).await;
    put_request(&admin, &a, "oWait2", ResolveState::Waiting).await;
    put_request(&admin, &a, "oPending", ResolveState::Pending).await;
    put_request(&admin, &a, "oGaveUp", ResolveState::Unresolved).await;
    let session =
        SessionState { token: "t".into(), cookies: Secret::new("c=1".into()), uin: None, created_at: 1_409_735_669 };
    admin.store.save_session(&a, &session, unix_now() + 3600).await.unwrap();

    let report = admin.show(&a).await.unwrap();
    assert_eq!(report.account.state, AccountState::CaptchaRequired);
    assert_eq!(report.account.state_reason.as_deref(), Some("-8 captcha"));
    assert_eq!(report.requests, [("pending", 1), ("waiting", 2), ("unresolved", 1), ("resolved", 0)]);
    assert_eq!(report.last_login, Some(1_409_735_669));
    assert_eq!(admin.show(&b).await.unwrap().last_login, None);

    let mut waiting_profile = Sender {
        account: a.clone(),
        open_id: "oMapped".into(),
        fake_id: Some(42),
        profile_state: Some(ProfileState::Waiting),
        profile_reason: Some("account cannot log in: CaptchaRequired".into()),
        ..Sender::default()
    };
    admin.store.put_sender(&waiting_profile).await.unwrap();
    waiting_profile.open_id = "oFetched".into();
    waiting_profile.profile_state = Some(ProfileState::Fetched);
    admin.store.put_sender(&waiting_profile).await.unwrap();

    let cleared = admin.clear(&a).await.unwrap();
    assert_eq!((cleared.requests, cleared.profiles), (2, 1));
    let asked = admin.store.sender_record(&a, "oMapped").await.unwrap().unwrap();
    assert_eq!((asked.profile_state, asked.profile_reason), (Some(ProfileState::Wanted), None));
    assert!(asked.profile_wanted_at.is_some());
    let fetched = admin.store.sender_record(&a, "oFetched").await.unwrap().unwrap();
    assert_eq!(fetched.profile_state, Some(ProfileState::Fetched));
    let account = admin.store.account_now(&a).await.unwrap().unwrap();
    assert_eq!((account.state, account.state_reason), (AccountState::Active, None));
    for open_id in ["oWait1", "oWait2", "oPending"] {
        let request = admin.store.request(&a, open_id).await.unwrap().unwrap();
        assert_eq!((request.state, request.reason), (ResolveState::Pending, None), "{open_id}");
    }
    assert_eq!(admin.store.request(&a, "oGaveUp").await.unwrap().unwrap().state, ResolveState::Unresolved);

    // On the stream, each resumed request is a record the resolver's filter selects.
    let resolver = Filters::parse(include_str!("../../events/filters.json")).unwrap().get("resolver");
    let resumed: Vec<String> = aws
        .stream_records(&table)
        .await
        .into_iter()
        .filter(|r| r.event_name() == "MODIFY" && resolver.matches(&r.json))
        .filter_map(|r| r.image_string("open_id").map(str::to_owned))
        .collect();
    assert_eq!(resumed, ["oWait1", "oWait2"]);
    // And the profile asked for again is one the profile function's filter selects.
    let profile = Filters::parse(include_str!("../../events/filters.json")).unwrap().get("profile");
    let asked: Vec<String> = aws
        .stream_records(&table)
        .await
        .into_iter()
        .filter(|r| r.event_name() == "MODIFY" && profile.matches(&r.json))
        .filter_map(|r| r.image_string("open_id").map(str::to_owned))
        .collect();
    assert_eq!(asked, ["oMapped"]);

    for missing in [admin.show("nobody").await.map(drop), admin.clear("nobody").await.map(drop)] {
        assert!(matches!(missing, Err(AdminError::NoAccount(_))), "{missing:?}");
    }
}

#[tokio::test]
async fn api_keys_are_added_to_one_secret() {
    let (_aws, _table, admin) = setup().await;
    let secret = unique("whosent/api-keys");
    let first = admin.add_api_key(&secret, None).await.unwrap();
    let second = admin.add_api_key(&secret, Some("given-key-0123456789".into())).await.unwrap();
    admin.add_api_key(&secret, Some(second.clone())).await.unwrap();
    let value = admin.secrets.secret(&secret).await.unwrap().unwrap();
    let keys: serde_json::Value = serde_json::from_str(value.string.expose()).unwrap();
    assert_eq!(keys, serde_json::json!({ "keys": [first, second] }));
    assert!(admin.add_api_key(&secret, Some("short".into())).await.is_err());
}

#[tokio::test]
async fn the_binary_reads_the_endpoints_file_and_secrets_from_stdin_and_prints_none() {
    let aws = LocalAws::connect().await;
    let table = aws.fresh_table("admin-cli").await;
    let dir = std::env::temp_dir().join(unique("whosent-admin"));
    std::fs::create_dir_all(&dir).unwrap();
    let endpoints = dir.join("endpoints.env");
    std::fs::write(
        &endpoints,
        format!(
            "AWS_ENDPOINT_URL={}\nAWS_ACCESS_KEY_ID=testing\nAWS_SECRET_ACCESS_KEY=testing\nAWS_REGION=us-east-1\nTABLE_NAME={table}\nWEBHOOK_URL=http://127.0.0.1:9/lambda-url/webhook\n",
            std::env::var("AWS_ENDPOINT_URL").unwrap()
        ),
    )
    .unwrap();
    let id = unique("cli");
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_whosent"))
            .arg("--endpoints")
            .arg(&endpoints)
            .args(args)
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("TABLE_NAME")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let add = [
        "accounts",
        "add",
        "--id",
        &id,
        "--appid",
        "wx0123456789abcdef",
        "--gh-id",
        "gh_0123456789ab",
        "--token",
        "-",
        "--aes-key",
        KEY_A,
        "--username",
        "u@example.com",
        "--password",
        "-",
        "--strategy",
        "time",
        "--mode",
        "plaintext",
    ];
    let (code, out, err) = run(&add, "SecretToken99\nhunter2-password\n");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains(&format!("callback URL: http://127.0.0.1:9/lambda-url/webhook/wechat/{id}")), "{out}");
    for secret in ["SecretToken99", "hunter2-password", KEY_A] {
        assert!(!out.contains(secret) && !err.contains(secret), "{out}{err}");
    }
    let (code, out, _) = run(&["accounts", "list"], "");
    assert_eq!(code, Some(0));
    assert!(out.contains(&format!("{id}  time       plaintext   active")), "{out}");
    let (code, out, _) = run(&["accounts", "show", &id], "");
    assert_eq!(code, Some(0));
    assert!(out.contains("requests     0 pending, 0 waiting, 0 unresolved, 0 resolved"), "{out}");
    assert!(out.contains("body mode    plaintext"), "{out}");

    let (code, _, err) = run(&["accounts", "show", "nobody"], "");
    assert_eq!(code, Some(1));
    assert!(err.contains("no account nobody"), "{err}");
    let mut bad = add.to_vec();
    bad[9] = "bad token";
    let (code, _, err) = run(&bad, "a-password\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("--token") && !err.contains("bad token"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
