//! PAN interoperability: a PAN text-alignment corpus in; reprint's
//! detections for its pairs, their PAN scores, and detection XMLs out.
//!
//! The PAN text-alignment corpora (PAN 2013-2015, e.g. the 2013 training
//! corpus) are the field's standard benchmark for finding reused passages.
//! This module reads their layout ([`Corpus::open`]), turns each pair of
//! texts into [`Detection`]s with the alignment `reprint compare` uses
//! ([`detect`], [`detect_corpus`]), scores them with the PAN measures
//! ([`score`], [`evaluate`]) and writes them as the XMLs the official
//! evaluator reads ([`write_xml`], [`write_detections`]).
//!
//! # Layout
//!
//! ```text
//! CORPUS/susp/suspicious-documentXXXXX.txt    suspicious documents
//! CORPUS/src/source-documentYYYYY.txt         source documents
//! CORPUS/pairs                                every pair: "SUSP SRC" per line
//! CORPUS/SUBSET/pairs                         the pairs of one subset
//! CORPUS/SUBSET/SUSP-SRC.xml                  its truth (".txt" dropped)
//! ```
//!
//! A subset is any folder holding a `pairs` file; subsets are taken in
//! name order. A truth XML lists `<feature name="plagiarism" this_offset
//! this_length source_offset source_length .../>` elements; a pair without
//! one has no case.
//!
//! # Offsets
//!
//! PAN offsets and lengths count characters (Unicode code points), not
//! bytes. reprint's spans are bytes, so [`detect`] converts them
//! ([`char_offsets`]). Documents are read as they are
//! ([`read_document`]): stray NUL bytes, which some PAN documents hold, are
//! kept and counted like any other character.
//!
//! # Measures
//!
//! As in the official evaluator (Potthast, Stein, Barrón-Cedeño, Rosso, "An
//! Evaluation Framework for Plagiarism Detection", COLING 2010) and
//! `pan_eval.py`, its reimplementation: a case or detection is its
//! characters in both documents of its pair; a detection `r` detects a case
//! `s` when they overlap in both documents. Then
//!
//! - precision = mean over detections `r` of |⋃ₛ (s ∩ r)| / |r|, over the
//!   cases `r` detects (0 for a detection that detects none, such as any
//!   detection on a pair without cases);
//! - recall = mean over cases `s` of |⋃ᵣ (s ∩ r)| / |s|, over the
//!   detections that detect `s`;
//! - granularity = mean number of detections per detected case (1 when no
//!   case is detected);
//! - plagdet = F1(precision, recall) / log2(1 + granularity).
//!
//! Identical cases, or identical detections, of one pair count once. With
//! neither cases nor detections every measure is 1; with only one of the
//! two, precision and recall are 0 (a missing mean counts 0). Unions are
//! computed on sorted intervals, never on sets of characters.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::align::AlignConfig;
use crate::compare::align_texts;
use crate::eval::union_within;
use crate::lang::Keyer;
use crate::pipeline::Progress;
use crate::{Error, Span};

/// Folder of the suspicious documents.
pub const SUSPICIOUS_DIR: &str = "susp";
/// Folder of the source documents.
pub const SOURCE_DIR: &str = "src";
/// `name` of a truth feature.
pub const CASE_NAME: &str = "plagiarism";
/// `name` of a detection feature, as reprint writes it.
pub const DETECTION_NAME: &str = "detected-plagiarism";

/// A case or a detection: a range of characters (code points) in the
/// suspicious document and one in the source document of a pair, as PAN
/// writes them (offset and length).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Detection {
    /// First character in the suspicious document.
    pub this_offset: usize,
    /// Characters in the suspicious document.
    pub this_length: usize,
    /// First character in the source document.
    pub source_offset: usize,
    /// Characters in the source document.
    pub source_length: usize,
}

impl Detection {
    /// A detection of the half-open character ranges `this` (suspicious)
    /// and `source`.
    pub fn new(this: std::ops::Range<usize>, source: std::ops::Range<usize>) -> Detection {
        Detection {
            this_offset: this.start,
            this_length: this.end.saturating_sub(this.start),
            source_offset: source.start,
            source_length: source.end.saturating_sub(source.start),
        }
    }

    fn this(&self) -> (usize, usize) {
        (self.this_offset, self.this_offset + self.this_length)
    }

    fn source(&self) -> (usize, usize) {
        (self.source_offset, self.source_offset + self.source_length)
    }

    /// Whether `self` and `other` overlap in both documents.
    fn detects(&self, other: &Detection) -> bool {
        overlap(self.this(), other.this()) > 0 && overlap(self.source(), other.source()) > 0
    }
}

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

/// Widens the source side of every detection in `found` that condenses
/// its source ([`SUMMARY_RATIO`]) to the source sentences its suspicious
/// side draws on ([`draw_on`]), extends every other one by the similar
/// sentence pairs around it ([`extend`]), then joins those that come to
/// overlap.
fn widen(
    susp: &str,
    susp_tokens: &[crate::text::Token],
    src: &str,
    src_tokens: &[crate::text::Token],
    config: &AlignConfig,
    found: &mut Vec<Detection>,
) {
    if found.is_empty() {
        return;
    }
    let summary = |d: &Detection| d.source_length >= SUMMARY_RATIO * d.this_length;
    let mut keyer = Keyer::new();
    let (mut ka, mut kb) = (Vec::new(), Vec::new());
    keyer.keys(susp, susp_tokens, config.language.resolve(susp_tokens), &mut ka);
    keyer.keys(src, src_tokens, config.language.resolve(src_tokens), &mut kb);
    let (a, b) = (Keyed::new(susp, susp_tokens, &ka), Keyed::new(src, src_tokens, &kb));
    for d in found.iter_mut() {
        *d = if summary(d) { draw_on(&a, &b, *d) } else { extend(&a, &b, *d) };
    }
    *found = join_neighbours(std::mem::take(found), NEIGHBOUR_GAP);
}

/// `d` grown by whole sentences, one pair at a time, while the sentence
/// before it (or after it) in the suspicious document and the one before
/// (or after) it in the source share [`EXTEND_WORDS`] distinct content
/// words and a Dice coefficient of [`EXTEND_DICE`] on them: a rewrite's
/// first or last sentence that word alignment could not anchor, but that
/// still says what its source's says.
fn extend(a: &Keyed, b: &Keyed, d: Detection) -> Detection {
    let similar = |i: usize, j: usize| {
        let (x, y) = (&a.keys[i], &b.keys[j]);
        let shared = x.iter().filter(|k| y.binary_search(k).is_ok()).count();
        shared >= EXTEND_WORDS && 2.0 * shared as f64 >= EXTEND_DICE * (x.len() + y.len()) as f64
    };
    let (sa, sb) = (a.within(d.this()), b.within(d.source()));
    if sa.is_empty() || sb.is_empty() {
        return d;
    }
    let (mut a0, mut b0, mut a1, mut b1) = (sa.start, sb.start, sa.end - 1, sb.end - 1);
    while a0 > 0 && b0 > 0 && similar(a0 - 1, b0 - 1) {
        a0 -= 1;
        b0 -= 1;
    }
    while a1 + 1 < a.bounds.len() && b1 + 1 < b.bounds.len() && similar(a1 + 1, b1 + 1) {
        a1 += 1;
        b1 += 1;
    }
    let (mut this, mut source) = (d.this_offset..d.this().1, d.source_offset..d.source().1);
    if a0 < sa.start {
        (this.start, source.start) = (a.bounds[a0].0, b.bounds[b0].0);
    }
    if a1 >= sa.end {
        (this.end, source.end) = (a.bounds[a1].1, b.bounds[b1].1);
    }
    Detection::new(this, source)
}

/// Least distinct content words that two neighbouring sentences share for
/// `extend` to take them.
pub const EXTEND_WORDS: usize = 2;
/// Least Dice coefficient of their distinct content words (the seed
/// threshold of Sanchez-Perez et al.).
pub const EXTEND_DICE: f64 = 0.33;

/// A detection whose source side is this many times longer than its
/// suspicious side condenses its source: a summary.
pub const SUMMARY_RATIO: usize = 3;
/// A source sentence that shares this many distinct content words (stems,
/// stop words aside) with a summary is one the summary draws on.
pub const DRAWN_WORDS: usize = 2;
/// Most source sentences in a row that a summary does not draw on inside
/// the source span of its detection.
pub const DRAWN_GAP: usize = 6;

/// One document's sentences, with their content keys and character bounds.
struct Keyed {
    /// Character range of each sentence, first word to last.
    bounds: Vec<(usize, usize)>,
    /// Distinct content keys of each sentence, sorted.
    keys: Vec<Vec<u64>>,
}

impl Keyed {
    fn new(text: &str, tokens: &[crate::text::Token], keys: &[crate::lang::Key]) -> Keyed {
        let mut sentences = Vec::new();
        crate::align::split_sentences(text, tokens, keys, &mut sentences);
        let bytes: Vec<usize> =
            sentences.iter().flat_map(|r| [tokens[r.start].span.start, tokens[r.end - 1].span.end]).collect();
        let chars = char_offsets(text, &bytes);
        let bounds = chars.chunks(2).map(|c| (c[0], c[1])).collect();
        let keys = sentences
            .iter()
            .map(|r| {
                let mut k: Vec<u64> = keys[r.clone()].iter().filter(|k| k.content).map(|k| k.key).collect();
                k.sort_unstable();
                k.dedup();
                k
            })
            .collect();
        Keyed { bounds, keys }
    }

    /// The sentences that overlap the characters `range`.
    fn within(&self, (start, end): (usize, usize)) -> std::ops::Range<usize> {
        let first = self.bounds.partition_point(|b| b.1 <= start);
        let last = self.bounds.partition_point(|b| b.0 < end);
        first..last.max(first)
    }
}

/// `d` with its source side widened to the source sentences its suspicious
/// side draws on: outwards from its source span, as far as the last
/// sentence sharing [`DRAWN_WORDS`] distinct content words with the
/// suspicious side, across at most [`DRAWN_GAP`] sentences in a row that
/// share fewer. A summary condenses a whole stretch of its source, most of
/// which no sentence of it matches closely.
fn draw_on(a: &Keyed, b: &Keyed, d: Detection) -> Detection {
    let mut summary: Vec<u64> = a.within(d.this()).flat_map(|s| a.keys[s].iter().copied()).collect();
    summary.sort_unstable();
    summary.dedup();
    let drawn =
        |s: usize| b.keys[s].iter().filter(|k| summary.binary_search(k).is_ok()).count() >= DRAWN_WORDS;
    let span = b.within(d.source());
    if span.is_empty() {
        return d;
    }
    let first = farthest_drawn((0..span.start).rev(), span.start, drawn);
    let last = farthest_drawn(span.end..b.bounds.len(), span.end - 1, drawn);
    let start = d.source_offset.min(b.bounds[first].0);
    let end = d.source().1.max(b.bounds[last].1);
    Detection::new(d.this_offset..d.this().1, start..end)
}

/// The last of `sentences` (walked outwards) that is `drawn`, crossing at
/// most [`DRAWN_GAP`] in a row that are not; `from` if none is.
fn farthest_drawn(
    sentences: impl Iterator<Item = usize>,
    from: usize,
    drawn: impl Fn(usize) -> bool,
) -> usize {
    let (mut farthest, mut gap) = (from, 0);
    for s in sentences {
        if drawn(s) {
            farthest = s;
            gap = 0;
        } else {
            gap += 1;
            if gap > DRAWN_GAP {
                break;
            }
        }
    }
    farthest
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

/// Reads a document as it is: UTF-8, NUL bytes and all, so that character
/// offsets count the file's own characters. Text that is not UTF-8 is an
/// error naming the file.
pub fn read_document(path: &Path) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Other(format!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// One pair of a corpus: the file names of its documents and its cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    /// File name of the suspicious document (in [`SUSPICIOUS_DIR`]).
    pub susp: String,
    /// File name of the source document (in [`SOURCE_DIR`]).
    pub src: String,
    /// Its truth cases, without repeats.
    pub cases: Vec<Detection>,
}

impl Pair {
    /// The pair's XML file name: `SUSP-SRC.xml`, each name without its
    /// extension.
    pub fn xml_name(&self) -> String {
        let stem = |name: &str| name.rsplit_once('.').map_or(name, |(stem, _)| stem).to_string();
        format!("{}-{}.xml", stem(&self.susp), stem(&self.src))
    }
}

/// A subset of a corpus: one folder's pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subset {
    /// The folder's name, e.g. `02-no-obfuscation`.
    pub name: String,
    /// Its pairs, in the order of its `pairs` file.
    pub pairs: Vec<Pair>,
}

/// A PAN text-alignment corpus: its subsets with their pairs and truth.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// The corpus folder.
    pub dir: PathBuf,
    /// Its subsets, in name order.
    pub subsets: Vec<Subset>,
    /// Pairs the top-level `pairs` file lists that no subset holds: they
    /// are not scored (as in the official evaluator).
    pub unscored: Vec<(String, String)>,
}

impl Corpus {
    /// Reads the layout and the truth of the corpus in `dir` (see the
    /// module doc). A folder without any subset is an error; so is a
    /// malformed `pairs` line or truth XML, named by file (and line).
    pub fn open(dir: &Path) -> Result<Corpus, Error> {
        let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let path = entry.path();
            if path.is_dir() && path.join("pairs").is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        if names.is_empty() {
            return Err(Error::Other(format!(
                "{}: no subset folder with a `pairs` file (not a PAN text-alignment corpus)",
                dir.display()
            )));
        }
        let mut subsets = Vec::with_capacity(names.len());
        for name in names {
            let folder = dir.join(&name);
            let mut pairs = Vec::new();
            for (susp, src) in read_pairs(&folder.join("pairs"))? {
                let mut pair = Pair { susp, src, cases: Vec::new() };
                pair.cases = read_features(&folder.join(pair.xml_name()), &[CASE_NAME])?;
                pairs.push(pair);
            }
            subsets.push(Subset { name, pairs });
        }
        let top = dir.join("pairs");
        let unscored = if top.is_file() {
            let held: BTreeSet<(&str, &str)> =
                subsets.iter().flat_map(|s| &s.pairs).map(|p| (p.susp.as_str(), p.src.as_str())).collect();
            read_pairs(&top)?.into_iter().filter(|(a, b)| !held.contains(&(a.as_str(), b.as_str()))).collect()
        } else {
            Vec::new()
        };
        Ok(Corpus { dir: dir.to_path_buf(), subsets, unscored })
    }

    /// Every pair of every subset, subset by subset.
    pub fn pairs(&self) -> impl Iterator<Item = &Pair> {
        self.subsets.iter().flat_map(|s| &s.pairs)
    }

    /// Reads the two documents of `pair`: (suspicious, source).
    pub fn read_pair(&self, pair: &Pair) -> Result<(String, String), Error> {
        Ok((
            read_document(&self.dir.join(SUSPICIOUS_DIR).join(&pair.susp))?,
            read_document(&self.dir.join(SOURCE_DIR).join(&pair.src))?,
        ))
    }
}

/// The lines of a `pairs` file: two file names each; blank lines skipped.
fn read_pairs(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut pairs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (None, _, _) => {}
            (Some(susp), Some(src), None) => pairs.push((susp.to_string(), src.to_string())),
            _ => {
                return Err(Error::Other(format!(
                    "{}:{}: not a pair line (\"SUSPICIOUS SOURCE\", two file names)",
                    path.display(),
                    i + 1
                )))
            }
        }
    }
    Ok(pairs)
}

/// The features of the XML file at `path` whose `name` is one of `names`,
/// without repeats; none when the file does not exist (a pair without
/// cases, or without detections).
pub fn read_features(path: &Path, names: &[&str]) -> Result<Vec<Detection>, Error> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    parse_features(&text, names).map_err(|e| Error::Other(format!("{}:{}: {}", path.display(), e.0, e.1)))
}

/// The `<feature>` elements of `xml` whose `name` is one of `names`, as
/// detections, without repeats, in order of first appearance. Attributes
/// may come in any order, with any white space and either quote;
/// comments, processing instructions and other elements are skipped. An
/// error is `(line, message)`.
pub fn parse_features(xml: &str, names: &[&str]) -> Result<Vec<Detection>, (usize, String)> {
    let bytes = xml.as_bytes();
    let line_of = |at: usize| 1 + bytes[..at.min(bytes.len())].iter().filter(|&&b| b == b'\n').count();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut at = 0;
    while let Some(lt) = memchr::memchr(b'<', &bytes[at..]).map(|i| at + i) {
        let rest = &xml[lt..];
        let skip_to = |end: &str| rest.find(end).map(|i| lt + i + end.len());
        let next = if rest.starts_with("<!--") {
            skip_to("-->")
        } else if rest.starts_with("<![CDATA[") {
            skip_to("]]>")
        } else if rest.starts_with("<?") {
            skip_to("?>")
        } else if rest.starts_with("<!") || rest.starts_with("</") {
            skip_to(">")
        } else {
            let tag = parse_tag(xml, lt + 1).map_err(|(i, m)| (line_of(i), m))?;
            if tag.name == "feature" {
                let name = tag.attrs.iter().find(|(k, _)| *k == "name").map(|(_, v)| v.as_str());
                if name.is_some_and(|n| names.contains(&n)) {
                    let d = tag.detection().map_err(|m| (line_of(lt), m))?;
                    if seen.insert(d) {
                        out.push(d);
                    }
                }
            }
            Some(tag.end)
        };
        at = next.ok_or_else(|| (line_of(lt), "unterminated markup".to_string()))?;
    }
    Ok(out)
}

/// A start (or empty-element) tag: its name, attributes and where it ends.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, String)>,
    /// Byte just past its `>`.
    end: usize,
}

impl Tag<'_> {
    fn detection(&self) -> Result<Detection, String> {
        let number = |key: &str| -> Result<usize, String> {
            let value = self
                .attrs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("feature without a {key} attribute"))?;
            value.trim().parse().map_err(|_| format!("{key}=\"{value}\" is not a non-negative integer"))
        };
        Ok(Detection {
            this_offset: number("this_offset")?,
            this_length: number("this_length")?,
            source_offset: number("source_offset")?,
            source_length: number("source_length")?,
        })
    }
}

/// Parses the tag whose name starts at byte `at` (just past its `<`).
/// Errors are `(byte, message)`.
fn parse_tag(xml: &str, at: usize) -> Result<Tag<'_>, (usize, String)> {
    let bytes = xml.as_bytes();
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let name_end = |from: usize| {
        (from..bytes.len())
            .find(|&i| is_space(bytes[i]) || matches!(bytes[i], b'=' | b'/' | b'>'))
            .unwrap_or(bytes.len())
    };
    let end = name_end(at);
    let name = &xml[at..end];
    let mut attrs = Vec::new();
    let mut i = end;
    loop {
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        match bytes.get(i) {
            None => return Err((at, format!("unterminated <{name}> tag"))),
            Some(b'>') => return Ok(Tag { name, attrs, end: i + 1 }),
            Some(b'/') if bytes.get(i + 1) == Some(&b'>') => return Ok(Tag { name, attrs, end: i + 2 }),
            Some(_) => {}
        }
        let key_end = name_end(i);
        if key_end == i {
            return Err((i, format!("unexpected '{}' in <{name}> tag", bytes[i] as char)));
        }
        let key = &xml[i..key_end];
        i = key_end;
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            return Err((i, format!("attribute {key} of <{name}> has no value")));
        }
        i += 1;
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let quote = match bytes.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => q,
            _ => return Err((i, format!("value of attribute {key} of <{name}> is not quoted"))),
        };
        let close = memchr::memchr(quote, &bytes[i + 1..])
            .map(|j| i + 1 + j)
            .ok_or_else(|| (i, format!("value of attribute {key} of <{name}> is not closed")))?;
        attrs.push((key, unescape(&xml[i + 1..close])));
        i = close + 1;
    }
}

/// An attribute value with its character and entity references replaced.
fn unescape(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let c = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `value` escaped for an XML attribute in double quotes.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes `detections` of `pair` as a PAN XML document: one
/// `<feature name="detected-plagiarism" .../>` per detection.
pub fn write_xml(out: &mut impl Write, pair: &Pair, detections: &[Detection]) -> io::Result<()> {
    writeln!(out, "<document reference=\"{}\">", escape(&pair.susp))?;
    for d in detections {
        writeln!(
            out,
            "<feature name=\"{DETECTION_NAME}\" this_offset=\"{}\" this_length=\"{}\" \
             source_reference=\"{}\" source_offset=\"{}\" source_length=\"{}\"/>",
            d.this_offset,
            d.this_length,
            escape(&pair.src),
            d.source_offset,
            d.source_length
        )?;
    }
    writeln!(out, "</document>")
}

/// Writes one `SUSP-SRC.xml` into `dir` (created if missing) for each pair
/// of `corpus` with detections (`detections` in the order of
/// [`Corpus::pairs`]). A file of that name left from an earlier run for a
/// pair that now has none is removed, so the folder holds exactly this
/// run's detections of the corpus's pairs. Returns the files written.
pub fn write_detections(dir: &Path, corpus: &Corpus, detections: &[Vec<Detection>]) -> Result<usize, Error> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = 0;
    for (pair, dets) in corpus.pairs().zip(detections) {
        let path = dir.join(pair.xml_name());
        if dets.is_empty() {
            match fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(Error::io(&path, e)),
                _ => continue,
            }
        }
        let mut xml = Vec::new();
        write_xml(&mut xml, pair, dets).map_err(|e| Error::io(&path, e))?;
        fs::write(&path, xml).map_err(|e| Error::io(&path, e))?;
        written += 1;
    }
    Ok(written)
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

/// PAN scores of a set of pairs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measures {
    /// F1 of precision and recall over log2(1 + granularity).
    pub plagdet: f64,
    /// Character-level macro precision.
    pub precision: f64,
    /// Character-level macro recall.
    pub recall: f64,
    /// Mean number of detections per detected case.
    pub granularity: f64,
    /// Cases (distinct per pair).
    pub cases: usize,
    /// Detections (distinct per pair).
    pub detections: usize,
}

/// Scores pairs given as `(cases, detections)` with the PAN measures (see
/// the module doc).
pub fn score<'a>(pairs: impl IntoIterator<Item = (&'a [Detection], &'a [Detection])>) -> Measures {
    let (mut precision, mut recall) = (Sum::default(), Sum::default());
    let (mut detected, mut detecting) = (0usize, 0usize);
    let distinct = |v: &[Detection]| -> Vec<Detection> {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    };
    for (cases, dets) in pairs {
        let (cases, dets) = (distinct(cases), distinct(dets));
        for s in &cases {
            let hits: Vec<&Detection> = dets.iter().filter(|r| s.detects(r)).collect();
            if !hits.is_empty() {
                detected += 1;
                detecting += hits.len();
            }
            recall.add(covered(s, &hits));
        }
        for r in &dets {
            let hits: Vec<&Detection> = cases.iter().filter(|s| r.detects(s)).collect();
            precision.add(covered(r, &hits));
        }
    }
    if precision.n == 0 && recall.n == 0 {
        return Measures {
            plagdet: 1.0,
            precision: 1.0,
            recall: 1.0,
            granularity: 1.0,
            cases: 0,
            detections: 0,
        };
    }
    let (p, r) = (precision.mean(), recall.mean());
    let granularity = if detected == 0 { 1.0 } else { detecting as f64 / detected as f64 };
    let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    Measures {
        plagdet: f1 / (1.0 + granularity).log2(),
        precision: p,
        recall: r,
        granularity,
        cases: recall.n,
        detections: precision.n,
    }
}

/// A running sum for a mean; an empty mean is 0.
#[derive(Default)]
struct Sum {
    total: f64,
    n: usize,
}

impl Sum {
    fn add(&mut self, x: f64) {
        self.total += x;
        self.n += 1;
    }

    fn mean(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.total / self.n as f64
        }
    }
}

/// The share of `x`'s characters, in both documents, inside the union of
/// `others`; 0 for an empty `x`.
fn covered(x: &Detection, others: &[&Detection]) -> f64 {
    let size = x.this_length + x.source_length;
    if size == 0 {
        return 0.0;
    }
    let span = |(start, end): (usize, usize)| Span::new(start, end);
    let inside = union_within(span(x.this()), others.iter().map(|o| span(o.this())))
        + union_within(span(x.source()), others.iter().map(|o| span(o.source())));
    inside as f64 / size as f64
}

fn overlap(a: (usize, usize), b: (usize, usize)) -> usize {
    a.1.min(b.1).saturating_sub(a.0.max(b.0))
}

/// One row of the table [`evaluate`] gives.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The subset's name, or `entire`.
    pub subset: String,
    /// Its pairs.
    pub pairs: usize,
    /// Its scores.
    pub measures: Measures,
}

/// The PAN table: one row per subset, each scored on its own pairs, then
/// `entire`, all pairs scored together. `detections` are in the order of
/// [`Corpus::pairs`].
pub fn evaluate(corpus: &Corpus, detections: &[Vec<Detection>]) -> Vec<Row> {
    let mut rows = Vec::with_capacity(corpus.subsets.len() + 1);
    let mut from = 0;
    for subset in &corpus.subsets {
        let dets = &detections[from..from + subset.pairs.len()];
        from += subset.pairs.len();
        let pairs = subset.pairs.iter().zip(dets).map(|(p, d)| (p.cases.as_slice(), d.as_slice()));
        rows.push(Row { subset: subset.name.clone(), pairs: subset.pairs.len(), measures: score(pairs) });
    }
    let all = corpus.pairs().zip(detections).map(|(p, d)| (p.cases.as_slice(), d.as_slice()));
    rows.push(Row { subset: "entire".into(), pairs: from, measures: score(all) });
    rows
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;
    use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};

    use super::*;

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

    fn d(t0: usize, t1: usize, s0: usize, s1: usize) -> Detection {
        Detection::new(t0..t1, s0..s1)
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-12
    }

    /// pan_eval.py's `score`, ported as written: characters as sets.
    fn naive(pairs: &[(Vec<Detection>, Vec<Detection>)]) -> Measures {
        let covered = |x: &Detection, others: &[&Detection]| -> f64 {
            let size = x.this_length + x.source_length;
            if size == 0 {
                return 0.0;
            }
            let (mut susp, mut src) = (HashSet::new(), HashSet::new());
            for o in others {
                susp.extend(x.this().0.max(o.this().0)..x.this().1.min(o.this().1));
                src.extend(x.source().0.max(o.source().0)..x.source().1.min(o.source().1));
            }
            (susp.len() + src.len()) as f64 / size as f64
        };
        let (mut prec, mut rec, mut gran) = (vec![], vec![], vec![]);
        for (cases, dets) in pairs {
            let cases: BTreeSet<Detection> = cases.iter().copied().collect();
            let dets: BTreeSet<Detection> = dets.iter().copied().collect();
            for s in &cases {
                let hits: Vec<&Detection> = dets.iter().filter(|r| s.detects(r)).collect();
                rec.push(if hits.is_empty() { 0.0 } else { covered(s, &hits) });
                if !hits.is_empty() {
                    gran.push(hits.len() as f64);
                }
            }
            for r in &dets {
                let hits: Vec<&Detection> = cases.iter().filter(|s| s.detects(r)).collect();
                prec.push(if hits.is_empty() { 0.0 } else { covered(r, &hits) });
            }
        }
        if prec.is_empty() && rec.is_empty() {
            return Measures {
                plagdet: 1.0,
                precision: 1.0,
                recall: 1.0,
                granularity: 1.0,
                cases: 0,
                detections: 0,
            };
        }
        let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
        let (p, r) = (mean(&prec), mean(&rec));
        let g = if gran.is_empty() { 1.0 } else { mean(&gran) };
        let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        Measures {
            plagdet: f / (1.0 + g).log2(),
            precision: p,
            recall: r,
            granularity: g,
            cases: rec.len(),
            detections: prec.len(),
        }
    }

    fn same(a: &Measures, b: &Measures) -> bool {
        (a.cases, a.detections) == (b.cases, b.detections)
            && [(a.plagdet, b.plagdet), (a.precision, b.precision), (a.recall, b.recall)]
                .iter()
                .chain([(a.granularity, b.granularity)].iter())
                .all(|&(x, y)| (x - y).abs() < 1e-9)
    }

    fn arb_detection() -> impl Strategy<Value = Detection> {
        // Small coordinates so that ranges often overlap, touch or repeat.
        (0usize..30, 0usize..12, 0usize..30, 0usize..12).prop_map(|(t, tl, s, sl)| Detection {
            this_offset: t,
            this_length: tl,
            source_offset: s,
            source_length: sl,
        })
    }

    #[test]
    fn measures_match_the_char_set_oracle() {
        let pair = (
            proptest::collection::vec(arb_detection(), 0..4),
            proptest::collection::vec(arb_detection(), 0..5),
        );
        let pairs = proptest::collection::vec(pair, 0..5);
        let config = ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[0x5E; 32]);
        TestRunner::new_with_rng(config, rng)
            .run(&pairs, |pairs| {
                let fast = score(pairs.iter().map(|(c, d)| (c.as_slice(), d.as_slice())));
                let slow = naive(&pairs);
                prop_assert!(same(&fast, &slow), "{fast:?} != {slow:?} for {pairs:?}");
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn degenerate_cases() {
        let case = d(0, 100, 200, 300);
        let one = |c: &[Detection], r: &[Detection]| (c.to_vec(), r.to_vec());
        // (name, pairs as (cases, detections), plagdet, precision, recall, granularity)
        type Pairs = Vec<(Vec<Detection>, Vec<Detection>)>;
        let table: Vec<(&str, Pairs, f64, f64, f64, f64)> = vec![
            ("nothing at all", vec![], 1.0, 1.0, 1.0, 1.0),
            ("pairs without cases or detections", vec![one(&[], &[]), one(&[], &[])], 1.0, 1.0, 1.0, 1.0),
            ("a case, no detection", vec![one(&[case], &[])], 0.0, 0.0, 0.0, 1.0),
            ("a detection, no case", vec![one(&[], &[case])], 0.0, 0.0, 0.0, 1.0),
            ("exact", vec![one(&[case], &[case])], 1.0, 1.0, 1.0, 1.0),
            ("repeated detection counts once", vec![one(&[case, case], &[case, case])], 1.0, 1.0, 1.0, 1.0),
            (
                "a false detection on a pair without cases lowers precision",
                vec![one(&[case], &[case]), one(&[], &[case])],
                2.0 * 0.5 / 1.5,
                0.5,
                1.0,
                1.0,
            ),
            (
                "split in two",
                vec![one(&[case], &[d(0, 50, 200, 250), d(50, 100, 250, 300)])],
                1.0 / 3f64.log2(),
                1.0,
                1.0,
                2.0,
            ),
            ("one side only does not detect", vec![one(&[case], &[d(0, 100, 400, 500)])], 0.0, 0.0, 0.0, 1.0),
        ];
        for (name, pairs, plagdet, p, r, g) in table {
            let m = score(pairs.iter().map(|(c, r)| (c.as_slice(), r.as_slice())));
            assert!(close(m.plagdet, plagdet), "{name}: plagdet {}", m.plagdet);
            assert!(close(m.precision, p), "{name}: precision {}", m.precision);
            assert!(close(m.recall, r), "{name}: recall {}", m.recall);
            assert!(close(m.granularity, g), "{name}: granularity {}", m.granularity);
        }
        // Repeats count once: one case, one detection.
        let m = score([([case, case].as_slice(), [case, case].as_slice())]);
        assert_eq!((m.cases, m.detections), (1, 1));
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
    fn a_summary_draws_on_the_source_sentences_around_its_match() {
        let susp = "Marigolds grow a foot tall in most gardens. Oil killed birds and otters on beaches, \
                    and cleanup crews recovered little of it. Disco is one of the best marigolds.";
        let far = [
            "The weather stayed cold and grey through that winter.",
            "Schools opened late in January because of snow.",
            "A new mayor was elected by a narrow margin.",
            "The town library bought three hundred new books.",
            "Football practice moved indoors until the spring.",
            "Prices at the market rose a little every month.",
            "The ferry timetable changed at the end of March.",
        ];
        let src = [
            "Fishing boats left the harbour at dawn as they do every single morning.",
            "Oil washed onto the beaches within days of the grounding of the tanker.",
            "The tanker had struck a reef in calm weather just after midnight.",
            "Birds and otters died by the thousand in the weeks that followed.",
            "Cleanup crews worked for months yet recovered little of the oil spilled.",
            "The company paid for the work and promised to pay much more later.",
            "Lawyers for the fishermen filed suits in state and federal courts.",
        ]
        .join(" ")
            + " "
            + &far.join(" ")
            + " Oil, birds and beaches come back here.";
        let at = |text: &str, part: &str| text.find(part).expect("part of the text");
        let this = at(susp, "cleanup crews")..at(susp, " Disco");
        let from = at(&src, "Cleanup crews");
        let to = at(&src, " The weather");
        let (ta, tb) = (crate::text::tokenize(susp), crate::text::tokenize(&src));
        let widened = |d: Detection| {
            let mut found = vec![d];
            widen(susp, &ta, &src, &tb, &AlignConfig::default(), &mut found);
            found
        };
        // Its source side is over three times its own: a summary. It widens
        // back to the first sentence sharing two content words with it,
        // across one that shares none ("tanker", "reef"), and on past the
        // two after it that share none, but not across seven. Its words are
        // those of the sentences it overlaps.
        let summary = Detection::new(this.clone(), from..to);
        assert!(summary.source_length >= SUMMARY_RATIO * summary.this_length);
        assert_eq!(widened(summary), [Detection::new(this.clone(), at(&src, "Oil washed")..to)]);
        // A detection of about its own length on both sides is no summary.
        let copy = Detection::new(this.clone(), from..at(&src, " The company"));
        assert_eq!(widened(copy), [copy]);
    }

    #[test]
    fn a_detection_takes_the_similar_sentence_pairs_around_it() {
        let susp = "An opening about football clubs and their loyal fans. The council voted to close the \
                    old library next spring. Residents protested outside the town hall for hours. \
                    Volunteers offered to run the building themselves without pay. A closing about \
                    sailing boats on mountain lakes.";
        let src = "Weather notes on the coming frost tonight. Councillors decided the old library will \
                   close in the spring. Hundreds of residents protested for hours at the town hall. The \
                   volunteers said they would run the building for no pay. Prices of bread went up \
                   again this week.";
        let at = |text: &str, part: &str| text.find(part).expect("part of the text");
        let span = |text: &str, from: &str, to: &str| at(text, from)..at(text, to) + to.len();
        let (ta, tb) = (crate::text::tokenize(susp), crate::text::tokenize(src));
        let d = Detection::new(span(susp, "Residents", "for hours"), span(src, "Hundreds", "the town hall"));
        let mut found = vec![d];
        widen(susp, &ta, src, &tb, &AlignConfig::default(), &mut found);
        // The sentence before and the one after say the same on both sides;
        // the first and last do not.
        let want =
            Detection::new(span(susp, "The council", "without pay"), span(src, "Councillors", "no pay"));
        assert_eq!(found, [want]);
    }

    #[test]
    fn a_lone_short_match_is_no_detection() {
        let line = "Suite 114, 10110 Battleview Parkway, Manassas, Virginia 20109";
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
    fn features_parse_in_any_attribute_order_and_spacing() {
        let xml = "<?xml version=\"1.0\"?>\n<document reference=\"s.txt\">\n\
            <!-- <feature name=\"plagiarism\" this_offset=\"9\"/> -->\n\
            <feature name=\"about\" title=\"a &gt; b\" />\n\
            <feature  source_length = '20' this_length=\"10\"\n\t name=\"plagiarism\" source_offset=\"5\" \
            this_offset=\" 3 \" obfuscation=\"none\"></feature>\n\
            <feature name=\"plagiarism\" this_offset=\"3\" this_length=\"10\" source_offset=\"5\" source_length=\"20\"/>\n\
            <features name=\"plagiarism\"/>\n\
            <feature name=\"detected-plagiarism\" this_offset=\"1\" this_length=\"2\" source_offset=\"3\" source_length=\"4\"/>\n\
            </document>\n";
        assert_eq!(parse_features(xml, &[CASE_NAME]), Ok(vec![d(3, 13, 5, 25)]));
        assert_eq!(parse_features(xml, &[DETECTION_NAME]), Ok(vec![d(1, 3, 3, 7)]));
        assert_eq!(parse_features(xml, &[CASE_NAME, DETECTION_NAME]).map(|v| v.len()), Ok(2));
    }

    #[test]
    fn malformed_features_name_the_line() {
        let cases = [
            ("<document>\n<feature name=\"plagiarism\" this_offset=\"1\"/>", 2, "this_length"),
            (
                "<feature name=\"plagiarism\" this_offset=\"-1\" this_length=\"1\" source_offset=\"1\" \
                 source_length=\"1\"/>",
                1,
                "this_offset=\"-1\"",
            ),
            ("\n\n<feature name=\"plagiarism\" this_offset=1/>", 3, "not quoted"),
            ("<document>\n<feature name=\"plagiarism", 2, "not closed"),
            ("<!-- open", 1, "unterminated"),
        ];
        for (xml, line, word) in cases {
            let (at, message) = parse_features(xml, &[CASE_NAME]).unwrap_err();
            assert_eq!(at, line, "{xml}: {message}");
            assert!(message.contains(word), "{xml}: {message}");
        }
    }

    #[test]
    fn written_xml_reads_back() {
        let pair = Pair { susp: "s&1.txt".into(), src: "src \"2\".txt".into(), cases: vec![] };
        let dets = vec![d(0, 10, 5, 9), d(40, 41, 0, 100)];
        let mut xml = Vec::new();
        write_xml(&mut xml, &pair, &dets).unwrap();
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.contains("reference=\"s&amp;1.txt\""), "{xml}");
        assert_eq!(parse_features(&xml, &[DETECTION_NAME]), Ok(dets));
        assert_eq!(pair.xml_name(), "s&1-src \"2\".xml");
    }

    #[test]
    fn unescape_entities() {
        assert_eq!(unescape("a &lt;&amp;&gt; &#65;&#x42; &bogus; &"), "a <&> AB &bogus; &");
    }
}
