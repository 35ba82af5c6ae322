//! The partial-reuse candidate path: shingles in, pairs that share
//! passages out, whatever their Jaccard similarity.
//!
//! An excerpt reprinted inside a longer page, or a rewrite condensed to a
//! quarter of its source, has a Jaccard similarity far below any usable LSH
//! threshold (seed 000 against 001: 0.055). What such pairs do have is runs
//! of shared words. This path finds them as the text-reuse tools (MOSS,
//! passim) do:
//!
//! 1. **Winnow** ([`winnow`]): from each document's shingle fingerprints in
//!    text order keep the minimum of every window of `w` consecutive ones
//!    (Schleimer, Wilkerson and Aiken, 2003). Any run of at least
//!    `w + n - 1` shared words (shingle size `n`) makes at least one shared
//!    fingerprint, and about `2 / (w + 1)` of the shingles are kept.
//! 2. **Index** ([`ReuseIndex`]): every kept fingerprint, folded to 32
//!    bits, with the documents that hold it. A fingerprint found in more
//!    than `max_df` documents is boilerplate or a stock phrase and is
//!    dropped; so is one found in a single document.
//! 3. **Query** ([`ReuseIndex::candidates`], parallel over documents): each
//!    document counts, per later document, the fingerprints they share; a
//!    pair sharing at least `min_shared` is a candidate. Memory stays
//!    bounded by the index and the candidates: co-occurrences are counted
//!    per document, never collected for the whole corpus.
//!
//! 4. **Per-source boilerplate** ([`SourceBoilerplate`]), when documents
//!    have sources: a fingerprint in at least `min_docs` documents of one
//!    source is that source's boilerplate (a site footer, a byline, a
//!    newsletter signature), whether or not other sources hold it too (a
//!    footer made of a stock licence paragraph is still the site's
//!    footer: measured on generated sites, asking that most of a
//!    fingerprint's documents be the source's let 224 pairs that share only
//!    a footer through). The index marks its postings in that
//!    source's documents, and a pair does not count a fingerprint that is
//!    boilerplate on both its sides: two pages of one site that share only
//!    its footer make no candidate, while a page that took a site's text
//!    still pairs with it through every fingerprint.
//!
//! Candidates are then scored exactly ([`crate::verify`]) and aligned
//! ([`crate::align`]); only a pair with at least one aligned passage is
//! reported, as kind `reuse`. Names shared by two articles ("the People's
//! Mojahedin Organization of Iran") can make a candidate but never a
//! passage of the minimum length, so they are not reported.
//!
//! Why winnowing and not passage-level MinHash: measured on the seeds and a
//! generated corpus with planted excerpts and condensed rewrites
//! (`docs/reuse-path-measurements.md`), both find the planted pairs, but
//! only winnowing finds the seeds' short shared passages (a 26-word caption,
//! runs of 5 to 10 words) every time, with about a third of the index size
//! and of the candidates of 50-word window sketches, and in a third of the
//! time.
//!
//! Memory: 8 bytes per kept fingerprint (a 32-bit hash and a 32-bit
//! document number), about `16 / (w + 1)` bytes per word of the corpus.
//!
//! **Rewrites** (on by default in the reuse modes, `scan --no-rewrites`
//! turns them off; [`crate::config::Rewrites`]): the same
//! index over a second kind of fingerprint, [`content_ngrams`]: n-grams of
//! content words (the document's stop words left out), winnowed or all
//! kept. A paraphrase that keeps `w + n - 1` content words in order, with
//! any stop words around them, makes a shared fingerprint. The words are
//! matched exactly, not by stem: on PAN 2013 stems found fewer rewrites
//! from more candidates at twice the sketching cost
//! (`docs/reuse-path-measurements.md`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::lang::Key;
use crate::minhash::mix64;

/// Appends to `out` the hash of every `n` consecutive content words of
/// `keys` (stop words skipped, their match keys in order), in text order.
/// A document with fewer than `n` content words (but some) makes one hash
/// of all of them; one without any makes none.
///
/// The hash depends on the keys and their order only, so two documents that
/// share `n` consecutive content words (whatever lies between them) share
/// the hash. Pass the result to [`winnow`] (window 1 keeps every distinct
/// one).
pub fn content_ngrams(keys: &[Key], n: usize, out: &mut Vec<u64>) {
    out.clear();
    let n = n.max(1);
    let content: Vec<u64> = keys.iter().filter(|k| k.content).map(|k| k.key).collect();
    if content.is_empty() {
        return;
    }
    if content.len() < n {
        out.push(gram(&content));
        return;
    }
    out.extend(content.windows(n).map(gram));
}

/// Words of a document the rewrite path detects its language on: a
/// document's language shows in its first words, and detecting on a sample
/// keeps sketching linear in words, not in words x languages.
const DETECT_SAMPLE: usize = 200;

/// The rewrite path's fingerprints of a document whose word hashes (from
/// [`Tokenizer::token_hashes`](crate::text::Tokenizer::token_hashes)) are
/// `hashes`, into `out` (cleared first), sorted and without repeats: its
/// language detected on its first words names the stop words, which are
/// dropped, and the [`content_ngrams`] of the other words, exact, are
/// winnowed. `keys` and `grams` are scratch space. What
/// [`scan`](crate::pipeline::scan) indexes, and what `reprint sketch`
/// gives other engines.
pub fn rewrite_fingerprints(
    hashes: &[u64],
    rewrites: crate::config::Rewrites,
    language: crate::lang::LanguageSetting,
    keys: &mut Vec<Key>,
    grams: &mut Vec<u64>,
    out: &mut Vec<u32>,
) {
    // The language only names the stop words: candidates match exact
    // words, which found more of PAN's rewrites than stems did, from fewer
    // candidates, at a fraction of the cost (docs/reuse-path-measurements.md).
    let language = language.resolve_hashes(&hashes[..hashes.len().min(DETECT_SAMPLE)]);
    keys.clear();
    keys.extend(hashes.iter().map(|&h| Key { key: h, content: !language.is_some_and(|l| l.is_stop(h)) }));
    content_ngrams(keys, rewrites.ngram, grams);
    out.clear();
    winnow(grams, rewrites.window, out);
}

/// The hash of an n-gram of match keys, in order.
#[inline]
fn gram(keys: &[u64]) -> u64 {
    keys.iter().fold(0x243f_6a88_85a3_08d3_u64, |h, &k| mix64(h.rotate_left(23) ^ k))
}

/// Appends the winnowed fingerprints of `shingles` (in text order) to
/// `out`, as 32-bit values, sorted and without repeats.
///
/// Within each window of `w` consecutive shingles the minimum is kept (the
/// rightmost on ties, so a run of equal values is recorded once). A
/// document with fewer than `w` shingles keeps its minimum.
pub fn winnow(shingles: &[u64], w: usize, out: &mut Vec<u32>) {
    let start = out.len();
    let w = w.max(1);
    if shingles.is_empty() {
        return;
    }
    if shingles.len() <= w {
        out.push(fold(shingles.iter().copied().min().unwrap_or(0)));
        return;
    }
    if w == 1 {
        // Every window is one shingle: all are kept (the rewrite path's
        // default), with no deque to keep.
        out.extend(shingles.iter().map(|&h| fold(h)));
        finish(out, start);
        return;
    }
    // Monotone deque of indices whose values increase from front to back.
    let mut deque: std::collections::VecDeque<usize> = std::collections::VecDeque::with_capacity(w);
    let mut last_kept = usize::MAX;
    for (i, &h) in shingles.iter().enumerate() {
        while deque.back().is_some_and(|&j| shingles[j] >= h) {
            deque.pop_back();
        }
        deque.push_back(i);
        if deque.front().is_some_and(|&j| j + w <= i) {
            deque.pop_front();
        }
        if i + 1 >= w {
            let j = deque.front().copied().unwrap_or(i);
            if j != last_kept {
                out.push(fold(shingles[j]));
                last_kept = j;
            }
        }
    }
    finish(out, start);
}

/// Sorts the fingerprints `winnow` added to `out` from `start` and drops
/// their repeats.
fn finish(out: &mut Vec<u32>, start: usize) {
    let kept = &mut out[start..];
    kept.sort_unstable();
    let n = dedup_len(kept);
    out.truncate(start + n);
}

/// The 32 bits of a fingerprint the index keeps.
#[inline]
pub(crate) fn fold(h: u64) -> u32 {
    (h >> 32) as u32 ^ h as u32
}

/// Moves the distinct values of a sorted slice to its front; returns how
/// many there are.
fn dedup_len(v: &mut [u32]) -> usize {
    if v.is_empty() {
        return 0;
    }
    let mut n = 1;
    for i in 1..v.len() {
        if v[i] != v[n - 1] {
            v[n] = v[i];
            n += 1;
        }
    }
    n
}

/// An index entry: fingerprint in the high 32 bits, document in the low.
#[inline]
pub fn entry(fingerprint: u32, doc: u32) -> u64 {
    (u64::from(fingerprint) << 32) | u64::from(doc)
}

/// A hasher for keys that are already hash values: one multiply.
#[derive(Default, Clone, Copy)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.0 = u64::from(x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// How many shared fingerprints make a candidate.
#[derive(Clone, Copy, Debug)]
pub struct Need<'a> {
    /// At least this many.
    pub min_shared: usize,
    /// And at least this share of the smaller document's fingerprints
    /// (0 for none).
    pub fraction: f64,
    /// Fingerprints per document (only read when `fraction > 0`).
    pub counts: &'a [u32],
}

impl Need<'_> {
    /// Shared fingerprints needed by a pair of documents, one with `len`
    /// fingerprints and `other`.
    #[inline]
    fn shared(&self, len: usize, other: u32) -> usize {
        if self.fraction <= 0.0 {
            return self.min_shared;
        }
        let smaller = len.min(self.counts.get(other as usize).map_or(len, |&c| c as usize));
        self.min_shared.max((self.fraction * smaller as f64).ceil() as usize)
    }
}

/// The inverted index of the partial-reuse path: for every fingerprint
/// shared by 2 to `max_df` documents, those documents. Fingerprints of one
/// document only, or of more than `max_df`, are not kept.
#[derive(Debug, Default)]
pub struct ReuseIndex {
    buckets: HashMap<u32, (u32, u32), BuildHasherDefault<PassThrough>>,
    /// Document numbers, by bucket, ascending; the top bit
    /// ([`BOILERPLATE`]) marks the fingerprint as boilerplate of that
    /// document's source ([`ReuseIndex::mark`]).
    docs: Vec<u32>,
    /// Fingerprints dropped for being in more than `max_df` documents.
    pub common_fingerprints: usize,
}

impl ReuseIndex {
    /// Builds the index from `entries` (see [`entry`]), sorted. Each
    /// document's fingerprints must be distinct (as [`winnow`] gives them).
    pub fn build(entries: &[u64], max_df: usize) -> ReuseIndex {
        let mut index = ReuseIndex::default();
        index.add(entries, max_df);
        index
    }

    /// Adds `entries` (see [`entry`]), sorted, whose fingerprints are none
    /// of those already added: an index can be built a share of the
    /// fingerprints at a time, so the entries of all of them are never
    /// held at once.
    pub fn add(&mut self, entries: &[u64], max_df: usize) {
        let index = self;
        let mut start = 0;
        while start < entries.len() {
            let fp = entries[start] >> 32;
            let mut end = start + 1;
            while end < entries.len() && entries[end] >> 32 == fp {
                end += 1;
            }
            let df = end - start;
            if df > max_df {
                index.common_fingerprints += 1;
            } else if df >= 2 {
                let at = index.docs.len() as u32;
                index.docs.extend(entries[start..end].iter().map(|&e| e as u32));
                index.buckets.insert(fp as u32, (at, df as u32));
            }
            start = end;
        }
    }

    /// Marks each posting whose fingerprint is boilerplate of its
    /// document's source. Document numbers must be below [`BOILERPLATE`].
    pub fn mark(&mut self, boilerplate: &SourceBoilerplate) {
        for (&fp, &(at, len)) in &self.buckets {
            for d in &mut self.docs[at as usize..(at + len) as usize] {
                if boilerplate.is(fp, *d) {
                    *d |= BOILERPLATE;
                }
            }
        }
    }

    /// The documents after `doc` (by number) that share enough of
    /// `fingerprints` (the fingerprints of `doc`) with it, as
    /// `(other, shared)`, ascending: at least `need.min_shared`, and at least
    /// `need.fraction` of the smaller of the two documents' fingerprint
    /// counts (`counts[d]` for document `d`). A fingerprint marked as
    /// boilerplate ([`ReuseIndex::mark`]) for `doc` and for the other
    /// document is not counted. `scratch` is reused between calls.
    pub fn candidates(
        &self,
        doc: u32,
        fingerprints: &[u32],
        need: Need<'_>,
        scratch: &mut Vec<u32>,
    ) -> Vec<(u32, usize)> {
        scratch.clear();
        for fp in fingerprints {
            if let Some(&(at, len)) = self.buckets.get(fp) {
                let bucket = &self.docs[at as usize..(at + len) as usize];
                // Documents sort ascending within a bucket.
                let after = bucket.partition_point(|&d| d & !BOILERPLATE <= doc);
                let rest = &bucket[after..];
                // Is it boilerplate for `doc`? (Its own posting says.)
                let own = bucket[..after].last().is_some_and(|&d| d == doc | BOILERPLATE);
                if own {
                    scratch.extend(rest.iter().filter(|&&d| d & BOILERPLATE == 0));
                } else {
                    scratch.extend(rest.iter().map(|&d| d & !BOILERPLATE));
                }
            }
        }
        scratch.sort_unstable();
        let mut out = Vec::new();
        let mut i = 0;
        while i < scratch.len() {
            let mut j = i + 1;
            while j < scratch.len() && scratch[j] == scratch[i] {
                j += 1;
            }
            if j - i >= need.shared(fingerprints.len(), scratch[i]) {
                out.push((scratch[i], j - i));
            }
            i = j;
        }
        out
    }
}

/// The bit of an index posting that marks its fingerprint as boilerplate
/// of its document's source; document numbers stay below it.
pub const BOILERPLATE: u32 = 1 << 31;

/// No source.
pub const NO_SOURCE: u32 = u32::MAX;

/// The fingerprints that are boilerplate of each source: found in at least
/// `min_docs` of its documents.
#[derive(Debug, Default)]
pub struct SourceBoilerplate {
    /// Each document's source number ([`NO_SOURCE`] for none).
    sources: Vec<u32>,
    /// `source << 32 | fingerprint`, sorted.
    marked: Vec<u64>,
}

impl SourceBoilerplate {
    /// Finds the boilerplate of every source over the documents `members`,
    /// whose fingerprints (distinct per document) are `fingerprints[d]` and
    /// sources `sources[d]`.
    pub fn find(
        members: &[u32],
        fingerprints: &[Vec<u32>],
        sources: Vec<u32>,
        min_docs: usize,
    ) -> SourceBoilerplate {
        use rayon::prelude::*;
        let mut keys: Vec<u64> = members
            .par_iter()
            .filter(|&&d| sources[d as usize] != NO_SOURCE)
            .flat_map_iter(|&d| {
                let source = u64::from(sources[d as usize]) << 32;
                fingerprints[d as usize].iter().map(move |&f| source | u64::from(f))
            })
            .collect();
        keys.par_sort_unstable();
        let mut marked = Vec::new();
        for run in keys.chunk_by(|x, y| x == y) {
            if run.len() >= min_docs.max(2) {
                marked.push(run[0]);
            }
        }
        SourceBoilerplate { sources, marked }
    }

    /// Whether any source has boilerplate.
    pub fn is_empty(&self) -> bool {
        self.marked.is_empty()
    }

    /// Fingerprints marked, over every source.
    pub fn len(&self) -> usize {
        self.marked.len()
    }

    /// Whether `fingerprint` is boilerplate of the source of document `doc`.
    #[inline]
    pub fn is(&self, fingerprint: u32, doc: u32) -> bool {
        let source = self.sources.get((doc & !BOILERPLATE) as usize).copied().unwrap_or(NO_SOURCE);
        self.of_source(source, fingerprint)
    }

    /// Whether `fingerprint` is boilerplate of `source`.
    #[inline]
    pub fn of_source(&self, source: u32, fingerprint: u32) -> bool {
        source != NO_SOURCE
            && self.marked.binary_search(&(u64::from(source) << 32 | u64::from(fingerprint))).is_ok()
    }

    /// The source number of document `doc`.
    pub fn source(&self, doc: u32) -> u32 {
        self.sources.get(doc as usize).copied().unwrap_or(NO_SOURCE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::mix64;
    use proptest::prelude::*;

    fn hashes(seed: u64, n: usize) -> Vec<u64> {
        (0..n as u64).map(|i| mix64(seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15))).collect()
    }

    #[test]
    fn winnowing_density_is_about_two_over_w_plus_one() {
        let h = hashes(1, 100_000);
        let mut out = Vec::new();
        winnow(&h, 9, &mut out);
        let density = out.len() as f64 / h.len() as f64;
        assert!((density - 0.2).abs() < 0.01, "{density}");
    }

    #[test]
    fn short_documents_keep_their_minimum() {
        let mut out = Vec::new();
        winnow(&[5, 3, 9], 8, &mut out);
        assert_eq!(out, vec![fold(3)]);
        out.clear();
        winnow(&[], 8, &mut out);
        assert!(out.is_empty());
    }

    /// All candidate pairs of an index, by querying every document.
    fn all_pairs(docs: &[Vec<u32>], max_df: usize, min_shared: usize) -> (Vec<(u32, u32)>, usize) {
        let mut entries: Vec<u64> = docs
            .iter()
            .enumerate()
            .flat_map(|(d, fps)| fps.iter().map(move |&f| entry(f, d as u32)))
            .collect();
        entries.sort_unstable();
        let index = ReuseIndex::build(&entries, max_df);
        let mut scratch = Vec::new();
        let mut pairs = Vec::new();
        let need = Need { min_shared, fraction: 0.0, counts: &[] };
        for (d, fps) in docs.iter().enumerate() {
            for (other, _) in index.candidates(d as u32, fps, need, &mut scratch) {
                pairs.push((d as u32, other));
            }
        }
        (pairs, index.common_fingerprints)
    }

    #[test]
    fn buckets_above_max_df_make_no_pairs() {
        let docs = vec![vec![7, 8], vec![7, 8], vec![7]];
        assert_eq!(all_pairs(&docs, 2, 1), (vec![(0, 1)], 1));
        assert!(all_pairs(&docs, 2, 2).0.is_empty());
        assert_eq!(all_pairs(&docs, 3, 2).0, vec![(0, 1)]);
        assert_eq!(all_pairs(&docs, 3, 1).0, vec![(0, 1), (0, 2), (1, 2)]);
    }

    #[test]
    fn fraction_of_the_smaller_document() {
        let docs: Vec<Vec<u32>> = vec![(0..10).collect(), (0..4).chain(100..200).collect()];
        let mut entries: Vec<u64> = docs
            .iter()
            .enumerate()
            .flat_map(|(d, fps)| fps.iter().map(move |&f| entry(f, d as u32)))
            .collect();
        entries.sort_unstable();
        let index = ReuseIndex::build(&entries, 10);
        let counts: Vec<u32> = docs.iter().map(|d| d.len() as u32).collect();
        let mut scratch = Vec::new();
        // 4 shared of the smaller document's 10: 0.4.
        for (fraction, found) in [(0.0, true), (0.4, true), (0.41, false)] {
            let need = Need { min_shared: 2, fraction, counts: &counts };
            assert_eq!(!index.candidates(0, &docs[0], need, &mut scratch).is_empty(), found, "{fraction}");
        }
    }

    /// Match keys from small numbers: `k < 100` a content word, else a
    /// stop word.
    fn keys_of(v: &[u64]) -> Vec<Key> {
        v.iter().map(|&k| Key { key: mix64(k), content: k < 100 }).collect()
    }

    /// The naive reference of [`content_ngrams`] then [`winnow`] with a
    /// window of 1: for every content word, the next `n` content words
    /// found by scanning on; each n-gram folded, sorted, once.
    fn naive_content_fingerprints(keys: &[Key], n: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let starts: Vec<usize> = (0..keys.len()).filter(|&i| keys[i].content).collect();
        for &i in &starts {
            let mut g = Vec::new();
            let mut j = i;
            while j < keys.len() && g.len() < n {
                if keys[j].content {
                    g.push(keys[j].key);
                }
                j += 1;
            }
            if g.len() == n {
                out.push(fold(gram(&g)));
            }
        }
        if out.is_empty() && !starts.is_empty() {
            let all: Vec<u64> = starts.iter().map(|&i| keys[i].key).collect();
            out.push(fold(gram(&all)));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn content_ngrams_skip_stop_words_and_keep_order() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        // "new budget" with and without stop words between: one bigram.
        content_ngrams(&keys_of(&[1, 2]), 2, &mut a);
        content_ngrams(&keys_of(&[100, 1, 101, 102, 2, 103]), 2, &mut b);
        assert_eq!(a, b);
        content_ngrams(&keys_of(&[2, 1]), 2, &mut b);
        assert_ne!(a, b, "order counts");
        content_ngrams(&keys_of(&[100, 101]), 2, &mut b);
        assert!(b.is_empty(), "stop words only");
        content_ngrams(&keys_of(&[1, 2, 3]), 5, &mut b);
        assert_eq!(b.len(), 1, "fewer content words than n: one gram of all");
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_config(256))]

        /// Per-source boilerplate against the naive reference: a pair's
        /// shared count is the fingerprints both hold, less those found in
        /// at least `min_docs` documents of each side's own source.
        #[test]
        fn boilerplate_is_ignored_only_on_both_sides(
                docs in proptest::collection::vec(
                    (proptest::collection::btree_set(0u32..30, 0..12), 0u32..4), 1..14),
                min_docs in 2usize..4, min_shared in 1usize..3) {
            let fps: Vec<Vec<u32>> = docs.iter().map(|(f, _)| f.iter().copied().collect()).collect();
            // Source 3 stands for none.
            let sources: Vec<u32> = docs.iter().map(|&(_, s)| if s == 3 { NO_SOURCE } else { s }).collect();
            let members: Vec<u32> = (0..fps.len() as u32).collect();
            let bp = SourceBoilerplate::find(&members, &fps, sources.clone(), min_docs);
            let naive_bp = |f: u32, d: usize| {
                sources[d] != NO_SOURCE
                    && (0..fps.len()).filter(|&e| sources[e] == sources[d] && fps[e].contains(&f)).count() >= min_docs
            };
            let mut entries: Vec<u64> =
                members.iter().flat_map(|&d| fps[d as usize].iter().map(move |&f| entry(f, d))).collect();
            entries.sort_unstable();
            let mut index = ReuseIndex::build(&entries, 100);
            index.mark(&bp);
            let need = Need { min_shared, fraction: 0.0, counts: &[] };
            let mut scratch = Vec::new();
            for a in 0..fps.len() {
                prop_assert!(fps[a].iter().all(|&f| bp.is(f, a as u32) == naive_bp(f, a)));
                let got = index.candidates(a as u32, &fps[a], need, &mut scratch);
                let want: Vec<(u32, usize)> = (a + 1..fps.len())
                    .map(|b| (b as u32, fps[a].iter().filter(|&&f| fps[b].contains(&f) && !(naive_bp(f, a) && naive_bp(f, b))).count()))
                    .filter(|&(_, n)| n >= min_shared)
                    .collect();
                prop_assert_eq!(got, want);
            }
        }

        /// Content n-grams, all kept, are the naive reference's.
        #[test]
        fn content_fingerprints_match_the_naive_reference(
                words in proptest::collection::vec(0u64..130, 0..60), n in 1usize..5) {
            let keys = keys_of(&words);
            let (mut grams, mut got) = (Vec::new(), Vec::new());
            content_ngrams(&keys, n, &mut grams);
            winnow(&grams, 1, &mut got);
            prop_assert_eq!(got, naive_content_fingerprints(&keys, n));
        }

        /// The rewrite guarantee: two documents that share `w + n - 1`
        /// content words in order, with different stop words around and
        /// between them, share a winnowed content fingerprint.
        #[test]
        fn shared_content_runs_share_a_fingerprint(seed in 0u64..10_000, n in 1usize..4, w in 1usize..5,
                                                   pre_a in 0usize..20, pre_b in 0usize..20) {
            let pick = |i: u64, salt: u64, modulo: u64| mix64(seed ^ salt ^ i.wrapping_mul(0x9e37)) % modulo;
            let run: Vec<u64> = (0..(w + n - 1) as u64).map(|i| pick(i, 1, 100)).collect();
            let with_stops = |salt: u64, pre: usize| {
                let mut v: Vec<u64> = (0..pre as u64).map(|i| pick(i, salt, 130)).collect();
                for (i, &k) in run.iter().enumerate() {
                    v.push(k);
                    if pick(i as u64, salt + 7, 2) == 0 {
                        v.push(100 + pick(i as u64, salt + 9, 30));
                    }
                }
                v.extend((0..5).map(|i| pick(i, salt + 11, 130)));
                keys_of(&v)
            };
            let (a, b) = (with_stops(2, pre_a), with_stops(3, pre_b));
            let (mut ga, mut gb, mut fa, mut fb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            content_ngrams(&a, n, &mut ga);
            content_ngrams(&b, n, &mut gb);
            winnow(&ga, w, &mut fa);
            winnow(&gb, w, &mut fb);
            prop_assert!(fa.iter().any(|x| fb.binary_search(x).is_ok()));
        }

        /// The winnowing guarantee: two sequences sharing a run of at least
        /// `w` shingles share a fingerprint.
        #[test]
        fn shared_runs_share_a_fingerprint(seed in 0u64..10_000, w in 1usize..12, run in 0usize..30,
                                           pre_a in 0usize..40, pre_b in 0usize..40) {
            let run = run + w;
            let shared = hashes(seed, run);
            let mut a = hashes(seed + 1, pre_a);
            a.extend(&shared);
            a.extend(hashes(seed + 2, 10));
            let mut b = hashes(seed + 3, pre_b);
            b.extend(&shared);
            let (mut fa, mut fb) = (Vec::new(), Vec::new());
            winnow(&a, w, &mut fa);
            winnow(&b, w, &mut fb);
            prop_assert!(fa.iter().any(|x| fb.binary_search(x).is_ok()));
        }

        /// Candidates equal a brute-force count of shared fingerprints.
        #[test]
        fn candidates_match_brute_force(docs in proptest::collection::vec(
                proptest::collection::btree_set(0u32..40, 0..12), 0..12),
                max_df in 2usize..6, min_shared in 1usize..4) {
            let docs: Vec<Vec<u32>> = docs.iter().map(|s| s.iter().copied().collect()).collect();
            let got = all_pairs(&docs, max_df, min_shared).0;
            let df = |f: &u32| docs.iter().filter(|s| s.contains(f)).count();
            let mut want = Vec::new();
            for a in 0..docs.len() {
                for b in a + 1..docs.len() {
                    let shared = docs[a].iter().filter(|f| docs[b].contains(f) && df(f) <= max_df).count();
                    if shared >= min_shared && shared > 0 {
                        want.push((a as u32, b as u32));
                    }
                }
            }
            prop_assert_eq!(got, want);
        }
    }
}
