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
    // At most four parts: they are sorted as references, on the stack.
    let mut few = [""; 4];
    let mut many = Vec::new();
    let sorted: &mut [&str] = match few.get_mut(..parts.len()) {
        Some(few) => {
            few.copy_from_slice(parts);
            few
        }
        None => {
            many.extend_from_slice(parts);
            &mut many
        }
    };
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted.iter() {
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}
