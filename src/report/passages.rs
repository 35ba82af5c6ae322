//! The passage view of one compared pair: a [`Report`] of two documents,
//! their texts and a [`View`] in, the lines `reprint compare` prints out.
//!
//! Every passage is shown with its byte ranges, matched words, similarity
//! and compression, then its two sides, one under the other or, with
//! [`View::side_by_side`], in two columns, wrapped to [`View::width`]
//! columns. Each side is the original text of the passage, with every word
//! marked by the edit operation it belongs to:
//!
//! | operation  | side `a`            | side `b`          | colour      |
//! | ---------- | ------------------- | ----------------- | ----------- |
//! | equal      | as is               | as is             | bold cyan   |
//! | substitute | `[~old~]`           | `{~new~}`         | yellow      |
//! | delete     | `[-deleted-]`       | not shown         | red         |
//! | insert     | not shown           | `{+inserted+}`    | green       |
//!
//! With [`View::color`] the marks are ANSI colours instead of brackets; the
//! bracketed form reads well in a file or a pipe. With [`View::explain`]
//! (and passages aligned with `AlignConfig::explain`) each passage also
//! lists its anchors and why it stopped at each end.
//!
//! Document text never reaches the terminal raw: white space (new lines
//! included) is shown as one space, and other control characters and
//! bidirectional-override characters as `\u{..}` escapes.

use std::io::{self, Write};

use unicode_width::UnicodeWidthChar;

use super::terminal::is_unsafe;
use super::Report;
use crate::align::{EditOp, Explain, Passage, Stop};
use crate::Span;

/// How to draw the passages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// ANSI colours instead of bracket marks (default false).
    pub color: bool,
    /// Columns to wrap to (default 100; at least 20 are used).
    pub width: usize,
    /// The two sides in two columns instead of one under the other
    /// (default false).
    pub side_by_side: bool,
    /// List anchors and stop reasons of passages that have them (default
    /// false).
    pub explain: bool,
}

impl Default for View {
    fn default() -> View {
        View { color: false, width: 100, side_by_side: false, explain: false }
    }
}

/// The narrowest width drawn.
const MIN_WIDTH: usize = 20;
/// Longest quote of an anchor's words in the explain lines, in characters.
const ANCHOR_QUOTE: usize = 60;

/// What a piece of a side is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    /// Text between the words of two operations (punctuation, spaces).
    Between,
    /// Words both sides share.
    Shared,
    /// Words of `a` replaced in `b`.
    Old,
    /// Words of `b` that replace words of `a`.
    New,
    /// Words only in `a`.
    Deleted,
    /// Words only in `b`.
    Inserted,
}

impl Mark {
    /// The ANSI SGR parameters of the mark, if it is coloured.
    fn sgr(self) -> Option<&'static str> {
        match self {
            Mark::Between => None,
            Mark::Shared => Some("1;36"),
            Mark::Old | Mark::New => Some("33"),
            Mark::Deleted => Some("31"),
            Mark::Inserted => Some("32"),
        }
    }

    /// The brackets around the mark's text without colour.
    fn brackets(self) -> Option<(&'static str, &'static str)> {
        match self {
            Mark::Between | Mark::Shared => None,
            Mark::Old => Some(("[~", "~]")),
            Mark::New => Some(("{~", "~}")),
            Mark::Deleted => Some(("[-", "-]")),
            Mark::Inserted => Some(("{+", "+}")),
        }
    }
}

/// One character on screen and its mark.
type Cell = (char, Mark);

/// Which document of the pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    A,
    B,
}

/// Makes `s` safe for a terminal: white space becomes one space, control
/// and bidirectional-override characters become `\u{..}` escapes.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() {
            out.push(' ');
        } else if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The text of `span` in `text`, or nothing if the span does not fall on
/// character boundaries inside it.
fn slice(text: &str, span: Span) -> &str {
    if span.start > span.end {
        return "";
    }
    text.get(span.range()).unwrap_or("")
}

/// The side `which` of passage `p` as marked pieces of text, in order.
fn pieces<'t>(text: &'t str, p: &Passage, which: Which) -> Vec<(&'t str, Mark)> {
    let whole = match which {
        Which::A => p.a,
        Which::B => p.b,
    };
    let mut out = Vec::new();
    let mut cursor = whole.start;
    for op in &p.ops {
        let (span, mark) = match (which, *op) {
            (Which::A, EditOp::Equal { a, .. }) => (a, Mark::Shared),
            (Which::B, EditOp::Equal { b, .. }) => (b, Mark::Shared),
            (Which::A, EditOp::Substitute { a, .. }) => (a, Mark::Old),
            (Which::B, EditOp::Substitute { b, .. }) => (b, Mark::New),
            (Which::A, EditOp::Delete { a }) => (a, Mark::Deleted),
            (Which::B, EditOp::Insert { b }) => (b, Mark::Inserted),
            (Which::A, EditOp::Insert { .. }) | (Which::B, EditOp::Delete { .. }) => continue,
        };
        if span.start < cursor {
            // Out of order: show it anyway rather than lose words.
            out.push((slice(text, span), mark));
            continue;
        }
        out.push((slice(text, Span { start: cursor, end: span.start }), Mark::Between));
        out.push((slice(text, span), mark));
        cursor = span.end;
    }
    if cursor < whole.end {
        out.push((slice(text, Span { start: cursor, end: whole.end }), Mark::Between));
    }
    out
}

/// Cleans and (without colour) brackets the pieces, giving cells with
/// runs of white space collapsed to one space and none at either end.
fn cells(pieces: &[(&str, Mark)], color: bool) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    let push = |c: char, mark: Mark, out: &mut Vec<Cell>| {
        if c == ' ' && matches!(out.last(), None | Some(&(' ', _))) {
            return;
        }
        out.push((c, mark));
    };
    for &(text, mark) in pieces {
        if text.is_empty() {
            continue;
        }
        let brackets = if color { None } else { mark.brackets() };
        if let Some((open, _)) = brackets {
            open.chars().for_each(|c| push(c, mark, &mut out));
        }
        clean(text).chars().for_each(|c| push(c, mark, &mut out));
        if let Some((_, close)) = brackets {
            close.chars().for_each(|c| push(c, mark, &mut out));
        }
    }
    while out.last().is_some_and(|&(c, _)| c == ' ') {
        out.pop();
    }
    out
}

fn width_of(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Wraps cells into lines of at most `width` columns, breaking at spaces,
/// and inside a word only when the word alone is wider than a line.
fn wrap(cells: &[Cell], width: usize) -> Vec<Vec<Cell>> {
    let width = width.max(1);
    let mut lines: Vec<Vec<Cell>> = Vec::new();
    let mut line: Vec<Cell> = Vec::new();
    let mut line_width = 0;
    for word in cells.split(|&(c, _)| c == ' ').filter(|w| !w.is_empty()) {
        let word_width: usize = word.iter().map(|&(c, _)| width_of(c)).sum();
        if !line.is_empty() && line_width + 1 + word_width <= width {
            line.push((' ', word[0].1));
            line.extend_from_slice(word);
            line_width += 1 + word_width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_width = 0;
        }
        for &cell in word {
            let w = width_of(cell.0);
            if line_width + w > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0;
            }
            line.push(cell);
            line_width += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Draws cells as a string, with ANSI colours when `color` is set.
fn paint(cells: &[Cell], color: bool) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for (i, &(c, mark)) in cells.iter().enumerate() {
        // A space takes the colour of the words around it only when both
        // have the same mark.
        let sgr = if !color {
            None
        } else if c == ' ' {
            let next = cells.get(i + 1).and_then(|&(_, m)| m.sgr());
            current.filter(|&s| Some(s) == next)
        } else {
            mark.sgr()
        };
        if sgr != current {
            if current.is_some() {
                out.push_str("\x1b[0m");
            }
            if let Some(s) = sgr {
                out.push_str(&format!("\x1b[{s}m"));
            }
            current = sgr;
        }
        out.push(c);
    }
    if current.is_some() {
        out.push_str("\x1b[0m");
    }
    out
}

fn visible_width(cells: &[Cell]) -> usize {
    cells.iter().map(|&(c, _)| width_of(c)).sum()
}

fn bold(s: &str, color: bool) -> String {
    if color {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// `n` with thousands separated by commas.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn span_label(s: Span) -> String {
    format!("{}..{}", s.start, s.end)
}

/// The header: both documents, the pair's kind and scores, and how to read
/// the marks.
pub fn header(report: &Report<'_>, view: &View) -> Vec<String> {
    let mut lines = Vec::new();
    for (label, d) in ["a", "b"].iter().zip(&report.documents) {
        lines.push(format!(
            "{}  {}  ({} bytes, {} words)",
            bold(label, view.color),
            clean(d.id),
            thousands(d.bytes),
            thousands(d.words)
        ));
    }
    if let Some(pair) = report.pairs.first() {
        lines.push(format!(
            "{}: jaccard {:.3}, containment of a in b {:.3}, of b in a {:.3} ({}-word shingles); {} passage{}",
            bold(pair.kind, view.color),
            pair.jaccard,
            pair.containment_a,
            pair.containment_b,
            report.params.shingle_size,
            pair.passages.len(),
            if pair.passages.len() == 1 { "" } else { "s" }
        ));
        if !pair.passages.is_empty() {
            lines.push(legend(view.color));
        }
    }
    lines
}

fn legend(color: bool) -> String {
    let sample = |text: &str, mark: Mark| {
        let pieces = [(text, mark)];
        paint(&cells(&pieces, color), color)
    };
    format!(
        "marks: {} {} {} {} {}",
        sample("shared", Mark::Shared),
        sample("deleted", Mark::Deleted),
        sample("inserted", Mark::Inserted),
        sample("replaced", Mark::Old),
        sample("replacement", Mark::New)
    )
}

/// The lines of passage number `n` (from 1): its numbers, its two sides
/// and, with [`View::explain`], its explanation.
pub fn passage(n: usize, a_text: &str, b_text: &str, p: &Passage, view: &View) -> Vec<String> {
    let width = view.width.max(MIN_WIDTH);
    let mut lines = vec![format!(
        "{}  a {}  b {}  {} words  similarity {:.3}  compression {:.2}",
        bold(&format!("#{n}"), view.color),
        span_label(p.a),
        span_label(p.b),
        p.words,
        p.similarity,
        p.compression
    )];
    let a = cells(&pieces(a_text, p, Which::A), view.color);
    let b = cells(&pieces(b_text, p, Which::B), view.color);
    if view.side_by_side {
        let column = (width - 3) / 2;
        let (la, lb) = (wrap(&a, column), wrap(&b, column));
        for i in 0..la.len().max(lb.len()) {
            let left = la.get(i).map(Vec::as_slice).unwrap_or(&[]);
            let right = lb.get(i).map(Vec::as_slice).unwrap_or(&[]);
            let pad = " ".repeat(column.saturating_sub(visible_width(left)));
            let line = format!("{}{} | {}", paint(left, view.color), pad, paint(right, view.color));
            lines.push(line.trim_end().to_string());
        }
    } else {
        let column = width - 6;
        for (label, side) in [("a", &a), ("b", &b)] {
            for (i, line) in wrap(side, column).iter().enumerate() {
                let label = if i == 0 { label } else { " " };
                lines.push(format!("  {label} | {}", paint(line, view.color)).trim_end().to_string());
            }
        }
    }
    if view.explain {
        if let Some(e) = &p.explain {
            lines.extend(explain(a_text, e));
        }
    }
    lines
}

/// The explain lines of a passage: its anchors (positions and words, quoted
/// from `a_text`) and why it stops at each end.
pub fn explain(a_text: &str, e: &Explain) -> Vec<String> {
    let mut lines = vec![format!("  anchored by {} seed run{}:", e.anchors.len(), plural(e.anchors.len()))];
    for anchor in &e.anchors {
        lines.push(format!(
            "    a {} (word {})  b {} (word {})  {} words  \"{}\"",
            span_label(anchor.a),
            anchor.a_token,
            span_label(anchor.b),
            anchor.b_token,
            anchor.words,
            quote(slice(a_text, anchor.a))
        ));
    }
    lines.push(format!("  starts here: {}", stop_reason(e.start, "before")));
    lines.push(format!("  ends here: {}", stop_reason(e.end, "after")));
    lines
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `s` cleaned and cut to [`ANCHOR_QUOTE`] characters.
fn quote(s: &str) -> String {
    let cleaned = clean(s);
    if cleaned.chars().count() <= ANCHOR_QUOTE {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(ANCHOR_QUOTE - 1).collect();
    cut.push('…');
    cut
}

/// Why a passage stops, in words; `direction` is "before" or "after".
pub fn stop_reason(stop: Stop, direction: &str) -> String {
    match stop {
        Stop::EndOfText => {
            format!("a document {} here (end of text)", if direction == "before" { "begins" } else { "ends" })
        }
        Stop::GapTooLong { a_gap, b_gap } => format!(
            "gap too long: the nearest anchor {direction} it is {a_gap} word{} away in a and {b_gap} in b",
            plural(a_gap)
        ),
        Stop::SimilarityTooLow => {
            format!("similarity too low: no anchor {direction} it, and extending word by word did not pay")
        }
        Stop::Overlap => format!("overlap: the text {direction} it belongs to a higher-scoring passage"),
        Stop::Budget => "budget: the alignment work budget ran out".to_string(),
    }
}

/// The whole view of a report of one pair, whose documents' texts are
/// `texts`: the header, then every passage, separated by blank lines.
pub fn render(report: &Report<'_>, texts: [&str; 2], view: &View) -> String {
    let mut out = String::new();
    for line in header(report, view) {
        out.push_str(&line);
        out.push('\n');
    }
    let passages = report.pairs.first().map(|p| p.passages).unwrap_or(&[]);
    for (i, p) in passages.iter().enumerate() {
        out.push('\n');
        for line in passage(i + 1, texts[0], texts[1], p, view) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Writes [`render`] to `out`.
pub fn write(report: &Report<'_>, texts: [&str; 2], view: &View, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render(report, texts, view).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::{align, AlignConfig};
    use crate::text::tokenize;

    fn aligned(a: &str, b: &str, explain: bool) -> Passage {
        let config = AlignConfig { explain, ..AlignConfig::default() };
        let mut al = align(a, &tokenize(a), b, &tokenize(b), &config);
        assert_eq!(al.passages.len(), 1, "{al:?}");
        al.passages.remove(0)
    }

    const A: &str = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen \
                     fifteen sixteen seventeen eighteen";
    const B: &str = "one two three four fiver six seven eight extra nine ten eleven twelve fourteen \
                     fifteen sixteen seventeen eighteen";

    #[test]
    fn plain_marks_every_operation() {
        let p = aligned(A, B, false);
        let lines = passage(1, A, B, &p, &View::default());
        let text = lines.join("\n");
        assert!(text.contains("[~five~]"), "{text}");
        assert!(text.contains("{~fiver~}"), "{text}");
        assert!(text.contains("{+extra+}"), "{text}");
        assert!(text.contains("[-thirteen-]"), "{text}");
        assert!(!text.contains('\x1b'), "{text}");
    }

    #[test]
    fn colour_replaces_brackets() {
        let p = aligned(A, B, false);
        let view = View { color: true, ..View::default() };
        let text = passage(1, A, B, &p, &view).join("\n");
        assert!(text.contains("\x1b[33mfive\x1b[0m"), "{text:?}");
        assert!(text.contains("\x1b[32mextra\x1b[0m"), "{text:?}");
        assert!(!text.contains("[~"), "{text:?}");
    }

    #[test]
    fn lines_fit_the_width() {
        let a = format!("{A} {A} {A}");
        let b = format!("{B} {B} {B}");
        let p = aligned(&a, &b, false);
        for side_by_side in [false, true] {
            let view = View { width: 40, side_by_side, ..View::default() };
            for line in passage(1, &a, &b, &p, &view).iter().skip(1) {
                assert!(line.chars().count() <= 40, "{side_by_side}: {line:?}");
            }
        }
    }

    #[test]
    fn wraps_long_words_and_keeps_all_text() {
        let cells: Vec<Cell> = "ab cdefghijkl m".chars().map(|c| (c, Mark::Between)).collect();
        let lines: Vec<String> = wrap(&cells, 4).iter().map(|l| paint(l, false)).collect();
        assert_eq!(lines, ["ab", "cdef", "ghij", "kl m"]);
        assert_eq!(wrap(&[], 4), vec![Vec::<Cell>::new()]);
    }

    #[test]
    fn control_characters_never_pass() {
        assert_eq!(clean("a\x1b[31mb\r\nc\td\u{202e}e"), "a\\u{1b}[31mb  c d\\u{202e}e");
        let a = format!("start\x1b[2J {A}\r end");
        let b = format!("start\x1b[2J {B}\r end");
        let p = Passage { a: Span::new(0, a.len()), b: Span::new(0, b.len()), ..aligned(A, B, false) };
        let text = passage(1, &a, &b, &p, &View { color: true, ..View::default() }).join("\n");
        assert!(!text.contains("\x1b[2J") && !text.contains('\r'), "{text:?}");
    }

    #[test]
    fn bad_spans_do_not_panic() {
        let mut p = aligned(A, B, false);
        p.a = Span { start: 5, end: 1_000 };
        p.ops.push(EditOp::Equal { a: Span { start: 900, end: 2 }, b: Span { start: 1, end: 3 } });
        p.ops.insert(0, EditOp::Delete { a: Span { start: 2, end: 3 } });
        let _ = passage(1, "é", "", &p, &View { width: 0, side_by_side: true, ..View::default() });
    }

    #[test]
    fn explain_names_anchors_and_stops() {
        let p = aligned(A, B, true);
        let view = View { explain: true, ..View::default() };
        let text = passage(1, A, B, &p, &view).join("\n");
        assert!(text.contains("anchored by"), "{text}");
        assert!(text.contains("\"one two three four\""), "{text}");
        assert!(text.contains("starts here: a document begins here"), "{text}");
        assert!(text.contains("ends here:"), "{text}");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
