//! Score detected passages against labelled ones: truth [`Case`]s and
//! detections in, PAN plagdet [`Scores`] out.
//!
//! The measure is the one of the PAN plagiarism detection competitions
//! (Potthast, Stein, Barrón-Cedeño, Rosso, "An Evaluation Framework for
//! Plagiarism Detection", COLING 2010). A case or detection is a pair of
//! byte ranges, one in each of two documents; as a set of characters it is
//! the union of both ranges. A detection `r` *detects* a case `s` when both
//! concern the same pair of documents and overlap in both documents. Then
//!
//! - precision = mean over detections `r` of |⋃ₛ (s ∩ r)| / |r|, the union
//!   over the cases `r` detects;
//! - recall = mean over cases `s` of |⋃ᵣ (s ∩ r)| / |s|, the union over the
//!   detections that detect `s`;
//! - granularity = mean, over the cases detected at all, of the number of
//!   detections that detect them (1 is best);
//! - plagdet = F1 / log2(1 + granularity).
//!
//! Conventions for empty inputs: with no detections precision is 1, with no
//! cases recall is 1, and with no case detected granularity is 1. An empty
//! range counts zero characters.
//!
//! Pairs of documents are unordered: a detection of `(b, a)` is compared
//! with a case of `(a, b)` with its ranges swapped. Pair-level precision and
//! recall compare the sets of document pairs with at least one detection
//! and with at least one case.

use std::collections::BTreeSet;

use crate::Span;

/// A reused passage: a range in document `a` and a range in document `b`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Id of one document.
    pub a: String,
    /// Id of the other document.
    pub b: String,
    /// Byte range in `a`.
    pub a_span: Span,
    /// Byte range in `b`.
    pub b_span: Span,
}

impl Case {
    /// A case of `a_span` in document `a` and `b_span` in document `b`.
    pub fn new(a: impl Into<String>, b: impl Into<String>, a_span: Span, b_span: Span) -> Case {
        Case { a: a.into(), b: b.into(), a_span, b_span }
    }

    /// The same case with its document pair in a canonical order.
    fn canonical(&self) -> Case {
        if self.a <= self.b {
            self.clone()
        } else {
            Case::new(self.b.clone(), self.a.clone(), self.b_span, self.a_span)
        }
    }

    fn chars(&self) -> usize {
        self.a_span.len() + self.b_span.len()
    }
}

/// PAN plagdet and pair-level scores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    /// Character-level macro precision.
    pub precision: f64,
    /// Character-level macro recall.
    pub recall: f64,
    /// Mean number of detections per detected case.
    pub granularity: f64,
    /// F1 of precision and recall over log2(1 + granularity).
    pub plagdet: f64,
    /// Share of detected document pairs that hold a case.
    pub pair_precision: f64,
    /// Share of document pairs holding a case that were detected.
    pub pair_recall: f64,
    /// Number of truth cases.
    pub cases: usize,
    /// Number of detections.
    pub detections: usize,
}

/// Scores `detections` against `truth`.
pub fn plagdet(truth: &[Case], detections: &[Case]) -> Scores {
    let truth: Vec<Case> = truth.iter().map(Case::canonical).collect();
    let dets: Vec<Case> = detections.iter().map(Case::canonical).collect();
    let detects = |r: &Case, s: &Case| {
        r.a == s.a && r.b == s.b && overlap(r.a_span, s.a_span) > 0 && overlap(r.b_span, s.b_span) > 0
    };

    let precision = mean(dets.iter().map(|r| {
        let hits: Vec<&Case> = truth.iter().filter(|s| detects(r, s)).collect();
        let covered = union_within(r.a_span, hits.iter().map(|s| s.a_span))
            + union_within(r.b_span, hits.iter().map(|s| s.b_span));
        ratio(covered, r.chars())
    }));
    let mut detected_cases = 0;
    let mut detections_of_detected = 0;
    let recall = mean(truth.iter().map(|s| {
        let hits: Vec<&Case> = dets.iter().filter(|r| detects(r, s)).collect();
        if !hits.is_empty() {
            detected_cases += 1;
            detections_of_detected += hits.len();
        }
        let covered = union_within(s.a_span, hits.iter().map(|r| r.a_span))
            + union_within(s.b_span, hits.iter().map(|r| r.b_span));
        ratio(covered, s.chars())
    }));
    let precision = precision.unwrap_or(1.0);
    let recall = recall.unwrap_or(1.0);
    let granularity =
        if detected_cases == 0 { 1.0 } else { detections_of_detected as f64 / detected_cases as f64 };
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };

    let pairs = |cases: &[Case]| -> BTreeSet<(String, String)> {
        cases.iter().map(|c| (c.a.clone(), c.b.clone())).collect()
    };
    let (tp, dp) = (pairs(&truth), pairs(&dets));
    let both = tp.intersection(&dp).count();
    Scores {
        precision,
        recall,
        granularity,
        plagdet: f1 / (1.0 + granularity).log2(),
        pair_precision: if dp.is_empty() { 1.0 } else { both as f64 / dp.len() as f64 },
        pair_recall: if tp.is_empty() { 1.0 } else { both as f64 / tp.len() as f64 },
        cases: truth.len(),
        detections: dets.len(),
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for v in values {
        sum += v;
        n += 1;
    }
    (n > 0).then(|| sum / n as f64)
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn overlap(x: Span, y: Span) -> usize {
    x.end.min(y.end).saturating_sub(x.start.max(y.start))
}

/// Units (bytes, characters or tokens) of `within` covered by the union of
/// `spans`.
pub(crate) fn union_within(within: Span, spans: impl Iterator<Item = Span>) -> usize {
    let mut clipped: Vec<(usize, usize)> =
        spans.map(|s| (s.start.max(within.start), s.end.min(within.end))).filter(|(s, e)| s < e).collect();
    clipped.sort_unstable();
    let (mut total, mut reach) = (0, within.start);
    for (s, e) in clipped {
        let s = s.max(reach);
        if e > s {
            total += e - s;
            reach = e;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(a: &str, b: &str, x: (usize, usize), y: (usize, usize)) -> Case {
        Case::new(a, b, Span::new(x.0, x.1), Span::new(y.0, y.1))
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-9
    }

    #[test]
    fn hand_computed_examples() {
        let truth = vec![case("a", "b", (0, 100), (200, 300))];
        // (name, detections, precision, recall, granularity)
        let table: Vec<(&str, Vec<Case>, f64, f64, f64)> = vec![
            ("perfect", truth.clone(), 1.0, 1.0, 1.0),
            (
                "swapped documents are the same pair",
                vec![case("b", "a", (200, 300), (0, 100))],
                1.0,
                1.0,
                1.0,
            ),
            // Half of each range, nothing else: precision 1, recall 100/200.
            ("half", vec![case("a", "b", (0, 50), (200, 250))], 1.0, 0.5, 1.0),
            // Exact range plus as much outside on each side: 200 of 400.
            ("twice too long", vec![case("a", "b", (0, 200), (200, 400))], 0.5, 1.0, 1.0),
            // Split in two detections, each exact on its half.
            (
                "split",
                vec![case("a", "b", (0, 50), (200, 250)), case("a", "b", (50, 100), (250, 300))],
                1.0,
                1.0,
                2.0,
            ),
            // Overlaps in a only: does not detect the case.
            ("one side only", vec![case("a", "b", (0, 100), (400, 500))], 0.0, 0.0, 1.0),
            ("wrong pair", vec![case("a", "c", (0, 100), (200, 300))], 0.0, 0.0, 1.0),
            ("nothing detected", vec![], 1.0, 0.0, 1.0),
        ];
        for (name, dets, p, r, g) in table {
            let s = plagdet(&truth, &dets);
            assert!(close(s.precision, p), "{name}: precision {}", s.precision);
            assert!(close(s.recall, r), "{name}: recall {}", s.recall);
            assert!(close(s.granularity, g), "{name}: granularity {}", s.granularity);
            let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
            assert!(close(s.plagdet, f1 / (1.0 + g).log2()), "{name}: plagdet {}", s.plagdet);
            assert_eq!((s.cases, s.detections), (1, dets.len()), "{name}");
        }
    }

    #[test]
    fn perfect_is_one_and_split_is_penalised() {
        let truth = vec![case("a", "b", (0, 100), (0, 100))];
        assert!(close(plagdet(&truth, &truth).plagdet, 1.0));
        let split = vec![case("a", "b", (0, 50), (0, 50)), case("a", "b", (50, 100), (50, 100))];
        // F1 = 1, granularity 2: 1 / log2(3).
        assert!(close(plagdet(&truth, &split).plagdet, 1.0 / 3f64.log2()));
    }

    #[test]
    fn macro_averages_over_cases_and_detections() {
        let truth = vec![case("a", "b", (0, 100), (0, 100)), case("c", "d", (0, 100), (0, 100))];
        // First case found exactly; one false detection elsewhere.
        let dets = vec![case("a", "b", (0, 100), (0, 100)), case("e", "f", (0, 10), (0, 10))];
        let s = plagdet(&truth, &dets);
        assert!(close(s.precision, 0.5));
        assert!(close(s.recall, 0.5));
        assert!(close(s.pair_precision, 0.5));
        assert!(close(s.pair_recall, 0.5));
        // Two detections overlapping each other count the shared bytes once.
        let dets = vec![case("a", "b", (0, 60), (0, 60)), case("a", "b", (40, 100), (40, 100))];
        let s = plagdet(&truth[..1], &dets);
        assert!(close(s.recall, 1.0));
        assert!(close(s.granularity, 2.0));
    }
}
