//! `POST /cgi-bin/login` and `GET /cgi-bin/verifycode` (docs/console.md, "Login").

use bytes::Bytes;
use md5::{Digest, Md5};
use serde::Serialize;

use super::{BaseResp, ConsoleRequest, Ctx, Reply};
use crate::image;
use crate::session::{CAPTCHA_COOKIE, COOKIE_NAMES, new_captcha};

/// Lowercase hex MD5, as the login form sends the password.
pub(crate) fn md5_hex(password: &str) -> String {
    hex::encode(Md5::digest(password.as_bytes()))
}

pub(super) fn login(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Reply {
    let ret = attempt(ctx, req);
    match ret {
        Ok(token) => {
            ctx.state.counters.logins += 1;
            success(ctx, &token)
        }
        Err(ret) => {
            ctx.state.counters.failed_logins += 1;
            if ret == -8 {
                ctx.state.counters.captcha_demanded += 1;
            }
            Reply::ret(ret)
        }
    }
}

/// Checks a login; the new session's token, or the `ret` code.
fn attempt(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<String, i64> {
    let username = req.param("username").unwrap_or_default();
    let pwd = req.param("pwd").unwrap_or_default();
    let imgcode = req.param("imgcode").unwrap_or_default().trim();
    let account = ctx.world.accounts.iter().find(|a| a.username == username).ok_or(-21)?;
    let captcha_after = ctx.state.knobs.captcha_after.max(1);
    let guard = ctx.state.sessions.guards.entry(username.to_owned()).or_default();
    if guard.captcha_required {
        if imgcode.is_empty() {
            return Err(-8);
        }
        // A captcha is good for one try, right or wrong.
        let issued = guard.captcha.take();
        let passed =
            issued.is_some_and(|c| c.text.eq_ignore_ascii_case(imgcode) && req.cookie(CAPTCHA_COOKIE) == Some(&c.sig));
        if !passed {
            return Err(-27);
        }
    }
    if !pwd.eq_ignore_ascii_case(&md5_hex(&account.password)) {
        guard.failures += 1;
        if guard.failures >= captcha_after {
            guard.captcha_required = true;
        }
        return Err(-23);
    }
    if ctx.state.blocked[account.index] {
        return Err(-7);
    }
    *guard = Default::default();
    let session = ctx.state.sessions.open(account, &mut ctx.state.rng, ctx.now_ms);
    Ok(session.token.clone())
}

fn success(ctx: &mut Ctx<'_>, token: &str) -> Reply {
    #[derive(Serialize)]
    struct Success {
        base_resp: BaseResp,
        redirect_url: String,
    }
    let mut reply = Reply::json(&Success {
        base_resp: BaseResp::ok(),
        redirect_url: format!("/cgi-bin/home?t=home/index&lang=zh_CN&token={token}"),
    });
    let cookies = ctx.state.sessions.cookies_of(token).unwrap_or_default();
    for (name, value) in COOKIE_NAMES.iter().zip(cookies) {
        reply = reply.with_cookie(name, &value);
    }
    reply
}

pub(super) fn verifycode(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Reply {
    let username = req.param("username").unwrap_or_default().to_owned();
    let captcha = new_captcha(&mut ctx.state.rng);
    let jpeg = image::captcha(&captcha.text, &mut ctx.state.rng);
    let sig = captcha.sig.clone();
    ctx.state.sessions.guards.entry(username).or_default().captcha = Some(captcha);
    Reply::jpeg(Bytes::from(jpeg)).with_cookie(CAPTCHA_COOKIE, &sig)
}
