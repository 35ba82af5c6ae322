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
}

// 4. Input people actually have.

#[test]
fn point4_plain_text_on_stdin_is_read_as_text() {
    let text = std::fs::read(S000).expect("seed");
    let out = run_with_stdin(&["compare", "-", S001, "--format", "json"], &text);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["pairs"][0]["a"], "<stdin>");
    assert_eq!(report["pairs"][0]["kind"], "reuse");
    let out = run_with_stdin(&["scan", "-", "fixtures/seeds", "--format", "json", "-q"], &text);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["documents"][0]["id"], "<stdin>");
    assert_eq!(report["stats"]["documents"], 6);
    // JSONL on stdin is still JSONL.
    let out =
        run_with_stdin(&["scan", "-", "--format", "json", "-q"], b"{\"id\": \"x\", \"text\": \"one\"}\n");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["documents"][0]["id"], "x");
}

#[test]
fn point4_stray_nuls_are_read_as_spaces_and_binary_is_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = std::fs::read(S001).expect("seed");
    text.insert(100, 0);
    text.insert(2000, 0);
    let stray = dir.path().join("stray.txt");
    std::fs::write(&stray, &text).expect("write");
    let binary = dir.path().join("image.bin");
    let mut gif = b"GIF89a\x01\0\x01\0\0\0\0;".to_vec();
    gif.extend((0u32..2000).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8));
    std::fs::write(&binary, &gif).expect("write");
    let out = run(&["scan", arg(&stray), arg(&binary), S000, "--format", "json", "-q"]);
    let err = stderr(&out);
    assert!(err.contains("stray.txt: 2 stray NUL bytes (the first at offset 100) read as spaces"), "{err}");
    assert!(err.contains("image.bin: binary file (NUL byte at offset 7), skipped"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["stats"]["documents"], 2);
    assert_eq!(report["pairs"].as_array().expect("pairs").len(), 1, "the NUL text still pairs with 000");
    assert_eq!(code(&out), 2, "the binary file was skipped");
}

#[test]
fn point4_records_without_the_text_field_give_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus.jsonl");
    let lines: String =
        (0..2000).map(|i| format!("{{\"id\": \"d{i}\", \"body\": \"words of document {i}\"}}\n")).collect();
    std::fs::write(&corpus, lines).expect("write");
    let out = run(&["scan", arg(&corpus), "--format", "json", "-q"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(":1: missing text field \"text\" (its fields: \"body\", \"id\"; to read \"body\", give --text-field body)"), "{err}");
    assert!(err.contains("1999 more lines like it, the last line 2000"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["stats"]["skipped"], 2000);
    // The suggestion works.
    let out = run(&["scan", arg(&corpus), "--text-field", "body", "--format", "json", "-q"]);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn point4_an_empty_directory_is_said_and_exits_2_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let index = dir.path().join("index");
    let kept = dir.path().join("kept.jsonl");
    let runs: [Vec<&str>; 3] = [
        vec!["scan", arg(&empty)],
        vec!["dedup", arg(&empty), "-o", arg(&kept)],
        vec!["index", "add", "--index", arg(&index), arg(&empty)],
    ];
    for args in &runs {
        let out = run(args);
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(
            stderr(&out).contains("empty: empty directory (no files below it), skipped"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn point4_compare_of_a_jsonl_file_and_two_ids_suggests_jsonl() {
    let out = run(&["compare", "corpus.jsonl", "doc1", "doc5"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("give --jsonl: reprint compare --jsonl corpus.jsonl doc1 doc5"),
        "{}",
        stderr(&out)
    );
}

/// Japanese (kanji and kana) and Chinese (Han) texts: two unrelated pairs
/// sharing a stock phrase (16 kana, 13 Han characters) and two real
/// reuses of a whole sentence.
const JA_A: &str = "新しい図書館の開館時間は午前九時から午後八時までということになりますので、ご注意ください。館内では静かに本を読むことができます。";
const JA_B: &str = "来週の会議は本社の大きな部屋で行うということになりますので、資料を準備してください。出席者は十名の予定です。";
const JA_C: &str = "地域のニュースによると、新しい図書館の開館時間は午前九時から午後八時までということになりますので、ご注意ください。駐車場はありません。";
const ZH_A: &str = "根据有关部门的统计数据显示，今年本市的旅游人数明显增加，酒店和餐馆的生意都很好。";
const ZH_B: &str = "根据有关部门的统计数据显示，去年全国的粮食产量再创新高，农民的收入也有所提高。";
const ZH_C: &str = "记者昨天报道：今年本市的旅游人数明显增加，酒店和餐馆的生意都很好。很多游客来自外地。";

#[test]
fn point4_the_least_passage_carries_as_much_in_spaceless_scripts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let kind = |a: &Path, b: &Path| {
        let out = run(&["compare", arg(a), arg(b), "--format", "json"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let pair = &report["pairs"][0];
        (
            pair["kind"].as_str().expect("kind").to_string(),
            pair["passages"].as_array().expect("passages").len(),
        )
    };
    let (ja_a, ja_b, ja_c) = (write("ja_a.txt", JA_A), write("ja_b.txt", JA_B), write("ja_c.txt", JA_C));
    let (zh_a, zh_b, zh_c) = (write("zh_a.txt", ZH_A), write("zh_b.txt", ZH_B), write("zh_c.txt", ZH_C));
    // 16 shared kana are under 8 words' worth (24 kana): no passage.
    assert_eq!(kind(&ja_a, &ja_b), ("none".to_string(), 0));
    // 13 shared Han characters are under 8 words' worth (16): no passage.
    assert_eq!(kind(&zh_a, &zh_b), ("none".to_string(), 0));
    // A whole reused sentence is found in both scripts.
    assert_eq!(kind(&ja_a, &ja_c).1, 1);
    assert_eq!(kind(&zh_a, &zh_c), ("reuse".to_string(), 1));
    // The same through scan: only the two real reuses are pairs.
    let out = run(&["scan", arg(dir.path()), "--format", "json", "-q"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut pairs: Vec<(String, String)> = report["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            let name =
                |v: &serde_json::Value| v.as_str().expect("id").rsplit('/').next().expect("name").to_string();
            (name(&p["a"]), name(&p["b"]))
        })
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [("ja_a.txt".to_string(), "ja_c.txt".to_string()), ("zh_a.txt".to_string(), "zh_c.txt".to_string())]
    );
}

// 3. Nothing cut or merged without a word.

#[test]
fn point3_index_query_says_what_limit_left_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = seed_index(dir.path());
    let all = run(&["index", "query", "--index", &index, S000, "--limit", "0", "--format", "json", "-q"]);
    let all: serde_json::Value = serde_json::from_slice(&all.stdout).expect("JSON");
    let found = all["stats"]["candidates"].as_u64().expect("candidates");
    assert!(found >= 2, "the seed 000 has at least two candidates: itself and 001");
    assert_eq!(all["stats"]["candidates_left_out"], 0);
    let out = run(&["index", "query", "--index", &index, S000, "--limit", "1", "--format", "json", "-q"]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("--limit 1 left out {} of the {found} candidates found", found - 1)),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["stats"]["candidates_left_out"], found - 1);
    assert_eq!(report["pairs"].as_array().expect("pairs").len(), 1);
    // The text report says it too.
    let out = run(&["index", "query", "--index", &index, S000, "--limit", "1", "-q"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("left out by --limit"));
}

#[test]
fn point3_dedup_drops_a_document_only_for_a_near_duplicate_of_it() {
    // Overlapping 60-word excerpts of one article, 4 words apart: each is a
    // near-duplicate of its neighbours, so they chain into one cluster,
    // but excerpts far apart share nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let words: Vec<String> = common::seed(1).split_whitespace().map(str::to_string).collect();
    let docs: Vec<(String, String)> =
        (0..words.len() - 60).step_by(4).map(|i| (format!("e{i:05}"), words[i..i + 60].join(" "))).collect();
    let corpus = common::write_jsonl(dir.path(), "excerpts.jsonl", &docs);
    let clusters = dir.path().join("clusters.jsonl");
    let kept = dir.path().join("kept.jsonl");
    let out = run(&["dedup", arg(&corpus), "-o", arg(&kept), "--clusters", arg(&clusters), "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let scan = run(&["scan", arg(&corpus), "--mode", "near", "--format", "json", "-q"]);
    let scan: serde_json::Value = serde_json::from_slice(&scan.stdout).expect("JSON");
    assert_eq!(scan["clusters"].as_array().expect("clusters").len(), 1, "one chain");
    let jaccard: std::collections::HashMap<(String, String), f64> = scan["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            let id = |k: &str| p[k].as_str().expect("id").to_string();
            ((id("a"), id("b")), p["jaccard"].as_f64().expect("jaccard"))
        })
        .collect();
    let lines = std::fs::read_to_string(&clusters).expect("clusters");
    let (mut dropped, mut kept_n) = (0, 0);
    for line in lines.lines() {
        let c: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let id = c["id"].as_str().expect("id").to_string();
        if c["kept"] == true {
            kept_n += 1;
            assert!(c["duplicate_of"].is_null());
            continue;
        }
        dropped += 1;
        let of = c["duplicate_of"].as_str().expect("a dropped document names its kept one").to_string();
        let key = if of < id { (of.clone(), id.clone()) } else { (id.clone(), of.clone()) };
        let j = jaccard.get(&key).copied().unwrap_or(0.0);
        assert!(j >= 0.5, "{id} dropped for {of}, Jaccard {j}");
        assert!(lines.contains(&format!("\"id\":\"{of}\",\"kept\":true")), "{of} is not kept");
    }
    assert!(dropped > 0 && kept_n > 1, "the chain is split: {kept_n} kept, {dropped} dropped");
    assert_eq!(std::fs::read_to_string(&kept).expect("kept").lines().count(), kept_n);
    // The same split at one thread and at two.
    for threads in ["1", "2"] {
        let again = dir.path().join(format!("clusters-{threads}.jsonl"));
        let out = run(&["dedup", arg(&corpus), "-o", "-", "--clusters", arg(&again), "-q", "-j", threads]);
        assert_eq!(code(&out), 0);
        assert_eq!(std::fs::read_to_string(&again).expect("clusters"), lines, "at {threads} threads");
    }
}

// 5. Help, progress and reports.

#[test]
fn point5_index_stats_params_are_the_object_scan_uses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = seed_index(dir.path());
    let out = run(&["index", "stats", "--index", &index, "--format", "json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let scan = run(&["scan", "fixtures/seeds", "--format", "json", "-q"]);
    let scan: serde_json::Value = serde_json::from_slice(&scan.stdout).expect("JSON");
    let params = stats["params"].as_object().expect("params is an object");
    assert_eq!(params.len(), 11);
    for (k, v) in params {
        assert_eq!(&scan["params"][k], v, "{k}: as scan writes it");
    }
}

#[test]
fn point5_text_report_lists_most_reused_first_and_the_compare_command() {
    let out = run(&["scan", "fixtures/seeds", "fixtures/republished", "-q"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // Pair rows start with their kind; their containments, in order.
    let reuse: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with("reuse ") || l.starts_with("near-duplicate ") || l.starts_with("exact "))
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols[2].parse::<f64>().expect("cont_a").max(cols[3].parse().expect("cont_b"))
        })
        .collect();
    assert_eq!(reuse.len(), 4, "{text}");
    assert!(reuse.windows(2).all(|w| w[0] >= w[1]), "not most reused first: {reuse:?}\n{text}");
    // The command it shows prints the first pair's passages.
    let command =
        text.lines().find_map(|l| l.strip_prefix("the first pair's passages: ")).expect("a command");
    let words: Vec<&str> = command.split(' ').collect();
    assert_eq!(&words[..2], ["reprint", "compare"]);
    let shown = run(&words[1..]);
    assert_eq!(code(&shown), 0, "{}", stderr(&shown));
    assert!(String::from_utf8_lossy(&shown.stdout).contains("near-duplicate"));
}

#[test]
fn point5_help_has_examples_and_exit_codes_and_no_dead_flags() {
    for command in ["scan", "dedup", "compare", "eval"] {
        let help = String::from_utf8_lossy(&run(&[command, "--help"]).stdout).into_owned();
        assert!(help.contains("Example"), "{command} --help has no examples");
        assert!(help.contains("Exit codes: 0"), "{command} --help has no exit codes");
    }
    let dedup = String::from_utf8_lossy(&run(&["dedup", "--help"]).stdout).into_owned();
    assert!(dedup.contains("How clusters are formed"), "{dedup}");
    for command in ["sketch", "align-pairs"] {
        let help = String::from_utf8_lossy(&run(&[command, "--help"]).stdout).into_owned();
        for flag in ["--keep <", "--threads <", "-q, --quiet"] {
            assert!(!help.contains(flag), "{command} --help lists {flag}");
        }
        assert!(help.contains("--shingle-size <"), "{command} --help lost its real flags");
    }
}
