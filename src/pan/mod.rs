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
//!
//! # Files
//!
//! One file per stage, in the order `reprint eval --pan` takes them. This
//! one holds [`Detection`], what every stage passes on.
//!
//! - `corpus.rs`: the layout: subsets, their pairs and truth, and the
//!   documents read as they are ([`Corpus`], [`read_document`]).
//! - `detect.rs`: a pair's texts to detections: alignment, sentence bounds,
//!   neighbours joined, character offsets ([`detect`]); every pair of a
//!   corpus in parallel ([`detect_corpus`]).
//! - `widen.rs`: the last step of [`detect`]: a summary widened to the
//!   source sentences it draws on, any other detection extended by the
//!   similar sentence pairs around it.
//! - `xml.rs`: truth and detection XMLs, read ([`read_features`]) and
//!   written ([`write_xml`], [`write_detections`]).
//! - `measures.rs`: the PAN measures ([`score`]) and the table of a corpus
//!   ([`evaluate`]).

mod corpus;
mod detect;
mod measures;
mod widen;
mod xml;

pub use corpus::{read_document, Corpus, Pair, Subset, SOURCE_DIR, SUSPICIOUS_DIR};
pub use detect::{
    char_offsets, detect, detect_corpus, join_neighbours, to_sentences, CONDENSATION, MIN_DETECTION,
    NEIGHBOUR_GAP, SENTENCE_REACH, SOURCE_CONDENSATION,
};
pub use measures::{evaluate, score, Measures, Row};
pub use widen::{DRAWN_GAP, DRAWN_WORDS, EXTEND_DICE, EXTEND_WORDS, SUMMARY_RATIO};
pub use xml::{parse_features, read_features, write_detections, write_xml, CASE_NAME, DETECTION_NAME};

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

fn overlap(a: (usize, usize), b: (usize, usize)) -> usize {
    a.1.min(b.1).saturating_sub(a.0.max(b.0))
}

/// Helpers shared by the stages' tests.
#[cfg(test)]
mod testing {
    use super::Detection;

    /// The detection of characters `t0..t1` (suspicious) and `s0..s1`
    /// (source).
    pub(super) fn d(t0: usize, t1: usize, s0: usize, s1: usize) -> Detection {
        Detection::new(t0..t1, s0..s1)
    }
}
