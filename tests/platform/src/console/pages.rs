//! Home, followers and groups, one user's profile, avatars (docs/console.md,
//! "Home", "Followers and groups", "One user's profile").

use bytes::Bytes;
use serde::Serialize;

use super::{BaseResp, ConsoleRequest, Ctx, Endpoint, Reply};
use crate::image;

const DEFAULT_PAGE_SIZE: usize = 10;
const MAX_PAGE_SIZE: usize = 100;

pub(super) fn home(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::Home)?;
    let token = req.param("token").unwrap_or_default();
    let ticket = ctx.state.sessions.get(token).map(|s| s.ticket.clone()).unwrap_or_default();
    let account = &ctx.world.accounts[account];
    let html = format!(
        concat!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>微信公众平台</title>\n",
            "<script type=\"text/javascript\">\n",
            "window.wx = {{\n",
            "    uin:\"{uin}\",\n",
            "    user_name:\"{user_name}\",\n",
            "    nick_name:\"{nick_name}\",\n",
            "    ticket:\"{ticket}\",\n",
            "    lang:\"zh_CN\",\n",
            "    time:\"{time}\",\n",
            "    data:{{ t:\"{token}\", param:[\"&token={token}\", \"&lang=zh_CN\"].join(\"\") }}\n",
            "}};\n",
            "</script></head>\n",
            "<body class=\"zh_CN\"><div id=\"header\"><span class=\"nickname\">{nick_html}</span></div>",
            "<div id=\"main\"></div></body></html>\n"
        ),
        uin = account.uin,
        user_name = js_string(&account.gh_id),
        nick_name = js_string(&account.nick_name),
        nick_html = super::escape_content(&account.nick_name),
        ticket = ticket,
        time = ctx.now(),
        token = token,
    );
    Ok(Reply::html(html))
}

/// The inside of a JavaScript string literal.
fn js_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('<', "\\x3c").replace('\n', "\\n")
}

#[derive(Serialize)]
struct Contact<'a> {
    id: u64,
    nick_name: &'a str,
    remark_name: &'a str,
    group_id: u32,
}

#[derive(Serialize)]
struct GroupEntry<'a> {
    id: u32,
    name: &'a str,
    cnt: usize,
}

pub(super) fn contacts(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::ContactManage)?;
    let size = req.number::<usize>("pagesize")?.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let page = req.number::<usize>("pageidx")?.unwrap_or(0);
    let group = req.number::<u32>("groupid")?;
    let people = &ctx.world.people;
    let contacts: Vec<Contact<'_>> = ctx
        .state
        .followers(account)
        .filter(|f| group.is_none_or(|g| f.group_id == g))
        .skip(page.saturating_mul(size))
        .take(size)
        .map(|f| {
            let person = &people[f.person];
            Contact {
                id: person.fakeid,
                nick_name: &person.nick_name,
                remark_name: &person.remark_name,
                group_id: f.group_id,
            }
        })
        .collect();
    let sizes = ctx.state.group_sizes(account);
    let groups: Vec<GroupEntry<'_>> = ctx.state.groups[account]
        .iter()
        .map(|g| GroupEntry { id: g.id, name: &g.name, cnt: sizes.get(&g.id).copied().unwrap_or(0) })
        .collect();

    #[derive(Serialize)]
    struct Contacts<'a> {
        contacts: Vec<Contact<'a>>,
    }
    #[derive(Serialize)]
    struct Groups<'a> {
        groups: Vec<GroupEntry<'a>>,
    }
    #[derive(Serialize)]
    struct Page {
        base_resp: BaseResp,
        contact_list: String,
        group_list: String,
    }
    Ok(Reply::json(&Page {
        base_resp: BaseResp::ok(),
        contact_list: serde_json::to_string(&Contacts { contacts }).unwrap_or_default(),
        group_list: serde_json::to_string(&Groups { groups }).unwrap_or_default(),
    }))
}

pub(super) fn modify_group(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::ModifyGroup)?;
    let name = req.param("name").unwrap_or_default().trim();
    if req.param("func") != Some("add") || name.is_empty() {
        return Err(Reply::ret(200_002));
    }
    let group_id = ctx.state.add_group(account, name);
    #[derive(Serialize)]
    struct Created {
        base_resp: BaseResp,
        group_id: u32,
    }
    Ok(Reply::json(&Created { base_resp: BaseResp::ok(), group_id }))
}

pub(super) fn modify_contacts(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::ModifyContacts)?;
    let group = req.number::<u32>("contacttype")?.ok_or_else(|| Reply::ret(200_002))?;
    if !ctx.state.groups[account].iter().any(|g| g.id == group) {
        return Err(Reply::ret(200_002));
    }
    let list = req.param("tofakeidlist").unwrap_or_default();
    let mut persons = Vec::new();
    for part in list.split('|').map(str::trim).filter(|p| !p.is_empty()) {
        let fakeid: u64 = part.parse().map_err(|_| Reply::ret(200_002))?;
        let person = follower(ctx, account, fakeid).ok_or_else(|| Reply::ret(200_002))?;
        persons.push(person);
    }
    if persons.is_empty() {
        return Err(Reply::ret(200_002));
    }
    ctx.state.move_to_group(account, &persons, group);
    #[derive(Serialize)]
    struct Moved {
        ret: &'static str,
        base_resp: BaseResp,
    }
    Ok(Reply::json(&Moved { ret: "0", base_resp: BaseResp::ok() }))
}

/// The person behind `fakeid` if they follow `account` now.
pub(super) fn follower(ctx: &Ctx<'_>, account: usize, fakeid: u64) -> Option<usize> {
    let person = ctx.world.person_by_fakeid(fakeid)?;
    ctx.state.active_follow(account, person.index).map(|f| f.person)
}

pub(super) fn contact_info(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::GetContactInfo)?;
    let fakeid = req.number::<u64>("fakeid")?.ok_or_else(|| Reply::ret(200_002))?;
    let person = follower(ctx, account, fakeid).ok_or_else(|| Reply::ret(200_002))?;
    let group_id = ctx.state.active_follow(account, person).map_or(0, |f| f.group_id);
    let person = &ctx.world.people[person];

    #[derive(Serialize)]
    struct Info<'a> {
        fake_id: u64,
        nick_name: &'a str,
        user_name: &'a str,
        remark_name: &'a str,
        signature: &'a str,
        country: &'a str,
        province: &'a str,
        city: &'a str,
        gender: u8,
        group_id: u32,
    }
    #[derive(Serialize)]
    struct Answer<'a> {
        base_resp: BaseResp,
        contact_info: Info<'a>,
    }
    Ok(Reply::json(&Answer {
        base_resp: BaseResp::ok(),
        contact_info: Info {
            fake_id: person.fakeid,
            nick_name: &person.nick_name,
            user_name: &person.user_name,
            remark_name: &person.remark_name,
            signature: &person.signature,
            country: &person.country,
            province: &person.province,
            city: &person.city,
            gender: person.gender,
            group_id,
        },
    }))
}

pub(super) fn head_img(ctx: &mut Ctx<'_>, req: &ConsoleRequest) -> Result<Reply, Reply> {
    let account = ctx.session(req, Endpoint::GetHeadImg)?;
    let fakeid = req.number::<u64>("fakeid")?.ok_or_else(|| Reply::ret(200_002))?;
    follower(ctx, account, fakeid).ok_or_else(|| Reply::ret(200_002))?;
    let seed = ctx.world.config.seed;
    let jpeg = ctx.state.avatars.entry(fakeid).or_insert_with(|| Bytes::from(image::avatar(seed, fakeid))).clone();
    Ok(Reply::jpeg(jpeg))
}
