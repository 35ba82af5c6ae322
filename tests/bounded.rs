//! Bounded work and memory on hostile shapes of input (issue 7): one huge
//! line, ten thousand copies of one document, one word a million times,
//! a hundred thousand tiny files, a directory symlink loop.
//!
//! Each test asserts counts (what was read, paired and clustered), never a
//! wall-clock limit, so a slow machine cannot make it flaky; the times are
//! printed (`cargo test --test bounded -- --nocapture`) so that a
//! quadratic step shows up as a ratio far above the size ratio.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::Rng;
use rayon::prelude::*;
use reprint::pipeline::{self, PairKind};
use reprint::source::Document;
use reprint::Config;

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// Runs the real binary; gives its exit code, its stdout parsed as a JSON
/// report, its stderr, and how long it took.
fn scan_json(args: &[&str]) -> (i32, serde_json::Value, String, Duration) {
    let clock = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_reprint"))
        .arg("scan")
        .args(args)
        .args(["--format", "json", "--quiet"])
        .output()
        .expect("reprint runs");
    let took = clock.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {stderr}"));
    (out.status.code().expect("exit code"), json, stderr, took)
}

fn count(report: &serde_json::Value, field: &str) -> u64 {
    report["stats"][field].as_u64().unwrap_or_else(|| panic!("stats.{field} in {}", report["stats"]))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// The ids of a JSON report's documents, in order.
fn document_ids(report: &serde_json::Value) -> Vec<&str> {
    report["documents"].as_array().expect("documents").iter().map(|d| d["id"].as_str().unwrap()).collect()
}

/// `bytes` of words drawn from a vocabulary of 5,000 made-up words, one
/// space between them and no line end anywhere.
fn one_line_of_words(bytes: usize, seed: u64) -> Vec<u8> {
    let vocab: Vec<String> = (0..5000).map(|i| format!("w{i:x}q")).collect();
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(bytes + 16);
    while out.len() < bytes {
        out.extend_from_slice(vocab[rng.below(vocab.len())].as_bytes());
        out.push(b' ');
    }
    out.truncate(bytes);
    if out.last() == Some(&b' ') {
        out.pop();
        out.push(b'x');
    }
    out
}

/// Words of a text as the tokenizer counts them here: runs of ASCII
/// letters and digits.
fn ascii_words(text: &[u8]) -> u64 {
    text.split(|b| !b.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).count() as u64
}

/// One line of 200 MB without a line end, as a text file and as the text
/// of one JSONL record, each read beside a small good document.
#[test]
fn a_200_mb_line_without_a_line_end_is_read_whole() {
    const SIZE: usize = 200 << 20;
    let dir = tempdir();
    let line = one_line_of_words(SIZE, 7);
    let words = ascii_words(&line);
    let txt = dir.path().join("long.txt");
    fs::write(&txt, &line).expect("write");
    let small = dir.path().join("small.txt");
    fs::write(&small, "a small good document beside the big one").expect("write");

    let (code, report, stderr, took) = scan_json(&[path_str(&txt), path_str(&small)]);
    assert_eq!(code, 1, "no pair, nothing skipped: {stderr}");
    assert_eq!(count(&report, "documents"), 2);
    assert_eq!(report["documents"][0]["bytes"].as_u64(), Some(SIZE as u64));
    assert_eq!(report["documents"][0]["words"].as_u64(), Some(words));
    assert_eq!(report["documents"][1]["words"].as_u64(), Some(8));
    println!("text file, one line of {} MB, {words} words: {took:.2?}", SIZE >> 20);
    fs::remove_file(&txt).expect("remove");

    // The same words as one JSONL record, no line end after it.
    let jsonl = dir.path().join("long.jsonl");
    let mut record =
        b"{\"id\":\"small\",\"text\":\"a small good document\"}\n{\"id\":\"long\",\"text\":\"".to_vec();
    record.extend_from_slice(&line);
    record.extend_from_slice(b"\"}");
    drop(line);
    fs::write(&jsonl, &record).expect("write");
    drop(record);
    let (code, report, stderr, took) = scan_json(&[path_str(&jsonl)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let ids = document_ids(&report);
    assert_eq!(ids, ["small", "long"]);
    assert_eq!(report["documents"][1]["bytes"].as_u64(), Some(SIZE as u64));
    assert_eq!(report["documents"][1]["words"].as_u64(), Some(words));
    println!("JSONL, one record of {} MB on one line: {took:.2?}", SIZE >> 20);
}

/// A paragraph of `words` made-up words.
fn paragraph(words: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    (0..words).map(|_| format!("v{}", rng.below(3000))).collect::<Vec<_>>().join(" ")
}

/// `n` identical documents: one exact cluster, linked as a star from the
/// first copy (n - 1 pairs, not n (n - 1) / 2).
fn copies(n: usize) -> (pipeline::Scan, Duration) {
    let text = paragraph(120, 11);
    let docs: Vec<Document> = (0..n).map(|i| Document::new(format!("copy{i}"), text.clone())).collect();
    let clock = Instant::now();
    let scan = pipeline::scan(&docs, &Config::default()).expect("scan");
    (scan, clock.elapsed())
}

#[test]
fn ten_thousand_identical_copies_make_one_cluster_in_linear_work() {
    let mut times = Vec::new();
    for n in [2_000, 10_000] {
        let (scan, took) = copies(n);
        assert_eq!(scan.stats.documents, n);
        assert_eq!(scan.stats.exact_duplicates, n - 1);
        assert_eq!(scan.pairs.len(), n - 1, "a star of pairs, not all pairs");
        for (i, p) in scan.pairs.iter().enumerate() {
            assert_eq!((p.a.index(), p.b.index(), p.kind), (0, i + 1, PairKind::Exact));
            assert_eq!(p.jaccard, 1.0);
        }
        assert_eq!(scan.clusters.len(), 1);
        assert_eq!(scan.clusters[0].members.len(), n);
        assert_eq!(scan.stats.candidates, 0, "copies never reach the candidate paths");
        times.push((n, took));
    }
    let (small, large) = (times[0].1.as_secs_f64(), times[1].1.as_secs_f64());
    println!(
        "identical copies: 2,000 in {:.2?}, 10,000 in {:.2?}: {:.1}x the time for 5x the copies",
        times[0].1,
        times[1].1,
        large / small.max(1e-9)
    );
}

/// One word a million times: one document alone, then beside a copy in
/// another case (an exact pair of a million words each, aligned: every
/// seed repeats, the pathological case) and one with a word appended (a
/// near-duplicate: Jaccard 1/2), all bounded by the alignment work budget.
#[test]
fn one_word_repeated_a_million_times() {
    let dir = tempdir();
    let one = dir.path().join("one.txt");
    fs::write(&one, "buffalo ".repeat(1_000_000)).expect("write");
    let (code, report, stderr, took) = scan_json(&[path_str(&one)]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(report["documents"][0]["words"].as_u64(), Some(1_000_000));
    println!("one word x 1,000,000, alone: {took:.2?}");

    let two = dir.path().join("two.txt");
    fs::write(&two, "Buffalo ".repeat(1_000_000)).expect("write");
    let three = dir.path().join("three.txt");
    fs::write(&three, "buffalo ".repeat(1_000_000) + "bison").expect("write");
    let (code, report, stderr, took) = scan_json(&[path_str(&one), path_str(&two), path_str(&three)]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(count(&report, "words"), 3_000_001);
    let pairs = report["pairs"].as_array().expect("pairs");
    let kind = |b: &Path| pairs.iter().find(|p| p["b"] == path_str(b)).map(|p| p["kind"].clone());
    assert_eq!(kind(&two), Some("exact".into()), "{pairs:?}");
    assert_eq!(kind(&three), Some("near-duplicate".into()), "{pairs:?}");
    println!(
        "one word x 1,000,000, three documents: {took:.2?}, pairs {}, budget exhausted {}",
        pairs.len(),
        count(&report, "budget_exhausted")
    );
}

#[test]
fn a_hundred_thousand_tiny_files_are_all_read_and_counted() {
    const FILES: usize = 100_000;
    let dir = tempdir();
    let root = dir.path().join("tiny");
    let clock = Instant::now();
    // 100 directories of 1,000 files each, so no directory is huge; written
    // in parallel, as creating the files is most of this test's time.
    (0..100).into_par_iter().for_each(|d| {
        let sub = root.join(format!("d{d:02}"));
        fs::create_dir_all(&sub).expect("mkdir");
        for f in 0..FILES / 100 {
            let i = d * 1000 + f;
            fs::write(
                sub.join(format!("f{f:03}.txt")),
                format!("note {i} of {} k{}", FILES, i * 7919 % 100_003),
            )
            .expect("write");
        }
    });
    println!("wrote {FILES} files in {:.2?}", clock.elapsed());
    let (code, report, stderr, took) = scan_json(&["--mode", "near", path_str(&root)]);
    assert!(code == 0 || code == 1, "{code}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(count(&report, "documents"), FILES as u64);
    assert_eq!(count(&report, "skipped"), 0);
    assert_eq!(count(&report, "words"), 5 * FILES as u64);
    let documents = report["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), FILES);
    // In byte-wise path order: the walk is sorted.
    let r = path_str(&root);
    assert_eq!(documents[0]["id"].as_str(), Some(format!("{r}/d00/f000.txt").as_str()));
    assert_eq!(documents[FILES - 1]["id"].as_str(), Some(format!("{r}/d99/f999.txt").as_str()));
    println!("read and scanned {FILES} tiny files: {took:.2?}");
}

#[cfg(unix)]
#[test]
fn a_directory_symlink_loop_is_reported_and_the_rest_read() {
    let dir = tempdir();
    let root = dir.path().join("tree");
    fs::create_dir_all(root.join("sub/deeper")).expect("mkdir");
    let text = paragraph(40, 3);
    fs::write(root.join("a.txt"), &text).expect("write");
    fs::write(root.join("sub/deeper/b.txt"), &text).expect("write");
    fs::write(root.join("z.txt"), "the last file").expect("write");
    // A loop back to the root from two levels down, and a link to itself.
    std::os::unix::fs::symlink(&root, root.join("sub/deeper/up")).expect("symlink");
    std::os::unix::fs::symlink(root.join("sub/self"), root.join("sub/self")).expect("symlink");

    let (code, report, stderr, _) = scan_json(&[path_str(&root)]);
    assert_eq!(code, 2, "a skipped input exits 2: {stderr}");
    let r = path_str(&root);
    let ids = document_ids(&report);
    assert_eq!(ids, [format!("{r}/a.txt"), format!("{r}/sub/deeper/b.txt"), format!("{r}/z.txt")]);
    // The two copies are still paired.
    assert_eq!(report["pairs"].as_array().map(Vec::len), Some(1));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("{r}/sub/deeper/up: symlink loop (leads back to {r})")),
        "{stderr}"
    );
    assert!(lines[1].starts_with(&format!("{r}/sub/self: cannot read: ")), "{stderr}");
    assert!(lines.iter().all(|l| l.ends_with("skipped")), "{stderr}");
    assert_eq!(count(&report, "skipped"), 2);
}
