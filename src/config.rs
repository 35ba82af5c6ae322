//! Settings of a run, validated before any work starts.
//!
//! The CLI parses flags into a [`Config`]; library users build one directly
//! (`Config::default()` then set fields) and [`Config::validate`] checks it.

use crate::align::AlignConfig;
use crate::Error;

/// Which MinHash algorithm computes signatures. See [`crate::minhash`] for
/// the measurements behind the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MinHashAlgorithm {
    /// One-permutation hashing with optimal densification: O(n + k).
    #[default]
    OnePermutation,
    /// Classic k independent multiply-shift permutations: O(n k).
    KPermutation,
}

impl MinHashAlgorithm {
    /// Its name in reports and flags.
    pub fn name(self) -> &'static str {
        match self {
            MinHashAlgorithm::OnePermutation => "oph",
            MinHashAlgorithm::KPermutation => "kperm",
        }
    }
}

/// Which candidate paths a scan runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// MinHash + LSH only: near-duplicates.
    Near,
    /// The winnowed-fingerprint index only: partial reuse.
    Reuse,
    /// Both.
    #[default]
    All,
}

impl Mode {
    /// Its name in reports and flags.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Near => "near",
            Mode::Reuse => "reuse",
            Mode::All => "all",
        }
    }

    /// Whether the LSH path runs.
    pub fn near(self) -> bool {
        self != Mode::Reuse
    }

    /// Whether the partial-reuse path runs.
    pub fn reuse(self) -> bool {
        self != Mode::Near
    }
}

/// Settings of the rewrite-tolerant candidate path
/// ([`crate::reuse::content_ngrams`]): fingerprints over n-grams of
/// content words (stop words left out), so a paraphrase, a translation or
/// a summary that keeps a few content words in order becomes a candidate
/// without sharing ten identical words. On by default in the reuse modes
/// ([`Config::rewrite_path`]); see `docs/reuse-path-measurements.md` for
/// the measurements behind the values.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Rewrites {
    /// Content words per n-gram (default 2).
    pub ngram: usize,
    /// Winnowing window over the n-grams (default 1: every distinct n-gram
    /// is kept). Any run of `window + ngram - 1` shared content words
    /// makes a shared fingerprint.
    pub window: usize,
    /// An n-gram in more documents than this makes no candidate (default 10).
    pub max_df: usize,
    /// Shared n-grams that make a candidate (default 7: what a default
    /// scan affords; 4 finds more rewrites for more candidates).
    pub min_shared: usize,
}

impl Default for Rewrites {
    fn default() -> Rewrites {
        Rewrites { ngram: 2, window: 1, max_df: 10, min_shared: 7 }
    }
}

/// Which member represents a cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// The first member in input order.
    #[default]
    First,
    /// The member with the most words (ties: first in input order).
    Longest,
    /// The member with the earliest date (ties, and members without a
    /// date, after: first in input order).
    Earliest,
}

/// All settings of a scan.
#[derive(Clone, Debug)]
pub struct Config {
    /// Words per shingle (default 5).
    pub shingle_size: usize,
    /// MinHash signature length (default 128).
    pub num_perm: usize,
    /// Seed of every hash function (default 0x5EED).
    pub seed: u64,
    /// MinHash algorithm (default one-permutation hashing).
    pub minhash: MinHashAlgorithm,
    /// Jaccard threshold for near-duplicates, in (0, 1] (default 0.5).
    pub threshold: f64,
    /// LSH bands; chosen from `threshold` when `None`.
    pub bands: Option<usize>,
    /// LSH rows per band; chosen from `threshold` when `None`.
    pub rows: Option<usize>,
    /// Weight of false negatives when bands and rows are chosen, in (0, 1);
    /// false positives weigh `1 - this`. Default 0.95: a false positive
    /// costs one exact verification, a false negative is a pair lost, so
    /// the S-curve is pushed left of the threshold (at 0.5 this picks
    /// 26 x 3, which makes a pair of Jaccard 0.5 a candidate 97% of the
    /// time; equal weights, as datasketch uses, pick 25 x 5 and 55%).
    pub false_negative_weight: f64,
    /// Buckets with more members than this are not expanded into all their
    /// pairs: each member is paired with the bucket's first member and its
    /// neighbour, which keeps clusters connected in linear time (default 64).
    pub max_bucket: usize,
    /// Cluster representative (default: first in input order).
    pub keep: Keep,
    /// Candidate paths to run (default both).
    pub mode: Mode,
    /// Winnowing window of the partial-reuse path, in shingles (default 6:
    /// any shared run of 10 or more words is caught, and about 2 in 7
    /// shingles are indexed).
    pub winnow_window: usize,
    /// A fingerprint in more documents than this is boilerplate or a stock
    /// phrase and makes no partial-reuse candidate (default 50).
    pub max_df: usize,
    /// Fingerprints two documents must share to be a partial-reuse
    /// candidate (default 3).
    pub min_shared: usize,
    /// Least containment of a partial-reuse pair: the larger of its two
    /// containments must reach it (default 0: every pair with a passage).
    /// The index applies it first, on fingerprint counts, so a corpus full
    /// of incidental overlap is not aligned pair by pair.
    pub min_containment: f64,
    /// The rewrite-tolerant candidate path, beside the winnowed exact
    /// shingles (default on, [`Rewrites::default`]; `None` turns it off).
    /// It runs in the reuse modes only ([`Config::rewrite_path`]). Its stop
    /// words are those of `align.language`; its other words match exactly.
    pub rewrites: Option<Rewrites>,
    /// Align every reported pair to find its reused passages (default
    /// true; `dedup` turns it off).
    pub passages: bool,
    /// Settings of the alignment stage.
    pub align: AlignConfig,
    /// Decide each pair's origin and link the pairs into stories
    /// ([`crate::origin`]); default off (the CLI turns it on with
    /// `--origin` or any metadata flag).
    pub origin: bool,
    /// When documents have sources, a fingerprint in at least this many
    /// documents of one source is that source's boilerplate
    /// ([`crate::reuse::SourceBoilerplate`]): it makes no pair on its own,
    /// and a passage made of it on both sides is dropped. 0 turns it off;
    /// default 3.
    pub source_boilerplate: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            shingle_size: 5,
            num_perm: 128,
            seed: 0x5EED,
            minhash: MinHashAlgorithm::default(),
            threshold: 0.5,
            bands: None,
            rows: None,
            false_negative_weight: 0.95,
            max_bucket: 64,
            keep: Keep::default(),
            mode: Mode::default(),
            winnow_window: 6,
            max_df: 50,
            min_shared: 3,
            min_containment: 0.0,
            rewrites: Some(Rewrites::default()),
            passages: true,
            // A scan aligns every candidate pair: the sentence stage costs
            // several times the word-level alignment there, so it is
            // asked for (`scan --sentences`); `compare` and `eval --pan`
            // run it by default.
            align: AlignConfig { sentences: false, ..AlignConfig::default() },
            origin: false,
            source_boilerplate: 3,
        }
    }
}

impl Config {
    /// The rewrite path's settings when it runs: [`Config::rewrites`] in
    /// the modes with a partial-reuse path, `None` in mode `near`.
    pub fn rewrite_path(&self) -> Option<Rewrites> {
        self.rewrites.filter(|_| self.mode.reuse())
    }

    /// Checks every setting; the message names the bad one.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::Config(m));
        if !(1..=32).contains(&self.shingle_size) {
            return bad(format!("shingle size {} is not in 1..=32", self.shingle_size));
        }
        if !(1..=4096).contains(&self.num_perm) {
            return bad(format!("num-perm {} is not in 1..=4096", self.num_perm));
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return bad(format!("threshold {} is not in (0, 1]", self.threshold));
        }
        match (self.bands, self.rows) {
            (Some(b), Some(r)) => {
                if b == 0 || r == 0 || b * r > self.num_perm {
                    return bad(format!(
                        "bands x rows = {b} x {r} must be at least 1 x 1 and at most num-perm ({})",
                        self.num_perm
                    ));
                }
            }
            (None, None) => {}
            _ => return bad("give both --bands and --rows, or neither".into()),
        }
        if !(self.false_negative_weight > 0.0 && self.false_negative_weight < 1.0) {
            return bad(format!("false-negative weight {} is not in (0, 1)", self.false_negative_weight));
        }
        if self.align.seed_size == 0 || self.align.seed_size > crate::shingle::MAX_SHINGLE_SIZE {
            return bad(format!("alignment seed size {} is not in 1..=32", self.align.seed_size));
        }
        if self.winnow_window == 0 {
            return bad("winnowing window must be at least 1".into());
        }
        if self.max_df < 2 {
            return bad(format!("max-df {} is below 2", self.max_df));
        }
        if self.min_shared == 0 {
            return bad("min-shared must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.min_containment) {
            return bad(format!("min-containment {} is not in [0, 1]", self.min_containment));
        }
        if self.align.min_words == 0 {
            return bad("min-words must be at least 1".into());
        }
        if self.mode.reuse() && !self.passages {
            return bad("the partial-reuse path needs passages: use --mode near to scan without them".into());
        }
        if let Some(r) = self.rewrite_path() {
            if !(1..=8).contains(&r.ngram) {
                return bad(format!("rewrite n-gram {} is not in 1..=8", r.ngram));
            }
            if r.window == 0 {
                return bad("rewrite window must be at least 1".into());
            }
            if r.max_df < 2 {
                return bad(format!("rewrite max-df {} is below 2", r.max_df));
            }
            if r.min_shared == 0 {
                return bad("rewrite min-shared must be at least 1".into());
            }
        }
        if self.source_boilerplate == 1 {
            return bad(
                "source boilerplate must be found in at least 2 documents of a source (0 turns it off)"
                    .into(),
            );
        }
        if self.max_bucket < 2 {
            return bad(format!("max bucket {} is below 2", self.max_bucket));
        }
        Ok(())
    }
}
