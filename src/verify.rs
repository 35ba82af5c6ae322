//! Verify: exact scores of a candidate pair from its two shingle sets.
//!
//! Candidates come from estimates ([`crate::lsh`], [`crate::reuse`]); what
//! is reported is
//! always exact: Jaccard `|A ∩ B| / |A ∪ B|` and both containments
//! `|A ∩ B| / |A|` (how much of `a` is found in `b`) and `|A ∩ B| / |B|`,
//! computed by merging the two sorted fingerprint sets.

/// Exact overlap of two shingle sets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overlap {
    /// Shingles in both.
    pub shared: usize,
    /// Shingles of `a`.
    pub a: usize,
    /// Shingles of `b`.
    pub b: usize,
}

impl Overlap {
    /// Measures two sorted, repeat-free sets.
    pub fn of(a: &[u64], b: &[u64]) -> Overlap {
        Overlap { shared: intersection_size(a, b), a: a.len(), b: b.len() }
    }

    /// `|A ∩ B| / |A ∪ B|`; 0 when both are empty.
    pub fn jaccard(&self) -> f64 {
        let union = self.a + self.b - self.shared;
        ratio(self.shared, union)
    }

    /// `|A ∩ B| / |A|`: the share of `a` found in `b`.
    pub fn containment_a(&self) -> f64 {
        ratio(self.shared, self.a)
    }

    /// `|A ∩ B| / |B|`: the share of `b` found in `a`.
    pub fn containment_b(&self) -> f64 {
        ratio(self.shared, self.b)
    }
}

fn ratio(x: usize, y: usize) -> f64 {
    if y == 0 {
        0.0
    } else {
        x as f64 / y as f64
    }
}

/// Size of the intersection of two sorted, repeat-free slices.
pub fn intersection_size(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Exact Jaccard similarity of two sorted, repeat-free sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    Overlap::of(a, b).jaccard()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Two sets and their expected Jaccard and containments.
    type Case = (&'static [u64], &'static [u64], f64, f64, f64);

    #[test]
    fn table() {
        let cases: &[Case] = &[
            (&[1, 2, 3], &[1, 2, 3], 1.0, 1.0, 1.0),
            (&[1, 2], &[3, 4], 0.0, 0.0, 0.0),
            (&[1, 2, 3, 4], &[3, 4], 0.5, 0.5, 1.0),
            (&[], &[], 0.0, 0.0, 0.0),
            (&[1], &[], 0.0, 0.0, 0.0),
        ];
        for &(a, b, j, ca, cb) in cases {
            let o = Overlap::of(a, b);
            assert_eq!((o.jaccard(), o.containment_a(), o.containment_b()), (j, ca, cb), "{a:?} {b:?}");
        }
    }

    proptest! {
        #[test]
        fn matches_set_oracle(a in proptest::collection::btree_set(0u64..64, 0..40),
                              b in proptest::collection::btree_set(0u64..64, 0..40)) {
            let va: Vec<u64> = a.iter().copied().collect();
            let vb: Vec<u64> = b.iter().copied().collect();
            let inter = a.intersection(&b).count();
            let union: BTreeSet<_> = a.union(&b).collect();
            prop_assert_eq!(intersection_size(&va, &vb), inter);
            let expected = if union.is_empty() { 0.0 } else { inter as f64 / union.len() as f64 };
            prop_assert_eq!(jaccard(&va, &vb), expected);
        }
    }
}
