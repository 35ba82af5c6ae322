//! MinHash signatures: shingle fingerprints in, `k` u32 minima out.
//!
//! Two algorithms, both deterministic given the seed:
//!
//! - **One-permutation hashing with optimal densification** (the default,
//!   [`MinHashAlgorithm::OnePermutation`]): each shingle is hashed once; the
//!   hash picks one of `k` bins and the bin keeps the smallest value. Bins
//!   left empty (documents with few shingles) borrow the value of a
//!   non-empty bin chosen by a seeded probe sequence per empty bin
//!   (Shrivastava, ICML 2017), which keeps the estimator close to
//!   k-permutation MinHash. Cost O(n + k).
//! - **k-permutation** ([`MinHashAlgorithm::KPermutation`]): `k` seeded
//!   multiply-shift hash functions on 32-bit lanes; the inner loop over `k`
//!   vectorises. Cost O(n k).
//!
//! Which to use: one-permutation hashing. On this project's benchmark
//! (`cargo bench --bench stages -- minhash`) it is the faster by a factor of
//! roughly `k / 8` at k = 128, with the same accuracy within the
//! `sqrt(J(1-J)/k)` error the property tests check. k-permutation is kept as
//! the reference and for users who need the textbook estimator.
//!
//! The estimate of Jaccard similarity is the share of positions at which
//! two signatures agree ([`estimate_jaccard`]). A scan keeps a byte of
//! each value instead, and of set bins only ([`MinHasher::sign_screened`]):
//! enough for [`may_reach`] to rule out, before verification, a candidate
//! pair that cannot reach the threshold but for a one-in-a-million chance.

use crate::config::MinHashAlgorithm;

/// Version of the signature algorithms. Bump it whenever signatures or
/// fingerprints of the same input and seed would change, so stored ones are
/// not mixed (2: shingles combined by a rolling polynomial).
pub const ALGORITHM_VERSION: u32 = 2;

/// A finaliser with full avalanche (splitmix64 / murmur3 fmix64 style).
#[inline]
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Maps a 32-bit value uniformly onto `0..k` (Lemire's multiply-shift).
#[inline]
fn reduce(x: u32, k: usize) -> usize {
    ((x as u64 * k as u64) >> 32) as usize
}

/// Computes MinHash signatures of one configuration. Build once, reuse for
/// every document; [`MinHasher::sign`] takes `&self` and is thread-safe.
#[derive(Clone, Debug)]
pub struct MinHasher {
    k: usize,
    seed: u64,
    algorithm: MinHashAlgorithm,
    /// Multipliers (odd) and offsets of the k-permutation hash functions.
    mul: Vec<u64>,
    add: Vec<u64>,
}

impl MinHasher {
    /// A hasher of `k` values per signature.
    ///
    /// # Panics
    ///
    /// If `k` is 0 (the config rejects it).
    pub fn new(k: usize, seed: u64, algorithm: MinHashAlgorithm) -> MinHasher {
        assert!(k > 0, "signature length must be positive");
        let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix64(state)
        };
        let (mut mul, mut add) = (Vec::new(), Vec::new());
        if algorithm == MinHashAlgorithm::KPermutation {
            for _ in 0..k {
                // Full 64-bit multipliers: with 32-bit ones the product never
                // wraps and every "permutation" would keep the order of x.
                mul.push(next() | 1);
                add.push(next());
            }
        }
        MinHasher { k, seed, algorithm, mul, add }
    }

    /// Values per signature.
    pub fn len(&self) -> usize {
        self.k
    }

    /// Always false: a signature has at least one value.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes the signature of the shingle fingerprints `shingles` into
    /// `out` (length `k`). Repeated fingerprints do not change the result.
    /// An empty `shingles` gives all `u32::MAX` (such documents are never
    /// compared).
    pub fn sign(&self, shingles: &[u64], out: &mut [u32]) {
        assert_eq!(out.len(), self.k, "signature buffer has the wrong length");
        let filled = self.fill(shingles, out);
        self.densify(&filled, out);
    }

    /// [`MinHasher::sign`], and into `screen` (length `k`) the
    /// [`screen_byte`] of each value a shingle set, 0 where the value was
    /// borrowed by densification. Two documents' screen bytes tell whether
    /// their pair can reach a Jaccard threshold ([`may_reach`]) at an
    /// eighth of the signature's size.
    pub fn sign_screened(&self, shingles: &[u64], out: &mut [u32], screen: &mut [u8]) {
        assert_eq!(out.len(), self.k, "signature buffer has the wrong length");
        assert_eq!(screen.len(), self.k, "screen buffer has the wrong length");
        let filled = self.fill(shingles, out);
        for (j, (byte, &value)) in screen.iter_mut().zip(out.iter()).enumerate() {
            *byte = if is_set(&filled, j) { screen_byte(value) } else { 0 };
        }
        self.densify(&filled, out);
    }

    /// Every value of a one-permutation signature, or of a k-permutation one
    /// (whose values are all set by any shingle), and which were set.
    fn fill(&self, shingles: &[u64], out: &mut [u32]) -> Vec<u64> {
        out.fill(u32::MAX);
        let k = self.k;
        let mut filled = vec![0u64; k.div_ceil(64)];
        if shingles.is_empty() {
            return filled;
        }
        match self.algorithm {
            MinHashAlgorithm::OnePermutation => {
                for &s in shingles {
                    let x = mix64(s ^ self.seed);
                    let bin = reduce((x >> 32) as u32, k);
                    let slot = &mut out[bin];
                    *slot = (*slot).min(x as u32);
                    filled[bin / 64] |= 1 << (bin % 64);
                }
            }
            MinHashAlgorithm::KPermutation => {
                self.sign_kperm(shingles, out);
                (0..k).for_each(|j| filled[j / 64] |= 1 << (j % 64));
            }
        }
        filled
    }

    /// Optimal densification of the bins of `out` not in `filled` (none
    /// when every bin is filled, as k-permutation fills them, or none is:
    /// an empty document keeps all `u32::MAX`).
    fn densify(&self, filled: &[u64], out: &mut [u32]) {
        let k = self.k;
        let set: usize = filled.iter().map(|w| w.count_ones() as usize).sum();
        if set == k || set == 0 {
            return;
        }
        let is_filled = |j: usize| is_set(filled, j);
        // Optimal densification: every empty bin probes bins with its own
        // seeded sequence until it meets one that was filled by a shingle.
        for bin in 0..k {
            if is_filled(bin) {
                continue;
            }
            let mut attempt: u64 = 0;
            loop {
                let key = ((bin as u64) << 32) | attempt;
                let probe = mix64(self.seed ^ key.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                let j = reduce((probe >> 32) as u32, k);
                if is_filled(j) {
                    out[bin] = out[j];
                    break;
                }
                attempt += 1;
            }
        }
    }

    fn sign_kperm(&self, shingles: &[u64], out: &mut [u32]) {
        for &s in shingles {
            let x = mix64(s ^ self.seed) >> 32;
            for ((o, &m), &a) in out.iter_mut().zip(&self.mul).zip(&self.add) {
                let v = (m.wrapping_mul(x).wrapping_add(a) >> 32) as u32;
                *o = (*o).min(v);
            }
        }
    }
}

fn is_set(bits: &[u64], j: usize) -> bool {
    bits[j / 64] & (1 << (j % 64)) != 0
}

/// The screen byte of a signature value: `1 + value mod 255`, never 0
/// (which marks a bin no shingle set). Two different values share a byte
/// with probability 1/255, which only ever makes [`may_reach`] keep a pair.
#[inline]
pub fn screen_byte(value: u32) -> u8 {
    1 + (value % 255) as u8
}

/// Probability, for a pair whose shingle sets have Jaccard similarity at
/// or above the threshold, that [`may_reach`] rules it out anyway: an
/// upper bound, far below LSH's own chance of never making such a pair a
/// candidate (3% at the threshold with the default 26 bands of 3 rows).
pub const SCREEN_RISK: f64 = 1e-6;

/// Whether two documents whose [`MinHasher::sign_screened`] screen bytes
/// are `a` and `b` may have a Jaccard similarity of `threshold` or more:
/// false only when the bins set by both documents agree so rarely that a
/// pair at the threshold would do so with probability under
/// [`SCREEN_RISK`].
///
/// Why it holds: a bin set by both documents keeps the same minimum in
/// both exactly when the smallest hash of their union in that bin is
/// shared, which has probability J for a bin the union sets (the bin's
/// smallest hash is equally likely to be any element of the union) and so
/// at least J for a bin both set (a bin only one document sets never
/// agrees). The `m` bins both set are a sample without replacement of the
/// hash space, to which Bernstein's inequality applies: `s` agreements
/// fall below `m (t - d)` with probability at most `exp(-m d^2 / (2 v + 2
/// d / 3))`, with `v` the largest variance `J (1 - J)` of a `J >= t`. Bytes
/// that agree by chance (1 in 255) only add agreements. With few bins set
/// (short documents) `d` grows past `t` and no pair is ruled out.
pub fn may_reach(a: &[u8], b: &[u8], threshold: f64) -> bool {
    assert_eq!(a.len(), b.len(), "screens of different lengths");
    let (mut both, mut same) = (0usize, 0usize);
    for (&x, &y) in a.iter().zip(b) {
        let set = x != 0 && y != 0;
        both += usize::from(set);
        same += usize::from(set && x == y);
    }
    if both == 0 {
        return true;
    }
    let (m, l) = (both as f64, (1.0 / SCREEN_RISK).ln());
    let v = if threshold >= 0.5 { threshold * (1.0 - threshold) } else { 0.25 };
    let d = l / (3.0 * m) + ((l / (3.0 * m)).powi(2) + 2.0 * v * l / m).sqrt();
    same as f64 >= m * (threshold - d)
}

/// The share of positions where two signatures agree: an estimate of the
/// Jaccard similarity of the two shingle sets.
pub fn estimate_jaccard(a: &[u32], b: &[u32]) -> f64 {
    assert_eq!(a.len(), b.len(), "signatures of different lengths");
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::jaccard;
    use proptest::prelude::*;

    fn sig(h: &MinHasher, s: &[u64]) -> Vec<u32> {
        let mut out = vec![0; h.len()];
        h.sign(s, &mut out);
        out
    }

    /// Two sets with a chosen overlap: `shared` common elements, `only`
    /// elements in each alone, drawn from a seeded stream.
    fn sets(seed: u64, shared: usize, only_a: usize, only_b: usize) -> (Vec<u64>, Vec<u64>) {
        let mut s = seed;
        let mut next = move || {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix64(s)
        };
        let common: Vec<u64> = (0..shared).map(|_| next()).collect();
        let mut a = common.clone();
        let mut b = common;
        a.extend((0..only_a).map(|_| next()));
        b.extend((0..only_b).map(|_| next()));
        a.sort_unstable();
        b.sort_unstable();
        (a, b)
    }

    #[test]
    fn identical_sets_give_identical_signatures() {
        for algo in [MinHashAlgorithm::OnePermutation, MinHashAlgorithm::KPermutation] {
            let h = MinHasher::new(128, 7, algo);
            let (a, _) = sets(1, 50, 0, 0);
            let mut shuffled = a.clone();
            shuffled.reverse();
            shuffled.extend_from_slice(&a[..10]); // repeats change nothing
            assert_eq!(sig(&h, &a), sig(&h, &shuffled));
        }
    }

    #[test]
    fn seed_changes_signature() {
        let (a, _) = sets(1, 50, 0, 0);
        let h1 = MinHasher::new(64, 1, MinHashAlgorithm::OnePermutation);
        let h2 = MinHasher::new(64, 2, MinHashAlgorithm::OnePermutation);
        assert_ne!(sig(&h1, &a), sig(&h2, &a));
    }

    #[test]
    fn single_shingle_densifies_everywhere() {
        let h = MinHasher::new(128, 3, MinHashAlgorithm::OnePermutation);
        let s = sig(&h, &[42]);
        assert!(s.iter().all(|&v| v == s[0]));
        assert!(s[0] != u32::MAX || mix64(42 ^ 3) as u32 == u32::MAX);
    }

    #[test]
    fn disjoint_sets_rarely_agree() {
        let h = MinHasher::new(128, 9, MinHashAlgorithm::OnePermutation);
        let (a, b) = sets(5, 0, 400, 400);
        assert!(estimate_jaccard(&sig(&h, &a), &sig(&h, &b)) < 0.05);
    }

    /// Mean absolute error over many pairs stays near the theoretical
    /// standard error, for both algorithms, across set sizes that leave
    /// many bins empty (densification) and none.
    #[test]
    fn estimator_error_matches_theory() {
        for algo in [MinHashAlgorithm::OnePermutation, MinHashAlgorithm::KPermutation] {
            let k = 128;
            let h = MinHasher::new(k, 11, algo);
            for &(shared, only) in &[(10, 10), (60, 20), (300, 100), (1000, 1000)] {
                let trials = 200;
                let mut sq = 0.0;
                let mut bias = 0.0;
                let mut j = 0.0;
                for t in 0..trials {
                    let (a, b) = sets(1000 + t, shared, only, only);
                    j = jaccard(&a, &b);
                    let e = estimate_jaccard(&sig(&h, &a), &sig(&h, &b));
                    sq += (e - j) * (e - j);
                    bias += e - j;
                }
                let rmse = (sq / trials as f64).sqrt();
                let expected = (j * (1.0 - j) / k as f64).sqrt();
                assert!(
                    rmse < 1.5 * expected,
                    "{algo:?} shared={shared} only={only}: rmse {rmse:.4} vs theory {expected:.4}"
                );
                assert!((bias / trials as f64).abs() < 0.02, "{algo:?} biased: {bias}");
            }
        }
    }

    /// The screen's signature is `sign`'s, and its zero bytes are exactly
    /// the bins no shingle set (every bin, for k-permutation).
    #[test]
    fn screened_signatures_are_signatures_and_mark_the_bins_set() {
        for algo in [MinHashAlgorithm::OnePermutation, MinHashAlgorithm::KPermutation] {
            let h = MinHasher::new(128, 5, algo);
            for n in [0, 1, 3, 60, 1000] {
                let (a, _) = sets(n as u64, n, 0, 0);
                let (mut out, mut screen) = (vec![0; 128], vec![0; 128]);
                h.sign_screened(&a, &mut out, &mut screen);
                assert_eq!(out, sig(&h, &a));
                let set = screen.iter().filter(|&&b| b != 0).count();
                let bins: std::collections::HashSet<usize> =
                    a.iter().map(|&s| reduce((mix64(s ^ 5) >> 32) as u32, 128)).collect();
                match (algo, n) {
                    (_, 0) => assert_eq!(set, 0),
                    (MinHashAlgorithm::KPermutation, _) => assert_eq!(set, 128),
                    _ => assert_eq!(set, bins.len(), "{n} shingles"),
                }
            }
        }
    }

    /// Long documents far under the threshold are ruled out, whichever
    /// the algorithm; identical ones never are, and a pair whose bins are
    /// too few to tell (short documents, one-permutation hashing) is kept.
    #[test]
    fn the_screen_rules_out_far_pairs_of_long_documents() {
        for algo in [MinHashAlgorithm::OnePermutation, MinHashAlgorithm::KPermutation] {
            let h = MinHasher::new(128, 13, algo);
            let screen = |s: &[u64]| {
                let (mut out, mut bytes) = (vec![0; 128], vec![0; 128]);
                h.sign_screened(s, &mut out, &mut bytes);
                bytes
            };
            for seed in 0..50 {
                // Jaccard 40 / 840, under 0.05.
                let (a, b) = sets(seed, 40, 400, 400);
                assert!(!may_reach(&screen(&a), &screen(&b), 0.5), "{algo:?} seed {seed}");
                assert!(may_reach(&screen(&a), &screen(&a), 1.0));
                // k-permutation samples every value afresh, so only
                // one-permutation hashing has too few bins to tell.
                let (a, b) = sets(seed, 0, 8, 8);
                let short = may_reach(&screen(&a), &screen(&b), 0.5);
                assert_eq!(
                    short,
                    algo == MinHashAlgorithm::OnePermutation,
                    "{algo:?} seed {seed}: 8 shingles"
                );
            }
            assert!(may_reach(&screen(&[]), &screen(&[]), 0.9));
        }
    }

    /// Cases of `estimate_within_chance_bound`.
    const CASES: u32 = 256;

    proptest! {
        #![proptest_config(crate::testing::proptest_config(CASES))]

        /// Each single estimate is within the distance from exact Jaccard
        /// that k independent agreements, each with probability J, exceed
        /// with probability under 1e-9 per run (Bernstein's inequality, a
        /// union bound over the cases), plus 1.5 bins of densification
        /// slack. Wide by design: a chance failure must be out of reach;
        /// `estimator_error_matches_theory` checks the precision itself.
        #[test]
        fn estimate_within_chance_bound(seed in 0u64..1000, shared in 0usize..400, only_a in 0usize..200, only_b in 0usize..200) {
            prop_assume!(shared + only_a > 0 && shared + only_b > 0);
            let k = 128;
            let h = MinHasher::new(k, seed, MinHashAlgorithm::OnePermutation);
            let (a, b) = sets(seed, shared, only_a, only_b);
            let j = jaccard(&a, &b);
            let e = estimate_jaccard(&sig(&h, &a), &sig(&h, &b));
            // P(|e - J| >= t) <= 2 exp(-k t^2 / (2 var + 2 t / 3)); solved
            // for t at 2 exp(-l) = 1e-9 / CASES.
            let (var, k, l) = (j * (1.0 - j), k as f64, (2.0 * f64::from(CASES) / 1e-9).ln());
            let t = l / (3.0 * k) + ((l / (3.0 * k)).powi(2) + 2.0 * var * l / k).sqrt();
            prop_assert!((e - j).abs() <= t + 1.5 / k, "J={j} est={e} bound {t}");
        }

        /// The screen keeps every pair at or above the threshold, against
        /// exact Jaccard: set sizes from a few shingles (most bins empty)
        /// to many, thresholds from just under the pair's Jaccard to it.
        #[test]
        fn the_screen_keeps_every_pair_at_its_threshold(seed in 0u64..1000, shared in 1usize..600, only_a in 0usize..300, only_b in 0usize..300, under in 0.0f64..0.2, kperm in any::<bool>()) {
            let algo = if kperm { MinHashAlgorithm::KPermutation } else { MinHashAlgorithm::OnePermutation };
            let h = MinHasher::new(128, seed, algo);
            let (a, b) = sets(seed, shared, only_a, only_b);
            let threshold = jaccard(&a, &b) * (1.0 - under);
            let screen = |s: &[u64]| {
                let (mut out, mut bytes) = (vec![0; 128], vec![0; 128]);
                h.sign_screened(s, &mut out, &mut bytes);
                bytes
            };
            prop_assert!(may_reach(&screen(&a), &screen(&b), threshold));
        }
    }
}
