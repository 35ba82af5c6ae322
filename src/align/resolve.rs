//! Step 4, **resolve and merge**: no text claimed twice, neighbours joined.
//!
//! Takes the candidates of steps 1 to 3 (and of the sentence stage) and
//! gives them disjoint and merged. [`Job::resolve`] takes them best first
//! ([`Queued`]: most matched words); one that claims text already
//! [`Claimed`] on either side is cut around it and its pieces go back in the
//! queue. [`Job::merge`] then joins neighbours (in order in both documents,
//! nothing between them) whose gap is at most half the shorter of the two.

use std::collections::{BTreeMap, BinaryHeap};

use super::{Candidate, Col, Job, Stop};

/// Orders candidates for the best-first queue: most matched words, then
/// fewest columns, then position, then the first made (for determinism:
/// the turn of each never depends on which others are queued).
struct Queued {
    c: Candidate,
    /// Its slot among the candidates given, or after them for a piece,
    /// in the order pieces are made.
    seq: usize,
}

/// Where a candidate comes in the queue: [`rank`].
pub(super) type Rank = (usize, std::cmp::Reverse<usize>, std::cmp::Reverse<(usize, usize)>);

/// The order in which the queue takes candidates: most matched words,
/// then fewest columns, then position.
pub(super) fn rank(c: &Candidate) -> Rank {
    // Exact evidence first: a candidate from sentences must match a
    // third more words than a word-level one to take its text.
    let weight = if c.sentences { 3 * c.matched } else { 4 * c.matched };
    (weight, std::cmp::Reverse(c.cols.len()), std::cmp::Reverse(c.first()))
}

impl Queued {
    fn key(&self) -> (Rank, std::cmp::Reverse<usize>) {
        (rank(&self.c), std::cmp::Reverse(self.seq))
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// Disjoint claimed token ranges `[start, end]` (inclusive), by start.
#[derive(Default)]
struct Claimed(BTreeMap<usize, usize>);

impl Claimed {
    fn contains(&self, x: usize) -> bool {
        self.0.range(..=x).next_back().is_some_and(|(_, &e)| e >= x)
    }

    fn insert(&mut self, s: usize, e: usize) {
        self.0.insert(s, e);
    }
}

impl Job<'_, '_, '_> {
    /// Best first, cutting each candidate around text already claimed.
    pub(super) fn resolve(&mut self, candidates: Vec<Option<Candidate>>) -> Vec<Candidate> {
        let mut next = candidates.len();
        let mut heap: BinaryHeap<Queued> =
            candidates.into_iter().enumerate().filter_map(|(seq, c)| Some(Queued { c: c?, seq })).collect();
        let (mut ca, mut cb) = (Claimed::default(), Claimed::default());
        let mut kept = Vec::new();
        while let Some(Queued { c, .. }) = heap.pop() {
            let blocked = |col: &Col| {
                col.a().is_some_and(|i| ca.contains(i)) || col.b().is_some_and(|j| cb.contains(j))
            };
            if !c.cols.iter().any(blocked) {
                let ((i0, j0), (i1, j1)) = (c.first(), c.last());
                ca.insert(i0, i1);
                cb.insert(j0, j1);
                kept.push(c);
                continue;
            }
            let mut piece: Vec<Col> = Vec::new();
            let mut start = c.start;
            let n = c.cols.len();
            for (x, col) in c.cols.iter().enumerate() {
                let cut = blocked(col);
                if !cut {
                    piece.push(*col);
                }
                if (cut || x + 1 == n) && !piece.is_empty() {
                    let end = if cut { Stop::Overlap } else { c.end };
                    let cols = std::mem::take(&mut piece);
                    let (lo, hi) = (cols[0].a(), cols[cols.len() - 1].a());
                    let anchors = c
                        .anchors
                        .iter()
                        .filter(|r| {
                            lo.map_or(true, |lo| r.i >= lo) && hi.map_or(true, |hi| r.i + r.len <= hi + 1)
                        })
                        .copied()
                        .collect();
                    if let Some(mut p) = Candidate::new(cols, anchors, start, end) {
                        p.sentences = c.sentences;
                        if self.keep(&p) {
                            heap.push(Queued { c: p, seq: next });
                            next += 1;
                        }
                    }
                }
                if cut {
                    start = Stop::Overlap;
                }
            }
        }
        kept
    }

    /// Merges neighbours (in order in both documents, nothing between them
    /// on either side) whose gap is at most half the shorter of the two.
    pub(super) fn merge(&mut self, mut kept: Vec<Candidate>) -> Vec<Candidate> {
        kept.sort_by_key(|c| c.first());
        let mut b_order: Vec<(usize, usize)> = kept.iter().map(|c| (c.first().1, c.last().1)).collect();
        b_order.sort_unstable();
        let mut out: Vec<Candidate> = Vec::with_capacity(kept.len());
        for c in kept {
            if let Some(p) = out.last_mut() {
                let ((pi, pj), (ci, cj)) = (p.last(), c.first());
                if ci > pi && cj > pj {
                    let (ga, gb) = (ci - pi - 1, cj - pj - 1);
                    let (pl, cl) = (p.lens(), c.lens());
                    let shorter = pl.0.min(pl.1).min(cl.0).min(cl.1);
                    // Nothing else may lie in the gap in b.
                    let x = b_order.partition_point(|&(s, _)| s <= pj);
                    let free = b_order.get(x).map_or(true, |&(s, _)| s >= cj);
                    if free && 2 * ga.max(gb) <= shorter {
                        let mut cols = std::mem::take(&mut p.cols);
                        self.fill(pi + 1, ci, pj + 1, cj, &mut cols);
                        cols.extend_from_slice(&c.cols);
                        let mut anchors = std::mem::take(&mut p.anchors);
                        anchors.extend_from_slice(&c.anchors);
                        let mut merged = Candidate::new(cols, anchors, p.start, c.end)
                            .expect("merged candidates start and end with a match");
                        merged.sentences = p.sentences || c.sentences;
                        *p = merged;
                        continue;
                    }
                }
            }
            out.push(c);
        }
        out
    }
}
