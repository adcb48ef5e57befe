//! The web page: one HTML file, its script and its style, embedded in the
//! binary and served without a key (they hold no data; the script asks the
//! API for everything, with the key the reader typed). Also the headers every
//! answer of the function carries, page and API alike.

use lambda_http::http::HeaderValue;
use lambda_http::http::header::{self, HeaderMap, HeaderName};

/// One embedded file.
#[derive(Debug, PartialEq, Eq)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static str,
    pub cache_control: &'static str,
}

const INDEX: Asset = Asset {
    content_type: "text/html; charset=utf-8",
    body: include_str!("../page/index.html"),
    // The HTML names the script and style: always asked for again.
    cache_control: "no-cache",
};

const SCRIPT: Asset = Asset {
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../page/app.js"),
    cache_control: "public, max-age=300",
};

const STYLE: Asset = Asset {
    content_type: "text/css; charset=utf-8",
    body: include_str!("../page/app.css"),
    cache_control: "public, max-age=300",
};

/// What the API's answers carry instead: nothing of them is kept.
pub const API_CACHE_CONTROL: &str = "no-store";

/// Only the function's own script, style and API; images from the API
/// through `blob:` URLs; no framing, no forms, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' blob:; style-src 'self'; \
     script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
     form-action 'none'";

/// The file a path asks for, read from its end like the API routes: a path
/// ending in `/` (the page's own URL, under any prefix) or in `index.html`,
/// `app.js`, `app.css`.
pub fn asset(path: &str) -> Option<&'static Asset> {
    match path.rsplit('/').next() {
        Some("" | "index.html") => Some(&INDEX),
        Some("app.js") => Some(&SCRIPT),
        Some("app.css") => Some(&STYLE),
        _ => None,
    }
}

/// Sets the security headers every answer carries, and its cache policy.
pub fn secure(headers: &mut HeaderMap, cache_control: &'static str) {
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::CACHE_CONTROL, cache_control);
}

#[cfg(test)]
mod tests;
