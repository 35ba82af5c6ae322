//! Reports: a scan in, text for people or machines out.
//!
//! [`Report`] is the one serialisable shape of a scan's result (schema
//! `reprint/2`, documented field by field in `docs/schema.md`); every
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

use std::io::Write;
use std::path::PathBuf;

use crate::align::Passage;
use crate::cluster::Cluster;
use crate::error::Error;
use crate::meta::Date;
use crate::origin::{Evidence, Flow, Link, Side, Story};
use crate::pipeline::{DocSketch, Pair, PairSink, Params, Scan, ScanSummary, Stats};
use crate::source::Document;

/// The schema name written into every JSON report.
pub const SCHEMA: &str = "reprint/2";

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
    /// Every story, ordered by its lowest member (when origins are on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stories: Option<Vec<StoryEntry<'a>>>,
    /// Reuse between sources, most words first (when origins are on and
    /// documents have sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publishers: Option<Vec<Flow<'a>>>,
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
    /// Its publication date, as given (when read and valid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<&'a Date>,
    /// Its source (site, publisher or author), when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<&'a str>,
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
    /// Where the shared text came from (when origins are on).
    #[serde(flatten)]
    pub origin: Option<OriginEntry<'a>>,
}

/// A pair's origin, in its entry.
#[derive(Debug, Serialize)]
pub struct OriginEntry<'a> {
    /// `"a"`, `"b"`, or null when unknown.
    pub origin: Option<Side>,
    /// `"date"`, `"text"`, or null when unknown.
    pub origin_evidence: Option<Evidence>,
    /// Why (with `--explain`).
    #[serde(skip_serializing_if = "str::is_empty")]
    pub origin_why: &'a str,
    /// The date and source of `a` and of `b`, for formats with one row per
    /// pair (CSV); JSON gives them with the documents.
    #[serde(skip)]
    pub sides: [(Option<&'a Date>, Option<&'a str>); 2],
}

/// One story: documents linked by reuse, as a tree from its earliest.
#[derive(Debug, Serialize)]
pub struct StoryEntry<'a> {
    /// Its number, from 0, in report order.
    pub id: usize,
    /// Id of its earliest member.
    pub earliest: &'a str,
    /// Every member, as the tree reached them, the earliest first.
    pub members: Vec<StoryMember<'a>>,
}

/// A member of a story.
#[derive(Debug, Serialize)]
pub struct StoryMember<'a> {
    /// Its id.
    pub id: &'a str,
    /// Id of the member it most likely took its text from (null for the
    /// earliest).
    pub from: Option<&'a str>,
    /// What says so: `"date"`, `"text"`, or null (linked by reuse, but the
    /// direction is unknown).
    pub evidence: Option<Evidence>,
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
    /// `index query` only: candidates found but neither scored nor aligned,
    /// past `--limit` (0 when none was left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates_left_out: Option<usize>,
}

impl<'a> Report<'a> {
    /// Builds the report of `scan` over `docs`. `skipped` and `warnings`
    /// count input problems.
    pub fn new(docs: &'a [Document], scan: &'a Scan, skipped: usize, warnings: usize) -> Report<'a> {
        let (stories, publishers) = origin_entries(docs, &scan.params, &scan.links, &scan.stories);
        Report {
            schema: SCHEMA,
            params: &scan.params,
            documents: document_entries(docs, &scan.sketches),
            pairs: scan.pairs.iter().map(|p| pair_entry(docs, p)).collect(),
            clusters: cluster_entries(docs, &scan.clusters),
            stories,
            publishers,
            stats: ReportStats { skipped, warnings, scan: &scan.stats, candidates_left_out: None },
        }
    }
}

fn document_entries<'a>(docs: &'a [Document], sketches: &[DocSketch]) -> Vec<DocumentEntry<'a>> {
    docs.iter().zip(sketches).map(|(d, s)| DocumentEntry::new(d, s.words)).collect()
}

impl<'a> DocumentEntry<'a> {
    /// The entry of `doc`, of `words` words.
    pub fn new(doc: &'a Document, words: usize) -> DocumentEntry<'a> {
        let meta = doc.meta();
        DocumentEntry {
            id: &doc.id,
            source: &doc.origin,
            bytes: doc.text_len(),
            words,
            date: meta.date.as_ref(),
            publisher: meta.source.as_deref(),
        }
    }
}

/// A report's stories and publishers.
type OriginEntries<'a> = (Option<Vec<StoryEntry<'a>>>, Option<Vec<Flow<'a>>>);

/// The stories and the publishers' view of a scan whose params say
/// origins are on (`None`, `None` otherwise; no publishers when no
/// document has a source).
fn origin_entries<'a>(
    docs: &'a [Document],
    params: &Params,
    links: &[Link],
    stories: &[Story],
) -> OriginEntries<'a> {
    if !params.origin {
        return (None, None);
    }
    let id = |d: u32| docs[d as usize].id.as_str();
    let entries = stories
        .iter()
        .enumerate()
        .map(|(i, s)| StoryEntry {
            id: i,
            earliest: id(s.earliest),
            members: s
                .members
                .iter()
                .map(|&(m, from)| StoryMember {
                    id: id(m),
                    from: from.map(|(f, _)| id(f)),
                    evidence: from.and_then(|(_, e)| e),
                })
                .collect(),
        })
        .collect();
    let sources: Vec<Option<&'a str>> = docs.iter().map(|d| d.meta().source.as_deref()).collect();
    let publishers = sources.iter().any(Option::is_some).then(|| crate::origin::flows(links, &sources));
    (Some(entries), publishers)
}

fn pair_entry<'a>(docs: &'a [Document], p: &'a Pair) -> PairEntry<'a> {
    let (a, b) = (&docs[p.a.index()], &docs[p.b.index()]);
    let mut entry = PairEntry::new(&a.id, &b.id, p);
    if let Some(o) = &mut entry.origin {
        let side = |d: &'a Document| (d.meta().date.as_ref(), d.meta().source.as_deref());
        o.sides = [side(a), side(b)];
    }
    entry
}

impl<'a> PairEntry<'a> {
    /// The entry of `pair`, whose documents have ids `a` and `b`.
    pub fn new(a: &'a str, b: &'a str, pair: &'a Pair) -> PairEntry<'a> {
        PairEntry {
            a,
            b,
            kind: pair.kind.name(),
            jaccard: pair.jaccard,
            containment_a: pair.containment_a,
            containment_b: pair.containment_b,
            passages: &pair.passages,
            budget_exhausted: pair.budget_exhausted,
            origin: pair.origin.as_ref().map(|o| OriginEntry {
                origin: o.side,
                origin_evidence: o.evidence,
                origin_why: &o.why,
                sides: [(None, None); 2],
            }),
        }
    }
}

fn cluster_entries<'a>(docs: &'a [Document], clusters: &[Cluster]) -> Vec<ClusterEntry<'a>> {
    let id = |d: crate::DocId| docs[d.index()].id.as_str();
    clusters
        .iter()
        .enumerate()
        .map(|(i, c)| ClusterEntry {
            id: i,
            representative: id(c.representative),
            members: c.members.iter().map(|&m| id(m)).collect(),
        })
        .collect()
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
            stories: None,
            publishers: None,
            stats: ReportStats { skipped: 0, warnings, scan: stats, candidates_left_out: None },
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

/// Writes a scan's report as its pairs arrive ([`PairSink`] of
/// [`scan_streaming`](crate::pipeline::scan_streaming)), for the formats
/// that allow it: JSON, JSONL and CSV. The bytes are those [`write()`] gives
/// for the whole scan.
pub struct Streamer<'a> {
    docs: &'a [Document],
    format: Format,
    out: &'a mut (dyn Write + Send),
    /// Named in errors.
    path: PathBuf,
    kinds: terminal::KindCounts,
}

impl<'a> Streamer<'a> {
    /// A writer of `format` into `out` (named `path` in errors), or `None`
    /// for a format that needs every pair first (text, HTML).
    pub fn new(
        docs: &'a [Document],
        format: Format,
        out: &'a mut (dyn Write + Send),
        path: PathBuf,
    ) -> Option<Streamer<'a>> {
        Streamer::streams(format).then_some(Streamer {
            docs,
            format,
            out,
            path,
            kinds: terminal::KindCounts::default(),
        })
    }

    /// Whether `format` is written as the pairs come (JSON, JSONL, CSV).
    pub fn streams(format: Format) -> bool {
        matches!(format, Format::Json | Format::Jsonl | Format::Csv)
    }

    fn io(&self, e: std::io::Error) -> Error {
        Error::io(&self.path, e)
    }

    /// Writes what follows the pairs and flushes; returns the one-line
    /// summary of the run (as [`terminal::summary`] gives it).
    pub fn finish(self, scan: &ScanSummary, skipped: usize, warnings: usize) -> Result<String, Error> {
        let clusters = cluster_entries(self.docs, &scan.clusters);
        let (stories, publishers) = origin_entries(self.docs, &scan.params, &scan.links, &scan.stories);
        let stats = ReportStats { skipped, warnings, scan: &scan.stats, candidates_left_out: None };
        let written = match self.format {
            Format::Json => json::end(
                self.out,
                self.kinds.total(),
                &clusters,
                stories.as_deref(),
                publishers.as_deref(),
                &stats,
            ),
            Format::Jsonl => clusters
                .iter()
                .try_for_each(|c| json::write_line(self.out, "cluster", c))
                .and_then(|()| {
                    stories.iter().flatten().try_for_each(|s| json::write_line(self.out, "story", s))
                })
                .and_then(|()| {
                    publishers.iter().flatten().try_for_each(|p| json::write_line(self.out, "publisher", p))
                })
                .and_then(|()| json::write_line(self.out, "stats", &stats)),
            _ => Ok(()),
        };
        written.and_then(|()| self.out.flush()).map_err(|e| Error::io(&self.path, e))?;
        Ok(terminal::summary_of(&stats, &self.kinds, clusters.len()))
    }
}

impl PairSink for Streamer<'_> {
    fn begin(&mut self, params: &Params, sketches: &[DocSketch]) -> Result<(), Error> {
        let documents = document_entries(self.docs, sketches);
        let written = match self.format {
            Format::Json => json::begin(self.out, params, &documents),
            Format::Jsonl => json::params_line(self.out, params)
                .and_then(|()| documents.iter().try_for_each(|d| json::write_line(self.out, "document", d))),
            _ => csv::header(self.out, params.origin),
        };
        written.map_err(|e| self.io(e))
    }

    fn pairs(&mut self, batch: Vec<Pair>) -> Result<(), Error> {
        let entries: Vec<PairEntry<'_>> = batch.iter().map(|p| pair_entry(self.docs, p)).collect();
        let mut written = Ok(());
        match self.format {
            Format::Json => {
                for e in &entries {
                    let first = self.kinds.total() == 0;
                    self.kinds.add(e.kind);
                    written = written.and_then(|()| json::pair(self.out, first, e));
                }
            }
            Format::Jsonl => {
                for e in &entries {
                    self.kinds.add(e.kind);
                    written = written.and_then(|()| json::write_line(self.out, "pair", e));
                }
            }
            _ => {
                entries.iter().for_each(|e| self.kinds.add(e.kind));
                written = csv::rows(&entries, self.out);
            }
        }
        written.map_err(|e| self.io(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline;

    /// A few documents with an exact copy, a near-duplicate and an excerpt.
    fn docs() -> Vec<Document> {
        let words = |seed: u64, n: usize| -> String {
            let mut x = seed;
            (0..n)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    format!("w{}", (x >> 40) % 5000)
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let base = words(1, 300);
        let mut near = base.clone();
        near.push_str(" and a few more words at the end");
        let excerpt = format!("{} {} {}", words(2, 200), &base[..600], words(3, 200));
        vec![
            Document::new("base", base.clone()),
            Document::new("other", words(4, 250)),
            Document::new("copy", base),
            Document::new("near \"quoted\"", near),
            Document::new("excerpt", excerpt),
        ]
    }

    /// Streaming gives the bytes of the whole report, whatever the batches,
    /// with and without dates, sources and origins.
    #[test]
    fn streamed_reports_equal_whole_ones() {
        streamed_equals_whole(docs(), crate::Config::default());
        let mut dated = docs();
        for (i, d) in dated.iter_mut().enumerate() {
            let date = crate::meta::Date::parse(&format!("2024-02-0{}", 5 - i)).unwrap();
            d.set_meta(crate::meta::Meta {
                date: Some(date),
                source: Some(format!("site {}", i % 2).into()),
            });
        }
        streamed_equals_whole(dated, crate::Config { origin: true, ..crate::Config::default() });
    }

    fn streamed_equals_whole(docs: Vec<Document>, config: crate::Config) {
        let scan = pipeline::scan(&docs, &config).unwrap();
        assert!(scan.pairs.len() >= 3, "{:?}", scan.pairs);
        for format in [Format::Json, Format::Jsonl, Format::Csv] {
            let mut whole = Vec::new();
            write(&Report::new(&docs, &scan, 1, 2), format, &mut whole).unwrap();
            if config.origin && format != Format::Csv {
                let text = String::from_utf8_lossy(&whole);
                assert!(text.contains("\"stories\"") || text.contains("\"type\":\"story\""), "{text}");
                assert!(text.contains("publisher"), "{text}");
            }
            for batch in [1, 2, 100] {
                let mut streamed = Vec::new();
                let mut s = Streamer::new(&docs, format, &mut streamed, "out".into()).unwrap();
                s.begin(&scan.params, &scan.sketches).unwrap();
                for chunk in scan.pairs.chunks(batch) {
                    s.pairs(chunk.to_vec()).unwrap();
                }
                let summary = ScanSummary {
                    params: scan.params.clone(),
                    sketches: scan.sketches.clone(),
                    clusters: scan.clusters.clone(),
                    links: scan.links.clone(),
                    stories: scan.stories.clone(),
                    stats: scan.stats.clone(),
                };
                let line = s.finish(&summary, 1, 2).unwrap();
                assert_eq!(line, terminal::summary(&Report::new(&docs, &scan, 1, 2)));
                assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(whole.clone()).unwrap());
            }
        }
        // Text and HTML need every pair first.
        assert!(Streamer::new(&docs, Format::Text, &mut Vec::new(), "out".into()).is_none());
    }

    /// With no pair at all the JSON still matches.
    #[test]
    fn streamed_json_without_pairs() {
        let docs = vec![Document::new("a", "one two three four five six"), Document::new("b", "")];
        let scan = pipeline::scan(&docs, &crate::Config::default()).unwrap();
        assert!(scan.pairs.is_empty());
        let mut whole = Vec::new();
        write(&Report::new(&docs, &scan, 0, 0), Format::Json, &mut whole).unwrap();
        let mut streamed = Vec::new();
        let mut s = Streamer::new(&docs, Format::Json, &mut streamed, "out".into()).unwrap();
        s.begin(&scan.params, &scan.sketches).unwrap();
        let summary = ScanSummary {
            params: scan.params.clone(),
            sketches: scan.sketches.clone(),
            clusters: scan.clusters.clone(),
            links: scan.links.clone(),
            stories: scan.stories.clone(),
            stats: scan.stats.clone(),
        };
        s.finish(&summary, 0, 0).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(whole).unwrap());
    }
}
