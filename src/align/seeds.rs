//! Step 1, **seed**: the exact anchors two documents share.
//!
//! Takes the tokens of `a` and `b` and gives [`Run`]s: every run of
//! [`AlignConfig::seed_size`](super::AlignConfig::seed_size) consecutive
//! words (stop words kept) is a seed, hashed by [`seed_hash`]; seeds of `b`
//! are looked up in a [`SeedIndex`] of `a` (kept by an
//! [`Aligner`](super::Aligner) while `a` stays the same), and equal seeds on
//! one diagonal merge into an anchor ([`Job::anchors`]). A seed that repeats
//! more than `max_seed_repeats` times, or that the caller marks as common, is
//! left out. The sentence-level seeds are in [`super::sentences`].

use super::{trim, Job, Run, Scratch};
use crate::text::Token;

/// The hash of a seed: a run of consecutive tokens. Other stages use it to
/// find seeds that are common in a corpus (see [`align_with`](super::align_with)).
pub fn seed_hash(window: &[Token]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for t in window {
        h = (h ^ t.hash).wrapping_mul(0xff51_afd7_ed55_8ccd).rotate_left(31);
    }
    h
}

/// Documents of more tokens than this (or with more distinct seeds) find
/// shared seeds by sorting, not with a hash table.
const SMALL_INDEX: usize = 1 << 16;

/// The seeds of one document, found by hash.
#[derive(Debug, Default)]
pub(super) struct SeedIndex {
    /// The token hashes of the document indexed, with the seed size and
    /// repeat limit used, to tell when the index can be reused.
    tokens: Vec<u64>,
    key: Option<(usize, usize)>,
    /// Every seed as (hash, position), sorted.
    seeds: Vec<(u64, usize)>,
    /// The seeds of each distinct hash occurring at most the repeat limit
    /// times, in order of hash: (hash, start, end) in `seeds`.
    groups: Vec<(u64, usize, usize)>,
    /// Open addressing on hash, a quarter full, made when first needed:
    /// the hash and 1 + its index in `groups`, or 0 for an empty slot.
    table: Vec<(u64, u32)>,
    /// Shift that takes a hash to a slot: 64 minus log2 of the table size.
    shift: u32,
    /// One bit per two slots' worth of hash prefixes, set for the groups':
    /// most seeds of `b` are in no group, and this small filter, unlike the
    /// table, stays in the nearest cache.
    filter: Vec<u64>,
}

impl SeedIndex {
    /// Frees its buffers if one of them is very long (see
    /// [`Scratch::trim`]).
    pub(super) fn trim(&mut self) {
        if trim(&mut self.seeds)
            | trim(&mut self.groups)
            | trim(&mut self.table)
            | trim(&mut self.filter)
            | trim(&mut self.tokens)
        {
            *self = SeedIndex::default();
        }
    }

    /// Indexes the seeds (`k` tokens each) of `tokens`, leaving out those
    /// that occur more than `max` times, unless it already holds them.
    fn build(&mut self, tokens: &[Token], k: usize, max: usize) {
        let same = self.key == Some((k, max))
            && self.tokens.len() == tokens.len()
            && self.tokens.iter().zip(tokens).all(|(&h, t)| h == t.hash);
        if same {
            return;
        }
        self.key = Some((k, max));
        self.tokens.clear();
        self.tokens.extend(tokens.iter().map(|t| t.hash));
        self.seeds.clear();
        self.seeds.extend(tokens.windows(k).enumerate().map(|(i, w)| (seed_hash(w), i)));
        self.seeds.sort_unstable();
        self.groups.clear();
        let mut s = 0;
        while s < self.seeds.len() {
            let h = self.seeds[s].0;
            let e = s + self.seeds[s..].iter().take_while(|x| x.0 == h).count();
            if e - s <= max {
                self.groups.push((h, s, e));
            }
            s = e;
        }
        self.table.clear();
    }

    /// Fills `shared` with the seeds of `b` (`k` tokens each) whose hash is
    /// in the index, as (group, position), sorted: all the seeds of `b`
    /// with that hash, so that their number is the count in `b`. Short
    /// documents look their seeds up in a hash table (that stays in cache),
    /// long ones sort them and walk along the groups.
    /// (`small` is the most tokens or groups looked up in a table.)
    fn shared(
        &mut self,
        b: &[Token],
        k: usize,
        small: usize,
        shared: &mut Vec<(usize, usize)>,
        scratch: &mut Vec<(u64, usize)>,
    ) {
        shared.clear();
        if self.groups.len() <= small && b.len() <= small {
            if self.table.is_empty() {
                self.fill_table();
            }
            for (j, w) in b.windows(k).enumerate() {
                if let Some(g) = self.find(seed_hash(w)) {
                    shared.push((g, j));
                }
            }
            shared.sort_unstable();
        } else {
            scratch.clear();
            scratch.extend(b.windows(k).enumerate().map(|(j, w)| (seed_hash(w), j)));
            scratch.sort_unstable();
            let mut g = 0;
            for &(h, j) in scratch.iter() {
                while g < self.groups.len() && self.groups[g].0 < h {
                    g += 1;
                }
                if g == self.groups.len() {
                    break;
                }
                if self.groups[g].0 == h {
                    shared.push((g, j));
                }
            }
        }
    }

    fn fill_table(&mut self) {
        let bits = (4 * self.groups.len()).max(16).next_power_of_two().trailing_zeros();
        self.shift = 64 - bits;
        self.table.clear();
        self.table.resize(1 << bits, (0, 0));
        let mask = self.table.len() - 1;
        self.filter.clear();
        self.filter.resize(((1usize << (bits + 1)) / 64).max(1), 0);
        for (g, &(h, _, _)) in self.groups.iter().enumerate() {
            let bit = (SeedIndex::mixed(h) >> (self.shift - 1)) as usize;
            self.filter[bit / 64] |= 1 << (bit % 64);
            let mut slot = self.slot(h);
            while self.table[slot].1 != 0 {
                slot = (slot + 1) & mask;
            }
            self.table[slot] = (h, u32::try_from(g + 1).expect("fewer than 2^32 distinct seeds"));
        }
    }

    /// The hash `h` mixed: its top bits choose a slot and a filter bit.
    fn mixed(h: u64) -> u64 {
        h.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn slot(&self, h: u64) -> usize {
        (SeedIndex::mixed(h) >> self.shift) as usize
    }

    /// The group of seeds with hash `h`, if any.
    fn find(&self, h: u64) -> Option<usize> {
        let bit = (SeedIndex::mixed(h) >> (self.shift - 1)) as usize;
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return None;
        }
        let mask = self.table.len() - 1;
        let mut slot = self.slot(h);
        loop {
            let (key, g) = self.table[slot];
            if g == 0 {
                return None;
            }
            if key == h {
                return Some(g as usize - 1);
            }
            slot = (slot + 1) & mask;
        }
    }
}

impl Job<'_, '_, '_> {
    /// Exact anchors: shared seeds, merged along diagonals, sorted by
    /// position in `a` then `b`. A seed is left out when it occurs more than
    /// `max_seed_repeats` times in either document or `is_common`; the work
    /// of pairing the others is counted hash by hash, in order of hash.
    pub(super) fn anchors(&mut self, is_common: &dyn Fn(u64) -> bool) -> Vec<Run> {
        let k = self.config.seed_size.max(1);
        let max = self.config.max_seed_repeats.max(1);
        let Scratch { index, shared, b_seeds, pairs, .. } = &mut *self.s;
        index.build(self.a, k, max);
        index.shared(self.b, k, SMALL_INDEX, shared, b_seeds);
        pairs.clear();
        let mut y = 0;
        while y < shared.len() {
            let g = shared[y].0;
            let ye = y + shared[y..].iter().take_while(|s| s.0 == g).count();
            let (h, xs, xe) = index.groups[g];
            let in_b = &shared[y..ye];
            y = ye;
            if in_b.len() > max || is_common(h) {
                continue;
            }
            if !self.work.take((xe - xs) * in_b.len()) {
                break;
            }
            for &(_, i) in &index.seeds[xs..xe] {
                for &(_, j) in in_b {
                    // A hash collision is not a seed.
                    if self.a[i..i + k].iter().zip(&self.b[j..j + k]).all(|(p, q)| p.hash == q.hash) {
                        pairs.push((j as isize - i as isize, i));
                    }
                }
            }
        }
        pairs.sort_unstable();
        let mut runs: Vec<Run> = Vec::new();
        let mut last_diag = None;
        for &(d, i) in pairs.iter() {
            let j = (i as isize + d) as usize;
            if last_diag == Some(d) {
                let r = runs.last_mut().expect("a run on this diagonal");
                if i <= r.i + r.len {
                    r.len = r.len.max(i + k - r.i);
                    continue;
                }
            }
            runs.push(Run { i, j, len: k });
            last_diag = Some(d);
        }
        runs.sort_unstable_by_key(|r| (r.i, r.j));
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;
    use proptest::prelude::*;

    /// Tokens whose hashes are `ids`.
    fn tokens_of(ids: &[u64]) -> Vec<Token> {
        ids.iter().map(|&hash| Token { span: Span::new(0, 1), hash }).collect()
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_config(200))]

        /// Seeds shared with `b` are the same whether looked up in the hash
        /// table (short documents) or found by sorting (long ones).
        #[test]
        fn shared_seeds_by_table_or_by_sorting(a in prop::collection::vec(0u64..12, 0..200), b in prop::collection::vec(0u64..12, 0..200), k in 1usize..4, max in 1usize..6) {
            let (ta, tb) = (tokens_of(&a), tokens_of(&b));
            let mut index = SeedIndex::default();
            index.build(&ta, k, max);
            let (mut by_table, mut by_sorting, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
            index.shared(&tb, k, usize::MAX, &mut by_table, &mut scratch);
            index.shared(&tb, k, 0, &mut by_sorting, &mut scratch);
            prop_assert_eq!(&by_table, &by_sorting);
            // And each is what it says: every seed of `b` whose hash is in a
            // group of `a`.
            let expected: usize = tb.windows(k).filter(|w| index.groups.iter().any(|g| g.0 == seed_hash(w))).count();
            prop_assert_eq!(by_table.len(), expected);
        }
    }
}
