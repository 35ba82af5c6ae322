//! Step 3, **extend**: a chain of anchors becomes a candidate passage, word
//! by word.
//!
//! Takes a chain from step 2 and gives a [`Candidate`] ([`Job::candidate`]):
//! the gaps between anchors are filled by a global affine-gap alignment of
//! the tokens' match keys ([`Job::fill`]), which says which words were
//! substituted, inserted or deleted; beyond the first and last anchor an
//! anchored alignment with X-drop extends the passage while that pays. The
//! alignments themselves are in [`super::gotoh`]. Both count against the
//! budget: once it runs out, gaps are filled coarsely ([`coarse_fill`]) and
//! nothing more is extended. [`Job::stop_reason`] says why a passage ends
//! where it does, for [`Explain`](super::Explain).

use super::gotoh::S_M;
use super::resolve::{rank, Rank};
use super::{Candidate, Col, Job, Run, Stop};

/// What the candidate of a chain can be at most, known before it is filled
/// and extended: its matched words, and the tokens it can cover on each
/// side (inclusive ranges).
struct Reach {
    matched: usize,
    a: (usize, usize),
    b: (usize, usize),
}

/// The candidates of a pair's chains ([`Job::candidates`]).
pub(super) struct Made {
    /// One slot per chain, in the order of the chains: its candidate, or
    /// `None` where it has none that passes [`Candidate::keep`] or it was
    /// skipped.
    pub(super) slots: Vec<Option<Candidate>>,
    /// The chains skipped, and the rank of the candidate whose text covers
    /// theirs ([`rank`]): step 4 takes it first unless a candidate made
    /// later (from sentences) ranks as high.
    skipped: Vec<usize>,
    first: Option<Rank>,
}

impl Job<'_, '_, '_> {
    /// The candidate of each chain of `chains`.
    ///
    /// Most chains of a pair of near-duplicates are a phrase repeated
    /// inside the one passage that covers both texts, and step 4 would cut
    /// their candidates down to nothing. So chains are taken by the most
    /// words their candidate could match ([`Reach`]); once one candidate
    /// matches more words than any chain left could, step 4 takes it
    /// first and whole, and a chain left whose every possible column lies
    /// inside its text on both sides is not filled or extended at all.
    /// The passages are those of making every candidate (a test holds it
    /// to that; step 4 breaks ties by the slot, so a skipped one changes
    /// no other's turn); only the work differs.
    pub(super) fn candidates(&mut self, chains: &[Vec<usize>], runs: &[Run]) -> Made {
        let mut made = Made { slots: Vec::with_capacity(chains.len()), skipped: Vec::new(), first: None };
        if self.s.extend_every_chain {
            for chain in chains {
                made.slots.push(self.candidate(chain, runs).filter(|c| c.keep(self.config)));
            }
            return made;
        }
        made.slots.resize_with(chains.len(), || None);
        let reach: Vec<Reach> = chains.iter().map(|chain| self.reach(chain, runs)).collect();
        let mut order: Vec<usize> = (0..chains.len()).collect();
        order.sort_by_key(|&k| std::cmp::Reverse(reach[k].matched));
        // The best candidate so far, and whether another ranks as high.
        let mut best: Option<(usize, bool)> = None;
        for &k in &order {
            let first = best.and_then(|(b, tied)| (!tied).then(|| made.slots[b].as_ref()).flatten());
            if let Some(m) = first.filter(|m| m.matched > reach[k].matched) {
                let ((i0, j0), (i1, j1)) = (m.first(), m.last());
                let r = &reach[k];
                if r.a.0 >= i0 && r.a.1 <= i1 && r.b.0 >= j0 && r.b.1 <= j1 {
                    made.skipped.push(k);
                    made.first = Some(rank(m));
                    continue;
                }
            }
            let c = self.candidate(&chains[k], runs).filter(|c| c.keep(self.config));
            if let Some(c) = &c {
                best = match best {
                    Some((b, tied)) => match Some(rank(c)).cmp(&made.slots[b].as_ref().map(rank)) {
                        std::cmp::Ordering::Greater => Some((k, false)),
                        std::cmp::Ordering::Equal => Some((b, true)),
                        std::cmp::Ordering::Less => Some((b, tied)),
                    },
                    None => Some((k, false)),
                };
            }
            made.slots[k] = c;
        }
        made
    }

    /// Makes the candidates [`Job::candidates`] skipped, if one of `later`
    /// (candidates from sentences) ranks as high as the candidate that
    /// covers them: step 4 may then not take that one first.
    pub(super) fn unskip(
        &mut self,
        made: &mut Made,
        later: &[Candidate],
        chains: &[Vec<usize>],
        runs: &[Run],
    ) {
        let Some(first) = made.first else { return };
        if later.iter().all(|c| rank(c) < first) {
            return;
        }
        for k in std::mem::take(&mut made.skipped) {
            made.slots[k] = self.candidate(&chains[k], runs).filter(|c| c.keep(self.config));
        }
        made.first = None;
    }

    /// The most a chain's candidate can be: its anchors' words, the
    /// shorter side of each gap between them, and as far as an extension
    /// reaches at each end.
    fn reach(&self, chain: &[usize], runs: &[Run]) -> Reach {
        let w = self.extension_width();
        let (first, last) = (runs[chain[0]], runs[chain[chain.len() - 1]]);
        let mut matched = 0;
        for (n, &r) in chain.iter().enumerate() {
            let run = runs[r];
            matched += run.len;
            if n > 0 {
                let prev = runs[chain[n - 1]];
                matched += (run.i - (prev.i + prev.len)).min(run.j - (prev.j + prev.len));
            }
        }
        let (a_end, b_end) = (last.i + last.len, last.j + last.len);
        matched += w.min(first.i).min(first.j);
        matched += w.min(self.a.len() - a_end).min(self.b.len() - b_end);
        Reach {
            matched,
            a: (first.i.saturating_sub(w), (a_end + w).min(self.a.len()) - 1),
            b: (first.j.saturating_sub(w), (b_end + w).min(self.b.len()) - 1),
        }
    }

    /// Words an extension looks at beyond a chain's end, on each side.
    fn extension_width(&self) -> usize {
        2 * self.config.max_gap.max(1)
    }

    /// Fills and extends one chain into a candidate passage.
    pub(super) fn candidate(&mut self, chain: &[usize], runs: &[Run]) -> Option<Candidate> {
        let mut cols = Vec::new();
        for (n, &r) in chain.iter().enumerate() {
            let run = runs[r];
            if n > 0 {
                let prev = runs[chain[n - 1]];
                let (ae, be) = (prev.i + prev.len, prev.j + prev.len);
                self.fill(ae, run.i, be, run.j, &mut cols);
            }
            cols.extend((0..run.len).map(|d| Col::Eq(run.i + d, run.j + d)));
        }
        let first = runs[chain[0]];
        let last = runs[chain[chain.len() - 1]];
        let anchors: Vec<Run> = chain.iter().map(|&r| runs[r]).collect();
        let mut left = Vec::new();
        self.extend(first.i, first.j, false, &mut left);
        left.extend(cols);
        self.extend(last.i + last.len, last.j + last.len, true, &mut left);
        let mut c = Candidate::new(left, anchors, Stop::SimilarityTooLow, Stop::SimilarityTooLow)?;
        if self.config.explain {
            c.start = self.stop_reason(&c, runs, false);
            c.end = self.stop_reason(&c, runs, true);
        }
        Some(c)
    }

    /// Why candidate `c` stops at its start (`forward` false) or end.
    pub(super) fn stop_reason(&self, c: &Candidate, runs: &[Run], forward: bool) -> Stop {
        let (i, j) = if forward { c.last() } else { c.first() };
        let at_edge = if forward { i + 1 >= self.a.len() || j + 1 >= self.b.len() } else { i == 0 || j == 0 };
        if at_edge {
            return Stop::EndOfText;
        }
        if self.work.exhausted {
            return Stop::Budget;
        }
        // The nearest anchor beyond, in both documents.
        let mut nearest: Option<(usize, usize)> = None;
        for r in runs {
            let gaps = if forward {
                (r.i > i && r.j > j).then(|| (r.i - i - 1, r.j - j - 1))
            } else {
                (r.i + r.len <= i && r.j + r.len <= j).then(|| (i - (r.i + r.len), j - (r.j + r.len)))
            };
            if let Some((ga, gb)) = gaps {
                if nearest.map_or(true, |(na, nb)| ga.max(gb) < na.max(nb)) {
                    nearest = Some((ga, gb));
                }
            }
        }
        match nearest {
            Some((a_gap, b_gap)) if !self.gap_ok(a_gap, b_gap) => Stop::GapTooLong { a_gap, b_gap },
            _ => Stop::SimilarityTooLow,
        }
    }

    /// Aligns `a[i0..i1]` with `b[j0..j1]` end to end, appending columns.
    pub(super) fn fill(&mut self, i0: usize, i1: usize, j0: usize, j1: usize, cols: &mut Vec<Col>) {
        let (n, m) = (i1 - i0, j1 - j0);
        if n == 0 || m == 0 || !self.work.take((n + 1) * (m + 1)) {
            coarse_fill(i0, i1, j0, j1, cols);
            return;
        }
        let dp = &mut self.s.dp;
        dp.set(self.ka[i0..i1].iter().map(|k| k.key), self.kb[j0..j1].iter().map(|k| k.key));
        dp.align::<true>();
        let from = cols.len();
        dp.traceback(n, m, dp.best_state(), cols, |col| match col {
            Col::Eq(i, j) => Col::Eq(i0 + i, j0 + j),
            Col::Sub(i, j) => Col::Sub(i0 + i, j0 + j),
            Col::Del(i) => Col::Del(i0 + i),
            Col::Ins(j) => Col::Ins(j0 + j),
        });
        cols[from..].reverse();
    }

    /// Extends from `(i, j)` forwards (into `a[i..]`, `b[j..]`) or
    /// backwards (into `a[..i]`, `b[..j]`), appending the columns to `out`
    /// in document order.
    fn extend(&mut self, i: usize, j: usize, forward: bool, out: &mut Vec<Col>) {
        let w = self.extension_width();
        let (ia, ib) = if forward {
            (i..(i + w).min(self.a.len()), j..(j + w).min(self.b.len()))
        } else {
            (i.saturating_sub(w)..i, j.saturating_sub(w)..j)
        };
        let (n, m) = (ia.len(), ib.len());
        if n == 0 || m == 0 || !self.work.take((n + 1) * (m + 1)) {
            return;
        }
        let dp = &mut self.s.dp;
        let (a, b) = (&self.ka[ia.clone()], &self.kb[ib.clone()]);
        if forward {
            dp.set(a.iter().map(|k| k.key), b.iter().map(|k| k.key));
        } else {
            dp.set(a.iter().rev().map(|k| k.key), b.iter().rev().map(|k| k.key));
        }
        dp.align::<false>();
        let Some((bi, bj)) = dp.best_end else {
            return;
        };
        let map_i = |x: usize| if forward { ia.start + x } else { ia.end - 1 - x };
        let map_j = |y: usize| if forward { ib.start + y } else { ib.end - 1 - y };
        let from = out.len();
        // The traceback runs from the far end back to the anchor: document
        // order backwards, the reverse of it forwards.
        dp.traceback(bi, bj, S_M, out, |col| match col {
            Col::Eq(x, y) => Col::Eq(map_i(x), map_j(y)),
            Col::Sub(x, y) => Col::Sub(map_i(x), map_j(y)),
            Col::Del(x) => Col::Del(map_i(x)),
            Col::Ins(y) => Col::Ins(map_j(y)),
        });
        if forward {
            out[from..].reverse();
        }
    }
}

/// Fills a gap without aligning: substitutions, then the rest deleted or
/// inserted.
fn coarse_fill(i0: usize, i1: usize, j0: usize, j1: usize, cols: &mut Vec<Col>) {
    let common = (i1 - i0).min(j1 - j0);
    cols.extend((0..common).map(|d| Col::Sub(i0 + d, j0 + d)));
    cols.extend((i0 + common..i1).map(Col::Del));
    cols.extend((j0 + common..j1).map(Col::Ins));
}
