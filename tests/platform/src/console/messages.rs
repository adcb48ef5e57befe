//! The message list, the new-message count, dialog pages and sending
//! (docs/console.md, "The account's message list", "One user's dialog page",
//! "Sending").

use serde::Serialize;

use super::pages::follower;
use super::{BaseResp, ConsoleRequest, Ctx, Endpoint, Reply};
use crate::state::{ConsoleRecord, State};
use crate::world::World;

const DEFAULT_COUNT: usize = 20;
const MAX_COUNT: usize = 100;
/// The console's days start at midnight China Standard Time (UTC+8).
const TZ_OFFSET: i64 = 8 * 3600;
const FORTY_EIGHT_HOURS: i64 = 48 * 3600;

/// Escapes message text the way the console serves it: `&amp;`, `&lt;`,
/// `&gt;`, `&quot;`, `&nbsp;` for each space, `<br/>` for each line break.
pub(crate) fn escape_content(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            ' ' => out.push_str("&nbsp;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("<br/>"),
            c => out.push(c),
        }
    }
    out
}

/// One row, as the list and the dialog page serve it.
#[derive(Serialize)]
pub(crate) struct MsgItem<'a> {
    id: u64,
    #[serde(rename = "type")]
    kind: u8,
    fakeid: String,
    nick_name: &'a str,
    date_time: i64,
    content: String,
    source: &'static str,
    msg_status: u8,
    has_reply: u8,
    refuse_reason: &'static str,
    multi_item: [u8; 0],
    to_uin: u64,
}

impl<'a> MsgItem<'a> {
    fn of(world: &'a World, record: &ConsoleRecord) -> Self {
        let account = &world.accounts[record.account];
        let person = &world.people[record.person];
        let (fakeid, nick_name, to_uin) = if record.from_biz {
            (account.uin, account.nick_name.as_str(), person.fakeid)
        } else {
            (person.fakeid, person.nick_name.as_str(), account.uin)
        };
        Self {
            id: record.id,
            kind: record.type_code,
            fakeid: fakeid.to_string(),
            nick_name,
            date_time: record.date_time,
            content: escape_content(&record.content),
            source: if record.from_biz { "biz" } else { "" },
            msg_status: 4,
            has_reply: u8::from(record.has_reply),
            refuse_reason: "",
            multi_item: [],
            to_uin,
        }
    }
}

#[derive(Serialize)]
struct MsgItems<'a> {
    msg_item: Vec<MsgItem<'a>>,
}

/// Follower messages the console shows now (not replies, not events).
fn listed(state: &State, account: usize, now_ms: i64) -> impl DoubleEndedIterator<Item = &ConsoleRecord> {
    let kept_from = now_ms.div_euclid(1000) - state.knobs.retention_days * 86_400;
    state.messages[account].iter().filter(move |r| !r.from_biz && r.visible_at_ms <= now_ms && r.date_time >= kept_from)
}

/// The `[from, until)` span of `day`: 0 today, 1 yesterday, 2 the day
/// before, 3 older, 7 all.
fn day_span(day: u32, now: i64) -> Option<(i64, i64)> {
    let today = (now + TZ_OFFSET).div_euclid(86_400) * 86_400 - TZ_OFFSET;
    match day {
        0 => Some((today, i64::MAX)),
        1 => Some((today - 86_400, today)),
        2 => Some((today - 2 * 86_400, today - 86_400)),
        3 => Some((i64::MIN, today - 2 * 86_400)),
        7 => Some((i64::MIN, i64::MAX)),
        _ => None,
    }
}

pub(super) fn list(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::Message)?;
    let count = req.number::<usize>("count")?.unwrap_or(DEFAULT_COUNT).clamp(1, MAX_COUNT);
    let offset = req.number::<usize>("offset")?.unwrap_or(0);
    let from = req.number::<u64>("frommsgid")?.filter(|&id| id != 0);
    let day = req.number::<u32>("day")?.unwrap_or(7);
    let (since, until) = day_span(day, ctx.now()).ok_or_else(|| Reply::ret(200_002))?;
    let items: Vec<MsgItem<'_>> = listed(ctx.state, account, ctx.now_ms)
        .rev()
        .filter(|r| from.is_none_or(|from| r.id < from))
        .filter(|r| (since..until).contains(&r.date_time))
        .skip(offset)
        .take(count)
        .map(|r| MsgItem::of(ctx.world, r))
        .collect();

    #[derive(Serialize)]
    struct Page {
        base_resp: BaseResp,
        msg_items: String,
    }
    Ok(Reply::json(&Page {
        base_resp: BaseResp::ok(),
        msg_items: serde_json::to_string(&MsgItems { msg_item: items }).unwrap_or_default(),
    }))
}

pub(super) fn new_count(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::GetNewMsgNum)?;
    let last = req.number::<u64>("lastmsgid")?.unwrap_or(0);
    let count = listed(ctx.state, account, ctx.now_ms).filter(|r| r.id > last).count();
    #[derive(Serialize)]
    #[allow(non_snake_case)]
    struct Count {
        base_resp: BaseResp,
        newTotalMsgCount: usize,
    }
    Ok(Reply::json(&Count { base_resp: BaseResp::ok(), newTotalMsgCount: count }))
}

pub(super) fn dialog(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::SingleSendPage)?;
    let fakeid = req.number::<u64>("tofakeid")?.ok_or_else(|| Reply::ret(200_002))?;
    let person = follower(ctx, account, fakeid).ok_or_else(|| Reply::ret(200_002))?;
    let since = req.number::<i64>("createtime")?.unwrap_or(0);
    let now_ms = ctx.now_ms;
    let items: Vec<MsgItem<'_>> = ctx
        .state
        .dialog(account, person)
        .rev()
        .filter(|r| r.visible_at_ms <= now_ms && r.date_time >= since)
        .map(|r| MsgItem::of(ctx.world, r))
        .collect();

    #[derive(Serialize)]
    struct PageInfo<'a> {
        to_nick_name: &'a str,
        msg_items: MsgItems<'a>,
    }
    #[derive(Serialize)]
    struct Page<'a> {
        base_resp: BaseResp,
        page_info: PageInfo<'a>,
    }
    Ok(Reply::json(&Page {
        base_resp: BaseResp::ok(),
        page_info: PageInfo {
            to_nick_name: &ctx.world.people[person].nick_name,
            msg_items: MsgItems { msg_item: items },
        },
    }))
}

pub(super) fn send(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::SingleSend)?;
    if !referer_is_dialog_page(req) {
        ctx.state.counters.referer_refused += 1;
        return Err(Reply::ret(200_002));
    }
    if req.param("type").unwrap_or("1") != "1" {
        return Err(Reply::ret(200_002));
    }
    let content = req.param("content").unwrap_or_default();
    if content.is_empty() {
        return Err(Reply::ret(200_002));
    }
    let fakeid = req.number::<u64>("tofakeid").map_err(|_| Reply::ret(-21))?.ok_or_else(|| Reply::ret(-21))?;
    let person = follower(ctx, account, fakeid).ok_or_else(|| Reply::ret(-21))?;
    let now = ctx.now();
    let wrote_lately = ctx.state.dialog(account, person).any(|r| !r.from_biz && r.date_time >= now - FORTY_EIGHT_HOURS);
    if !wrote_lately {
        return Err(Reply::ret(10_706));
    }
    ctx.state.record(ConsoleRecord {
        id: 0,
        account,
        person,
        fakeid,
        from_biz: true,
        type_code: 1,
        content: content.to_owned(),
        date_time: now,
        visible_at_ms: ctx.now_ms,
        has_reply: false,
        create_time: None,
        msg_id: None,
    });
    ctx.state.counters.messages_sent += 1;
    Ok(Reply::ret(0))
}

/// Whether the Referer is a `singlesendpage` URL of this console (same host).
fn referer_is_dialog_page(req: &ConsoleRequest) -> bool {
    let (Some(referer), Some(host)) = (req.header("referer"), req.header("host")) else { return false };
    let Ok(uri) = referer.parse::<hyper::Uri>() else { return false };
    uri.authority().is_some_and(|a| a.as_str().eq_ignore_ascii_case(host)) && uri.path() == "/cgi-bin/singlesendpage"
}

#[cfg(test)]
mod tests;
