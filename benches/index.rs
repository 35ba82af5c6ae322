//! The persistent index (`reprint::index`): add throughput, query latency
//! and size on disk on the generated corpus.
//!
//! Not a criterion suite: adding 100,000 documents is one long measurement,
//! not a loop to sample. Run with
//!
//! ```text
//! cargo bench --bench index
//! REPRINT_INDEX_DOCS=20000 cargo bench --bench index     # a slice
//! ```
//!
//! Environment: `REPRINT_INDEX_CORPUS` (default
//! `target/bench-corpus/c100000/corpus.jsonl`), `REPRINT_INDEX_DOCS` (how
//! many of its documents to add, default all), `REPRINT_INDEX_QUERIES`
//! (default 200), `REPRINT_INDEX_BATCH` (default 10,000). Queries are
//! indexed documents spread evenly over the corpus, so each must find
//! itself as `exact`, which is asserted.

use std::path::PathBuf;
use std::time::Instant;

use reprint::index::Index;
use reprint::pipeline::PairKind;
use reprint::source::{read_inputs, ReadOptions};
use reprint::Config;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let corpus = std::env::var("REPRINT_INDEX_CORPUS").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus/c100000/corpus.jsonl")
    });
    if !corpus.exists() {
        eprintln!("index bench: no corpus at {} (see benches/README.md, Corpus); skipped", corpus.display());
        return;
    }
    let clock = Instant::now();
    let mut loaded = read_inputs(std::slice::from_ref(&corpus), &ReadOptions::default());
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics.first());
    let n = env_usize("REPRINT_INDEX_DOCS", loaded.documents.len()).min(loaded.documents.len());
    loaded.documents.truncate(n);
    let docs = loaded.documents;
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    println!("read {} documents ({:.1} MB) in {:.1} s", n, bytes as f64 / 1e6, clock.elapsed().as_secs_f64());

    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::default();
    let mut index = Index::create(dir.path(), &config).expect("create");
    let batch = env_usize("REPRINT_INDEX_BATCH", 10_000).max(1);
    let clock = Instant::now();
    let mut merge_seconds = 0.0;
    for chunk in docs.chunks(batch) {
        let added = index.add(chunk).expect("add");
        assert_eq!(added.added + added.replaced.len() + added.unchanged, chunk.len());
        let merge = Instant::now();
        index.compact().expect("compact");
        merge_seconds += merge.elapsed().as_secs_f64();
    }
    let seconds = clock.elapsed().as_secs_f64();
    let stats = index.stats().expect("stats");
    println!(
        "add: {} documents in {:.1} s = {:.0} documents/s ({:.1} MB/s of text; merges {:.1} s of it), batches of {}",
        stats.documents,
        seconds,
        n as f64 / seconds,
        bytes as f64 / 1e6 / seconds,
        merge_seconds,
        batch
    );
    println!(
        "size: {:.1} MB on disk, {:.0} bytes per document ({:.2} x the text), {} segments",
        stats.bytes_on_disk as f64 / 1e6,
        stats.bytes_on_disk as f64 / n as f64,
        stats.bytes_on_disk as f64 / bytes as f64,
        stats.segments
    );

    let queries = env_usize("REPRINT_INDEX_QUERIES", 200).min(n).max(1);
    let mut latencies = Vec::with_capacity(queries);
    let mut matches = 0;
    let mut words = 0;
    for q in 0..queries {
        let doc = &docs[q * n / queries];
        let clock = Instant::now();
        let result = index.query(&doc.text, &config).expect("query");
        latencies.push(clock.elapsed().as_secs_f64() * 1e3);
        if result.words > 0 {
            assert!(
                result.matches.iter().any(|m| m.id == doc.id && m.kind == PairKind::Exact),
                "{} does not find itself",
                doc.id
            );
        }
        matches += result.matches.len();
        words += result.words;
    }
    latencies.sort_by(f64::total_cmp);
    let at = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!(
        "query: {} documents (mean {} words) against {}: median {:.2} ms, p99 {:.2} ms, max {:.2} ms; {:.2} matches each",
        queries,
        words / queries,
        n,
        at(0.5),
        at(0.99),
        at(1.0),
        matches as f64 / queries as f64
    );
}
