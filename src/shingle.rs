//! Shingles: tokens in, word n-gram fingerprints out.
//!
//! A shingle is `n` consecutive tokens. Each token was hashed once, with
//! xxh3, by the [`text`](crate::text) stage; a shingle's fingerprint
//! combines the `n` token hashes as a polynomial `sum t_j P^(n-1-j)` (mod
//! 2^64, `P` odd), rolled from one window to the next in constant time, and
//! finished by a full-avalanche mixer. That is several times cheaper than
//! hashing the n-gram's bytes, or even the `n` token hashes, again. Two
//! windows that differ in one token always differ before the mixer (an odd
//! multiplier has an inverse mod 2^64). A document with fewer than `n` (but
//! at least one) tokens has one shingle made of all its tokens, so short
//! texts still compare.

use xxhash_rust::xxh3::Xxh3;

use crate::minhash::mix64;

use crate::text::Token;

/// The largest shingle size supported.
pub const MAX_SHINGLE_SIZE: usize = 32;

/// A hash of a whole normalised token sequence: xxh3-128 of the token
/// hashes as consecutive little-endian bytes. Two documents with the same
/// words (after normalisation) have the same content hash.
pub fn content_hash(hashes: &[u64]) -> u128 {
    let mut hasher = Xxh3::new();
    let mut buf = [0u8; 8 * 256];
    for chunk in hashes.chunks(256) {
        for (out, h) in buf.chunks_exact_mut(8).zip(chunk) {
            out.copy_from_slice(&h.to_le_bytes());
        }
        hasher.update(&buf[..8 * chunk.len()]);
    }
    hasher.digest128()
}

/// Appends the fingerprint of every `n`-token window of the token hashes
/// `hashes` to `out` (cleared first), in text order, repeats included.
///
/// # Panics
///
/// If `n` is 0 or above [`MAX_SHINGLE_SIZE`] (the config rejects both).
pub fn shingles_of(hashes: &[u64], n: usize, out: &mut Vec<u64>) {
    assert!((1..=MAX_SHINGLE_SIZE).contains(&n), "shingle size {n} out of range");
    out.clear();
    let tokens = hashes.len();
    if tokens == 0 {
        return;
    }
    let width = n.min(tokens);
    // P^(width - 1): the weight of the token that leaves the window.
    let top = (1..width).fold(1u64, |acc, _| acc.wrapping_mul(P));
    let mut h = hashes[..width].iter().fold(0u64, |acc, &t| acc.wrapping_mul(P).wrapping_add(t));
    out.reserve(tokens - width + 1);
    out.push(mix64(h));
    // `extend` of a zip of slices writes without a capacity check per value.
    out.extend(hashes.iter().zip(&hashes[width..]).map(|(&leaving, &entering)| {
        h = h.wrapping_sub(leaving.wrapping_mul(top)).wrapping_mul(P).wrapping_add(entering);
        mix64(h)
    }));
}

/// The multiplier of the rolling combination (odd).
const P: u64 = 0x9E37_79B9_7F4A_7C15;

/// [`shingles_of`] the hashes of `tokens`.
pub fn shingles(tokens: &[Token], n: usize, out: &mut Vec<u64>) {
    let hashes: Vec<u64> = tokens.iter().map(|t| t.hash).collect();
    shingles_of(&hashes, n, out);
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
    fn rolling_equals_each_window_combined_afresh() {
        let toks = tokenize("one two three four five six seven eight nine ten eleven");
        for n in [1, 2, 5, 11, 12] {
            let mut rolled = Vec::new();
            shingles(&toks, n, &mut rolled);
            let width = n.min(toks.len());
            let fresh: Vec<u64> = toks
                .windows(width)
                .map(|w| mix64(w.iter().fold(0u64, |acc, t| acc.wrapping_mul(P).wrapping_add(t.hash))))
                .collect();
            assert_eq!(rolled, fresh, "n = {n}");
        }
    }

    #[test]
    fn content_hash_is_xxh3_128_of_the_hash_bytes() {
        for n in [0, 1, 255, 256, 257, 1000] {
            let hashes: Vec<u64> = (0..n as u64).map(|i| mix64(i + 1)).collect();
            let bytes: Vec<u8> = hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
            assert_eq!(content_hash(&hashes), xxhash_rust::xxh3::xxh3_128(&bytes), "n = {n}");
        }
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
