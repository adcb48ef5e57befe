//! Push signatures: `hex(sha1(concat(sort(parts))))`.
//!
//! The URL check and plaintext pushes sign `[token, timestamp, nonce]`;
//! encrypted pushes and encrypted replies sign `[token, timestamp, nonce, Encrypt]`
//! (docs/push.md, "Push" and "Safe-mode crypto").

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// Computes the platform's signature over `parts`: a plain lexicographic
/// sort of the strings, concatenated, SHA-1, lowercase hex.
pub fn sign(parts: &[&str]) -> String {
    hex::encode(digest(parts))
}

/// Whether `signature` (hex, any case) is the signature of `parts`.
/// The comparison runs in constant time.
pub fn verify(signature: &str, parts: &[&str]) -> bool {
    let mut expected = [0u8; 20];
    if hex::decode_to_slice(signature, &mut expected).is_err() {
        return false;
    }
    expected.ct_eq(&digest(parts)).into()
}

fn digest(parts: &[&str]) -> [u8; 20] {
    // At most four parts; sorting references avoids copying the strings.
    let mut sorted: Vec<&str> = parts.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}
