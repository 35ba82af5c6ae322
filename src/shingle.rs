//! Shingles: tokens in, word n-gram fingerprints out.
//!
//! A shingle is `n` consecutive tokens. Each token was hashed once by the
//! [`text`](crate::text) stage; a shingle's fingerprint is xxh3 over the `n`
//! token hashes (little-endian), which is about three times faster than
//! hashing the n-gram's bytes again. A document with fewer than `n` (but at
//! least one) tokens has one shingle made of all its tokens, so short texts
//! still compare.

use xxhash_rust::xxh3::xxh3_64;

use crate::text::Token;

/// The largest shingle size supported.
pub const MAX_SHINGLE_SIZE: usize = 32;

/// Appends the fingerprint of every `n`-token window of `tokens` to `out`
/// (cleared first), in text order, repeats included.
///
/// # Panics
///
/// If `n` is 0 or above [`MAX_SHINGLE_SIZE`] (the config rejects both).
pub fn shingles(tokens: &[Token], n: usize, out: &mut Vec<u64>) {
    assert!(
        (1..=MAX_SHINGLE_SIZE).contains(&n),
        "shingle size {n} out of range"
    );
    out.clear();
    if tokens.is_empty() {
        return;
    }
    let mut buf = [0u8; 8 * MAX_SHINGLE_SIZE];
    let width = n.min(tokens.len());
    out.reserve(tokens.len() + 1 - width);
    for window in tokens.windows(width) {
        for (slot, t) in buf.chunks_exact_mut(8).zip(window) {
            slot.copy_from_slice(&t.hash.to_le_bytes());
        }
        out.push(xxh3_64(&buf[..8 * width]));
    }
}

/// The set of shingle fingerprints of `tokens`: sorted, without repeats.
pub fn shingle_set(tokens: &[Token], n: usize) -> Vec<u64> {
    let mut out = Vec::new();
    shingles(tokens, n, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    #[test]
    fn window_count_and_order() {
        let toks = tokenize("a b c d e f g");
        let mut out = Vec::new();
        shingles(&toks, 5, &mut out);
        assert_eq!(out.len(), 3);
        // "c d e f g" is the third window of this text and the first of that one.
        let mut other = Vec::new();
        shingles(&tokenize("c d e f g"), 5, &mut other);
        assert_eq!(out[2], other[0]);
        assert_ne!(out[0], out[1]);
    }

    #[test]
    fn order_of_words_matters() {
        let a = shingle_set(&tokenize("one two three"), 3);
        let b = shingle_set(&tokenize("three two one"), 3);
        assert_ne!(a, b);
    }

    #[test]
    fn short_and_empty_documents() {
        assert_eq!(shingle_set(&tokenize("just three words"), 5).len(), 1);
        assert!(shingle_set(&tokenize("  ...  "), 5).is_empty());
    }

    #[test]
    fn normalised_words_give_equal_shingles() {
        let a = shingle_set(&tokenize("The Regime’s new HOPE, in its push"), 5);
        let b = shingle_set(&tokenize("the regime's new hope in its push"), 5);
        assert_eq!(a, b);
    }

    #[test]
    fn repeats_collapse_in_the_set() {
        let s = shingle_set(&tokenize("x y x y x y x y"), 2);
        assert_eq!(s.len(), 2);
    }
}
