//! Route (2) of the partial-reuse candidate path, measured beside route (1)
//! (`src/reuse.rs`, swept by `benches/reuse_params.rs`): passage-level
//! MinHash. Each document is cut into overlapping windows of `W` words
//! (stride `W / 2`); each window gets a MinHash signature of its word
//! 5-gram shingles, cut into bands chosen by `LshParams::optimal` for a low
//! threshold; two documents are a candidate when at least one band key of
//! a window of one equals one of a window of the other. A band key found in
//! more than `max_df` documents (boilerplate) makes no pairs, as in route (1).
//!
//! Prints, per setting: index entries (distinct band keys per document),
//! their bytes per document, candidate pairs, recall of the planted
//! `excerpt` and `condensed` pairs with containment >= 0.2, and time. The
//! same figures for route (1) at the scan defaults (w = 6, max_df = 50,
//! min_shared = 3) come first, timed the same way (winnow + index + query).
//! Then the seeds case: the five seed articles (`fixtures/seeds/`) on their
//! own and appended to the corpus, and whether each route makes 000-001
//! (condensed paraphrase) and 002-004 (shared caption and footer)
//! candidates. Not a criterion suite: a measurement that prints tables.
//!
//!     cargo bench --bench passage_minhash -- [CORPUS_DIR] [--threshold=T]
//!
//! CORPUS_DIR holds `corpus.jsonl` and `truth.jsonl` from
//! `benches/gen_corpus.py` (default `target/bench-corpus/c10000`); the
//! threshold (default 0.25) is the LSH threshold of the window signatures.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use reprint::config::MinHashAlgorithm;
use reprint::lsh::{band_key, LshParams};
use reprint::minhash::MinHasher;
use reprint::reuse::{self, Need, ReuseIndex};
use reprint::shingle;
use reprint::source::{self, Document, ReadOptions};
use reprint::text::Tokenizer;

/// Shingle size (words), as the scan's default.
const N: usize = 5;
/// Signature seed, as the scan's default.
const SEED: u64 = 0x5EED;
/// Document-frequency cap of both routes (the scan's `--max-df` default).
const MAX_DF: usize = 50;

/// One passage-MinHash setting.
#[derive(Clone, Copy)]
struct Setting {
    /// Window length in words; the stride is half of it.
    w: usize,
    /// Signature length per window.
    k: usize,
    params: LshParams,
}

/// The shingle ranges `[start, end)` of the windows of `w` words with
/// stride `w / 2` over a document of `m` shingles: the last window ends at
/// the last shingle; a document shorter than a window is one window.
fn windows(m: usize, w: usize) -> Vec<(usize, usize)> {
    let len = w + 1 - N;
    let stride = (w / 2).max(1);
    if m <= len {
        return if m == 0 { Vec::new() } else { vec![(0, m)] };
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start + len < m {
        out.push((start, start + len));
        start += stride;
    }
    out.push((m - len, m));
    out
}

/// The distinct band keys of every window of one document, sorted.
fn band_keys(shingles: &[u64], s: Setting, hasher: &MinHasher, sig: &mut [u32]) -> Vec<u64> {
    let mut out = Vec::new();
    for (a, b) in windows(shingles.len(), s.w) {
        hasher.sign(&shingles[a..b], sig);
        out.extend((0..s.params.bands).map(|band| band_key(sig, band, s.params.rows)));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// What one route produced on the corpus.
struct Outcome {
    entries: usize,
    dropped_keys: usize,
    pairs: HashSet<(u32, u32)>,
    seconds: f64,
}

/// Route (2): band keys of every window, an inverted index capped at
/// `MAX_DF` documents per key, and the pairs of every bucket.
fn passage_minhash(shingles: &[Vec<u64>], s: Setting) -> Outcome {
    let clock = Instant::now();
    let hasher = MinHasher::new(s.k, SEED, MinHashAlgorithm::OnePermutation);
    let keys: Vec<Vec<u64>> =
        shingles.par_iter().map_init(|| vec![0u32; s.k], |sig, sh| band_keys(sh, s, &hasher, sig)).collect();
    let mut entries: Vec<(u64, u32)> =
        keys.par_iter().enumerate().flat_map_iter(|(d, ks)| ks.iter().map(move |&k| (k, d as u32))).collect();
    drop(keys);
    entries.par_sort_unstable();
    let mut buckets: Vec<&[(u64, u32)]> = Vec::new();
    let mut dropped_keys = 0;
    for run in entries.chunk_by(|x, y| x.0 == y.0) {
        if run.len() > MAX_DF {
            dropped_keys += 1;
        } else if run.len() >= 2 {
            buckets.push(run);
        }
    }
    let mut pairs: Vec<(u32, u32)> = buckets
        .par_iter()
        .flat_map_iter(|run| {
            run.iter()
                .enumerate()
                .flat_map(move |(x, &(_, a))| run[x + 1..].iter().map(move |&(_, b)| (a, b)))
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    let seconds = clock.elapsed().as_secs_f64();
    Outcome { entries: entries.len(), dropped_keys, pairs: pairs.into_iter().collect(), seconds }
}

/// Route (1) at one setting: winnowed fingerprints, `ReuseIndex` capped at
/// `max_df`, pairs sharing at least `min_shared` fingerprints.
fn winnowing(shingles: &[Vec<u64>], w: usize, max_df: usize, min_shared: usize) -> Outcome {
    let clock = Instant::now();
    let fps: Vec<Vec<u32>> = shingles
        .par_iter()
        .map(|s| {
            let mut out = Vec::new();
            reuse::winnow(s, w, &mut out);
            out
        })
        .collect();
    let mut entries: Vec<u64> = fps
        .par_iter()
        .enumerate()
        .flat_map_iter(|(d, f)| f.iter().map(move |&x| reuse::entry(x, d as u32)))
        .collect();
    entries.par_sort_unstable();
    let index = ReuseIndex::build(&entries, max_df);
    // Distinct already: each pair (a, b), a < b, comes from the query of a.
    let pairs: Vec<(u32, u32)> = (0..fps.len() as u32)
        .into_par_iter()
        .map_init(Vec::new, |scratch, a| {
            let need = Need { min_shared, fraction: 0.0, counts: &[] };
            index.candidates(a, &fps[a as usize], need, scratch).into_iter().map(move |(b, _)| (a, b))
        })
        .flatten_iter()
        .collect();
    let seconds = clock.elapsed().as_secs_f64();
    Outcome {
        entries: entries.len(),
        dropped_keys: index.common_fingerprints,
        pairs: pairs.into_iter().collect(),
        seconds,
    }
}

fn shingle_all(docs: &[Document]) -> Vec<Vec<u64>> {
    docs.par_iter()
        .map_init(
            || (Tokenizer::new(), Vec::new()),
            |(t, toks), d| {
                t.tokenize(&d.text, toks);
                let mut out = Vec::new();
                shingle::shingles(toks, N, &mut out);
                out
            },
        )
        .collect()
}

fn read_seeds() -> Vec<Document> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/seeds")
        .map(|e| e.expect("seed entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
            Document::new(format!("seed-{}", &name[..3]), std::fs::read_to_string(p).expect("seed text"))
        })
        .collect()
}

/// The largest exact Jaccard of a window of `a` and a window of `b`.
fn best_window_jaccard(a: &[u64], b: &[u64], w: usize) -> f64 {
    let set = |s: &[u64]| s.iter().copied().collect::<HashSet<u64>>();
    let wa: Vec<HashSet<u64>> = windows(a.len(), w).into_iter().map(|(x, y)| set(&a[x..y])).collect();
    let wb: Vec<HashSet<u64>> = windows(b.len(), w).into_iter().map(|(x, y)| set(&b[x..y])).collect();
    let mut best = 0.0f64;
    for x in &wa {
        for y in &wb {
            let inter = x.intersection(y).count();
            let union = x.len() + y.len() - inter;
            if union > 0 {
                best = best.max(inter as f64 / union as f64);
            }
        }
    }
    best
}

fn mark(found: bool) -> &'static str {
    if found {
        "yes"
    } else {
        "no"
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus/c10000"));
    let threshold: f64 = args
        .iter()
        .find_map(|a| a.strip_prefix("--threshold="))
        .map_or(0.25, |t| t.parse().expect("--threshold=T"));

    let clock = Instant::now();
    let loaded = source::read_inputs(&[dir.join("corpus.jsonl")], &ReadOptions::default());
    let mut docs = loaded.documents;
    let generated = docs.len();
    let seeds = read_seeds();
    docs.extend(seeds.iter().cloned());
    let number: HashMap<&str, u32> =
        docs.iter().enumerate().map(|(i, d)| (d.id.as_str(), i as u32)).collect();
    let mut planted: Vec<(u32, u32, bool)> = Vec::new();
    let truth = std::fs::read_to_string(dir.join("truth.jsonl")).expect("truth.jsonl");
    for line in truth.lines() {
        let t: serde_json::Value = serde_json::from_str(line).expect("truth line");
        let kind = t["kind"].as_str().unwrap_or("");
        if (kind == "excerpt" || kind == "condensed")
            && t["containment_a_in_b"].as_f64().unwrap_or(0.0) >= 0.2
        {
            let (a, b) = (number[t["a"].as_str().unwrap_or("")], number[t["b"].as_str().unwrap_or("")]);
            planted.push((a.min(b), a.max(b), kind == "excerpt"));
        }
    }
    let excerpts = planted.iter().filter(|p| p.2).count();
    let words: usize = docs.par_iter().map(|d| d.text.split_whitespace().count()).sum();
    println!(
        "{} generated documents + {} seeds, {} words; planted with containment >= 0.2: {} excerpt, {} condensed; \
         {} threads; read in {:.1} s",
        generated,
        seeds.len(),
        words,
        excerpts,
        planted.len() - excerpts,
        rayon::current_num_threads(),
        clock.elapsed().as_secs_f64()
    );
    let clock = Instant::now();
    let shingles = shingle_all(&docs);
    println!(
        "tokenised and shingled (n = {N}) in {:.1} s (shared by both routes, not in the times below)",
        clock.elapsed().as_secs_f64()
    );

    let mut settings = Vec::new();
    for w in [50, 100] {
        for k in [32, 64] {
            settings.push(Setting { w, k, params: LshParams::optimal(threshold, k, 0.5, 0.5) });
        }
    }
    println!(
        "\nLSH threshold {threshold} (equal weights), max_df {MAX_DF} for both routes; S-curve per setting:"
    );
    for s in &settings {
        println!(
            "  W={:<3} k={:<2} -> {:>2} bands x {:>2} rows; P(candidate | window Jaccard 0.1/0.2/0.3/0.5) = {:.2}/{:.2}/{:.2}/{:.2}",
            s.w,
            s.k,
            s.params.bands,
            s.params.rows,
            s.params.probability(0.1),
            s.params.probability(0.2),
            s.params.probability(0.3),
            s.params.probability(0.5)
        );
    }

    let n = docs.len() as f64;
    let seed_base = generated as u32;
    let seed_pair = |a: u32, b: u32| (seed_base + a, seed_base + b);
    println!(
        "\n{:<34} {:>10} {:>9} {:>9} {:>11} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8} {:>9}",
        "route / setting",
        "entries",
        "per doc",
        "B/doc",
        "candidates",
        "recall",
        "excerpt",
        "condens",
        "seconds",
        "000-001",
        "002-004",
        "seed-gen"
    );
    let report = |name: &str, o: &Outcome, bytes_per_entry: usize| {
        let hit = |p: &&(u32, u32, bool)| o.pairs.contains(&(p.0, p.1));
        let all = planted.iter().filter(hit).count();
        let ex = planted.iter().filter(|p| p.2).filter(hit).count();
        let seed_gen = o.pairs.iter().filter(|&&(a, b)| (a >= seed_base) != (b >= seed_base)).count();
        println!(
            "{:<34} {:>10} {:>9.1} {:>9.0} {:>11} {:>7.4} {:>7.4} {:>7.4} {:>7.2} {:>8} {:>8} {:>9}",
            name,
            o.entries,
            o.entries as f64 / n,
            (o.entries * bytes_per_entry) as f64 / n,
            o.pairs.len(),
            all as f64 / planted.len().max(1) as f64,
            ex as f64 / excerpts.max(1) as f64,
            (all - ex) as f64 / (planted.len() - excerpts).max(1) as f64,
            o.seconds,
            mark(o.pairs.contains(&seed_pair(0, 1))),
            mark(o.pairs.contains(&seed_pair(2, 4))),
            seed_gen
        );
    };
    for (w, min_shared) in [(6, 3), (4, 2)] {
        let o = winnowing(&shingles, w, MAX_DF, min_shared);
        // 8 bytes an entry: 32-bit fingerprint + 32-bit document.
        report(&format!("(1) winnow w={w} max_df={MAX_DF} min={min_shared}"), &o, 8);
        println!("{:<34} ({} fingerprints above max_df)", "", o.dropped_keys);
    }
    for s in &settings {
        let o = passage_minhash(&shingles, *s);
        // 12 bytes an entry: 64-bit band key + 32-bit document.
        let name = format!("(2) W={} k={} {}x{}", s.w, s.k, s.params.bands, s.params.rows);
        report(&name, &o, 12);
        println!("{:<34} ({} band keys above max_df)", "", o.dropped_keys);
    }

    // The seeds on their own: per pair, the evidence each route has.
    let sh = shingle_all(&seeds);
    println!("\nSeeds on their own (no document-frequency cap can act on 5 documents):");
    print!("{:<8}", "pair");
    for w in [4, 6, 8] {
        print!(" {:>9}", format!("fp w={w}"));
    }
    for s in &settings {
        print!(" {:>12}", format!("keys {}/{}", s.w, s.k));
    }
    for w in [50, 100] {
        print!(" {:>10}", format!("bestJ W={w}"));
    }
    println!();
    let fps: Vec<Vec<Vec<u32>>> = [4, 6, 8]
        .iter()
        .map(|&w| {
            sh.iter()
                .map(|s| {
                    let mut out = Vec::new();
                    reuse::winnow(s, w, &mut out);
                    out
                })
                .collect()
        })
        .collect();
    let keys: Vec<Vec<Vec<u64>>> = settings
        .iter()
        .map(|s| {
            let hasher = MinHasher::new(s.k, SEED, MinHashAlgorithm::OnePermutation);
            let mut sig = vec![0u32; s.k];
            sh.iter().map(|x| band_keys(x, *s, &hasher, &mut sig)).collect()
        })
        .collect();
    let shared_u32 = |a: &[u32], b: &[u32]| a.iter().filter(|x| b.binary_search(x).is_ok()).count();
    let shared_u64 = |a: &[u64], b: &[u64]| a.iter().filter(|x| b.binary_search(x).is_ok()).count();
    for a in 0..seeds.len() {
        for b in a + 1..seeds.len() {
            print!("{:<8}", format!("{:03}-{:03}", a, b));
            for f in &fps {
                print!(" {:>9}", shared_u32(&f[a], &f[b]));
            }
            for k in &keys {
                print!(" {:>12}", shared_u64(&k[a], &k[b]));
            }
            for w in [50, 100] {
                print!(" {:>10.3}", best_window_jaccard(&sh[a], &sh[b], w));
            }
            println!();
        }
    }
    println!(
        "fp w=..: winnowed fingerprints shared (route 1 makes a candidate at >= min_shared); \
         keys W/k: band keys shared (route 2 makes a candidate at >= 1); \
         bestJ: the largest exact 5-gram Jaccard of any window pair"
    );

    // Route (2) is randomised: how often, over signature seeds, does it make
    // each seed pair a candidate? Route (1) is deterministic (any shared run
    // of w + n - 1 words gives a shared fingerprint).
    const TRIALS: u64 = 100;
    let watched = [(0usize, 1usize), (2, 4), (1, 2), (1, 4)];
    println!("\nRoute (2) over {TRIALS} signature seeds: share of seeds making each seed pair a candidate");
    print!("{:<12}", "setting");
    for (a, b) in watched {
        print!(" {:>8}", format!("{a:03}-{b:03}"));
    }
    println!();
    for s in &settings {
        let mut hits = [0u32; 4];
        for t in 0..TRIALS {
            let hasher =
                MinHasher::new(s.k, SEED.wrapping_add(t * 0x9e37_79b9), MinHashAlgorithm::OnePermutation);
            let mut sig = vec![0u32; s.k];
            let k: Vec<Vec<u64>> = sh.iter().map(|x| band_keys(x, *s, &hasher, &mut sig)).collect();
            for (h, &(a, b)) in hits.iter_mut().zip(&watched) {
                *h += u32::from(shared_u64(&k[a], &k[b]) > 0);
            }
        }
        print!("{:<12}", format!("W={} k={}", s.w, s.k));
        for h in hits {
            print!(" {:>8.2}", f64::from(h) / TRIALS as f64);
        }
        println!();
    }
}
