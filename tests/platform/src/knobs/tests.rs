use super::*;
use crate::rng::stream;

#[test]
fn dist_parses_every_form() {
    assert_eq!("1.5".parse::<Dist>().unwrap(), Dist::constant(1.5));
    assert_eq!("0..2".parse::<Dist>().unwrap(), Dist::uniform(0.0, 2.0));
    assert_eq!("exp:3".parse::<Dist>().unwrap(), Dist::Exp { mean: 3.0 });
    assert_eq!("0:1,2:3".parse::<Dist>().unwrap(), Dist::Choice { values: vec![(0.0, 1.0), (2.0, 3.0)] });
    assert!("x".parse::<Dist>().is_err());
    for d in ["1.5", "0..2", "exp:3", "0:1,2:3"] {
        assert_eq!(d.parse::<Dist>().unwrap().to_string(), d);
    }
}

#[test]
fn samples_stay_in_range() {
    let mut rng = stream(3, "t", 0);
    for _ in 0..1000 {
        let u = Dist::uniform(1.0, 2.0).sample(&mut rng);
        assert!((1.0..=2.0).contains(&u));
        let c = Dist::Choice { values: vec![(0.0, 1.0), (5.0, 1.0)] }.sample(&mut rng);
        assert!(c == 0.0 || c == 5.0);
        assert!(Dist::Exp { mean: 1.0 }.sample(&mut rng) >= 0.0);
    }
}

#[test]
fn fault_rates_are_honoured() {
    let faults = Faults { system_error: 0.1, drop: 0.2, ..Faults::default() };
    let mut rng = stream(3, "f", 0);
    let draws: Vec<_> = (0..10_000).map(|_| faults.draw(&mut rng)).collect();
    let errors = draws.iter().filter(|f| **f == Some(Fault::SystemError)).count();
    let drops = draws.iter().filter(|f| **f == Some(Fault::Drop)).count();
    assert!((850..1150).contains(&errors), "{errors}");
    assert!((1800..2200).contains(&drops), "{drops}");
    assert!(draws.iter().all(|f| !matches!(f, Some(Fault::Slow | Fault::Http5xx | Fault::ExpireSession))));
}
