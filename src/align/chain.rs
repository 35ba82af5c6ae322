//! Step 2, **chain**: anchors in increasing order in both documents.
//!
//! Takes the anchors of step 1 (sorted by position in `a`, then `b`) and
//! gives chains of them, best first ([`Job::chains`]), by dynamic
//! programming over the [`CHAIN_LOOKBACK`] anchors before each. Two anchors
//! may follow each other when the words between them fit [`Job::gap_ok`]:
//! at most [`max_gap`](super::AlignConfig::max_gap) on the side with the
//! smaller gap and `gap_ratio * max_gap` on the other, because a condensed
//! rewrite skips far more of its source than of itself. Taking chains best
//! first finds passages in any order (transposed paragraphs), several per
//! pair.

use super::{Job, Run, CHAIN_LOOKBACK, NONE};

impl Job<'_, '_, '_> {
    /// Whether a gap of `ga` words in `a` and `gb` in `b` may lie inside a
    /// passage.
    pub(super) fn gap_ok(&self, ga: usize, gb: usize) -> bool {
        let (short, long) = (ga.min(gb), ga.max(gb));
        short <= self.config.max_gap && long <= self.config.max_gap * self.config.gap_ratio.max(1)
    }

    /// Chains of anchors (indices into `runs`), best first.
    pub(super) fn chains(&mut self, runs: &[Run]) -> Vec<Vec<usize>> {
        let n = runs.len();
        let left = self.work.limit.saturating_sub(self.work.used);
        let lookback = CHAIN_LOOKBACK.min(left / n.max(1)).max(1);
        if lookback < CHAIN_LOOKBACK {
            self.work.exhausted = true;
        }
        self.work.used = self.work.used.saturating_add(n.saturating_mul(lookback));
        let long = self.config.max_gap * self.config.gap_ratio.max(1);
        let max_len = runs.iter().map(|r| r.len).max().unwrap_or(0);
        let mut score = vec![0.0f64; n];
        let mut pred = vec![NONE; n];
        for k in 0..n {
            let rk = runs[k];
            let mut best = rk.len as f64;
            for p in (k.saturating_sub(lookback)..k).rev() {
                let rp = runs[p];
                if rk.i > rp.i + long + max_len {
                    break;
                }
                let (ae, be) = (rp.i + rp.len, rp.j + rp.len);
                if ae > rk.i || be > rk.j {
                    continue;
                }
                let (ga, gb) = (rk.i - ae, rk.j - be);
                if !self.gap_ok(ga, gb) {
                    continue;
                }
                let (short, longer) = (ga.min(gb) as f64, ga.max(gb) as f64);
                // A gap costs 0.2 per word on the side that skips less and
                // 0.06 per word more on the other; a link must pay for its
                // gap with the anchor it adds.
                let cost = 0.2 * short + 0.06 * (longer - short);
                if cost >= rk.len as f64 {
                    continue;
                }
                let s = score[p] + rk.len as f64 - cost;
                if s > best {
                    best = s;
                    pred[k] = p;
                }
            }
            score[k] = best;
        }
        // Chains are taken from their ends, best first: an anchor that some
        // later anchor links to is reached through it, even when the gap
        // before that later anchor cost more than the anchor brought.
        let mut linked = vec![false; n];
        for &p in &pred {
            if p != NONE {
                linked[p] = true;
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&x, &y| linked[x].cmp(&linked[y]).then(score[y].total_cmp(&score[x])).then(x.cmp(&y)));
        let mut used = vec![false; n];
        let mut chains = Vec::new();
        for k in order {
            if used[k] {
                continue;
            }
            let mut chain = Vec::new();
            let mut c = k;
            while c != NONE && !used[c] {
                used[c] = true;
                chain.push(c);
                c = pred[c];
            }
            chain.reverse();
            chains.push(chain);
        }
        chains
    }
}
