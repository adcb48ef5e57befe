//! Hostile people: nicknames, signatures and texts written to break a page
//! that would render them as HTML (markup, script, quotes, a right-to-left
//! override, a 500-character emoji run). Everything they carry must reach a
//! reader as the very same text.
//!
//! Each payload that could run sets `window.__whosentPwned` and opens a
//! dialog, and each element it could inject has the class `whosent-hostile`
//! or `src=x`, so that a test can see whether anything of theirs came alive.

use std::collections::HashSet;

use rand::RngExt;

use super::{Account, Follow, Person, WorldConfig, openid, unique_id};
use crate::rng::{self, Rng};

/// The right-to-left override (U+202E) and the pop that ends it (U+202C).
const RLO: char = '\u{202E}';
const PDF: char = '\u{202C}';

/// Nicknames, one per hostile person (the first one follows every account).
fn nicknames() -> Vec<String> {
    vec![
        r#"<img src=x class=whosent-hostile onerror="window.__whosentPwned='nickname';alert('nickname')">"#.to_owned(),
        r#"</script><script>window.__whosentPwned='script';alert('script')</script>"#.to_owned(),
        r#""'><svg class=whosent-hostile onload="window.__whosentPwned='svg';alert('svg')">"#.to_owned(),
        format!("{RLO}gnp.exe{PDF} Admin &amp; <b class=whosent-hostile>bold</b>"),
        "😈".repeat(500),
    ]
}

/// Signatures, in turn.
const SIGNATURES: &[&str] = &[
    r#"<a class=whosent-hostile href="javascript:alert('signature')">click me</a>"#,
    r#"<style>body{display:none}</style><iframe class=whosent-hostile src="javascript:alert('iframe')"></iframe>"#,
    "line one\n<br>line two ' \" `backtick`",
];

/// What they write.
pub const TEXTS: &[&str] = &[
    r#"<img src=x class=whosent-hostile onerror="window.__whosentPwned='text';alert('text')">"#,
    r#"</script><script>window.__whosentPwned='text script';alert('text script')</script>"#,
    r#"<a class=whosent-hostile href="javascript:alert('link')">免费领取</a> "quoted" 'single' & more"#,
    "\u{202E}txt.exe\u{202C} <- this name runs right to left",
    "{{constructor.constructor('alert(\"template\")')()}} ${alert('template')}",
    "]]><b class=whosent-hostile>cdata</b><![CDATA[",
];

/// A 500-character emoji run, one of the texts too.
pub fn emoji_run() -> String {
    "🔥".repeat(500)
}

/// How many hostile people a world has by default.
pub fn count() -> usize {
    nicknames().len()
}

/// The `n` hostile people, numbered from `first`, drawn from a stream of
/// their own so that the rest of the world stays as it was.
pub(super) fn people(config: &WorldConfig, first: usize, used: &mut HashSet<u64>) -> Vec<Person> {
    let mut rng = rng::stream(config.seed, "hostile", 0);
    let nicknames = nicknames();
    (0..config.hostile)
        .map(|i| Person {
            index: first + i,
            fakeid: unique_id(&mut rng, used),
            nick_name: nicknames[i % nicknames.len()].clone(),
            user_name: String::new(),
            remark_name: String::new(),
            gender: 0,
            country: String::new(),
            province: String::new(),
            city: String::new(),
            signature: SIGNATURES[i % SIGNATURES.len()].to_owned(),
            hostile: true,
        })
        .collect()
}

/// Their follows: the first follows every account, the others one each in turn.
pub(super) fn follows(config: &WorldConfig, accounts: &[Account], people: &[Person], start: i64) -> Vec<Follow> {
    let mut rng = rng::stream(config.seed, "hostile", 1);
    let span = (config.follow_span_days.max(1) * 86_400).max(120);
    let mut follows = Vec::new();
    if accounts.is_empty() {
        return follows;
    }
    for (i, person) in people.iter().filter(|p| p.hostile).enumerate() {
        for account in accounts.iter().filter(|a| i == 0 || a.index == i % accounts.len()) {
            follows.push(Follow {
                account: account.index,
                person: person.index,
                openid: openid(config.seed, account, person),
                follow_time: start - rng.random_range(60..span),
                group_id: 0,
            });
        }
    }
    follows
}

/// A text a hostile person writes.
pub(crate) fn text(rng: &mut Rng) -> String {
    let n = rng.random_range(0..=TEXTS.len());
    TEXTS.get(n).map_or_else(emoji_run, |t| (*t).to_owned())
}
