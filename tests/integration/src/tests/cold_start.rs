use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::*;

const WAIT: Duration = Duration::from_secs(5);

#[test]
fn the_stand_in_notes_next_and_holds_it() {
    let runtime = FakeRuntime::start().expect("bind");
    let mut stream = TcpStream::connect(runtime.address()).expect("connect");
    write!(stream, "GET {NEXT_PATH} HTTP/1.1\r\nhost: x\r\n\r\n").expect("write");
    let seen = runtime.next_seen(WAIT).expect("seen");
    assert!(seen.is_next(), "{seen:?}");
    stream.set_read_timeout(Some(Duration::from_millis(100))).expect("timeout");
    let mut buf = [0_u8; 16];
    assert!(stream.read(&mut buf).is_err(), "/next is held, not answered");
}

#[test]
fn other_requests_are_answered_and_reported() {
    let runtime = FakeRuntime::start().expect("bind");
    let mut stream = TcpStream::connect(runtime.address()).expect("connect");
    let body = r#"{"errorType":"x"}"#;
    let head = format!("POST /2018-06-01/runtime/init/error HTTP/1.1\r\nContent-Length: {}\r\n\r\n", body.len());
    stream.write_all(format!("{head}{body}").as_bytes()).expect("write");
    let seen = runtime.next_seen(WAIT).expect("seen");
    assert_eq!((seen.method.as_str(), seen.path.as_str()), ("POST", "/2018-06-01/runtime/init/error"));
    assert!(!seen.is_next());
    let mut answer = [0_u8; 12];
    stream.read_exact(&mut answer).expect("answer");
    assert_eq!(&answer, b"HTTP/1.1 202");
}

#[test]
fn a_process_that_exits_without_asking_fails_the_measurement() {
    let runtime = FakeRuntime::start().expect("bind");
    let env = lambda_env(&runtime, "none");
    let err = time_to_next(&runtime, Path::new("/bin/true"), &env, WAIT).expect_err("no /next");
    assert!(err.contains("exited"), "{err}");
}

#[test]
fn the_median_is_the_middle_or_the_mean_of_the_two_middles() {
    let ms = Duration::from_millis;
    assert_eq!(median_ms(&mut [ms(9), ms(1), ms(5)]), 5.0);
    assert_eq!(median_ms(&mut [ms(4), ms(1), ms(2), ms(9)]), 3.0);
    assert!(median_ms(&mut []).is_nan());
}

#[test]
fn the_cpu_time_of_a_running_process_is_read_from_its_threads() {
    if cfg!(target_os = "linux") {
        assert!(cpu_time(std::process::id()) > Duration::ZERO);
    }
    assert_eq!(cpu_time(u32::MAX), Duration::ZERO);
}
