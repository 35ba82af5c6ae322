//! Step 5, **filter** and output: candidate passages at token level, and
//! the byte-level [`Passage`]s they become.
//!
//! A [`Candidate`] is a passage under construction: its columns (token
//! pairs, [`Col`]), trimmed to start and end with equal words, the anchors
//! that made it and why it stops. [`Candidate::keep`] is the filter of every
//! step (at least `min_words` matched words and `min_similarity`);
//! `Job::keep` adds the stricter terms for candidates from sentences.
//! [`Job::passage`] turns a kept candidate into a [`Passage`]: byte spans
//! of the original texts, [`EditOp`]s merged by kind, and the
//! [`Explain`] when asked for.

use super::{AlignConfig, Anchor, Col, EditOp, Explain, Job, Passage, Run, Stop};
use crate::Span;

/// A passage under construction, at token level.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    pub(super) cols: Vec<Col>,
    pub(super) matched: usize,
    pub(super) anchors: Vec<Run>,
    pub(super) start: Stop,
    pub(super) end: Stop,
    /// Made from a sentence fragment (kept on stricter terms: see
    /// `Job::keep`).
    pub(super) sentences: bool,
}

impl Candidate {
    /// Trims to the first and last equal column and recounts.
    pub(super) fn new(mut cols: Vec<Col>, anchors: Vec<Run>, start: Stop, end: Stop) -> Option<Candidate> {
        let first = cols.iter().position(|c| matches!(c, Col::Eq(..)))?;
        let last = cols.iter().rposition(|c| matches!(c, Col::Eq(..)))?;
        cols.truncate(last + 1);
        cols.drain(..first);
        let matched = cols.iter().filter(|c| matches!(c, Col::Eq(..))).count();
        Some(Candidate { cols, matched, anchors, start, end, sentences: false })
    }

    pub(super) fn first(&self) -> (usize, usize) {
        match self.cols[0] {
            Col::Eq(i, j) => (i, j),
            _ => unreachable!("a candidate starts with an equal column"),
        }
    }

    pub(super) fn last(&self) -> (usize, usize) {
        match self.cols[self.cols.len() - 1] {
            Col::Eq(i, j) => (i, j),
            _ => unreachable!("a candidate ends with an equal column"),
        }
    }

    /// Words on each side.
    pub(super) fn lens(&self) -> (usize, usize) {
        let (i0, j0) = self.first();
        let (i1, j1) = self.last();
        (i1 - i0 + 1, j1 - j0 + 1)
    }

    pub(super) fn similarity(&self) -> f64 {
        let (la, lb) = self.lens();
        self.matched as f64 / la.min(lb) as f64
    }

    pub(super) fn keep(&self, config: &AlignConfig) -> bool {
        self.matched >= config.min_words.max(1) && self.similarity() >= config.min_similarity
    }
}

/// A passage of fewer matched words than this many times `min_words` ...
const NAME_SPAN: usize = 3;
/// ... with a capitalised matched word and fewer than this many distinct
/// matched words that start lower-case ...
const NAME_LOWER_WORDS: usize = 2;
/// ... of at least this many characters, is a shared name (see
/// `Job::is_shared_name`).
const NAME_LOWER_CHARS: usize = 4;

impl Job<'_, '_, '_> {
    /// Whether a candidate's matched words are a name the two texts both
    /// use, not text one took from the other: "the American Civil
    /// Liberties Union of Southern California", "Georgetown University's
    /// Center for Strategic and International Studies", or such a name
    /// with a few short words around it. Reused text of that length
    /// carries its own words: at least [`NAME_LOWER_WORDS`] distinct
    /// matched words that, on either side, start lower-case and have
    /// [`NAME_LOWER_CHARS`] characters or more, or are written in a script
    /// without case (a Han character is a word of its own).
    ///
    /// Only short passages (under [`NAME_SPAN`] x `min_words` matched
    /// words) are judged: a copied list of names is reuse. Neither is a
    /// passage without a capitalised word.
    ///
    /// Measured on the PAN 2013 training corpus: with `scan --rewrites`
    /// the case-free pairs reported fell from 43 to 4 of 1,947, and the
    /// listed pairs reported from 947 to 937 (random obfuscation), 837 to
    /// 832 (translation) and 214 to 211 (summary); `eval --pan` rose from
    /// 0.914 to 0.917 plagdet, with 4 of the 1,000 no-plagiarism pairs
    /// flagged instead of 7. Nearby settings (2 or 3 lower-case words,
    /// passages under 16 or 24 words) give the same picture. What it
    /// drops on 20 Newsgroups is mostly signatures, quoted titles and
    /// uuencoded lines.
    pub(super) fn is_shared_name(&self, c: &Candidate) -> bool {
        if c.matched >= NAME_SPAN * self.config.min_words {
            return false;
        }
        let mut capitalised = false;
        // The passage's own words, by their hash in `a` (a pair matched by
        // stem is one word).
        let mut own: Vec<u64> = Vec::new();
        for col in &c.cols {
            let Col::Eq(i, j) = *col else { continue };
            let mut is_own = false;
            for (text, token) in [(self.a_text, &self.a[i]), (self.b_text, &self.b[j])] {
                let word = &text[token.span.range()];
                match word.chars().next() {
                    Some(first) if first.is_uppercase() => capitalised = true,
                    Some(first) if first.is_lowercase() => is_own |= word.chars().count() >= NAME_LOWER_CHARS,
                    // A letter without case.
                    Some(first) if first.is_alphabetic() => is_own = true,
                    _ => {}
                }
            }
            if is_own {
                own.push(self.a[i].hash);
            }
        }
        own.sort_unstable();
        own.dedup();
        capitalised && own.len() < NAME_LOWER_WORDS
    }

    /// Turns a token-level candidate into a byte-level passage.
    pub(super) fn passage(&self, c: &Candidate) -> Passage {
        let ((i0, j0), (i1, j1)) = (c.first(), c.last());
        let (la, lb) = c.lens();
        let a = Span::new(self.a[i0].span.start, self.a[i1].span.end);
        let b = Span::new(self.b[j0].span.start, self.b[j1].span.end);
        debug_assert!(a.end <= self.a_len && b.end <= self.b_len);
        let mut ops: Vec<EditOp> = Vec::new();
        for &col in &c.cols {
            let op = match col {
                // Words matched by stem, not form, are shown as replaced.
                Col::Eq(i, j) if self.a[i].hash == self.b[j].hash => {
                    EditOp::Equal { a: self.a[i].span, b: self.b[j].span }
                }
                Col::Eq(i, j) | Col::Sub(i, j) => EditOp::Substitute { a: self.a[i].span, b: self.b[j].span },
                Col::Del(i) => EditOp::Delete { a: self.a[i].span },
                Col::Ins(j) => EditOp::Insert { b: self.b[j].span },
            };
            match (ops.last_mut(), op) {
                (Some(EditOp::Equal { a, b }), EditOp::Equal { a: x, b: y })
                | (Some(EditOp::Substitute { a, b }), EditOp::Substitute { a: x, b: y }) => {
                    a.end = x.end;
                    b.end = y.end;
                }
                (Some(EditOp::Delete { a }), EditOp::Delete { a: x }) => a.end = x.end,
                (Some(EditOp::Insert { b }), EditOp::Insert { b: y }) => b.end = y.end,
                _ => ops.push(op),
            }
        }
        // Passages are held until their batch is written: not the slack of
        // the vector's growth (up to half of it).
        ops.shrink_to_fit();
        let explain = self.config.explain.then(|| Explain {
            anchors: c
                .anchors
                .iter()
                .map(|r| Anchor {
                    a_token: r.i,
                    b_token: r.j,
                    words: r.len,
                    a: Span::new(self.a[r.i].span.start, self.a[r.i + r.len - 1].span.end),
                    b: Span::new(self.b[r.j].span.start, self.b[r.j + r.len - 1].span.end),
                })
                .collect(),
            start: c.start,
            end: c.end,
        });
        Passage {
            a,
            b,
            words: c.matched,
            similarity: c.similarity(),
            compression: la.max(lb) as f64 / la.min(lb) as f64,
            ops,
            explain,
            boilerplate: None,
        }
    }
}
