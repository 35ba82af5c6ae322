//! Align two documents: tokens of a pair in, reused [`Passage`]s out.
//!
//! Given two tokenised documents (from [`crate::text`]), [`align`] finds
//! every passage of one that reappears in the other, verbatim or rewritten,
//! and says word by word what changed ([`EditOp`]). It is the "diff" stage
//! that runs on the candidate pairs that [`crate::verify`] keeps.
//!
//! # Method
//!
//! Seed, chain, extend, merge, filter (as passim, TextPAIR and the PAN
//! winners do):
//!
//! 1. **Seed.** Every run of [`AlignConfig::seed_size`] consecutive words
//!    (stop words kept) is hashed ([`seed_hash`]). A seed that occurs more
//!    than [`AlignConfig::max_seed_repeats`] times in either document (a
//!    repeated title, one word repeated over and over) or that the caller
//!    marks as common in the corpus ([`align_with`]) is ignored. Equal seeds
//!    on the same diagonal merge into exact *anchors*.
//! 2. **Chain.** Anchors are chained in increasing order in both documents
//!    by dynamic programming; consecutive anchors may be separated by at most
//!    [`AlignConfig::max_gap`] words on the side with the smaller gap and
//!    `gap_ratio * max_gap` on the other, because a condensed rewrite skips
//!    far more of its source than of itself. Chains are taken best first, so
//!    passages are found in any order (transposed paragraphs) and several
//!    per pair.
//! 3. **Extend.** Between anchors a global affine-gap alignment of the
//!    tokens (match +2, mismatch -1, gap open -3, gap extend -0.5) fills in
//!    the substituted, inserted and deleted words; beyond the first and last
//!    anchor an anchored alignment with X-drop 10 extends the passage while
//!    that pays. A chain that could only make a candidate inside the text
//!    of a better one (a phrase repeated within a near-duplicate), which
//!    step 4 would cut to nothing, is not filled or extended at all.
//! 4. **Resolve and merge.** Candidates are taken best first (most matched
//!    words, ties to the better chain); one that claims text already
//!    claimed on either side is cut around it and the pieces go back in the
//!    queue, so no text is claimed twice. Neighbours whose gap is at most
//!    half the shorter of the two are then merged.
//! 5. **Filter.** A passage is kept if it has at least
//!    [`AlignConfig::min_words`] matched words and a similarity (matched
//!    words over the shorter side's words) of at least
//!    [`AlignConfig::min_similarity`].
//!
//! All the work (seed pairs, chaining steps, alignment cells) is counted
//! against [`AlignConfig::budget`]; when it runs out the remaining gaps are
//! filled coarsely, nothing more is extended, and
//! [`Alignment::budget_exhausted`] is set. With the default budget a pair of
//! 10 MB documents, or one word repeated 100,000 times, takes well under a
//! second.
//!
//! Set [`AlignConfig::explain`] to get, for every passage, the anchors that
//! made it and why it stopped at each end ([`Explain`]).
//!
//! To align many pairs, keep an [`Aligner`]: it gives what [`align`] gives,
//! reusing its buffers and the seed index of its last `a` document (a scan
//! aligns its pairs sorted by `a`). Most of the time goes to the affine-gap
//! alignments of step 3, which compute a row at a time with the move each
//! state took kept in the low bits of its score.
//!
//! # Files
//!
//! One file per step, in the order above. This one holds the settings, the
//! results, the entry points ([`align`], [`Aligner`]) and `Job::run`, which
//! takes one pair through the steps.
//!
//! - `seeds.rs`: step 1, the seed index of `a` and the exact anchors.
//! - `sentences.rs`: with [`AlignConfig::sentences`], rewritten passages
//!   found sentence by sentence, as fragments that `Job::fragment` (here)
//!   aligns word by word into more candidates.
//! - `chain.rs`: step 2, chaining the anchors.
//! - `extend.rs`: step 3, a chain filled and extended into a candidate
//!   passage; `gotoh.rs`: the affine-gap alignment it runs.
//! - `resolve.rs`: step 4, no text claimed twice, then merging.
//! - `passage.rs`: step 5, the candidates, their filter, and the byte-level
//!   [`Passage`]s they become.

mod chain;
mod extend;
mod gotoh;
mod passage;
mod resolve;
mod seeds;
mod sentences;

use serde::Serialize;

use crate::lang::{Key, Keyer, LanguageSetting};
use crate::text::Token;
use crate::Span;
use gotoh::Gotoh;
use passage::Candidate;
pub use seeds::seed_hash;
use seeds::SeedIndex;
pub(crate) use sentences::split as split_sentences;

/// Settings of [`align`].
#[derive(Clone, Debug, PartialEq)]
pub struct AlignConfig {
    /// Words per seed (default 4).
    pub seed_size: usize,
    /// Largest gap between two anchors of a passage, in words, on the side
    /// with the smaller gap (default 20).
    pub max_gap: usize,
    /// The side with the larger gap may skip up to `gap_ratio * max_gap`
    /// words (default 5), so condensed rewrites stay one passage.
    pub gap_ratio: usize,
    /// Least number of matched (equal) words in a passage (default 8).
    pub min_words: usize,
    /// Least similarity of a passage: matched words over the number of
    /// words on its shorter side (default 0.2).
    pub min_similarity: f64,
    /// A seed that occurs more often than this in either document is
    /// ignored (default 4).
    pub max_seed_repeats: usize,
    /// Most work units (seed pairs, chaining steps, alignment cells) spent
    /// on one pair (default 30,000,000).
    pub budget: usize,
    /// Record an [`Explain`] for every passage (default false).
    pub explain: bool,
    /// The language of the documents' words, for stems and stop words
    /// (default: detected per document). Used with `sentences` only:
    /// without it, words match by their exact normalised form.
    pub language: LanguageSetting,
    /// Look for rewritten passages sentence by sentence as well as by
    /// shared runs of words (default true).
    pub sentences: bool,
}

impl Default for AlignConfig {
    fn default() -> AlignConfig {
        AlignConfig {
            seed_size: 4,
            max_gap: 20,
            gap_ratio: 5,
            min_words: 8,
            min_similarity: 0.2,
            max_seed_repeats: 4,
            budget: 30_000_000,
            explain: false,
            language: LanguageSetting::Auto,
            sentences: true,
        }
    }
}

/// One word-level edit inside a passage. Consecutive words with the same
/// operation are one op; spans are byte ranges of the original texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EditOp {
    /// The same words in both.
    Equal {
        /// Words in `a`.
        a: Span,
        /// Words in `b`.
        b: Span,
    },
    /// Words of `a` replaced by as many words in `b`.
    Substitute {
        /// Words in `a`.
        a: Span,
        /// Words in `b`.
        b: Span,
    },
    /// Words only in `b`.
    Insert {
        /// Words in `b`.
        b: Span,
    },
    /// Words only in `a`.
    Delete {
        /// Words in `a`.
        a: Span,
    },
}

/// One reused passage: where it is in each document and how it changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Passage {
    /// From the first to the last matched word in `a`.
    pub a: Span,
    /// From the first to the last matched word in `b`.
    pub b: Span,
    /// Matched (equal) words.
    pub words: usize,
    /// Matched words over the number of words on the shorter side, in
    /// `[0, 1]`.
    pub similarity: f64,
    /// The longer side's word count over the shorter side's: 1 for a copy,
    /// about 3 for a rewrite condensed 3:1.
    pub compression: f64,
    /// Word-level edits, in order; their `a` spans tile `a`'s words and
    /// their `b` spans tile `b`'s words.
    pub ops: Vec<EditOp>,
    /// Why the passage is what it is (only with [`AlignConfig::explain`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explain>,
    /// The part of each side that is its source's boilerplate (a site
    /// footer, say), when the scan knows sources and the passage holds
    /// some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boilerplate: Option<Boilerplate>,
}

/// Where a passage holds its documents' source boilerplate: on each side,
/// from the first to the last boilerplate byte inside the passage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Boilerplate {
    /// In `a`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<Span>,
    /// In `b`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<Span>,
}

/// An exact match of consecutive words that anchored a passage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Anchor {
    /// Index of the first word in `a`'s tokens.
    pub a_token: usize,
    /// Index of the first word in `b`'s tokens.
    pub b_token: usize,
    /// Number of words.
    pub words: usize,
    /// Its bytes in `a`.
    pub a: Span,
    /// Its bytes in `b`.
    pub b: Span,
}

/// Why a passage ends where it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Stop {
    /// One of the documents begins or ends there.
    EndOfText,
    /// The nearest further anchor is too far: `a_gap` and `b_gap` words away.
    GapTooLong {
        /// Words between the passage and that anchor in `a`.
        a_gap: usize,
        /// Words between the passage and that anchor in `b`.
        b_gap: usize,
    },
    /// No further anchor, and extending word by word did not pay.
    SimilarityTooLow,
    /// The text beyond belongs to a higher-scoring passage.
    Overlap,
    /// The work budget ran out.
    Budget,
}

/// How a passage came about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explain {
    /// The exact anchors inside the passage, in order.
    pub anchors: Vec<Anchor>,
    /// Why it does not reach further back.
    pub start: Stop,
    /// Why it does not reach further on.
    pub end: Stop,
}

/// The passages reused between two documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Alignment {
    /// Sorted by `a.start`, then `b.start`; no two overlap on either side.
    pub passages: Vec<Passage>,
    /// Whether the work budget ran out (the result is then partial).
    pub budget_exhausted: bool,
}

/// Aligns `a` with `b` (texts and their tokens from
/// [`crate::text::tokenize`]) and returns the reused passages.
///
/// To align many pairs, keep an [`Aligner`]: it gives the same results
/// and saves work between calls.
pub fn align(
    a_text: &str,
    a_tokens: &[Token],
    b_text: &str,
    b_tokens: &[Token],
    config: &AlignConfig,
) -> Alignment {
    align_with(a_text, a_tokens, b_text, b_tokens, config, &|_| false)
}

/// Like [`align`], ignoring every seed whose [`seed_hash`] `is_common`
/// (boilerplate and stock phrases of the corpus).
pub fn align_with(
    a_text: &str,
    a_tokens: &[Token],
    b_text: &str,
    b_tokens: &[Token],
    config: &AlignConfig,
    is_common: &dyn Fn(u64) -> bool,
) -> Alignment {
    Aligner::new(config.clone()).align_with(a_text, a_tokens, b_text, b_tokens, is_common)
}

/// [`align`] for many pairs: keeps its scratch space, and the seeds of the
/// last `a` document, from one call to the next. Aligning one document
/// with several others in a row (pairs sorted by their first document)
/// indexes its seeds once. The results are exactly those of [`align`].
///
/// Between calls it holds no buffer larger than 32 MiB (a pair of 10 MB
/// documents needs more; that is freed when the call returns).
#[derive(Debug)]
pub struct Aligner {
    config: AlignConfig,
    scratch: Scratch,
}

impl Aligner {
    /// An aligner with these settings.
    pub fn new(config: AlignConfig) -> Aligner {
        Aligner { config, scratch: Scratch::default() }
    }

    /// Its settings.
    pub fn config(&self) -> &AlignConfig {
        &self.config
    }

    /// Aligns `a` with `b`, as [`align`].
    pub fn align(&mut self, a_text: &str, a_tokens: &[Token], b_text: &str, b_tokens: &[Token]) -> Alignment {
        self.align_with(a_text, a_tokens, b_text, b_tokens, &|_| false)
    }

    /// Aligns `a` with `b`, as [`align_with`].
    pub fn align_with(
        &mut self,
        a_text: &str,
        a_tokens: &[Token],
        b_text: &str,
        b_tokens: &[Token],
        is_common: &dyn Fn(u64) -> bool,
    ) -> Alignment {
        let config = &self.config;
        // Without the sentence stage, words match by exact form, as the
        // word seeds do (a scan's default: stems cost more than the rest).
        let language = if config.sentences { config.language } else { LanguageSetting::None };
        self.scratch.keys(language, a_text, a_tokens, b_text, b_tokens);
        let (ka, kb) = (std::mem::take(&mut self.scratch.a_keys), std::mem::take(&mut self.scratch.b_keys));
        let mut job = Job {
            a: a_tokens,
            b: b_tokens,
            a_text,
            b_text,
            ka: &ka,
            kb: &kb,
            a_len: a_text.len(),
            b_len: b_text.len(),
            config,
            work: Work { used: 0, limit: config.budget, exhausted: false },
            s: &mut self.scratch,
        };
        let mut alignment = job.run(is_common);
        (self.scratch.a_keys, self.scratch.b_keys) = (ka, kb);
        // A character of a spaceless script is a token but less than a word:
        // the least passage carries as much text in every script.
        alignment.passages.retain(|p| {
            let equal =
                p.ops.iter().filter_map(|op| if let EditOp::Equal { a, .. } = op { Some(*a) } else { None });
            crate::text::sixths_in(a_text, a_tokens, equal) >= 6 * config.min_words
        });
        self.scratch.trim();
        alignment
    }
}

/// What an [`Aligner`] keeps between pairs.
#[derive(Debug, Default)]
struct Scratch {
    /// The seeds of the last `a`.
    index: SeedIndex,
    /// Seeds of `b` that occur in `a`, as (group in `index`, position).
    shared: Vec<(usize, usize)>,
    /// The seeds of a long `b`, as (hash, position).
    b_seeds: Vec<(u64, usize)>,
    /// Shared seed pairs, as (diagonal, position in `a`).
    pairs: Vec<(isize, usize)>,
    dp: Gotoh,
    /// Stems and stop words, cached across pairs.
    keyer: Keyer,
    /// The match keys of the last `a`, and its token hashes to tell when
    /// they can be reused.
    a_keys: Vec<Key>,
    a_keys_of: Vec<u64>,
    /// The match keys of `b`.
    b_keys: Vec<Key>,
    /// Make the candidate of every chain, even those step 4 would cut to
    /// nothing (see `Job::candidates`): the reference the tests hold the
    /// skipping to.
    extend_every_chain: bool,
}

/// Bytes of one buffer that a [`Scratch`] keeps from one pair to the next.
const KEEP_BYTES: usize = 1 << 25;

/// Empties `v` if it holds more than [`KEEP_BYTES`].
fn trim<T>(v: &mut Vec<T>) -> bool {
    let big = v.capacity() * std::mem::size_of::<T>() > KEEP_BYTES;
    if big {
        *v = Vec::new();
    }
    big
}

impl Scratch {
    /// Computes the match keys of `a` (unless they are those of the last
    /// `a`) and of `b`.
    fn keys(&mut self, language: LanguageSetting, a_text: &str, a: &[Token], b_text: &str, b: &[Token]) {
        let same = self.a_keys.len() == a.len()
            && self.a_keys_of.len() == a.len()
            && self.a_keys_of.iter().zip(a).all(|(&h, t)| h == t.hash);
        if !same {
            self.keyer.keys(a_text, a, language.resolve(a), &mut self.a_keys);
            self.a_keys_of.clear();
            self.a_keys_of.extend(a.iter().map(|t| t.hash));
        }
        self.keyer.keys(b_text, b, language.resolve(b), &mut self.b_keys);
    }

    /// Frees what a pair of very long documents left, so that an aligner
    /// kept between pairs holds little memory.
    fn trim(&mut self) {
        self.index.trim();
        trim(&mut self.shared);
        trim(&mut self.b_seeds);
        trim(&mut self.pairs);
        self.dp.trim();
    }
}

const NONE: usize = usize::MAX;
// Scores that cut a sentence fragment's word alignment into segments: a
// matched content word pays for fifty unmatched words (a summary skips
// many source words per word it keeps), a matched stop word for five.
const SEGMENT_CONTENT: f64 = 1.0;
const SEGMENT_STOP: f64 = 0.1;
const SEGMENT_SUB: f64 = -0.04;
const SEGMENT_INDEL: f64 = -0.02;
/// How far a segment's score may fall below its best before it ends.
const SEGMENT_X: f64 = 10.0;
/// Most words in a row with no matched content word inside a segment.
const SEGMENT_MAX_GAP: usize = 150;
/// A passage from sentences needs this share (in percent) of `min_words`
/// in matched content words ...
const SENTENCE_CONTENT_PERCENT: usize = 125;
/// ... and this similarity.
const SENTENCE_SIMILARITY: f64 = 0.3;
/// Predecessors looked at per anchor while chaining.
const CHAIN_LOOKBACK: usize = 64;

struct Work {
    used: usize,
    limit: usize,
    exhausted: bool,
}

impl Work {
    /// Spends `n` units if there are that many left.
    fn take(&mut self, n: usize) -> bool {
        if self.used.saturating_add(n) > self.limit {
            self.exhausted = true;
            false
        } else {
            self.used += n;
            true
        }
    }
}

/// One column of a token alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Eq(usize, usize),
    Sub(usize, usize),
    Del(usize),
    Ins(usize),
}

impl Col {
    fn a(self) -> Option<usize> {
        match self {
            Col::Eq(i, _) | Col::Sub(i, _) | Col::Del(i) => Some(i),
            Col::Ins(_) => None,
        }
    }

    fn b(self) -> Option<usize> {
        match self {
            Col::Eq(_, j) | Col::Sub(_, j) | Col::Ins(j) => Some(j),
            Col::Del(_) => None,
        }
    }
}

/// An exact run of equal tokens: `a[i..i + len] == b[j..j + len]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    i: usize,
    j: usize,
    len: usize,
}

/// The alignment of one pair.
struct Job<'t, 'c, 's> {
    a: &'t [Token],
    b: &'t [Token],
    a_text: &'t str,
    b_text: &'t str,
    /// Match keys (stems) of `a` and `b`: the token alignments compare
    /// these, so "pulls" and "pulling" match.
    ka: &'t [Key],
    kb: &'t [Key],
    a_len: usize,
    b_len: usize,
    config: &'c AlignConfig,
    work: Work,
    s: &'s mut Scratch,
}

impl Job<'_, '_, '_> {
    fn run(&mut self, is_common: &dyn Fn(u64) -> bool) -> Alignment {
        let runs = self.anchors(is_common);
        let chains = self.chains(&runs);
        let mut made = self.candidates(&chains, &runs);
        if self.config.sentences {
            let mut pieces = Vec::new();
            let a = sentences::Side { text: self.a_text, tokens: self.a, keys: self.ka };
            let b = sentences::Side { text: self.b_text, tokens: self.b, keys: self.kb };
            let max = self.config.max_seed_repeats.max(1);
            // The word-level candidates' extent on each side: a fragment
            // they already cover is not aligned again. (A skipped one lies
            // inside another: the union is the same.)
            let made_ = made.slots.iter().flatten();
            let ca: Vec<(usize, usize)> = made_.clone().map(|c| (c.first().0, c.last().0 + 1)).collect();
            let cb: Vec<(usize, usize)> = made_.map(|c| (c.first().1, c.last().1 + 1)).collect();
            for f in sentences::fragments(a, b, max, &mut self.work) {
                if covered(&ca, &f.a) && covered(&cb, &f.b) {
                    continue;
                }
                self.fragment(&f, &runs, &mut pieces);
            }
            pieces.retain(|c| self.keep(c));
            self.unskip(&mut made, &pieces, &chains, &runs);
            made.slots.extend(pieces.into_iter().map(Some));
        }
        let kept = self.resolve(made.slots);
        let merged = self.merge(kept);
        let mut passages: Vec<Passage> = merged
            .iter()
            .filter(|c| self.keep(c) && !self.is_shared_name(c))
            .map(|c| self.passage(c))
            .collect();
        // A filtered collect starts at four passages; most pairs have one.
        passages.shrink_to_fit();
        passages.sort_by_key(|p| (p.a.start, p.b.start));
        Alignment { passages, budget_exhausted: self.work.exhausted }
    }

    /// Whether a candidate makes a passage: [`Candidate::keep`], and for
    /// one made from sentences, [`SENTENCE_CONTENT_PERCENT`]% of
    /// [`AlignConfig::min_words`] in distinct matched content words (stop
    /// words left out, each stem counted once), and a similarity of
    /// [`SENTENCE_SIMILARITY`]: articles on one topic share sentences of
    /// similar words without one taking text from the other.
    fn keep(&self, c: &Candidate) -> bool {
        // Distinct content words: a name repeated through two articles on
        // one topic ("Alexian Brothers Medical Center") counts once.
        let content = || {
            let mut keys: Vec<u64> = c
                .cols
                .iter()
                .filter_map(|col| match *col {
                    Col::Eq(i, _) if self.ka[i].content => Some(self.ka[i].key),
                    _ => None,
                })
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys.len() >= SENTENCE_CONTENT_PERCENT * self.config.min_words / 100
        };
        c.keep(self.config) && (!c.sentences || (content() && c.similarity() >= SENTENCE_SIMILARITY))
    }

    /// Aligns a sentence fragment word by word into candidate passages:
    /// the stretches where matched content words outweigh the rest (a
    /// fragment's bounds are whole sentences, and the similar sentences of
    /// two cases a few sentences apart can join one fragment).
    fn fragment(&mut self, f: &sentences::Fragment, runs: &[Run], out: &mut Vec<Candidate>) {
        let mut cols = Vec::new();
        self.fill(f.a.start, f.a.end, f.b.start, f.b.end, &mut cols);
        let score = |col: &Col| match *col {
            Col::Eq(i, _) if self.ka[i].content => SEGMENT_CONTENT,
            Col::Eq(..) => SEGMENT_STOP,
            Col::Sub(..) => SEGMENT_SUB,
            Col::Del(_) | Col::Ins(_) => SEGMENT_INDEL,
        };
        // X-drop segmentation: a segment starts at a matched content word
        // and ends at its best score once the score falls SEGMENT_X below,
        // or SEGMENT_MAX_GAP words pass without a matched content word.
        let mut x = 0;
        while x < cols.len() {
            if score(&cols[x]) < SEGMENT_CONTENT {
                x += 1;
                continue;
            }
            let (start, mut run, mut best, mut best_end) = (x, 0.0, 0.0, x);
            let mut gap = 0;
            while x < cols.len() {
                let s = score(&cols[x]);
                run += s;
                gap = if s == SEGMENT_CONTENT { 0 } else { gap + 1 };
                if run > best {
                    (best, best_end) = (run, x);
                } else if run < best - SEGMENT_X || gap > SEGMENT_MAX_GAP {
                    break;
                }
                x += 1;
            }
            x = best_end + 1;
            let piece = cols[start..=best_end].to_vec();
            if let Some(mut c) =
                Candidate::new(piece, Vec::new(), Stop::SimilarityTooLow, Stop::SimilarityTooLow)
            {
                c.sentences = true;
                if self.config.explain {
                    // The exact anchors inside it, and why it ends where
                    // it does relative to the exact anchors beyond.
                    let (i0, i1) = (c.first().0, c.last().0);
                    c.anchors = runs.iter().filter(|r| r.i >= i0 && r.i + r.len <= i1 + 1).copied().collect();
                    c.start = self.stop_reason(&c, runs, false);
                    c.end = self.stop_reason(&c, runs, true);
                }
                out.push(c);
            }
        }
    }
}

/// Whether the token ranges `spans` cover at least 90% of `r`.
fn covered(spans: &[(usize, usize)], r: &std::ops::Range<usize>) -> bool {
    let inside =
        crate::eval::union_within(Span::new(r.start, r.end), spans.iter().map(|&(s, e)| Span::new(s, e)));
    10 * inside >= 9 * r.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;
    use proptest::prelude::*;

    /// Deterministic pseudo-words: distinct enough that unrelated texts
    /// share no 4-gram.
    struct Words(u64);

    impl Words {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn word(&mut self) -> String {
            let syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vo", "pel", "dri", "an"];
            let n = 2 + self.next() % 3;
            (0..n).map(|_| syllables[(self.next() % 10) as usize]).collect()
        }

        fn text(&mut self, n: usize) -> Vec<String> {
            (0..n).map(|_| self.word()).collect()
        }
    }

    /// Joins words into a text and returns the byte span of each part.
    fn build(parts: &[&[String]]) -> (String, Vec<Span>) {
        let mut text = String::new();
        let mut spans = Vec::new();
        for part in parts {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            let start = text.len();
            text.push_str(&part.join(" "));
            spans.push(Span::new(start, text.len()));
        }
        (text, spans)
    }

    fn run(a: &str, b: &str, config: &AlignConfig) -> Alignment {
        let al = align(a, &tokenize(a), b, &tokenize(b), config);
        check_invariants(a, b, &al).unwrap();
        al
    }

    fn overlap(x: Span, y: Span) -> usize {
        x.end.min(y.end).saturating_sub(x.start.max(y.start))
    }

    /// Spans in bounds and on char boundaries, passages sorted and disjoint
    /// on both sides, ops tiling each passage's words in order.
    fn check_invariants(a: &str, b: &str, al: &Alignment) -> Result<(), String> {
        let (ta, tb) = (tokenize(a), tokenize(b));
        for (n, p) in al.passages.iter().enumerate() {
            for (text, s) in [(a, p.a), (b, p.b)] {
                if s.start >= s.end || s.end > text.len() {
                    return Err(format!("span {s:?} out of bounds"));
                }
                if !text.is_char_boundary(s.start) || !text.is_char_boundary(s.end) {
                    return Err(format!("span {s:?} not on char boundaries"));
                }
            }
            if !(0.0..=1.0).contains(&p.similarity) || p.compression < 1.0 || p.words == 0 {
                return Err(format!("bad figures {p:?}"));
            }
            for q in &al.passages[n + 1..] {
                if (q.a.start, q.b.start) < (p.a.start, p.b.start) {
                    return Err("passages not sorted".into());
                }
                if overlap(p.a, q.a) > 0 || overlap(p.b, q.b) > 0 {
                    return Err(format!("passages overlap: {:?} {:?}", p, q));
                }
            }
            let a_spans = p.ops.iter().filter_map(|op| match *op {
                EditOp::Equal { a, .. } | EditOp::Substitute { a, .. } | EditOp::Delete { a } => Some(a),
                EditOp::Insert { .. } => None,
            });
            tiles(&ta, p.a, a_spans)?;
            let b_spans = p.ops.iter().filter_map(|op| match *op {
                EditOp::Equal { b, .. } | EditOp::Substitute { b, .. } | EditOp::Insert { b } => Some(b),
                EditOp::Delete { .. } => None,
            });
            tiles(&tb, p.b, b_spans)?;
            let equal: usize = p
                .ops
                .iter()
                .map(|op| match *op {
                    EditOp::Equal { a, .. } => ta.iter().filter(|t| inside(t.span, a)).count(),
                    _ => 0,
                })
                .sum();
            if equal != p.words {
                return Err(format!("{} equal words in ops, {} claimed", equal, p.words));
            }
            let first_last = (p.ops.first(), p.ops.last());
            if !matches!(first_last, (Some(EditOp::Equal { .. }), Some(EditOp::Equal { .. }))) {
                return Err("a passage starts and ends with equal words".into());
            }
        }
        Ok(())
    }

    fn inside(x: Span, within: Span) -> bool {
        x.start >= within.start && x.end <= within.end
    }

    /// The spans cover the tokens inside `within` one after another, each
    /// a non-empty run, all of them.
    fn tiles(tokens: &[Token], within: Span, spans: impl Iterator<Item = Span>) -> Result<(), String> {
        let words: Vec<Span> = tokens.iter().map(|t| t.span).filter(|s| inside(*s, within)).collect();
        let mut next = 0;
        for s in spans {
            let run = words[next..].iter().take_while(|w| inside(**w, s)).count();
            if run == 0 || words[next].start != s.start || words[next + run - 1].end != s.end {
                return Err(format!("op span {s:?} does not continue the tiling of {within:?}"));
            }
            next += run;
        }
        if next != words.len() {
            return Err(format!("ops cover {next} of {} words of {within:?}", words.len()));
        }
        Ok(())
    }

    /// What a case expects: passages with their a and b inside these
    /// regions (given as (text, span) of the planted parts), each region
    /// mostly covered.
    struct Expect {
        /// (a region, b region, least share of each covered)
        regions: Vec<(Span, Span, f64)>,
    }

    #[test]
    fn table() {
        let mut w = Words(0x2545_F491_4F6C_DD1D);
        let (h1, h2, h3, h4) = (w.text(150), w.text(150), w.text(150), w.text(150));
        let (p1, p2) = (w.text(60), w.text(45));
        // Light edits: every 10th word replaced.
        let edited: Vec<String> =
            p1.iter().enumerate().map(|(i, x)| if i % 10 == 5 { w.word() } else { x.clone() }).collect();
        // Condensed 3:1: keep 6 words, skip 12.
        let condensed: Vec<String> =
            p1.iter().enumerate().filter(|(i, _)| i % 18 < 6).map(|(_, x)| x.clone()).collect();
        let name: Vec<String> =
            "People's Mojahedin Organization of Iran".split(' ').map(String::from).collect();

        type Case = (&'static str, String, String, Expect);
        let mut cases: Vec<Case> = Vec::new();
        let region = |a: &(String, Vec<Span>), ai: usize, b: &(String, Vec<Span>), bi: usize, share| {
            (a.1[ai], b.1[bi], share)
        };
        let a = build(&[&h1, &p1, &h2]);
        let b = build(&[&h3, &p1, &h4]);
        cases.push((
            "verbatim",
            a.0.clone(),
            b.0.clone(),
            Expect { regions: vec![region(&a, 1, &b, 1, 1.0)] },
        ));
        let b = build(&[&h3, &edited, &h4]);
        cases.push((
            "light edits",
            a.0.clone(),
            b.0.clone(),
            Expect { regions: vec![region(&a, 1, &b, 1, 0.95)] },
        ));
        let b = build(&[&h3, &condensed, &h4]);
        cases.push((
            "condensed 3:1",
            a.0.clone(),
            b.0.clone(),
            Expect { regions: vec![region(&a, 1, &b, 1, 0.9)] },
        ));
        let a2 = build(&[&h1, &p1, &h2, &p2]);
        let b2 = build(&[&h3, &p2, &h4, &p1]);
        cases.push((
            "transposed",
            a2.0.clone(),
            b2.0.clone(),
            Expect { regions: vec![region(&a2, 1, &b2, 3, 1.0), region(&a2, 3, &b2, 1, 1.0)] },
        ));
        let b = build(&[&h3, &h4]);
        cases.push(("nothing shared", a.0.clone(), b.0.clone(), Expect { regions: vec![] }));
        let a = build(&[&h1, &name, &h2]);
        let b = build(&[&h3, &name, &h4]);
        cases.push(("a shared name", a.0.clone(), b.0.clone(), Expect { regions: vec![] }));

        for (name, a, b, expect) in cases {
            let al = run(&a, &b, &AlignConfig::default());
            assert!(!al.budget_exhausted, "{name}");
            assert_eq!(al.passages.len(), expect.regions.len(), "{name}: {:#?}", al.passages);
            for (ra, rb, share) in expect.regions {
                let p = al
                    .passages
                    .iter()
                    .find(|p| overlap(p.a, ra) > 0)
                    .unwrap_or_else(|| panic!("{name}: nothing found in {ra:?}"));
                assert!(inside(p.a, ra) && inside(p.b, rb), "{name}: {p:?} outside {ra:?} {rb:?}");
                let covered = |x: Span, r: Span| x.len() as f64 / r.len() as f64;
                assert!(covered(p.a, ra) >= share, "{name}: a covered {}", covered(p.a, ra));
                assert!(covered(p.b, rb) >= share, "{name}: b covered {}", covered(p.b, rb));
                if name == "light edits" {
                    assert!(p.ops.iter().any(|op| matches!(op, EditOp::Substitute { .. })), "{name}");
                }
                if name == "condensed 3:1" {
                    assert!((2.0..=4.0).contains(&p.compression), "{name}: {}", p.compression);
                    assert!(p.ops.iter().any(|op| matches!(op, EditOp::Delete { .. })), "{name}");
                }
            }
        }
    }

    /// Two texts naming one institution twice a sentence, and nothing else
    /// alike: its name, matched again and again, is not a rewritten
    /// passage (its three words count once); sentences sharing as many
    /// distinct content words are.
    #[test]
    fn a_repeated_name_is_not_a_rewrite() {
        let mut w = Words(3);
        let filler = |w: &mut Words| (0..6).map(|_| w.text(8).join(" ") + ".").collect::<Vec<_>>().join(" ");
        let name = "Alexian Brothers Hospital";
        let a = format!(
            "{} Surgeons prefer {name} since {name} pays. Nurses trust {name} because {name} listens. {}",
            filler(&mut w),
            filler(&mut w)
        );
        let b = format!(
            "{} Donors fund {name} while {name} grows. Pilots land near {name} whenever {name} calls. {}",
            filler(&mut w),
            filler(&mut w)
        );
        assert!(run(&a, &b, &AlignConfig::default()).passages.is_empty());
        let b = format!(
            "{} Surgeons prefer {name} since the hospital pays well. Nurses trust Alexian because it listens. {}",
            filler(&mut w),
            filler(&mut w)
        );
        assert_eq!(run(&a, &b, &AlignConfig::default()).passages.len(), 1);
    }

    /// Two texts that only name the same institution share no text; the
    /// same number of shared words in a clause of their own are reused
    /// text, and so are a copied list of names and clauses in scripts
    /// without case.
    #[test]
    fn a_shared_name_is_no_passage() {
        let mut w = Words(21);
        let (h1, h2, t1, t2) = (w.text(60), w.text(60), w.text(60), w.text(60));
        let pair = |shared: &str| {
            let a = format!("{} {shared} {}", h1.join(" "), t1.join(" "));
            let b = format!("{} {shared} {}", h2.join(" "), t2.join(" "));
            run(&a, &b, &AlignConfig::default()).passages.len()
        };
        assert_eq!(pair("the American Civil Liberties Union of Southern California"), 0);
        assert_eq!(pair("In 1772 Ahmad Shah of Kandahar went to Kabul and Herat"), 0);
        assert_eq!(pair("the union would meet by the old station before dawn"), 1);
        let names: Vec<String> = w.text(30).iter().map(|n| n[..1].to_uppercase() + &n[1..]).collect();
        assert_eq!(pair(&names.join(" ")), 1);
        assert_eq!(pair("في المدينة القديمة اجتمع الناس قرب المحطة قبل القطار"), 1);
        // A name in Latin letters inside text in a script without case.
        assert_eq!(pair("苹果公司 Apple 今天在加州发布了新的手机和电脑产品"), 1);
    }

    #[test]
    fn one_word_repeated_stays_within_budget() {
        let text = "spam ".repeat(100_000);
        let t = std::time::Instant::now();
        let al = run(&text, &text, &AlignConfig::default());
        // Every seed repeats: nothing anchors, and it must not try.
        assert!(al.passages.is_empty());
        assert!(!al.budget_exhausted);
        assert!(t.elapsed() < std::time::Duration::from_secs(5), "{:?}", t.elapsed());
        // With repeats allowed, the budget stops it and says so.
        let config =
            AlignConfig { max_seed_repeats: usize::MAX, budget: 1_000_000, ..AlignConfig::default() };
        let short = "spam ".repeat(5_000);
        let al = run(&short, &short, &config);
        assert!(al.budget_exhausted);
    }

    #[test]
    fn identity_covers_the_document() {
        let mut w = Words(7);
        let synthetic = w.text(800).join(" ");
        let seeds = [
            include_str!("../../fixtures/seeds/000_1496404e9c0b7117.txt"),
            include_str!("../../fixtures/seeds/003_989d3d1e37b41e47.txt"),
        ];
        for text in seeds.iter().copied().chain([synthetic.as_str()]) {
            let tokens = tokenize(text);
            let al = run(text, text, &AlignConfig::default());
            let covered = tokens
                .iter()
                .filter(|t| al.passages.iter().any(|p| inside(t.span, p.a) && inside(t.span, p.b)))
                .count();
            assert_eq!(covered, tokens.len(), "{} passages", al.passages.len());
        }
    }

    #[test]
    fn explain_says_why_a_passage_stops() {
        let mut w = Words(99);
        let (h1, h2, p) = (w.text(100), w.text(100), w.text(40));
        let (a, spans) = build(&[&h1, &p]);
        let (b, _) = build(&[&h2, &p, &h1[..3]]);
        let config = AlignConfig { explain: true, ..AlignConfig::default() };
        let al = run(&a, &b, &config);
        assert_eq!(al.passages.len(), 1);
        let e = al.passages[0].explain.as_ref().expect("explained");
        assert_eq!(e.anchors.len(), 1);
        assert_eq!(e.anchors[0].a, spans[1]);
        assert_eq!(e.anchors[0].words, 40);
        assert_eq!(e.end, Stop::EndOfText);
        // Before it, `a` and `b` share nothing more.
        assert_eq!(e.start, Stop::SimilarityTooLow);
        // Without explain there is none.
        assert!(run(&a, &b, &AlignConfig::default()).passages[0].explain.is_none());
    }

    #[test]
    fn common_seeds_can_be_ignored() {
        let mut w = Words(5);
        let (h1, h2, p) = (w.text(100), w.text(100), w.text(30));
        let (a, _) = build(&[&h1, &p, &h2]);
        let (b, _) = build(&[&h2[..5], &p]);
        let (ta, tb) = (tokenize(&a), tokenize(&b));
        // Only word seeds are common or not: sentences stay out of this.
        let config = AlignConfig { sentences: false, ..AlignConfig::default() };
        assert_eq!(align(&a, &ta, &b, &tb, &config).passages.len(), 1);
        let al = align_with(&a, &ta, &b, &tb, &config, &|_| true);
        assert!(al.passages.is_empty());
    }

    #[test]
    fn a_kept_aligner_gives_what_align_gives() {
        let mut w = Words(11);
        let (h1, h2, h3, p1, p2) = (w.text(200), w.text(200), w.text(200), w.text(60), w.text(50));
        let (a1, _) = build(&[&h1, &p1, &h2, &p2]);
        let (a2, _) = build(&[&h3, &p2]);
        // `a3` has the words of `a1` at other offsets: only its spans differ.
        let a3 = format!("  {}", a1.replace(' ', "   "));
        let (b1, _) = build(&[&h2[..50], &p1, &h3[..20]]);
        let (b2, _) = build(&[&p2, &h1[..30], &p1[..20]]);
        let texts = [&a1, &a2, &a3, &b1, &b2];
        let configs = [
            AlignConfig { explain: true, ..AlignConfig::default() },
            AlignConfig { seed_size: 3, max_seed_repeats: 1, ..AlignConfig::default() },
        ];
        let mut found = 0;
        for config in configs {
            let mut aligner = Aligner::new(config.clone());
            // Runs of pairs with the same `a`, a changed `a`, the first again.
            for (a, b) in [(0, 3), (0, 4), (0, 0), (1, 3), (1, 4), (2, 3), (2, 4), (0, 3), (3, 0)] {
                let (a, b) = (texts[a].as_str(), texts[b].as_str());
                let (ta, tb) = (tokenize(a), tokenize(b));
                let expected = align(a, &ta, b, &tb, &config);
                found += expected.passages.len();
                assert_eq!(aligner.align(a, &ta, b, &tb), expected);
                let common = |h: u64| h % 3 == 0;
                let expected = align_with(a, &ta, b, &tb, &config, &common);
                assert_eq!(aligner.align_with(a, &ta, b, &tb, &common), expected);
            }
        }
        assert!(found >= 20, "{found} passages");
    }

    /// [`align`] making the candidate of every chain: the reference for
    /// `Job::candidates`' skipping.
    fn align_every_chain(a: &str, b: &str, config: &AlignConfig) -> Alignment {
        let mut aligner = Aligner::new(config.clone());
        aligner.scratch.extend_every_chain = true;
        aligner.align(a, &tokenize(a), b, &tokenize(b))
    }

    /// `b`: `a` (words from a small vocabulary, so phrases repeat) with a
    /// word substituted, dropped or inserted at each of `edits` (position,
    /// kind, word).
    fn edited(a: &[usize], edits: &[(usize, u8, usize)]) -> Vec<usize> {
        let mut b = a.to_vec();
        for &(at, kind, word) in edits {
            let at = at % (b.len() + 1);
            match kind % 3 {
                0 if at < b.len() => b[at] = word,
                1 if at < b.len() => {
                    b.remove(at);
                }
                _ => b.insert(at, word),
            }
        }
        b
    }

    /// A near-duplicate whose phrases repeat makes many chains inside its
    /// one passage; none of them is extended, so the pair aligns within a
    /// budget that extending every chain runs out of.
    #[test]
    fn chains_inside_the_best_candidate_are_not_extended() {
        let phrase = |k: usize| format!("alpha{k} beta{k} gamma{k} delta{k} epsilon{k}");
        // Twenty phrases, each three times (a seed in more than four places
        // would be ignored), shuffled, between fresh words: every repeat
        // elsewhere is a chain of its own.
        let mut order: Vec<usize> = (0..60).map(|n| n % 20).collect();
        let mut state = 7u64;
        for n in (1..order.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            order.swap(n, (state >> 33) as usize % (n + 1));
        }
        let a: Vec<String> =
            order.iter().enumerate().map(|(n, &k)| format!("{} fresh{n} word{n}", phrase(k))).collect();
        let a = a.join(" ");
        let b = a.replacen("fresh7", "changed", 1).replacen("word30", "edited", 1);
        let config = AlignConfig { budget: 50_000, ..AlignConfig::default() };
        let every = align_every_chain(&a, &b, &config);
        assert!(every.budget_exhausted, "the budget must bind for the reference");
        let (ta, tb) = (tokenize(&a), tokenize(&b));
        let skipping = align(&a, &ta, &b, &tb, &config);
        assert!(!skipping.budget_exhausted);
        assert_eq!(skipping.passages.len(), 1);
        assert_eq!(skipping.passages[0].words, ta.len() - 2);
        let unlimited = AlignConfig { budget: usize::MAX, ..config };
        assert_eq!(skipping, align_every_chain(&a, &b, &unlimited));
    }

    fn vocab_text() -> impl Strategy<Value = Vec<usize>> {
        prop::collection::vec(0usize..40, 0..120)
    }

    const VOCAB: [&str; 40] = [
        "the",
        "of",
        "and",
        "naïve",
        "日本",
        "Ünïcode",
        "regime",
        "camp",
        "Albania",
        "x",
        "é",
        "ß",
        "people's",
        "U.S.",
        "3,000",
        "—",
        "…",
        "mek",
        "hope",
        "push",
        "change",
        "free",
        "iran",
        "group",
        "life",
        "new",
        "old",
        "a",
        "in",
        "to",
        "for",
        "with",
        "by",
        "from",
        "ﬁne",
        "КИЇВ",
        "θ",
        "🙂",
        "don’t",
        "--",
    ];

    fn render(ids: &[usize]) -> String {
        ids.iter().map(|&i| VOCAB[i]).collect::<Vec<_>>().join(" ")
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_config(200))]

        /// Any texts: offsets in bounds and on char boundaries, no double
        /// claims, ops tiling every passage on both sides.
        #[test]
        fn invariants_hold(a in vocab_text(), b in vocab_text(), cut in 0usize..120, len in 0usize..60) {
            // Splice part of `a` into `b` so that passages do occur.
            let start = cut.min(a.len());
            let end = (start + len).min(a.len());
            let mut b2 = b.clone();
            let at = cut.min(b2.len());
            b2.splice(at..at, a[start..end].iter().copied());
            let (ta, tb) = (render(&a), render(&b2));
            let al = align(&ta, &tokenize(&ta), &tb, &tokenize(&tb), &AlignConfig::default());
            prop_assert!(check_invariants(&ta, &tb, &al).is_ok(), "{:?}", check_invariants(&ta, &tb, &al));
        }

        /// Skipping the chains that step 4 would cut to nothing changes no
        /// passage and no edit: near-duplicates of texts whose phrases
        /// repeat (many chains inside one passage), and unrelated texts.
        #[test]
        fn skipping_covered_chains_changes_nothing(
            a in prop::collection::vec(0usize..12, 0..250),
            edits in prop::collection::vec((0usize..300, 0u8..3, 0usize..40), 0..25),
            other in vocab_text(),
            explain in any::<bool>(),
        ) {
            let config = AlignConfig { explain, ..AlignConfig::default() };
            let b = edited(&a, &edits);
            for (x, y) in [(&a, &b), (&b, &a), (&a, &other)] {
                let (tx, ty) = (render(x), render(y));
                let skipping = align(&tx, &tokenize(&tx), &ty, &tokenize(&ty), &config);
                prop_assert_eq!(skipping, align_every_chain(&tx, &ty, &config));
            }
        }

        /// A document aligned with itself is covered, word for word.
        #[test]
        fn self_alignment_covers(ids in prop::collection::vec(0usize..2000, 8..300)) {
            let text = ids.iter().map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
            let tokens = tokenize(&text);
            let al = align(&text, &tokens, &text, &tokens, &AlignConfig::default());
            prop_assert!(check_invariants(&text, &text, &al).is_ok());
            let first = tokens[0].span.start;
            let last = tokens[tokens.len() - 1].span.end;
            prop_assert_eq!(al.passages.len(), 1);
            prop_assert_eq!(al.passages[0].a, Span::new(first, last));
            prop_assert_eq!(al.passages[0].b, Span::new(first, last));
            prop_assert_eq!(al.passages[0].words, tokens.len());
        }
    }
}
