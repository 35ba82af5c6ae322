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
