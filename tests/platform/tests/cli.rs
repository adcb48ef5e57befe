//! The `platform` binary: `serve` prints its URLs and accounts and serves;
//! `traffic` plays pushes against a callback base and reports.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Answer, Console, Receiver};
use serde_json::Value;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_platform"))
}

/// Reads the first pretty-printed JSON document from the child's stdout.
fn first_document(reader: &mut impl BufRead) -> Value {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "stdout ended early: {text}");
        text.push_str(&line);
        if line == "}\n" {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

#[tokio::test]
async fn serve_prints_urls_and_accounts_and_serves_the_console() {
    let mut child = binary()
        .args(["serve", "--seed", "5", "--accounts", "2", "--followers", "20", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run platform");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let info = tokio::task::spawn_blocking(move || first_document(&mut stdout)).await.unwrap();
    let result = async {
        let console_url = info["console_url"].as_str().expect("console_url");
        assert!(console_url.starts_with("http://127.0.0.1:"));
        assert!(info["truth_url"].as_str().is_some());
        let accounts = info["accounts"].as_array().expect("accounts");
        assert_eq!(accounts.len(), 2);
        let account = &accounts[0]["account"];
        for field in ["id", "gh_id", "appid", "token", "encoding_aes_key", "mode", "username", "password", "uin"] {
            assert!(!account[field].is_null(), "{field}");
        }
        let console =
            Console::login(console_url, account["username"].as_str().unwrap(), account["password"].as_str().unwrap())
                .await;
        let home = console.get("/cgi-bin/home?t=home/index&lang=zh_CN").await.text();
        assert!(home.contains(&format!("uin:\"{}\"", account["uin"])));
    }
    .await;
    child.kill().expect("stop platform");
    let _ = child.wait();
    result
}

#[tokio::test]
async fn traffic_plays_against_a_callback_base_and_reports() {
    let receiver = Receiver::start(|_, _| Answer::ok("success")).await;
    let child = binary()
        .args(["traffic", "--seed", "5", "--followers", "40", "--count", "12", "--pace", "virtual"])
        .args(["--callback-base", &receiver.base])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run platform");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(output.status.success());
    let mut reader = BufReader::new(&output.stdout[..]);
    let _info = first_document(&mut reader);
    let report = first_document(&mut reader);
    assert_eq!(report["report"]["planned"], 12);
    assert_eq!(report["report"]["acknowledged"], 12);
    assert_eq!(report["counters"]["pushes_sent"], 12);
    let received = receiver.received();
    assert_eq!(received.len(), 12);
    assert!(received.iter().all(|r| r.target.starts_with("/wechat/acct-")));
}
