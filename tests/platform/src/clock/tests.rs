use super::*;

#[test]
fn frozen_clock_moves_only_when_told() {
    let clock = Clock::frozen_at(1_400_000_000);
    assert_eq!(clock.now(), 1_400_000_000);
    clock.advance(Duration::from_secs(90));
    assert_eq!(clock.now(), 1_400_000_090);
    clock.advance_to_ms(1_400_000_000_000);
    assert_eq!(clock.now(), 1_400_000_090, "never backwards");
}

#[test]
fn running_clock_can_be_shifted() {
    let clock = Clock::real();
    let before = clock.now();
    clock.advance(Duration::from_secs(3600));
    assert!(clock.now() >= before + 3600);
    clock.set(1_000);
    clock.resume();
    assert!((1_000..1_010).contains(&clock.now()));
}
