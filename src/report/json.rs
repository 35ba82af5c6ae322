//! JSON and JSONL renderings of a [`Report`].
//!
//! JSON: the report as one object, `{"schema": "reprint/1", "params",
//! "documents", "pairs", "clusters", "stats"}`. JSONL: the same objects one
//! per line, each with a `type` of `params`, `document`, `pair`, `cluster`
//! or `stats` (params first, stats last), for streaming consumers.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, SCHEMA};

/// Writes the report as one pretty-printed JSON object and a newline.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    inner: &'a T,
}

fn line<T: Serialize>(out: &mut dyn Write, kind: &'static str, inner: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Tagged { kind, inner })?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct ParamsLine<'a, P: Serialize> {
    schema: &'static str,
    #[serde(flatten)]
    params: &'a P,
}

/// Writes the report as JSONL.
pub fn write_lines(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    line(out, "params", &ParamsLine { schema: SCHEMA, params: report.params })?;
    for d in &report.documents {
        line(out, "document", d)?;
    }
    for p in &report.pairs {
        line(out, "pair", p)?;
    }
    for c in &report.clusters {
        line(out, "cluster", c)?;
    }
    line(out, "stats", &report.stats)
}

/// `value` pretty-printed as serde_json does, nested `depth` levels deep
/// (every line after the first indented by two spaces per level). A JSON
/// string never holds a raw line break, so indenting lines is safe.
fn nested<T: Serialize>(value: &T, depth: usize) -> io::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    Ok(text.replace('\n', &format!("\n{}", "  ".repeat(depth))))
}

/// The start of a JSON report whose pairs follow one by one: the
/// schema, params and documents, and the opening of `pairs`.
pub(super) fn begin<P: Serialize, D: Serialize>(
    out: &mut dyn Write,
    params: &P,
    documents: &[D],
) -> io::Result<()> {
    write!(out, "{{\n  \"schema\": \"{SCHEMA}\",\n  \"params\": {},\n  \"documents\": ", nested(params, 1)?)?;
    array(out, documents)?;
    write!(out, ",\n  \"pairs\": [")
}

/// `items` as a pretty-printed array one level deep, written an item at a
/// time (a corpus's document list is never held as one string).
fn array<T: Serialize>(out: &mut dyn Write, items: &[T]) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    for (i, item) in items.iter().enumerate() {
        pair(out, i == 0, item)?;
    }
    out.write_all(b"\n  ]")
}

/// One pair of a report begun with [`begin`]; `first` for the first.
/// (Any element of a top-level array is written the same way.)
pub(super) fn pair<T: Serialize>(out: &mut dyn Write, first: bool, pair: &T) -> io::Result<()> {
    let sep = if first { "" } else { "," };
    write!(out, "{sep}\n    {}", nested(pair, 2)?)
}

/// The end of a report begun with [`begin`], after `pairs` pairs.
pub(super) fn end<C: Serialize, S: Serialize>(
    out: &mut dyn Write,
    pairs: usize,
    clusters: &[C],
    stats: &S,
) -> io::Result<()> {
    let close = if pairs == 0 { "]" } else { "\n  ]" };
    write!(out, "{close},\n  \"clusters\": ")?;
    array(out, clusters)?;
    writeln!(out, ",\n  \"stats\": {}\n}}", nested(stats, 1)?)
}

/// One JSONL line of `kind`.
pub(super) fn write_line<T: Serialize>(out: &mut dyn Write, kind: &'static str, inner: &T) -> io::Result<()> {
    line(out, kind, inner)
}

/// The params line of a JSONL report.
pub(super) fn params_line<P: Serialize>(out: &mut dyn Write, params: &P) -> io::Result<()> {
    line(out, "params", &ParamsLine { schema: SCHEMA, params })
}
