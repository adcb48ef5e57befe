use super::*;

#[test]
fn parents_come_before_their_children() {
    let shard = |id: &str, parent: Option<&str>| Shard { id: id.into(), parent: parent.map(Into::into), closed: false };
    let order = lineage_order(vec![
        shard("c", Some("b")),
        shard("b", Some("a")),
        shard("x", Some("trimmed")),
        shard("a", None),
    ]);
    let ids: Vec<_> = order.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["x", "a", "b", "c"]);
}

#[test]
fn one_partition_key_keeps_its_lane_and_keys_spread_over_lanes() {
    let lanes: Vec<usize> = (0..200).map(|i| lane_of(&format!("ACCT#acct-{i}"), 10)).collect();
    assert!(lanes.iter().all(|&l| l < 10));
    assert_eq!(lane_of("ACCT#acct-7", 10), lanes[7]);
    let used: HashSet<usize> = lanes.into_iter().collect();
    assert!(used.len() >= 8, "200 accounts use most of 10 lanes: {used:?}");
    assert_eq!(lane_of("ACCT#acct-7", 1), 0);
}
