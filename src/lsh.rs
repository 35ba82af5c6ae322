//! LSH banding: signatures in, candidate pairs out.
//!
//! A signature of `k` values is cut into `b` bands of `r` rows; two
//! documents become a candidate pair when all `r` values of at least one
//! band agree. A pair of Jaccard similarity `s` becomes a candidate with
//! probability `1 - (1 - s^r)^b` (the S-curve). [`LshParams::optimal`]
//! picks `(b, r)` with `b r <= k` by minimising the weighted areas of false
//! positives below the threshold and false negatives above it, as datasketch
//! does; for k = 128 and equal weights that gives 25 x 5 at 0.5, 14 x 9 at
//! 0.7, 9 x 13 at 0.8 and 5 x 25 at 0.9.
//!
//! A document's bands are hashed to keys once, as it is sketched
//! ([`band_keys`]), so a scan holds `b` keys per document rather than its
//! `k`-value signature. One band at a time ([`band_pairs`]): the members'
//! keys of that band are sorted, and each run of equal keys (a bucket)
//! yields pairs.
//! A bucket of more than `max_bucket` members (boilerplate, thousands of
//! copies) is not expanded into all its pairs: each member is paired with
//! the bucket's first member and with its neighbour, which keeps clusters
//! connected at linear cost. The pipeline runs bands in parallel and merges
//! their pairs.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Bands and rows of an LSH index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LshParams {
    /// Number of bands `b`.
    pub bands: usize,
    /// Values per band `r`.
    pub rows: usize,
}

impl LshParams {
    /// The probability that a pair of Jaccard similarity `s` becomes a
    /// candidate.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The `(b, r)` with `b r <= k` minimising
    /// `fp_weight * FP + fn_weight * FN`, where FP is the area under the
    /// S-curve below `threshold` and FN the area above it left uncovered.
    pub fn optimal(threshold: f64, k: usize, fp_weight: f64, fn_weight: f64) -> LshParams {
        // Both areas by the trapezoid rule on fixed points. For one `rows`,
        // `1 - P(s) = (1 - s^rows)^bands` is one more factor per band, so the
        // whole table costs a multiplication per point and (bands, rows).
        let below = trapezoid(0.0, threshold);
        let above = trapezoid(threshold, 1.0);
        let mut best = (f64::INFINITY, LshParams { bands: 1, rows: k.max(1) });
        for rows in 1..=k {
            let base = |points: &[(f64, f64)]| -> Vec<f64> {
                points.iter().map(|&(s, _)| 1.0 - s.powi(rows as i32)).collect()
            };
            let (base_below, base_above) = (base(&below), base(&above));
            let (mut miss_below, mut miss_above) = (base_below.clone(), base_above.clone());
            for bands in 1..=k / rows {
                if bands > 1 {
                    miss_below.iter_mut().zip(&base_below).for_each(|(m, b)| *m *= b);
                    miss_above.iter_mut().zip(&base_above).for_each(|(m, b)| *m *= b);
                }
                let fp: f64 = below.iter().zip(&miss_below).map(|(&(_, w), m)| w * (1.0 - m)).sum();
                let fnr: f64 = above.iter().zip(&miss_above).map(|(&(_, w), m)| w * m).sum();
                let err = fp_weight * fp + fn_weight * fnr;
                // Ties go to fewer bands, then fewer rows.
                let p = LshParams { bands, rows };
                if err < best.0 || (err == best.0 && (bands, rows) < (best.1.bands, best.1.rows)) {
                    best = (err, p);
                }
            }
        }
        best.1
    }
}

/// The points and weights of the trapezoid rule on `[a, b]`, with enough
/// steps for the smooth S-curve (none when `b <= a`).
fn trapezoid(a: f64, b: f64) -> Vec<(f64, f64)> {
    const STEPS: usize = 200;
    if b <= a {
        return Vec::new();
    }
    let h = (b - a) / STEPS as f64;
    (0..=STEPS)
        .map(|i| {
            let s = if i == STEPS { b } else { a + i as f64 * h };
            (s, if i == 0 || i == STEPS { 0.5 * h } else { h })
        })
        .collect()
}

/// The key of band `band` of a signature: xxh3 of its `rows` values,
/// seeded by the band number so equal values in different bands differ.
pub fn band_key(signature: &[u32], band: usize, rows: usize) -> u64 {
    let values = &signature[band * rows..(band + 1) * rows];
    let mut buf = [0u8; 4 * 64];
    if rows <= 64 {
        for (slot, v) in buf.chunks_exact_mut(4).zip(values) {
            slot.copy_from_slice(&v.to_le_bytes());
        }
        xxh3_64_with_seed(&buf[..4 * rows], band as u64)
    } else {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        xxh3_64_with_seed(&bytes, band as u64)
    }
}

/// The keys of the `params.bands` bands of `signature`, into `out` (one
/// per band). Values past `bands * rows` take part in no band.
pub fn band_keys(signature: &[u32], params: LshParams, out: &mut [u64]) {
    for (band, key) in out[..params.bands].iter_mut().enumerate() {
        *key = band_key(signature, band, params.rows);
    }
}

/// The pairs one band yields.
#[derive(Debug, Default)]
pub struct BandPairs {
    /// Pairs `(i, j)` of member numbers with `i < j`, possibly repeated.
    pub pairs: Vec<(u32, u32)>,
    /// Buckets too large to expand into all their pairs.
    pub oversized_buckets: usize,
}

/// Candidate pairs of one band. `keys` holds the [`band_keys`] of every
/// document, `bands` per document (document `i`'s at `i * bands`); only
/// the documents in `members` take part. Pairs name documents by number.
pub fn band_pairs(keys: &[u64], bands: usize, members: &[u32], band: usize, max_bucket: usize) -> BandPairs {
    let key = |i: u32| keys[i as usize * bands + band];
    // Sorting 8-byte values is quicker than (key, member) pairs: sort by
    // the key's top half with the member number below it, then split the
    // rare runs whose full keys differ.
    let mut packed: Vec<u64> = members.iter().map(|&i| (key(i) & !0xFFFF_FFFF) | u64::from(i)).collect();
    packed.sort_unstable();
    let mut out = BandPairs::default();
    let mut bucket: Vec<u32> = Vec::new();
    let mut split: Vec<(u64, u32)> = Vec::new();
    for run in packed.chunk_by(|x, y| x >> 32 == y >> 32) {
        if run.len() < 2 {
            continue;
        }
        bucket.clear();
        bucket.extend(run.iter().map(|&p| p as u32));
        let first = key(bucket[0]);
        if bucket.iter().all(|&i| key(i) == first) {
            bucket_pairs(&bucket, max_bucket, &mut out);
            continue;
        }
        // Members stay in number order within each full key.
        split.clear();
        split.extend(bucket.iter().map(|&i| (key(i), i)));
        split.sort_unstable();
        for same in split.chunk_by(|x, y| x.0 == y.0) {
            bucket.clear();
            bucket.extend(same.iter().map(|&(_, i)| i));
            bucket_pairs(&bucket, max_bucket, &mut out);
        }
    }
    out
}

/// The pairs of one bucket, its members in ascending order: all of them,
/// or for more than `max_bucket` members a star on the first and a chain.
fn bucket_pairs(bucket: &[u32], max_bucket: usize, out: &mut BandPairs) {
    if bucket.len() <= max_bucket {
        for (x, &i) in bucket.iter().enumerate() {
            out.pairs.extend(bucket[x + 1..].iter().map(|&j| (i, j)));
        }
    } else {
        out.oversized_buckets += 1;
        let first = bucket[0];
        for w in bucket.windows(2) {
            out.pairs.push((first, w[1]));
            if w[0] != first {
                out.pairs.push((w[0], w[1]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimal_params_match_datasketch() {
        // Values datasketch's _optimal_param gives for k = 128, equal weights.
        for &(t, b, r) in &[(0.5, 25, 5), (0.7, 14, 9), (0.8, 9, 13), (0.9, 5, 25)] {
            assert_eq!(LshParams::optimal(t, 128, 0.5, 0.5), LshParams { bands: b, rows: r }, "t={t}");
        }
    }

    /// The areas by the trapezoid rule over `probability`, computed
    /// directly for every `(bands, rows)`: the oracle of `optimal`.
    fn optimal_directly(threshold: f64, k: usize, fp_weight: f64, fn_weight: f64) -> LshParams {
        let integrate = |f: &dyn Fn(f64) -> f64, a: f64, b: f64| -> f64 {
            trapezoid(a, b).iter().map(|&(s, w)| w * f(s)).sum()
        };
        let mut best = (f64::INFINITY, LshParams { bands: 1, rows: k });
        for bands in 1..=k {
            for rows in 1..=k / bands {
                let p = LshParams { bands, rows };
                let fp = integrate(&|s| p.probability(s), 0.0, threshold);
                let fnr = integrate(&|s| 1.0 - p.probability(s), threshold, 1.0);
                let err = fp_weight * fp + fn_weight * fnr;
                if err < best.0 {
                    best = (err, p);
                }
            }
        }
        best.1
    }

    #[test]
    fn optimal_params_match_the_direct_computation() {
        for k in [16, 64, 128, 200] {
            for t in (1..20).map(|i| i as f64 * 0.05) {
                for w in [0.5, 0.8, 0.95] {
                    assert_eq!(
                        LshParams::optimal(t, k, 1.0 - w, w),
                        optimal_directly(t, k, 1.0 - w, w),
                        "k={k} t={t} w={w}"
                    );
                }
            }
        }
    }

    #[test]
    fn s_curve() {
        let p = LshParams { bands: 25, rows: 5 };
        assert!(p.probability(0.5) > 0.5);
        assert!(p.probability(0.8) > 0.999);
        assert!(p.probability(0.2) < 0.01);
        assert_eq!(p.probability(0.0), 0.0);
        assert_eq!(p.probability(1.0), 1.0);
    }

    #[test]
    fn buckets_make_pairs() {
        let params = LshParams { bands: 2, rows: 2 };
        // Members 0 and 2 agree on band 0; 1 and 2 on band 1.
        let sigs = [[1, 2, 3, 4], [9, 9, 5, 6], [1, 2, 5, 6]];
        let keys = keys_of(&sigs, params);
        let b0 = band_pairs(&keys, 2, &[0, 1, 2], 0, 64);
        assert_eq!(b0.pairs, vec![(0, 2)]);
        let b1 = band_pairs(&keys, 2, &[0, 1, 2], 1, 64);
        assert_eq!(b1.pairs, vec![(1, 2)]);
        // Documents outside `members` make no pairs.
        assert!(band_pairs(&keys, 2, &[0, 1], 0, 64).pairs.is_empty());
    }

    fn keys_of<const K: usize>(signatures: &[[u32; K]], params: LshParams) -> Vec<u64> {
        let mut keys = vec![0; signatures.len() * params.bands];
        for (sig, out) in signatures.iter().zip(keys.chunks_mut(params.bands)) {
            band_keys(sig, params, out);
        }
        keys
    }

    #[test]
    fn band_keys_depend_on_their_band_only() {
        let params = LshParams { bands: 3, rows: 2 };
        let keys = keys_of(&[[1, 2, 3, 4, 5, 6, 7], [1, 2, 0, 4, 5, 6, 8]], params);
        // Band 1 differs; a value past bands * rows takes part in none.
        assert_eq!(keys[0], keys[3]);
        assert_ne!(keys[1], keys[4]);
        assert_eq!(keys[2], keys[5]);
        // Equal values in different bands give different keys.
        let same = keys_of(&[[7, 7, 7, 7, 7, 7]], params);
        assert_ne!(same[0], same[1]);
    }

    /// Keys that share their top half but differ below it are different
    /// buckets: against the brute-force pairs of equal keys.
    #[test]
    fn buckets_are_full_keys_against_brute_force() {
        let mut state = 7u64;
        for round in 0..200 {
            let n = 1 + round % 40;
            let mut next = || {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                state >> 33
            };
            // Few distinct values, half of them sharing a top half.
            let keys: Vec<u64> = (0..n * 2).map(|_| (next() % 3) << 40 | (next() % 3)).collect();
            let members: Vec<u32> = (0..n as u32).filter(|&i| i % 5 != 4).collect();
            for band in 0..2 {
                let mut got = band_pairs(&keys, 2, &members, band, 64).pairs;
                got.sort_unstable();
                let mut want = Vec::new();
                for (x, &i) in members.iter().enumerate() {
                    for &j in &members[x + 1..] {
                        if keys[i as usize * 2 + band] == keys[j as usize * 2 + band] {
                            want.push((i, j));
                        }
                    }
                }
                assert_eq!(got, want, "round {round}, band {band}");
            }
        }
    }

    #[test]
    fn oversized_bucket_stays_linear_and_connected() {
        let params = LshParams { bands: 1, rows: 2 };
        let n = 1000;
        let keys = keys_of(&vec![[7, 7]; n], params);
        let members: Vec<u32> = (0..n as u32).collect();
        let out = band_pairs(&keys, 1, &members, 0, 64);
        assert_eq!(out.oversized_buckets, 1);
        assert!(out.pairs.len() < 2 * n);
        // Every member is connected to member 0.
        let mut seen = vec![false; n];
        for &(i, j) in &out.pairs {
            if i == 0 {
                seen[j as usize] = true;
            }
        }
        assert!(seen[1..].iter().all(|&s| s));
    }
}
