//! Candidate recall of the partial-reuse paths on the PAN 2013
//! text-alignment corpus: today's winnowed exact shingles alone, and with
//! the rewrite path ([`reprint::config::Rewrites`]: stemmed content-word
//! n-grams) in several settings. All documents go into one scan; per
//! subset it counts how many of the listed (suspicious, source) pairs are
//! among the pairs the scan would verify and align, and how many
//! candidates there are overall, with the candidate stage's seconds. Not
//! a criterion suite: a measurement that prints a table.
//!
//!     cargo bench --bench rewrite_candidates -- CORPUS.jsonl PAN_DIR [SPEC ...] [--scan] [--sentences]
//!
//! CORPUS.jsonl holds every file of PAN_DIR/susp and PAN_DIR/src, ids =
//! file names (`docs/reuse-path-measurements.md` has the one-liner that
//! writes it). A SPEC is `off` (no rewrite path) or `n,w,max_df,min_shared`
//! (default: a sweep). `--scan` also runs the whole scan (verify and
//! align) and counts the pairs it reports; `--sentences` turns on the
//! aligner's sentence stage for it. Without PAN_DIR (a generated corpus)
//! only counts and seconds are printed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use reprint::config::{Config, Rewrites};
use reprint::pipeline::{self, NoProgress, Sketches};
use reprint::source::{self, ReadOptions};

const SUBSETS: [&str; 5] = [
    "01-no-plagiarism",
    "02-no-obfuscation",
    "03-random-obfuscation",
    "04-translation-obfuscation",
    "05-summary-obfuscation",
];

fn parse(spec: &str) -> Option<Rewrites> {
    if spec == "off" {
        return None;
    }
    let v: Vec<usize> = spec.split(',').map(|x| x.parse().expect("n,w,max_df,min_shared")).collect();
    assert_eq!(v.len(), 4, "n,w,max_df,min_shared");
    Some(Rewrites { ngram: v[0], window: v[1], max_df: v[2], min_shared: v[3] })
}

fn name(r: Option<Rewrites>) -> String {
    r.map_or("off".into(), |r| format!("{},{},{},{}", r.ngram, r.window, r.max_df, r.min_shared))
}

/// Per subset, its listed pairs as document numbers `(min, max)`: those
/// with a plagiarism case, then those without.
type Listed = (Vec<(u32, u32)>, Vec<(u32, u32)>);

fn subsets(pan: &Path, number: &HashMap<&str, u32>) -> Vec<Listed> {
    SUBSETS
        .iter()
        .map(|s| {
            let text = std::fs::read_to_string(pan.join(s).join("pairs")).expect("pairs file");
            let mut out: Listed = (Vec::new(), Vec::new());
            for l in text.lines() {
                let mut w = l.split_whitespace();
                let (Some(susp), Some(src)) = (w.next(), w.next()) else { continue };
                let xml = format!("{}-{}.xml", susp.trim_end_matches(".txt"), src.trim_end_matches(".txt"));
                let case = std::fs::read_to_string(pan.join(s).join(xml))
                    .is_ok_and(|x| x.contains("name=\"plagiarism\""));
                let (a, b) = (number[susp], number[src]);
                if case { &mut out.0 } else { &mut out.1 }.push((a.min(b), a.max(b)));
            }
            out
        })
        .collect()
}

/// `hits/total` per subset (case-free pairs after a `+`, when any).
fn recall(listed: &[Listed], found: &HashSet<(u32, u32)>) -> String {
    let count = |pairs: &[(u32, u32)]| pairs.iter().filter(|p| found.contains(p)).count();
    listed
        .iter()
        .map(|(case, free)| match (case.is_empty(), free.is_empty()) {
            (false, true) => format!("{}/{}", count(case), case.len()),
            (true, _) => format!("free {}/{}", count(free), free.len()),
            (false, false) => format!("{}/{} free {}/{}", count(case), case.len(), count(free), free.len()),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let mut free = args.iter().filter(|a| !a.starts_with("--"));
    let corpus = PathBuf::from(free.next().expect("CORPUS.jsonl"));
    let pan = free.next().filter(|p| Path::new(p).is_dir()).map(PathBuf::from);
    let mut specs: Vec<Option<Rewrites>> =
        free.filter(|a| !Path::new(a).is_dir()).map(|a| parse(a)).collect();
    if specs.is_empty() {
        specs = [
            "off", "2,1,20,4", "2,1,20,8", "3,1,20,2", "3,1,20,3", "3,1,20,4", "3,1,50,3", "3,2,20,2",
            "4,1,20,2",
        ]
        .iter()
        .map(|s| parse(s))
        .collect();
    }
    let docs = source::read_inputs(&[corpus], &ReadOptions::default()).documents;
    let number: HashMap<&str, u32> =
        docs.iter().enumerate().map(|(i, d)| (d.id.as_str(), i as u32)).collect();
    let listed = pan.as_deref().map(|p| subsets(p, &number)).unwrap_or_default();
    println!("{} documents", docs.len());
    println!(
        "{:<12} {:>10} {:>10} {:>10} {:>7} {:>7} | {}",
        "rewrites",
        "rw fps",
        "rw cands",
        "candidates",
        "sketch",
        "cands s",
        SUBSETS.map(|s| &s[..6]).join(" ")
    );
    for rewrites in specs {
        let mut config = Config { rewrites, ..Config::default() };
        config.align.sentences = flag("--sentences");
        let clock = Instant::now();
        let mut sketches = Sketches::new(&config, &NoProgress).expect("config");
        sketches.add(&docs);
        let candidates = sketches.candidates().expect("candidates");
        let total = clock.elapsed().as_secs_f64();
        let stats = candidates.stats();
        let seconds = stats.seconds.clone().unwrap_or_default();
        let found: HashSet<(u32, u32)> = candidates.pairs().collect();
        let hits = recall(&listed, &found);
        println!(
            "{:<12} {:>10} {:>10} {:>10} {:>7.2} {:>7.2} | {}   (to candidates {:.2} s)",
            name(rewrites),
            stats.rewrite_fingerprints,
            stats.rewrite_candidates,
            found.len(),
            seconds.sketch,
            seconds.lsh + seconds.reuse,
            hits,
            total
        );
        if flag("--scan") {
            let clock = Instant::now();
            let scan = pipeline::scan(&docs, &config).expect("scan");
            let reported: HashSet<(u32, u32)> = scan.pairs.iter().map(|p| (p.a.0, p.b.0)).collect();
            let hits = recall(&listed, &reported);
            println!(
                "  scan (sentences {}): {} pairs reported in {:.1} s | {}",
                config.align.sentences,
                scan.pairs.len(),
                clock.elapsed().as_secs_f64(),
                hits
            );
        }
    }
}
