//! Seeded randomness: independent streams derived from the world's seed.
//!
//! Each part of the emulator draws from its own stream (the world, each push,
//! the console, the traffic), so that one part's draws never shift another's:
//! the same seed gives the same world, the same traffic and the same bytes.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator every stream uses.
pub type Rng = ChaCha8Rng;

/// The stream called `name`, number `index`, of `seed`.
pub fn stream(seed: u64, name: &str, index: u64) -> Rng {
    let mut h = splitmix(seed ^ 0x5757_4f53_454e_5400);
    for byte in name.bytes() {
        h = splitmix(h ^ u64::from(byte));
    }
    h = splitmix(h ^ index);
    Rng::seed_from_u64(h)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `len` characters drawn from `alphabet`.
pub fn string_from(rng: &mut Rng, alphabet: &[u8], len: usize) -> String {
    (0..len).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const HEX: &[u8] = b"0123456789abcdef";

/// A Zipf distribution over ranks `0..n` (rank 0 the most frequent), with
/// weight `1 / (rank + 1)^s`. Ranks can be added at the tail.
#[derive(Debug, Clone)]
pub struct Zipf {
    s: f64,
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Self {
        let mut zipf = Self { s, cumulative: Vec::with_capacity(n) };
        for _ in 0..n {
            zipf.grow();
        }
        zipf
    }

    /// Adds one rank after the last.
    pub fn grow(&mut self) {
        let rank = self.cumulative.len() as f64 + 1.0;
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        self.cumulative.push(total + rank.powf(-self.s));
    }

    /// A rank, or `None` when there are none.
    pub fn sample(&self, rng: &mut Rng) -> Option<usize> {
        let total = *self.cumulative.last()?;
        let x = rng.random::<f64>() * total;
        Some(self.cumulative.partition_point(|&c| c <= x).min(self.cumulative.len() - 1))
    }
}

#[cfg(test)]
mod tests;
