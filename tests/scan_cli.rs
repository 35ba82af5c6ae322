//! The `reprint` binary on fixtures: what `scan` and `dedup` report, their
//! exit codes and formats, and that output does not depend on threads.

mod common;

use std::collections::HashSet;

use common::{corpus, run, run_json, write_jsonl};
use reprint::text::{normalise_word, tokenize};

/// Naive oracle: word n-gram sets as strings of normalised words.
fn string_shingles(text: &str, n: usize) -> HashSet<String> {
    let words: Vec<String> = tokenize(text).iter().map(|t| normalise_word(&text[t.span.range()])).collect();
    if words.is_empty() {
        return HashSet::new();
    }
    words.windows(n.min(words.len())).map(|w| w.join(" ")).collect()
}

fn pairs_of_kind<'a>(report: &'a serde_json::Value, kinds: &[&str]) -> Vec<&'a serde_json::Value> {
    report["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .filter(|p| kinds.contains(&p["kind"].as_str().unwrap_or("")))
        .collect()
}

#[test]
fn seeds_give_exactly_the_two_reuse_pairs() {
    let (code, report, stderr) = run_json(&["scan", "fixtures/seeds", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["schema"], "reprint/2");
    let ids: Vec<&str> =
        report["documents"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 5);
    assert_eq!(ids[0], "fixtures/seeds/000_1496404e9c0b7117.txt");
    assert!(pairs_of_kind(&report, &["exact", "near-duplicate"]).is_empty());
    let pairs: Vec<(&str, &str, &str)> = report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["a"].as_str().unwrap(), p["b"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("fixtures/seeds/000_1496404e9c0b7117.txt", "fixtures/seeds/001_ab3f00e89c8442ab.txt", "reuse"),
            ("fixtures/seeds/002_754116e17df56b5b.txt", "fixtures/seeds/004_be9d333ec3263ca9.txt", "reuse"),
        ]
    );
    // 000 is a quarter made of 001; 001 only a fifteenth of 000.
    let p = &report["pairs"][0];
    assert!((p["jaccard"].as_f64().unwrap() - 0.055).abs() < 0.005, "{}", p["jaccard"]);
    assert!((p["containment_a"].as_f64().unwrap() - 0.25).abs() < 0.01);
    assert!(p["containment_b"].as_f64().unwrap() < 0.1);
    for p in report["pairs"].as_array().unwrap() {
        let passages = p["passages"].as_array().unwrap();
        assert!(!passages.is_empty());
        assert!(passages.iter().all(|x| x["words"].as_u64().unwrap() >= 8));
    }
    // Partial reuse is not duplication: no cluster.
    assert!(report["clusters"].as_array().unwrap().is_empty());
}

#[test]
fn near_mode_alone_finds_nothing_in_the_seeds() {
    let out = run(&["scan", "fixtures/seeds", "--mode", "near", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn republished_article_is_a_near_duplicate_with_exact_scores() {
    let (code, report, stderr) =
        run_json(&["scan", "fixtures/seeds", "fixtures/republished", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let near = pairs_of_kind(&report, &["exact", "near-duplicate"]);
    assert_eq!(near.len(), 1, "{near:?}");
    // The republished copy also reuses what 000 took from 001.
    assert_eq!(report["pairs"].as_array().unwrap().len(), 4);
    let p = near[0];
    assert_eq!(p["a"], "fixtures/seeds/001_ab3f00e89c8442ab.txt");
    assert_eq!(p["b"], "fixtures/republished/001_republished_with_new_header_footer.txt");
    assert_eq!(p["kind"], "near-duplicate");

    let a = string_shingles(&common::seed(1), 5);
    let b = string_shingles(
        &std::fs::read_to_string(
            common::root().join("fixtures/republished/001_republished_with_new_header_footer.txt"),
        )
        .unwrap(),
        5,
    );
    let shared = a.intersection(&b).count() as f64;
    let jaccard = shared / (a.len() + b.len()) as f64 * 1.0 / (1.0 - shared / (a.len() + b.len()) as f64);
    let close = |x: &serde_json::Value, y: f64| (x.as_f64().unwrap() - y).abs() < 1e-9;
    assert!(close(&p["jaccard"], jaccard), "{} vs {jaccard}", p["jaccard"]);
    assert!(close(&p["containment_a"], shared / a.len() as f64));
    assert!(close(&p["containment_b"], shared / b.len() as f64));
    assert!(jaccard > 0.8 && jaccard < 0.95, "{jaccard}");

    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["representative"], "fixtures/seeds/001_ab3f00e89c8442ab.txt");
    assert_eq!(report["stats"]["documents"], 6);
}

#[test]
fn output_is_identical_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_jsonl(dir.path(), "corpus.jsonl", &corpus(400, 7));
    let path = path.to_str().unwrap();
    for format in ["text", "json", "jsonl", "csv"] {
        let one = run(&["scan", path, "--format", format, "--threads", "1"]);
        let two = run(&["scan", path, "--format", format, "--threads", "2"]);
        assert_eq!(one.status.code(), Some(0), "{}", String::from_utf8_lossy(&one.stderr));
        assert!(!one.stdout.is_empty());
        assert!(one.stdout == two.stdout, "{format} output differs between 1 and 2 threads");
    }
}

/// A JSONL file's texts are released after sketching and read back for the
/// pairs; standard input's are held. Both give the same report.
#[test]
fn texts_read_back_from_a_file_give_the_report_held_texts_give() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_jsonl(dir.path(), "corpus.jsonl", &corpus(300, 11));
    let bytes = std::fs::read(&path).unwrap();
    let path = path.to_str().unwrap();
    for format in ["json", "text", "html"] {
        let from_file = run(&["scan", path, "--format", format]);
        let from_stdin = common::run_with_stdin(&["scan", "-", "--format", format], &bytes);
        assert_eq!(from_file.status.code(), Some(0), "{}", String::from_utf8_lossy(&from_file.stderr));
        // The page escapes `<` in its embedded JSON.
        let stdin = if format == "html" { "\\u003cstdin\\u003e" } else { "<stdin>" };
        let from_file = String::from_utf8(from_file.stdout).unwrap().replace(path, stdin);
        // Only a file's text report can end with a compare command (stdin
        // cannot be read again).
        let from_file = match from_file.find("\n\nthe first pair's passages: reprint compare --jsonl") {
            Some(at) => {
                let end = at + 2 + from_file[at + 2..].find('\n').expect("a line end");
                format!("{}{}", &from_file[..at], &from_file[end..])
            }
            None => from_file,
        };
        let from_stdin = String::from_utf8(from_stdin.stdout).unwrap();
        assert!(!from_stdin.contains("the first pair's passages"), "no command for stdin");
        assert!(from_file.contains("reuse") && from_file.contains("near-duplicate"), "{format}");
        assert!(from_file == from_stdin, "{format} reports differ");
    }
}

/// A pipe named as a file (`/dev/stdin`, or a shell's `<(...)`) cannot be
/// read twice: its text is held, not read back.
#[test]
fn a_pipe_named_as_a_file_is_held_not_read_back() {
    let seed = std::fs::read_to_string("fixtures/seeds/001_ab3f00e89c8442ab.txt").unwrap();
    let copy = format!("Republished.\n\n{seed}");
    let out = common::run_with_stdin(
        &["scan", "/dev/stdin", "fixtures/seeds/001_ab3f00e89c8442ab.txt", "--format", "json"],
        copy.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pair = &report["pairs"][0];
    assert_eq!(pair["a"], "/dev/stdin");
    assert_eq!(pair["kind"], "near-duplicate");
    assert!(!pair["passages"].as_array().unwrap().is_empty());
}

#[test]
fn jsonl_lines_are_typed_objects() {
    let out = run(&["scan", "fixtures/seeds", "fixtures/republished", "--format", "jsonl"]);
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"params"));
    assert_eq!(lines[0]["schema"], "reprint/2");
    assert_eq!(types.last(), Some(&"stats"));
    assert_eq!(types.iter().filter(|&&t| t == "document").count(), 6);
    assert!(types.contains(&"pair") && types.contains(&"cluster"));
}

#[test]
fn csv_quotes_awkward_ids() {
    let dir = tempfile::tempdir().unwrap();
    let text = common::seed(0);
    let docs = vec![("a,\"quoted\" id".to_string(), text.clone()), ("b\nnewline".to_string(), text)];
    let path = write_jsonl(dir.path(), "c.jsonl", &docs);
    let out = run(&["scan", path.to_str().unwrap(), "--format", "csv"]);
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        ["a", "b", "kind", "jaccard", "containment_a", "containment_b", "passages", "longest_passage_words"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "a,\"quoted\" id");
    assert_eq!(&rows[0][1], "b\nnewline");
    assert_eq!(&rows[0][2], "exact");
}

#[test]
fn text_report_escapes_control_characters_in_ids() {
    let dir = tempfile::tempdir().unwrap();
    let text = common::seed(0);
    let docs = vec![("evil\u{1b}[31m".to_string(), text.clone()), ("plain".to_string(), text)];
    let path = write_jsonl(dir.path(), "c.jsonl", &docs);
    let out = run(&["scan", path.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains('\u{1b}'));
    assert!(stdout.contains("evil\\u{1b}[31m"));
}

#[test]
fn no_pairs_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    let docs = vec![
        ("x".to_string(), "completely different words about gardening in the spring".to_string()),
        ("y".to_string(), "an unrelated note on the price of copper and zinc".to_string()),
    ];
    let path = write_jsonl(dir.path(), "c.jsonl", &docs);
    let out = run(&["scan", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pairs"].as_array().unwrap().len(), 0);
}

#[test]
fn skipped_input_exits_two_and_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    let text = serde_json::to_string(&common::seed(0)).unwrap();
    let jsonl = format!("{{\"id\":\"a\",\"text\":{text}}}\nnot json\n{{\"id\":\"b\",\"text\":{text}}}\n");
    let path = dir.path().join("bad.jsonl");
    std::fs::write(&path, jsonl).unwrap();
    let out = run(&["scan", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.jsonl:2:"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stats"]["skipped"], 1);
    assert_eq!(report["pairs"].as_array().unwrap().len(), 1);
}

#[test]
fn stdin_is_jsonl() {
    let text = serde_json::to_string(&common::seed(0)).unwrap();
    let jsonl = format!("{{\"id\":\"a\",\"text\":{text}}}\n{{\"id\":\"b\",\"text\":{text}}}\n");
    let out = common::run_with_stdin(&["scan", "-", "--format", "json"], jsonl.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pairs"][0]["a"], "a");
}

#[test]
fn bad_settings_are_refused_with_exit_two() {
    let out = run(&["scan", "fixtures/seeds", "--threshold", "1.5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("threshold 1.5"));
    let out = run(&["scan", "fixtures/seeds", "--bands", "100", "--rows", "5"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn dedup_keeps_one_record_per_cluster_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let text = serde_json::to_string(&common::seed(0)).unwrap();
    let other = serde_json::to_string(&common::seed(2)).unwrap();
    let lines = [
        format!("{{\"id\": \"first\",  \"text\": {text}, \"extra\": [1, 2]}}"),
        format!("{{\"text\":{other},\"id\":\"unique\"}}"),
        format!("{{\"id\":\"copy\",\"text\":{text}}}"),
    ];
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out_path = dir.path().join("out.jsonl");
    let map_path = dir.path().join("clusters.jsonl");
    let out = run(&[
        "dedup",
        input.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
        "--clusters",
        map_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dropped 1"));
    let kept = std::fs::read_to_string(&out_path).unwrap();
    assert_eq!(kept, format!("{}\n{}\n", lines[0], lines[1]));
    let map: Vec<serde_json::Value> = std::fs::read_to_string(&map_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(map[0], serde_json::json!({"id": "first", "cluster": 0, "kept": true, "duplicate_of": null}));
    assert_eq!(
        map[1],
        serde_json::json!({"id": "unique", "cluster": null, "kept": true, "duplicate_of": null})
    );
    assert_eq!(
        map[2],
        serde_json::json!({"id": "copy", "cluster": 0, "kept": false, "duplicate_of": "first"})
    );
}

#[test]
fn no_passages_gives_the_same_pairs_without_passages() {
    let args = ["scan", "fixtures/seeds", "fixtures/republished", "--mode", "near", "--format", "json"];
    let (_, with, _) = run_json(&args);
    let (code, without, _) = run_json(&[&args[..], &["--no-passages"]].concat());
    assert_eq!(code, 0);
    let strip = |r: &serde_json::Value| -> Vec<(String, String, String)> {
        r["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["a"].to_string(), p["b"].to_string(), p["jaccard"].to_string()))
            .collect()
    };
    assert_eq!(strip(&with), strip(&without));
    assert!(without["pairs"][0]["passages"].as_array().unwrap().is_empty());
    assert!(!with["pairs"][0]["passages"].as_array().unwrap().is_empty());
    // Partial reuse needs its passages.
    let out = run(&["scan", "fixtures/seeds", "--no-passages"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mode near"));
}

#[test]
fn sentences_in_a_scan_keep_the_seeds_two_pairs_and_a_bad_language_is_named() {
    let pairs = |extra: &[&str]| {
        let mut args = vec!["scan", "fixtures/seeds", "--format", "json"];
        args.extend_from_slice(extra);
        let (code, report, stderr) = run_json(&args);
        assert_eq!(code, 0, "{stderr}");
        let mut ids: Vec<(String, String)> = report["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["a"].as_str().unwrap().to_string(), p["b"].as_str().unwrap().to_string()))
            .collect();
        ids.sort();
        ids
    };
    let words = pairs(&[]);
    assert_eq!(words.len(), 2);
    assert_eq!(pairs(&["--sentences"]), words);
    assert_eq!(pairs(&["--sentences", "--language", "en"]), words);
    let out = run(&["scan", "fixtures/seeds", "--sentences", "--language", "xx"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("xx") && err.contains("auto"), "{err}");
}

/// A heavily revised passage that shares runs of up to nine words with its
/// source, never ten, is found by the default scan (the rewrite path makes
/// it a candidate) and not with `--no-rewrites`; the rewrite settings need
/// the path on.
#[test]
fn rewrites_are_found_by_default_and_no_rewrites_turns_the_path_off() {
    let source = "The regional council approved the new water budget on Tuesday evening after a long and \
                  heated debate about the rising cost of repairing old pipes under the city centre, which \
                  engineers say have been leaking for more than a decade and now lose a third of the supply.";
    let rewrite = "On Tuesday the regional council finally approved the new water budget after a long and \
                   bitter debate over the rising cost of repairing the old pipes beneath the city centre, \
                   which the engineers say have leaked for more than ten years and now lose a third of supply.";
    let unrelated =
        "Heavy rain is expected over the coast this weekend, and the harbour will close to small \
                     boats until the storm has passed and the wind has dropped again on Monday morning.";
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<(String, String)> = [("source", source), ("rewrite", rewrite), ("other", unrelated)]
        .map(|(i, t)| (i.into(), t.into()))
        .into();
    let path = write_jsonl(dir.path(), "docs.jsonl", &docs);
    let path = path.to_str().unwrap();

    let (code, report, stderr) = run_json(&["scan", path, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let pairs = report["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!((pairs[0]["a"].as_str(), pairs[0]["b"].as_str()), (Some("source"), Some("rewrite")));
    assert!(pairs[0]["passages"][0]["words"].as_u64().unwrap() >= 8);
    assert_eq!(report["stats"]["rewrite_candidates"], 1);
    assert_eq!(report["params"]["rewrites"]["min_shared"], 7);

    let (code, report, stderr) = run_json(&["scan", path, "--format", "json", "--no-rewrites"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(report["pairs"].as_array().unwrap().is_empty());
    assert!(report["stats"].get("rewrite_candidates").is_none());
    assert!(report["params"].get("rewrites").is_none());

    let out = run(&["scan", path, "--no-rewrites", "--rewrite-min-shared", "4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-rewrites"));
}
