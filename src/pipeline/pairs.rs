//! Stages 4 to 6 of the pipeline: [`Candidates::run`] verifies each
//! candidate pair (exact Jaccard and containments), aligns the passages of
//! those it reports, marks or drops their sources' boilerplate and hands
//! the pairs to a [`PairSink`] a batch at a time; then it clusters the
//! duplicates (and, with `--origin`, makes the stories). How the pairs are
//! batched, and which texts each batch reads back, is `plan.rs`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::candidates::ToDo;
use super::plan::{batches, BatchTexts, Plan, PAIR_BATCH};
use super::tokens::{BatchTokens, TOKEN_CACHE_BYTES};
use super::{
    cpu_seconds, Candidates, DocSketch, Pair, PairKind, PairSink, Params, Progress, Scan, ScanSummary,
};
use crate::align::{AlignConfig, Aligner};
use crate::cluster;
use crate::config::Config;
use crate::origin::{self, Link};
use crate::reuse::{self, SourceBoilerplate};
use crate::shingle;
use crate::source::{Document, ReadOptions};
use crate::text::{Token, Tokenizer};
use crate::verify::Measure;
use crate::{DocId, Error, Span};

#[cfg(doc)]
use super::{Sketches, TEXT_BATCH_BYTES};
#[cfg(doc)]
use crate::source::Visit;

impl Candidates<'_> {
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
                    let tokens = BatchTokens::make(batch, &texts, &sketches, TOKEN_CACHE_BYTES, &spent[0]);
                    let batch_work = Batch { texts: &texts, tokens: &tokens };
                    Ok(batch
                        .par_iter()
                        .map_init(
                            || PairWorker::new(&config.align),
                            |w, &todo| w.pair(&work, &batch_work, todo, &distinct, &spent),
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
        let mut pairs = Collect(Vec::new());
        let ScanSummary { params, sketches, clusters, links, stories, stats } =
            self.run(docs, progress, &mut pairs)?;
        Ok(Scan { params, sketches, pairs: pairs.0, clusters, links, stories, stats })
    }
}

/// A sink that keeps every pair, in order.
pub(super) struct Collect(pub(super) Vec<Pair>);

impl PairSink for Collect {
    fn begin(&mut self, _: &Params, _: &[DocSketch]) -> Result<(), Error> {
        Ok(())
    }
    fn pairs(&mut self, batch: Vec<Pair>) -> Result<(), Error> {
        self.0.extend(batch);
        Ok(())
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

/// What every pair worker reads of the batch: its texts, and the tokens
/// made once for it.
struct Batch<'b, 'd> {
    texts: &'b BatchTexts<'d>,
    tokens: &'b BatchTokens,
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
    /// Tokenises `text`, document `d`, or copies its tokens from `made`.
    fn load(&mut self, tokenizer: &mut Tokenizer, made: &BatchTokens, d: u32, text: &str, spans: bool) {
        if made.copy(d, &mut self.tokens) {
            self.hashes.clear();
            self.hashes.extend(self.tokens.iter().map(|t| t.hash));
        } else if spans {
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
        batch: &Batch<'_, '_>,
        todo: ToDo,
        distinct: &[AtomicUsize],
        spent: &[AtomicU64; 2],
    ) -> Option<Pair> {
        let Work { docs, params, config, boilerplate, .. } = *work;
        let clock = Instant::now();
        let ToDo { a, b, exact } = todo;
        let texts = batch.texts;
        let (text_a, text_b) = (texts.get(a), texts.get(b));
        let n = params.shingle_size;
        if self.last_a != Some(a) {
            self.a.load(&mut self.tokenizer, batch.tokens, a, text_a, config.passages);
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
        self.b.load(&mut self.tokenizer, batch.tokens, b, text_b, config.passages);
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
    use crate::pipeline::{scan, scan_streaming, NoProgress};

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
        assert_eq!(crate::pipeline::scan(&plain, &Config::default()).unwrap().pairs.len(), 15);
    }
}
