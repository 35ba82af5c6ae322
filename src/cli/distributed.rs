//! `reprint sketch` and `reprint align-pairs`: the per-document and
//! per-pair steps of a scan ([`reprint::distributed`]) as JSONL filters on
//! stdin/stdout, for engines (Spark's `RDD.pipe`) that do the grouping.
//!
//! Both read one JSON object a line and write one a line, streaming. A
//! line that cannot be used is reported on stderr with its number and
//! skipped, and the exit code is then 2. A record made with other
//! parameters is an error that stops the run.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::Path;

use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use reprint::distributed::{self, Sketcher};
use reprint::meta::{Date, Meta};
use reprint::pipeline::Params;
use reprint::report::{terminal::escape, PairEntry};
use reprint::text::Tokenizer;
use reprint::Error;

use super::ScanParams;

const OK: u8 = 0;
const ERROR: u8 = 2;

#[derive(Debug, Args)]
#[command(after_long_help = "\
Input: JSONL documents on stdin, {\"id\": ..., \"text\": ...} (see --id-field,
--text-field). Output: one line a document:
  {\"id\", \"words\", \"content\", \"shingles\", \"bands\", \"fingerprints\",
   \"rewrite_fingerprints\", \"params\"}
`bands` are the LSH band keys in band order (group by band number and key),
`fingerprints` the winnowed shingle fingerprints of the reuse path,
`rewrite_fingerprints` those of the rewrite path (group them apart, with
its max-df and min-shared), and `params` a hash of every setting: give the
same flags to align-pairs.

Every `reprint scan` setting is accepted, so one list of flags serves scan,
sketch and align-pairs; the settings enter the hash. --keep, --threads and
--quiet change nothing here and are not listed.")]
#[command(mut_arg("keep", |a| a.hide(true)), mut_arg("threads", |a| a.hide(true)), mut_arg("quiet", |a| a.hide(true)))]
pub struct SketchArgs {
    #[command(flatten)]
    pub params: ScanParams,
    /// JSONL field holding the document id (a string or a number).
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// JSONL field holding the document text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// JSONL field holding the document's date: each output line then
    /// says `date` (the date as read, trimmed) when it is a valid ISO 8601
    /// date, or `date_problem` (why not) when it is not; nothing when the
    /// field is missing or null. The sketch itself does not change.
    #[arg(long, value_name = "NAME")]
    pub date_field: Option<String>,
    /// Refuse to run unless the settings hash to HASH (as another stage
    /// reported it).
    #[arg(long, value_name = "HASH")]
    pub expect_params: Option<String>,
    /// Print the settings and their hash as one JSON line, and exit.
    #[arg(long)]
    pub show_params: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = "\
Input: one candidate pair a line, `a` before `b` in input order:
  {\"a\": {\"id\": ..., \"text\": ...}, \"b\": {\"id\": ..., \"text\": ...}, \"params\": HASH}
(`params`, from reprint sketch, is optional and checked when given). Each
side may also carry \"date\" (ISO 8601) and \"source\" (a string or number);
with --origin (or any setting that turns it on) each pair then has `origin`
and `origin_evidence`, decided as scan decides them (a bad or missing value
is unknown; per-source boilerplate is not marked).
Output: the pairs `reprint scan --format jsonl` would report, one a line
({\"type\": \"pair\", \"a\", \"b\", \"kind\", \"jaccard\", ...}, schema reprint/2); a
pair that is neither exact, a near-duplicate, nor reuse with a passage is
left out.

Every `reprint scan` setting is accepted, so one list of flags serves scan,
sketch and align-pairs. --keep, --threads and --quiet change nothing here
and are not listed.")]
#[command(mut_arg("keep", |a| a.hide(true)), mut_arg("threads", |a| a.hide(true)), mut_arg("quiet", |a| a.hide(true)))]
pub struct AlignPairsArgs {
    #[command(flatten)]
    pub params: ScanParams,
    /// Refuse to run unless the settings hash to HASH.
    #[arg(long, value_name = "HASH")]
    pub expect_params: Option<String>,
}

#[derive(Deserialize)]
struct Side {
    id: Value,
    text: String,
    /// Its date (ISO 8601): optional; unknown when missing or bad.
    #[serde(default)]
    date: Option<Value>,
    /// Its source (a string or a number): optional.
    #[serde(default)]
    source: Option<Value>,
}

impl Side {
    /// Its date and source, as far as they can be read (a bad value is
    /// unknown: `reprint sketch --date-field` names it).
    fn meta(&self) -> Meta {
        let date = self.date.as_ref().and_then(Value::as_str).and_then(|d| Date::parse(d).ok());
        let source = match &self.source {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().into()),
            Some(n @ Value::Number(_)) => Some(n.to_string().into()),
            _ => None,
        };
        Meta { date, source }
    }
}

/// A sketch line, with what `--date-field` found.
#[derive(Serialize)]
struct SketchLine<'a> {
    #[serde(flatten)]
    record: &'a distributed::SketchRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_problem: Option<String>,
}

#[derive(Deserialize)]
struct PairLine {
    a: Side,
    b: Side,
    #[serde(default)]
    params: Option<String>,
}

#[derive(Serialize)]
struct Tagged<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    pair: PairEntry<'a>,
}

#[derive(Serialize)]
struct ParamsLine<'a> {
    params: &'a str,
    resolved: &'a Params,
}

fn stdout_err(e: io::Error) -> Error {
    Error::io(Path::new("<stdout>"), e)
}

fn stdin_err(e: io::Error) -> Error {
    Error::io(Path::new("<stdin>"), e)
}

/// An id as text: a string as is, anything else as its JSON text (as
/// `scan` reads JSONL ids).
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
        other => Some(other.to_string()),
    }
}

fn skip(line: usize, message: &str) {
    eprintln!("reprint: <stdin>:{line}: {}, skipped", escape(message));
}

/// Runs `each` on every non-blank line of stdin, with its number. A line
/// it refuses (`Ok(Some(message))`) is named on stderr and skipped; returns
/// how many were.
fn each_stdin_line(
    mut each: impl FnMut(usize, &[u8]) -> Result<Option<String>, Error>,
) -> Result<usize, Error> {
    let mut skipped = 0;
    for (i, line) in io::stdin().lock().split(b'\n').enumerate() {
        let line = line.map_err(stdin_err)?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Some(message) = each(i + 1, &line)? {
            skip(i + 1, &message);
            skipped += 1;
        }
    }
    Ok(skipped)
}

pub fn run_sketch(args: SketchArgs) -> Result<u8, Error> {
    let config = args.params.config();
    let mut sketcher = Sketcher::new(&config)?;
    if let Some(want) = &args.expect_params {
        distributed::check_params(sketcher.params(), want)?;
    }
    let mut out = BufWriter::new(io::stdout().lock());
    if args.show_params {
        let line = ParamsLine { params: sketcher.params_hash(), resolved: sketcher.params() };
        serde_json::to_writer(&mut out, &line).map_err(|e| stdout_err(e.into()))?;
        out.write_all(b"\n").and_then(|()| out.flush()).map_err(stdout_err)?;
        return Ok(OK);
    }
    let skipped = each_stdin_line(|_, line| {
        let value: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => return Ok(Some(format!("not JSON: {e}"))),
        };
        let Some(id) = value.get(&args.id_field).and_then(id_text) else {
            return Ok(Some(format!("no usable \"{}\" field", args.id_field)));
        };
        let Some(text) = value.get(&args.text_field).and_then(Value::as_str) else {
            return Ok(Some(format!("no string \"{}\" field", args.text_field)));
        };
        let record = sketcher.sketch(&id, text);
        let (mut date, mut date_problem) = (None, None);
        match args.date_field.as_ref().and_then(|name| value.get(name)) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => match Date::parse(s) {
                Ok(d) => date = Some(d),
                Err(why) => date_problem = Some(why),
            },
            Some(other) => {
                let kind = match other {
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    Value::Array(_) => "an array",
                    _ => "an object",
                };
                date_problem = Some(format!("it is {kind}, not an ISO 8601 string"));
            }
        }
        let line = SketchLine { record: &record, date, date_problem };
        serde_json::to_writer(&mut out, &line).map_err(|e| stdout_err(e.into()))?;
        out.write_all(b"\n").map_err(stdout_err)?;
        Ok(None)
    })?;
    out.flush().map_err(stdout_err)?;
    Ok(if skipped > 0 { ERROR } else { OK })
}

pub fn run_align_pairs(args: AlignPairsArgs) -> Result<u8, Error> {
    let config = args.params.config();
    let params = Params::resolve(&config)?;
    if let Some(want) = &args.expect_params {
        distributed::check_params(&params, want)?;
    }
    let mut tokenizer = Tokenizer::new();
    let mut out = BufWriter::new(io::stdout().lock());
    let skipped = each_stdin_line(|n, line| {
        let pair: PairLine = match serde_json::from_slice(line) {
            Ok(p) => p,
            Err(e) => {
                return Ok(Some(format!("not a pair {{\"a\": {{\"id\", \"text\"}}, \"b\": {{...}}}}: {e}")))
            }
        };
        if let Some(got) = &pair.params {
            distributed::check_params(&params, got).map_err(|e| Error::Other(format!("<stdin>:{n}: {e}")))?;
        }
        let (Some(a_id), Some(b_id)) = (id_text(&pair.a.id), id_text(&pair.b.id)) else {
            return Ok(Some("an id is not a string or a number".into()));
        };
        let (meta_a, meta_b) = (pair.a.meta(), pair.b.meta());
        if let Some(p) = distributed::score_pair_with(
            &pair.a.text,
            &meta_a,
            &pair.b.text,
            &meta_b,
            &config,
            &mut tokenizer,
        ) {
            let entry = PairEntry::new(&a_id, &b_id, &p);
            serde_json::to_writer(&mut out, &Tagged { kind: "pair", pair: entry })
                .map_err(|e| stdout_err(e.into()))?;
            out.write_all(b"\n").map_err(stdout_err)?;
        }
        Ok(None)
    })?;
    out.flush().map_err(stdout_err)?;
    Ok(if skipped > 0 { ERROR } else { OK })
}
