//! A pair's texts to detections: the passages `reprint compare` aligns,
//! moved out to their sentences' bounds ([`to_sentences`]), neighbours
//! joined ([`join_neighbours`]), short ones dropped, then widened
//! (`widen.rs`), with character offsets ([`char_offsets`]); and every pair
//! of a corpus in parallel ([`detect_corpus`]). Between reading the corpus
//! (`corpus.rs`) and writing (`xml.rs`) or scoring (`measures.rs`) what it
//! finds.

use rayon::prelude::*;

use super::corpus::{Corpus, Pair};
use super::widen::widen;
use super::Detection;
use crate::align::AlignConfig;
use crate::compare::align_texts;
use crate::pipeline::Progress;
use crate::{Error, Span};

/// The reused passages of `src` in `susp`, with character offsets: the
/// passages [`align_texts`] finds (the alignment `reprint compare` shows),
/// each one detection from its first to its last word on each side, with
/// each end moved out to the bounds of its sentences ([`to_sentences`],
/// within [`SENTENCE_REACH`] characters) when it lies inside a sentence on
/// both sides; neighbours joined ([`join_neighbours`]), what is then
/// shorter than [`MIN_DETECTION`] characters on either side dropped, and
/// the source side of a summary widened to the sentences it draws on,
/// any other detection extended by the similar sentence pairs around it
/// (`widen`).
pub fn detect(susp: &str, src: &str, config: &AlignConfig) -> Vec<Detection> {
    let compared = align_texts(susp, src, config);
    let passages = &compared.alignment.passages;
    let (mut susp_bytes, mut src_bytes) = (Vec::new(), Vec::new());
    for p in passages {
        let (a, b) = (to_sentences(susp, p.a, SENTENCE_REACH), to_sentences(src, p.b, SENTENCE_REACH));
        // An end moves only where it lies inside a sentence on both sides:
        // where one side's passage already starts (or ends) a sentence, the
        // other side's words beyond it were not taken with it.
        let start = a.start < p.a.start && b.start < p.b.start;
        let end = a.end > p.a.end && b.end > p.b.end;
        susp_bytes.extend([if start { a.start } else { p.a.start }, if end { a.end } else { p.a.end }]);
        src_bytes.extend([if start { b.start } else { p.b.start }, if end { b.end } else { p.b.end }]);
    }
    let (t, s) = (char_offsets(susp, &susp_bytes), char_offsets(src, &src_bytes));
    let found =
        (0..passages.len()).map(|i| Detection::new(t[2 * i]..t[2 * i + 1], s[2 * i]..s[2 * i + 1])).collect();
    let mut found = join_neighbours(found, NEIGHBOUR_GAP);
    found.retain(|d| d.this_length.min(d.source_length) >= MIN_DETECTION);
    widen(susp, &compared.a_tokens, src, &compared.b_tokens, config, &mut found);
    found
}

/// The detections of every pair of `corpus`, in the order of
/// [`Corpus::pairs`], each pair read and aligned by [`detect`] in parallel
/// on the current rayon pool. `progress` gets one stage, `aligning`, and
/// one unit per pair. The first unreadable document is an error.
pub fn detect_corpus(
    corpus: &Corpus,
    config: &AlignConfig,
    progress: &dyn Progress,
) -> Result<Vec<Vec<Detection>>, Error> {
    let pairs: Vec<&Pair> = corpus.pairs().collect();
    progress.stage("aligning", pairs.len() as u64);
    pairs
        .par_iter()
        .map(|pair| {
            let (susp, src) = corpus.read_pair(pair)?;
            let found = detect(&susp, &src, config);
            progress.advance(1);
            Ok(found)
        })
        .collect()
}

/// Fewest characters of a detection on either side, once neighbours are
/// joined (about 15 words, one short sentence): a lone shared phrase or
/// address line is common text, not a reused passage, and a piece of a
/// larger case lies near the rest of it and has been joined to it.
pub const MIN_DETECTION: usize = 100;

/// How far, in characters, [`detect`] moves a detection's ends out to its
/// sentences' bounds (about 20 words): reuse takes whole sentences, and a
/// rewrite moves, drops and replaces words up to a sentence's first and
/// last, where word alignment, which ends on matched words, stops short.
pub const SENTENCE_REACH: usize = 100;

/// Whether `c`, after a sentence's last word, ends it.
fn ends_sentence(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '؟' | '।')
}

/// Whether `c` may follow the mark that ends a sentence (a closing quote
/// or bracket) and still belong to that sentence.
fn closes(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '»' | '”' | '’')
}

/// `span` (byte offsets on character boundaries of `text`) widened to the
/// bounds of the sentences of its first and last characters, each end only
/// if the bound lies within `reach` characters: back to just after the
/// nearest line break, or sentence-ending mark (`.`, `!`, `?` ...; closing
/// quotes and brackets after it) followed by white space, or the text's
/// start, skipping white space and those quotes; on to the nearest sentence-ending mark (and
/// its closing quotes) or line break, or the text's end, leaving white
/// space out. An end with no bound within reach stays where it is.
pub fn to_sentences(text: &str, span: Span, reach: usize) -> Span {
    // Back: characters before the start, nearest first.
    let mut start = span.start;
    let before = &text[..span.start];
    let mut seen_space = false;
    let mut found = None;
    for (n, (at, c)) in before.char_indices().rev().enumerate() {
        if n > reach {
            break;
        }
        if c == '\n' || (seen_space && ends_sentence(c)) {
            found = Some(at + c.len_utf8());
            break;
        }
        if c.is_whitespace() {
            seen_space = true;
        } else if !(seen_space && closes(c)) {
            seen_space = false;
        }
    }
    if found.is_none() && before.chars().count() <= reach {
        found = Some(0);
    }
    if let Some(at) = found {
        let gap = &text[at..span.start];
        let skip = gap.len() - gap.trim_start_matches(|c: char| c.is_whitespace() || closes(c)).len();
        start = at + skip;
    }
    // On: characters after the end.
    let mut end = span.end;
    let after = &text[span.end..];
    let mut found = None;
    for (n, (at, c)) in after.char_indices().enumerate() {
        if n > reach {
            break;
        }
        if c == '\n' {
            found = Some(span.end + at);
            break;
        }
        if ends_sentence(c) {
            let rest = &after[at + c.len_utf8()..];
            let close: usize = rest.chars().take_while(|&q| closes(q)).map(char::len_utf8).sum();
            found = Some(span.end + at + c.len_utf8() + close);
            break;
        }
    }
    if found.is_none() && after.chars().count() <= reach {
        found = Some(text.len());
    }
    if let Some(at) = found {
        end = span.end + text[span.end..at].trim_end().len();
    }
    Span::new(start.min(span.start), end.max(span.end))
}

/// Characters between two detections, in both documents, within which they
/// are one case (about 50 words, a few sentences): PAN scores a case found
/// in pieces by its granularity, and PAN systems join such pieces.
pub const NEIGHBOUR_GAP: usize = 300;

/// How much further apart the pieces of one case may lie on the other side:
/// a summary condenses its source up to about ten times.
pub const CONDENSATION: usize = 10;

/// How much further apart the pieces of one case may lie in the source
/// when they are neighbours in the suspicious document: twice
/// [`CONDENSATION`], since the suspicious document is the one that
/// reuses, and a summary there draws sentence by sentence on its whole
/// source, in another order.
pub const SOURCE_CONDENSATION: usize = 20;

/// Joins detections that lie within `gap` characters of each other in one
/// document and [`CONDENSATION`] times that in the other (or within `gap`
/// in the suspicious document and [`SOURCE_CONDENSATION`] times that in the
/// source), in either order, into one covering them all; sorted by their
/// offsets. A rewrite that
/// moves sentences is aligned as several passages, in another order on each
/// side; a summary as passages close together in the summary and spread
/// over its source.
pub fn join_neighbours(mut found: Vec<Detection>, gap: usize) -> Vec<Detection> {
    let within = |x: (usize, usize), y: (usize, usize), gap: usize| x.0 <= y.1 + gap && y.0 <= x.1 + gap;
    let long = CONDENSATION * gap;
    let longer = SOURCE_CONDENSATION * gap;
    let near = |x: &Detection, y: &Detection| {
        (within(x.this(), y.this(), gap) && within(x.source(), y.source(), longer))
            || (within(x.this(), y.this(), long) && within(x.source(), y.source(), gap))
    };
    loop {
        let mut joined = false;
        'outer: for i in 0..found.len() {
            for k in i + 1..found.len() {
                let (x, y) = (found[i], found[k]);
                if near(&x, &y) {
                    let this = x.this_offset.min(y.this_offset)..x.this().1.max(y.this().1);
                    let source = x.source_offset.min(y.source_offset)..x.source().1.max(y.source().1);
                    found[i] = Detection::new(this, source);
                    found.swap_remove(k);
                    joined = true;
                    break 'outer;
                }
            }
        }
        if !joined {
            break;
        }
    }
    found.sort_unstable_by_key(|d| (d.this_offset, d.source_offset, d.this_length, d.source_length));
    found
}

/// The character (code point) offsets of the byte `offsets` of `text`, in
/// one pass over the text however many offsets there are.
///
/// # Panics
///
/// If an offset is past the end of `text` or inside a character.
pub fn char_offsets(text: &str, offsets: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_unstable_by_key(|&i| offsets[i]);
    let mut out = vec![0; offsets.len()];
    let (mut byte, mut chars) = (0, 0);
    for i in order {
        chars += text[byte..offsets[i]].chars().count();
        byte = offsets[i];
        out[i] = chars;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_gives_char_ranges_of_the_passage() {
        let passage = "Ça va? Le cœur a ses raisons que la raison ne connaît point, dit Pascal \
                       dans ses Pensées écrites à Port-Royal vers mille six cent soixante.";
        let susp = format!("Über alles — 日本語の文章です。 {passage} Fin. 終わり");
        let src = format!("Préface: ¿qué? «Ici» {passage} — épilogue.");
        let dets = detect(&susp, &src, &AlignConfig::default());
        assert_eq!(dets.len(), 1, "{dets:?}");
        let chars = |text: &str, at: usize, len: usize| text.chars().skip(at).take(len).collect::<String>();
        let det = dets[0];
        // Its last word's full stop on both sides; in `src` its sentence
        // starts with "«Ici»", but in `susp` the passage starts a sentence,
        // so "«Ici»" was not taken with it.
        assert_eq!(chars(&susp, det.this_offset, det.this_length), passage);
        assert_eq!(chars(&src, det.source_offset, det.source_length), passage);
        // Inside a sentence on both sides: both ends move to its start.
        let (susp, src) = (format!("Fin. Hier soir {passage}"), format!("Préface. Ce matin {passage}"));
        let det = detect(&susp, &src, &AlignConfig::default())[0];
        assert_eq!(chars(&susp, det.this_offset, det.this_length), format!("Hier soir {passage}"));
        assert_eq!(chars(&src, det.source_offset, det.source_length), format!("Ce matin {passage}"));
        assert!(detect("nothing in common here at all", &src, &AlignConfig::default()).is_empty());
    }

    #[test]
    fn a_lone_short_match_is_no_detection() {
        // (Not a name or an address: the aligner drops shared names.)
        let line = "we would meet by the old station before the morning train left";
        let susp = format!("Write to the office of the dean. {line}. Nothing else here.");
        let src = format!("Our campus lies far away from it all. {line}. Visit us soon.");
        // The aligner finds it (and detect snaps it to its sentence), but it
        // is shorter than MIN_DETECTION.
        assert_eq!(align_texts(&susp, &src, &AlignConfig::default()).alignment.passages.len(), 1);
        assert!(line.len() + 1 < MIN_DETECTION);
        assert!(detect(&susp, &src, &AlignConfig::default()).is_empty());
        // Twice as long, it is one.
        let long = format!("{line}, and again {line}");
        let (susp, src) = (susp.replace(line, &long), src.replace(line, &long));
        assert_eq!(detect(&susp, &src, &AlignConfig::default()).len(), 1);
    }

    #[test]
    fn detections_widen_to_sentences_within_reach() {
        let at = |text: &str, part: &str| {
            let start = text.find(part).expect("part of the text");
            Span::new(start, start + part.len())
        };
        let text =
            "First one ends here. Then the \u{e9}t\u{e9} (\"middle\") part goes on!\" After it.\nA line";
        let got = |part: &str, reach: usize| {
            let s = to_sentences(text, at(text, part), reach);
            &text[s.start..s.end]
        };
        // Back past a closing quote to the full stop, on to "!" and its quote.
        assert_eq!(got("(\"middle\") part goes", 100), "Then the \u{e9}t\u{e9} (\"middle\") part goes on!\"");
        // An end out of reach stays; reach counts characters, not bytes.
        assert_eq!(got("(\"middle\") part goes", 3), "(\"middle\") part goes on!\"");
        assert_eq!(got("\u{e9}t\u{e9} (", 10), "Then the \u{e9}t\u{e9} (");
        assert_eq!(got("\u{e9}t\u{e9} (", 8), "\u{e9}t\u{e9} (");
        // A line break bounds a sentence; the text's ends bound the first
        // and last, white space left out.
        assert_eq!(got("After", 100), "After it.");
        assert_eq!(got("lin", 100), "A line");
        assert_eq!(got("one", 100), "First one ends here.");
        assert_eq!(to_sentences("  x y  ", Span::new(2, 3), 10), Span::new(2, 5));
        // A span already on its bounds does not move.
        let whole = at(text, "After it.");
        assert_eq!(to_sentences(text, whole, 100), whole);
    }

    #[test]
    fn neighbours_join_in_either_order_and_far_ones_do_not() {
        let d = |t: (usize, usize), s: (usize, usize)| Detection::new(t.0..t.1, s.0..s.1);
        // Three sentences of a case, moved around in the source.
        let pieces = vec![d((0, 100), (250, 350)), d((102, 200), (120, 240)), d((205, 300), (0, 110))];
        assert_eq!(join_neighbours(pieces, 20), [d((0, 300), (0, 350))]);
        // Near in one document, and within ten times the gap in the other:
        // a summary's pieces, spread over its source.
        let summary = vec![d((0, 100), (0, 100)), d((110, 200), (290, 400))];
        assert_eq!(join_neighbours(summary, 20), [d((0, 200), (0, 400))]);
        // Neighbours in the suspicious document may lie twenty times the
        // gap apart in the source; the other way round, ten.
        let spread = vec![d((0, 100), (0, 100)), d((110, 200), (400, 500))];
        assert_eq!(join_neighbours(spread, 20), [d((0, 200), (0, 500))]);
        let spread = vec![d((0, 100), (0, 100)), d((400, 500), (110, 200))];
        assert_eq!(join_neighbours(spread.clone(), 20), spread);
        // Near in one document only: two cases.
        let apart = vec![d((0, 100), (0, 100)), d((110, 200), (900, 1000))];
        assert_eq!(join_neighbours(apart.clone(), 20), apart);
        // A chain joins through its middle link, whatever the input order.
        let chain = vec![d((400, 500), (400, 500)), d((0, 100), (0, 100)), d((110, 390), (110, 390))];
        assert_eq!(join_neighbours(chain, 20), [d((0, 500), (0, 500))]);
    }

    #[test]
    fn char_offsets_count_code_points() {
        let text = "a\u{e9}b \u{1F600}\u{0}x 日本語 z";
        let bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        // Asked in reverse, with repeats: the answers follow the question.
        let mut asked: Vec<usize> = bytes.iter().rev().copied().collect();
        asked.push(bytes[3]);
        let got = char_offsets(text, &asked);
        let n = bytes.len() - 1;
        let mut want: Vec<usize> = (0..=n).rev().collect();
        want.push(3);
        assert_eq!(got, want);
        assert_eq!(char_offsets("", &[0, 0]), vec![0, 0]);
        assert!(std::panic::catch_unwind(|| char_offsets("\u{e9}", &[1])).is_err());
    }
}
