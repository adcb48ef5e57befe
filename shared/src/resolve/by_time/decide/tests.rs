use super::*;

fn row(id: u64, fake_id: u64, date_time: i64, content: &str) -> MessageItem {
    MessageItem {
        id,
        kind: 1,
        fake_id,
        nick_name: String::new(),
        date_time,
        content: content.to_owned(),
        source: String::new(),
        to_uin: Some(1),
    }
}

fn text(create_time: i64, content: &str) -> ResolveHint {
    ResolveHint {
        create_time,
        msg_type: "text".into(),
        msg_id: None,
        content: Some(content.into()),
        marker_planted: false,
        event: None,
    }
}

fn one(open_id: &str, hints: Vec<ResolveHint>) -> Vec<(String, Vec<ResolveHint>)> {
    vec![(open_id.to_owned(), hints)]
}

#[test]
fn a_single_fitting_row_within_the_skew_matches() {
    let rows = vec![row(10, 500, 1002, "hi"), row(11, 501, 1010, "hi")];
    let verdicts = decide(&one("oA", vec![text(1000, "hi")]), &rows, 3, &HashMap::new());
    assert_eq!(verdicts["oA"], Verdict::Match { fake_id: 500, message_id: 10 });
    let verdicts = decide(&one("oA", vec![text(1000, "hi")]), &rows, 1, &HashMap::new());
    assert_eq!(verdicts["oA"], Verdict::NotFound, "2 s away with a 1 s skew");
}

#[test]
fn two_followers_with_the_same_text_in_the_same_second_decide_nothing() {
    let rows = vec![row(10, 500, 1000, "hi"), row(11, 501, 1000, "hi")];
    let verdicts = decide(&one("oA", vec![text(1000, "hi")]), &rows, 3, &HashMap::new());
    assert_eq!(verdicts["oA"], Verdict::Ambiguous(vec![500, 501]));
}

#[test]
fn content_and_kind_must_agree() {
    let mut image = row(12, 502, 1000, "");
    image.kind = 2;
    let rows = vec![row(10, 500, 1000, "hello"), row(11, 501, 1000, "hi"), image];
    assert_eq!(
        decide(&one("oA", vec![text(1000, "hi")]), &rows, 3, &HashMap::new())["oA"],
        Verdict::Match { fake_id: 501, message_id: 11 }
    );
    let picture = ResolveHint { msg_type: "image".into(), content: None, ..text(1000, "") };
    assert_eq!(
        decide(&one("oB", vec![picture]), &rows, 3, &HashMap::new())["oB"],
        Verdict::Match { fake_id: 502, message_id: 12 }
    );
}

#[test]
fn the_same_follower_writing_the_same_text_twice_is_one_fakeid() {
    let rows = vec![row(10, 500, 1000, "hi"), row(11, 500, 1001, "hi")];
    assert!(matches!(
        decide(&one("oA", vec![text(1000, "hi")]), &rows, 3, &HashMap::new())["oA"],
        Verdict::Match { fake_id: 500, .. }
    ));
}

#[test]
fn fakeids_mapped_to_another_openid_are_excluded() {
    let rows = vec![row(10, 500, 1000, "hi"), row(11, 501, 1000, "hi")];
    let mapped = HashMap::from([(500, "oOther".to_owned())]);
    assert_eq!(
        decide(&one("oA", vec![text(1000, "hi")]), &rows, 3, &mapped)["oA"],
        Verdict::Match { fake_id: 501, message_id: 11 }
    );
    let mine = HashMap::from([(500, "oA".to_owned())]);
    assert!(matches!(decide(&one("oA", vec![text(1000, "hi")]), &rows, 3, &mine)["oA"], Verdict::Ambiguous(_)));
}

#[test]
fn a_second_push_narrows_the_candidates_and_claims_propagate() {
    let rows = vec![row(10, 500, 1000, "hi"), row(11, 501, 1000, "hi"), row(12, 501, 1030, "bye")];
    let pending =
        vec![("oA".to_owned(), vec![text(1000, "hi")]), ("oB".to_owned(), vec![text(1000, "hi"), text(1030, "bye")])];
    let verdicts = decide(&pending, &rows, 3, &HashMap::new());
    assert_eq!(verdicts["oB"], Verdict::Match { fake_id: 501, message_id: 11 });
    assert_eq!(verdicts["oA"], Verdict::Match { fake_id: 500, message_id: 10 });
}

#[test]
fn the_accounts_own_messages_and_events_never_match() {
    let mut reply = row(10, 1, 1000, "hi");
    reply.source = "biz".into();
    assert_eq!(decide(&one("oA", vec![text(1000, "hi")]), &[reply], 3, &HashMap::new())["oA"], Verdict::NotFound);
    let event = ResolveHint { msg_type: "event".into(), content: None, ..text(1000, "") };
    assert!(!has_row(&event));
}

fn pushed(open_id: &str, create_time: i64, msg_type: &str, content: Option<&str>) -> Features {
    Features {
        open_id: open_id.into(),
        create_time,
        msg_type: msg_type.into(),
        msg_id: None,
        content: content.map(str::to_owned),
        event: None,
        event_key: None,
    }
}

#[test]
fn a_push_alike_from_another_follower_nearby_crowds_the_window() {
    let hello = text(1000, "hello");
    let picture = ResolveHint { msg_type: "image".into(), content: None, ..text(1000, "") };
    let around = [
        pushed("me", 1000, "text", Some("hello")),
        pushed("other", 1005, "text", Some("hello")),
        pushed("other", 1002, "text", Some("bye")),
        pushed("third", 1004, "image", None),
    ];
    // The same text from another follower 5 s later, within 6 s: crowded.
    assert!(crowded(&hello, "me", &around, 6));
    assert!(!crowded(&hello, "me", &around, 4));
    // My own pushes never crowd me; another text does not either.
    assert!(!crowded(&hello, "me", &around[..1], 6));
    assert!(!crowded(&text(1000, "bye"), "me", &around[..1], 6));
    // Pictures have no content to compare: any picture nearby crowds.
    assert!(crowded(&picture, "me", &around, 6));
    assert!(!crowded(&picture, "third", &around, 6));
    // Events have no row and no window.
    let event = ResolveHint { msg_type: "event".into(), content: None, ..text(1000, "") };
    assert!(!crowded(&event, "me", &around, 6));
}
