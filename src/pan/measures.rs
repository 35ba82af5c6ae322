//! The PAN measures (see the module doc of [`crate::pan`]): precision,
//! recall, granularity and plagdet of detections against truth cases
//! ([`score`]), and the table of a corpus, subset by subset ([`evaluate`]).
//! The last stage of `reprint eval --pan`, after `detect.rs`.

use super::{Corpus, Detection};
use crate::eval::union_within;
use crate::Span;

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
    use std::collections::{BTreeSet, HashSet};

    use proptest::prelude::*;
    use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};

    use super::*;
    use crate::pan::testing::d;

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
}
