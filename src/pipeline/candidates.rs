//! Stages 2 and 3 of the pipeline, exact duplicates and candidates:
//! [`Sketches::candidates`] groups the documents whose normalised texts are
//! identical, finds candidate pairs by LSH banding (near path) and in the
//! fingerprint indexes (reuse and rewrite paths), and repeats each pair for
//! the exact copies of its documents. The [`Candidates`] it gives are
//! verified and aligned in `pairs.rs`.

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;

use super::{cpu_seconds, DocSketch, Params, Progress, Sketches, Stats, Timings};
use crate::config::Config;
use crate::lsh;
use crate::minhash;
use crate::reuse::{self, SourceBoilerplate};
use crate::Error;

impl<'c> Sketches<'c> {
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
            screens,
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
            if !screens.is_empty() {
                // The near path alone: a pair whose screen bytes rule out
                // the threshold is not worth reading back and verifying.
                let k = params.num_perm;
                let screen = |d: u32| &screens[d as usize * k..][..k];
                candidates = candidates
                    .into_par_iter()
                    .filter(|&(a, b)| minhash::may_reach(screen(a), screen(b), params.threshold))
                    .collect();
                stats.screened_out = stats.near_candidates - candidates.len();
            }
        }
        drop(band_keys);
        drop(screens);
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
            if let Some(rewrites) = config.rewrite_path() {
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
        // Pairs the screen ruled out are counted: they were candidates.
        stats.candidates = candidates.len() + stats.screened_out;
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

/// The pairs a scan verifies and aligns (stages 4 to 6), from
/// [`Sketches::candidates`].
pub struct Candidates<'c> {
    pub(super) config: &'c Config,
    pub(super) params: Params,
    pub(super) sketches: Vec<DocSketch>,
    /// Sorted by `(a, b)`.
    pub(super) pairs_to_do: Vec<ToDo>,
    /// Each source's boilerplate, when documents have sources.
    pub(super) boilerplate: Option<SourceBoilerplate>,
    pub(super) stats: Stats,
    pub(super) timings: Timings,
    /// CPU seconds per stage (as `timings`).
    pub(super) cpu: Timings,
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
}

/// A pair to verify and align: `a < b`, or an exact copy (scores known).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct ToDo {
    pub(super) a: u32,
    pub(super) b: u32,
    pub(super) exact: bool,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{scan, NoProgress, PairKind};
    use crate::source::Document;
    use crate::DocId;
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

    /// A paraphrase that shares no run of ten identical words with its
    /// source is no candidate of the winnowed shingles, and is one of the
    /// rewrite path (content words, stop words aside) at four shared
    /// bigrams.
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
        assert!(pairs(&Config { rewrites: None, ..Config::default() }).is_empty());
        let four = crate::config::Rewrites { min_shared: 4, ..crate::config::Rewrites::default() };
        let rewrites = Config { rewrites: Some(four), ..Config::default() };
        assert_eq!(pairs(&rewrites), [(0, 2)]);
        // Mode near has no partial-reuse path, so no rewrite path either:
        // its settings are valid and left out of the parameters.
        assert_eq!(Params::resolve(&rewrites).unwrap().rewrites, Some(four));
        let near = Config { mode: crate::config::Mode::Near, ..rewrites };
        assert_eq!(Params::resolve(&near).unwrap().rewrites, None);
    }

    /// The near path alone screens its LSH candidates: pairs far under the
    /// threshold are ruled out before verification, and the scan still
    /// reports every pair well above it (against the exact Jaccard
    /// similarity of every pair) and only pairs at or above it.
    #[test]
    fn screening_rules_out_far_candidates_and_keeps_the_near_duplicates() {
        // Documents of four 150-word segments out of ten: two that share
        // one or two segments (Jaccard about 0.14 or 0.33) are often LSH
        // candidates. Every fifth has a copy with one word in fifty replaced.
        let mut state = 11u64;
        let mut next = move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        let pool: Vec<Vec<String>> =
            (0..10).map(|_| (0..150).map(|_| format!("w{}", next() % 5000)).collect()).collect();
        let mut docs = Vec::new();
        for i in 0..40 {
            let mut segments: Vec<usize> = Vec::new();
            while segments.len() < 4 {
                let s = next() as usize % pool.len();
                if !segments.contains(&s) {
                    segments.push(s);
                }
            }
            let mut words: Vec<String> = segments.iter().flat_map(|&s| pool[s].clone()).collect();
            docs.push(Document::new(format!("d{i}"), words.join(" ")));
            if i % 5 == 0 {
                words.iter_mut().step_by(50).enumerate().for_each(|(j, w)| *w = format!("edit{j}"));
                docs.push(Document::new(format!("d{i}-edited"), words.join(" ")));
            }
        }
        let config = Config { mode: crate::config::Mode::Near, ..Config::default() };
        let scan = scan(&docs, &config).unwrap();
        let sets: Vec<Vec<u64>> =
            docs.iter().map(|d| crate::shingle::shingle_set(&crate::text::tokenize(&d.text), 5)).collect();
        let jaccard = |a: u32, b: u32| crate::verify::jaccard(&sets[a as usize], &sets[b as usize]);
        let got: Vec<(u32, u32)> = scan.pairs.iter().map(|p| (p.a.0, p.b.0)).collect();
        assert!(got.iter().all(|&(a, b)| jaccard(a, b) >= config.threshold));
        let n = docs.len() as u32;
        let well_above: Vec<(u32, u32)> = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .filter(|&(a, b)| jaccard(a, b) >= 0.75)
            .collect();
        assert!(well_above.len() >= 8, "the edited copies: {well_above:?}");
        assert!(well_above.iter().all(|p| got.contains(p)), "{well_above:?} {got:?}");
        assert!(scan.stats.screened_out > 0, "{:?}", scan.stats);
        // Screened pairs still count as candidates.
        assert_eq!(scan.stats.candidates, scan.stats.near_candidates);
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
}
