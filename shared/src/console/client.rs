//! The HTTP adapter: reqwest (rustls, on the shared TLS configuration of
//! [`crate::tls`]), speaking docs/console.md exactly.

use std::time::Duration;

use md5::{Digest, Md5};
use reqwest::header::{CONTENT_TYPE, COOKIE, REFERER, SET_COOKIE};
use serde::de::DeserializeOwned;

use super::Console;
use super::error::ConsoleError;
use super::model::{
    ContactInfo, ContactInfoAnswer, Dialog, DialogAnswer, FollowerPage, FollowersAnswer, GroupCreated, Home,
    LoginAnswer, MessageItem, MessageListAnswer, MessageQuery, NewCountAnswer, SessionState, Status,
};
use crate::quote::quote;
use crate::secrets::Secret;
use crate::tls::Tls;

/// Where the console is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// e.g. `https://mp.weixin.qq.com`, or the emulator's loopback address.
    pub base_url: String,
    /// Per request, connection included.
    pub timeout: Duration,
}

impl ConsoleConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self { base_url: base_url.into().trim_end_matches('/').to_owned(), timeout: Duration::from_secs(10) }
    }
}

/// The console over HTTP. One client serves every account: the session
/// (token and cookies) travels with each call.
#[derive(Debug, Clone)]
pub struct HttpConsole {
    http: reqwest::Client,
    base: String,
}

impl HttpConsole {
    /// A client on the process's shared TLS configuration ([`Tls::shared`]).
    pub fn new(config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Self::with_tls(config, Tls::shared())
    }

    /// A client that trusts the roots of `tls`.
    pub fn with_tls(config: &ConsoleConfig, tls: &Tls) -> Result<Self, ConsoleError> {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls.client_config())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent("Mozilla/5.0 (compatible; whosent)")
            .build()
            .map_err(|e| ConsoleError::Transport(e.to_string()))?;
        Ok(Self { http, base: config.base_url.clone() })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn referer(&self, session: &SessionState) -> String {
        self.url(&format!("/cgi-bin/home?t=home/index&lang=zh_CN&token={}", session.token))
    }

    /// A GET or POST with the session's token, cookies and Ajax headers.
    fn call(&self, method: reqwest::Method, path: &str, session: &SessionState) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header(COOKIE, session.cookies.expose().as_str())
            .header(REFERER, self.referer(session))
            .header("x-requested-with", "XMLHttpRequest")
    }

    /// Sends, checks HTTP and `base_resp`, and decodes the answer as `T`.
    async fn json<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, ConsoleError> {
        let response = request.send().await?;
        let status = response.status();
        if !status.is_success() {
            return Err(ConsoleError::Http(status.as_u16()));
        }
        let body = response.bytes().await?;
        decode(&body)
    }
}

/// Checks `base_resp` and decodes the rest of the answer.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ConsoleError> {
    let status: Status = serde_json::from_slice(body)
        .map_err(|e| ConsoleError::Malformed(format!("no base_resp: {}", quote(&e.to_string()))))?;
    if status.base_resp.ret != 0 {
        return Err(ConsoleError::from_ret(status.base_resp.ret, &status.base_resp.err_msg));
    }
    serde_json::from_slice(body).map_err(|e| ConsoleError::Malformed(quote(&e.to_string())))
}

/// The console's password field: lowercase hex MD5 of the password.
pub fn password_digest(password: &str) -> String {
    hex::encode(Md5::digest(password.as_bytes()))
}

impl Console for HttpConsole {
    async fn login(
        &self,
        username: &str,
        password: &Secret<String>,
        imgcode: Option<&str>,
        now: i64,
    ) -> Result<SessionState, ConsoleError> {
        let pwd = password_digest(password.expose());
        let form = [("username", username), ("pwd", pwd.as_str()), ("imgcode", imgcode.unwrap_or("")), ("f", "json")];
        let response = self
            .http
            .post(self.url("/cgi-bin/login"))
            .header(REFERER, self.url("/cgi-bin/loginpage?t=wxm2-login&lang=zh_CN"))
            .form(&form)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(ConsoleError::Http(response.status().as_u16()));
        }
        let cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(|pair| pair.trim().to_owned())
            .filter(|pair| pair.contains('='))
            .collect();
        let answer: LoginAnswer = decode(&response.bytes().await?)?;
        let token = answer
            .redirect_url
            .split(['?', '&'])
            .find_map(|part| part.strip_prefix("token="))
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| ConsoleError::Malformed("no token in redirect_url".into()))?
            .to_owned();
        if cookies.is_empty() {
            return Err(ConsoleError::Malformed("login set no cookies".into()));
        }
        Ok(SessionState { token, cookies: Secret::new(cookies.join("; ")), uin: None, created_at: now })
    }

    async fn home(&self, session: &SessionState) -> Result<Home, ConsoleError> {
        let path = format!("/cgi-bin/home?t=home/index&lang=zh_CN&token={}", session.token);
        let response = self.call(reqwest::Method::GET, &path, session).send().await?;
        if !response.status().is_success() {
            return Err(ConsoleError::Http(response.status().as_u16()));
        }
        let html = response.text().await?;
        let field = |name: &str| -> Option<String> {
            let start = html.find(&format!("{name}:\""))? + name.len() + 2;
            let end = html[start..].find('"')? + start;
            Some(html[start..end].to_owned())
        };
        // An expired session gets the login page, which has no uin.
        match field("uin").and_then(|u| u.parse().ok()) {
            Some(uin) => Ok(Home { uin, user_name: field("user_name"), nick_name: field("nick_name") }),
            None if html.contains("base_resp") => {
                decode::<Status>(html.as_bytes()).and(Err(ConsoleError::SessionExpired))
            }
            None => Err(ConsoleError::SessionExpired),
        }
    }

    async fn followers(
        &self,
        session: &SessionState,
        group_id: i64,
        page_idx: u32,
        page_size: u32,
    ) -> Result<FollowerPage, ConsoleError> {
        let path = format!(
            "/cgi-bin/contactmanage?t=user/index&pagesize={page_size}&pageidx={page_idx}&type=0&groupid={group_id}&lang=zh_CN&f=json&token={}",
            session.token
        );
        let answer: FollowersAnswer = self.json(self.call(reqwest::Method::GET, &path, session)).await?;
        Ok(FollowerPage { contacts: answer.contact_list.contacts, groups: answer.group_list.groups })
    }

    async fn create_group(&self, session: &SessionState, name: &str) -> Result<i64, ConsoleError> {
        let form = [("func", "add"), ("name", name), ("token", session.token.as_str()), ("ajax", "1")];
        let request = self.call(reqwest::Method::POST, "/cgi-bin/modifygroup?t=ajax-friend-group", session).form(&form);
        let answer: GroupCreated = self.json(request).await?;
        Ok(answer.group_id)
    }

    async fn move_to_group(&self, session: &SessionState, fake_ids: &[u64], group_id: i64) -> Result<(), ConsoleError> {
        let list = fake_ids.iter().map(u64::to_string).collect::<Vec<_>>().join("|");
        let group = group_id.to_string();
        let form = [
            ("contacttype", group.as_str()),
            ("tofakeidlist", list.as_str()),
            ("token", &session.token),
            ("ajax", "1"),
        ];
        let path = "/cgi-bin/modifycontacts?action=modifycontacts&t=ajax-putinto-group";
        let _: Status = self.json(self.call(reqwest::Method::POST, path, session).form(&form)).await?;
        Ok(())
    }

    async fn contact_info(&self, session: &SessionState, fake_id: u64) -> Result<ContactInfo, ConsoleError> {
        let fake_id = fake_id.to_string();
        let random = rand::random::<u32>().to_string();
        let form = [
            ("t", "ajax-getcontactinfo"),
            ("fakeid", fake_id.as_str()),
            ("token", &session.token),
            ("ajax", "1"),
            ("lang", "zh_CN"),
            ("random", &random),
        ];
        let request = self.call(reqwest::Method::POST, "/cgi-bin/getcontactinfo", session).form(&form);
        let answer: ContactInfoAnswer = self.json(request).await?;
        Ok(answer.contact_info)
    }

    async fn avatar(&self, session: &SessionState, fake_id: u64) -> Result<Vec<u8>, ConsoleError> {
        let path = format!("/misc/getheadimg?fakeid={fake_id}&token={}&lang=zh_CN", session.token);
        let response = self.call(reqwest::Method::GET, &path, session).send().await?;
        if !response.status().is_success() {
            return Err(ConsoleError::Http(response.status().as_u16()));
        }
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        // With an expired session the console answers its login page instead.
        if content_type.starts_with("text/html") {
            return Err(ConsoleError::SessionExpired);
        }
        if !content_type.starts_with("image/") {
            return Err(ConsoleError::Malformed(format!("avatar of type {}", quote(content_type))));
        }
        Ok(response.bytes().await?.to_vec())
    }

    async fn messages(&self, session: &SessionState, query: MessageQuery) -> Result<Vec<MessageItem>, ConsoleError> {
        let path = format!(
            "/cgi-bin/message?t=message/list&f=json&lang=zh_CN&count={}&day={}&frommsgid={}&offset={}&token={}",
            query.count.min(100),
            query.day,
            query.from_msg_id,
            query.offset,
            session.token
        );
        let answer: MessageListAnswer = self.json(self.call(reqwest::Method::GET, &path, session)).await?;
        Ok(answer.msg_items.msg_item)
    }

    async fn new_message_count(&self, session: &SessionState, last_msg_id: u64) -> Result<u64, ConsoleError> {
        let path =
            format!("/cgi-bin/getnewmsgnum?f=json&t=ajax-getmsgnum&lastmsgid={last_msg_id}&token={}", session.token);
        let answer: NewCountAnswer = self.json(self.call(reqwest::Method::GET, &path, session)).await?;
        Ok(u64::try_from(answer.new_total).unwrap_or(0))
    }

    async fn dialog(
        &self,
        session: &SessionState,
        to_fake_id: u64,
        account_uin: u64,
        create_time: i64,
    ) -> Result<Dialog, ConsoleError> {
        let path = format!(
            "/cgi-bin/singlesendpage?tofakeid={to_fake_id}&action=sync&lastmsgfromfakeid={account_uin}&lastmsgid=0&createtime={create_time}&token={}&lang=zh_CN&f=json&ajax=1",
            session.token
        );
        let answer: DialogAnswer = self.json(self.call(reqwest::Method::GET, &path, session)).await?;
        Ok(Dialog { to_nick_name: answer.page_info.to_nick_name, messages: answer.page_info.msg_items.msg_item })
    }
}

#[cfg(test)]
mod tests;
