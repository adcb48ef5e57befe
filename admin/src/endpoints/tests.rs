use super::*;

#[test]
fn pairs_comments_and_quotes() {
    let values =
        parse("# local stack\nAWS_REGION=us-east-1\n\nTABLE_NAME=\"whosent\"\nexport API_KEY='k=1'\nnot a pair\n");
    assert_eq!(values.get("AWS_REGION").map(String::as_str), Some("us-east-1"));
    assert_eq!(values.get("TABLE_NAME").map(String::as_str), Some("whosent"));
    assert_eq!(values.get("API_KEY").map(String::as_str), Some("k=1"));
    assert_eq!(values.len(), 3);
}
