use super::*;
use crate::store::Strategy;

#[test]
fn accounts_are_listed_by_id() {
    let store = MemoryStore::new();
    for id in ["b", "a", "c"] {
        store.put_account(Account::new(id, "wx0123456789abcdef", "gh_0123456789ab", Strategy::Time));
    }
    store.put_account(Account::new("a", "wx0123456789abcdef", "gh_0123456789ab", Strategy::Auto));
    let ids: Vec<_> = store.accounts().into_iter().map(|a| (a.id, a.strategy)).collect();
    assert_eq!(ids, [("a".into(), Strategy::Auto), ("b".into(), Strategy::Time), ("c".into(), Strategy::Time)]);
}
