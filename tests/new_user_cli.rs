//! What a new user meets (issue 15), walked on the real binary as that user
//! would: each test is one numbered point of the issue.

mod common;

use std::path::Path;
use std::process::Output;

use common::{run, run_with_stdin};

const S000: &str = "fixtures/seeds/000_1496404e9c0b7117.txt";
const S001: &str = "fixtures/seeds/001_ab3f00e89c8442ab.txt";

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
}

/// An index of the seed articles in `dir/index`.
fn seed_index(dir: &Path) -> String {
    let index = dir.join("index");
    let out = run(&["index", "add", "--index", arg(&index), "fixtures/seeds", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    arg(&index).to_string()
}

// 2. One output convention.

#[test]
fn point2_every_report_command_takes_output_and_its_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = seed_index(dir.path());
    let truth = dir.path().join("truth.jsonl");
    std::fs::write(&truth, "").expect("truth");
    let report = dir.path().join("report.json");
    let commands: Vec<(Vec<String>, &str)> = vec![
        (vec!["scan".into(), "fixtures/seeds".into()], "json"),
        (vec!["compare".into(), S000.into(), S001.into()], "json"),
        (vec!["index".into(), "query".into(), "--index".into(), index.clone(), S000.into()], "json"),
        (vec!["index".into(), "stats".into(), "--index".into(), index.clone()], "json"),
    ];
    for (args, ext) in &commands {
        let file = dir.path().join(format!("out.{ext}"));
        let mut with_o: Vec<&str> = args.iter().map(String::as_str).collect();
        with_o.extend(["-o", arg(&file)]);
        let out = run(&with_o);
        assert!(code(&out) < 2, "{with_o:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{with_o:?} wrote to stdout as well");
        let written = std::fs::read(&file).expect("the -o file is written");
        assert!(is_json(&written), "{with_o:?}: the .json extension did not choose JSON");
        if args[0] == "scan" {
            std::fs::copy(&file, &report).expect("keep the scan report");
        }
        std::fs::remove_file(&file).expect("remove");
    }
    // eval reads the scan report; -o with .json writes its scores as JSON.
    let scores = dir.path().join("scores.json");
    let out = run(&["eval", "--truth", arg(&truth), arg(&report), "-o", arg(&scores)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(is_json(&std::fs::read(&scores).expect("scores")));
    assert!(out.stdout.is_empty());
}

#[test]
fn point2_html_extension_dash_for_stdout_any_case_and_clashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("report.html");
    let out = run(&["scan", "fixtures/seeds", "-o", arg(&html), "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::read_to_string(&html).expect("html").starts_with("<!DOCTYPE html>"));

    // -o - is stdout, for scan and for dedup; no file named "-" appears.
    let out = run(&["scan", "fixtures/seeds", "-o", "-", "--format", "JSON", "-q"]);
    assert_eq!(code(&out), 0);
    assert!(is_json(&out.stdout), "--format JSON -o - did not print JSON");
    let out = run(&["dedup", "fixtures/seeds", "-o", "-", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);
    assert!(!common::root().join("-").exists(), "a file named - was written");

    // A clash between --format and the extension: exit 2, nothing written.
    let clash = dir.path().join("clash.html");
    let out = run(&["scan", "fixtures/seeds", "--format", "json", "-o", arg(&clash)]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--format json") && stderr(&out).contains("clash.html"),
        "{}",
        stderr(&out)
    );
    assert!(!clash.exists());
    // An extension naming a format the command does not write.
    let csv = dir.path().join("c.csv");
    let out = run(&["compare", S000, S001, "-o", arg(&csv)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("does not write csv"), "{}", stderr(&out));
}

#[test]
fn point2_timings_show_in_the_text_report() {
    let out = run(&["scan", "fixtures/seeds", "--timings", "-q"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().nth(1).expect("a second line");
    assert!(line.starts_with("seconds: sketch "), "{text}");
    let out = run(&["scan", "fixtures/seeds", "-q"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("seconds:"));
    let _ = run_with_stdin; // used by later points
}
