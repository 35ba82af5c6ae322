//! The pipeline: documents in, a [`Scan`] (scored pairs and clusters) out.
//!
//! This is the only module that knows about threads. Every stage below is a
//! pure function over slices; here they run on the current rayon pool (the
//! CLI installs one of `--threads` workers), each worker with its own
//! scratch space, and every parallel step collects in input order, so the
//! result is the same whatever the number of threads.
//!
//! 1. **sketch** (parallel over documents): tokenise, shingle, sign; keep
//!    per document only its word count, a hash of its normalised token
//!    sequence and its MinHash signature.
//! 2. **exact**: documents whose normalised token sequences are identical
//!    join the first such document as `exact` pairs and skip LSH, so ten
//!    thousand copies cost linear time.
//! 3. **lsh** (parallel over bands): candidate pairs.
//! 4. **verify** (parallel over documents, then pairs): the shingle sets of
//!    the candidates' documents are rebuilt from their text, and every
//!    candidate gets exact Jaccard and containments; pairs at or above the
//!    threshold are reported.
//! 5. **align** (parallel over pairs): the reused passages of every
//!    reported pair, with byte offsets in both texts.
//! 6. **cluster**: union-find over reported pairs.

use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_128;

use crate::align::{self, AlignConfig, Passage};
use crate::cluster::{self, Cluster};
use crate::config::Config;
use crate::lsh::{self, LshParams};
use crate::minhash::{self, MinHasher};
use crate::shingle;
use crate::source::Document;
use crate::text::{Token, Tokenizer};
use crate::verify::Overlap;
use crate::{DocId, Error};

/// What kind of overlap a pair has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairKind {
    /// The normalised texts are identical.
    Exact,
    /// Jaccard at or above the threshold.
    NearDuplicate,
}

impl PairKind {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            PairKind::Exact => "exact",
            PairKind::NearDuplicate => "near-duplicate",
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
}

/// Wall-clock seconds per stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Tokenise, shingle and sign.
    pub sketch: f64,
    /// Exact-duplicate grouping.
    pub exact: f64,
    /// LSH banding.
    pub lsh: f64,
    /// Exact scores of candidates.
    pub verify: f64,
    /// Passages of reported pairs.
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
    tokens: Vec<Token>,
    hash_bytes: Vec<u8>,
    shingles: Vec<u64>,
}

/// Scans `docs` for near-duplicate pairs with `config`.
pub fn scan(docs: &[Document], config: &Config) -> Result<Scan, Error> {
    scan_with_progress(docs, config, &NoProgress)
}

/// [`scan`], reporting progress.
pub fn scan_with_progress(
    docs: &[Document],
    config: &Config,
    progress: &dyn Progress,
) -> Result<Scan, Error> {
    let params = Params::resolve(config)?;
    if docs.len() >= u32::MAX as usize {
        return Err(Error::Other(format!("{} documents is more than one run can hold", docs.len())));
    }
    let mut timings = Timings::default();
    let k = params.num_perm;

    // 1. sketch
    let clock = Instant::now();
    progress.stage("sketch", docs.len() as u64);
    let hasher = MinHasher::new(k, params.seed, config.minhash);
    let mut signatures = vec![0u32; docs.len() * k];
    let mut sketches = Vec::with_capacity(docs.len());
    signatures
        .par_chunks_mut(k)
        .zip(docs.par_iter())
        .map_init(Scratch::default, |s, (sig, doc)| {
            let sketch = sketch_one(s, &doc.text, params.shingle_size, &hasher, sig);
            progress.advance(1);
            sketch
        })
        .collect_into_vec(&mut sketches);
    timings.sketch = clock.elapsed().as_secs_f64();

    // 2. exact duplicates
    let clock = Instant::now();
    let mut first_of: std::collections::HashMap<u128, u32> = std::collections::HashMap::new();
    let mut members: Vec<u32> = Vec::new();
    let mut exact_pairs: Vec<(u32, u32)> = Vec::new();
    let mut empty = 0;
    for (i, s) in sketches.iter().enumerate() {
        if s.words == 0 {
            empty += 1;
            continue;
        }
        match first_of.entry(s.content) {
            std::collections::hash_map::Entry::Occupied(e) => exact_pairs.push((*e.get(), i as u32)),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i as u32);
                members.push(i as u32);
            }
        }
    }
    drop(first_of);
    timings.exact = clock.elapsed().as_secs_f64();

    // 3. lsh
    let clock = Instant::now();
    progress.stage("lsh", params.bands as u64);
    let lsh_params = params.lsh();
    let bands: Vec<lsh::BandPairs> = (0..params.bands)
        .into_par_iter()
        .map(|band| {
            let out = lsh::band_pairs(&signatures, k, &members, lsh_params, band, params.max_bucket);
            progress.advance(1);
            out
        })
        .collect();
    drop(signatures);
    let oversized_buckets = bands.iter().map(|b| b.oversized_buckets).sum();
    let mut candidates: Vec<(u32, u32)> = bands.into_iter().flat_map(|b| b.pairs).collect();
    candidates.par_sort_unstable();
    candidates.dedup();
    timings.lsh = clock.elapsed().as_secs_f64();

    // 4. verify
    let clock = Instant::now();
    let overlaps = verify_pairs(docs, &candidates, params.shingle_size, progress);
    let mut pairs: Vec<Pair> = candidates
        .iter()
        .zip(overlaps)
        .filter(|(_, o)| o.jaccard() >= params.threshold)
        .map(|(&(a, b), o)| Pair {
            a: DocId(a),
            b: DocId(b),
            kind: PairKind::NearDuplicate,
            jaccard: o.jaccard(),
            containment_a: o.containment_a(),
            containment_b: o.containment_b(),
            passages: Vec::new(),
            budget_exhausted: false,
        })
        .collect();
    pairs.extend(exact_pairs.iter().map(|&(a, b)| Pair {
        a: DocId(a),
        b: DocId(b),
        kind: PairKind::Exact,
        jaccard: 1.0,
        containment_a: 1.0,
        containment_b: 1.0,
        passages: Vec::new(),
        budget_exhausted: false,
    }));
    pairs.sort_by_key(|p| (p.a, p.b));
    timings.verify = clock.elapsed().as_secs_f64();

    // 5. align
    let clock = Instant::now();
    if config.passages {
        align_pairs(docs, &mut pairs, &config.align, progress);
    }
    timings.align = clock.elapsed().as_secs_f64();

    // 6. cluster
    let clock = Instant::now();
    let words: Vec<usize> = sketches.iter().map(|s| s.words).collect();
    let clusters = cluster::clusters(docs.len(), pairs.iter().map(|p| (p.a, p.b)), &words, config.keep);
    timings.cluster = clock.elapsed().as_secs_f64();

    let stats = Stats {
        documents: docs.len(),
        empty_documents: empty,
        bytes: docs.iter().map(|d| d.text.len()).sum(),
        words: words.iter().sum(),
        exact_duplicates: exact_pairs.len(),
        candidates: candidates.len(),
        pairs: pairs.len(),
        clusters: clusters.len(),
        budget_exhausted: pairs.iter().filter(|p| p.budget_exhausted).count(),
        oversized_buckets,
        seconds: Some(timings),
    };
    Ok(Scan { params, sketches, pairs, clusters, stats })
}

fn sketch_one(s: &mut Scratch, text: &str, n: usize, hasher: &MinHasher, sig: &mut [u32]) -> DocSketch {
    s.tokenizer.tokenize(text, &mut s.tokens);
    shingle::token_hash_bytes(&s.tokens, &mut s.hash_bytes);
    shingle::shingles_of(&s.hash_bytes, n, &mut s.shingles);
    hasher.sign(&s.shingles, sig);
    DocSketch { words: s.tokens.len(), content: xxh3_128(&s.hash_bytes) }
}

/// Fills the passages of every pair (parallel over pairs).
fn align_pairs(docs: &[Document], pairs: &mut [Pair], config: &AlignConfig, progress: &dyn Progress) {
    progress.stage("align", pairs.len() as u64);
    pairs.par_iter_mut().for_each_init(
        || (Tokenizer::new(), Vec::new(), Vec::new()),
        |(tokenizer, ta, tb), pair| {
            let (a, b) = (&docs[pair.a.index()].text, &docs[pair.b.index()].text);
            tokenizer.tokenize(a, ta);
            tokenizer.tokenize(b, tb);
            let alignment = align::align(a, ta, b, tb, config);
            pair.passages = alignment.passages;
            pair.budget_exhausted = alignment.budget_exhausted;
            progress.advance(1);
        },
    );
}

/// Exact overlaps of `pairs` (sorted), in order. The shingle sets of the
/// documents involved are rebuilt from their text once each.
fn verify_pairs(docs: &[Document], pairs: &[(u32, u32)], n: usize, progress: &dyn Progress) -> Vec<Overlap> {
    let mut needed: Vec<u32> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    needed.par_sort_unstable();
    needed.dedup();
    progress.stage("verify", (needed.len() + pairs.len()) as u64);
    let sets: Vec<Vec<u64>> = needed
        .par_iter()
        .map_init(Scratch::default, |s, &d| {
            s.tokenizer.tokenize(&docs[d as usize].text, &mut s.tokens);
            progress.advance(1);
            shingle::shingle_set(&s.tokens, n)
        })
        .collect();
    let set_of = |d: u32| -> &[u64] {
        let at =
            needed.binary_search(&d).unwrap_or_else(|_| unreachable!("document {d} was collected above"));
        &sets[at]
    };
    pairs
        .par_iter()
        .map(|&(a, b)| {
            progress.advance(1);
            Overlap::of(set_of(a), set_of(b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
