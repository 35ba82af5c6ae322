//! The scan on a generated corpus with planted reuse (`benches/gen_corpus.py`,
//! 10,000 documents made from text on this machine, with its truth file),
//! together with the five seeds: the seeds' two pairs and nothing between a
//! seed and a generated document; recall of the planted excerpts and
//! condensed rewrites; every reported pair really shares an 8-word passage;
//! recall of planted near-duplicates.
//!
//! Needs `python3` (the generator uses only its standard library); the
//! corpus is made once under `target/test-corpus/` and reused.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use reprint::shingle::shingle_set;
use reprint::text::{normalise_word, tokenize};
use reprint::verify::jaccard;

const DOCS: usize = 10_000;

/// The corpus directory (corpus.jsonl, truth.jsonl), made on first use.
fn corpus() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = common::root();
        let dir = root.join(format!("target/test-corpus/c{DOCS}"));
        if !dir.join("truth.jsonl").exists() {
            let status = Command::new("python3")
                .arg(root.join("benches/gen_corpus.py"))
                .args(["--docs", &DOCS.to_string(), "--seed", "3", "--out"])
                .arg(&dir)
                .status()
                .expect("python3 must be installed to generate the test corpus");
            assert!(status.success(), "benches/gen_corpus.py failed");
        }
        dir
    })
}

struct Scanned {
    texts: HashMap<String, String>,
    pairs: Vec<serde_json::Value>,
    truth: Vec<serde_json::Value>,
}

/// One default scan of the seeds and the corpus, shared by the tests.
fn scanned() -> &'static Scanned {
    static SCAN: OnceLock<Scanned> = OnceLock::new();
    SCAN.get_or_init(|| {
        let dir = corpus();
        let corpus_path = dir.join("corpus.jsonl");
        let out = tempfile::NamedTempFile::new().unwrap();
        let status = Command::new(env!("CARGO_BIN_EXE_reprint"))
            .current_dir(common::root())
            .args(["scan", "fixtures/seeds"])
            .arg(&corpus_path)
            .args(["--format", "jsonl", "-q", "-o"])
            .arg(out.path())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0));
        let pairs = std::fs::read_to_string(out.path())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|o| o["type"] == "pair")
            .collect();
        let mut texts: HashMap<String, String> = std::fs::read_to_string(&corpus_path)
            .unwrap()
            .lines()
            .map(|l| {
                let o: serde_json::Value = serde_json::from_str(l).unwrap();
                (o["id"].as_str().unwrap().to_string(), o["text"].as_str().unwrap().to_string())
            })
            .collect();
        for n in 0..5 {
            let path = std::fs::read_dir(common::root().join("fixtures/seeds"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("00{n}_")))
                .unwrap();
            texts.insert(
                format!("fixtures/seeds/{}", path.file_name().unwrap().to_string_lossy()),
                common::seed(n),
            );
        }
        let truth = std::fs::read_to_string(dir.join("truth.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        Scanned { texts, pairs, truth }
    })
}

fn key(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

#[test]
fn seeds_keep_their_two_pairs_among_ten_thousand_documents() {
    let s = scanned();
    let seed_pairs: Vec<(&str, &str, &str)> = s
        .pairs
        .iter()
        .filter(|p| {
            p["a"].as_str().unwrap().starts_with("fixtures/")
                || p["b"].as_str().unwrap().starts_with("fixtures/")
        })
        .map(|p| (p["a"].as_str().unwrap(), p["b"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seed_pairs,
        [
            ("fixtures/seeds/000_1496404e9c0b7117.txt", "fixtures/seeds/001_ab3f00e89c8442ab.txt", "reuse"),
            ("fixtures/seeds/002_754116e17df56b5b.txt", "fixtures/seeds/004_be9d333ec3263ca9.txt", "reuse"),
        ]
    );
}

#[test]
fn planted_excerpts_and_condensed_rewrites_are_found() {
    let s = scanned();
    let reported: HashSet<(String, String)> =
        s.pairs.iter().map(|p| key(p["a"].as_str().unwrap(), p["b"].as_str().unwrap())).collect();
    for kind in ["excerpt", "condensed"] {
        let planted: Vec<&serde_json::Value> = s
            .truth
            .iter()
            .filter(|t| t["kind"] == kind && t["containment_a_in_b"].as_f64().unwrap() >= 0.2)
            .collect();
        assert!(planted.len() > 50, "{kind}: {}", planted.len());
        let found = planted
            .iter()
            .filter(|t| reported.contains(&key(t["a"].as_str().unwrap(), t["b"].as_str().unwrap())))
            .count();
        let recall = found as f64 / planted.len() as f64;
        println!("{kind}: recall {found}/{} = {recall:.4}", planted.len());
        assert!(recall >= 0.95, "{kind} recall {recall}");
    }
}

/// The normalised words of a byte range of a text.
fn words(text: &str, span: &serde_json::Value) -> Vec<String> {
    let (s, e) = (span[0].as_u64().unwrap() as usize, span[1].as_u64().unwrap() as usize);
    let part = &text[s..e];
    tokenize(part).iter().map(|t| normalise_word(&part[t.span.range()])).collect()
}

#[test]
fn every_reported_pair_shares_a_passage_of_eight_words() {
    let s = scanned();
    let mut without = Vec::new();
    for p in &s.pairs {
        let (ta, tb) = (&s.texts[p["a"].as_str().unwrap()], &s.texts[p["b"].as_str().unwrap()]);
        // Count, independently of the aligner, the words its `equal` edits
        // claim: both sides must hold the same words.
        let best = p["passages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                x["ops"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|op| op["op"] == "equal")
                    .map(|op| {
                        let (wa, wb) = (words(ta, &op["a"]), words(tb, &op["b"]));
                        if wa == wb {
                            wa.len()
                        } else {
                            0
                        }
                    })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0);
        if best < 8 {
            without.push((p["a"].clone(), p["b"].clone(), best));
        }
    }
    let precision = 1.0 - without.len() as f64 / s.pairs.len() as f64;
    println!(
        "{} pairs, {} without an 8-word passage: precision {precision:.4}",
        s.pairs.len(),
        without.len()
    );
    assert!(precision >= 0.99, "{:?}", &without[..without.len().min(5)]);
}

#[test]
fn planted_near_duplicates_are_found() {
    let s = scanned();
    let reported: HashSet<(String, String)> = s
        .pairs
        .iter()
        .filter(|p| p["kind"] != "reuse")
        .map(|p| key(p["a"].as_str().unwrap(), p["b"].as_str().unwrap()))
        .collect();
    let set = |id: &str| shingle_set(&tokenize(&s.texts[id]), 5);
    let (mut want, mut found) = (0, 0);
    for t in &s.truth {
        let (a, b) = (t["a"].as_str().unwrap(), t["b"].as_str().unwrap());
        // Our own exact Jaccard decides which pairs are near-duplicates.
        if jaccard(&set(a), &set(b)) >= 0.5 {
            want += 1;
            found += usize::from(reported.contains(&key(a, b)));
        }
    }
    let recall = found as f64 / want as f64;
    println!("near-duplicates: recall {found}/{want} = {recall:.4}");
    assert!(want > 200);
    assert!(recall >= 0.99, "recall {recall}");
}
