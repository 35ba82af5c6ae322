//! Sweep of the partial-reuse path's parameters on a generated corpus:
//! for each winnowing window `w`, document-frequency cap and minimum of
//! shared fingerprints, how many candidate pairs the index gives and what
//! share of the planted `excerpt` and `condensed` pairs (containment >= 0.2)
//! are among them. Not a criterion suite: a measurement that prints a table.
//!
//!     cargo bench --bench reuse_params -- [CORPUS_DIR]
//!
//! CORPUS_DIR holds `corpus.jsonl` and `truth.jsonl` from
//! `benches/gen_corpus.py` (default `target/bench-corpus/c10000`).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use reprint::reuse::{self, Need, ReuseIndex};
use reprint::shingle;
use reprint::source::{self, ReadOptions};
use reprint::text::Tokenizer;

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus/c10000"));
    let loaded = source::read_inputs(&[dir.join("corpus.jsonl")], &ReadOptions::default());
    let docs = loaded.documents;
    let number: HashMap<&str, u32> =
        docs.iter().enumerate().map(|(i, d)| (d.id.as_str(), i as u32)).collect();
    let mut planted: Vec<(u32, u32)> = Vec::new();
    let truth = std::fs::read_to_string(dir.join("truth.jsonl")).expect("truth.jsonl");
    for line in truth.lines() {
        let t: serde_json::Value = serde_json::from_str(line).expect("truth line");
        let kind = t["kind"].as_str().unwrap_or("");
        if (kind == "excerpt" || kind == "condensed")
            && t["containment_a_in_b"].as_f64().unwrap_or(0.0) >= 0.2
        {
            let (a, b) = (number[t["a"].as_str().unwrap_or("")], number[t["b"].as_str().unwrap_or("")]);
            planted.push((a.min(b), a.max(b)));
        }
    }
    println!(
        "{} documents, {} planted excerpt/condensed pairs with containment >= 0.2",
        docs.len(),
        planted.len()
    );
    let clock = Instant::now();
    let shingles: Vec<Vec<u64>> = docs
        .par_iter()
        .map_init(
            || (Tokenizer::new(), Vec::new()),
            |(t, toks), d| {
                t.tokenize(&d.text, toks);
                let mut out = Vec::new();
                shingle::shingles(toks, 5, &mut out);
                out
            },
        )
        .collect();
    println!("shingled in {:.1} s", clock.elapsed().as_secs_f64());
    println!(
        "{:>3} {:>6} {:>10} {:>12} {:>12} {:>8} {:>8}",
        "w", "max_df", "min_shared", "fingerprints", "candidates", "recall", "seconds"
    );
    for w in [4, 6, 8, 12] {
        let fps: Vec<Vec<u32>> = shingles
            .par_iter()
            .map(|s| {
                let mut out = Vec::new();
                reuse::winnow(s, w, &mut out);
                out
            })
            .collect();
        let mut entries: Vec<u64> = fps
            .iter()
            .enumerate()
            .flat_map(|(d, f)| f.iter().map(move |&x| reuse::entry(x, d as u32)))
            .collect();
        entries.par_sort_unstable();
        for max_df in [5, 10, 50] {
            let index = ReuseIndex::build(&entries, max_df);
            for min_shared in [2, 4, 8] {
                let clock = Instant::now();
                let found: HashSet<(u32, u32)> = (0..docs.len() as u32)
                    .into_par_iter()
                    .map_init(Vec::new, |scratch, a| {
                        let need = Need { min_shared, fraction: 0.0, counts: &[] };
                        index
                            .candidates(a, &fps[a as usize], need, scratch)
                            .into_iter()
                            .map(move |(b, _)| (a, b))
                    })
                    .flatten_iter()
                    .collect();
                let hit = planted.iter().filter(|p| found.contains(p)).count();
                println!(
                    "{w:>3} {max_df:>6} {min_shared:>10} {:>12} {:>12} {:>8.4} {:>8.2}",
                    entries.len(),
                    found.len(),
                    hit as f64 / planted.len().max(1) as f64,
                    clock.elapsed().as_secs_f64()
                );
            }
        }
    }
}
