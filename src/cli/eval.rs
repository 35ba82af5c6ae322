//! `reprint eval`, two modes:
//!
//! - `--truth TRUTH REPORT`: labelled passages (truth JSONL) and a reprint
//!   report in; PAN plagdet scores ([`reprint::eval::plagdet`]) out, as text
//!   or JSON.
//! - `--pan CORPUS_DIR`: a PAN text-alignment corpus in; every listed pair
//!   aligned as `reprint compare` aligns it ([`reprint::pan::detect`], in
//!   parallel), the PAN table per subset out, and with `--detections` the
//!   detections as PAN XML.
//!
//! Truth lines are `{"a": ID, "b": ID, "spans": [[a_start, a_end, b_start,
//! b_end], ...]}`, byte offsets, half-open; blank lines are skipped. The
//! report is `scan` or `compare` output, `--format json` (one object) or
//! `--format jsonl` (typed lines; only `pair` lines are read). Every passage
//! of every pair is one detection.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{ArgGroup, Args, ValueEnum};
use serde::Deserialize;

use reprint::align::AlignConfig;
use reprint::eval::{plagdet, Case, Scores};
use reprint::pan::{self, Corpus, Row};
use reprint::report::terminal::escape;
use reprint::{Error, Span};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("mode").required(true).args(["truth", "pan"])))]
#[command(after_long_help = "\
Two modes, one of --truth and --pan:

  --truth TRUTH.jsonl REPORT  score a reprint report's passages against labelled
                              ones (JSONL, byte offsets, half-open), e.g.
    {\"a\": \"doc1\", \"b\": \"doc2\", \"spans\": [[0, 120, 40, 170], [300, 420, 900, 1010]]}
  --pan CORPUS_DIR            align every pair a PAN text-alignment corpus lists
                              (its subset folders' `pairs` files), as `reprint
                              compare` does with its defaults, and score them with
                              the PAN measures (character offsets), per subset and
                              for the entire corpus

Examples:
  reprint scan corpus.jsonl --format json -o report.json
  reprint eval --truth truth.jsonl report.json
  reprint eval --pan pan13-text-alignment-training-corpus-2013-01-21
  reprint eval --pan CORPUS_DIR --detections detections/ --format json

With --detections, OUT_DIR gets one SUSP-SRC.xml per pair with detections, in
the corpus's own format, which the official PAN evaluator reads.

Exit codes: 0 scored; 2 an error (a malformed truth or report line is named
as FILE:LINE, a malformed corpus file by its path).")]
pub struct EvalArgs {
    /// Labelled passages, one JSONL line per document pair (with REPORT).
    #[arg(long, value_name = "TRUTH.jsonl", requires = "report")]
    pub truth: Option<PathBuf>,
    /// A reprint report (`scan` or `compare` with --format json or jsonl),
    /// scored against --truth.
    #[arg(value_name = "REPORT", requires = "truth")]
    pub report: Option<PathBuf>,
    /// A PAN text-alignment corpus folder: align and score every pair it lists.
    #[arg(long, value_name = "CORPUS_DIR", conflicts_with = "report")]
    pub pan: Option<PathBuf>,
    /// With --pan: write the detections as PAN XML into this folder (created
    /// if missing), one SUSP-SRC.xml per pair with detections.
    #[arg(long, value_name = "OUT_DIR", conflicts_with = "truth")]
    pub detections: Option<PathBuf>,
    /// With --pan: worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", conflicts_with = "truth")]
    pub threads: Option<usize>,
    /// With --pan: no progress bar or summary on stderr.
    #[arg(long, short, conflicts_with = "truth")]
    pub quiet: bool,
    /// Output format [default: from the extension of --output, else text].
    #[arg(long, value_enum, ignore_case = true)]
    pub format: Option<EvalFormat>,
    /// Write the scores to FILE instead of stdout (- for stdout); .json or
    /// .txt choose the format.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum EvalFormat {
    Text,
    Json,
}

/// Runs `reprint eval`; returns the exit code.
pub fn run(args: EvalArgs) -> Result<u8, Error> {
    let (truth, report) = match (&args.pan, &args.truth, &args.report) {
        (Some(corpus), _, _) => return run_pan(corpus, &args),
        (None, Some(truth), Some(report)) => (truth, report),
        _ => return Err(Error::Other("eval needs --pan CORPUS_DIR, or --truth TRUTH REPORT".into())),
    };
    let truth = read_truth(truth)?;
    let detections = read_detections(report)?;
    let scores = plagdet(&truth, &detections);
    write(&args, |format| match format {
        EvalFormat::Text => text(&scores),
        EvalFormat::Json => format!("{}\n", json(&scores)),
    })?;
    Ok(0)
}

/// Writes the scores in the format `--format` or `-o`'s extension asks for
/// (text by default) to `-o` or stdout.
fn write(args: &EvalArgs, render: impl FnOnce(EvalFormat) -> String) -> Result<(), Error> {
    let output = super::output::Output::new(args.output.as_deref());
    let text = render(super::output::choose(args.format, &output, EvalFormat::Text)?);
    let mut out = output.open()?;
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(|e| Error::io(output.name(), e))
}

/// `reprint eval --pan`: aligns every pair of the corpus, prints the table,
/// and writes the detections if asked.
fn run_pan(dir: &Path, args: &EvalArgs) -> Result<u8, Error> {
    let started = Instant::now();
    let corpus = Corpus::open(dir)?;
    if !corpus.unscored.is_empty() {
        eprintln!(
            "reprint: {}: {} pairs are in no subset folder and are not scored",
            escape(&dir.join("pairs").display().to_string()),
            corpus.unscored.len()
        );
    }
    // The alignment `reprint compare` uses, with its default settings.
    let config = AlignConfig::default();
    let bar = super::progress::Bar::new(args.quiet);
    let detections = crate::with_pool(args.threads, || pan::detect_corpus(&corpus, &config, &bar))??;
    bar.finish();
    let written = match &args.detections {
        Some(out) => Some(pan::write_detections(out, &corpus, &detections)?),
        None => None,
    };
    let rows = pan::evaluate(&corpus, &detections);
    write(args, |format| match format {
        EvalFormat::Text => pan_text(&rows),
        EvalFormat::Json => format!("{}\n", pan_json(&rows)),
    })?;
    if !args.quiet {
        let pairs = detections.len();
        let found = detections.iter().filter(|d| !d.is_empty()).count();
        let mut summary = format!(
            "reprint: aligned {pairs} pairs in {:.1} s; {found} with detections",
            started.elapsed().as_secs_f64()
        );
        if let (Some(n), Some(out)) = (written, &args.detections) {
            summary += &format!("; {n} files written to {}", escape(&out.display().to_string()));
        }
        eprintln!("{summary}");
    }
    Ok(0)
}

/// The PAN table: one line per subset, then `entire`.
fn pan_text(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<28} {:>8} {:>9} {:>7} {:>11} {:>6} {:>10}\n",
        "subset", "plagdet", "precision", "recall", "granularity", "cases", "detections"
    );
    for row in rows {
        let m = &row.measures;
        out += &format!(
            "{:<28} {:>8.4} {:>9.4} {:>7.4} {:>11.4} {:>6} {:>10}\n",
            escape(&row.subset),
            m.plagdet,
            m.precision,
            m.recall,
            m.granularity,
            m.cases,
            m.detections
        );
    }
    out
}

fn pan_json(rows: &[Row]) -> serde_json::Value {
    let row = |r: &Row| {
        let m = &r.measures;
        serde_json::json!({
            "subset": r.subset,
            "pairs": r.pairs,
            "plagdet": m.plagdet,
            "precision": m.precision,
            "recall": m.recall,
            "granularity": m.granularity,
            "cases": m.cases,
            "detections": m.detections,
        })
    };
    let (entire, subsets) = rows.split_last().expect("evaluate gives the entire row");
    serde_json::json!({
        "subsets": subsets.iter().map(row).collect::<Vec<_>>(),
        "entire": row(entire),
    })
}

fn text(s: &Scores) -> String {
    format!(
        "plagdet         {:.4}\nprecision       {:.4}\nrecall          {:.4}\ngranularity     {:.4}\n\
         pair precision  {:.4}\npair recall     {:.4}\ncases           {}\ndetections      {}\n",
        s.plagdet,
        s.precision,
        s.recall,
        s.granularity,
        s.pair_precision,
        s.pair_recall,
        s.cases,
        s.detections
    )
}

fn json(s: &Scores) -> serde_json::Value {
    serde_json::json!({
        "plagdet": s.plagdet,
        "precision": s.precision,
        "recall": s.recall,
        "granularity": s.granularity,
        "pair_precision": s.pair_precision,
        "pair_recall": s.pair_recall,
        "cases": s.cases,
        "detections": s.detections,
    })
}

fn read(path: &Path) -> Result<String, Error> {
    fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// An error at `line` (from 1) of `path`.
fn at(path: &Path, line: usize, message: impl std::fmt::Display) -> Error {
    Error::Other(format!("{}:{line}: {message}", path.display()))
}

#[derive(Deserialize)]
struct TruthLine {
    a: String,
    b: String,
    spans: Vec<[usize; 4]>,
}

/// The cases of a truth file.
fn read_truth(path: &Path) -> Result<Vec<Case>, Error> {
    let text = read(path)?;
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let t: TruthLine = serde_json::from_str(line).map_err(|e| at(path, i + 1, truth_message(&e)))?;
        for (k, &[a0, a1, b0, b1]) in t.spans.iter().enumerate() {
            if a0 > a1 || b0 > b1 {
                return Err(at(
                    path,
                    i + 1,
                    format!("span {k} [{a0}, {a1}, {b0}, {b1}] starts after it ends"),
                ));
            }
            cases.push(Case::new(t.a.clone(), t.b.clone(), Span::new(a0, a1), Span::new(b0, b1)));
        }
    }
    Ok(cases)
}

fn truth_message(e: &serde_json::Error) -> String {
    format!(
        "not a truth line ({{\"a\", \"b\", \"spans\": [[a_start, a_end, b_start, b_end], ...]}}): {}",
        strip_position(e)
    )
}

/// serde_json's message without its " at line L column C" tail (the line is
/// named by the caller; the column is kept).
fn strip_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &message[..i], e.column()),
        None => message,
    }
}

#[derive(Deserialize)]
struct ReportIn {
    pairs: Vec<PairIn>,
}

#[derive(Deserialize)]
struct PairIn {
    a: String,
    b: String,
    #[serde(default)]
    passages: Vec<PassageIn>,
}

#[derive(Deserialize)]
struct PassageIn {
    a: Span,
    b: Span,
}

#[derive(Deserialize)]
struct TypedLine {
    #[serde(rename = "type")]
    kind: String,
}

/// Every passage of every pair of a JSON or JSONL report.
fn read_detections(path: &Path) -> Result<Vec<Case>, Error> {
    let text = read(path)?;
    let first = text.lines().enumerate().find(|(_, l)| !l.trim().is_empty());
    let jsonl = first.is_some_and(|(_, l)| serde_json::from_str::<TypedLine>(l).is_ok());
    let pairs: Vec<PairIn> = if jsonl {
        let mut pairs = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let typed: TypedLine = serde_json::from_str(line)
                .map_err(|e| at(path, i + 1, format!("not a typed report line: {}", strip_position(&e))))?;
            if typed.kind == "pair" {
                let pair = serde_json::from_str(line)
                    .map_err(|e| at(path, i + 1, format!("not a pair: {}", strip_position(&e))))?;
                pairs.push(pair);
            }
        }
        pairs
    } else {
        let report: ReportIn = serde_json::from_str(&text)
            .map_err(|e| at(path, e.line(), format!("not a reprint report: {}", strip_position(&e))))?;
        report.pairs
    };
    let mut cases = Vec::new();
    for p in pairs {
        for passage in p.passages {
            for s in [passage.a, passage.b] {
                if s.start > s.end {
                    return Err(Error::Other(format!(
                        "{}: pair {} / {}: passage span [{}, {}] starts after it ends",
                        path.display(),
                        escape(&p.a),
                        escape(&p.b),
                        s.start,
                        s.end
                    )));
                }
            }
            cases.push(Case::new(p.a.clone(), p.b.clone(), passage.a, passage.b));
        }
    }
    Ok(cases)
}
