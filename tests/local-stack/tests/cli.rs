//! `event-source` as the local stack starts it (from the workspace root, with
//! the default files): each mapping's invocations are bounded by its
//! function's `Timeout` in `template.yaml`, not by Lambda's longest.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs event-source with `args` against an endpoint where nothing listens
/// (it keeps waiting for its table); its stderr lines, until it exits or
/// `for_` has passed.
fn stderr_lines(args: &[&str], for_: Duration) -> (Vec<String>, Option<i32>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_event-source"))
        .current_dir(root)
        .args(["--table", "whosent-cli-test", "--invoke-url", "http://127.0.0.1:9"])
        .args(args)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("event-source runs");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut lines = Vec::new();
    let mut exited = false;
    let deadline = std::time::Instant::now() + for_;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                exited = true;
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => break,
        }
        if lines.iter().filter(|l| l.contains("mapping ")).count() == 2 {
            break;
        }
    }
    if !exited {
        let _ = child.kill();
    }
    let status = child.wait().ok().filter(|_| exited).and_then(|s| s.code());
    (lines, status)
}

#[test]
fn each_mapping_times_out_after_its_functions_timeout_in_the_template() {
    let (lines, status) = stderr_lines(&["--mapping", "resolver", "--mapping", "profile"], Duration::from_secs(10));
    let mapping = |name: &str| lines.iter().find(|l| l.starts_with(&format!("event-source: mapping {name} ")));
    let (Some(resolver), Some(profile)) = (mapping("resolver"), mapping("profile")) else {
        panic!("no mapping line within 10 s (exit status {status:?}); stderr: {lines:#?}");
    };
    assert!(resolver.contains("timeout 90 s"), "{resolver}");
    assert!(profile.contains("timeout 60 s"), "{profile}");
}

#[test]
fn a_template_that_cannot_be_read_stops_it_with_a_clear_error() {
    let (lines, status) = stderr_lines(&["--template", "/nonexistent/template.yaml"], Duration::from_secs(10));
    assert_eq!(status, Some(1), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with("event-source: cannot read /nonexistent/template.yaml: ")),
        "{lines:#?}"
    );
}
