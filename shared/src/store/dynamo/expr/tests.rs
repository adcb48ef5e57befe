use super::*;

#[test]
fn every_placeholder_is_used_once_declared() {
    let mut expr = UpdateExpr::new().set("state", s("pending")).set("count", n(1)).remove("lease_until");
    let cond = format!("{} < {}", expr.name("lease_until"), expr.value(n(5)));
    let built = expr.build();
    assert_eq!(built.update, "SET #state = :v0, #count = :v1 REMOVE #lease_until");
    assert_eq!(cond, "#lease_until < :v2");
    assert_eq!(built.names.unwrap().len(), 3);
    assert_eq!(built.values.unwrap().len(), 3);
}
