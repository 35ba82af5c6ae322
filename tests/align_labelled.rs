//! A labelled test set, generated deterministically from the seed articles
//! (fixtures/seeds) with a fixed xorshift generator: passages of one article
//! planted, copied or rewritten, into another, unrelated one, with their
//! byte offsets known. The aligner's passages are scored with PAN plagdet
//! ([`reprint::eval::plagdet`]).

use reprint::align::{align, AlignConfig};
use reprint::eval::{plagdet, Case, Scores};
use reprint::text::{tokenize, Token};
use reprint::Span;

const SEEDS: [&str; 5] = [
    include_str!("../fixtures/seeds/000_1496404e9c0b7117.txt"),
    include_str!("../fixtures/seeds/001_ab3f00e89c8442ab.txt"),
    include_str!("../fixtures/seeds/002_754116e17df56b5b.txt"),
    include_str!("../fixtures/seeds/003_989d3d1e37b41e47.txt"),
    include_str!("../fixtures/seeds/004_be9d333ec3263ca9.txt"),
];

/// (source, host) seeds that share no reused text (see tests/align_seeds.rs).
const UNRELATED: [(usize, usize); 12] =
    [(3, 1), (1, 3), (3, 2), (2, 3), (3, 4), (4, 3), (1, 4), (4, 1), (0, 3), (3, 0), (0, 2), (2, 0)];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Verbatim,
    LightEdits,
    Condensed,
    Transposed,
}

/// One generated pair with its planted cases.
struct Pair {
    a: String,
    b: String,
    truth: Vec<(Span, Span)>,
}

/// A run of `len` words of `tokens` from `start`: its bytes in `text`.
fn words_span(tokens: &[Token], start: usize, len: usize) -> Span {
    Span::new(tokens[start].span.start, tokens[start + len - 1].span.end)
}

/// The rewrite of `tokens[start..start + len]` of `text`, and the part of
/// the source it rewrites.
fn rewrite(
    rng: &mut Rng,
    kind: Kind,
    text: &str,
    tokens: &[Token],
    start: usize,
    len: usize,
    host: &[&str],
) -> (String, Span) {
    let words: Vec<&str> = tokens[start..start + len].iter().map(|t| &text[t.span.range()]).collect();
    match kind {
        Kind::Verbatim => {
            let span = words_span(tokens, start, len);
            (text[span.range()].to_string(), span)
        }
        Kind::LightEdits | Kind::Transposed => {
            // 5-10% of the words replaced by words of the host, never the
            // first or last.
            let share = rng.range(5, 10);
            let mut out = words.clone();
            let changes = (len * share).div_ceil(100);
            for _ in 0..changes {
                let at = rng.range(1, len - 2);
                out[at] = host[rng.range(0, host.len() - 1)];
            }
            (out.join(" "), words_span(tokens, start, len))
        }
        Kind::Condensed => {
            // Keep runs of 5-10 words and drop (ratio - 1) times as many
            // (a sentence's worth now and then), for a ratio from 2 to 5.
            let ratio = rng.range(2, 5);
            let mut kept: Vec<usize> = Vec::new();
            let mut at = 0;
            while at < len {
                let run = rng.range(5, 10).min(len - at);
                kept.extend(at..at + run);
                at += run;
                let skip = run * (ratio - 1) + rng.range(0, 4);
                at += skip;
            }
            let out: Vec<&str> = kept.iter().map(|&i| words[i]).collect();
            let first = kept[0];
            let last = kept[kept.len() - 1];
            (out.join(" "), Span::new(tokens[start + first].span.start, tokens[start + last].span.end))
        }
    }
}

/// Inserts `parts` (joined by blank lines) into `host` at a paragraph
/// break; returns the new text and each part's span.
fn plant(rng: &mut Rng, host: &str, parts: &[String]) -> (String, Vec<Span>) {
    let breaks: Vec<usize> = host.match_indices("\n\n").map(|(i, _)| i).collect();
    let at = if breaks.is_empty() { host.len() } else { breaks[rng.range(0, breaks.len() - 1)] };
    let mut out = host[..at].to_string();
    let mut spans = Vec::new();
    for part in parts {
        out.push_str("\n\n");
        spans.push(Span::new(out.len(), out.len() + part.len()));
        out.push_str(part);
    }
    out.push_str(&host[at..]);
    (out, spans)
}

fn generate(kind: Kind, n: usize, rng: &mut Rng) -> Vec<Pair> {
    (0..n)
        .map(|i| {
            let (s, h) = UNRELATED[i % UNRELATED.len()];
            let (src, host) = (SEEDS[s], SEEDS[h]);
            let tokens = tokenize(src);
            let host_words: Vec<&str> = tokenize(host).iter().map(|t| &host[t.span.range()]).collect();
            let len = if kind == Kind::Condensed { rng.range(100, 250) } else { rng.range(30, 150) };
            let len = len.min(tokens.len() / 3);
            if kind == Kind::Transposed {
                // Two passages, planted in the opposite order.
                let len = len / 2 + 10;
                let first = rng.range(0, tokens.len() / 2 - len);
                let second = rng.range(first + len + 20, tokens.len() - len);
                let (r1, s1) = rewrite(rng, kind, src, &tokens, first, len, &host_words);
                let (r2, s2) = rewrite(rng, kind, src, &tokens, second, len, &host_words);
                let (b, spans) = plant(rng, host, &[r2, r1]);
                Pair { a: src.to_string(), b, truth: vec![(s1, spans[1]), (s2, spans[0])] }
            } else {
                let start = rng.range(0, tokens.len() - len);
                let (r, s) = rewrite(rng, kind, src, &tokens, start, len, &host_words);
                let (b, spans) = plant(rng, host, &[r]);
                Pair { a: src.to_string(), b, truth: vec![(s, spans[0])] }
            }
        })
        .collect()
}

fn score(kind: Kind, pairs: &[Pair], truth: &mut Vec<Case>, detections: &mut Vec<Case>) -> Scores {
    let (mut t, mut d) = (Vec::new(), Vec::new());
    for (n, pair) in pairs.iter().enumerate() {
        let (a, b) = (format!("{kind:?}-{n}-source"), format!("{kind:?}-{n}-host"));
        for &(sa, sb) in &pair.truth {
            t.push(Case::new(a.clone(), b.clone(), sa, sb));
        }
        let al = align(&pair.a, &tokenize(&pair.a), &pair.b, &tokenize(&pair.b), &AlignConfig::default());
        for p in al.passages {
            d.push(Case::new(a.clone(), b.clone(), p.a, p.b));
        }
    }
    let s = plagdet(&t, &d);
    truth.extend(t);
    detections.extend(d);
    s
}

#[test]
fn planted_passages_are_found() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut truth, mut detections) = (Vec::new(), Vec::new());
    for kind in [Kind::Verbatim, Kind::LightEdits, Kind::Condensed, Kind::Transposed] {
        let pairs = generate(kind, 24, &mut rng);
        let s = score(kind, &pairs, &mut truth, &mut detections);
        println!(
            "{kind:?}: plagdet {:.3} precision {:.3} recall {:.3} granularity {:.3} ({} cases, {} detections)",
            s.plagdet, s.precision, s.recall, s.granularity, s.cases, s.detections
        );
        assert!(s.plagdet >= 0.85, "{kind:?}: {s:?}");
    }
    let s = plagdet(&truth, &detections);
    println!(
        "overall: plagdet {:.3} precision {:.3} recall {:.3} granularity {:.3} pair precision {:.3} pair recall {:.3}",
        s.plagdet, s.precision, s.recall, s.granularity, s.pair_precision, s.pair_recall
    );
    assert!(s.plagdet >= 0.9, "{s:?}");
    assert_eq!(s.pair_recall, 1.0);
}

/// The same labelled set through the command line, as a user would score
/// reprint on their own data: every pair written to files, aligned by
/// `reprint compare --format jsonl`, and the reports scored by
/// `reprint eval` against truth files.
#[test]
fn reprint_eval_scores_the_labelled_set() {
    use std::io::Write;
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_reprint");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut all_truth, mut all_report) = (String::new(), String::new());
    let eval = |truth: &std::path::Path, report: &std::path::Path| -> serde_json::Value {
        let out = Command::new(bin)
            .args(["eval", "--format", "json", "--truth"])
            .arg(truth)
            .arg(report)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    for kind in [Kind::Verbatim, Kind::LightEdits, Kind::Condensed, Kind::Transposed] {
        let (mut truth, mut report) = (String::new(), String::new());
        for (n, pair) in generate(kind, 24, &mut rng).iter().enumerate() {
            let a = dir.path().join(format!("{kind:?}-{n}-source.txt"));
            let b = dir.path().join(format!("{kind:?}-{n}-host.txt"));
            std::fs::write(&a, &pair.a).unwrap();
            std::fs::write(&b, &pair.b).unwrap();
            let spans: Vec<[usize; 4]> =
                pair.truth.iter().map(|(x, y)| [x.start, x.end, y.start, y.end]).collect();
            let line = serde_json::json!({"a": a.to_str(), "b": b.to_str(), "spans": spans});
            truth.push_str(&format!("{line}\n"));
            let out = Command::new(bin)
                .arg("compare")
                .arg(&a)
                .arg(&b)
                .args(["--format", "jsonl"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{kind:?} {n}: {}", String::from_utf8_lossy(&out.stderr));
            for l in
                String::from_utf8(out.stdout).unwrap().lines().filter(|l| l.contains("\"type\":\"pair\""))
            {
                report.push_str(l);
                report.push('\n');
            }
        }
        let (tp, rp) =
            (dir.path().join(format!("{kind:?}.truth.jsonl")), dir.path().join(format!("{kind:?}.jsonl")));
        std::fs::File::create(&tp).unwrap().write_all(truth.as_bytes()).unwrap();
        std::fs::File::create(&rp).unwrap().write_all(report.as_bytes()).unwrap();
        let s = eval(&tp, &rp);
        println!("reprint eval {kind:?}: {s}");
        assert!(s["plagdet"].as_f64().unwrap() >= 0.85, "{kind:?}: {s}");
        all_truth.push_str(&truth);
        all_report.push_str(&report);
    }
    let (tp, rp) = (dir.path().join("all.truth.jsonl"), dir.path().join("all.jsonl"));
    std::fs::write(&tp, all_truth).unwrap();
    std::fs::write(&rp, all_report).unwrap();
    let s = eval(&tp, &rp);
    println!("reprint eval overall: {s}");
    assert!(s["plagdet"].as_f64().unwrap() >= 0.9, "{s}");
    assert_eq!(s["pair_recall"].as_f64().unwrap(), 1.0);
}
