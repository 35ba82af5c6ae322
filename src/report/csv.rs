//! CSV rendering of a [`Report`]: one row per pair.
//!
//! Columns: `a, b, kind, jaccard, containment_a, containment_b, passages,
//! longest_passage_words`. Quoting follows RFC 4180 (the `csv` crate), so a
//! spreadsheet opens it whatever the ids hold.

use std::io::{self, Write};

use super::Report;

/// The header row.
pub const COLUMNS: [&str; 8] =
    ["a", "b", "kind", "jaccard", "containment_a", "containment_b", "passages", "longest_passage_words"];

/// Writes the pairs as CSV with a header row.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(out);
    w.write_record(COLUMNS)?;
    for p in &report.pairs {
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
