use super::*;

#[test]
fn escapes_as_console_md_says() {
    assert_eq!(escape_content("a & b"), "a&nbsp;&amp;&nbsp;b");
    assert_eq!(escape_content("<3"), "&lt;3");
    assert_eq!(escape_content("一\n二\r\n三"), "一<br/>二<br/>三");
    assert_eq!(escape_content("测试消息"), "测试消息");
}

#[test]
fn days_start_at_midnight_in_china() {
    // 2014-08-22 09:44:52 +08:00.
    let now = 1_408_671_892;
    let (today, _) = day_span(0, now).unwrap();
    assert_eq!(today, 1_408_636_800); // 2014-08-22 00:00 +08:00
    assert_eq!(day_span(1, now), Some((today - 86_400, today)));
    assert_eq!(day_span(5, now), None);
}
