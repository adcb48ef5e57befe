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

#[test]
fn hostile_people_follow_and_carry_markup_script_rtl_and_long_emoji() {
    let config = small(9);
    let world = World::build(&config, 1_400_000_000);
    let hostile: Vec<&Person> = world.people.iter().filter(|p| p.hostile).collect();
    assert_eq!(hostile.len(), hostile::count());
    // Added after everyone else, from a stream of their own: the rest of the world is as it was.
    let plain = World::build(&WorldConfig { hostile: 0, ..config.clone() }, 1_400_000_000);
    assert_eq!(plain.people.len() + hostile.len(), world.people.len());
    assert!(plain.people.iter().zip(&world.people).all(|(a, b)| a.fakeid == b.fakeid && a.nick_name == b.nick_name));
    assert_eq!(plain.follows[..], world.follows[..plain.follows.len()]);
    assert_eq!(plain.history, world.history);
    let nicks: Vec<&str> = hostile.iter().map(|p| p.nick_name.as_str()).collect();
    assert!(nicks.iter().any(|n| n.contains("<img src=x") && n.contains("onerror=")), "{nicks:?}");
    assert!(nicks.iter().any(|n| n.contains("</script><script>")));
    assert!(nicks.iter().any(|n| n.contains('"') && n.contains('\'')));
    assert!(nicks.iter().any(|n| n.contains('\u{202E}')));
    assert!(nicks.iter().any(|n| n.chars().count() == 500 && n.chars().all(|c| c as u32 > 0x1F000)));
    assert!(hostile.iter().any(|p| p.signature.contains("javascript:")));
    // Each follows an account; the first follows every one (two openIDs, one FakeID).
    for (i, person) in hostile.iter().enumerate() {
        let accounts: HashSet<usize> =
            world.follows.iter().filter(|f| f.person == person.index).map(|f| f.account).collect();
        let want = if i == 0 { world.accounts.len() } else { 1 };
        assert_eq!(accounts.len(), want, "hostile person {i}");
    }
    assert!(fakeids_unique(&world));
    // The same seed, the same hostile people.
    let again = World::build(&config, 1_400_000_000);
    assert!(again.people.iter().zip(&world.people).all(|(a, b)| a.fakeid == b.fakeid));
    assert_eq!(again.follows, world.follows);
}

#[test]
fn hostile_texts_carry_markup_script_and_a_500_emoji_run() {
    let mut rng = crate::rng::stream(3, "test", 0);
    let texts: HashSet<String> = (0..400).map(|_| hostile::text(&mut rng)).collect();
    assert_eq!(texts.len(), hostile::TEXTS.len() + 1, "every one drawn");
    assert!(texts.iter().any(|t| t.contains("<img src=x")));
    assert!(texts.iter().any(|t| t.contains("</script>")));
    assert!(texts.iter().any(|t| t.contains("]]>")), "breaks a naive CDATA");
    assert!(texts.contains(&hostile::emoji_run()) && hostile::emoji_run().chars().count() == 500);
}

fn fakeids_unique(world: &World) -> bool {
    let mut seen = HashSet::new();
    world.people.iter().all(|p| seen.insert(p.fakeid)) && world.accounts.iter().all(|a| seen.insert(a.uin))
}
