use std::time::Instant;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// An invoke API on loopback whose `hung` function never answers (an
/// instance that hangs or died with the request), while others answer at once.
async fn invoke_api() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut request = vec![0; 4096];
                let n = socket.read(&mut request).await.unwrap_or(0);
                if String::from_utf8_lossy(&request[..n]).contains("/functions/hung/") {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return;
                }
                let body = r#"{"batchItemFailures":[]}"#;
                let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    base
}

#[tokio::test]
async fn an_invocation_gives_up_after_its_functions_timeout() {
    let base = invoke_api().await;
    let invoker = HttpInvoker::new(&base, Duration::from_secs(30))
        .expect("client")
        .with_timeout("hung", Duration::from_millis(300));
    assert_eq!(invoker.timeout("hung"), Duration::from_millis(300));
    assert_eq!(invoker.timeout("other"), Duration::from_secs(30));

    let started = Instant::now();
    let error = invoker.invoke("hung", &json!({"Records": []})).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "gave up after {:?}", started.elapsed());
    assert_eq!(error, InvokeError::TimedOut { function: "hung".into(), after: Duration::from_millis(300) });
    assert_eq!(error.to_string(), "hung: task timed out after 0.30 seconds");

    let answer = invoker.invoke("other", &json!({"Records": []})).await.expect("answered");
    assert_eq!(answer, json!({"batchItemFailures": []}));
}
