//! The readable table of a [`Report`] (`--format text`).
//!
//! Ids are passed through [`escape`] so that no control character from a
//! document (an ANSI escape, a carriage return, a bell) and no character
//! that reorders text on screen (bidirectional overrides and isolates)
//! reaches the terminal.

use std::borrow::Cow;
use std::io::{self, Write};

use super::{PairEntry, Report, ReportStats};
use crate::origin::{Evidence, Side};

/// Whether `c` must not reach a terminal raw: a control character (C0, DEL,
/// C1), a bidirectional embedding, override, isolate or mark, or a line or
/// paragraph separator.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Replaces every character that [`is_unsafe`] with a `\u{..}` escape.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A one-line summary of the run, as printed at the end.
pub fn summary(report: &Report<'_>) -> String {
    let mut kinds = KindCounts::default();
    report.pairs.iter().for_each(|p| kinds.add(p.kind));
    summary_of(&report.stats, &kinds, report.clusters.len())
}

/// How many pairs of each kind, in order of first appearance.
#[derive(Clone, Debug, Default)]
pub struct KindCounts(Vec<(&'static str, usize)>);

impl KindCounts {
    /// Counts one pair of `kind`.
    pub fn add(&mut self, kind: &'static str) {
        match self.0.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => self.0.push((kind, 1)),
        }
    }

    /// Pairs counted.
    pub fn total(&self) -> usize {
        self.0.iter().map(|(_, n)| n).sum()
    }
}

/// [`summary`] from the counts alone (for a report written as it went).
pub fn summary_of(stats: &ReportStats<'_>, kinds: &KindCounts, clusters: usize) -> String {
    let detail = if kinds.0.is_empty() {
        String::new()
    } else {
        let parts: Vec<String> = kinds.0.iter().map(|(k, n)| format!("{n} {k}")).collect();
        format!(" ({})", parts.join(", "))
    };
    format!(
        "{} documents ({} bytes, {} words, {} empty, {} skipped): {} pairs{}, {} clusters",
        stats.scan.documents,
        stats.scan.bytes,
        stats.scan.words,
        stats.scan.empty_documents,
        stats.skipped,
        kinds.total(),
        detail,
        clusters
    )
}

/// Writes the table.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", summary(report))?;
    if let Some(left_out @ 1..) = report.stats.candidates_left_out {
        let found = report.stats.scan.candidates;
        writeln!(
            out,
            "{left_out} of the {found} candidates found were left out by --limit (--limit 0 scores them all)"
        )?;
    }
    if let Some(t) = &report.stats.scan.seconds {
        writeln!(
            out,
            "seconds: sketch {:.3}, exact {:.3}, lsh {:.3}, reuse {:.3}, verify {:.3}, align {:.3}, cluster {:.3}",
            t.sketch, t.exact, t.lsh, t.reuse, t.verify, t.align, t.cluster
        )?;
    }
    if report.pairs.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<15} {:>7} {:>7} {:>7} {:>8}  a / b",
        "kind", "jaccard", "cont_a", "cont_b", "passages"
    )?;
    let pairs = most_reused_first(&report.pairs);
    for p in &pairs {
        writeln!(
            out,
            "{:<15} {:>7.3} {:>7.3} {:>7.3} {:>8}  {}",
            p.kind,
            p.jaccard,
            p.containment_a,
            p.containment_b,
            p.passages.len(),
            escape(&labelled(report, p, Side::A))
        )?;
        writeln!(
            out,
            "{:<15} {:>7} {:>7} {:>7} {:>8}  {}",
            "",
            "",
            "",
            "",
            "",
            escape(&labelled(report, p, Side::B))
        )?;
    }
    if let Some(command) = pairs.first().and_then(|p| compare_command(report, p)) {
        writeln!(out)?;
        writeln!(out, "the first pair's passages: {}", escape(&command))?;
    }
    if !report.clusters.is_empty() {
        writeln!(out)?;
        writeln!(out, "clusters")?;
        for c in &report.clusters {
            writeln!(
                out,
                "  #{} {} members, representative {}",
                c.id,
                c.members.len(),
                escape(c.representative)
            )?;
        }
    }
    if let Some(stories) = report.stories.as_deref().filter(|s| !s.is_empty()) {
        writeln!(out)?;
        let mut largest: Vec<_> = stories.iter().collect();
        // Stable: ties keep report order.
        largest.sort_by_key(|s| std::cmp::Reverse(s.members.len()));
        writeln!(
            out,
            "stories: {} (the largest {} shown; the JSON report has every tree)",
            stories.len(),
            STORIES.min(stories.len())
        )?;
        for s in largest.iter().take(STORIES) {
            let decided = s.members.iter().filter(|m| m.evidence.is_some()).count();
            writeln!(
                out,
                "  #{} {} members, earliest {}; {} of {} took their text from a member by date or text",
                s.id,
                s.members.len(),
                escape(s.earliest),
                decided,
                s.members.len() - 1
            )?;
        }
    }
    if let Some(flows) = report.publishers.as_deref().filter(|f| !f.is_empty()) {
        writeln!(out)?;
        writeln!(out, "publishers: who took from whom ({} flows; the most words first)", flows.len())?;
        writeln!(out, "  {:>9} {:>9} {:>6}  origin -> republisher", "words", "documents", "pairs")?;
        for f in flows.iter().take(FLOWS) {
            writeln!(
                out,
                "  {:>9} {:>9} {:>6}  {} -> {}",
                f.words,
                f.documents,
                f.pairs,
                escape(f.from),
                escape(f.to)
            )?;
        }
        if flows.len() > FLOWS {
            writeln!(out, "  ... {} more (--publishers FILE.csv writes them all)", flows.len() - FLOWS)?;
        }
    }
    Ok(())
}

/// Stories and flows listed in the text report.
const STORIES: usize = 10;
const FLOWS: usize = 20;

/// A pair's document on its line: its id, its date and source when known,
/// and whether the pair's text came from it.
fn labelled(report: &Report<'_>, p: &PairEntry<'_>, side: Side) -> String {
    let id = if side == Side::A { p.a } else { p.b };
    let mut out = id.to_string();
    let Some(origin) = &p.origin else {
        return out;
    };
    if let Some(d) = report.documents.iter().find(|d| d.id == id) {
        let known: Vec<String> =
            d.date.map(ToString::to_string).into_iter().chain(d.publisher.map(str::to_owned)).collect();
        if !known.is_empty() {
            out.push_str(&format!(" ({})", known.join(", ")));
        }
    }
    if origin.origin == Some(side) {
        let by = if origin.origin_evidence == Some(Evidence::Date) { "date" } else { "text" };
        out.push_str(&format!("  <- origin (by {by})"));
    }
    out
}

/// The pairs, most reused first: by the larger containment (the share of
/// one document found in the other), then matched passage words, then in
/// report order.
fn most_reused_first<'r, 'a>(pairs: &'r [PairEntry<'a>]) -> Vec<&'r PairEntry<'a>> {
    let mut sorted: Vec<&PairEntry<'a>> = pairs.iter().collect();
    let words = |p: &PairEntry<'_>| p.passages.iter().map(|x| x.words).sum::<usize>();
    // Stable: ties keep report order.
    sorted.sort_by(|x, y| {
        let reuse = |p: &PairEntry<'_>| p.containment_a.max(p.containment_b);
        reuse(y).total_cmp(&reuse(x)).then_with(|| words(y).cmp(&words(x)))
    });
    sorted
}

/// The `reprint compare` command that shows `pair`'s passages, when both
/// documents can be read again: two files, or two records of one JSONL
/// file.
fn compare_command(report: &Report<'_>, pair: &PairEntry<'_>) -> Option<String> {
    let source = |id: &str| report.documents.iter().find(|d| d.id == id).map(|d| d.source);
    let (a, b) = (source(pair.a)?, source(pair.b)?);
    let file_of = |s: &'_ str| -> Option<String> {
        let (file, line) = s.rsplit_once(':')?;
        (!line.is_empty() && line.bytes().all(|c| c.is_ascii_digit())).then(|| file.to_string())
    };
    match (file_of(a), file_of(b)) {
        // Standard input cannot be read again.
        (Some(fa), Some(fb)) if fa == fb && !fa.starts_with('<') => Some(format!(
            "reprint compare --jsonl {} {} {}",
            shell_quote(&fa),
            shell_quote(pair.a),
            shell_quote(pair.b)
        )),
        (None, None) if a == pair.a && b == pair.b && !a.starts_with('<') && !b.starts_with('<') => {
            Some(format!("reprint compare {} {}", shell_quote(a), shell_quote(b)))
        }
        _ => None,
    }
}

/// `s` as one shell word: as it is when it is plain, else in single quotes.
fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a\x1b[31mb\r"), "a\\u{1b}[31mb\\u{d}");
        assert_eq!(escape("bell\x07 del\x7f csi\u{9b}"), "bell\\u{7} del\\u{7f} csi\\u{9b}");
        assert_eq!(escape("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(
            escape("\u{2066}x\u{2069}\u{200f}\u{61c}\u{2028}"),
            "\\u{2066}x\\u{2069}\\u{200f}\\u{61c}\\u{2028}"
        );
        // Ordinary non-ASCII text is left alone.
        assert_eq!(escape("café 漢字 עברית"), "café 漢字 עברית");
    }
}
