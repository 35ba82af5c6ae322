//! The per-document and per-pair steps of a scan, for engines that run the
//! middle of the pipeline themselves (Spark, Beam, a shell pipeline).
//!
//! A scan is: per document, emit keys; group by key; make pairs within each
//! group; verify and align each pair. [`pipeline`](crate::pipeline) does
//! all of it in one process. Here the two ends are exposed as pure
//! functions so that another engine can do the grouping:
//!
//! - [`Sketcher::sketch`]: one document in, a [`SketchRecord`] out: its word
//!   count, the hash of its normalised word sequence (equal for exact
//!   copies), its number of distinct shingles, its LSH band keys (near
//!   path), its winnowed fingerprints (reuse path) and those of the
//!   rewrite path;
//! - [`score_pair`]: the texts of two documents in, the scored and aligned
//!   pair out, or `None` when `scan` would not report it.
//!
//! The engine must then do what `scan` does between the two: group
//! documents with equal `content` (only the first of a group takes part
//! in candidate generation), pair documents that share a band key (`(band,
//! key)`; all pairs of a bucket up to `max_bucket`, else the bucket's first
//! member with each other member and each with its neighbour), and pair
//! documents sharing at least `min_shared` fingerprints, counting only
//! fingerprints held by 2 to `max_df` documents, and the same over the
//! rewrite fingerprints with the rewrite path's own `max_df` and
//! `min_shared` ([`Params::rewrites`]).
//!
//! Every record carries [`params_hash`], a hash of all the resolved
//! settings (including the algorithm version), so that stages run with
//! different settings or binaries refuse to mix.

use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::align;
use crate::config::Config;
use crate::lsh;
use crate::meta::Meta;
use crate::minhash::MinHasher;
use crate::origin;
use crate::pipeline::{Pair, PairKind, Params};
use crate::reuse;
use crate::shingle;
use crate::text::{Token, Tokenizer};
use crate::verify::Overlap;
use crate::Error;

/// A hash of every resolved setting, as 16 hex digits. Two stages agree on
/// their keys and scores only if they agree on this.
pub fn params_hash(params: &Params) -> String {
    // Params serialises every field (a pure function of the config and the
    // algorithm version), so its JSON text identifies it.
    let json = serde_json::to_string(params).unwrap_or_default();
    format!("{:016x}", xxh3_64(json.as_bytes()))
}

/// Checks that `got` (from a record) is the hash of `params`.
pub fn check_params(params: &Params, got: &str) -> Result<(), Error> {
    let want = params_hash(params);
    if got == want {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "parameters differ: the record was made with parameters {got}, this run has {want} \
             (run every stage with the same settings and reprint version)"
        )))
    }
}

/// What one document contributes to candidate generation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SketchRecord {
    /// The document's id.
    pub id: String,
    /// Words (tokens).
    pub words: usize,
    /// xxh3-128 of the normalised word sequence, as 32 hex digits.
    pub content: String,
    /// Distinct shingles.
    pub shingles: usize,
    /// LSH band keys in band order, as 16 hex digits each (empty in mode
    /// `reuse` and for a document without words). Group by `(band, key)`.
    pub bands: Vec<String>,
    /// Winnowed fingerprints, sorted and distinct (empty in mode `near`
    /// and for a document without words).
    pub fingerprints: Vec<u32>,
    /// Fingerprints of the rewrite path ([`reuse::rewrite_fingerprints`]),
    /// sorted and distinct (empty when the path is off, in mode `near`,
    /// and for a document without words). Grouped as `fingerprints` are,
    /// with the rewrite path's `max_df` and `min_shared`.
    pub rewrite_fingerprints: Vec<u32>,
    /// [`params_hash`] of the settings used.
    pub params: String,
}

/// Sketches documents one at a time with fixed settings.
pub struct Sketcher {
    config: Config,
    params: Params,
    hash: String,
    hasher: MinHasher,
    tokenizer: Tokenizer,
    hashes: Vec<u64>,
    shingles: Vec<u64>,
    signature: Vec<u32>,
    keys: Vec<crate::lang::Key>,
    grams: Vec<u64>,
}

impl Sketcher {
    /// A sketcher for `config` (validated here).
    pub fn new(config: &Config) -> Result<Sketcher, Error> {
        let params = Params::resolve(config)?;
        Ok(Sketcher {
            hash: params_hash(&params),
            hasher: MinHasher::new(params.num_perm, params.seed, config.minhash),
            signature: vec![0; params.num_perm],
            params,
            config: config.clone(),
            tokenizer: Tokenizer::new(),
            hashes: Vec::new(),
            shingles: Vec::new(),
            keys: Vec::new(),
            grams: Vec::new(),
        })
    }

    /// The resolved settings.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Their [`params_hash`].
    pub fn params_hash(&self) -> &str {
        &self.hash
    }

    /// The record of one document (the same computation as the sketch
    /// stage of [`scan`](crate::pipeline::scan)).
    pub fn sketch(&mut self, id: &str, text: &str) -> SketchRecord {
        self.tokenizer.token_hashes(text, &mut self.hashes);
        shingle::shingles_of(&self.hashes, self.params.shingle_size, &mut self.shingles);
        let words = self.hashes.len();
        let mut bands = Vec::new();
        let mut fingerprints = Vec::new();
        let mut rewrite_fingerprints = Vec::new();
        if words > 0 {
            if self.config.mode.near() {
                self.hasher.sign(&self.shingles, &mut self.signature);
                bands = (0..self.params.bands)
                    .map(|band| format!("{:016x}", lsh::band_key(&self.signature, band, self.params.rows)))
                    .collect();
            }
            if self.config.mode.reuse() {
                reuse::winnow(&self.shingles, self.params.winnow_window, &mut fingerprints);
            }
            if let Some(rewrites) = self.config.rewrite_path() {
                let (keys, grams) = (&mut self.keys, &mut self.grams);
                let language = self.config.align.language;
                reuse::rewrite_fingerprints(
                    &self.hashes,
                    rewrites,
                    language,
                    keys,
                    grams,
                    &mut rewrite_fingerprints,
                );
            }
        }
        let content = format!("{:032x}", shingle::content_hash(&self.hashes));
        self.shingles.sort_unstable();
        self.shingles.dedup();
        SketchRecord {
            id: id.to_string(),
            words,
            content,
            shingles: self.shingles.len(),
            bands,
            fingerprints,
            rewrite_fingerprints,
            params: self.hash.clone(),
        }
    }
}

/// Scores and aligns a candidate pair, `a` before `b` in input order, as
/// [`scan`](crate::pipeline::scan) would: `exact` when the normalised word
/// sequences are equal, `near-duplicate` at or above the threshold, `reuse`
/// below it (in modes that run the reuse path, at least `min_containment`)
/// when alignment finds a passage; `None` otherwise, and for a document
/// without words. The returned pair names `a` as document 0 and `b` as 1.
pub fn score_pair(a: &str, b: &str, config: &Config, tokenizer: &mut Tokenizer) -> Option<Pair> {
    score_pair_with(a, &Meta::default(), b, &Meta::default(), config, tokenizer)
}

/// As [`score_pair`], for documents with dates and sources `meta_a` and
/// `meta_b`: with [`Config::origin`] on, the pair's origin is decided as
/// [`scan`](crate::pipeline::scan) decides it ([`origin::of_pair`]; its
/// `why` only with `config.align.explain`). Per-source boilerplate is not
/// marked: it needs every document of a source.
pub fn score_pair_with(
    a: &str,
    meta_a: &Meta,
    b: &str,
    meta_b: &Meta,
    config: &Config,
    tokenizer: &mut Tokenizer,
) -> Option<Pair> {
    let n = config.shingle_size;
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    tokenizer.tokenize(a, &mut ta);
    tokenizer.tokenize(b, &mut tb);
    if ta.is_empty() || tb.is_empty() {
        return None;
    }
    let hashes = |tokens: &[Token]| tokens.iter().map(|t| t.hash).collect::<Vec<u64>>();
    let mut pair = if shingle::content_hash(&hashes(&ta)) == shingle::content_hash(&hashes(&tb)) {
        Pair::new(0, 1, PairKind::Exact, 1.0, 1.0, 1.0)
    } else {
        let o = Overlap::of(&shingle::shingle_set(&ta, n), &shingle::shingle_set(&tb, n));
        let kind = if o.jaccard() >= config.threshold {
            PairKind::NearDuplicate
        } else if config.mode.reuse() && o.containment_a().max(o.containment_b()) >= config.min_containment {
            PairKind::Reuse
        } else {
            return None;
        };
        Pair::new(0, 1, kind, o.jaccard(), o.containment_a(), o.containment_b())
    };
    if config.passages {
        let alignment = align::align(a, &ta, b, &tb, &config.align);
        pair.passages = alignment.passages;
        pair.budget_exhausted = alignment.budget_exhausted;
        if pair.kind == PairKind::Reuse && pair.passages.is_empty() {
            return None;
        }
    }
    if config.origin {
        let doc_a = origin::Doc { text: a, tokens: &ta, meta: meta_a };
        let doc_b = origin::Doc { text: b, tokens: &tb, meta: meta_b };
        let mut found = origin::of_pair(doc_a, doc_b, &pair.passages);
        if !config.align.explain {
            found.why = String::new();
        }
        pair.origin = Some(found);
    }
    Some(pair)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;

    const TEXT: &str = "the committee met on tuesday to discuss the new budget which raises spending \
                        on schools and roads by a tenth over two years";

    #[test]
    fn sketch_agrees_with_scan_on_words_and_counts() {
        let mut s = Sketcher::new(&Config::default()).unwrap();
        let r = s.sketch("x", TEXT);
        assert_eq!(r.words, 23);
        assert_eq!(r.shingles, 19);
        assert_eq!(r.bands.len(), s.params().bands);
        assert!(!r.fingerprints.is_empty());
        assert!(r.fingerprints.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(r.params, s.params_hash());
        // Case and punctuation do not change the content hash.
        assert_eq!(s.sketch("y", &TEXT.to_uppercase()).content, r.content);
        let empty = s.sketch("e", " ,, ");
        assert_eq!((empty.words, empty.bands.len(), empty.fingerprints.len()), (0, 0, 0));
    }

    #[test]
    fn params_hash_changes_with_any_setting() {
        let base = Params::resolve(&Config::default()).unwrap();
        let other = Params::resolve(&Config { max_df: 49, ..Config::default() }).unwrap();
        assert_ne!(params_hash(&base), params_hash(&other));
        assert!(check_params(&base, &params_hash(&base)).is_ok());
        assert!(check_params(&base, &params_hash(&other)).is_err());
        let near = Sketcher::new(&Config { mode: Mode::Near, ..Config::default() }).unwrap();
        assert_ne!(near.params_hash(), params_hash(&base));
    }

    #[test]
    fn pairs_are_classified_as_scan_does() {
        let config = Config::default();
        let mut t = Tokenizer::new();
        let exact = score_pair(TEXT, &TEXT.to_uppercase(), &config, &mut t).unwrap();
        assert_eq!((exact.kind, exact.jaccard), (PairKind::Exact, 1.0));
        assert!(!exact.passages.is_empty());
        let edited = TEXT.replace("two years", "three years");
        let near = score_pair(TEXT, &edited, &config, &mut t).unwrap();
        assert_eq!(near.kind, PairKind::NearDuplicate);
        assert!(near.jaccard < 1.0);
        let padding: Vec<String> = (0..80).map(|i| format!("filler{i}")).collect();
        let excerpt = format!("{TEXT} {}", padding.join(" "));
        let reuse = score_pair(TEXT, &excerpt, &config, &mut t).unwrap();
        assert_eq!(reuse.kind, PairKind::Reuse);
        assert!(reuse.containment_a > 0.9 && reuse.jaccard < 0.5);
        assert!(score_pair(TEXT, "nothing alike here at all in any way", &config, &mut t).is_none());
        assert!(score_pair("", "", &config, &mut t).is_none());
        let near_only = Config { mode: Mode::Near, ..Config::default() };
        assert!(score_pair(TEXT, &excerpt, &near_only, &mut t).is_none());
    }
}
