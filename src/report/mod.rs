//! Reports: a scan in, text for people or machines out.
//!
//! [`Report`] is the one serialisable shape of a scan's result (schema
//! `reprint/1`, documented field by field in `docs/schema.md`); every
//! format renders it:
//!
//! - [`terminal`]: a readable table (the default, `--format text`);
//! - [`json`]: one JSON document, or JSONL, one object per line with a
//!   `type` field (`--format json`, `--format jsonl`);
//! - [`csv`]: one row per pair, RFC 4180 (`--format csv`);
//! - [`passages`]: the passages of one compared pair, side by side or one
//!   under the other (`reprint compare`);
//! - [`html`]: one self-contained page to browse, with the documents' texts
//!   (`--format html`; needs the documents: [`write_with_documents`]).
//!
//! Every format escapes what it quotes from documents for its own syntax;
//! nothing from a document reaches a terminal as a control sequence.

pub mod csv;
pub mod html;
pub mod json;
pub mod passages;
pub mod terminal;

use serde::Serialize;

use crate::align::Passage;
use crate::pipeline::{Params, Scan, Stats};
use crate::source::Document;

/// The schema name written into every JSON report.
pub const SCHEMA: &str = "reprint/1";

/// A scan's result in the shape every format renders.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The settings used.
    pub params: &'a Params,
    /// Every document read, in input order.
    pub documents: Vec<DocumentEntry<'a>>,
    /// Every reported pair, ordered by the input order of `a`, then `b`.
    pub pairs: Vec<PairEntry<'a>>,
    /// Every cluster, ordered by its first member.
    pub clusters: Vec<ClusterEntry<'a>>,
    /// Counts (and, when asked, timings).
    pub stats: ReportStats<'a>,
}

/// One document.
#[derive(Debug, Serialize)]
pub struct DocumentEntry<'a> {
    /// Its id.
    pub id: &'a str,
    /// Where it came from: a path, or `PATH:LINE` for a JSONL record.
    pub source: &'a str,
    /// Bytes of text.
    pub bytes: usize,
    /// Words (tokens).
    pub words: usize,
}

/// One pair.
#[derive(Debug, Serialize)]
pub struct PairEntry<'a> {
    /// Id of the earlier document.
    pub a: &'a str,
    /// Id of the later document.
    pub b: &'a str,
    /// `exact`, `near-duplicate` or `reuse` (Jaccard below the threshold,
    /// at least one passage); `compare` may also say `none`.
    pub kind: &'static str,
    /// Exact Jaccard of the shingle sets.
    pub jaccard: f64,
    /// Share of `a`'s shingles found in `b`.
    pub containment_a: f64,
    /// Share of `b`'s shingles found in `a`.
    pub containment_b: f64,
    /// Reused passages, ordered by their start in `a`.
    pub passages: &'a [Passage],
    /// Whether the alignment of this pair stopped at its work budget (its
    /// passages may then be partial).
    pub budget_exhausted: bool,
}

/// One cluster.
#[derive(Debug, Serialize)]
pub struct ClusterEntry<'a> {
    /// Its number, from 0, in report order.
    pub id: usize,
    /// Id of the member that stands for it.
    pub representative: &'a str,
    /// Ids of all members, in input order.
    pub members: Vec<&'a str>,
}

/// The scan's counts plus what happened while reading.
#[derive(Debug, Serialize)]
pub struct ReportStats<'a> {
    /// Documents or lines skipped for bad input.
    pub skipped: usize,
    /// Warnings about input that was still used (e.g. invalid UTF-8).
    pub warnings: usize,
    /// The pipeline's counts.
    #[serde(flatten)]
    pub scan: &'a Stats,
}

impl<'a> Report<'a> {
    /// Builds the report of `scan` over `docs`. `skipped` and `warnings`
    /// count input problems.
    pub fn new(docs: &'a [Document], scan: &'a Scan, skipped: usize, warnings: usize) -> Report<'a> {
        let id = |d: crate::DocId| docs[d.index()].id.as_str();
        Report {
            schema: SCHEMA,
            params: &scan.params,
            documents: docs
                .iter()
                .zip(&scan.sketches)
                .map(|(d, s)| DocumentEntry {
                    id: &d.id,
                    source: &d.origin,
                    bytes: d.text.len(),
                    words: s.words,
                })
                .collect(),
            pairs: scan
                .pairs
                .iter()
                .map(|p| PairEntry {
                    a: id(p.a),
                    b: id(p.b),
                    kind: p.kind.name(),
                    jaccard: p.jaccard,
                    containment_a: p.containment_a,
                    containment_b: p.containment_b,
                    passages: &p.passages,
                    budget_exhausted: p.budget_exhausted,
                })
                .collect(),
            clusters: scan
                .clusters
                .iter()
                .enumerate()
                .map(|(i, c)| ClusterEntry {
                    id: i,
                    representative: id(c.representative),
                    members: c.members.iter().map(|&m| id(m)).collect(),
                })
                .collect(),
            stats: ReportStats { skipped, warnings, scan: &scan.stats },
        }
    }
}

impl<'a> Report<'a> {
    /// The report of one compared pair (`reprint compare`): its two
    /// documents, the pair, no clusters, and `stats` as counted over the
    /// two documents.
    pub fn single(
        params: &'a Params,
        documents: [DocumentEntry<'a>; 2],
        pair: PairEntry<'a>,
        stats: &'a Stats,
        warnings: usize,
    ) -> Report<'a> {
        Report {
            schema: SCHEMA,
            params,
            documents: documents.into(),
            pairs: vec![pair],
            clusters: Vec::new(),
            stats: ReportStats { skipped: 0, warnings, scan: stats },
        }
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// A readable table.
    #[default]
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// One CSV row per pair.
    Csv,
    /// A self-contained HTML page.
    Html,
}

/// Writes `report` in `format`. HTML written this way has no document
/// texts (its pair view shows scores and passages without them); use
/// [`write_with_documents`] for a full page.
pub fn write(report: &Report<'_>, format: Format, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_with_documents(report, &[], format, out)
}

/// Writes `report` in `format`; `docs` (the documents the report was made
/// from, matched by id) supplies the texts that the HTML pair view shows.
/// Other formats ignore `docs`.
pub fn write_with_documents(
    report: &Report<'_>,
    docs: &[Document],
    format: Format,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => terminal::write(report, out),
        Format::Json => json::write(report, out),
        Format::Jsonl => json::write_lines(report, out),
        Format::Csv => csv::write(report, out),
        Format::Html => html::write(report, docs, out),
    }
}
