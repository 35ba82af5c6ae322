//! The command line: clap structs that mirror the flags, turned into the
//! library's validated [`reprint::Config`] and [`reprint::source::ReadOptions`].

pub mod compare;
pub mod distributed;
pub mod eval;
pub mod index;
pub mod output;
pub mod progress;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use reprint::align::AlignConfig;
use reprint::config::{Keep, MinHashAlgorithm, Mode, Rewrites};
use reprint::lang::LanguageSetting;
use reprint::report::Format;
use reprint::source::ReadOptions;
use reprint::Config;

/// Find near-duplicate and reused text in a collection of documents.
///
/// Exit codes: 0 pairs found (scan) or success (dedup); 1 no pair found;
/// 2 an error, or some input was skipped (the report is still written).
#[derive(Debug, Parser)]
#[command(name = "reprint", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find near-duplicate pairs and partial reuse (excerpts, condensed
    /// rewrites) and report them with their reused passages.
    Scan(ScanArgs),
    /// Write the documents that are not near-duplicates of a kept one (one
    /// or more per cluster, plus every document without duplicates) as
    /// JSONL.
    Dedup(DedupArgs),
    /// Show the reused passages of two documents (two files, or two ids of
    /// a JSONL file with --jsonl).
    Compare(compare::CompareArgs),
    /// Score a report's passages against labelled ones (PAN plagdet).
    Eval(eval::EvalArgs),
    /// A persistent index: add documents over time, then ask which indexed
    /// documents a new one near-duplicates or reuses.
    Index(index::IndexArgs),
    /// Per document (JSONL on stdin), its candidate keys: LSH band keys and
    /// winnowed fingerprints, for engines that group them (e.g. Spark).
    Sketch(distributed::SketchArgs),
    /// Score and align candidate pairs (JSONL on stdin) as scan does.
    AlignPairs(distributed::AlignPairsArgs),
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files, directories (read recursively, in sorted order), JSONL files
    /// (.jsonl, .ndjson, .jsonl.gz) or - for stdin (JSONL when its first
    /// non-blank line starts with {, else one plain text document).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// JSONL field holding the document id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// JSONL field holding the document text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// JSONL field holding each document's publication date: ISO 8601, a
    /// date (2024-03-01) or a date and time with or without an offset
    /// (2024-03-01T10:00:00+02:00; without one, UTC). A missing or bad
    /// date is named in a warning and unknown. Turns on --origin.
    #[arg(long, value_name = "NAME")]
    pub date_field: Option<String>,
    /// JSONL field holding each document's source (site, publisher or
    /// author; a string or a number). Text a source repeats across its
    /// documents (a footer) is its boilerplate. Turns on --origin.
    #[arg(long, value_name = "NAME")]
    pub source_field: Option<String>,
    /// Dates and sources of text files: a CSV file with the header
    /// path,date,source (paths as given on the command line, or relative
    /// to the current directory). Turns on --origin.
    #[arg(long, value_name = "FILE.csv")]
    pub metadata: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanParams {
    /// Words per shingle.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub shingle_size: usize,
    /// MinHash signature length.
    #[arg(long, default_value_t = 128, value_name = "K")]
    pub num_perm: usize,
    /// Seed of every hash function.
    #[arg(long, default_value_t = 0x5EED, value_name = "SEED")]
    pub seed: u64,
    /// MinHash algorithm: one-permutation hashing with densification, or
    /// k independent permutations.
    #[arg(long, value_enum, default_value_t = MinHashArg::Oph)]
    pub minhash: MinHashArg,
    /// Jaccard threshold for near-duplicates, in (0, 1].
    #[arg(long, default_value_t = 0.5, value_name = "J")]
    pub threshold: f64,
    /// LSH bands (with --rows; otherwise chosen from --threshold).
    #[arg(long, requires = "rows", value_name = "B")]
    pub bands: Option<usize>,
    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands", value_name = "R")]
    pub rows: Option<usize>,
    /// Weight of false negatives against false positives when bands and
    /// rows are chosen from --threshold, in (0, 1).
    #[arg(long, default_value_t = 0.95, value_name = "W")]
    pub fn_weight: f64,
    /// LSH buckets larger than this are linked, not expanded into every pair.
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub max_bucket: usize,
    /// Which member represents a cluster (and is kept by dedup): the first
    /// in input order (inputs in command-line order, directories in path
    /// order, JSONL in line order: name the originals first), the one with
    /// the most words, or the earliest dated (with --date-field or
    /// --metadata; undated members count as latest, ties go to input
    /// order).
    #[arg(long, value_enum, default_value_t = KeepArg::First)]
    pub keep: KeepArg,
    /// Candidate paths: near (MinHash + LSH), reuse (winnowed-fingerprint
    /// index, for excerpts and condensed rewrites), or all.
    #[arg(long, value_enum, default_value_t = ModeArg::All)]
    pub mode: ModeArg,
    /// Winnowing window of the partial-reuse path, in shingles: any shared
    /// run of at least window + shingle size - 1 words is caught.
    #[arg(long, default_value_t = 6, value_name = "W")]
    pub winnow_window: usize,
    /// Fingerprints in more documents than this are boilerplate or stock
    /// phrases and make no partial-reuse candidate.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub max_df: usize,
    /// Fingerprints two documents must share to be a partial-reuse candidate.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub min_shared: usize,
    /// Least containment of a partial-reuse pair (the larger of its two
    /// containments); 0 reports every pair with an aligned passage. Raise it
    /// (e.g. 0.1) on corpora full of incidental shared snippets.
    #[arg(long, default_value_t = 0.0, value_name = "C")]
    pub min_containment: f64,
    /// Find rewrites (paraphrases, translations, summaries) as
    /// partial-reuse candidates too: fingerprints over n-grams of content
    /// words (stop words dropped), so a pair needs no run of ten identical
    /// words to be aligned. On by default in modes reuse and all (the flag
    /// is kept for scripts); see docs/reuse-path-measurements.md.
    #[arg(long, overrides_with = "no_rewrites")]
    pub rewrites: bool,
    /// Turn the rewrite path off: partial-reuse candidates only from runs
    /// of ten identical words; faster where most reuse is rewritten (it is
    /// then not found).
    #[arg(long)]
    pub no_rewrites: bool,
    /// Content words per n-gram of the rewrite path.
    #[arg(long, default_value_t = Rewrites::default().ngram, value_name = "N", conflicts_with = "no_rewrites")]
    pub rewrite_ngram: usize,
    /// Winnowing window over the rewrite path's n-grams (1 keeps them all).
    #[arg(long, default_value_t = Rewrites::default().window, value_name = "W", conflicts_with = "no_rewrites")]
    pub rewrite_window: usize,
    /// Rewrite-path n-grams in more documents than this make no candidate.
    #[arg(long, default_value_t = Rewrites::default().max_df, value_name = "N", conflicts_with = "no_rewrites")]
    pub rewrite_max_df: usize,
    /// Rewrite-path n-grams two documents must share to be a candidate
    /// (4 finds more rewrites, for more candidates to align).
    #[arg(long, default_value_t = Rewrites::default().min_shared, value_name = "N", conflicts_with = "no_rewrites")]
    pub rewrite_min_shared: usize,
    /// Least matched words of a reported passage (a Han character counts
    /// half a word, a kana or Thai character a third).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub min_words: usize,
    /// Also find rewritten passages sentence by sentence (words matched by
    /// stem, stop words aside): paraphrases, translations, summaries.
    /// `compare` and `eval --pan` always do; in a scan it costs more time.
    #[arg(long)]
    pub sentences: bool,
    /// Decide the origin of each pair (which side the text came from: by
    /// date, else by the texts, else unknown) and link the pairs into
    /// stories. On with any of --date-field, --source-field, --metadata.
    #[arg(long)]
    pub origin: bool,
    /// Text found in at least N documents of one source is that source's
    /// boilerplate (with --source-field or --metadata): it makes no pair on
    /// its own. 0 turns it off.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub source_boilerplate: usize,
    /// Language of the words for --sentences: auto (detected per document
    /// from its stop words), none (exact forms) or an ISO 639-1 code.
    #[arg(long, default_value = "auto", value_name = "CODE", value_parser = parse_language)]
    pub language: LanguageSetting,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bars or summary on stderr (problems are still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = "\
Examples:
  reprint scan fixtures/seeds
  reprint scan articles/ -o report.html              # the format from the extension
  reprint scan corpus.jsonl --format json -o report.json
  reprint scan corpus.jsonl.gz --mode near --threshold 0.8 --format csv
  cat page.txt | reprint scan - archive/             # text on stdin (JSONL if it starts with {)

The text report lists pairs most reused first; `reprint compare A B` shows a
pair's passages.

Exit codes: 0 pairs found; 1 no pair found; 2 an error, or some input was
skipped (an unreadable or binary file, a bad JSONL line, an empty directory;
the report is still written).")]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub params: ScanParams,
    /// Output format [default: from the extension of --output, else text].
    #[arg(long, value_enum, ignore_case = true)]
    pub format: Option<FormatArg>,
    /// Write the report to FILE instead of stdout (- for stdout); .json,
    /// .jsonl, .csv, .html or .txt choose the format.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Include per-stage seconds in the report's stats, and as a line of
    /// the text report (reports are otherwise byte-identical from run to
    /// run).
    #[arg(long)]
    pub timings: bool,
    /// Report scores only, without aligning passages (faster; needs
    /// `--mode near`, since partial reuse is confirmed by its passages).
    #[arg(long)]
    pub no_passages: bool,
    /// Also write the publishers' view as a CSV edge list (Source, Target,
    /// Weight = words reused, documents, pairs), as Gephi and other network
    /// tools read it. Needs sources (--source-field or --metadata).
    #[arg(long, value_name = "FILE.csv")]
    pub publishers: Option<PathBuf>,
    /// With --origin: say why each pair's origin is what it is (the
    /// report's origin_why).
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = "\
How clusters are formed: documents are joined by their near-duplicate pairs
(exact Jaccard at or above --threshold on word shingles, found by MinHash and
LSH); a cluster is a connected group. Jaccard is not transitive, so a chain
a ~ b ~ c can join a and c when they differ: dedup does not follow the chain.
Members are taken in --keep order (the first in input order, or the longest),
and a document is dropped only if it is itself a near-duplicate of a document
already kept (its duplicate_of in --clusters); any other member is kept, so a
chain is split where its ends differ.

Examples:
  reprint dedup corpus.jsonl -o deduped.jsonl
  reprint dedup originals/ crawl/ -o kept.jsonl --clusters clusters.jsonl
  reprint dedup corpus.jsonl --threshold 0.8 --keep longest -o - | wc -l

Exit codes: 0 success; 2 an error, or some input was skipped (the kept
documents are still written).")]
pub struct DedupArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub params: ScanParams,
    /// Where to write the kept records (JSONL; - for stdout).
    #[arg(long, short, required = true, value_name = "OUT.jsonl")]
    pub output: PathBuf,
    /// Also write each document's cluster as JSONL: {"id", "cluster",
    /// "kept", "duplicate_of"}.
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Jsonl,
    Csv,
    Html,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MinHashArg {
    Oph,
    Kperm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Near,
    Reuse,
    All,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KeepArg {
    First,
    Longest,
    Earliest,
}

impl FormatArg {
    pub fn format(self) -> Format {
        match self {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
            FormatArg::Html => Format::Html,
        }
    }
}

impl InputArgs {
    pub fn read_options(&self, keep_records: bool) -> ReadOptions {
        ReadOptions {
            id_field: self.id_field.clone(),
            text_field: self.text_field.clone(),
            keep_records,
            date_field: self.date_field.clone(),
            source_field: self.source_field.clone(),
        }
    }

    /// Whether any metadata is read.
    pub fn has_metadata(&self) -> bool {
        self.date_field.is_some() || self.source_field.is_some() || self.metadata.is_some()
    }
}

impl ScanParams {
    /// The library config these flags describe (validated by the library).
    pub fn config(&self) -> Config {
        Config {
            shingle_size: self.shingle_size,
            num_perm: self.num_perm,
            seed: self.seed,
            minhash: match self.minhash {
                MinHashArg::Oph => MinHashAlgorithm::OnePermutation,
                MinHashArg::Kperm => MinHashAlgorithm::KPermutation,
            },
            threshold: self.threshold,
            bands: self.bands,
            rows: self.rows,
            false_negative_weight: self.fn_weight,
            max_bucket: self.max_bucket,
            keep: match self.keep {
                KeepArg::First => Keep::First,
                KeepArg::Longest => Keep::Longest,
                KeepArg::Earliest => Keep::Earliest,
            },
            mode: match self.mode {
                ModeArg::Near => Mode::Near,
                ModeArg::Reuse => Mode::Reuse,
                ModeArg::All => Mode::All,
            },
            winnow_window: self.winnow_window,
            max_df: self.max_df,
            min_shared: self.min_shared,
            min_containment: self.min_containment,
            rewrites: (!self.no_rewrites).then_some(Rewrites {
                ngram: self.rewrite_ngram,
                window: self.rewrite_window,
                max_df: self.rewrite_max_df,
                min_shared: self.rewrite_min_shared,
            }),
            align: AlignConfig {
                min_words: self.min_words,
                sentences: self.sentences,
                language: self.language,
                ..Config::default().align
            },
            origin: self.origin,
            source_boilerplate: self.source_boilerplate,
            ..Config::default()
        }
    }
}

/// Parses `--language`.
pub fn parse_language(s: &str) -> Result<LanguageSetting, String> {
    LanguageSetting::parse(s)
}
