//! Helpers for the integration tests: a console client that keeps cookies
//! by hand (so tests can leave some out), and a tiny webhook receiver
//! written straight on TCP.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use md5::{Digest, Md5};
use platform::http::{self, HttpResponse};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

pub async fn get(url: &str, headers: &[(&str, &str)]) -> HttpResponse {
    http::request("GET", url, headers, Vec::new(), TIMEOUT).await.expect("GET answered")
}

pub async fn post_form(url: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> HttpResponse {
    let body = encode(form);
    let mut all = vec![("content-type", "application/x-www-form-urlencoded; charset=UTF-8")];
    all.extend_from_slice(headers);
    http::request("POST", url, &all, body.into_bytes(), TIMEOUT).await.expect("POST answered")
}

pub fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (n, v) in pairs {
        s.append_pair(n, v);
    }
    s.finish()
}

/// `(name, value)` of every `Set-Cookie`.
pub fn set_cookies(response: &HttpResponse) -> Vec<(String, String)> {
    response
        .headers_named("set-cookie")
        .filter_map(|c| c.split(';').next())
        .filter_map(|c| c.split_once('='))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

pub fn ret(response: &HttpResponse) -> i64 {
    let json = response.json().unwrap_or_else(|| panic!("JSON answer, got {:?}", response.text()));
    json["base_resp"]["ret"].as_i64().unwrap_or_else(|| panic!("base_resp.ret in {json}"))
}

/// Decodes a JSON string that holds JSON (docs/console.md, "Conventions").
pub fn twice(value: &Value) -> Value {
    serde_json::from_str(value.as_str().unwrap_or_else(|| panic!("a JSON string, got {value}"))).expect("inner JSON")
}

/// A logged-in console client.
#[derive(Debug, Clone)]
pub struct Console {
    pub base: String,
    pub token: String,
    pub cookies: Vec<(String, String)>,
}

impl Console {
    /// Logs in; panics unless `ret` is 0.
    pub async fn login(base: &str, username: &str, password: &str) -> Self {
        let response = login(base, username, &md5_hex(password), "", &[]).await;
        assert_eq!(ret(&response), 0, "login: {}", response.text());
        Self::from_login(base, &response)
    }

    pub fn from_login(base: &str, response: &HttpResponse) -> Self {
        let json = response.json().expect("login JSON");
        let redirect = json["redirect_url"].as_str().expect("redirect_url");
        let token = redirect.rsplit_once("token=").expect("token= in redirect_url").1.to_owned();
        Self { base: base.to_owned(), token, cookies: set_cookies(response) }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn without_cookie(&self, name: &str) -> Self {
        let mut other = self.clone();
        other.cookies.retain(|(n, _)| n != name);
        other
    }

    /// GET `path?query&token=…` with the cookies.
    pub async fn get(&self, path_and_query: &str) -> HttpResponse {
        let sep = if path_and_query.contains('?') { '&' } else { '?' };
        let url = format!("{}{}{}token={}", self.base, path_and_query, sep, self.token);
        let cookie = self.cookie_header();
        get(&url, &[("cookie", &cookie), ("x-requested-with", "XMLHttpRequest")]).await
    }

    /// GET `path?query&token=…` and parse JSON.
    pub async fn get_json(&self, path_and_query: &str) -> Value {
        let response = self.get(path_and_query).await;
        assert_eq!(response.status, 200);
        response.json().unwrap_or_else(|| panic!("JSON from {path_and_query}: {}", response.text()))
    }

    /// POST a form with `token` in it.
    pub async fn post(&self, path_and_query: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> HttpResponse {
        let mut form = form.to_vec();
        form.push(("token", &self.token));
        let cookie = self.cookie_header();
        let mut all = vec![("cookie", cookie.as_str()), ("x-requested-with", "XMLHttpRequest")];
        all.extend_from_slice(headers);
        post_form(&format!("{}{}", self.base, path_and_query), &form, &all).await
    }

    pub async fn contacts(&self, pagesize: usize, pageidx: usize, group: Option<u32>) -> Value {
        let group = group.map(|g| format!("&groupid={g}")).unwrap_or_default();
        self.get_json(&format!(
            "/cgi-bin/contactmanage?t=user/index&pagesize={pagesize}&pageidx={pageidx}&type=0{group}&lang=zh_CN&f=json"
        ))
        .await
    }

    pub async fn message_list(&self, count: usize, day: u32, frommsgid: &str, offset: usize) -> Value {
        self.get_json(&format!(
            "/cgi-bin/message?t=message/list&f=json&lang=zh_CN&count={count}&day={day}&frommsgid={frommsgid}&offset={offset}"
        ))
        .await
    }

    pub async fn dialog(&self, fakeid: u64, uin: u64, createtime: i64) -> Value {
        self.get_json(&format!(
            "/cgi-bin/singlesendpage?tofakeid={fakeid}&action=sync&lastmsgfromfakeid={uin}&lastmsgid=0&createtime={createtime}&lang=zh_CN&f=json&ajax=1"
        ))
        .await
    }

    pub async fn singlesend(&self, fakeid: u64, content: &str, referer: Option<&str>) -> HttpResponse {
        let referer_header = referer.map(|r| ("referer", r));
        let headers: Vec<(&str, &str)> = referer_header.into_iter().collect();
        let fakeid = fakeid.to_string();
        self.post(
            "/cgi-bin/singlesend?t=ajax-response",
            &[("tofakeid", &fakeid), ("type", "1"), ("content", content), ("ajax", "1")],
            &headers,
        )
        .await
    }
}

pub async fn login(base: &str, username: &str, pwd: &str, imgcode: &str, headers: &[(&str, &str)]) -> HttpResponse {
    let referer = format!("{base}/cgi-bin/loginpage?t=wxm2-login&lang=zh_CN");
    let mut all = vec![("referer", referer.as_str())];
    all.extend_from_slice(headers);
    post_form(
        &format!("{base}/cgi-bin/login"),
        &[("username", username), ("pwd", pwd), ("imgcode", imgcode), ("f", "json")],
        &all,
    )
    .await
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub target: String,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What the receiver answers: status, body, after a delay.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Answer {
    pub fn ok(body: impl Into<String>) -> Self {
        Self { status: 200, body: body.into(), delay: Duration::ZERO }
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Behaviour = dyn Fn(usize, &Received) -> Answer + Send + Sync;

/// A webhook stand-in on a loopback port, one request per connection.
pub struct Receiver {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start(behaviour: impl Fn(usize, &Received) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
        let behaviour: Arc<Behaviour> = Arc::new(behaviour);
        let log = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else { continue };
                let behaviour = behaviour.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let Some(received) = read_request(&mut stream).await else { return };
                    let n = {
                        let mut log = log.lock().unwrap();
                        log.push(received.clone());
                        log.len() - 1
                    };
                    let answer = behaviour(n, &received);
                    tokio::time::sleep(answer.delay).await;
                    let head = format!(
                        "HTTP/1.1 {} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        answer.status,
                        answer.body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(answer.body.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self { base, seen, task }
    }

    pub fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.lines();
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let query = target
        .split_once('?')
        .map(|(_, q)| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    Some(Received { method, target, query, body })
}
