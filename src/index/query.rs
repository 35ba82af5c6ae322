//! Querying an index with a new document: its sketch looked up in every
//! segment, the candidates ranked by evidence, the best read, scored
//! exactly and aligned, and each match's origin decided. What
//! `reprint index query` runs, on what `write.rs` stored.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rusqlite::OptionalExtension;

use super::postings::lookup;
use super::sketch::{sketch, Scratch};
use super::{Index, DEFAULT_LIMIT};
use crate::align::{self, Passage};
use crate::config::Config;
use crate::meta::{Date, Meta};
use crate::origin::{self, Origin};
use crate::pipeline::PairKind;
use crate::shingle;
use crate::text::{Token, Tokenizer};
use crate::verify::Overlap;
use crate::Error;

/// One indexed document that a queried document overlaps.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// The indexed document's id.
    pub id: String,
    /// Its words.
    pub words: usize,
    /// Bytes of its text.
    pub bytes: usize,
    /// Exact, near-duplicate or reuse.
    pub kind: PairKind,
    /// Exact Jaccard of the shingle sets.
    pub jaccard: f64,
    /// Share of the queried document's shingles found in the indexed one.
    pub containment_a: f64,
    /// Share of the indexed document's shingles found in the queried one.
    pub containment_b: f64,
    /// Passages: `a` spans in the queried text, `b` in the indexed one.
    pub passages: Vec<Passage>,
    /// Whether alignment stopped at its work budget.
    pub budget_exhausted: bool,
    /// The indexed document's date and source, as added (empty when it
    /// was added without them, or to an index of format 1).
    pub meta: Meta,
    /// Which side the shared text came from, `a` the queried document and
    /// `b` the indexed one, when the config asks for origins
    /// ([`Config::origin`]); its `why` only with `config.align.explain`.
    pub origin: Option<Origin>,
}

impl Match {
    /// Matched words over all passages.
    pub fn passage_words(&self) -> usize {
        self.passages.iter().map(|p| p.words).sum()
    }
}

/// The result of querying one document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryResult {
    /// Words of the queried document.
    pub words: usize,
    /// Distinct candidates found by the lookup.
    pub candidates: usize,
    /// Candidates scored exactly and aligned: at most the limit.
    pub scored: usize,
    /// Matches, most reused first: by containment of the queried document,
    /// then passage words, then id.
    pub matches: Vec<Match>,
    /// Where the time went.
    pub timings: QueryTimings,
}

/// Wall-clock time of each stage of one query.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QueryTimings {
    /// Tokenising, shingling, signing and winnowing the query.
    pub sketch: Duration,
    /// Reading the postings and ranking the candidates.
    pub lookup: Duration,
    /// Reading the texts of the candidates to score.
    pub load: Duration,
    /// Tokenising them and computing exact Jaccard and containments.
    pub verify: Duration,
    /// Aligning the passages of those that pass.
    pub align: Duration,
}

impl Index {
    /// The indexed documents that `text` near-duplicates or reuses, with
    /// their scores and passages. `config` supplies the query-time settings
    /// (alignment, `min_containment`); its index parameters must match
    /// ([`Index::check`]). Reads one consistent snapshot. Scores and aligns
    /// the [`DEFAULT_LIMIT`] best-ranked candidates ([`Index::query_limit`]).
    pub fn query(&self, text: &str, config: &Config) -> Result<QueryResult, Error> {
        self.query_limit(text, config, DEFAULT_LIMIT)
    }

    /// As [`Index::query`], scoring and aligning only the `limit` candidates
    /// (0: all) with the most evidence: the larger of the share of the
    /// query's fingerprints they share and the share of its LSH bands they
    /// hit. Candidates past the limit are counted in
    /// [`QueryResult::candidates`] but not looked at.
    pub fn query_limit(&self, text: &str, config: &Config, limit: usize) -> Result<QueryResult, Error> {
        self.query_with(text, &Meta::default(), config, limit)
    }

    /// As [`Index::query_limit`], for a queried document with date and
    /// source `meta`: with [`Config::origin`] on, each match says which
    /// side its shared text came from ([`crate::origin::of_pair`], the
    /// queried document as `a`), by the two dates when they differ, else
    /// by the texts.
    pub fn query_with(
        &self,
        text: &str,
        meta: &Meta,
        config: &Config,
        limit: usize,
    ) -> Result<QueryResult, Error> {
        self.check(config)?;
        let clock = Instant::now();
        let db = self.db();
        let mut scratch = Scratch::default();
        let sk = sketch(&mut scratch, text, &self.config, &self.hasher);
        let mut result = QueryResult { words: sk.words, ..QueryResult::default() };
        if sk.words == 0 {
            return Ok(result);
        }
        let query_set = {
            let mut s = scratch.shingles.clone();
            s.sort_unstable();
            s.dedup();
            s
        };
        let tokens = std::mem::take(&mut scratch.tokens);
        result.timings.sketch = clock.elapsed();
        let clock = Instant::now();
        let tx = self.conn.unchecked_transaction().map_err(&db)?;
        let segments: Vec<i64> = {
            let mut stmt = tx.prepare_cached("SELECT segment FROM segments ORDER BY segment").map_err(&db)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(&db)?;
            rows.collect::<Result<_, _>>().map_err(&db)?
        };
        // Evidence per candidate: LSH bands hit, fingerprints shared.
        let mut evidence: HashMap<u32, (u32, u32)> = HashMap::new();
        for posting in lookup(&tx, "lsh", &segments, &sk.terms.0).map_err(&db)? {
            for d in posting {
                evidence.entry(d).or_default().0 += 1;
            }
        }
        for posting in lookup(&tx, "fingerprints", &segments, &sk.terms.1).map_err(&db)? {
            if posting.len() <= self.config.max_df {
                for d in posting {
                    evidence.entry(d).or_default().1 += 1;
                }
            }
        }
        let bands = sk.terms.0.len().max(1) as f64;
        let fingerprints = sk.terms.1.len().max(1) as f64;
        let min_shared = self.config.min_shared as u32;
        // Ranked by estimated reuse: the larger of the share of the query's
        // fingerprints shared (about its containment) and the share of its
        // bands hit (rising with Jaccard), then by document number.
        let mut ranked: Vec<(f64, u32)> = evidence
            .into_iter()
            .filter(|&(_, (hits, shared))| hits > 0 || shared >= min_shared)
            .map(|(d, (hits, shared))| ((f64::from(hits) / bands).max(f64::from(shared) / fingerprints), d))
            .collect();
        ranked.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        result.candidates = ranked.len();
        let limit = if limit == 0 { usize::MAX } else { limit };
        result.timings.lookup = clock.elapsed();
        let clock = Instant::now();

        let mut loaded: Vec<(String, [u8; 16], String, Meta)> = Vec::with_capacity(ranked.len().min(limit));
        {
            // An index of format 1 has no dates or sources.
            let sql = if self.has_meta {
                "SELECT id, content, text, date, source FROM docs WHERE doc = ?1"
            } else {
                "SELECT id, content, text, NULL, NULL FROM docs WHERE doc = ?1"
            };
            let mut get = tx.prepare_cached(sql).map_err(&db)?;
            type Row = (String, Vec<u8>, String, Option<String>, Option<String>);
            for &(_, d) in &ranked {
                if loaded.len() == limit {
                    break;
                }
                let row: Option<Row> = get
                    .query_row([i64::from(d)], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })
                    .optional()
                    .map_err(&db)?;
                if let Some((id, content, text, date, source)) = row {
                    let content: [u8; 16] = content.try_into().unwrap_or([0; 16]);
                    // Stored dates were read by Date::parse when added.
                    let date = date.and_then(|d| Date::parse(&d).ok());
                    loaded.push((id, content, text, Meta { date, source: source.map(Into::into) }));
                }
            }
        }
        drop(tx);
        result.scored = loaded.len();
        result.timings.load = clock.elapsed();
        let clock = Instant::now();
        let own_content = sk.content.to_le_bytes();
        let n = self.config.shingle_size;
        let threshold = self.config.threshold;
        let min_containment = config.min_containment;
        let align_config = &config.align;
        // Exact scores first, then alignment of the pairs that pass.
        let verified: Vec<(usize, PairKind, f64, f64, f64, Vec<Token>)> = loaded
            .par_iter()
            .enumerate()
            .map_init(Tokenizer::new, |tokenizer, (i, (_, content, other, _))| {
                let mut tb = Vec::new();
                tokenizer.tokenize(other, &mut tb);
                let exact = *content == own_content;
                let o = Overlap::of(&query_set, &shingle::shingle_set(&tb, n));
                let (kind, j, ca, cb) = if exact {
                    (PairKind::Exact, 1.0, 1.0, 1.0)
                } else if o.jaccard() >= threshold {
                    (PairKind::NearDuplicate, o.jaccard(), o.containment_a(), o.containment_b())
                } else if o.containment_a().max(o.containment_b()) >= min_containment && o.shared > 0 {
                    (PairKind::Reuse, o.jaccard(), o.containment_a(), o.containment_b())
                } else {
                    return None;
                };
                Some((i, kind, j, ca, cb, tb))
            })
            .flatten()
            .collect();
        result.timings.verify = clock.elapsed();
        let clock = Instant::now();
        // Indexed copies with the same text get the same passages: align
        // each distinct text once.
        let mut first: HashMap<&str, usize> = HashMap::new();
        let distinct: Vec<usize> = (0..verified.len())
            .filter(|&v| *first.entry(loaded[verified[v].0].2.as_str()).or_insert(v) == v)
            .collect();
        let aligned: HashMap<usize, align::Alignment> = distinct
            .par_iter()
            .map(|&v| {
                let (i, tb) = (verified[v].0, &verified[v].5);
                (v, align::align(text, &tokens, &loaded[i].2, tb, align_config))
            })
            .collect();
        let mut matches: Vec<Match> = verified
            .iter()
            .filter_map(|(i, kind, j, ca, cb, tb)| {
                let (id, _, other, other_meta) = &loaded[*i];
                let alignment = &aligned[&first[other.as_str()]];
                if *kind == PairKind::Reuse && alignment.passages.is_empty() {
                    return None;
                }
                let origin = config.origin.then(|| {
                    let a = origin::Doc { text, tokens: &tokens, meta };
                    let b = origin::Doc { text: other, tokens: tb, meta: other_meta };
                    let mut found = origin::of_pair(a, b, &alignment.passages);
                    if !config.align.explain {
                        found.why = String::new();
                    }
                    found
                });
                Some(Match {
                    id: id.clone(),
                    words: tb.len(),
                    bytes: other.len(),
                    kind: *kind,
                    jaccard: *j,
                    containment_a: *ca,
                    containment_b: *cb,
                    passages: alignment.passages.clone(),
                    budget_exhausted: alignment.budget_exhausted,
                    meta: other_meta.clone(),
                    origin,
                })
            })
            .collect();
        result.timings.align = clock.elapsed();
        matches.sort_by(|x, y| {
            y.containment_a
                .total_cmp(&x.containment_a)
                .then_with(|| y.passage_words().cmp(&x.passage_words()))
                .then_with(|| x.id.cmp(&y.id))
        });
        result.matches = matches;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::testing::{dated, BODY};

    #[test]
    fn dates_are_stored_and_decide_the_origin() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::create(dir.path(), &Config::default()).unwrap();
        index.add(&[dated("a", BODY, Some("2024-03-02"), Some("site"))]).unwrap();
        let copy = format!("Daily News. {BODY} Subscribe.");
        let earlier = Meta { date: Some(Date::parse("2024-03-01T12:00:00Z").unwrap()), source: None };
        let on = Config { origin: true, ..Config::default() };
        let q = index.query_with(&copy, &earlier, &on, DEFAULT_LIMIT).unwrap();
        let m = &q.matches[0];
        assert_eq!(m.meta.date.as_ref().map(Date::as_str), Some("2024-03-02"));
        assert_eq!(m.meta.source.as_deref(), Some("site"));
        let origin = m.origin.as_ref().expect("origins on");
        assert_eq!((origin.side, origin.evidence), (Some(origin::Side::A), Some(origin::Evidence::Date)));
        assert!(origin.why.is_empty(), "no --explain");
        // Origins off: none decided, the metadata still read.
        let q = index.query_with(&copy, &earlier, &Config::default(), DEFAULT_LIMIT).unwrap();
        assert_eq!(q.matches[0].origin, None);

        // Re-adding unchanged text takes a new date, keeps the source it lacks.
        let again = index.add(&[dated("a", BODY, Some("2024-02-01"), None)]).unwrap();
        assert_eq!(again.unchanged, 1);
        let q = index.query_with(&copy, &earlier, &on, DEFAULT_LIMIT).unwrap();
        assert_eq!(q.matches[0].meta.date.as_ref().map(Date::as_str), Some("2024-02-01"));
        assert_eq!(q.matches[0].meta.source.as_deref(), Some("site"));
        assert_eq!(q.matches[0].origin.as_ref().and_then(|o| o.side), Some(origin::Side::B));
    }
}
