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
//!    that pays.
//! 4. **Resolve and merge.** Candidates are taken best first (most matched
//!    words); one that claims text already claimed on either side is cut
//!    around it and the pieces go back in the queue, so no text is claimed
//!    twice. Neighbours whose gap is at most half the shorter of the two
//!    are then merged.
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

mod sentences;

use std::collections::{BTreeMap, BinaryHeap};

use serde::Serialize;

use crate::lang::{Key, Keyer, LanguageSetting};
use crate::text::Token;
use crate::Span;

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

/// The hash of a seed: a run of consecutive tokens. Other stages use it to
/// find seeds that are common in a corpus (see [`align_with`]).
pub fn seed_hash(window: &[Token]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for t in window {
        h = (h ^ t.hash).wrapping_mul(0xff51_afd7_ed55_8ccd).rotate_left(31);
    }
    h
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
}

/// Documents of more tokens than this (or with more distinct seeds) find
/// shared seeds by sorting, not with a hash table.
const SMALL_INDEX: usize = 1 << 16;

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
            self.keyer.keys(a_text, a, language.resolve(a_text, a), &mut self.a_keys);
            self.a_keys_of.clear();
            self.a_keys_of.extend(a.iter().map(|t| t.hash));
        }
        self.keyer.keys(b_text, b, language.resolve(b_text, b), &mut self.b_keys);
    }

    /// Frees what a pair of very long documents left, so that an aligner
    /// kept between pairs holds little memory.
    fn trim(&mut self) {
        let index = &mut self.index;
        if trim(&mut index.seeds)
            | trim(&mut index.groups)
            | trim(&mut index.table)
            | trim(&mut index.filter)
            | trim(&mut index.tokens)
        {
            *index = SeedIndex::default();
        }
        trim(&mut self.shared);
        trim(&mut self.b_seeds);
        trim(&mut self.pairs);
        let dp = &mut self.dp;
        trim(&mut dp.trace);
        trim(&mut dp.a);
        trim(&mut dp.b_low);
        trim(&mut dp.b_high);
        trim(&mut dp.same);
        dp.narrow.trim();
        dp.medium.trim();
        dp.wide.trim();
    }
}

/// The seeds of one document, found by hash.
#[derive(Debug, Default)]
struct SeedIndex {
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

// Scores of the token alignment, doubled to stay in integers.
const MATCH: i32 = 4;
const MISMATCH: i32 = -2;
const GAP_OPEN: i32 = -6;
const GAP_EXTEND: i32 = -1;
const X_DROP: i32 = 20;
/// Least score an extension must reach: two matches' worth, so a lone
/// stop word after a mismatch does not stretch a passage.
const MIN_EXTENSION: i32 = 3;
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

/// A passage under construction, at token level.
#[derive(Clone, Debug)]
struct Candidate {
    cols: Vec<Col>,
    matched: usize,
    anchors: Vec<Run>,
    start: Stop,
    end: Stop,
    /// Made from a sentence fragment (kept on stricter terms: see
    /// `Job::keep`).
    sentences: bool,
}

impl Candidate {
    /// Trims to the first and last equal column and recounts.
    fn new(mut cols: Vec<Col>, anchors: Vec<Run>, start: Stop, end: Stop) -> Option<Candidate> {
        let first = cols.iter().position(|c| matches!(c, Col::Eq(..)))?;
        let last = cols.iter().rposition(|c| matches!(c, Col::Eq(..)))?;
        cols.truncate(last + 1);
        cols.drain(..first);
        let matched = cols.iter().filter(|c| matches!(c, Col::Eq(..))).count();
        Some(Candidate { cols, matched, anchors, start, end, sentences: false })
    }

    fn first(&self) -> (usize, usize) {
        match self.cols[0] {
            Col::Eq(i, j) => (i, j),
            _ => unreachable!("a candidate starts with an equal column"),
        }
    }

    fn last(&self) -> (usize, usize) {
        match self.cols[self.cols.len() - 1] {
            Col::Eq(i, j) => (i, j),
            _ => unreachable!("a candidate ends with an equal column"),
        }
    }

    /// Words on each side.
    fn lens(&self) -> (usize, usize) {
        let (i0, j0) = self.first();
        let (i1, j1) = self.last();
        (i1 - i0 + 1, j1 - j0 + 1)
    }

    fn similarity(&self) -> f64 {
        let (la, lb) = self.lens();
        self.matched as f64 / la.min(lb) as f64
    }

    fn keep(&self, config: &AlignConfig) -> bool {
        self.matched >= config.min_words.max(1) && self.similarity() >= config.min_similarity
    }
}

/// Orders candidates for the best-first queue: most matched words, then
/// fewest columns, then position (for determinism).
struct Queued(Candidate);

impl Queued {
    fn key(&self) -> (usize, std::cmp::Reverse<usize>, std::cmp::Reverse<(usize, usize)>) {
        // Exact evidence first: a candidate from sentences must match a
        // third more words than a word-level one to take its text.
        let weight = if self.0.sentences { 3 * self.0.matched } else { 4 * self.0.matched };
        (weight, std::cmp::Reverse(self.0.cols.len()), std::cmp::Reverse(self.0.first()))
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
        let mut candidates = Vec::new();
        for chain in chains {
            if let Some(c) = self.candidate(&chain, &runs) {
                if c.keep(self.config) {
                    candidates.push(c);
                }
            }
        }
        if self.config.sentences {
            let mut pieces = Vec::new();
            let a = sentences::Side { text: self.a_text, tokens: self.a, keys: self.ka };
            let b = sentences::Side { text: self.b_text, tokens: self.b, keys: self.kb };
            let max = self.config.max_seed_repeats.max(1);
            // The word-level candidates' extent on each side: a fragment
            // they already cover is not aligned again.
            let mut ca: Vec<(usize, usize)> =
                candidates.iter().map(|c| (c.first().0, c.last().0 + 1)).collect();
            let mut cb: Vec<(usize, usize)> =
                candidates.iter().map(|c| (c.first().1, c.last().1 + 1)).collect();
            for f in sentences::fragments(a, b, max, &mut self.work) {
                if covered(&mut ca, &f.a) && covered(&mut cb, &f.b) {
                    continue;
                }
                self.fragment(&f, &runs, &mut pieces);
            }
            candidates.extend(pieces.into_iter().filter(|c| self.keep(c)));
        }
        let kept = self.resolve(candidates);
        let merged = self.merge(kept);
        let mut passages: Vec<Passage> =
            merged.iter().filter(|c| self.keep(c)).map(|c| self.passage(c)).collect();
        passages.sort_by_key(|p| (p.a.start, p.b.start));
        Alignment { passages, budget_exhausted: self.work.exhausted }
    }

    /// Exact anchors: shared seeds, merged along diagonals, sorted by
    /// position in `a` then `b`. A seed is left out when it occurs more than
    /// `max_seed_repeats` times in either document or `is_common`; the work
    /// of pairing the others is counted hash by hash, in order of hash.
    fn anchors(&mut self, is_common: &dyn Fn(u64) -> bool) -> Vec<Run> {
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

    /// Whether a gap of `ga` words in `a` and `gb` in `b` may lie inside a
    /// passage.
    fn gap_ok(&self, ga: usize, gb: usize) -> bool {
        let (short, long) = (ga.min(gb), ga.max(gb));
        short <= self.config.max_gap && long <= self.config.max_gap * self.config.gap_ratio.max(1)
    }

    /// Chains of anchors (indices into `runs`), best first.
    fn chains(&mut self, runs: &[Run]) -> Vec<Vec<usize>> {
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

    /// Fills and extends one chain into a candidate passage.
    fn candidate(&mut self, chain: &[usize], runs: &[Run]) -> Option<Candidate> {
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

    /// Whether a candidate makes a passage: [`Candidate::keep`], and for
    /// one made from sentences, [`SENTENCE_CONTENT_PERCENT`]% of
    /// [`AlignConfig::min_words`] in matched content words (stop words left
    /// out), and a similarity of
    /// [`SENTENCE_SIMILARITY`]: articles on one topic share sentences of
    /// similar words without one taking text from the other.
    fn keep(&self, c: &Candidate) -> bool {
        let content = || {
            c.cols.iter().filter(|col| matches!(col, Col::Eq(i, _) if self.ka[*i].content)).count()
                >= SENTENCE_CONTENT_PERCENT * self.config.min_words / 100
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

    /// Why candidate `c` stops at its start (`forward` false) or end.
    fn stop_reason(&self, c: &Candidate, runs: &[Run], forward: bool) -> Stop {
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
    fn fill(&mut self, i0: usize, i1: usize, j0: usize, j1: usize, cols: &mut Vec<Col>) {
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
        let w = 2 * self.config.max_gap.max(1);
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

    /// Best first, cutting each candidate around text already claimed.
    fn resolve(&mut self, candidates: Vec<Candidate>) -> Vec<Candidate> {
        let mut heap: BinaryHeap<Queued> = candidates.into_iter().map(Queued).collect();
        let (mut ca, mut cb) = (Claimed::default(), Claimed::default());
        let mut kept = Vec::new();
        while let Some(Queued(c)) = heap.pop() {
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
                            heap.push(Queued(p));
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
    fn merge(&mut self, mut kept: Vec<Candidate>) -> Vec<Candidate> {
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

    /// Turns a token-level candidate into a byte-level passage.
    fn passage(&self, c: &Candidate) -> Passage {
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
        }
    }
}

/// Whether the ranges `spans` (sorted here) cover at least 90% of `r`.
fn covered(spans: &mut [(usize, usize)], r: &std::ops::Range<usize>) -> bool {
    spans.sort_unstable();
    let (mut inside, mut at) = (0, r.start);
    for &(s, e) in spans.iter() {
        let (s, e) = (s.max(at), e.min(r.end));
        if s < e {
            inside += e - s;
            at = e;
        }
    }
    10 * inside >= 9 * r.len()
}

/// Fills a gap without aligning: substitutions, then the rest deleted or
/// inserted.
fn coarse_fill(i0: usize, i1: usize, j0: usize, j1: usize, cols: &mut Vec<Col>) {
    let common = (i1 - i0).min(j1 - j0);
    cols.extend((0..common).map(|d| Col::Sub(i0 + d, j0 + d)));
    cols.extend((i0 + common..i1).map(Col::Del));
    cols.extend((j0 + common..j1).map(Col::Ins));
}

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
struct Gotoh {
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
    best_end: Option<(usize, usize)>,
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

const S_M: u8 = 0;
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
    /// Sets the sequences to align.
    fn set(&mut self, a: impl Iterator<Item = u64>, b: impl Iterator<Item = u64> + Clone) {
        self.a.clear();
        self.a.extend(a);
        self.b_low.clear();
        self.b_low.extend(b.clone().map(|h| h as u32));
        self.b_high.clear();
        self.b_high.extend(b.map(|h| (h >> 32) as u32));
    }

    /// Aligns `self.a` with `self.b`: globally (`GLOBAL`) or as an extension
    /// from `(0, 0)`, setting `best_end`.
    fn align<const GLOBAL: bool>(&mut self) {
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
    fn best_state(&self) -> u8 {
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
    fn traceback(
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

    /// Tokens whose hashes are `ids`.
    fn tokens_of(ids: &[u64]) -> Vec<Token> {
        ids.iter().map(|&hash| Token { span: Span::new(0, 1), hash }).collect()
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
