//! Criterion suites per scan stage, plus end to end at 1 and 2 threads, on
//! the 10,000-document generated corpus (made by `benches/gen_corpus.py`
//! under `target/bench-corpus/` when missing; `REPRINT_BENCH_CORPUS=path`
//! uses another JSONL file). Inputs are prepared outside the timed loops and
//! every suite asserts a known result. See `benches/README.md`.

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use reprint::config::{MinHashAlgorithm, Mode};
use reprint::lsh::{self, LshParams};
use reprint::minhash::MinHasher;
use reprint::source::{self, Document, ReadOptions};
use reprint::text::{Token, Tokenizer};
use reprint::verify::Overlap;
use reprint::{pipeline, shingle, Config};

fn corpus_path() -> PathBuf {
    if let Ok(p) = std::env::var("REPRINT_BENCH_CORPUS") {
        return PathBuf::from(p);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-corpus/c10000");
    let file = dir.join("corpus.jsonl");
    if !file.exists() {
        let status = Command::new("python3")
            .arg(root.join("benches/gen_corpus.py"))
            .args(["--docs", "10000", "--seed", "1", "--out"])
            .arg(&dir)
            .status()
            .expect("python3 runs benches/gen_corpus.py");
        assert!(status.success(), "gen_corpus.py failed");
    }
    file
}

fn load() -> (PathBuf, Vec<Document>, u64) {
    let path = corpus_path();
    let loaded = source::read_inputs(std::slice::from_ref(&path), &ReadOptions::default());
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics.first());
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    (path, loaded.documents, bytes)
}

fn stages(c: &mut Criterion) {
    let (_, docs, _) = load();
    let text_bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
    let config = Config::default();
    let k = config.num_perm;

    let mut tokenizer = Tokenizer::new();
    let tokens: Vec<Vec<Token>> = docs
        .iter()
        .map(|d| {
            let mut t = Vec::new();
            tokenizer.tokenize(&d.text, &mut t);
            t
        })
        .collect();
    let total_tokens: usize = tokens.iter().map(Vec::len).sum();
    let shingles: Vec<Vec<u64>> = tokens.iter().map(|t| shingle::shingle_set(t, 5)).collect();

    let mut g = c.benchmark_group("stage");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(text_bytes));
    g.bench_function("tokenize", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for d in &docs {
                tokenizer.tokenize(&d.text, &mut out);
                n += out.len();
            }
            assert_eq!(n, total_tokens);
        })
    });
    g.bench_function("tokenize/hashes", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for d in &docs {
                tokenizer.token_hashes(&d.text, &mut out);
                n += out.len();
            }
            assert_eq!(n, total_tokens);
        })
    });
    g.bench_function("shingle", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for t in &tokens {
                shingle::shingles(t, 5, &mut out);
                n += out.len();
            }
            assert_eq!(
                n,
                tokens
                    .iter()
                    .map(|t| t.len().saturating_sub(4).max(usize::from(!t.is_empty())))
                    .sum::<usize>()
            );
        })
    });
    for algo in [MinHashAlgorithm::OnePermutation, MinHashAlgorithm::KPermutation] {
        let hasher = MinHasher::new(k, 1, algo);
        g.bench_function(BenchmarkId::new("minhash", algo.name()), |b| {
            let mut sig = vec![0u32; k];
            b.iter(|| {
                for s in &shingles {
                    hasher.sign(s, &mut sig);
                }
                black_box(&sig);
            })
        });
    }

    let hasher = MinHasher::new(k, 1, MinHashAlgorithm::OnePermutation);
    let mut signatures = vec![0u32; docs.len() * k];
    for (s, out) in shingles.iter().zip(signatures.chunks_mut(k)) {
        hasher.sign(s, out);
    }
    let members: Vec<u32> = (0..docs.len() as u32).filter(|&i| !shingles[i as usize].is_empty()).collect();
    let w = config.false_negative_weight;
    let params = LshParams::optimal(config.threshold, k, 1.0 - w, w);
    let mut keys = vec![0u64; docs.len() * params.bands];
    for (sig, out) in signatures.chunks(k).zip(keys.chunks_mut(params.bands)) {
        lsh::band_keys(sig, params, out);
    }
    let candidates = |keys: &[u64]| {
        let mut pairs: Vec<(u32, u32)> = (0..params.bands)
            .flat_map(|band| lsh::band_pairs(keys, params.bands, &members, band, 64).pairs)
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    };
    let expected = candidates(&keys);
    assert!(!expected.is_empty());
    g.bench_function("lsh", |b| b.iter(|| assert_eq!(candidates(&keys).len(), expected.len())));
    g.throughput(Throughput::Elements(expected.len() as u64));
    g.bench_function("verify", |b| {
        b.iter(|| {
            let above = expected
                .iter()
                .filter(|&&(a, b)| Overlap::of(&shingles[a as usize], &shingles[b as usize]).jaccard() >= 0.5)
                .count();
            assert!(above > 0);
        })
    });
    g.finish();
}

fn end_to_end(c: &mut Criterion) {
    let (path, docs, bytes) = load();
    let near = Config { mode: Mode::Near, ..Config::default() };
    // Scores only, as issue #2 specifies the near-duplicate scan and as the
    // peers of benches/compare report.
    let scores = Config { passages: false, ..near.clone() };
    let all = Config::default();
    let expected_near = pipeline::scan(&docs, &near).expect("scan").pairs.len();
    let expected_all = pipeline::scan(&docs, &all).expect("scan").pairs.len();
    assert!(expected_all > expected_near && expected_near > 0);
    assert_eq!(pipeline::scan(&docs, &scores).expect("scan").pairs.len(), expected_near);
    drop(docs);
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    for (name, config, expected) in
        [("near-scores", &scores, expected_near), ("near", &near, expected_near), ("all", &all, expected_all)]
    {
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            g.bench_function(BenchmarkId::new(format!("read+scan/{name}"), threads), |b| {
                b.iter(|| {
                    pool.install(|| {
                        let loaded =
                            source::read_inputs(std::slice::from_ref(&path), &ReadOptions::default());
                        let scan = pipeline::scan(&loaded.documents, config).expect("scan");
                        assert_eq!(scan.pairs.len(), expected);
                    })
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, stages, end_to_end);
criterion_main!(benches);
