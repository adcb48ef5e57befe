use super::*;

#[test]
fn entries_expire_and_capacity_bounds_memory() {
    let cache = TtlCache::new(Duration::from_millis(30), 2);
    cache.insert("a".to_owned(), 1);
    assert_eq!(cache.get("a").as_deref(), Some(&1));
    cache.insert("b".to_owned(), 2);
    cache.insert("c".to_owned(), 3);
    assert_eq!(cache.get("a"), None, "full: started over");
    assert_eq!(cache.get("c").as_deref(), Some(&3));
    std::thread::sleep(Duration::from_millis(40));
    assert_eq!(cache.get("c"), None, "expired");
}
