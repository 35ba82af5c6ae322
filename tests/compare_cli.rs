//! The `reprint compare` and `reprint eval` binaries on fixtures: what
//! passages compare finds and how it shows them (snapshots of the terminal
//! view), its JSON, exit codes and escaping; and eval's scores and errors.

mod common;

use std::path::Path;

use serde::Deserialize;

use common::{root, run, run_with_stdin};

const S000: &str = "fixtures/seeds/000_1496404e9c0b7117.txt";
const S001: &str = "fixtures/seeds/001_ab3f00e89c8442ab.txt";
const S002: &str = "fixtures/seeds/002_754116e17df56b5b.txt";
const S004: &str = "fixtures/seeds/004_be9d333ec3263ca9.txt";

#[derive(Debug, Deserialize)]
struct Report {
    schema: String,
    params: Params,
    documents: Vec<DocumentOut>,
    pairs: Vec<Pair>,
    clusters: Vec<serde_json::Value>,
    stats: Stats,
}

#[derive(Debug, Deserialize)]
struct Params {
    shingle_size: usize,
    threshold: f64,
}

#[derive(Debug, Deserialize)]
struct DocumentOut {
    id: String,
    source: String,
    bytes: usize,
    words: usize,
}

#[derive(Debug, Deserialize)]
struct Pair {
    a: String,
    b: String,
    kind: String,
    jaccard: f64,
    containment_a: f64,
    containment_b: f64,
    passages: Vec<Passage>,
}

#[derive(Debug, Deserialize)]
struct Passage {
    a: [usize; 2],
    b: [usize; 2],
    words: usize,
    similarity: f64,
    compression: f64,
    ops: Vec<serde_json::Value>,
    explain: Option<Explain>,
}

#[derive(Debug, Deserialize)]
struct Explain {
    anchors: Vec<serde_json::Value>,
    start: StopOut,
    end: StopOut,
}

#[derive(Debug, Deserialize)]
struct StopOut {
    reason: String,
}

#[derive(Debug, Deserialize)]
struct Stats {
    documents: usize,
    pairs: usize,
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn compare_json(args: &[&str]) -> (i32, Report) {
    let mut all = vec!["compare", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}); stderr: {}", stderr(&out)));
    (out.status.code().expect("exit code"), report)
}

/// The paragraphs of a text (split on blank lines), as byte ranges.
fn paragraphs(text: &str) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    let mut start = 0;
    for part in text.split("\n\n") {
        if !part.trim().is_empty() {
            out.push([start, start + part.len()]);
        }
        start += part.len() + 2;
    }
    out
}

fn overlaps(x: [usize; 2], y: [usize; 2]) -> bool {
    x[0] < y[1] && y[0] < x[1]
}

/// A hand-made pair: one substitution, one insertion, one deletion.
const EDITED: &str = concat!(
    r#"{"id": "original", "text": "The council voted on Tuesday to close the old library on Main Street and move its books to the new school, which opens next spring after two years of delays."}"#,
    "\n",
    r#"{"id": "rewrite", "text": "The council voted on Monday to close the old library on Main Street and quietly move its books to the new school, which opens next spring after years of delays."}"#,
    "\n"
);

fn compare_edited(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["compare", "--jsonl", "-", "original", "rewrite", "--width", "80"];
    args.extend_from_slice(extra);
    run_with_stdin(&args, EDITED.as_bytes())
}

#[test]
fn snapshot_edited_pair_plain() {
    let out = compare_edited(&["--color", "never"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // The three edits are each marked.
    assert!(text.contains("[~Tuesday~]") && text.contains("{~Monday~}"), "{text}");
    assert!(text.contains("{+quietly+}"), "{text}");
    assert!(text.contains("[-two-]"), "{text}");
    insta::assert_snapshot!("edited_plain", text);
}

#[test]
fn snapshot_edited_pair_colour_and_side_by_side() {
    let out = compare_edited(&["--color", "always"]);
    assert!(stdout(&out).contains("\x1b[33mTuesday\x1b[0m"));
    insta::assert_snapshot!("edited_colour", stdout(&out));
    let out = compare_edited(&["--color", "never", "--side-by-side"]);
    insta::assert_snapshot!("edited_side_by_side", stdout(&out));
}

#[test]
fn snapshot_seeds_002_004() {
    let out = run(&["compare", S002, S004, "--color", "never", "--width", "90"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("UltimatelySocial"), "the footer: {text}");
    assert!(text.contains("so-called cultural center"), "the caption: {text}");
    insta::assert_snapshot!("seeds_002_004_plain", text);
    let out = run(&["compare", S002, S004, "--color", "always", "--width", "90"]);
    insta::assert_snapshot!("seeds_002_004_colour", stdout(&out));
}

#[test]
fn seeds_000_001_every_paragraph_of_000_is_aligned() {
    let (code, report) = compare_json(&[S000, S001]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(root().join(S000)).unwrap();
    let paras = paragraphs(&text);
    assert_eq!(paras.len(), 8);
    let pair = &report.pairs[0];
    assert_eq!(pair.kind, "reuse");
    for (n, para) in paras.iter().enumerate() {
        assert!(pair.passages.iter().any(|p| overlaps(p.a, *para)), "paragraph {n} not aligned");
    }
    // The terminal view shows the same passages.
    let out = run(&["compare", S000, S001]);
    assert_eq!(out.status.code(), Some(0));
    let view = stdout(&out);
    for (i, p) in pair.passages.iter().enumerate() {
        let line = format!("#{}  a {}..{}  b {}..{}", i + 1, p.a[0], p.a[1], p.b[0], p.b[1]);
        assert!(view.contains(&line), "{line} missing from\n{view}");
    }
}

#[test]
fn seeds_001_002_share_no_passage() {
    let (code, report) = compare_json(&[S001, S002]);
    assert_eq!(code, 1);
    assert_eq!(report.pairs.len(), 1);
    assert_eq!(report.pairs[0].kind, "none");
    assert!(report.pairs[0].passages.is_empty());
    let out = run(&["compare", S001, S002]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("0 passages"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("#1"));
}

#[test]
fn json_has_the_documented_fields() {
    let (code, r) = compare_json(&[S002, S004, "--shingle-size", "4"]);
    assert_eq!(code, 0);
    assert_eq!(r.schema, "reprint/2");
    assert_eq!((r.params.shingle_size, r.params.threshold), (4, 0.5));
    assert_eq!(r.documents.len(), 2);
    assert_eq!(r.documents[0].id, S002);
    assert_eq!(r.documents[1].source, S004);
    let text_a = std::fs::read_to_string(root().join(S002)).unwrap();
    assert_eq!(r.documents[0].bytes, text_a.len());
    assert_eq!(r.documents[0].words, reprint::text::tokenize(&text_a).len());
    assert!(r.clusters.is_empty());
    assert_eq!((r.stats.documents, r.stats.pairs), (2, 1));
    let p = &r.pairs[0];
    assert_eq!((p.a.as_str(), p.b.as_str(), p.kind.as_str()), (S002, S004, "reuse"));
    // Exact scores from the shingle sets of both documents.
    let text_b = std::fs::read_to_string(root().join(S004)).unwrap();
    let sa = reprint::shingle::shingle_set(&reprint::text::tokenize(&text_a), 4);
    let sb = reprint::shingle::shingle_set(&reprint::text::tokenize(&text_b), 4);
    let o = reprint::verify::Overlap::of(&sa, &sb);
    assert_eq!(
        (p.jaccard, p.containment_a, p.containment_b),
        (o.jaccard(), o.containment_a(), o.containment_b())
    );
    assert_eq!(p.passages.len(), 2);
    for x in &p.passages {
        assert!(x.a[0] < x.a[1] && x.a[1] <= text_a.len() && x.b[1] <= text_b.len());
        assert!(x.words >= 8 && x.similarity > 0.0 && x.similarity <= 1.0 && x.compression >= 1.0);
        assert!(!x.ops.is_empty());
        assert!(x.explain.is_none(), "explain only when asked");
    }
}

#[test]
fn kinds_exact_and_near_duplicate() {
    let body = "The council voted on Tuesday to close the old library on Main Street and move its \
                books to the new school, which opens next spring after two years of delays.";
    let lines = [
        serde_json::json!({"id": "a", "text": body}),
        serde_json::json!({"id": "b", "text": body.to_uppercase()}),
        serde_json::json!({"id": "c", "text": format!("{body} Comments are closed.")}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let kind = |x: &str, y: &str| {
        let out = run_with_stdin(&["compare", "--jsonl", "-", x, y, "--format", "json"], input.as_bytes());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let r: Report = serde_json::from_slice(&out.stdout).unwrap();
        r.pairs[0].kind.clone()
    };
    assert_eq!(kind("a", "b"), "exact");
    assert_eq!(kind("a", "c"), "near-duplicate");
}

#[test]
fn explain_mentions_anchors_and_stop_reasons() {
    let out = run(&["compare", S000, S001, "--explain", "--color", "never"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("anchored by"), "{text}");
    assert!(text.contains("starts here:") && text.contains("ends here:"), "{text}");
    assert!(text.contains("gap too long"), "{text}");
    let (_, r) = compare_json(&[S000, S001, "--explain"]);
    for p in &r.pairs[0].passages {
        let e = p.explain.as_ref().expect("explain in every passage");
        assert!(!e.anchors.is_empty());
        for stop in [&e.start, &e.end] {
            assert!(
                ["end_of_text", "gap_too_long", "similarity_too_low", "overlap", "budget"]
                    .contains(&stop.reason.as_str()),
                "{}",
                stop.reason
            );
        }
    }
}

#[test]
fn control_characters_do_not_leak() {
    let body = "The council voted on Tuesday to close the old \x1b[2J\x1b]0;pwned\x07library\r on Main \
                Street and move its books to the new school, which opens next spring.";
    let input = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "x\x1b[31m", "text": body}),
        serde_json::json!({"id": "y", "text": body})
    );
    for colour in ["never", "always"] {
        for layout in [None, Some("--side-by-side")] {
            let mut args = vec!["compare", "--jsonl", "-", "x\x1b[31m", "y", "--explain", "--color", colour];
            args.extend(layout);
            let out = run_with_stdin(&args, input.as_bytes());
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let text = stdout(&out);
            assert!(!text.contains('\r') && !text.contains('\x07'), "{text:?}");
            // The only escape sequences are the view's own colours.
            let mut rest = text.as_str();
            while let Some(i) = rest.find('\x1b') {
                let tail = &rest[i + 1..];
                let end = tail.find('m').expect("an SGR sequence");
                assert!(
                    tail.starts_with('[') && tail[1..end].chars().all(|c| c.is_ascii_digit() || c == ';'),
                    "foreign escape in {text:?}"
                );
                rest = &tail[end..];
            }
            assert!(text.contains("\\u{1b}[2J"), "{text:?}");
            assert!(text.contains("x\\u{1b}[31m") && !text.contains("x\x1b"), "the id: {text:?}");
        }
    }
}

#[test]
fn bad_inputs_exit_2() {
    let out = run(&["compare", S000, "fixtures/no-such-file.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-file.txt"), "{}", stderr(&out));
    let out = run(&["compare", S000, "fixtures/seeds"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--jsonl"), "{}", stderr(&out));
    let out = run_with_stdin(&["compare", "--jsonl", "-", "original", "missing"], EDITED.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no record with id \"missing\""), "{}", stderr(&out));
    let out = run(&["compare", S000, S001, "--threshold", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---- eval ----

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[derive(Debug, Deserialize)]
struct ScoresOut {
    plagdet: f64,
    precision: f64,
    recall: f64,
    granularity: f64,
    pair_precision: f64,
    pair_recall: f64,
    cases: usize,
    detections: usize,
}

fn eval(truth: &str, report: &str) -> ScoresOut {
    let out = run(&["eval", "--truth", truth, report, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn close(x: f64, y: f64) -> bool {
    (x - y).abs() < 1e-9
}

#[test]
fn eval_of_a_report_against_its_own_passages_is_perfect() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["compare", S000, S001, "--format", "json"]);
    let report = write(dir.path(), "report.json", &stdout(&out));
    let out = run(&["compare", S000, S001, "--format", "jsonl"]);
    let report_lines = write(dir.path(), "report.jsonl", &stdout(&out));
    let r: Report = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let p = &r.pairs[0];
    let n = p.passages.len();
    assert!(n >= 2);
    let spans: Vec<[usize; 4]> = p.passages.iter().map(|x| [x.a[0], x.a[1], x.b[0], x.b[1]]).collect();
    let truth = write(
        dir.path(),
        "truth.jsonl",
        &format!("{}\n", serde_json::json!({"a": p.a, "b": p.b, "spans": spans})),
    );
    for rep in [&report, &report_lines] {
        let s = eval(&truth, rep);
        assert!(close(s.plagdet, 1.0) && close(s.precision, 1.0) && close(s.recall, 1.0), "{s:?}");
        assert!(close(s.granularity, 1.0) && close(s.pair_precision, 1.0) && close(s.pair_recall, 1.0));
        assert_eq!((s.cases, s.detections), (n, n));
    }
    // Only the first passage is labelled: the other n - 1 detections are
    // all false (passages never overlap), so precision is 1/n, recall 1 and
    // plagdet the F1 2/(n + 1).
    let truth = write(
        dir.path(),
        "first.jsonl",
        &format!("{}\n", serde_json::json!({"a": p.a, "b": p.b, "spans": [spans[0]]})),
    );
    let s = eval(&truth, &report);
    assert!(close(s.precision, 1.0 / n as f64) && close(s.recall, 1.0), "{s:?}");
    assert!(close(s.plagdet, 2.0 / (n as f64 + 1.0)), "{s:?}");
    // The text form says the same.
    let out = run(&["eval", "--truth", &truth, &report]);
    assert!(
        stdout(&out).contains(&format!("plagdet         {:.4}", 2.0 / (n as f64 + 1.0))),
        "{}",
        stdout(&out)
    );
}

#[test]
fn eval_of_shifted_and_split_detections() {
    let dir = tempfile::tempdir().unwrap();
    let report = |passages: serde_json::Value| {
        serde_json::json!({"schema": "reprint/2", "pairs": [{"a": "x", "b": "y", "kind": "reuse", "passages": passages}]})
            .to_string()
    };
    // The truth is x[50, 150) ~ y[250, 350). Detection x[0, 100) ~ y[200, 300):
    // 100 of its 200 bytes are true and it covers 100 of the case's 200,
    // so precision = recall = plagdet = 0.5.
    let truth = write(
        dir.path(),
        "truth.jsonl",
        "{\"a\": \"x\", \"b\": \"y\", \"spans\": [[50, 150, 250, 350]]}\n\n",
    );
    let shifted =
        write(dir.path(), "shifted.json", &report(serde_json::json!([{"a": [0, 100], "b": [200, 300]}])));
    let s = eval(&truth, &shifted);
    assert!(close(s.precision, 0.5) && close(s.recall, 0.5) && close(s.plagdet, 0.5), "{s:?}");
    // Split exactly in two: precision and recall 1, granularity 2, plagdet
    // 1 / log2(3).
    let split = write(
        dir.path(),
        "split.json",
        &report(serde_json::json!([{"a": [50, 100], "b": [250, 300]}, {"a": [100, 150], "b": [300, 350]}])),
    );
    let s = eval(&truth, &split);
    assert!(close(s.granularity, 2.0) && close(s.plagdet, 1.0 / 3f64.log2()), "{s:?}");
    // The documents named the other way round are the same pair.
    let swapped = write(
        dir.path(),
        "swapped.json",
        &serde_json::json!({"pairs": [{"a": "y", "b": "x", "passages": [{"a": [250, 350], "b": [50, 150]}]}]}).to_string(),
    );
    assert!(close(eval(&truth, &swapped).plagdet, 1.0));
}

#[test]
fn eval_names_the_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let report = write(dir.path(), "report.json", "{\"pairs\": []}");
    let cases = [
        ("{\"a\": \"x\", \"b\": \"y\", \"spans\": [[0, 1, 2]]}", "length 4"),
        ("{\"a\": \"x\", \"spans\": []}", "missing field `b`"),
        ("not json", "not a truth line"),
        ("{\"a\": \"x\", \"b\": \"y\", \"spans\": [[5, 1, 0, 1]]}", "starts after it ends"),
    ];
    for (bad, says) in cases {
        let truth = write(
            dir.path(),
            "truth.jsonl",
            &format!("{{\"a\": \"x\", \"b\": \"y\", \"spans\": []}}\n{bad}\n"),
        );
        let out = run(&["eval", "--truth", &truth, &report]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = stderr(&out);
        assert!(err.contains(&format!("{truth}:2:")) && err.contains(says), "{bad}: {err}");
    }
    let truth = write(dir.path(), "ok.jsonl", "");
    let broken = write(dir.path(), "broken.json", "{\"pairs\": [{\"a\": \"x\"}]}");
    let out = run(&["eval", "--truth", &truth, &broken]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("broken.json:1:"), "{}", stderr(&out));
    let out = run(&["eval", "--truth", &truth, "no-such-report.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn html_view_embeds_both_texts_once() {
    let out = run(&[
        "compare",
        "fixtures/seeds/002_754116e17df56b5b.txt",
        "fixtures/seeds/004_be9d333ec3263ca9.txt",
        "--format",
        "html",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") || page.starts_with("<!doctype html>"), "{}", &page[..40]);
    assert!(page.contains("Content-Security-Policy"));
    assert_eq!(page.matches("id=\"reprint-data\"").count(), 1);
    assert!(page.contains("fixtures/seeds/004_be9d333ec3263ca9.txt"));
}

/// A paragraph reworded sentence by sentence, in another order, shares no
/// run of four words with its source: `compare` aligns it through its
/// sentences and stems, and says which words changed.
#[test]
fn a_reworded_paragraph_is_aligned() {
    let dir = tempfile::tempdir().unwrap();
    let source = "The government announced new measures to reduce air pollution in large cities. \
        Older diesel vehicles will be banned from city centres from next year. \
        Public transport fares will be cut to encourage commuters to leave their cars at home. \
        The plan was welcomed by environmental groups but criticised by motoring organisations. \
        Scientists have warned for years that dirty air shortens thousands of lives.\n";
    let rewrite = "Motoring organisations criticised the plan, which environmental groups welcomed. \
        To reduce pollution of the air in big cities, the government announced measures. \
        From next year older diesel vehicles are to be banned in city centres. \
        Fares on public transport are being cut so commuters leave cars at home.\n";
    let (a, b) = (dir.path().join("rewrite.txt"), dir.path().join("source.txt"));
    std::fs::write(&a, rewrite).unwrap();
    std::fs::write(&b, source).unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let (code, r) = compare_json(&[a, b]);
    assert_eq!(code, 0);
    let passages = &r.pairs[0].passages;
    assert!(!passages.is_empty(), "no passage");
    let covered: usize = passages.iter().map(|p| p.a[1] - p.a[0]).sum();
    assert!(covered * 2 > rewrite.len(), "{covered} of {} bytes", rewrite.len());
}
