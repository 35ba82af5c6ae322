//! The partial-reuse candidate path: shingles in, pairs that share
//! passages out, whatever their Jaccard similarity.
//!
//! An excerpt reprinted inside a longer page, or a rewrite condensed to a
//! quarter of its source, has a Jaccard similarity far below any usable LSH
//! threshold (seed 000 against 001: 0.055). What such pairs do have is runs
//! of shared words. This path finds them as the text-reuse tools (MOSS,
//! passim) do:
//!
//! 1. **Winnow** ([`winnow`]): from each document's shingle fingerprints in
//!    text order keep the minimum of every window of `w` consecutive ones
//!    (Schleimer, Wilkerson and Aiken, 2003). Any run of at least
//!    `w + n - 1` shared words (shingle size `n`) makes at least one shared
//!    fingerprint, and about `2 / (w + 1)` of the shingles are kept.
//! 2. **Index** ([`candidate_pairs`]): every kept fingerprint, truncated to
//!    32 bits, with its document number, sorted. A fingerprint found in more
//!    than `max_df` documents is boilerplate or a stock phrase and makes no
//!    pair; the others pair up their documents.
//! 3. **Count**: a pair is a candidate when it shares at least `min_shared`
//!    fingerprints.
//!
//! Candidates are then scored exactly ([`crate::verify`]) and aligned
//! ([`crate::align`]); only a pair with at least one aligned passage is
//! reported, as kind `reuse`. Names shared by two articles ("the People's
//! Mojahedin Organization of Iran") can make a candidate but never a
//! passage of the minimum length, so they are not reported.
//!
//! Why winnowing and not passage-level MinHash: measured on the seeds and a
//! generated corpus with planted excerpts and condensed rewrites (see
//! `ARCHITECTURE.md`), winnowed fingerprints find the condensed rewrites,
//! whose shared runs are short and scattered, at a fraction of the index
//! size; window sketches need windows short enough to match a 6-word run,
//! which makes them as many as the shingles.
//!
//! Memory: 8 bytes per kept fingerprint (a 32-bit hash and a 32-bit
//! document number), about `16 / (w + 1)` bytes per word of the corpus.

/// Appends the winnowed fingerprints of `shingles` (in text order) to
/// `out`, as 32-bit values, sorted and without repeats.
///
/// Within each window of `w` consecutive shingles the minimum is kept (the
/// rightmost on ties, so a run of equal values is recorded once). A
/// document with fewer than `w` shingles keeps its minimum.
pub fn winnow(shingles: &[u64], w: usize, out: &mut Vec<u32>) {
    let start = out.len();
    let w = w.max(1);
    if shingles.is_empty() {
        return;
    }
    if shingles.len() <= w {
        out.push(fold(shingles.iter().copied().min().unwrap_or(0)));
        return;
    }
    // Monotone deque of indices whose values increase from front to back.
    let mut deque: std::collections::VecDeque<usize> = std::collections::VecDeque::with_capacity(w);
    let mut last_kept = usize::MAX;
    for (i, &h) in shingles.iter().enumerate() {
        while deque.back().is_some_and(|&j| shingles[j] >= h) {
            deque.pop_back();
        }
        deque.push_back(i);
        if deque.front().is_some_and(|&j| j + w <= i) {
            deque.pop_front();
        }
        if i + 1 >= w {
            let j = deque.front().copied().unwrap_or(i);
            if j != last_kept {
                out.push(fold(shingles[j]));
                last_kept = j;
            }
        }
    }
    let kept = &mut out[start..];
    kept.sort_unstable();
    let n = dedup_len(kept);
    out.truncate(start + n);
}

/// The 32 bits of a fingerprint the index keeps.
#[inline]
fn fold(h: u64) -> u32 {
    (h >> 32) as u32 ^ h as u32
}

/// Moves the distinct values of a sorted slice to its front; returns how
/// many there are.
fn dedup_len(v: &mut [u32]) -> usize {
    if v.is_empty() {
        return 0;
    }
    let mut n = 1;
    for i in 1..v.len() {
        if v[i] != v[n - 1] {
            v[n] = v[i];
            n += 1;
        }
    }
    n
}

/// An index entry: fingerprint in the high 32 bits, document in the low.
#[inline]
pub fn entry(fingerprint: u32, doc: u32) -> u64 {
    (u64::from(fingerprint) << 32) | u64::from(doc)
}

/// What the index gave.
#[derive(Debug, Default)]
pub struct ReuseCandidates {
    /// Pairs `(a, b)`, `a < b`, sharing at least `min_shared` fingerprints,
    /// sorted.
    pub pairs: Vec<(u32, u32)>,
    /// Fingerprints dropped for being in more than `max_df` documents.
    pub common_fingerprints: usize,
}

/// Candidate pairs from index `entries` (see [`entry`]), which must be
/// sorted. Each document's fingerprints must be distinct (as [`winnow`]
/// gives them).
pub fn candidate_pairs(entries: &[u64], max_df: usize, min_shared: usize) -> ReuseCandidates {
    let mut out = ReuseCandidates::default();
    let mut pairs: Vec<u64> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let fp = entries[start] >> 32;
        let mut end = start + 1;
        while end < entries.len() && entries[end] >> 32 == fp {
            end += 1;
        }
        let bucket = &entries[start..end];
        if bucket.len() > max_df {
            out.common_fingerprints += 1;
        } else {
            for (x, &i) in bucket.iter().enumerate() {
                for &j in &bucket[x + 1..] {
                    // Entries sort by document within a fingerprint.
                    pairs.push(((i & 0xffff_ffff) << 32) | (j & 0xffff_ffff));
                }
            }
        }
        start = end;
    }
    pairs.sort_unstable();
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i + 1;
        while j < pairs.len() && pairs[j] == pairs[i] {
            j += 1;
        }
        if j - i >= min_shared {
            out.pairs.push(((pairs[i] >> 32) as u32, pairs[i] as u32));
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::mix64;
    use proptest::prelude::*;

    fn hashes(seed: u64, n: usize) -> Vec<u64> {
        (0..n as u64).map(|i| mix64(seed ^ (i * 0x9e37_79b9_7f4a_7c15))).collect()
    }

    #[test]
    fn winnowing_density_is_about_two_over_w_plus_one() {
        let h = hashes(1, 100_000);
        let mut out = Vec::new();
        winnow(&h, 9, &mut out);
        let density = out.len() as f64 / h.len() as f64;
        assert!((density - 0.2).abs() < 0.01, "{density}");
    }

    #[test]
    fn short_documents_keep_their_minimum() {
        let mut out = Vec::new();
        winnow(&[5, 3, 9], 8, &mut out);
        assert_eq!(out, vec![fold(3)]);
        out.clear();
        winnow(&[], 8, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn buckets_above_max_df_make_no_pairs() {
        let mut entries: Vec<u64> = vec![entry(7, 0), entry(7, 1), entry(7, 2), entry(8, 0), entry(8, 1)];
        entries.sort_unstable();
        let got = candidate_pairs(&entries, 2, 1);
        assert_eq!(got.pairs, vec![(0, 1)]);
        assert_eq!(got.common_fingerprints, 1);
        assert!(candidate_pairs(&entries, 2, 2).pairs.is_empty());
        assert_eq!(candidate_pairs(&entries, 3, 2).pairs, vec![(0, 1)]);
    }

    proptest! {
        /// The winnowing guarantee: two sequences sharing a run of at least
        /// `w` shingles share a fingerprint.
        #[test]
        fn shared_runs_share_a_fingerprint(seed in 0u64..10_000, w in 1usize..12, run in 0usize..30,
                                           pre_a in 0usize..40, pre_b in 0usize..40) {
            let run = run + w;
            let shared = hashes(seed, run);
            let mut a = hashes(seed + 1, pre_a);
            a.extend(&shared);
            a.extend(hashes(seed + 2, 10));
            let mut b = hashes(seed + 3, pre_b);
            b.extend(&shared);
            let (mut fa, mut fb) = (Vec::new(), Vec::new());
            winnow(&a, w, &mut fa);
            winnow(&b, w, &mut fb);
            prop_assert!(fa.iter().any(|x| fb.binary_search(x).is_ok()));
        }

        /// Candidates equal a brute-force count of shared fingerprints.
        #[test]
        fn candidates_match_brute_force(docs in proptest::collection::vec(
                proptest::collection::btree_set(0u32..40, 0..12), 0..12),
                max_df in 2usize..6, min_shared in 1usize..4) {
            let mut entries: Vec<u64> = docs.iter().enumerate()
                .flat_map(|(d, fps)| fps.iter().map(move |&f| entry(f, d as u32)))
                .collect();
            entries.sort_unstable();
            let got = candidate_pairs(&entries, max_df, min_shared).pairs;
            let df = |f: &u32| docs.iter().filter(|s| s.contains(f)).count();
            let mut want = Vec::new();
            for a in 0..docs.len() {
                for b in a + 1..docs.len() {
                    let shared = docs[a].intersection(&docs[b]).filter(|f| df(f) <= max_df).count();
                    if shared >= min_shared && shared > 0 {
                        want.push((a as u32, b as u32));
                    }
                }
            }
            prop_assert_eq!(got, want);
        }
    }
}
