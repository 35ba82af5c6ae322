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
//! (default 200), `REPRINT_INDEX_BATCH` (default 10,000),
//! `REPRINT_INDEX_LIMIT` (candidates scored per query, default
//! [`reprint::index::DEFAULT_LIMIT`]; 0 for all), `REPRINT_INDEX_REPEAT`
//! (add the documents this many times, each copy under new ids, default 1:
//! 10 makes a 1,000,000-document index of the 100,000 corpus). Queries are
//! indexed documents spread evenly over the corpus, so each must find
//! itself as `exact`, which is asserted.
//!
//! Adds merge as `reprint index add` does (only past
//! [`reprint::index::MAX_SEGMENTS`] segments); queries run once on the index
//! as the adds leave it and once after a full [`Index::compact`], timed
//! apart. Each query pass prints the median and p99 of each stage.

use std::path::PathBuf;
use std::time::Instant;

use reprint::index::{Index, QueryResult, DEFAULT_LIMIT, MAX_SEGMENTS};
use reprint::pipeline::PairKind;
use reprint::source::Document;
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
    let repeat = env_usize("REPRINT_INDEX_REPEAT", 1).max(1);
    let clock = Instant::now();
    let mut merge_seconds = 0.0;
    for r in 0..repeat {
        for chunk in docs.chunks(batch) {
            let renamed: Vec<Document>;
            let chunk = if r == 0 {
                chunk
            } else {
                renamed =
                    chunk.iter().map(|d| Document::new(format!("{}#{r}", d.id), d.text.clone())).collect();
                &renamed
            };
            let added = index.add(chunk).expect("add");
            assert_eq!(added.added + added.replaced.len() + added.unchanged, chunk.len());
            let merge = Instant::now();
            index.compact_over(MAX_SEGMENTS).expect("compact");
            merge_seconds += merge.elapsed().as_secs_f64();
        }
    }
    let seconds = clock.elapsed().as_secs_f64();
    let held = n * repeat;
    let stats = index.stats().expect("stats");
    println!(
        "add: {} documents in {:.1} s = {:.0} documents/s ({:.1} MB/s of text; merges {:.1} s of it), batches of {}",
        stats.documents,
        seconds,
        held as f64 / seconds,
        (bytes * repeat) as f64 / 1e6 / seconds,
        merge_seconds,
        batch
    );
    let size = |index: &Index| {
        let stats = index.stats().expect("stats");
        println!(
            "size: {:.1} MB on disk, {:.0} bytes per document ({:.2} x the text), {} segments",
            stats.bytes_on_disk as f64 / 1e6,
            stats.bytes_on_disk as f64 / held as f64,
            stats.bytes_on_disk as f64 / (bytes * repeat) as f64,
            stats.segments
        );
    };
    size(&index);
    let limit = env_usize("REPRINT_INDEX_LIMIT", DEFAULT_LIMIT);
    let queries = env_usize("REPRINT_INDEX_QUERIES", 200).min(n).max(1);
    query_pass(&index, &docs, &config, limit, queries, held, "as added");
    let clock = Instant::now();
    let merges = index.compact().expect("compact");
    println!("compact: {} merges in {:.1} s", merges, clock.elapsed().as_secs_f64());
    size(&index);
    query_pass(&index, &docs, &config, limit, queries, held, "compacted");
}

fn query_pass(
    index: &Index,
    docs: &[Document],
    config: &Config,
    limit: usize,
    queries: usize,
    held: usize,
    label: &str,
) {
    let n = docs.len();
    let mut latencies = Vec::with_capacity(queries);
    let mut stages: [Vec<f64>; 5] = Default::default();
    let (mut matches, mut words, mut candidates, mut scored) = (0, 0, 0, 0);
    for q in 0..queries {
        let doc = &docs[q * n / queries];
        let clock = Instant::now();
        let result: QueryResult = index.query_limit(&doc.text, config, limit).expect("query");
        latencies.push(clock.elapsed().as_secs_f64() * 1e3);
        if result.words > 0 {
            assert!(
                result.matches.iter().any(|m| m.id == doc.id && m.kind == PairKind::Exact),
                "{} does not find itself",
                doc.id
            );
        }
        let t = result.timings;
        for (s, d) in stages.iter_mut().zip([t.sketch, t.lookup, t.load, t.verify, t.align]) {
            s.push(d.as_secs_f64() * 1e3);
        }
        matches += result.matches.len();
        words += result.words;
        candidates += result.candidates;
        scored += result.scored;
    }
    let at = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * p).round() as usize]
    };
    println!(
        "query ({label}, limit {limit}): {} documents (mean {} words) against {}: median {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         {:.1} candidates, {:.1} scored, {:.2} matches each",
        queries,
        words / queries,
        held,
        at(&mut latencies, 0.5),
        at(&mut latencies, 0.99),
        at(&mut latencies, 1.0),
        candidates as f64 / queries as f64,
        scored as f64 / queries as f64,
        matches as f64 / queries as f64
    );
    let mut line = String::from("  stages median / p99 ms:");
    for (name, s) in ["sketch", "lookup", "load", "verify", "align"].iter().zip(stages.iter_mut()) {
        line.push_str(&format!(" {name} {:.2} / {:.2};", at(s, 0.5), at(s, 0.99)));
    }
    println!("{}", line.trim_end_matches(';'));
}
