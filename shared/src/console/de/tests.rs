use super::*;

#[test]
fn content_is_unescaped_as_console_md_says() {
    assert_eq!(unescape_content("a&nbsp;&amp;&nbsp;b<br/>&lt;c&gt;"), "a & b\n<c>");
    assert_eq!(unescape_content("&amp;nbsp;"), "&nbsp;");
    assert_eq!(unescape_content("测试消息"), "测试消息");
}

#[test]
fn numbers_come_loose_and_lists_twice() {
    #[derive(Deserialize)]
    struct T {
        #[serde(deserialize_with = "u64_loose")]
        a: u64,
        #[serde(deserialize_with = "u64_loose")]
        b: u64,
        #[serde(deserialize_with = "twice")]
        c: Vec<u32>,
        #[serde(deserialize_with = "twice")]
        d: Vec<u32>,
    }
    let t: T = serde_json::from_str(r#"{"a":844735403,"b":"844735403","c":"[1,2]","d":[3]}"#).unwrap();
    assert_eq!((t.a, t.b, t.c, t.d), (844735403, 844735403, vec![1, 2], vec![3]));
    assert!(serde_json::from_str::<T>(r#"{"a":"x","b":1,"c":"[]","d":[]}"#).is_err());
}
