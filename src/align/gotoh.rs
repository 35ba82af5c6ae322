//! The affine-gap alignment behind step 3 ([`super::extend`]): which words
//! of two token sequences match, are substituted, inserted or deleted.
//!
//! [`Gotoh`] aligns two sequences of token match keys, either globally (a
//! gap between two anchors) or anchored at the start with a free end and
//! X-drop (an extension beyond the last anchor), with match +2, mismatch -1,
//! gap open -3 and gap extend -0.5 (kept doubled as integers: [`MATCH`],
//! [`MISMATCH`], [`GAP_OPEN`], [`GAP_EXTEND`]). Most of the time of
//! [`align`](super::align) goes here, so it computes a row at a time
//! ([`row`]), in the narrowest integer type that cannot overflow, with the
//! move each state took kept in the low bits of its score. The tests hold
//! it to the textbook version, `tests::reference_gotoh`.

use super::{trim, Col};

// Scores of the token alignment, doubled to stay in integers.
const MATCH: i32 = 4;
const MISMATCH: i32 = -2;
const GAP_OPEN: i32 = -6;
const GAP_EXTEND: i32 = -1;
const X_DROP: i32 = 20;
/// Least score an extension must reach: two matches' worth, so a lone
/// stop word after a mismatch does not stretch a passage.
const MIN_EXTENSION: i32 = 3;

/// Affine-gap alignment of two token-hash sequences (Gotoh), either global
/// (from `(0, 0)` to `(n, m)`) or anchored at `(0, 0)` with a free end and
/// X-drop (for extension). Its buffers are kept from one alignment to the
/// next, so that aligning many gaps allocates little.
///
/// # Scores with their choice in the low bits
///
/// Each state of a cell takes the best of three moves, and on a tie the
/// first of them in a fixed order (match, deletion, insertion for the match
/// and deletion states; match, insertion, deletion for insertion). Scores
/// are kept multiplied by 4, so their two low bits are free: each move adds
/// a code (2 for the first in the order, 1, 0) before the three are
/// compared, and one `max` then gives both the best score and, among equal
/// scores, the first move. Clearing the two bits gives the score back. The
/// choices, and so the columns, are those of plain scores compared in that
/// order.
///
/// The cells of row 0 and column 0 that no path reaches start at `NEG`.
/// They never win a comparison: every state of an inner cell has a move
/// from a reachable state, and reachable scores are at least
/// `-4 * (n + m + 14)`, and at most `16 * min(n, m)`. Scores are `i16`
/// while `n + m` stays below [`MEDIUM`], `i32` below [`WIDE`] and `i64`
/// beyond: no sum overflows, and `NEG` stays below every reachable score.
#[derive(Debug, Default)]
pub(super) struct Gotoh {
    /// The sequences aligned: copied from the tokens, reversed for a
    /// backward extension; `b` in low and high halves, which compare four
    /// at a time.
    a: Vec<u64>,
    b_low: Vec<u32>,
    b_high: Vec<u32>,
    /// Per cell `(i, j)` at `i * (m + 1) + j`: the previous state of each
    /// state, as the code of its move (bits 0-1 for the match state, 2-3
    /// for deletion, that is a gap in `b`, 4-5 for insertion), and bit 6 set
    /// when `a[i - 1] == b[j - 1]`. Only the rows computed by the last
    /// alignment are meaningful; nothing is cleared between alignments
    /// because every cell a traceback reads was written by the alignment it
    /// follows.
    trace: Vec<u8>,
    /// Which tokens of `b` equal the token of `a` of the current row.
    same: Vec<bool>,
    narrow: Rows<i16>,
    medium: Rows<i32>,
    wide: Rows<i64>,
    /// Width of a trace row: `b.len() + 1`.
    w: usize,
    /// After a global alignment, the scores (times 4) of the match,
    /// deletion and insertion states at `(n, m)`.
    last: [i64; 3],
    /// The match cell `(i, j)` that scored best (extension).
    pub(super) best_end: Option<(usize, usize)>,
}

/// `n + m` from which [`Gotoh`] computes in `i32` (`i16` below).
const MEDIUM: usize = 4000;
/// `n + m` from which [`Gotoh`] computes in `i64`.
const WIDE: usize = 1 << 26;

/// Two rows of scores (times 4) of the three states: the row above and
/// the row being computed.
#[derive(Debug, Default)]
struct Rows<S> {
    up: [Vec<S>; 3],
    cur: [Vec<S>; 3],
    /// The moves into insertion at `j + 1` from the match and deletion
    /// states at `j`, with their codes.
    from_left: Vec<S>,
}

impl<S> Rows<S> {
    fn trim(&mut self) {
        for v in self.up.iter_mut().chain(&mut self.cur).chain([&mut self.from_left]) {
            trim(v);
        }
    }
}

/// The integer type of scores.
trait Score:
    Copy + Default + Ord + Into<i64> + std::ops::Add<Output = Self> + std::ops::BitAnd<Output = Self>
{
    /// The score of an unreachable state.
    const NEG: Self;
    /// `x` as a score (the callers keep it in range).
    fn of(x: i32) -> Self;
    /// The code of a move: the two low bits.
    fn code(self) -> u8;
}

macro_rules! score {
    ($t:ty) => {
        impl Score for $t {
            const NEG: $t = <$t>::MIN / 2;
            fn of(x: i32) -> $t {
                x as $t
            }
            fn code(self) -> u8 {
                (self & 3) as u8
            }
        }
    };
}
score!(i16);
score!(i32);
score!(i64);

pub(super) const S_M: u8 = 0;
const S_D: u8 = 1;
const S_I: u8 = 2;
const EQ_BIT: u8 = 1 << 6;
/// The state a code stands for, in the match and deletion states (first
/// of match, deletion, insertion on a tie) and in the insertion state
/// (first of match, insertion, deletion).
const MD_FROM: [u8; 4] = [S_I, S_D, S_M, S_M];
const I_FROM: [u8; 4] = [S_D, S_I, S_M, S_M];

/// Score of a gap of `len` words.
fn gap(len: usize) -> i32 {
    GAP_OPEN + GAP_EXTEND * (len as i32 - 1)
}

/// Computes row `i` of [`Gotoh`] (cells `1..=m`; cell 0 is set) from the
/// row above, `up`, where `a[i - 1]` is `ai` and `b` is given in low and
/// high halves. Writes the row's scores into `cur` and its moves into
/// `trace`; returns the best score of the row and the best score of a
/// match state where the tokens are equal (`NEG` if none).
///
/// A function of its own, so that the compiler knows that the slices do not
/// overlap and computes several cells at a time.
fn row<S: Score>(
    ai: u64,
    (b_low, b_high): (&[u32], &[u32]),
    up: &[Vec<S>; 3],
    [cm, cd, ci]: [&mut [S]; 3],
    from_left: &mut [S],
    same: &mut [bool],
    trace: &mut [u8],
) -> (S, S) {
    let s = S::of;
    let clear = s(!3);
    // Moves, times 4, with the code of their rank on a tie.
    let (open_first, open_last, extend_second) =
        (s(4 * GAP_OPEN + 2), s(4 * GAP_OPEN), s(4 * GAP_EXTEND + 1));
    let (matched, mismatched) = (s(4 * MATCH), s(4 * MISMATCH));
    let (a_low, a_high) = (ai as u32, (ai >> 32) as u32);
    let w = cm.len();
    let (um, ud, ui) = (&up[0][..w], &up[1][..w], &up[2][..w]);
    let (cd, ci, from_left, trace) = (&mut cd[..w], &mut ci[..w], &mut from_left[..w], &mut trace[..w]);
    let (b_low, b_high, same) = (&b_low[..w - 1], &b_high[..w - 1], &mut same[..w - 1]);
    // Equal tokens, in a loop of their own: it compares 32 bits at a time,
    // and the next one computes in `S`.
    for ((e, &low), &high) in same.iter_mut().zip(b_low).zip(b_high) {
        *e = (a_low == low) & (a_high == high);
    }
    // The match and deletion states depend on the row above only; so do
    // the moves into insertion from the match and deletion states on the
    // left.
    from_left[0] = (cm[0] + open_first).max(cd[0] + open_last);
    let (mut row_best, mut eq_best) = (S::NEG, S::NEG);
    for j in 1..w {
        let km = (um[j - 1] + s(2)).max(ud[j - 1] + s(1)).max(ui[j - 1]);
        let same = same[j - 1];
        let mv = (km & clear) + if same { matched } else { mismatched };
        let kd = (um[j] + open_first).max(ud[j] + extend_second).max(ui[j] + open_last);
        let dv = kd & clear;
        cm[j] = mv;
        cd[j] = dv;
        from_left[j] = (mv + open_first).max(dv + open_last);
        trace[j] = km.code() | kd.code() << 2 | if same { EQ_BIT } else { 0 };
        row_best = row_best.max(mv).max(dv);
        eq_best = eq_best.max(if same { mv } else { S::NEG });
    }
    // Insertion runs along the row: this loop alone is sequential.
    let mut left = ci[0];
    for (c, &f) in ci[1..].iter_mut().zip(&from_left[..w - 1]) {
        left = f.max((left & clear) + extend_second);
        *c = left;
    }
    for (t, c) in trace[1..].iter_mut().zip(&mut ci[1..]) {
        *t |= c.code() << 4;
        *c = *c & clear;
        row_best = row_best.max(*c);
    }
    (row_best, eq_best)
}

impl Gotoh {
    /// Frees the buffers that are very long (see `Scratch::trim`).
    pub(super) fn trim(&mut self) {
        trim(&mut self.trace);
        trim(&mut self.a);
        trim(&mut self.b_low);
        trim(&mut self.b_high);
        trim(&mut self.same);
        self.narrow.trim();
        self.medium.trim();
        self.wide.trim();
    }

    /// Sets the sequences to align.
    pub(super) fn set(&mut self, a: impl Iterator<Item = u64>, b: impl Iterator<Item = u64> + Clone) {
        self.a.clear();
        self.a.extend(a);
        self.b_low.clear();
        self.b_low.extend(b.clone().map(|h| h as u32));
        self.b_high.clear();
        self.b_high.extend(b.map(|h| (h >> 32) as u32));
    }

    /// Aligns `self.a` with `self.b`: globally (`GLOBAL`) or as an extension
    /// from `(0, 0)`, setting `best_end`.
    pub(super) fn align<const GLOBAL: bool>(&mut self) {
        let size = self.a.len() + self.b_low.len();
        if size < MEDIUM {
            let mut rows = std::mem::take(&mut self.narrow);
            self.align_in::<i16, GLOBAL>(&mut rows);
            self.narrow = rows;
        } else if size < WIDE {
            let mut rows = std::mem::take(&mut self.medium);
            self.align_in::<i32, GLOBAL>(&mut rows);
            self.medium = rows;
        } else {
            let mut rows = std::mem::take(&mut self.wide);
            self.align_in::<i64, GLOBAL>(&mut rows);
            self.wide = rows;
        }
    }

    fn align_in<S: Score, const GLOBAL: bool>(&mut self, rows: &mut Rows<S>) {
        let (n, m) = (self.a.len(), self.b_low.len());
        let w = m + 1;
        self.w = w;
        if self.trace.len() < (n + 1) * w {
            self.trace.resize((n + 1) * w, 0);
        }
        let s = S::of;
        let gap4 = |len: usize| {
            let g = S::of(gap(len));
            g + g + g + g
        };
        let min_best = s(4 * (MIN_EXTENSION - 1));
        let x_drop = s(-4 * X_DROP);
        for v in rows.up.iter_mut().chain(rows.cur.iter_mut()) {
            v.clear();
            v.resize(w, S::NEG);
        }
        rows.from_left.clear();
        rows.from_left.resize(w, S::NEG);
        self.same.resize(m, false);
        // Row 0.
        rows.up[0][0] = s(0);
        for j in 1..=m {
            rows.up[2][j] = gap4(j);
            self.trace[j] = if j == 1 { 2 << 4 } else { 1 << 4 };
        }
        let (mut best, mut best_end) = (s(0), None);
        let b = (&self.b_low[..m], &self.b_high[..m]);
        for (i, &ai) in (1..).zip(&self.a) {
            let trace = &mut self.trace[i * w..(i + 1) * w];
            trace[0] = if i == 1 { 2 << 2 } else { 1 << 2 };
            let [cm, cd, ci] = &mut rows.cur;
            cm[0] = S::NEG;
            cd[0] = gap4(i);
            ci[0] = S::NEG;
            let (row_best, eq_best) = row::<S>(
                ai,
                b,
                &rows.up,
                [&mut cm[..w], &mut cd[..w], &mut ci[..w]],
                &mut rows.from_left[..w],
                &mut self.same[..m],
                trace,
            );
            std::mem::swap(&mut rows.up, &mut rows.cur);
            if !GLOBAL {
                // The first match cell of the row that beats the best so far.
                if eq_best > best.max(min_best) {
                    best = eq_best;
                    let at =
                        trace.iter().zip(&rows.up[0]).position(|(&t, &v)| t & EQ_BIT != 0 && v == eq_best);
                    best_end = at.map(|j| (i, j));
                }
                if row_best < best + x_drop {
                    break;
                }
            }
        }
        self.last = [rows.up[0][m].into(), rows.up[1][m].into(), rows.up[2][m].into()];
        self.best_end = best_end;
    }

    /// The best state at `(n, m)` after a global alignment.
    pub(super) fn best_state(&self) -> u8 {
        let [pm, pd, pi] = self.last;
        let mut best = (S_M, pm);
        if pd > best.1 {
            best = (S_D, pd);
        }
        if pi > best.1 {
            best = (S_I, pi);
        }
        best.0
    }

    /// Appends the columns from `(i, j)` back to `(0, 0)`, ending in
    /// `state`, last column first, each passed through `map`.
    pub(super) fn traceback(
        &self,
        mut i: usize,
        mut j: usize,
        mut state: u8,
        out: &mut Vec<Col>,
        map: impl Fn(Col) -> Col,
    ) {
        let w = self.w;
        out.reserve(i + j);
        while i > 0 || j > 0 {
            let t = self.trace[i * w + j];
            if i == 0 {
                state = S_I;
            } else if j == 0 {
                state = S_D;
            }
            match state {
                S_M => {
                    out.push(map(if t & EQ_BIT != 0 {
                        Col::Eq(i - 1, j - 1)
                    } else {
                        Col::Sub(i - 1, j - 1)
                    }));
                    state = MD_FROM[usize::from(t & 3)];
                    i -= 1;
                    j -= 1;
                }
                S_D => {
                    out.push(map(Col::Del(i - 1)));
                    state = MD_FROM[usize::from((t >> 2) & 3)];
                    i -= 1;
                }
                _ => {
                    out.push(map(Col::Ins(j - 1)));
                    state = I_FROM[usize::from((t >> 4) & 3)];
                    j -= 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The affine-gap alignment as first written (plain scores compared in
    /// order, full matrices): the specification [`Gotoh`] must meet. Returns
    /// the columns and, for an extension, where it ends.
    fn reference_gotoh(a: &[u64], b: &[u64], global: bool) -> (Vec<Col>, Option<(usize, usize)>) {
        const NEG: i32 = i32::MIN / 4;
        let (n, m) = (a.len(), b.len());
        // Per cell: scores and previous states of the match, deletion and
        // insertion states.
        let mut score = vec![[NEG; 3]; (n + 1) * (m + 1)];
        let mut from = vec![[0u8; 3]; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        score[0][0] = 0;
        for j in 1..=m {
            score[at(0, j)][2] = gap(j);
            from[at(0, j)][2] = if j == 1 { S_M } else { S_I };
        }
        let first_best = |options: [(i32, u8); 3]| {
            options.into_iter().fold((NEG - 100, S_M), |best, o| if o.0 > best.0 { o } else { best })
        };
        let (mut best, mut best_end) = (0, None);
        for i in 1..=n {
            score[at(i, 0)][1] = gap(i);
            from[at(i, 0)][1] = if i == 1 { S_M } else { S_D };
            let mut row_best = NEG;
            for j in 1..=m {
                let [dm, dd, di] = score[at(i - 1, j - 1)];
                let [um, ud, ui] = score[at(i - 1, j)];
                let [lm, ld, li] = score[at(i, j - 1)];
                let (v, fm) = first_best([(dm, S_M), (dd, S_D), (di, S_I)]);
                let mv = (v + if a[i - 1] == b[j - 1] { MATCH } else { MISMATCH }).max(NEG);
                let (dv, fd) =
                    first_best([(um + GAP_OPEN, S_M), (ud + GAP_EXTEND, S_D), (ui + GAP_OPEN, S_I)]);
                let (iv, fi) =
                    first_best([(lm + GAP_OPEN, S_M), (li + GAP_EXTEND, S_I), (ld + GAP_OPEN, S_D)]);
                score[at(i, j)] = [mv, dv.max(NEG), iv.max(NEG)];
                from[at(i, j)] = [fm, fd, fi];
                if !global {
                    if a[i - 1] == b[j - 1] && mv > best.max(MIN_EXTENSION - 1) {
                        best = mv;
                        best_end = Some((i, j));
                    }
                    row_best = row_best.max(mv).max(dv).max(iv);
                }
            }
            if !global && row_best < best - X_DROP {
                break;
            }
        }
        let (mut i, mut j, mut state) = if global {
            let [pm, pd, pi] = score[at(n, m)];
            (n, m, first_best([(pm, S_M), (pd, S_D), (pi, S_I)]).1)
        } else {
            match best_end {
                Some((i, j)) => (i, j, S_M),
                None => return (Vec::new(), None),
            }
        };
        let mut cols = Vec::new();
        while i > 0 || j > 0 {
            if i == 0 {
                state = S_I;
            } else if j == 0 {
                state = S_D;
            }
            let f = from[at(i, j)];
            match state {
                S_M => {
                    cols.push(if a[i - 1] == b[j - 1] {
                        Col::Eq(i - 1, j - 1)
                    } else {
                        Col::Sub(i - 1, j - 1)
                    });
                    state = f[0];
                    i -= 1;
                    j -= 1;
                }
                S_D => {
                    cols.push(Col::Del(i - 1));
                    state = f[1];
                    i -= 1;
                }
                _ => {
                    cols.push(Col::Ins(j - 1));
                    state = f[2];
                    j -= 1;
                }
            }
        }
        cols.reverse();
        (cols, best_end)
    }

    /// Runs `dp` in scores of type `S` and returns what
    /// [`reference_gotoh`] returns.
    fn gotoh_in<S: Score>(
        dp: &mut Gotoh,
        a: &[u64],
        b: &[u64],
        global: bool,
    ) -> (Vec<Col>, Option<(usize, usize)>) {
        dp.set(a.iter().copied(), b.iter().copied());
        let mut cols = Vec::new();
        let mut rows = Rows::<S>::default();
        if global {
            dp.align_in::<S, true>(&mut rows);
            dp.traceback(a.len(), b.len(), dp.best_state(), &mut cols, |c| c);
        } else {
            dp.align_in::<S, false>(&mut rows);
            if let Some((i, j)) = dp.best_end {
                dp.traceback(i, j, S_M, &mut cols, |c| c);
            }
        }
        cols.reverse();
        (cols, if global { None } else { dp.best_end })
    }

    /// Token hashes over a small alphabet (so that tokens repeat), some of
    /// them equal in their low or high 32 bits only.
    fn hashes(max_len: usize) -> impl Strategy<Value = Vec<u64>> {
        (2u64..30).prop_flat_map(move |k| {
            prop::collection::vec(0..k, 0..max_len).prop_map(|v| {
                v.into_iter().map(|x| (x % 3) | ((x / 3) << 32) | 0x1234_0000_5678_0000).collect()
            })
        })
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_config(200))]

        /// The alignment of a gap or an extension is the one of plain
        /// scores compared in order, in every width of score, with the
        /// buffers of earlier alignments left in place.
        #[test]
        fn gotoh_gives_the_reference_columns(a in hashes(120), b in hashes(120), c in hashes(30), d in hashes(30)) {
            let mut dp = Gotoh::default();
            for (x, y) in [(&a, &b), (&c, &d), (&a, &d), (&c, &b)] {
                for global in [true, false] {
                    let expected = reference_gotoh(x, y, global);
                    prop_assert_eq!(&gotoh_in::<i16>(&mut dp, x, y, global), &expected);
                    prop_assert_eq!(&gotoh_in::<i32>(&mut dp, x, y, global), &expected);
                    prop_assert_eq!(&gotoh_in::<i64>(&mut dp, x, y, global), &expected);
                }
            }
        }
    }
}
