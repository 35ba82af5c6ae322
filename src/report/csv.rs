//! CSV rendering of a [`Report`]: one row per pair.
//!
//! Columns: `a, b, kind, jaccard, containment_a, containment_b, passages,
//! longest_passage_words`, and `origin, origin_evidence, a_date,
//! a_publisher, b_date, b_publisher` when origins are on (empty when
//! unknown). Quoting follows RFC 4180 (the `csv` crate), so a
//! spreadsheet opens it whatever the ids hold.
//!
//! [`flows`] writes the publishers' view as an edge list.

use std::io::{self, Write};

use super::{PairEntry, Report};
use crate::origin::{Evidence, Flow, Side};

/// The header row.
pub const COLUMNS: [&str; 8] =
    ["a", "b", "kind", "jaccard", "containment_a", "containment_b", "passages", "longest_passage_words"];

/// Writes the pairs as CSV with a header row.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    header(out, report.params.origin)?;
    rows(&report.pairs, out)
}

/// The columns added when origins are on.
pub const ORIGIN_COLUMNS: [&str; 6] =
    ["origin", "origin_evidence", "a_date", "a_publisher", "b_date", "b_publisher"];

/// The header row alone (with the origin columns when `origin`).
pub(super) fn header(out: &mut dyn Write, origin: bool) -> io::Result<()> {
    let mut w = writer(out);
    let extra: &[&str] = if origin { &ORIGIN_COLUMNS } else { &[] };
    w.write_record(COLUMNS.iter().chain(extra))?;
    w.flush()
}

/// The publishers' view as an edge list: `Source, Target, Weight` (words
/// reused), `documents, pairs`, one row per flow, most words first.
/// Gephi reads the first three columns as a directed weighted edge.
pub fn flows(flows: &[Flow<'_>], out: &mut dyn Write) -> io::Result<()> {
    let mut w = writer(out);
    w.write_record(["Source", "Target", "Weight", "documents", "pairs"])?;
    for f in flows {
        w.write_record([f.from, f.to, &f.words.to_string(), &f.documents.to_string(), &f.pairs.to_string()])?;
    }
    w.flush()
}

/// One row per pair, no header.
pub(super) fn rows(pairs: &[PairEntry<'_>], out: &mut dyn Write) -> io::Result<()> {
    let mut w = writer(out);
    for p in pairs {
        let longest = p.passages.iter().map(|x| x.words).max().unwrap_or(0);
        let fields = [
            p.a,
            p.b,
            p.kind,
            &format!("{:.6}", p.jaccard),
            &format!("{:.6}", p.containment_a),
            &format!("{:.6}", p.containment_b),
            &p.passages.len().to_string(),
            &longest.to_string(),
        ];
        match &p.origin {
            None => w.write_record(fields)?,
            Some(o) => {
                let side = o.origin.map_or("", |s| if s == Side::A { "a" } else { "b" });
                let evidence =
                    o.origin_evidence.map_or("", |e| if e == Evidence::Date { "date" } else { "text" });
                let [(da, pa), (db, pb)] = o.sides;
                let (da, db) = (da.map_or("", |d| d.as_str()), db.map_or("", |d| d.as_str()));
                let (pa, pb) = (pa.unwrap_or(""), pb.unwrap_or(""));
                w.write_record(fields.iter().copied().chain([side, evidence, da, pa, db, pb]))?
            }
        }
    }
    w.flush()
}

fn writer(out: &mut dyn Write) -> ::csv::Writer<&mut dyn Write> {
    ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(out)
}
