//! The 2013 web console (docs/console.md): every endpoint, its parameters, its
//! JSON shapes and codes, with injected latency and faults around them.

mod login;
mod messages;
mod pages;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use rand::RngExt as _;
use serde::Serialize;

use crate::Inner;
use crate::http::{self, Answer, Dropped};
use crate::knobs::Fault;
use crate::session::Refusal;
use crate::state::State;
use crate::world::World;

pub(crate) use messages::escape_content;

/// The console's endpoints, by path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    LoginPage,
    Login,
    VerifyCode,
    Home,
    ContactManage,
    ModifyGroup,
    ModifyContacts,
    GetContactInfo,
    GetHeadImg,
    Message,
    GetNewMsgNum,
    SingleSendPage,
    SingleSend,
    Unknown,
}

impl Endpoint {
    fn of(path: &str) -> Self {
        match path {
            "/cgi-bin/loginpage" => Endpoint::LoginPage,
            "/cgi-bin/login" => Endpoint::Login,
            "/cgi-bin/verifycode" => Endpoint::VerifyCode,
            "/cgi-bin/home" => Endpoint::Home,
            "/cgi-bin/contactmanage" => Endpoint::ContactManage,
            "/cgi-bin/modifygroup" => Endpoint::ModifyGroup,
            "/cgi-bin/modifycontacts" => Endpoint::ModifyContacts,
            "/cgi-bin/getcontactinfo" => Endpoint::GetContactInfo,
            "/misc/getheadimg" => Endpoint::GetHeadImg,
            "/cgi-bin/message" => Endpoint::Message,
            "/cgi-bin/getnewmsgnum" => Endpoint::GetNewMsgNum,
            "/cgi-bin/singlesendpage" => Endpoint::SingleSendPage,
            "/cgi-bin/singlesend" => Endpoint::SingleSend,
            _ => Endpoint::Unknown,
        }
    }

    /// The name counters use: the path.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::LoginPage => "/cgi-bin/loginpage",
            Endpoint::Login => "/cgi-bin/login",
            Endpoint::VerifyCode => "/cgi-bin/verifycode",
            Endpoint::Home => "/cgi-bin/home",
            Endpoint::ContactManage => "/cgi-bin/contactmanage",
            Endpoint::ModifyGroup => "/cgi-bin/modifygroup",
            Endpoint::ModifyContacts => "/cgi-bin/modifycontacts",
            Endpoint::GetContactInfo => "/cgi-bin/getcontactinfo",
            Endpoint::GetHeadImg => "/misc/getheadimg",
            Endpoint::Message => "/cgi-bin/message",
            Endpoint::GetNewMsgNum => "/cgi-bin/getnewmsgnum",
            Endpoint::SingleSendPage => "/cgi-bin/singlesendpage",
            Endpoint::SingleSend => "/cgi-bin/singlesend",
            Endpoint::Unknown => "other",
        }
    }

    /// The method each endpoint is called with in docs/console.md.
    fn method(self) -> Option<Method> {
        match self {
            Endpoint::Login
            | Endpoint::ModifyGroup
            | Endpoint::ModifyContacts
            | Endpoint::GetContactInfo
            | Endpoint::SingleSend => Some(Method::POST),
            Endpoint::Unknown => None,
            _ => Some(Method::GET),
        }
    }

    /// Whether an invalid session is answered with the login page (HTML
    /// pages and the avatar) rather than with `ret 200003`.
    fn answers_with_login_page(self) -> bool {
        matches!(self, Endpoint::Home | Endpoint::GetHeadImg | Endpoint::LoginPage)
    }
}

/// A console request, read in full.
pub(crate) struct ConsoleRequest {
    pub method: Method,
    pub path: String,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    cookies: Vec<(String, String)>,
    headers: hyper::HeaderMap,
}

impl ConsoleRequest {
    async fn read(request: Request<Incoming>) -> Option<Self> {
        let (parts, body) = request.into_parts();
        let body = http::read_body(body, 1 << 20).await?;
        let query = parts.uri.query().map(|q| pairs(q.as_bytes())).unwrap_or_default();
        let form = pairs(&body);
        let cookies = parts
            .headers
            .get_all(hyper::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Some(Self {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query,
            form,
            cookies,
            headers: parts.headers,
        })
    }

    /// A parameter from the query string or, failing that, the form body.
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.query, name).or_else(|| find(&self.form, name))
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// An optional number; `Err` (ret 200002) when present but not a number.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Reply> {
        match self.param(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| Reply::ret(200_002)),
        }
    }
}

fn find<'a>(list: &'a [(String, String)], name: &str) -> Option<&'a str> {
    list.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).map(|(n, v)| (n.into_owned(), v.into_owned())).collect()
}

/// A console answer before it becomes an HTTP response.
#[derive(Debug)]
pub(crate) struct Reply {
    status: u16,
    content_type: &'static str,
    body: Bytes,
    cookies: Vec<String>,
}

#[derive(Serialize)]
pub(crate) struct BaseResp {
    pub ret: i64,
    pub err_msg: &'static str,
}

impl BaseResp {
    pub fn of(ret: i64) -> Self {
        Self { ret, err_msg: err_msg(ret) }
    }

    pub fn ok() -> Self {
        Self::of(0)
    }
}

fn err_msg(ret: i64) -> &'static str {
    match ret {
        0 => "ok",
        -1 => "system error",
        -7 => "access restricted",
        -8 => "need verify code",
        -21 => "user not exist",
        -23 => "acct or pwd error",
        -27 => "verify code error",
        10_706 => "customer block",
        200_002 => "invalid args",
        200_003 => "invalid session",
        200_013 => "freq control",
        _ => "error",
    }
}

impl Reply {
    pub fn json(value: &impl Serialize) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_default();
        Self { status: 200, content_type: "application/json; charset=UTF-8", body: body.into(), cookies: Vec::new() }
    }

    /// `{"base_resp":{"ret":…,"err_msg":…}}`.
    pub fn ret(ret: i64) -> Self {
        #[derive(Serialize)]
        struct Only {
            base_resp: BaseResp,
        }
        Self::json(&Only { base_resp: BaseResp::of(ret) })
    }

    pub fn html(body: String) -> Self {
        Self { status: 200, content_type: "text/html; charset=UTF-8", body: body.into(), cookies: Vec::new() }
    }

    pub fn jpeg(body: Bytes) -> Self {
        Self { status: 200, content_type: "image/jpeg", body, cookies: Vec::new() }
    }

    fn status(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: "text/html; charset=UTF-8",
            body: Bytes::from(body.to_owned()),
            cookies: Vec::new(),
        }
    }

    pub fn with_cookie(mut self, name: &str, value: &str) -> Self {
        self.cookies.push(format!("{name}={value}; Path=/; HttpOnly"));
        self
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        let mut builder = Response::builder()
            .status(self.status)
            .header("content-type", self.content_type)
            .header("cache-control", "no-cache, must-revalidate");
        for cookie in &self.cookies {
            builder = builder.header("set-cookie", cookie);
        }
        builder.body(Full::new(self.body)).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
    }
}

/// What a handler sees: the world, the state (locked), the time.
pub(crate) struct Ctx<'a> {
    pub world: &'a World,
    pub state: &'a mut State,
    pub now_ms: i64,
}

impl Ctx<'_> {
    pub fn now(&self) -> i64 {
        self.now_ms.div_euclid(1000)
    }

    /// The account whose session the request carries.
    pub fn session(&mut self, req: &ConsoleRequest, endpoint: Endpoint) -> Result<usize, Reply> {
        let checked = self.state.sessions.check(req.param("token"), |n| req.cookie(n), &self.state.knobs, self.now_ms);
        match checked {
            Ok(session) => {
                let account = session.account;
                let id = &self.world.accounts[account].id;
                self.state.counters.count_account(id, endpoint.name());
                Ok(account)
            }
            Err(Refusal::Invalid) => {
                self.state.counters.invalid_sessions += 1;
                Err(if endpoint.answers_with_login_page() { login_page() } else { Reply::ret(200_003) })
            }
            Err(Refusal::Limited) => {
                self.state.counters.frequency_limited += 1;
                Err(Reply::ret(200_013))
            }
        }
    }
}

/// The console's HTTP entry point.
pub(crate) async fn serve(inner: Arc<Inner>, request: Request<Incoming>) -> Answer {
    let Some(req) = ConsoleRequest::read(request).await else { return Err(Dropped) };
    let endpoint = Endpoint::of(&req.path);
    let (reply, delay, fault) = {
        let mut state = inner.lock();
        let state = &mut *state;
        state.counters.count_request(endpoint.name());
        let latency = state.knobs.latency.sample(&mut state.rng).max(0.0);
        let fault = state.knobs.faults.draw(&mut state.rng);
        let slow = if fault == Some(Fault::Slow) { state.knobs.faults.slow_secs.max(0.0) } else { 0.0 };
        if let Some(fault) = fault {
            state.counters.count_fault(fault);
        }
        let mut ctx = Ctx { world: &inner.world, state, now_ms: inner.clock.now_ms() };
        let reply = match fault {
            Some(Fault::SystemError) => Reply::ret(-1),
            Some(Fault::Http5xx) => {
                let status = if ctx.state.rng.random_bool(0.5) { 502 } else { 503 };
                Reply::status(status, "<html><body><h1>Bad Gateway</h1></body></html>")
            }
            Some(Fault::ExpireSession) => {
                if let Some(token) = req.param("token") {
                    ctx.state.sessions.end(token);
                }
                handle(&mut ctx, endpoint, &req)
            }
            _ => handle(&mut ctx, endpoint, &req),
        };
        (reply, Duration::from_secs_f64(latency + slow), fault)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if fault == Some(Fault::Drop) {
        return Err(Dropped);
    }
    Ok(reply.into_response())
}

fn handle(ctx: &mut Ctx<'_>, endpoint: Endpoint, req: &ConsoleRequest) -> Reply {
    match endpoint.method() {
        None => return Reply::status(404, "<html><body><h1>404 Not Found</h1></body></html>"),
        Some(method) if method != req.method => {
            return Reply::status(405, "<html><body><h1>405 Method Not Allowed</h1></body></html>");
        }
        Some(_) => {}
    }
    let result = match endpoint {
        Endpoint::LoginPage => Ok(login_page()),
        Endpoint::Login => Ok(login::login(ctx, req)),
        Endpoint::VerifyCode => Ok(login::verifycode(ctx, req)),
        Endpoint::Home => pages::home(ctx, req),
        Endpoint::ContactManage => pages::contacts(ctx, req),
        Endpoint::ModifyGroup => pages::modify_group(ctx, req),
        Endpoint::ModifyContacts => pages::modify_contacts(ctx, req),
        Endpoint::GetContactInfo => pages::contact_info(ctx, req),
        Endpoint::GetHeadImg => pages::head_img(ctx, req),
        Endpoint::Message => messages::list(ctx, req),
        Endpoint::GetNewMsgNum => messages::new_count(ctx, req),
        Endpoint::SingleSendPage => messages::dialog(ctx, req),
        Endpoint::SingleSend => messages::send(ctx, req),
        Endpoint::Unknown => Ok(Reply::ret(200_002)),
    };
    result.unwrap_or_else(|reply| reply)
}

/// The login page, also served in place of HTML pages and avatars when the
/// session is not valid.
pub(crate) fn login_page() -> Reply {
    Reply::html(
        concat!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>微信公众平台</title></head>",
            "<body class=\"page_login\"><div class=\"login_frame\"><h3>登录微信公众平台</h3>",
            "<form id=\"loginForm\" action=\"/cgi-bin/login\" method=\"post\">",
            "<input type=\"text\" name=\"username\" placeholder=\"邮箱/微信号/QQ号\">",
            "<input type=\"password\" name=\"pwd\" placeholder=\"密码\">",
            "<input type=\"text\" name=\"imgcode\" placeholder=\"验证码\">",
            "<button type=\"submit\">登录</button></form></div></body></html>"
        )
        .to_owned(),
    )
}
