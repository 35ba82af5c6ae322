//! `reprint compare`: two documents (two files, or two ids of a JSONL file)
//! in; their scores and reused passages out, as the passage view
//! ([`reprint::report::passages`]), JSON or JSONL (the `scan` report shape,
//! with one pair).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use reprint::align::AlignConfig;
use reprint::compare::{align_texts, Compared};
use reprint::pipeline::{Params, Stats};
use reprint::report::passages::{self, View};
use reprint::report::{self, DocumentEntry, Format, PairEntry, Report};
use reprint::shingle::shingle_set;
use reprint::source::{self, Document, ReadOptions};
use reprint::text::Token;
use reprint::verify::Overlap;
use reprint::{Config, Error};

use super::output::Output;

/// Exit code: the pair overlaps (exact, near-duplicate, or a passage).
const FOUND: u8 = 0;
/// Exit code: kind `none`, no passage.
const NONE: u8 = 1;

/// Width of the view when stdout is not a terminal and --width is not given.
const DEFAULT_WIDTH: usize = 100;

#[derive(Debug, Args)]
#[command(after_long_help = "\
Examples:
  reprint compare old.txt new.txt
  reprint compare --side-by-side --explain old.txt new.txt
  reprint compare --jsonl corpus.jsonl doc17 doc42 --format json

The pair's kind is exact (the same words), near-duplicate (Jaccard at or above
--threshold), reuse (at least one passage) or none.

Without colour, changed words are marked in brackets: [-deleted-] (only in
a), {+inserted+} (only in b), [~replaced~] in a and {~replacement~} in b.

Exit codes: 0 the two overlap (exact, near-duplicate or reuse); 1 kind none; 2 an error.")]
pub struct CompareArgs {
    /// The first document: a text file, or with --jsonl the id of a record.
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The second document: a text file, or with --jsonl the id of a record.
    #[arg(value_name = "B")]
    pub b: PathBuf,
    /// More than two documents: refused, with a hint (a JSONL file and two
    /// ids want --jsonl).
    #[arg(hide = true, value_name = "MORE")]
    pub more: Vec<PathBuf>,
    /// Take A and B as ids of records of this JSONL file (- for stdin).
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
    /// JSONL field holding the document id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// JSONL field holding the document text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// Words per shingle, for Jaccard and containment.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub shingle_size: usize,
    /// Jaccard at or above which the pair is a near-duplicate, in (0, 1].
    #[arg(long, default_value_t = 0.5, value_name = "J")]
    pub threshold: f64,
    /// Output format: the passage view, the report as JSON or JSONL, or a
    /// self-contained HTML page with the two documents side by side
    /// [default: from the extension of --output, else text].
    #[arg(long, value_enum, ignore_case = true)]
    pub format: Option<CompareFormat>,
    /// Write to FILE instead of stdout (- for stdout); .json, .jsonl, .html
    /// or .txt choose the format.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour the passage view (auto: when stdout is a terminal and
    /// NO_COLOR is not set).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,
    /// Show the two sides of each passage in two columns.
    #[arg(long)]
    pub side_by_side: bool,
    /// Wrap the view to N columns (default: the terminal's width, else 100).
    #[arg(long, value_name = "N")]
    pub width: Option<usize>,
    /// Show which seeds anchored each passage and why it stops where it
    /// does (in JSON: an `explain` object in each passage).
    #[arg(long)]
    pub explain: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    Text,
    Json,
    Jsonl,
    Html,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Runs `reprint compare`; returns the exit code.
pub fn run(args: CompareArgs) -> Result<u8, Error> {
    if !args.more.is_empty() {
        return Err(too_many(&args));
    }
    let mut config =
        Config { shingle_size: args.shingle_size, threshold: args.threshold, ..Config::default() };
    config.align = AlignConfig { explain: args.explain, ..AlignConfig::default() };
    let params = Params::resolve(&config)?;
    let output = Output::new(args.output.as_deref());
    let format = super::output::choose(args.format, &output, CompareFormat::Text)?;
    let options = ReadOptions {
        id_field: args.id_field.clone(),
        text_field: args.text_field.clone(),
        ..ReadOptions::default()
    };
    let mut warnings = 0;
    let (a, b) = match &args.jsonl {
        Some(file) => read_records(file, &args.a, &args.b, &options, &mut warnings)?,
        None => (read_file(&args.a, &options, &mut warnings)?, read_file(&args.b, &options, &mut warnings)?),
    };

    let Compared { a_tokens: ta, b_tokens: tb, alignment } = align_texts(&a.text, &b.text, &config.align);
    let overlap = Overlap::of(&shingle_set(&ta, params.shingle_size), &shingle_set(&tb, params.shingle_size));
    let kind = if same_words(&ta, &tb) {
        "exact"
    } else if overlap.jaccard() >= params.threshold {
        "near-duplicate"
    } else if !alignment.passages.is_empty() {
        "reuse"
    } else {
        "none"
    };
    let stats = Stats {
        documents: 2,
        empty_documents: usize::from(ta.is_empty()) + usize::from(tb.is_empty()),
        bytes: a.text.len() + b.text.len(),
        words: ta.len() + tb.len(),
        exact_duplicates: usize::from(kind == "exact"),
        pairs: 1,
        budget_exhausted: usize::from(alignment.budget_exhausted),
        ..Stats::default()
    };
    let exact = kind == "exact";
    let pair = PairEntry {
        a: &a.id,
        b: &b.id,
        kind,
        jaccard: if exact { 1.0 } else { overlap.jaccard() },
        containment_a: if exact { 1.0 } else { overlap.containment_a() },
        containment_b: if exact { 1.0 } else { overlap.containment_b() },
        passages: &alignment.passages,
        budget_exhausted: alignment.budget_exhausted,
        origin: None,
    };
    let report = Report::single(&params, [entry(&a, ta.len()), entry(&b, tb.len())], pair, &stats, warnings);

    let terminal = output.path().is_none() && io::stdout().is_terminal();
    let mut out = output.open()?;
    let written = match format {
        CompareFormat::Text => {
            let view = View {
                color: match args.color {
                    ColorArg::Always => true,
                    ColorArg::Never => false,
                    ColorArg::Auto => terminal && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty()),
                },
                width: args.width.unwrap_or_else(|| terminal_width(terminal)),
                side_by_side: args.side_by_side,
                explain: args.explain,
            };
            passages::write(&report, [&a.text, &b.text], &view, &mut out)
        }
        CompareFormat::Json => report::write(&report, Format::Json, &mut out),
        CompareFormat::Jsonl => report::write(&report, Format::Jsonl, &mut out),
        CompareFormat::Html => {
            report::write_with_documents(&report, &[a.clone(), b.clone()], Format::Html, &mut out)
        }
    };
    written.and_then(|()| out.flush()).map_err(|e| Error::io(output.name(), e))?;
    if alignment.budget_exhausted {
        eprintln!("reprint: alignment stopped at its work budget; passages may be partial");
    }
    Ok(if kind == "none" { NONE } else { FOUND })
}

fn entry(d: &Document, words: usize) -> DocumentEntry<'_> {
    DocumentEntry::new(d, words)
}

/// Whether two documents have the same normalised words (and some).
fn same_words(a: &[Token], b: &[Token]) -> bool {
    !a.is_empty() && a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.hash == y.hash)
}

fn terminal_width(terminal: bool) -> usize {
    if !terminal {
        return DEFAULT_WIDTH;
    }
    terminal_size::terminal_size().map_or(DEFAULT_WIDTH, |(w, _)| usize::from(w.0))
}

/// Prints the diagnostics of a read on stderr; counts the warnings.
fn report_diagnostics(loaded: &source::Loaded, warnings: &mut usize) {
    for line in loaded.messages() {
        eprintln!("{}", report::terminal::escape(&line));
    }
    *warnings += loaded.diagnostics.iter().filter(|d| !d.skipped).count();
}

/// The error for more than two documents: `compare FILE.jsonl ID ID`
/// means `--jsonl`.
fn too_many(args: &CompareArgs) -> Error {
    let jsonl = args.jsonl.is_none()
        && args.more.len() == 1
        && (args.a.as_os_str() == "-" || source::jsonl_kind(&args.a).is_some());
    if jsonl {
        return Error::Other(format!(
            "compare takes two documents; to compare the records {} and {} of {}, give --jsonl: \
             reprint compare --jsonl {} {} {}",
            args.b.display(),
            args.more[0].display(),
            args.a.display(),
            args.a.display(),
            args.b.display(),
            args.more[0].display()
        ));
    }
    Error::Other(format!(
        "compare takes two documents (two files, or --jsonl FILE and two ids), not {}",
        2 + args.more.len()
    ))
}

/// The one document of the file at `path`.
fn read_file(path: &Path, options: &ReadOptions, warnings: &mut usize) -> Result<Document, Error> {
    let mut loaded = source::read_inputs(&[path.to_path_buf()], options);
    report_diagnostics(&loaded, warnings);
    match loaded.documents.len() {
        1 => Ok(loaded.documents.remove(0)),
        0 => Err(Error::Other(format!("{}: no document read", path.display()))),
        n => Err(Error::Other(format!(
            "{}: holds {n} documents, not one (to compare two records of a JSONL file: \
             reprint compare --jsonl FILE ID_A ID_B)",
            path.display()
        ))),
    }
}

/// The records with ids `a` and `b` of the JSONL file `file`.
fn read_records(
    file: &Path,
    a: &Path,
    b: &Path,
    options: &ReadOptions,
    warnings: &mut usize,
) -> Result<(Document, Document), Error> {
    let loaded = source::read_inputs(&[file.to_path_buf()], options);
    report_diagnostics(&loaded, warnings);
    let find = |id: &Path| {
        let id = id.to_string_lossy();
        loaded.documents.iter().find(|d| d.id == id).cloned().ok_or_else(|| {
            Error::Other(format!(
                "{}: no record with {} \"{}\"",
                file.display(),
                options.id_field,
                report::terminal::escape(&id)
            ))
        })
    };
    Ok((find(a)?, find(b)?))
}
