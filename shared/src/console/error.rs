//! Every way a console call can fail, typed.

use crate::quote::quote;

/// A console failure: a `base_resp.ret` code, or HTTP trouble.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsoleError {
    /// 200003: expired or missing token or cookies. Log in again, once.
    #[error("session expired (200003)")]
    SessionExpired,
    /// 200013: frequency control. Back off.
    #[error("frequency control (200013)")]
    FrequencyControl,
    /// 200002: invalid arguments, e.g. a FakeID that does not follow the account.
    #[error("invalid arguments (200002)")]
    InvalidArgument,
    /// -1: system busy. Retry with backoff.
    #[error("system busy (-1)")]
    Busy,
    /// -8: the console demands a captcha; no program can read one.
    #[error("captcha required (-8)")]
    CaptchaRequired,
    /// -27: wrong captcha.
    #[error("wrong captcha (-27)")]
    WrongCaptcha,
    /// -21: no such account.
    #[error("no such account (-21)")]
    NoSuchAccount,
    /// -23: wrong username or password.
    #[error("wrong username or password (-23)")]
    WrongPassword,
    /// -7: access restricted.
    #[error("access restricted (-7)")]
    Restricted,
    /// Any other code, with the console's message quoted.
    #[error("console refused: ret {ret} {message}")]
    Refused { ret: i64, message: String },
    /// A non-2xx HTTP status.
    #[error("HTTP {0}")]
    Http(u16),
    #[error("timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Transport(String),
    /// The answer does not have the shape docs/console.md gives; any of the
    /// answer's own text is quoted.
    #[error("unexpected answer: {0}")]
    Malformed(String),
}

impl ConsoleError {
    /// The error a non-zero `ret` stands for.
    pub fn from_ret(ret: i64, message: &str) -> Self {
        match ret {
            200003 => Self::SessionExpired,
            200013 => Self::FrequencyControl,
            200002 => Self::InvalidArgument,
            -1 => Self::Busy,
            -8 => Self::CaptchaRequired,
            -27 => Self::WrongCaptcha,
            -21 => Self::NoSuchAccount,
            -23 => Self::WrongPassword,
            -7 => Self::Restricted,
            _ => Self::Refused { ret, message: quote(message) },
        }
    }

    /// Whether waiting and trying again may help.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::FrequencyControl | Self::Busy | Self::Timeout | Self::Transport(_) => true,
            Self::Http(status) => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// Whether the session must be renewed by a login.
    pub fn is_session_expired(&self) -> bool {
        matches!(self, Self::SessionExpired)
    }
}

impl From<reqwest::Error> for ConsoleError {
    fn from(err: reqwest::Error) -> Self {
        if err.is_timeout() {
            Self::Timeout
        } else if let Some(status) = err.status() {
            Self::Http(status.as_u16())
        } else if err.is_decode() {
            Self::Malformed(quote(&err.to_string()))
        } else {
            // The URL may carry the session token: never log it.
            Self::Transport(err.without_url().to_string())
        }
    }
}
