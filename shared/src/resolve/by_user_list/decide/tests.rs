use super::*;
use crate::console::MessageItem;

fn item(id: u64, source: &str, content: &str, to_uin: Option<u64>) -> MessageItem {
    MessageItem {
        id,
        kind: 1,
        fake_id: if source == "biz" { 1 } else { 500 },
        nick_name: String::new(),
        date_time: 1000 + id as i64,
        content: content.to_owned(),
        source: source.to_owned(),
        to_uin,
    }
}

#[test]
fn only_the_accounts_own_messages_carry_markers() {
    let mine = marker::marker(b"k", "oA");
    let theirs = marker::marker(b"k", "oB");
    let dialog = Dialog {
        to_nick_name: "x".into(),
        messages: vec![
            item(3, "", &format!("look: {theirs}"), Some(1)),
            item(2, "biz", &marker::reply_text(&mine), Some(500)),
            item(1, "", "hello", Some(1)),
        ],
    };
    let found = markers_in(&dialog, 500);
    assert_eq!(found, vec![Found { marker: mine.clone(), fake_id: 500, message_id: 2 }]);
    let table = marker_table(b"k", ["oA", "oB"]);
    assert_eq!(table[&mine], "oA");
    // 1003 came after the last answer (1002): not answered yet.
    assert_eq!(newest_answered(&dialog), 1001);
}
