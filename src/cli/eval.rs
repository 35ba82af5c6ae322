//! `reprint eval`: labelled passages (truth JSONL) and a reprint report in;
//! PAN plagdet scores ([`reprint::eval::plagdet`]) out, as text or JSON.
//!
//! Truth lines are `{"a": ID, "b": ID, "spans": [[a_start, a_end, b_start,
//! b_end], ...]}`, byte offsets, half-open; blank lines are skipped. The
//! report is `scan` or `compare` output, `--format json` (one object) or
//! `--format jsonl` (typed lines; only `pair` lines are read). Every passage
//! of every pair is one detection.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde::Deserialize;

use reprint::eval::{plagdet, Case, Scores};
use reprint::report::terminal::escape;
use reprint::{Error, Span};

#[derive(Debug, Args)]
#[command(after_long_help = "\
Truth lines (JSONL, byte offsets, half-open):
  {\"a\": \"doc1\", \"b\": \"doc2\", \"spans\": [[0, 120, 40, 170], [300, 420, 900, 1010]]}

Example:
  reprint scan corpus.jsonl --format json -o report.json
  reprint eval --truth truth.jsonl report.json

Exit codes: 0 scored; 2 an error (a malformed line is named as FILE:LINE).")]
pub struct EvalArgs {
    /// Labelled passages, one JSONL line per document pair.
    #[arg(long, value_name = "TRUTH.jsonl")]
    pub truth: PathBuf,
    /// A reprint report (`scan` or `compare` with --format json or jsonl).
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
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
    let truth = read_truth(&args.truth)?;
    let detections = read_detections(&args.report)?;
    let scores = plagdet(&truth, &detections);
    let output = super::output::Output::new(args.output.as_deref());
    let text = match super::output::choose(args.format, &output, EvalFormat::Text)? {
        EvalFormat::Text => text(&scores),
        EvalFormat::Json => format!("{}\n", json(&scores)),
    };
    let mut out = output.open()?;
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(|e| Error::io(output.name(), e))?;
    Ok(0)
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
