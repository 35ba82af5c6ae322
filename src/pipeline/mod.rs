//! The pipeline: documents in, a [`Scan`] (scored pairs and clusters) out.
//!
//! This module runs the stages on threads (the [`source`](crate::source)
//! stage also parses JSONL batches in parallel). Every stage below is a
//! pure function over slices; here they run on the current rayon pool (the
//! CLI installs one of `--threads` workers), each worker with its own
//! scratch space, and every parallel step collects in input order, so the
//! result is the same whatever the number of threads.
//!
//! 1. **sketch** ([`Sketches`], parallel over documents; in the binary,
//!    each document on the worker that read it): tokenise, shingle, and
//!    keep per document its word count, a hash of its normalised token
//!    sequence, the LSH band keys of its MinHash signature (near path), its
//!    winnowed fingerprints (reuse path) and, unless `--no-rewrites`,
//!    its content-word n-grams (rewrite path). Not its text: the binary holds
//!    no text it can read again, and reads back only those the pairs need,
//!    once the candidates are known ([`Candidates::needs_text`]).
//! 2. **exact**: documents whose normalised token sequences are identical
//!    are grouped; only the first of a group goes through the candidate
//!    paths. Before verification every pair of a group, and every candidate
//!    found for its first document, is repeated for each copy; a group
//!    larger than `max_bucket` is only linked to its first document, so ten
//!    thousand copies cost linear time.
//! 3. **candidates**: LSH banding of the signatures (parallel over bands),
//!    and the partial-reuse index of the fingerprints (parallel over
//!    documents), as `--mode` asks, and the rewrite path's index of the
//!    n-grams beside the latter; their pairs are merged.
//! 4. **verify** and 5. **align**, one pass over the candidates in `(a, b)`
//!    order, a batch of 16,384 at a time (parallel over the pairs of
//!    a batch): every candidate gets exact Jaccard and containments from the
//!    two documents' shingle sets. Pairs at or above the threshold are
//!    near-duplicates; below it, with the reuse path on and at least
//!    `min_containment`, they are partial-reuse candidates. Then the reused
//!    passages of every pair are aligned, with byte offsets in both texts,
//!    and a reuse candidate without a passage is dropped. Each batch's pairs
//!    go to a [`PairSink`] ([`scan_streaming`]) before the next batch starts,
//!    so memory does not grow with the number of pairs.
//! 6. **cluster**: union-find over the exact and near-duplicate pairs
//!    (partial reuse does not make documents duplicates).
//!
//! Each stage has a file of its own: `sketch.rs` (1), `candidates.rs` (2
//! and 3), `pairs.rs` (4 to 6) and `plan.rs` (how the pairs of 4 and 5 are
//! batched and their texts read back, and the peak memory estimate). This
//! file holds what a scan gives, its settings and counts, and the entry
//! points.

mod candidates;
mod pairs;
mod plan;
mod sketch;
mod tokens;

use serde::Serialize;

use crate::align::Passage;
use crate::cluster::Cluster;
use crate::config::Config;
use crate::lsh::LshParams;
use crate::minhash;
use crate::origin::Origin;
use crate::origin::{Link, Story};
use crate::source::Document;
use crate::{DocId, Error};

pub use candidates::Candidates;
pub use plan::{peak_memory, TEXT_BATCH_BYTES};
pub use sketch::{SketchScratch, Sketched, Sketches};

/// What kind of overlap a pair has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairKind {
    /// The normalised texts are identical.
    Exact,
    /// Jaccard at or above the threshold.
    NearDuplicate,
    /// Below the threshold, but sharing at least one aligned passage.
    Reuse,
}

impl PairKind {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            PairKind::Exact => "exact",
            PairKind::NearDuplicate => "near-duplicate",
            PairKind::Reuse => "reuse",
        }
    }
}

/// A reported pair of documents, `a` before `b` in input order.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// What kind of overlap.
    pub kind: PairKind,
    /// Exact Jaccard of the shingle sets.
    pub jaccard: f64,
    /// Share of `a`'s shingles found in `b`.
    pub containment_a: f64,
    /// Share of `b`'s shingles found in `a`.
    pub containment_b: f64,
    /// The reused passages, from the alignment stage (empty when
    /// [`Config::passages`] is off).
    pub passages: Vec<Passage>,
    /// Whether alignment stopped at its work budget (passages partial).
    pub budget_exhausted: bool,
    /// Which side the shared text came from ([`Config::origin`]; `None`
    /// when off).
    pub origin: Option<Origin>,
}

impl Pair {
    /// A pair with its scores and no passages yet.
    pub fn new(a: u32, b: u32, kind: PairKind, jaccard: f64, containment_a: f64, containment_b: f64) -> Pair {
        Pair {
            a: DocId(a),
            b: DocId(b),
            kind,
            jaccard,
            containment_a,
            containment_b,
            passages: Vec::new(),
            budget_exhausted: false,
            origin: None,
        }
    }
}

/// What the pipeline learnt about one document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DocSketch {
    /// Tokens (words).
    pub words: usize,
    /// Hash of the normalised token sequence (equal for exact duplicates).
    pub content: u128,
}

/// The settings a scan ran with, after defaults were resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Params {
    /// Words per shingle.
    pub shingle_size: usize,
    /// Signature length.
    pub num_perm: usize,
    /// Hash seed.
    pub seed: u64,
    /// MinHash algorithm name.
    pub minhash: &'static str,
    /// Version of the signature algorithms.
    pub algorithm_version: u32,
    /// Jaccard threshold.
    pub threshold: f64,
    /// LSH bands.
    pub bands: usize,
    /// LSH rows per band.
    pub rows: usize,
    /// Probability that a pair exactly at the threshold becomes a candidate.
    pub candidate_probability_at_threshold: f64,
    /// Weight of false negatives used to choose bands and rows.
    pub false_negative_weight: f64,
    /// Largest bucket expanded into all its pairs.
    pub max_bucket: usize,
    /// Candidate paths run: `near`, `reuse` or `all`.
    pub mode: &'static str,
    /// Winnowing window of the partial-reuse path.
    pub winnow_window: usize,
    /// Document-frequency cap of the partial-reuse index.
    pub max_df: usize,
    /// Shared fingerprints that make a partial-reuse candidate.
    pub min_shared: usize,
    /// Least containment (the larger of the two) of a partial-reuse pair.
    pub min_containment: f64,
    /// Least matched words of a passage.
    pub min_words: usize,
    /// The rewrite-tolerant candidate path, when it runs (absent with
    /// `--no-rewrites` and in mode `near`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewrites: Option<crate::config::Rewrites>,
    /// Whether each pair's origin is decided and stories are made
    /// (written only when on).
    #[serde(skip_serializing_if = "is_false")]
    pub origin: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Params {
    /// Resolves a validated config: picks bands and rows when not given.
    pub fn resolve(config: &Config) -> Result<Params, Error> {
        config.validate()?;
        let lsh = match (config.bands, config.rows) {
            (Some(bands), Some(rows)) => LshParams { bands, rows },
            _ => {
                let w = config.false_negative_weight;
                LshParams::optimal(config.threshold, config.num_perm, 1.0 - w, w)
            }
        };
        Ok(Params {
            shingle_size: config.shingle_size,
            num_perm: config.num_perm,
            seed: config.seed,
            minhash: config.minhash.name(),
            algorithm_version: minhash::ALGORITHM_VERSION,
            threshold: config.threshold,
            bands: lsh.bands,
            rows: lsh.rows,
            candidate_probability_at_threshold: lsh.probability(config.threshold),
            false_negative_weight: config.false_negative_weight,
            max_bucket: config.max_bucket,
            mode: config.mode.name(),
            winnow_window: config.winnow_window,
            max_df: config.max_df,
            min_shared: config.min_shared,
            min_containment: config.min_containment,
            min_words: config.align.min_words,
            rewrites: config.rewrite_path(),
            origin: config.origin,
        })
    }

    /// The LSH part.
    pub fn lsh(&self) -> LshParams {
        LshParams { bands: self.bands, rows: self.rows }
    }
}

/// Counts and timings of a scan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Documents read.
    pub documents: usize,
    /// Documents with no words (counted, never compared).
    pub empty_documents: usize,
    /// Bytes of text.
    pub bytes: usize,
    /// Words (tokens).
    pub words: usize,
    /// Documents that exactly duplicate an earlier one.
    pub exact_duplicates: usize,
    /// Distinct candidate pairs from LSH.
    pub near_candidates: usize,
    /// LSH candidates ruled out by their documents' screen bytes before
    /// verification, when the near path runs alone
    /// ([`minhash::may_reach`]). Not in reports, which it would make
    /// differ from those of earlier versions without changing a pair; the
    /// command line prints it.
    #[serde(skip)]
    pub screened_out: usize,
    /// Fingerprints in the partial-reuse index.
    pub fingerprints: usize,
    /// Fingerprints dropped for being in more than `max_df` documents.
    pub common_fingerprints: usize,
    /// Candidate pairs from the partial-reuse index.
    pub reuse_candidates: usize,
    /// Fingerprints in the rewrite index (written only when that path is on).
    #[serde(skip_serializing_if = "is_zero")]
    pub rewrite_fingerprints: usize,
    /// Candidate pairs from the rewrite index (written only when that path is on).
    #[serde(skip_serializing_if = "is_zero")]
    pub rewrite_candidates: usize,
    /// Fingerprints found to be a source's boilerplate, over every source
    /// (written only when documents have sources).
    #[serde(skip_serializing_if = "is_zero")]
    pub boilerplate_fingerprints: usize,
    /// Passages dropped for being source boilerplate on both sides
    /// (written only when some were).
    #[serde(skip_serializing_if = "is_zero")]
    pub boilerplate_passages: usize,
    /// Distinct candidate pairs of both paths.
    pub candidates: usize,
    /// Reported pairs.
    pub pairs: usize,
    /// Clusters.
    pub clusters: usize,
    /// Pairs whose alignment stopped at its work budget.
    pub budget_exhausted: usize,
    /// LSH buckets too large to expand into all pairs.
    pub oversized_buckets: usize,
    /// Seconds per stage; filled only when asked for (timings differ
    /// between runs, and reports are otherwise byte-identical).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<Timings>,
    /// CPU seconds (user and system, all threads) per stage, filled with
    /// `seconds`: a stage whose CPU seconds are about twice its wall
    /// seconds kept two cores busy. Verification and alignment are split
    /// like their wall time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<Timings>,
}

/// CPU seconds the process has used so far, user and system, on all its
/// threads (from `/proc/self/stat`; 0 where that cannot be read).
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The fields after the command name (which may hold spaces) in
    // parentheses; utime and stime are the 14th and 15th fields, in clock
    // ticks of 1/100 s on Linux.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest.split_whitespace().skip(11).take(2).filter_map(|f| f.parse::<u64>().ok()).sum();
    ticks as f64 / 100.0
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Wall-clock seconds per stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Tokenise, shingle and sign. When documents are sketched as they are
    /// read (the binary), reading is included: the two interleave.
    pub sketch: f64,
    /// Exact-duplicate grouping.
    pub exact: f64,
    /// LSH banding.
    pub lsh: f64,
    /// The partial-reuse index (and the rewrite index, when on).
    pub reuse: f64,
    /// Exact scores of candidates. Verification and alignment run in one
    /// pass over the pairs; its wall time is split between the two by their
    /// shares of the workers' time.
    pub verify: f64,
    /// Passages of reported pairs (see `verify`).
    pub align: f64,
    /// Union-find.
    pub cluster: f64,
}

/// The result of a scan.
#[derive(Clone, Debug)]
pub struct Scan {
    /// Resolved settings.
    pub params: Params,
    /// One sketch per input document, in input order.
    pub sketches: Vec<DocSketch>,
    /// Reported pairs, ordered by `(a, b)`.
    pub pairs: Vec<Pair>,
    /// Clusters of the reported pairs, ordered by first member.
    pub clusters: Vec<Cluster>,
    /// Every reported pair as a link, in pair order ([`Config::origin`];
    /// empty when off).
    pub links: Vec<Link>,
    /// The stories of the reported pairs ([`Config::origin`]; empty when
    /// off).
    pub stories: Vec<Story>,
    /// Counts and timings.
    pub stats: Stats,
}

/// Reports a stage's progress (the CLI draws progress bars with it).
/// Called from worker threads.
pub trait Progress: Sync {
    /// A stage begins, with `total` units of work.
    fn stage(&self, name: &'static str, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
}

/// A [`Progress`] that shows nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &'static str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// What a streamed scan returns once every pair went to its sink: a
/// [`Scan`] without the pairs.
#[derive(Clone, Debug)]
pub struct ScanSummary {
    /// Resolved settings.
    pub params: Params,
    /// One sketch per input document, in input order.
    pub sketches: Vec<DocSketch>,
    /// Clusters of the reported pairs, ordered by first member.
    pub clusters: Vec<Cluster>,
    /// Every reported pair as a link, in pair order ([`Config::origin`];
    /// empty when off).
    pub links: Vec<Link>,
    /// The stories of the reported pairs ([`Config::origin`]; empty when
    /// off).
    pub stories: Vec<Story>,
    /// Counts and timings.
    pub stats: Stats,
}

/// Scans `docs` for near-duplicate and partial-reuse pairs with `config`.
pub fn scan(docs: &[Document], config: &Config) -> Result<Scan, Error> {
    scan_with_progress(docs, config, &NoProgress)
}

/// [`scan`], reporting progress.
pub fn scan_with_progress(
    docs: &[Document],
    config: &Config,
    progress: &dyn Progress,
) -> Result<Scan, Error> {
    let mut sketches = Sketches::new(config, progress)?;
    progress.stage("sketch", docs.len() as u64);
    sketches.add(docs);
    sketches.candidates()?.collect(docs, progress)
}

/// Where [`scan_streaming`] sends what it finds, as it finds it. A sink
/// takes one batch while the workers verify and align the next, so it is
/// `Send`.
pub trait PairSink: Send {
    /// Called once, after sketching and before any pair: the settings and
    /// every document's sketch, for what a report writes before its pairs.
    fn begin(&mut self, params: &Params, sketches: &[DocSketch]) -> Result<(), Error>;
    /// The next batch of reported pairs, in `(a, b)` order.
    fn pairs(&mut self, batch: Vec<Pair>) -> Result<(), Error>;
}

/// [`scan_with_progress`] that hands the reported pairs to `sink` in
/// batches, in `(a, b)` order, as they are verified and aligned, instead of
/// holding them all: memory stays bounded by the documents and two batches
/// (the sink takes one while the next is done).
/// An error from `sink` stops the scan and is returned.
pub fn scan_streaming(
    docs: &[Document],
    config: &Config,
    progress: &dyn Progress,
    sink: &mut dyn PairSink,
) -> Result<ScanSummary, Error> {
    let mut sketches = Sketches::new(config, progress)?;
    progress.stage("sketch", docs.len() as u64);
    sketches.add(docs);
    sketches.candidates()?.run(docs, progress, sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_config_is_refused() {
        let config = Config { threshold: 1.5, ..Config::default() };
        assert!(matches!(scan(&[], &config), Err(Error::Config(_))));
    }
}
