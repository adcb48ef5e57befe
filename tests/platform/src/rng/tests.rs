use super::*;

#[test]
fn streams_are_reproducible_and_independent() {
    let a: u64 = stream(7, "world", 0).random();
    let b: u64 = stream(7, "world", 0).random();
    let c: u64 = stream(7, "world", 1).random();
    let d: u64 = stream(8, "world", 0).random();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, d);
}

#[test]
fn zipf_favours_low_ranks() {
    let zipf = Zipf::new(100, 1.0);
    let mut rng = stream(1, "zipf", 0);
    let mut counts = [0usize; 100];
    for _ in 0..20_000 {
        counts[zipf.sample(&mut rng).unwrap()] += 1;
    }
    // P(rank 0) = 1/H(100) ≈ 0.193; P(rank 1) about half of it.
    assert!((3500..4200).contains(&counts[0]), "{}", counts[0]);
    assert!(counts[1] * 10 > counts[0] * 4 && counts[1] * 10 < counts[0] * 6);
    assert!(counts[99] < 100);
}
