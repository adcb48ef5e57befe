use super::*;

fn small(seed: u64) -> WorldConfig {
    WorldConfig { seed, followers: 300, bystanders: 30, history: 50, ..WorldConfig::default() }
}

#[test]
fn same_seed_same_world() {
    let a = World::build(&small(5), 1_400_000_000);
    let b = World::build(&small(5), 1_400_000_000);
    assert_eq!(a.follows, b.follows);
    assert_eq!(a.history, b.history);
    assert_eq!(serde_json::to_string(&a.accounts).unwrap(), serde_json::to_string(&b.accounts).unwrap());
    assert_eq!(serde_json::to_string(&a.people).unwrap(), serde_json::to_string(&b.people).unwrap());
    let c = World::build(&small(6), 1_400_000_000);
    assert_ne!(a.follows, c.follows);
}

#[test]
fn identifiers_have_the_platform_shapes() {
    let world = World::build(&small(9), 1_400_000_000);
    let mut fakeids = HashSet::new();
    for account in &world.accounts {
        assert!(account.gh_id.starts_with("gh_") && account.gh_id.len() == 15);
        assert!(account.appid.starts_with("wx") && account.appid.len() == 18);
        assert_eq!(account.encoding_aes_key.len(), 43);
        assert!(AesKey::from_encoding_aes_key(&account.encoding_aes_key).is_ok());
        assert!(fakeids.insert(account.uin));
    }
    for person in &world.people {
        assert!(fakeids.insert(person.fakeid), "FakeIDs are unique on the whole platform");
        assert!(person.remark_name.is_empty());
        assert!(person.gender <= 2);
    }
    let mut openids = HashSet::new();
    for follow in &world.follows {
        assert_eq!(follow.openid.len(), 28);
        assert!(follow.openid.starts_with('o'));
        assert!(openids.insert(follow.openid.clone()));
        assert!(follow.follow_time < world.start);
    }
    // A person following two accounts has two different openIDs.
    let twice =
        world.follows.iter().find(|f| world.follows.iter().any(|g| g.person == f.person && g.account != f.account));
    let twice = twice.expect("overlap gives someone two follows");
    assert_ne!(world.openid(0, twice.person), world.openid(1, twice.person));
    assert!(world.people.iter().any(|p| p.nick_name.chars().any(|c| c as u32 > 0x1F000)), "emoji nicknames");
    assert!(world.people.iter().any(|p| p.nick_name.is_ascii()), "Latin nicknames");
}
