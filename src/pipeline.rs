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
//!    sequence, the LSH band keys of its MinHash signature (near path) and
//!    its winnowed fingerprints (reuse path). Not its text: the binary holds
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
//!    documents), as `--mode` asks; their pairs are merged.
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

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::align::{AlignConfig, Aligner, Passage};
use crate::cluster::{self, Cluster};
use crate::config::Config;
use crate::lang::Key;
use crate::lsh::{self, LshParams};
use crate::minhash::{self, MinHasher};
use crate::origin::Origin;
use crate::origin::{self, Link, Story};
use crate::reuse::{self, SourceBoilerplate};
use crate::shingle;
use crate::source::{Document, ReadOptions, Visit};
use crate::text::{Token, Tokenizer};
use crate::verify::Measure;
use crate::{DocId, Error, Span};

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
    /// The rewrite-tolerant candidate path, when on (absent otherwise, so
    /// reports without it are unchanged).
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
            rewrites: config.rewrites,
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

/// Per-worker scratch space.
#[derive(Default)]
struct Scratch {
    tokenizer: Tokenizer,
    keys: Vec<Key>,
    grams: Vec<u64>,
    hashes: Vec<u64>,
    shingles: Vec<u64>,
    signature: Vec<u32>,
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

/// Candidate pairs are verified and aligned this many at a time, each
/// batch handed on while the next is done: memory holds two batches of
/// pairs, however many the corpus has. (Unit tests use tiny batches, so
/// that their few pairs take several.)
const PAIR_BATCH: usize = if cfg!(test) { 3 } else { 16_384 };

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

/// Stage 1, sketching, fed a batch of documents at a time
/// ([`Sketches::add`]), or each document as it is read (as the [`Visit`]
/// of [`source::read_inputs_with`](crate::source::read_inputs_with)), then
/// [`Sketches::candidates`] for stages 2 and 3. What it keeps per document
/// is its sketch, its LSH band keys and its fingerprints, not its text: as
/// a [`Visit`] it has every text that can be read again come released, and
/// the caller restores those that [`Candidates::needs_text`] names before
/// [`Candidates::run`].
pub struct Sketches<'c> {
    config: &'c Config,
    progress: &'c dyn Progress,
    params: Params,
    hasher: MinHasher,
    lsh: LshParams,
    sketches: Vec<DocSketch>,
    /// `lsh.bands` keys per document (near path).
    band_keys: Vec<u64>,
    /// Winnowed fingerprints per document (reuse path).
    fingerprints: Vec<Vec<u32>>,
    /// Content-word n-gram fingerprints per document (rewrite path; empty
    /// when it is off).
    rewrite_fingerprints: Vec<Vec<u32>>,
    /// Each document's source number ([`reuse::NO_SOURCE`] for none); empty
    /// until a document has a source.
    sources: Vec<u32>,
    /// Source name -> number.
    source_numbers: HashMap<Box<str>, u32>,
    bytes: usize,
    /// Seconds spent in [`Sketches::add`].
    seconds: f64,
    /// When it was made: when documents are sketched as they are
    /// read (`visited`), the time since counts instead, as reading and
    /// sketching interleave.
    created: Instant,
    visited: bool,
    /// CPU seconds of the process when it was made, and spent in
    /// [`Sketches::add`] (as `created` and `seconds`).
    cpu_created: f64,
    cpu: f64,
}

impl<'c> Sketches<'c> {
    /// The sketches of a scan with `config` (an error if its settings are invalid),
    /// reporting its progress and that of [`Sketches::candidates`].
    pub fn new(config: &'c Config, progress: &'c dyn Progress) -> Result<Sketches<'c>, Error> {
        let params = Params::resolve(config)?;
        let hasher = MinHasher::new(params.num_perm, params.seed, config.minhash);
        let lsh = params.lsh();
        Ok(Sketches {
            config,
            progress,
            params,
            hasher,
            lsh,
            sketches: Vec::new(),
            band_keys: Vec::new(),
            fingerprints: Vec::new(),
            rewrite_fingerprints: Vec::new(),
            sources: Vec::new(),
            source_numbers: HashMap::new(),
            bytes: 0,
            seconds: 0.0,
            created: Instant::now(),
            visited: false,
            cpu_created: cpu_seconds(),
            cpu: 0.0,
        })
    }

    /// Sketches `docs` (in parallel), the next documents in input order.
    pub fn add(&mut self, docs: &[Document]) {
        let clock = Instant::now();
        let cpu = cpu_seconds();
        let (config, hasher, lsh, progress) = (self.config, &self.hasher, self.lsh, self.progress);
        let sketch = |s: &mut Scratch, doc: &Document, keys: &mut [u64]| {
            let out = sketch_one(s, &doc.text, config, hasher, lsh, keys);
            progress.advance(1);
            out
        };
        let mut sketched: Vec<(DocSketch, Vec<u32>, Vec<u32>)> = Vec::with_capacity(docs.len());
        if config.mode.near() {
            // Only each document's band keys are kept: b values, not its k.
            let from = self.band_keys.len();
            self.band_keys.resize(from + docs.len() * lsh.bands, 0);
            self.band_keys[from..]
                .par_chunks_mut(lsh.bands)
                .zip(docs.par_iter())
                .map_init(Scratch::default, |s, (keys, doc)| sketch(s, doc, keys))
                .collect_into_vec(&mut sketched);
        } else {
            docs.par_iter()
                .map_init(Scratch::default, |s, doc| sketch(s, doc, &mut []))
                .collect_into_vec(&mut sketched);
        }
        let first = self.sketches.len();
        for (sketch, fingerprints, rewrite) in sketched {
            self.sketches.push(sketch);
            self.fingerprints.push(fingerprints);
            if config.rewrites.is_some() {
                self.rewrite_fingerprints.push(rewrite);
            }
        }
        self.note_sources(first, docs);
        self.bytes += docs.iter().map(Document::text_len).sum::<usize>();
        self.seconds += clock.elapsed().as_secs_f64();
        self.cpu += cpu_seconds() - cpu;
    }

    /// Numbers the sources of `docs`, documents `first..` of the run (only
    /// once one has a source, and only when per-source boilerplate is on).
    fn note_sources(&mut self, first: usize, docs: &[Document]) {
        if self.config.source_boilerplate == 0 {
            return;
        }
        if self.sources.is_empty() && docs.iter().all(|d| d.meta().source.is_none()) {
            return;
        }
        self.sources.resize(first, reuse::NO_SOURCE);
        for doc in docs {
            let number = match &doc.meta().source {
                Some(name) => {
                    let next = self.source_numbers.len() as u32;
                    *self.source_numbers.entry(name.clone()).or_insert(next)
                }
                None => reuse::NO_SOURCE,
            };
            self.sources.push(number);
        }
    }

    /// Takes the sources of `docs` (every document sketched, in order)
    /// again, after their metadata was set once they were read (from a
    /// `--metadata` file).
    pub fn note_metadata(&mut self, docs: &[Document]) {
        self.sources.clear();
        self.source_numbers.clear();
        self.note_sources(0, docs);
    }

    /// The settings, resolved.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Stages 2 and 3: exact duplicates, then the candidate pairs of both
    /// paths, as `--mode` asks. An error if there are too many documents
    /// to number.
    pub fn candidates(self) -> Result<Candidates<'c>, Error> {
        let Sketches {
            config,
            progress,
            params,
            sketches,
            band_keys,
            fingerprints,
            rewrite_fingerprints,
            mut sources,
            bytes,
            lsh,
            ..
        } = self;
        if !sources.is_empty() {
            sources.resize(sketches.len(), reuse::NO_SOURCE);
        }
        let seconds = if self.visited { self.created.elapsed().as_secs_f64() } else { self.seconds };
        let sketch_cpu = if self.visited { cpu_seconds() - self.cpu_created } else { self.cpu };
        let mut cpu = Timings { sketch: sketch_cpu, ..Timings::default() };
        if sketches.len() >= u32::MAX as usize {
            return Err(Error::Other(format!("{} documents is more than one run can hold", sketches.len())));
        }
        let mut timings = Timings { sketch: seconds, ..Timings::default() };
        let mut stats = Stats { bytes, ..Stats::default() };
        let mode = config.mode;

        // 2. exact duplicates
        let clock = Instant::now();
        let mut cpu_clock = cpu_seconds();
        let mut lap = |field: &mut f64| {
            let now = cpu_seconds();
            *field = now - cpu_clock;
            cpu_clock = now;
        };
        let (members, exact_pairs) = exact_groups(&sketches);
        stats.empty_documents = sketches.iter().filter(|s| s.words == 0).count();
        timings.exact = clock.elapsed().as_secs_f64();
        lap(&mut cpu.exact);

        // 3. candidates: LSH for near-duplicates, the fingerprint index for reuse
        let clock = Instant::now();
        let mut candidates: Vec<(u32, u32)> = Vec::new();
        if mode.near() {
            let bands = lsh.bands;
            progress.stage("lsh", bands as u64);
            let found: Vec<lsh::BandPairs> = (0..bands)
                .into_par_iter()
                .map(|band| {
                    let out = lsh::band_pairs(&band_keys, bands, &members, band, params.max_bucket);
                    progress.advance(1);
                    out
                })
                .collect();
            stats.oversized_buckets = found.iter().map(|b| b.oversized_buckets).sum();
            candidates = found.into_iter().flat_map(|b| b.pairs).collect();
            candidates.par_sort_unstable();
            candidates.dedup();
            stats.near_candidates = candidates.len();
        }
        drop(band_keys);
        timings.lsh = clock.elapsed().as_secs_f64();
        lap(&mut cpu.lsh);
        let clock = Instant::now();
        let mut boilerplate = None;
        if mode.reuse() {
            let (mut index, indexed) = build_index(&members, &fingerprints, config.max_df);
            if !sources.is_empty() {
                if sketches.len() >= reuse::BOILERPLATE as usize {
                    return Err(Error::Other(format!(
                        "{} documents is more than a scan with sources can hold",
                        sketches.len()
                    )));
                }
                let found = SourceBoilerplate::find(
                    &members,
                    &fingerprints,
                    sources.clone(),
                    config.source_boilerplate,
                );
                stats.boilerplate_fingerprints = found.len();
                index.mark(&found);
                boilerplate = Some(found);
            }
            stats.fingerprints = indexed;
            stats.common_fingerprints = index.common_fingerprints;
            progress.stage("reuse", members.len() as u64);
            let counts: Vec<u32> = if config.min_containment > 0.0 {
                fingerprints.iter().map(|f| f.len() as u32).collect()
            } else {
                Vec::new()
            };
            // Fingerprint counts only estimate containment: ask the index for
            // a little less than the exact check after verification.
            let need = reuse::Need {
                min_shared: config.min_shared,
                fraction: config.min_containment * 0.75,
                counts: &counts,
            };
            let found = index_pairs(&index, &members, &fingerprints, need, progress);
            stats.reuse_candidates = found.len();
            candidates.extend(found);
            drop(index);
            if let Some(rewrites) = config.rewrites {
                let (found, fingerprints) = rewrite_candidates(
                    &members,
                    &rewrite_fingerprints,
                    rewrites,
                    (!sources.is_empty()).then(|| (sources.clone(), config.source_boilerplate)),
                    progress,
                );
                stats.rewrite_fingerprints = fingerprints;
                stats.rewrite_candidates = found.len();
                candidates.extend(found);
            }
            candidates.par_sort_unstable();
            candidates.dedup();
        }
        drop(fingerprints);
        drop(rewrite_fingerprints);
        stats.candidates = candidates.len();
        timings.reuse = clock.elapsed().as_secs_f64();
        lap(&mut cpu.reuse);

        // Exact copies stand in for the first of their group.
        let pairs_to_do = expand_exact_copies(&candidates, &exact_pairs, params.max_bucket);
        stats.exact_duplicates = exact_pairs.len();
        Ok(Candidates { config, params, sketches, pairs_to_do, boilerplate, stats, timings, cpu })
    }
}

/// Groups the non-empty documents by content: the first document of each
/// group (the members, ascending), and `(first, copy)` for each other
/// document of a group, in the copies' input order. The documents are
/// sorted by content hash, then input order, in parallel and 4 bytes a
/// document; each run of one hash is a group.
fn exact_groups(sketches: &[DocSketch]) -> (Vec<u32>, Vec<(u32, u32)>) {
    let content = |i: u32| sketches[i as usize].content;
    let mut by_content: Vec<u32> =
        (0..sketches.len() as u32).filter(|&i| sketches[i as usize].words > 0).collect();
    by_content.par_sort_unstable_by_key(|&i| (content(i), i));
    let mut members: Vec<u32> = Vec::new();
    let mut exact_pairs: Vec<(u32, u32)> = Vec::new();
    for group in by_content.chunk_by(|&x, &y| content(x) == content(y)) {
        members.push(group[0]);
        exact_pairs.extend(group[1..].iter().map(|&copy| (group[0], copy)));
    }
    drop(by_content);
    members.par_sort_unstable();
    exact_pairs.par_sort_unstable_by_key(|&(_, copy)| copy);
    (members, exact_pairs)
}

/// The candidate pairs `(a, b)`, `a < b`, of the rewrite index over the
/// documents `members`, and the number of fingerprints indexed.
fn rewrite_candidates(
    members: &[u32],
    fingerprints: &[Vec<u32>],
    rewrites: crate::config::Rewrites,
    sources: Option<(Vec<u32>, usize)>,
    progress: &dyn Progress,
) -> (Vec<(u32, u32)>, usize) {
    let (mut index, indexed) = build_index(members, fingerprints, rewrites.max_df);
    if let Some((sources, min_docs)) = sources {
        index.mark(&SourceBoilerplate::find(members, fingerprints, sources, min_docs));
    }
    progress.stage("rewrites", members.len() as u64);
    let need = reuse::Need { min_shared: rewrites.min_shared, fraction: 0.0, counts: &[] };
    (index_pairs(&index, members, fingerprints, need, progress), indexed)
}

/// Shares of the fingerprint space an index is built in, one after the
/// other (by the fingerprints' top bits): the sorted entries of one share
/// are held at a time, 8 bytes per fingerprint of the share, rather than
/// of all of them.
const INDEX_SHARES: u32 = 8;

/// The inverted index of the fingerprints of `members`, and the number of
/// fingerprints it was built from.
fn build_index(members: &[u32], fingerprints: &[Vec<u32>], max_df: usize) -> (reuse::ReuseIndex, usize) {
    let mut index = reuse::ReuseIndex::default();
    let mut indexed = 0;
    let shift = 32 - INDEX_SHARES.trailing_zeros();
    let mut entries: Vec<u64> = Vec::new();
    for share in 0..INDEX_SHARES {
        let of_share = move |f: &u32| f.checked_shr(shift).unwrap_or(0) == share;
        entries.clear();
        entries.par_extend(members.par_iter().flat_map_iter(|&d| {
            fingerprints[d as usize].iter().filter(move |f| of_share(f)).map(move |&f| reuse::entry(f, d))
        }));
        indexed += entries.len();
        entries.par_sort_unstable();
        index.add(&entries, max_df);
    }
    (index, indexed)
}

/// The candidate pairs `(a, b)` of `index` over the documents `members`,
/// in parallel, advancing `progress` a document at a time.
fn index_pairs(
    index: &reuse::ReuseIndex,
    members: &[u32],
    fingerprints: &[Vec<u32>],
    need: reuse::Need,
    progress: &dyn Progress,
) -> Vec<(u32, u32)> {
    members
        .par_iter()
        .map_init(Vec::new, |scratch, &a| {
            let found = index.candidates(a, &fingerprints[a as usize], need, scratch);
            progress.advance(1);
            found.into_iter().map(move |(b, _)| (a, b))
        })
        .flatten_iter()
        .collect()
}

/// Per-worker scratch space of a [`Sketches`] as a [`Visit`].
#[derive(Default)]
pub struct SketchScratch(Scratch);

/// What a [`Sketches`] as a [`Visit`] learnt of one document, until it
/// takes its place in input order.
pub struct Sketched {
    sketch: DocSketch,
    band_keys: Vec<u64>,
    fingerprints: Vec<u32>,
    rewrite_fingerprints: Vec<u32>,
}

impl Visit for Sketches<'_> {
    type Scratch = SketchScratch;
    type Out = Sketched;

    fn each(&self, scratch: &mut SketchScratch, text: &str) -> Sketched {
        let mut band_keys = vec![0; if self.config.mode.near() { self.lsh.bands } else { 0 }];
        let (sketch, fingerprints, rewrite_fingerprints) =
            sketch_one(&mut scratch.0, text, self.config, &self.hasher, self.lsh, &mut band_keys);
        Sketched { sketch, band_keys, fingerprints, rewrite_fingerprints }
    }

    /// Takes the batch's sketches, in order.
    fn batch(&mut self, docs: &mut [Document], outs: Vec<Sketched>) {
        self.visited = true;
        let first = self.sketches.len();
        for out in outs {
            self.sketches.push(out.sketch);
            self.band_keys.extend(out.band_keys);
            self.fingerprints.push(out.fingerprints);
            if self.config.rewrites.is_some() {
                self.rewrite_fingerprints.push(out.rewrite_fingerprints);
            }
        }
        self.note_sources(first, docs);
        self.bytes += docs.iter().map(Document::text_len).sum::<usize>();
        self.progress.advance(docs.len() as u64);
    }

    /// Yes: a sketch is all that stage 1 needs of a text.
    fn release_texts(&self) -> bool {
        true
    }
}

/// The pairs a scan verifies and aligns (stages 4 to 6), from
/// [`Sketches::candidates`].
pub struct Candidates<'c> {
    config: &'c Config,
    params: Params,
    sketches: Vec<DocSketch>,
    /// Sorted by `(a, b)`.
    pairs_to_do: Vec<ToDo>,
    /// Each source's boilerplate, when documents have sources.
    boilerplate: Option<SourceBoilerplate>,
    stats: Stats,
    timings: Timings,
    /// CPU seconds per stage (as `timings`).
    cpu: Timings,
}

impl Candidates<'_> {
    /// The pairs stages 4 and 5 will verify and align, as document
    /// numbers in input order, `a < b`, sorted: every candidate pair of the
    /// paths `--mode` runs (exact copies of a document standing for it),
    /// and the pairs of exact copies. For measuring the candidate stage
    /// (`benches/rewrite_candidates.rs`).
    pub fn pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.pairs_to_do.iter().map(|t| (t.a, t.b))
    }

    /// Counts and seconds of stages 1 to 3.
    pub fn stats(&self) -> Stats {
        Stats {
            seconds: Some(self.timings.clone()),
            cpu_seconds: Some(self.cpu.clone()),
            ..self.stats.clone()
        }
    }

    /// Whether each document takes part in a pair to verify: the texts
    /// [`Candidates::run`] reads.
    pub fn needs_text(&self) -> Vec<bool> {
        let mut needed = vec![false; self.sketches.len()];
        for t in &self.pairs_to_do {
            needed[t.a as usize] = true;
            needed[t.b as usize] = true;
        }
        needed
    }

    /// Stages 4 to 6 over `docs` (the documents sketched, in the same
    /// order, with the texts [`Candidates::needs_text`] names): verify and
    /// align a batch of pairs at a time, each batch to `sink`, then cluster.
    pub fn run(
        self,
        docs: &[Document],
        progress: &dyn Progress,
        sink: &mut dyn PairSink,
    ) -> Result<ScanSummary, Error> {
        if let Some(doc) = self
            .pairs_to_do
            .iter()
            .flat_map(|t| [t.a, t.b])
            .map(|d| &docs[d as usize])
            .find(|d| d.is_released())
        {
            return Err(Error::Other(format!("{}: its text was released and not read back", doc.origin)));
        }
        self.run_with(docs, None, progress, sink)
    }

    /// [`Candidates::run`] over documents whose texts may be released
    /// (as [`Sketches`] leaves them when it is the [`Visit`] of reading):
    /// the texts each batch of pairs needs are read back with `options`
    /// ([`source::read_back`](crate::source::read_back)) just before it is
    /// verified and dropped after, so memory holds the texts of one batch
    /// (about [`TEXT_BATCH_BYTES`]), not those of every candidate.
    pub fn run_reading_back(
        self,
        docs: &[Document],
        options: &ReadOptions,
        progress: &dyn Progress,
        sink: &mut dyn PairSink,
    ) -> Result<ScanSummary, Error> {
        self.run_with(docs, Some(options), progress, sink)
    }

    fn run_with(
        self,
        docs: &[Document],
        read_back: Option<&ReadOptions>,
        progress: &dyn Progress,
        sink: &mut dyn PairSink,
    ) -> Result<ScanSummary, Error> {
        let Candidates {
            config,
            params,
            sketches,
            pairs_to_do,
            boilerplate,
            mut stats,
            mut timings,
            mut cpu,
        } = self;
        if docs.len() != sketches.len() {
            return Err(Error::Other(format!("{} documents for {} sketches", docs.len(), sketches.len())));
        }

        // 4 and 5. verify and align, a batch of pairs at a time, in (a, b) order
        progress.stage("pairs", pairs_to_do.len() as u64);
        let mut duplicates: Vec<(DocId, DocId)> = Vec::new();
        let mut links: Vec<Link> = Vec::new();
        let dropped = AtomicUsize::new(0);
        let work =
            Work { docs, params: &params, config, boilerplate: boilerplate.as_ref(), dropped: &dropped };
        // Each batch goes to the sink while the workers do the next one:
        // writing a report is sequential, and would otherwise leave every
        // other core idle.
        let mut sent: Option<Vec<Pair>> = None;
        // What a report writes before its pairs (every document) is
        // written while the first batch is verified.
        let mut begun = false;
        // Each document's number of distinct shingles, once a pair has
        // counted them (two workers may both count one: they find the same
        // number).
        let distinct: Vec<AtomicUsize> = (0..docs.len()).map(|_| AtomicUsize::new(UNCOUNTED)).collect();
        let plan = batches(docs, &pairs_to_do, read_back.is_some());
        let mut held: Option<BatchTexts<'_>> = None;
        if let (Plan::AllAtOnce(released), Some(options)) = (&plan, read_back) {
            held = Some(BatchTexts::read(docs, released.clone(), options)?);
        }
        let read_back = if held.is_some() { None } else { read_back };
        let mut rest = &pairs_to_do[..];
        let mut planned = match plan {
            Plan::Batches(batches) => batches.into_iter(),
            Plan::AllAtOnce(_) => Vec::new().into_iter(),
        };
        while !rest.is_empty() {
            let (len, released) = planned.next().unwrap_or((rest.len().min(PAIR_BATCH), Vec::new()));
            let batch = &rest[..len];
            rest = &rest[len..];
            let clock = Instant::now();
            let cpu_clock = cpu_seconds();
            let spent = [AtomicU64::new(0), AtomicU64::new(0)];
            let (sunk, found) = rayon::join(
                || match std::mem::replace(&mut begun, true) {
                    false => sink.begin(&params, &sketches),
                    true => sent.take().map_or(Ok(()), |pairs| sink.pairs(pairs)),
                },
                || -> Result<Vec<Option<Pair>>, Error> {
                    let texts = match (read_back, &held) {
                        (Some(options), _) => BatchTexts::read(docs, released, options)?,
                        (None, Some(held)) => {
                            BatchTexts { docs, ids: Vec::new(), texts: Vec::new(), all: Some(held) }
                        }
                        (None, None) => BatchTexts { docs, ids: Vec::new(), texts: Vec::new(), all: None },
                    };
                    Ok(batch
                        .par_iter()
                        .map_init(
                            || PairWorker::new(&config.align),
                            |w, &todo| w.pair(&work, &texts, todo, &distinct, &spent),
                        )
                        .collect())
                },
            );
            sunk?;
            let pairs: Vec<Pair> = found?.into_iter().flatten().collect();
            // Verification and alignment run in one pass over the pairs: their
            // wall time is split by their shares of the workers' time.
            let wall = clock.elapsed().as_secs_f64();
            let [verify, align] = spent.map(|n| n.into_inner() as f64);
            let verify_share = if verify + align > 0.0 { verify / (verify + align) } else { 1.0 };
            timings.verify += wall * verify_share;
            timings.align += wall * (1.0 - verify_share);
            let used = cpu_seconds() - cpu_clock;
            cpu.verify += used * verify_share;
            cpu.align += used * (1.0 - verify_share);
            progress.advance(batch.len() as u64);
            duplicates.extend(pairs.iter().filter(|p| p.kind != PairKind::Reuse).map(|p| (p.a, p.b)));
            if config.origin {
                links.extend(pairs.iter().map(|p| link(p, &sketches)));
            }
            stats.pairs += pairs.len();
            stats.budget_exhausted += pairs.iter().filter(|p| p.budget_exhausted).count();
            sent = Some(pairs);
        }
        if !begun {
            sink.begin(&params, &sketches)?;
        }
        if let Some(pairs) = sent {
            sink.pairs(pairs)?;
        }
        drop(pairs_to_do);

        // 6. cluster: duplicates only; partial reuse does not make a cluster.
        let clock = Instant::now();
        let cpu_clock = cpu_seconds();
        let words: Vec<usize> = sketches.iter().map(|s| s.words).collect();
        let dates: Vec<i64> = if config.keep == crate::config::Keep::Earliest {
            docs.iter()
                .map(|d| d.meta().date.as_ref().map_or(i64::MAX, crate::meta::Date::sort_key))
                .collect()
        } else {
            Vec::new()
        };
        let clusters = cluster::clusters(docs.len(), duplicates, &words, &dates, config.keep);
        timings.cluster = clock.elapsed().as_secs_f64();
        cpu.cluster = cpu_seconds() - cpu_clock;

        // 7. stories: every reported pair, with its origin.
        let stories = if config.origin {
            let dates: Vec<Option<&crate::meta::Date>> =
                docs.iter().map(|d| d.meta().date.as_ref()).collect();
            origin::stories(docs.len(), &links, &dates)
        } else {
            Vec::new()
        };

        stats.documents = docs.len();
        stats.words = words.iter().sum();
        stats.clusters = clusters.len();
        stats.boilerplate_passages = dropped.into_inner();
        stats.seconds = Some(timings);
        stats.cpu_seconds = Some(cpu);
        Ok(ScanSummary { params, sketches, clusters, links, stories, stats })
    }

    /// [`Candidates::run`], collecting the pairs into a [`Scan`].
    pub fn collect(self, docs: &[Document], progress: &dyn Progress) -> Result<Scan, Error> {
        struct Collect(Vec<Pair>);
        impl PairSink for Collect {
            fn begin(&mut self, _: &Params, _: &[DocSketch]) -> Result<(), Error> {
                Ok(())
            }
            fn pairs(&mut self, batch: Vec<Pair>) -> Result<(), Error> {
                self.0.extend(batch);
                Ok(())
            }
        }
        let mut pairs = Collect(Vec::new());
        let ScanSummary { params, sketches, clusters, links, stories, stats } =
            self.run(docs, progress, &mut pairs)?;
        Ok(Scan { params, sketches, pairs: pairs.0, clusters, links, stories, stats })
    }
}

/// What every pair worker reads: the documents and the scan's settings.
struct Work<'a> {
    docs: &'a [Document],
    params: &'a Params,
    config: &'a Config,
    boilerplate: Option<&'a SourceBoilerplate>,
    /// Passages dropped as boilerplate, counted.
    dropped: &'a AtomicUsize,
}

/// The link of a reported pair, for the stories: its origin and the words
/// it shares (matched in its passages; without passages, the shorter
/// document's words).
fn link(p: &Pair, sketches: &[DocSketch]) -> Link {
    let words = if p.passages.is_empty() {
        sketches[p.a.index()].words.min(sketches[p.b.index()].words)
    } else {
        p.passages.iter().map(|x| x.words).sum()
    };
    let origin = p.origin.as_ref();
    Link {
        a: p.a.0,
        b: p.b.0,
        origin: origin.and_then(|o| o.side),
        evidence: origin.and_then(|o| o.evidence),
        words: u32::try_from(words).unwrap_or(u32::MAX),
    }
}

/// A passage whose two sides are each at least this share source
/// boilerplate is dropped: the pages share nothing but their sites' text.
const BOILERPLATE_PASSAGE: f64 = 0.8;

/// The byte spans of `tokens` that are boilerplate of `source`: the words
/// of every shingle (of `n` words, `shingles`) whose fingerprint is marked,
/// runs less than a winnowing window `w` apart joined (winnowing marks at
/// least one shingle in every `w` of a boilerplate run).
fn boilerplate_spans(
    tokens: &[Token],
    shingles: &[u64],
    n: usize,
    w: usize,
    source: u32,
    boilerplate: &SourceBoilerplate,
    out: &mut Vec<Span>,
) {
    out.clear();
    if source == reuse::NO_SOURCE || tokens.is_empty() {
        return;
    }
    // Token ranges [start, end), merged.
    let mut run: Option<(usize, usize)> = None;
    let close = |(s, e): (usize, usize), out: &mut Vec<Span>| {
        out.push(Span::new(tokens[s].span.start, tokens[e.min(tokens.len()) - 1].span.end));
    };
    for (i, &h) in shingles.iter().enumerate() {
        if !boilerplate.of_source(source, reuse::fold(h)) {
            continue;
        }
        let end = (i + n).min(tokens.len());
        run = match run {
            Some((s, e)) if i <= e + w => Some((s, e.max(end))),
            Some(done) => {
                close(done, out);
                Some((i, end))
            }
            None => Some((i, end)),
        };
    }
    if let Some(done) = run {
        close(done, out);
    }
}

/// The hull of the parts of `span` inside `marks` (sorted, disjoint), and
/// the share of `span`'s bytes they cover.
fn inside(span: Span, marks: &[Span]) -> (Option<Span>, f64) {
    let (mut lo, mut hi, mut covered) = (usize::MAX, 0, 0);
    for m in marks {
        let (s, e) = (m.start.max(span.start), m.end.min(span.end));
        if s < e {
            lo = lo.min(s);
            hi = hi.max(e);
            covered += e - s;
        }
    }
    let len = span.end.saturating_sub(span.start).max(1);
    ((lo < hi).then(|| Span::new(lo, hi)), covered as f64 / len as f64)
}

/// A document whose distinct shingles no pair has counted yet.
const UNCOUNTED: usize = usize::MAX;

/// Released texts a batch of pairs reads back, at most about this many
/// bytes (a batch has at least one pair, whatever its texts' length).
pub const TEXT_BATCH_BYTES: usize = 16 << 20;

/// Memory a streamed scan of `docs` (read with [`Sketches`] as the
/// [`Visit`], texts read back a batch at a time) holds at its peak, in
/// bytes, estimated once the documents are read: the documents (their
/// fields, ids and origins, not their texts), each one's sketch and LSH
/// band keys, the larger of the hash tables of reading (ids) and of the
/// exact stage (content hashes) and a batch of texts with the verify
/// stage's counts, the partial-reuse index, and what the process holds
/// whatever the input (code, threads, buffers).
pub fn peak_memory(docs: &[Document], params: &Params, config: &Config) -> usize {
    /// Code, thread stacks, allocator arenas, reading and writing buffers:
    /// measured on the 10k corpus, less what the terms below count. (A
    /// gzipped file's texts are all held to the end, which is not counted
    /// here and outweighs the 3 MiB it is decompressed ahead in.)
    const FIXED: usize = 8 << 20;
    let n = docs.len();
    // A string's heap block (glibc: 8 bytes of header, 16-byte steps, 32 at least).
    let block = |len: usize| if len == 0 { 0 } else { (len + 8).next_multiple_of(16).max(32) };
    let strings: usize = docs.iter().map(|d| block(d.id.len()) + block(d.origin.len())).sum();
    let mut per_doc = std::mem::size_of::<Document>() + std::mem::size_of::<DocSketch>();
    per_doc += std::mem::size_of::<Vec<u32>>() * (1 + usize::from(config.rewrites.is_some()));
    if config.mode.near() {
        per_doc += params.bands * std::mem::size_of::<u64>();
    }
    // A hash table of n entries: a power of two of buckets at most 7/8 full,
    // each with a control byte.
    let table = |entry: usize| (n * 8 / 7 + 1).next_power_of_two() * (entry + 1);
    let ids = table(std::mem::size_of::<(u64, usize)>());
    // While a table doubles, its old buckets are held with the new.
    let ids = ids + ids / 2;
    // The documents sorted by content hash, and the members.
    let exact = 2 * n * std::mem::size_of::<u32>();
    let verify = TEXT_BATCH_BYTES + n * std::mem::size_of::<AtomicUsize>();
    let mut reuse = 0;
    if config.mode.reuse() {
        // About one word in six bytes of text, two fingerprints in a
        // winnowing window of them, 12 bytes each in the index.
        let words = docs.iter().map(Document::text_len).sum::<usize>() / 6;
        reuse = words * 2 / (config.winnow_window + 1) * 12;
        if let Some(r) = config.rewrites {
            // About two words in three carry content; their n-grams,
            // winnowed, are held per document (4 bytes each) and the
            // index keeps those in two documents or more (measured: about
            // 8 bytes per n-gram in all on the 10k corpus and PAN).
            reuse += words * 2 / 3 * 2 / (r.window + 1) * 8;
        }
    }
    FIXED + n * per_doc + strings + ids.max(exact).max(verify) + reuse
}

/// How the texts of the pairs to verify are read back.
enum Plan {
    /// In batches: the length of each batch of pairs and the released
    /// documents it needs, sorted.
    Batches(Vec<(usize, Vec<u32>)>),
    /// All at once before the first batch, and held to the end: these
    /// released documents, sorted.
    AllAtOnce(Vec<u32>),
}

/// How to read back the texts of `pairs` (sorted): in batches of at most
/// [`PAIR_BATCH`] pairs and released texts of about [`TEXT_BATCH_BYTES`]
/// (which holds one batch of texts at a time), unless that would read
/// texts back more than twice over on average (when most documents pair
/// with many others across the corpus, as partial reuse does in a
/// collection of templated text): then every text at once, held to the end.
/// Without `read_back`, batches of [`PAIR_BATCH`] needing nothing.
fn batches(docs: &[Document], pairs: &[ToDo], read_back: bool) -> Plan {
    let mut out = Vec::new();
    let (mut batch_bytes, mut total_bytes) = (0, 0);
    let mut needed: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let mut seen: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let mut rest = pairs;
    while !rest.is_empty() {
        let most = rest.len().min(PAIR_BATCH);
        if !read_back {
            out.push((most, Vec::new()));
            rest = &rest[most..];
            continue;
        }
        let mut released: Vec<u32> = Vec::new();
        seen.clear();
        let mut bytes = 0;
        let mut end = 0;
        while end < most {
            let ToDo { a, b, .. } = rest[end];
            let new: usize = [a, b]
                .into_iter()
                .filter(|&d| docs[d as usize].is_released() && !seen.contains(&d))
                .map(|d| docs[d as usize].text_len())
                .sum();
            if end > 0 && bytes + new > TEXT_BATCH_BYTES {
                break;
            }
            bytes += new;
            for d in [a, b] {
                if docs[d as usize].is_released() && seen.insert(d) {
                    released.push(d);
                    if needed.insert(d) {
                        total_bytes += docs[d as usize].text_len();
                    }
                }
            }
            end += 1;
        }
        batch_bytes += bytes;
        released.sort_unstable();
        out.push((end, released));
        rest = &rest[end..];
    }
    if read_back && batch_bytes > 2 * total_bytes {
        let mut all: Vec<u32> = needed.into_iter().collect();
        all.sort_unstable();
        return Plan::AllAtOnce(all);
    }
    Plan::Batches(out)
}

/// The texts of a batch of pairs: those the documents hold, and those read
/// back for the batch (`ids`, sorted, with their `texts`).
struct BatchTexts<'d> {
    docs: &'d [Document],
    ids: Vec<u32>,
    texts: Vec<String>,
    /// Texts read back for the whole run, looked up after `ids`.
    all: Option<&'d BatchTexts<'d>>,
}

impl<'d> BatchTexts<'d> {
    fn read(docs: &'d [Document], ids: Vec<u32>, options: &ReadOptions) -> Result<BatchTexts<'d>, Error> {
        let texts = crate::source::read_back(docs, &ids, options)?;
        Ok(BatchTexts { docs, ids, texts, all: None })
    }

    fn get(&self, d: u32) -> &str {
        match (self.ids.binary_search(&d), self.all) {
            (Ok(k), _) => &self.texts[k],
            (Err(_), Some(all)) => all.get(d),
            (Err(_), None) => &self.docs[d as usize].text,
        }
    }
}

/// A pair to verify and align: `a < b`, or an exact copy (scores known).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ToDo {
    a: u32,
    b: u32,
    exact: bool,
}

/// Words of a document the rewrite path detects its language on.
const DETECT_SAMPLE: usize = 200;

fn sketch_one(
    s: &mut Scratch,
    text: &str,
    config: &Config,
    hasher: &MinHasher,
    lsh_params: LshParams,
    band_keys: &mut [u64],
) -> (DocSketch, Vec<u32>, Vec<u32>) {
    let mut rewrite = Vec::new();
    s.tokenizer.token_hashes(text, &mut s.hashes);
    if let Some(rewrites) = config.rewrites {
        // A document's language shows in its first words: detecting on a
        // sample keeps sketching linear in words, not in words x languages.
        // The language only names the stop words here: candidates match
        // exact words, which found more of PAN's rewrites than stems did,
        // from fewer candidates, at a fraction of the cost
        // (docs/reuse-path-measurements.md).
        let sample = &s.hashes[..s.hashes.len().min(DETECT_SAMPLE)];
        let language = config.align.language.resolve_hashes(sample);
        s.keys.clear();
        s.keys.extend(
            s.hashes.iter().map(|&h| Key { key: h, content: !language.is_some_and(|l| l.is_stop(h)) }),
        );
        reuse::content_ngrams(&s.keys, rewrites.ngram, &mut s.grams);
        reuse::winnow(&s.grams, rewrites.window, &mut rewrite);
        rewrite.shrink_to_fit();
    }
    shingle::shingles_of(&s.hashes, config.shingle_size, &mut s.shingles);
    if !band_keys.is_empty() {
        s.signature.resize(hasher.len(), 0);
        hasher.sign(&s.shingles, &mut s.signature);
        lsh::band_keys(&s.signature, lsh_params, band_keys);
    }
    let mut fingerprints = Vec::new();
    if config.mode.reuse() {
        reuse::winnow(&s.shingles, config.winnow_window, &mut fingerprints);
        fingerprints.shrink_to_fit();
    }
    (DocSketch { words: s.hashes.len(), content: shingle::content_hash(&s.hashes) }, fingerprints, rewrite)
}

/// The pairs to verify and align, sorted: every candidate, and the pairs
/// of exact copies. Only the first of a group of identical documents went
/// through LSH and the index; its copies have the same shingles, so every
/// candidate found for the first is one for each copy too, and the copies
/// pair with each other (exactly). A group of more than `max_group`
/// documents is only linked to its first document (a star), like an
/// oversized LSH bucket: ten thousand copies stay linear.
fn expand_exact_copies(candidates: &[(u32, u32)], exact_pairs: &[(u32, u32)], max_group: usize) -> Vec<ToDo> {
    let mut copies: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(first, copy) in exact_pairs {
        copies.entry(first).or_default().push(copy);
    }
    let small = |first: u32| copies.get(&first).is_some_and(|c| c.len() < max_group);
    // Each member of a small group stands for its first.
    let members = |d: u32| -> Vec<u32> {
        let mut m = vec![d];
        if small(d) {
            m.extend(&copies[&d]);
        }
        m
    };
    let mut out = Vec::with_capacity(candidates.len() + exact_pairs.len());
    for &(a, b) in candidates {
        let (ma, mb) = (members(a), members(b));
        for &x in &ma {
            for &y in &mb {
                out.push(ToDo { a: x.min(y), b: x.max(y), exact: false });
            }
        }
    }
    for (&first, group) in &copies {
        out.extend(group.iter().map(|&c| ToDo { a: first, b: c, exact: true }));
        if small(first) {
            for (i, &x) in group.iter().enumerate() {
                out.extend(group[i + 1..].iter().map(|&y| ToDo { a: x, b: y, exact: true }));
            }
        }
    }
    out.par_sort_unstable();
    out
}

/// One worker's state for verifying and aligning pairs. Pairs come sorted
/// by `a` and each worker takes a run of them, so the tokens and shingle set
/// of the last `a` are kept (and the aligner indexes its seeds once).
struct PairWorker {
    tokenizer: Tokenizer,
    aligner: Aligner,
    last_a: Option<u32>,
    a: Side,
    b: Side,
    /// The shingle set of `a`, to measure each `b` against.
    measure: Measure,
    shingles: Vec<u64>,
    /// `a`'s source boilerplate, as byte spans (when sources are known).
    a_boilerplate: Vec<Span>,
    b_boilerplate: Vec<Span>,
}

/// One document of a pair: its tokens (with spans, when passages are
/// aligned) and their hashes.
#[derive(Default)]
struct Side {
    tokens: Vec<Token>,
    hashes: Vec<u64>,
}

impl Side {
    fn load(&mut self, tokenizer: &mut Tokenizer, text: &str, spans: bool) {
        if spans {
            tokenizer.tokenize(text, &mut self.tokens);
            self.hashes.clear();
            self.hashes.extend(self.tokens.iter().map(|t| t.hash));
        } else {
            tokenizer.token_hashes(text, &mut self.hashes);
        }
    }
}

impl PairWorker {
    fn new(config: &AlignConfig) -> PairWorker {
        PairWorker {
            tokenizer: Tokenizer::new(),
            aligner: Aligner::new(config.clone()),
            last_a: None,
            a: Side::default(),
            b: Side::default(),
            measure: Measure::default(),
            shingles: Vec::new(),
            a_boilerplate: Vec::new(),
            b_boilerplate: Vec::new(),
        }
    }

    /// Verifies `todo` and, when `config.passages`, aligns it: the pair to
    /// report, or `None`. Adds the nanoseconds spent verifying and aligning
    /// to `spent`.
    fn pair(
        &mut self,
        work: &Work<'_>,
        texts: &BatchTexts<'_>,
        todo: ToDo,
        distinct: &[AtomicUsize],
        spent: &[AtomicU64; 2],
    ) -> Option<Pair> {
        let Work { docs, params, config, boilerplate, .. } = *work;
        let clock = Instant::now();
        let ToDo { a, b, exact } = todo;
        let (text_a, text_b) = (texts.get(a), texts.get(b));
        let n = params.shingle_size;
        if self.last_a != Some(a) {
            self.a.load(&mut self.tokenizer, text_a, config.passages);
            shingle::shingles_of(&self.a.hashes, n, &mut self.shingles);
            self.measure.set_a(&self.shingles);
            self.last_a = Some(a);
            if let (Some(bp), true) = (boilerplate, config.passages) {
                let w = config.winnow_window;
                boilerplate_spans(
                    &self.a.tokens,
                    &self.shingles,
                    n,
                    w,
                    bp.source(a),
                    bp,
                    &mut self.a_boilerplate,
                );
            }
        }
        self.b.load(&mut self.tokenizer, text_b, config.passages);
        let verdict = if exact {
            Some(Pair::new(a, b, PairKind::Exact, 1.0, 1.0, 1.0))
        } else {
            shingle::shingles_of(&self.b.hashes, n, &mut self.shingles);
            // The first pair of `b` counts its distinct shingles for the rest.
            let o = match distinct[b as usize].load(Ordering::Relaxed) {
                UNCOUNTED => {
                    let o = self.measure.against(&self.shingles);
                    distinct[b as usize].store(o.b, Ordering::Relaxed);
                    o
                }
                known => self.measure.against_known(&self.shingles, known),
            };
            let reuse =
                config.mode.reuse() && o.containment_a().max(o.containment_b()) >= config.min_containment;
            let kind = if o.jaccard() >= params.threshold {
                Some(PairKind::NearDuplicate)
            } else if reuse {
                // Kept only if the alignment finds a passage.
                Some(PairKind::Reuse)
            } else {
                None
            };
            kind.map(|kind| Pair::new(a, b, kind, o.jaccard(), o.containment_a(), o.containment_b()))
        };
        let verified = clock.elapsed();
        spent[0].fetch_add(verified.as_nanos() as u64, Ordering::Relaxed);
        let mut pair = verdict?;
        if config.passages {
            let alignment = self.aligner.align(text_a, &self.a.tokens, text_b, &self.b.tokens);
            pair.passages = alignment.passages;
            pair.budget_exhausted = alignment.budget_exhausted;
            if let Some(bp) = boilerplate {
                // `self.shingles` holds `b`'s shingles once the pair was measured.
                self.mark_boilerplate(&mut pair, bp, n, config.winnow_window, !exact, work.dropped);
            }
            spent[1].fetch_add((clock.elapsed() - verified).as_nanos() as u64, Ordering::Relaxed);
            if pair.kind == PairKind::Reuse && pair.passages.is_empty() {
                return None;
            }
        }
        if config.origin {
            let doc =
                |d: u32, tokens| origin::Doc { text: texts.get(d), tokens, meta: docs[d as usize].meta() };
            let mut found = origin::of_pair(doc(a, &self.a.tokens), doc(b, &self.b.tokens), &pair.passages);
            if !config.align.explain {
                // Reports give the reason only when asked to explain.
                found.why = String::new();
            }
            pair.origin = Some(found);
        }
        Some(pair)
    }

    /// Says where `pair`'s passages hold their sources' boilerplate, and
    /// drops those that are boilerplate on both sides (counted in
    /// `dropped`). `self.shingles` holds `b`'s shingles when the pair was
    /// measured; they are made again otherwise.
    fn mark_boilerplate(
        &mut self,
        pair: &mut Pair,
        bp: &SourceBoilerplate,
        n: usize,
        w: usize,
        measured: bool,
        dropped: &AtomicUsize,
    ) {
        let sb = bp.source(pair.b.0);
        if pair.passages.is_empty() || (self.a_boilerplate.is_empty() && sb == reuse::NO_SOURCE) {
            return;
        }
        if !measured {
            shingle::shingles_of(&self.b.hashes, n, &mut self.shingles);
        }
        boilerplate_spans(&self.b.tokens, &self.shingles, n, w, sb, bp, &mut self.b_boilerplate);
        let before = pair.passages.len();
        let (marks_a, marks_b) = (&self.a_boilerplate, &self.b_boilerplate);
        pair.passages.retain_mut(|p| {
            let (in_a, share_a) = inside(p.a, marks_a);
            let (in_b, share_b) = inside(p.b, marks_b);
            if share_a >= BOILERPLATE_PASSAGE && share_b >= BOILERPLATE_PASSAGE {
                return false;
            }
            if in_a.is_some() || in_b.is_some() {
                p.boilerplate = Some(crate::align::Boilerplate { a: in_a, b: in_b });
            }
            true
        });
        dropped.fetch_add(before - pair.passages.len(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The sorted grouping of identical documents is the one-pass hash
        /// table's: each new content starts a group, each repeat pairs
        /// with the group's first document.
        #[test]
        fn exact_groups_are_the_first_of_each_content(docs in prop::collection::vec((0u128..6, 0usize..3), 0..60)) {
            let sketches: Vec<DocSketch> = docs.iter().map(|&(content, words)| DocSketch { words, content }).collect();
            let mut first_of: HashMap<u128, u32> = HashMap::new();
            let (mut members, mut pairs) = (Vec::new(), Vec::new());
            for (i, s) in sketches.iter().enumerate().filter(|(_, s)| s.words > 0) {
                match first_of.get(&s.content) {
                    Some(&first) => pairs.push((first, i as u32)),
                    None => {
                        first_of.insert(s.content, i as u32);
                        members.push(i as u32);
                    }
                }
            }
            prop_assert_eq!(exact_groups(&sketches), (members, pairs));
        }
    }

    /// Sketching while reading, then reading back the texts the pairs
    /// need, gives the scan of the documents held in memory; forgetting to
    /// read them back is an error, not a scan of empty texts.
    #[test]
    fn sketching_as_read_then_restoring_is_the_scan_in_memory() {
        let text = "the quick brown fox jumps over the lazy dog near the river bank today and then";
        let edited = "the quick brown fox jumps over the lazy dog near the river bank today and so";
        let lines = [("a", text), ("b", "nothing in common with the rest at all"), ("c", edited)];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docs.jsonl");
        let jsonl: String =
            lines.iter().map(|(id, t)| format!("{{\"id\":\"{id}\",\"text\":\"{t}\"}}\n")).collect();
        std::fs::write(&path, jsonl).unwrap();
        let config = Config::default();
        let options = crate::source::ReadOptions::default();
        let read = || {
            let mut sketches = Sketches::new(&config, &NoProgress).unwrap();
            let loaded =
                crate::source::read_inputs_with(std::slice::from_ref(&path), &options, &mut sketches);
            assert!(loaded.documents.iter().all(Document::is_released));
            (sketches.candidates().unwrap(), loaded.documents)
        };
        let (candidates, docs) = read();
        let err = candidates.collect(&docs, &NoProgress).unwrap_err().to_string();
        assert!(err.contains("not read back"), "{err}");

        let (candidates, mut docs) = read();
        let needed = candidates.needs_text();
        assert_eq!(needed, [true, false, true]);
        crate::source::restore_texts(&mut docs, |i| needed[i], &options).unwrap();
        let streamed = candidates.collect(&docs, &NoProgress).unwrap();
        let held: Vec<Document> = lines.iter().map(|(id, t)| Document::new(*id, *t)).collect();
        let in_memory = scan(&held, &config).unwrap();
        assert_eq!(streamed.pairs, in_memory.pairs);
        assert_eq!(streamed.pairs.len(), 1);
        assert_eq!(streamed.stats.bytes, in_memory.stats.bytes);

        // Or read back a batch at a time, the documents left released.
        struct Collect(Vec<Pair>);
        impl PairSink for Collect {
            fn begin(&mut self, _: &Params, _: &[DocSketch]) -> Result<(), Error> {
                Ok(())
            }
            fn pairs(&mut self, batch: Vec<Pair>) -> Result<(), Error> {
                self.0.extend(batch);
                Ok(())
            }
        }
        let (candidates, docs) = read();
        let mut sink = Collect(Vec::new());
        candidates.run_reading_back(&docs, &options, &NoProgress, &mut sink).unwrap();
        assert_eq!(sink.0, in_memory.pairs);
        assert!(docs.iter().all(Document::is_released));
    }

    /// A sink gets every pair, in order, a batch at a time, while the
    /// next batch is being done; its error stops the scan.
    #[test]
    fn a_sink_gets_the_pairs_in_batches_and_can_stop_the_scan() {
        struct Record {
            batches: Vec<Vec<Pair>>,
            fail_at: usize,
        }
        impl PairSink for Record {
            fn begin(&mut self, _: &Params, _: &[DocSketch]) -> Result<(), Error> {
                Ok(())
            }
            fn pairs(&mut self, batch: Vec<Pair>) -> Result<(), Error> {
                if self.batches.len() == self.fail_at {
                    return Err(Error::Other("the sink is full".into()));
                }
                self.batches.push(batch);
                Ok(())
            }
        }
        let text = "the quick brown fox jumps over the lazy dog near the river bank today and then";
        let docs: Vec<Document> =
            (0..6).map(|i| Document::new(format!("d{i}"), format!("{text} {}", "more ".repeat(i)))).collect();
        let config = Config::default();
        let held = scan(&docs, &config).unwrap();
        assert_eq!(held.pairs.len(), 15);

        let mut sink = Record { batches: Vec::new(), fail_at: usize::MAX };
        let summary = scan_streaming(&docs, &config, &NoProgress, &mut sink).unwrap();
        assert_eq!(summary.stats.pairs, 15);
        assert!(sink.batches.len() >= 5 && sink.batches.iter().all(|b| b.len() <= PAIR_BATCH));
        assert_eq!(sink.batches.concat(), held.pairs);

        let mut sink = Record { batches: Vec::new(), fail_at: 2 };
        let err = scan_streaming(&docs, &config, &NoProgress, &mut sink).unwrap_err();
        assert!(err.to_string().contains("the sink is full"), "{err}");
        assert_eq!(sink.batches.len(), 2);
    }

    /// A paraphrase that shares no run of ten identical words with its
    /// source is no candidate of the winnowed shingles, and is one of the
    /// rewrite path (stems and content words); the default scan is
    /// unchanged by the path's existence.
    #[test]
    fn a_paraphrase_without_ten_shared_words_is_a_rewrite_candidate() {
        let source = "The committee approved the new budget on Tuesday after a long debate. Lawmakers \
                      argued that the rising costs of public schools required more funding, while the \
                      critics warned about the growing national debt and the burden it puts on future \
                      taxpayers of the state.";
        let rewrite = "After lengthy debates, the committees were approving a new budget on Tuesday. One \
                       lawmaker argues that a rising cost for the public school requires funding, and the \
                       critic is warning of a growing national debt, which is a burden for a future \
                       taxpayer in this state.";
        let unrelated = "Heavy rain is expected over the coast this weekend, and the harbour will close \
                         to small boats until the storm has passed and the wind has dropped again.";
        let words = |t: &str| crate::text::tokenize(t).iter().map(|w| w.hash).collect::<Vec<u64>>();
        let (a, b) = (words(source), words(rewrite));
        let longest = (0..a.len())
            .flat_map(|i| (0..b.len()).map(move |j| (i, j)))
            .map(|(i, j)| a[i..].iter().zip(&b[j..]).take_while(|(x, y)| x == y).count())
            .max()
            .unwrap_or(0);
        assert!(longest < 10, "{longest}");
        let docs = vec![
            Document::new("src", source),
            Document::new("other", unrelated),
            Document::new("para", rewrite),
        ];
        let pairs = |config: &Config| -> Vec<(u32, u32)> {
            let mut sketches = Sketches::new(config, &NoProgress).unwrap();
            sketches.add(&docs);
            sketches.candidates().unwrap().pairs().collect()
        };
        assert!(pairs(&Config::default()).is_empty());
        let rewrites = Config { rewrites: Some(crate::config::Rewrites::default()), ..Config::default() };
        assert_eq!(pairs(&rewrites), [(0, 2)]);
    }

    /// Pages of one site share its footer: no pair for it alone, and in
    /// a pair with real reuse, the footer's own passage is dropped.
    #[test]
    fn a_sources_footer_is_boilerplate() {
        let mut x: u64 = 3;
        let mut words = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    format!("w{}", (x >> 40) % 20_000)
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let footer = words(40);
        let shared = words(60);
        let mut docs: Vec<Document> =
            (0..4).map(|i| Document::new(format!("p{i}"), format!("{}\n\n{footer}", words(300)))).collect();
        docs.push(Document::new("q", format!("{shared} {}\n\n{footer}", words(300))));
        docs.push(Document::new("r", format!("{shared} {}\n\n{footer}", words(300))));
        for d in &mut docs {
            d.set_meta(crate::meta::Meta { date: None, source: Some("site".into()) });
        }
        let scan = scan(&docs, &Config::default()).unwrap();
        let pairs: Vec<(u32, u32)> = scan.pairs.iter().map(|p| (p.a.0, p.b.0)).collect();
        assert_eq!(pairs, [(4, 5)]);
        assert_eq!(scan.pairs[0].passages.len(), 1);
        assert_eq!(scan.pairs[0].passages[0].words, 60);
        assert_eq!(scan.stats.boilerplate_passages, 1);
        // Without sources, every page pairs with every other.
        let plain: Vec<Document> = docs.iter().map(|d| Document::new(d.id.clone(), d.text.clone())).collect();
        assert_eq!(super::scan(&plain, &Config::default()).unwrap().pairs.len(), 15);
    }

    #[test]
    fn exact_copies_are_linear_and_one_cluster() {
        let text = "the quick brown fox jumps over the lazy dog near the river bank today";
        let docs: Vec<Document> = (0..2000).map(|i| Document::new(format!("d{i}"), text)).collect();
        let scan = scan(&docs, &Config::default()).unwrap();
        assert_eq!(scan.pairs.len(), 1999);
        assert!(scan.pairs.iter().all(|p| p.kind == PairKind::Exact && p.a == DocId(0)));
        assert_eq!(scan.clusters.len(), 1);
        assert_eq!(scan.clusters[0].members.len(), 2000);
        assert_eq!(scan.stats.candidates, 0);
    }

    #[test]
    fn small_groups_of_copies_pair_fully_and_share_their_first_pairs() {
        let text = "the quick brown fox jumps over the lazy dog near the river bank today and then";
        let edited = "the quick brown fox jumps over the lazy dog near the river bank today and so";
        let docs = vec![
            Document::new("copy1", text),
            Document::new("other", "nothing in common with the rest at all, nothing whatsoever"),
            Document::new("copy2", text.to_uppercase()),
            Document::new("near", edited),
            Document::new("copy3", text),
        ];
        let scan = scan(&docs, &Config::default()).unwrap();
        let got: Vec<(u32, u32, PairKind)> = scan.pairs.iter().map(|p| (p.a.0, p.b.0, p.kind)).collect();
        use PairKind::{Exact, NearDuplicate};
        assert_eq!(
            got,
            [
                (0, 2, Exact),
                (0, 3, NearDuplicate),
                (0, 4, Exact),
                (2, 3, NearDuplicate),
                (2, 4, Exact),
                (3, 4, NearDuplicate)
            ]
        );
        // Scores follow the order of the pair.
        let p = &scan.pairs[5];
        assert_eq!(
            (p.containment_a, p.containment_b),
            (scan.pairs[1].containment_b, scan.pairs[1].containment_a)
        );
        assert_eq!(scan.clusters.len(), 1);
    }

    #[test]
    fn empty_documents_are_counted_not_compared() {
        let docs = vec![Document::new("a", ""), Document::new("b", "  ,,, "), Document::new("c", "")];
        let scan = scan(&docs, &Config::default()).unwrap();
        assert_eq!(scan.stats.empty_documents, 3);
        assert!(scan.pairs.is_empty());
    }

    #[test]
    fn bad_config_is_refused() {
        let config = Config { threshold: 1.5, ..Config::default() };
        assert!(matches!(scan(&[], &config), Err(Error::Config(_))));
    }
}
