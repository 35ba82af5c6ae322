//! Verify: exact scores of a candidate pair from its two shingle sets.
//!
//! Candidates come from estimates ([`crate::lsh`], [`crate::reuse`]); what
//! is reported is
//! always exact: Jaccard `|A ∩ B| / |A ∪ B|` and both containments
//! `|A ∩ B| / |A|` (how much of `a` is found in `b`) and `|A ∩ B| / |B|`,
//! computed by merging two sorted fingerprint sets ([`Overlap::of`]) or,
//! to measure one document against many, with hash sets ([`Measure`]).

use std::collections::{HashMap, HashSet};

use foldhash::fast::RandomState;

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

/// Measures the overlap of one document's shingles with each of many
/// others': the first set is hashed once ([`Measure::set_a`]), and each
/// other document's shingles, repeats and all, are looked up in one pass,
/// with no sorting: deduplicated as they go ([`Measure::against`]), or,
/// when the caller knows how many distinct shingles that document has
/// (from an earlier pair), counted once each by stamping the first set's
/// entries ([`Measure::against_known`]). The scan's pairs come sorted by
/// their first document, which each worker keeps.
///
/// The sets hash with foldhash (hashbrown's own default: one multiply per
/// key) under a random seed: fingerprints are hashes already, but their
/// hash function is public, so without a seed a crafted input could make
/// them collide in the table and cost quadratic time.
#[derive(Default)]
pub struct Measure {
    /// The first document's shingles, each with the last round that
    /// counted it.
    a: HashMap<u64, u32, RandomState>,
    b: HashSet<u64, RandomState>,
    round: u32,
}

/// A table emptied with more than this many slots, and at most an eighth
/// of them used last time, is freed rather than cleared: clearing costs
/// its capacity, and one huge document should not slow every pair after
/// it.
const KEEP_SLOTS: usize = 1 << 16;

impl Measure {
    /// Sets the first document: `shingles` are its fingerprints (from
    /// [`shingles_of`](crate::shingle::shingles_of)), in any order, repeats
    /// allowed.
    pub fn set_a(&mut self, shingles: &[u64]) {
        if self.a.capacity() > KEEP_SLOTS && self.a.len() < self.a.capacity() / 8 {
            self.a = HashMap::default();
        }
        self.a.clear();
        self.a.reserve(shingles.len());
        self.a.extend(shingles.iter().map(|&h| (h, 0)));
        self.round = 0;
    }

    /// The overlap of the first document with the set of `shingles` (any
    /// order, repeats allowed).
    pub fn against(&mut self, shingles: &[u64]) -> Overlap {
        let b = &mut self.b;
        if b.capacity() > KEEP_SLOTS && b.len() < b.capacity() / 8 {
            *b = HashSet::default();
        }
        b.clear();
        b.reserve(shingles.len());
        let mut shared = 0;
        for &h in shingles {
            if b.insert(h) && self.a.contains_key(&h) {
                shared += 1;
            }
        }
        Overlap { shared, a: self.a.len(), b: b.len() }
    }

    /// [`Measure::against`], for shingles of which `distinct` are distinct
    /// (as an earlier [`Measure::against`] of the same document found):
    /// only the first document's table is probed.
    pub fn against_known(&mut self, shingles: &[u64], distinct: usize) -> Overlap {
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            self.a.values_mut().for_each(|r| *r = 0);
            self.round = 1;
        }
        let mut shared = 0;
        for h in shingles {
            if let Some(counted) = self.a.get_mut(h) {
                if *counted != self.round {
                    *counted = self.round;
                    shared += 1;
                }
            }
        }
        Overlap { shared, a: self.a.len(), b: distinct }
    }
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

    /// Rounds of stamps wrap around without miscounting.
    #[test]
    fn rounds_wrap() {
        let mut m = Measure::default();
        m.set_a(&[1, 2, 3, 4]);
        // Round 1 stamps 3; after the wrap, round 1 comes again and must not
        // take that old stamp for its own.
        assert_eq!(m.against_known(&[3], 1).shared, 1);
        m.round = u32::MAX - 1;
        assert_eq!(m.against_known(&[2, 2, 9], 2).shared, 1);
        for _ in 0..3 {
            let o = m.against_known(&[3, 3, 2, 9], 3);
            assert_eq!((o.shared, o.a, o.b), (2, 4, 3));
        }
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_config(256))]

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

        /// One `Measure` over several documents in turn, with repeats and
        /// every order, gives the sorted sets' overlap each time, whether
        /// it deduplicates them or is told how many distinct they hold.
        #[test]
        fn measure_is_the_sorted_sets_overlap(
            a in proptest::collection::vec(0u64..64, 0..60),
            others in proptest::collection::vec(proptest::collection::vec(0u64..64, 0..60), 1..5),
        ) {
            let sorted = |v: &[u64]| -> Vec<u64> {
                v.iter().copied().collect::<BTreeSet<u64>>().into_iter().collect()
            };
            let mut m = Measure::default();
            m.set_a(&a);
            for b in &others {
                let expected = Overlap::of(&sorted(&a), &sorted(b));
                prop_assert_eq!(m.against(b), expected);
                prop_assert_eq!(m.against_known(b, expected.b), expected);
                prop_assert_eq!(m.against_known(b, expected.b), expected);
            }
        }
    }
}
