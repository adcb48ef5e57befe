//! The console client and the AWS SDK's client trust exactly the roots of
//! one [`Tls`]: both reach a server under a private test CA when given that
//! CA, and both refuse it on the compiled-in roots.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::*;
use crate::console::{Console, ConsoleConfig, ConsoleError, HttpConsole, SessionState};
use crate::secrets::Secret;

const TEST_CA: &[u8] = include_bytes!("test-ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("test-server.pem");
const SERVER_KEY: &[u8] = include_bytes!("test-server.key");

fn test_ca() -> Tls {
    Tls::with_roots(CertificateDer::pem_slice_iter(TEST_CA).collect::<Result<_, _>>().expect("test CA"))
}

/// An HTTPS server on localhost under the test CA that answers every request
/// with an empty console status / an empty table list. Returns its port.
fn https_server() -> u16 {
    let chain = CertificateDer::pem_slice_iter(SERVER_CERT).collect::<Result<Vec<_>, _>>().expect("chain");
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).expect("key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else { return };
                let mut tls = BufReader::new(rustls::StreamOwned::new(connection, stream));
                let mut line = String::new();
                while tls.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                let body = r#"{"base_resp":{"ret":0,"err_msg":"ok"},"TableNames":[]}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.get_mut().write_all(answer.as_bytes());
                let _ = tls.get_mut().flush();
            });
        }
    });
    port
}

async fn console_call(tls: &Tls, port: u16) -> Result<(), ConsoleError> {
    let console = HttpConsole::with_tls(&ConsoleConfig::new(format!("https://localhost:{port}")), tls)?;
    let session = SessionState { token: "1".into(), cookies: Secret::new("a=b".into()), uin: None, created_at: 0 };
    console.move_to_group(&session, &[1], 100).await
}

async fn sdk_call(tls: &Tls, port: u16) -> bool {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(format!("https://localhost:{port}"))
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("id", "secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .http_client(tls.aws_http_client())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config).list_tables().send().await.is_ok()
}

#[tokio::test]
async fn both_clients_reach_a_server_under_the_roots_they_were_given() {
    let port = https_server();
    let tls = test_ca();
    assert_eq!(console_call(&tls, port).await, Ok(()));
    assert!(sdk_call(&tls, port).await, "the SDK's client trusts the same roots");
}

#[tokio::test]
async fn both_clients_refuse_a_server_outside_the_compiled_in_roots() {
    let port = https_server();
    let shared = Tls::shared();
    assert!(matches!(console_call(shared, port).await, Err(ConsoleError::Transport(_))));
    assert!(!sdk_call(shared, port).await, "the SDK's client does not fall back to the system's store");
}

#[test]
fn the_sdk_gets_the_same_roots_as_the_console_client() {
    let shared = Tls::shared();
    assert!(shared.root_count() > 100, "{}", shared.root_count());
    let pem = pem(&shared.roots);
    let back = CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>().expect("PEM");
    assert_eq!(back.as_slice(), &shared.roots[..]);
}

#[test]
fn the_configuration_is_built_once_per_process() {
    assert!(std::ptr::eq(Tls::shared(), Tls::shared()));
    assert!(Arc::ptr_eq(&Tls::shared().client, &Tls::shared().clone().client));
}
