//! `reprint index add|query|stats|remove`: the persistent index
//! ([`reprint::index`]) from the command line.
//!
//! Index parameters given as flags are fixed when the index is created; on
//! an existing index a flag left out takes the recorded value and one given
//! with another value is refused, naming the parameter.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use reprint::align::AlignConfig;
use reprint::config::MinHashAlgorithm;
use reprint::index::{AddStats, Index, QueryResult, DEFAULT_LIMIT, MAX_SEGMENTS};
use reprint::pipeline::{Params, Stats};
use reprint::report::{self, DocumentEntry, OriginEntry, PairEntry, Report, ReportStats, SCHEMA};
use reprint::{Config, Error};

use super::output::Output;
use super::progress::Bar;
use super::{FormatArg, InputArgs, MinHashArg};
use reprint::pipeline::Progress;

/// Exit code: success, or a match found.
const FOUND: u8 = 0;
/// Exit code: no match (query), or an id not in the index (remove).
const NONE: u8 = 1;
/// Exit code: some input was skipped.
const ERROR: u8 = 2;

#[derive(Debug, Args)]
#[command(after_long_help = "\
Examples:
  reprint index add --index refs/ archive.jsonl
  reprint index query --index refs/ today/ --format json
  reprint index stats --index refs/
  reprint index remove --index refs/ doc17 doc42
  reprint index compact --index refs/
  reprint index add --index refs/ archive.jsonl --date-field date --source-field site
  reprint index query --index refs/ today.jsonl --date-field date --format json

With --date-field, --source-field or --metadata, add stores each document's
date and source, and query reports them for the indexed documents and gives
each match its origin (which side the text came from: by date when the dates
differ, else by the texts, else unknown), as a scan does.

The index is one SQLite file, DIR/index.sqlite. Each batch of an add is one
transaction: a crash loses at most the batch in flight. Queries may run while
an add is in progress; they see the batches committed so far. An add merges
posting segments only once more than 16 exist; `compact` merges them so that
queries read fewer.")]
pub struct IndexArgs {
    #[command(subcommand)]
    pub command: IndexCommand,
}

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Add documents (created with the given parameters if DIR holds no
    /// index). An id already held with the same text is left alone; with
    /// other text it is replaced.
    Add(AddArgs),
    /// Report, for each input document, the indexed documents it
    /// near-duplicates or reuses, most reused first (exit 0 if any, 1 if
    /// none, 2 on error).
    Query(QueryArgs),
    /// Documents, size on disk and parameters of an index.
    Stats(StatsArgs),
    /// Remove documents by id.
    Remove(RemoveArgs),
    /// Merge posting segments (an add merges only past 16 segments), so
    /// that queries read fewer; drops the postings of removed documents.
    Compact(CompactArgs),
}

#[derive(Debug, Args)]
pub struct CompactArgs {
    #[command(flatten)]
    pub dir: IndexDir,
}

#[derive(Debug, Args)]
pub struct IndexDir {
    /// The index directory.
    #[arg(long, required = true, value_name = "DIR")]
    pub index: PathBuf,
}

/// The parameters an index records. Left out: the recorded value (or the
/// default when creating).
#[derive(Debug, Args)]
pub struct IndexParams {
    /// Words per shingle [default when creating: 5].
    #[arg(long, value_name = "N")]
    pub shingle_size: Option<usize>,
    /// MinHash signature length [default when creating: 128].
    #[arg(long, value_name = "K")]
    pub num_perm: Option<usize>,
    /// Seed of every hash function [default when creating: 24301].
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// MinHash algorithm [default when creating: oph].
    #[arg(long, value_enum)]
    pub minhash: Option<MinHashArg>,
    /// Jaccard threshold for near-duplicates [default when creating: 0.5].
    #[arg(long, value_name = "J")]
    pub threshold: Option<f64>,
    /// LSH bands (with --rows; otherwise chosen from --threshold).
    #[arg(long, requires = "rows", value_name = "B")]
    pub bands: Option<usize>,
    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands", value_name = "R")]
    pub rows: Option<usize>,
    /// Weight of false negatives when bands and rows are chosen at creation.
    #[arg(long, value_name = "W")]
    pub fn_weight: Option<f64>,
    /// Winnowing window of the partial-reuse path [default when creating: 6].
    #[arg(long, value_name = "W")]
    pub winnow_window: Option<usize>,
    /// Fingerprints in more indexed documents than this make no
    /// partial-reuse candidate [default when creating: 50].
    #[arg(long, value_name = "N")]
    pub max_df: Option<usize>,
    /// Fingerprints shared with an indexed document that make it a
    /// partial-reuse candidate [default when creating: 3].
    #[arg(long, value_name = "N")]
    pub min_shared: Option<usize>,
}

impl IndexParams {
    /// `base` with every given flag applied.
    fn over(&self, base: &Config) -> Config {
        let mut c = base.clone();
        if let Some(v) = self.shingle_size {
            c.shingle_size = v;
        }
        if let Some(v) = self.num_perm {
            c.num_perm = v;
        }
        if let Some(v) = self.seed {
            c.seed = v;
        }
        if let Some(v) = self.minhash {
            c.minhash = match v {
                MinHashArg::Oph => MinHashAlgorithm::OnePermutation,
                MinHashArg::Kperm => MinHashAlgorithm::KPermutation,
            };
        }
        if let Some(v) = self.threshold {
            c.threshold = v;
        }
        if self.bands.is_some() {
            (c.bands, c.rows) = (self.bands, self.rows);
        }
        if let Some(v) = self.fn_weight {
            c.false_negative_weight = v;
        }
        if let Some(v) = self.winnow_window {
            c.winnow_window = v;
        }
        if let Some(v) = self.max_df {
            c.max_df = v;
        }
        if let Some(v) = self.min_shared {
            c.min_shared = v;
        }
        c
    }
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub dir: IndexDir,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub params: IndexParams,
    /// Documents per transaction: a crash loses at most one batch.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub batch_size: usize,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar or summary on stderr (problems and replacements are
    /// still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub dir: IndexDir,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub params: IndexParams,
    /// Least containment (the larger of the two) of a reuse match.
    #[arg(long, default_value_t = 0.0, value_name = "C")]
    pub min_containment: f64,
    /// Least matched words of a reported passage (a Han character counts
    /// half a word, a kana or Thai character a third).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub min_words: usize,
    /// Candidates scored exactly and aligned per queried document: those
    /// sharing the largest share of its fingerprints or LSH bands (0: all).
    #[arg(long, default_value_t = DEFAULT_LIMIT, value_name = "N")]
    pub limit: usize,
    /// Output format (html is not offered: it needs both texts)
    /// [default: from the extension of --output, else text].
    #[arg(long, value_enum, ignore_case = true)]
    pub format: Option<QueryFormat>,
    /// Write the report to FILE instead of stdout (- for stdout); .json,
    /// .jsonl, .csv or .txt choose the format.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar or summary on stderr (problems, and candidates left
    /// out by --limit, are still said).
    #[arg(long, short)]
    pub quiet: bool,
    /// With a metadata flag: say why each match's origin is what it is
    /// (the report's origin_why).
    #[arg(long)]
    pub explain: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    Text,
    Json,
    Jsonl,
    Csv,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub dir: IndexDir,
    /// Output format [default: from the extension of --output, else text].
    #[arg(long, value_enum, ignore_case = true)]
    pub format: Option<StatsFormat>,
    /// Write the statistics to FILE instead of stdout (- for stdout); .json
    /// or .txt choose the format.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StatsFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub dir: IndexDir,
    /// Ids of the documents to remove.
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

pub fn run(args: IndexArgs) -> Result<u8, Error> {
    match args.command {
        IndexCommand::Add(a) => add(a),
        IndexCommand::Query(a) => query(a),
        IndexCommand::Stats(a) => stats(a),
        IndexCommand::Remove(a) => remove(a),
        IndexCommand::Compact(a) => compact(a),
    }
}

/// Opens the index in `dir` and checks the given parameters against it.
fn open(dir: &Path, params: &IndexParams) -> Result<(Index, Config), Error> {
    let index = Index::open(dir)?;
    let config = params.over(index.config());
    index.check(&config)?;
    Ok((index, config))
}

fn add(args: AddArgs) -> Result<u8, Error> {
    if args.batch_size == 0 {
        return Err(Error::Config("--batch-size must be at least 1".into()));
    }
    let dir = &args.dir.index;
    let (mut index, _) = if Index::exists(dir) {
        open(dir, &args.params)?
    } else {
        // An index keeps the exact path's fingerprints only.
        let config = args.params.over(&Config { rewrites: None, ..Config::default() });
        (Index::create(dir, &config)?, config)
    };
    let bar = Bar::new(args.quiet);
    bar.message("reading");
    let (mut loaded, skipped, _) = bar.suspend(|| crate::read(&args.input, args.threads, false))?;
    if let Some(csv) = &args.input.metadata {
        bar.suspend(|| crate::apply_metadata(csv, &mut loaded.documents))?;
    }
    let clock = std::time::Instant::now();
    let (documents, batch_size) = (&loaded.documents, args.batch_size);
    bar.stage("add", documents.len() as u64);
    let progress = &bar;
    // The connection is not shared between threads: move it to the pool.
    let (index, total) = crate::with_pool(args.threads, move || -> Result<(Index, AddStats), Error> {
        let mut total = AddStats::default();
        for batch in documents.chunks(batch_size) {
            let done = index.add(batch)?;
            progress.suspend(|| {
                for id in &done.replaced {
                    eprintln!("reprint: replaced {} (its text changed)", report::terminal::escape(id));
                }
            });
            total.merge(done);
            index.compact_over(MAX_SEGMENTS)?;
            progress.advance(batch.len() as u64);
        }
        Ok((index, total))
    })??;
    bar.finish();
    if !args.quiet {
        let held = index.stats()?.documents;
        eprintln!(
            "reprint: added {}, replaced {}, unchanged {}, skipped {} in {:.1} s; the index holds {} documents",
            total.added,
            total.replaced.len(),
            total.unchanged,
            skipped,
            clock.elapsed().as_secs_f64(),
            held
        );
    }
    Ok(if skipped > 0 { ERROR } else { FOUND })
}

fn query(args: QueryArgs) -> Result<u8, Error> {
    let (index, config) = open(&args.dir.index, &args.params)?;
    // Any metadata flag turns origins on, as in a scan.
    let config = Config {
        min_containment: args.min_containment,
        align: AlignConfig { min_words: args.min_words, explain: args.explain, ..Config::default().align },
        origin: args.input.has_metadata(),
        ..config
    };
    config.validate()?;
    let params = Params::resolve(&config)?;
    let output = Output::new(args.output.as_deref());
    let query_format = super::output::choose(args.format, &output, QueryFormat::Text)?;
    let bar = Bar::new(args.quiet);
    bar.message("reading");
    let (loaded, skipped, mut warnings) = bar.suspend(|| crate::read(&args.input, args.threads, false))?;
    let mut docs = loaded.documents;
    if let Some(csv) = &args.input.metadata {
        warnings += bar.suspend(|| crate::apply_metadata(csv, &mut docs))?;
    }
    bar.stage("query", docs.len() as u64);
    let (docs_ref, config_ref, limit, progress) = (&docs, &config, args.limit, &bar);
    // The connection is not shared between threads: move it to the pool.
    let results: Vec<QueryResult> = crate::with_pool(args.threads, move || {
        docs_ref
            .iter()
            .map(|d| {
                let result = index.query_with(&d.text, d.meta(), config_ref, limit);
                progress.advance(1);
                result
            })
            .collect::<Result<Vec<_>, Error>>()
    })??;
    bar.finish();

    let mut stats = Stats { documents: docs.len(), ..Stats::default() };
    let mut documents: Vec<DocumentEntry<'_>> = Vec::new();
    for (d, r) in docs.iter().zip(&results) {
        stats.bytes += d.text.len();
        stats.words += r.words;
        stats.empty_documents += usize::from(r.words == 0);
        stats.candidates += r.candidates;
        documents.push(DocumentEntry::new(d, r.words));
    }
    let mut seen = std::collections::HashSet::new();
    let mut pairs = Vec::new();
    for (d, r) in docs.iter().zip(&results) {
        for m in &r.matches {
            if seen.insert(m.id.as_str()) {
                documents.push(DocumentEntry {
                    id: &m.id,
                    source: "index",
                    bytes: m.bytes,
                    words: m.words,
                    // Without metadata flags the report is as before.
                    date: m.meta.date.as_ref().filter(|_| config.origin),
                    publisher: m.meta.source.as_deref().filter(|_| config.origin),
                });
            }
            stats.budget_exhausted += usize::from(m.budget_exhausted);
            pairs.push(PairEntry {
                a: &d.id,
                b: &m.id,
                kind: m.kind.name(),
                jaccard: m.jaccard,
                containment_a: m.containment_a,
                containment_b: m.containment_b,
                passages: &m.passages,
                budget_exhausted: m.budget_exhausted,
                origin: m.origin.as_ref().map(|o| OriginEntry {
                    origin: o.side,
                    origin_evidence: o.evidence,
                    origin_why: &o.why,
                    sides: [
                        (d.meta().date.as_ref(), d.meta().source.as_deref()),
                        (m.meta.date.as_ref(), m.meta.source.as_deref()),
                    ],
                }),
            });
        }
    }
    stats.pairs = pairs.len();
    let past_limit =
        |r: &QueryResult| if args.limit == 0 { 0 } else { r.candidates.saturating_sub(args.limit) };
    let left_out: usize = results.iter().map(past_limit).sum();
    let report = Report {
        schema: SCHEMA,
        params: &params,
        documents,
        pairs,
        clusters: Vec::new(),
        stories: None,
        publishers: None,
        stats: ReportStats { skipped, warnings, scan: &stats, candidates_left_out: Some(left_out) },
    };
    if left_out > 0 {
        // Not a summary: said even with --quiet.
        let short = results.iter().filter(|r| past_limit(r) > 0).count();
        eprintln!(
            "reprint: --limit {} left out {left_out} of the {} candidates found, for {short} of {} queried \
             documents; --limit 0 scores them all",
            args.limit,
            stats.candidates,
            docs.len()
        );
    }
    let format = match query_format {
        QueryFormat::Text => FormatArg::Text,
        QueryFormat::Json => FormatArg::Json,
        QueryFormat::Jsonl => FormatArg::Jsonl,
        QueryFormat::Csv => FormatArg::Csv,
    };
    let mut out = output.open()?;
    report::write(&report, format.format(), &mut out)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(output.name(), e))?;
    if !args.quiet && (output.path().is_some() || query_format != QueryFormat::Text) {
        eprintln!("reprint: {}", report::terminal::summary(&report));
    }
    Ok(crate::exit_code(skipped, !report.pairs.is_empty()))
}

fn stats(args: StatsArgs) -> Result<u8, Error> {
    let output = Output::new(args.output.as_deref());
    let format = super::output::choose(args.format, &output, StatsFormat::Text)?;
    let index = Index::open(&args.dir.index)?;
    let s = index.stats()?;
    let mut out = output.open()?;
    let written = match format {
        StatsFormat::Json => serde_json::to_writer_pretty(&mut out, &s)
            .map_err(io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
        StatsFormat::Text => {
            let per_doc = s.bytes_on_disk.checked_div(s.documents).unwrap_or(0);
            let mut text = format!(
                "documents         {}\nwords             {}\nsegments          {}\nbytes on disk     {} ({} per document)\n",
                s.documents, s.words, s.segments, s.bytes_on_disk, per_doc
            );
            for (k, v) in &s.params {
                text.push_str(&format!("{k:<17} {v}\n"));
            }
            out.write_all(text.as_bytes())
        }
    };
    written.and_then(|()| out.flush()).map_err(|e| Error::io(output.name(), e))?;
    Ok(FOUND)
}

fn remove(args: RemoveArgs) -> Result<u8, Error> {
    let mut index = Index::open(&args.dir.index)?;
    let missing = index.remove(&args.ids)?;
    for id in &missing {
        eprintln!("reprint: {}: not in the index", report::terminal::escape(id));
    }
    eprintln!("reprint: removed {} of {} ids", args.ids.len() - missing.len(), args.ids.len());
    Ok(if missing.is_empty() { FOUND } else { NONE })
}

fn compact(args: CompactArgs) -> Result<u8, Error> {
    let mut index = Index::open(&args.dir.index)?;
    let before = index.stats()?.segments;
    let clock = std::time::Instant::now();
    let merges = index.compact()?;
    let after = index.stats()?.segments;
    eprintln!(
        "reprint: {merges} merges in {:.1} s: {before} segments before, {after} after",
        clock.elapsed().as_secs_f64()
    );
    Ok(FOUND)
}
