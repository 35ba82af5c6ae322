//! CSV rendering of a [`Report`]: one row per pair.
//!
//! Columns: `a, b, kind, jaccard, containment_a, containment_b, passages,
//! longest_passage_words`. Quoting follows RFC 4180 (the `csv` crate), so a
//! spreadsheet opens it whatever the ids hold.

use std::io::{self, Write};

use super::{PairEntry, Report};

/// The header row.
pub const COLUMNS: [&str; 8] =
    ["a", "b", "kind", "jaccard", "containment_a", "containment_b", "passages", "longest_passage_words"];

/// Writes the pairs as CSV with a header row.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    header(out)?;
    rows(&report.pairs, out)
}

/// The header row alone.
pub(super) fn header(out: &mut dyn Write) -> io::Result<()> {
    let mut w = writer(out);
    w.write_record(COLUMNS)?;
    w.flush()
}

/// One row per pair, no header.
pub(super) fn rows(pairs: &[PairEntry<'_>], out: &mut dyn Write) -> io::Result<()> {
    let mut w = writer(out);
    for p in pairs {
        let longest = p.passages.iter().map(|x| x.words).max().unwrap_or(0);
        w.write_record([
            p.a,
            p.b,
            p.kind,
            &format!("{:.6}", p.jaccard),
            &format!("{:.6}", p.containment_a),
            &format!("{:.6}", p.containment_b),
            &p.passages.len().to_string(),
            &longest.to_string(),
        ])?;
    }
    w.flush()
}

fn writer(out: &mut dyn Write) -> ::csv::Writer<&mut dyn Write> {
    ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(out)
}
