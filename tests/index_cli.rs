//! `reprint index` on the real binary in temporary directories: add, query,
//! re-add, replace, remove, parameter mismatches, a `kill -9` in the middle
//! of a large add, a query while an add runs, and dates and sources: stored
//! by add, the origin of each match from query, an index made before dates.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{corpus, root, run, run_json, write_jsonl};

const SEED_000: &str = "fixtures/seeds/000_1496404e9c0b7117.txt";
const SEED_001: &str = "fixtures/seeds/001_ab3f00e89c8442ab.txt";
const REPUBLISHED: &str = "fixtures/republished/001_republished_with_new_header_footer.txt";

fn seeds_1_to_4() -> Vec<String> {
    let mut paths: Vec<String> = std::fs::read_dir(root().join("fixtures/seeds"))
        .expect("seeds")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("000")))
        .map(|p| p.strip_prefix(root()).expect("under root").to_string_lossy().into_owned())
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 4);
    paths
}

fn add(index: &Path, inputs: &[&str]) -> (i32, String) {
    let mut args = vec!["index", "add", "--index", index.to_str().expect("utf-8 path")];
    args.extend_from_slice(inputs);
    let out = run(&args);
    (out.status.code().expect("exit code"), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn query(index: &Path, inputs: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["index", "query", "--index", index.to_str().expect("utf-8 path"), "--format", "json"];
    args.extend_from_slice(inputs);
    run_json(&args)
}

fn documents(index: &Path) -> u64 {
    let (code, stats, stderr) =
        run_json(&["index", "stats", "--index", index.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    stats["documents"].as_u64().expect("documents")
}

fn pairs(report: &serde_json::Value) -> &Vec<serde_json::Value> {
    report["pairs"].as_array().expect("pairs")
}

#[test]
fn seeds_then_query_finds_the_rewrite_with_scan_scores_and_passages() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let seeds = seeds_1_to_4();
    let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
    let (code, stderr) = add(&index, &seeds);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("added 4, replaced 0, unchanged 0"), "{stderr}");

    let (code, report, stderr) = query(&index, &[SEED_000]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["schema"], "reprint/2");
    let found = pairs(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    let p = &found[0];
    assert_eq!(
        (p["a"].as_str(), p["b"].as_str(), p["kind"].as_str()),
        (Some(SEED_000), Some(SEED_001), Some("reuse"))
    );

    // The same scores and passages as `scan` gives this pair.
    let (_, scan, _) = run_json(&["scan", "fixtures/seeds", "--format", "json"]);
    let same =
        pairs(&scan).iter().find(|s| s["a"] == SEED_000 && s["b"] == SEED_001).expect("scan finds the pair");
    for field in ["kind", "jaccard", "containment_a", "containment_b", "passages"] {
        assert_eq!(p[field], same[field], "{field}");
    }
    // Passages quote real text of both documents.
    let (a, b) = (common::seed(0), common::seed(1));
    let passages = p["passages"].as_array().expect("passages");
    assert!(!passages.is_empty());
    for x in passages {
        let span = |s: &serde_json::Value| (s[0].as_u64().unwrap() as usize, s[1].as_u64().unwrap() as usize);
        let ((sa, ea), (sb, eb)) = (span(&x["a"]), span(&x["b"]));
        assert!(ea <= a.len() && eb <= b.len() && sa < ea && sb < eb);
    }

    // Add more, query again: the republished copy of 001 is a near-duplicate.
    let (code, stderr) = add(&index, &[REPUBLISHED]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(documents(&index), 5);
    let (code, report, stderr) = query(&index, &[SEED_001]);
    assert_eq!(code, 0, "{stderr}");
    let kinds: Vec<(&str, &str)> =
        pairs(&report).iter().map(|p| (p["b"].as_str().unwrap(), p["kind"].as_str().unwrap())).collect();
    // Ranked by containment of the query: itself first, then the copy.
    assert_eq!(kinds, vec![(SEED_001, "exact"), (REPUBLISHED, "near-duplicate")]);
    // --limit 1: only the best-ranked candidate is scored.
    let (code, report, stderr) = query(&index, &[SEED_001, "--limit", "1"]);
    assert_eq!(code, 0, "{stderr}");
    let ids: Vec<&str> = pairs(&report).iter().map(|p| p["b"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![SEED_001]);

    // Nothing like it in the index: exit 1.
    let other = dir.path().join("other.txt");
    std::fs::write(&other, "A short note about gardening in the spring, with tulips and rain.").unwrap();
    let (code, report, _) = query(&index, &[other.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(pairs(&report).is_empty());
}

#[test]
fn readd_unchanged_is_a_noop_changed_replaces_and_remove_removes() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let docs = corpus(40, 7);
    let first = write_jsonl(dir.path(), "a.jsonl", &docs);
    let (code, stderr) = add(&index, &[first.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = add(&index, &[first.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("added 0, replaced 0, unchanged 40"), "{stderr}");
    assert_eq!(documents(&index), 40);

    // doc0000 gets the text of seed 002; every other document keeps its own.
    let mut changed = docs.clone();
    changed[0].1 = common::seed(2);
    let second = write_jsonl(dir.path(), "b.jsonl", &changed);
    let (code, stderr) = add(&index, &[second.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("replaced doc0000"), "{stderr}");
    assert!(stderr.contains("added 0, replaced 1, unchanged 39"), "{stderr}");
    assert_eq!(documents(&index), 40);

    let seed2 = dir.path().join("seed2.txt");
    std::fs::write(&seed2, common::seed(2)).unwrap();
    let (code, report, _) = query(&index, &[seed2.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(pairs(&report)[0]["b"], "doc0000");
    assert_eq!(pairs(&report)[0]["kind"], "exact");
    // The old text no longer matches doc0000.
    let old = write_jsonl(dir.path(), "old.jsonl", &docs[..1]);
    let (_, report, _) = query(&index, &[old.to_str().unwrap()]);
    assert!(pairs(&report).iter().all(|p| p["b"] != "doc0000"), "{report}");

    let ix = index.to_str().unwrap();
    let out = run(&["index", "remove", "--index", ix, "doc0000"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(documents(&index), 39);
    let (code, report, _) = query(&index, &[seed2.to_str().unwrap()]);
    assert_eq!(code, 1, "{report}");
    let out = run(&["index", "remove", "--index", ix, "doc0000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("doc0000: not in the index"));
}

#[test]
fn parameter_mismatch_is_refused_naming_the_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let ix = index.to_str().unwrap();
    let out = run(&["index", "add", "--index", ix, "--shingle-size", "4", SEED_001]);
    assert_eq!(out.status.code(), Some(0));
    // Left out, the recorded value is used; given, it must match.
    let (code, _, stderr) = query(&index, &[SEED_001]);
    assert_eq!(code, 0, "{stderr}");
    for (flag, value, name) in
        [("--shingle-size", "5", "shingle_size"), ("--num-perm", "64", "num_perm"), ("--seed", "1", "seed")]
    {
        let out = run(&["index", "query", "--index", ix, flag, value, SEED_000]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("parameter {name}")), "{stderr}");
        let out = run(&["index", "add", "--index", ix, flag, value, SEED_000]);
        assert_eq!(out.status.code(), Some(2));
    }
    assert_eq!(documents(&index), 1);
    // A missing index is an error, not an empty answer.
    let out = run(&["index", "query", "--index", dir.path().join("none").to_str().unwrap(), SEED_000]);
    assert_eq!(out.status.code(), Some(2));
}

/// Starts `reprint index add` on `input` in batches of `batch`.
fn spawn_add(index: &Path, input: &Path, batch: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_reprint"))
        .args(["index", "add", "--index", index.to_str().unwrap(), "--batch-size", batch, "--quiet"])
        .arg(input)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("reprint starts")
}

/// Waits until the index holds at least `n` documents (a batch committed).
fn wait_for_documents(index: &Path, n: u64, child: &mut Child) -> u64 {
    let start = Instant::now();
    loop {
        if index.join("index.sqlite").exists() {
            let out = run(&["index", "stats", "--index", index.to_str().unwrap(), "--format", "json"]);
            if out.status.success() {
                let stats: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stats JSON");
                let held = stats["documents"].as_u64().expect("documents");
                if held >= n {
                    return held;
                }
            }
        }
        assert!(child.try_wait().expect("try_wait").is_none(), "the add ended before a batch was seen");
        assert!(start.elapsed() < Duration::from_secs(120), "no batch committed in 120 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kill_9_mid_add_loses_at_most_the_batch_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let docs = corpus(50_000, 11);
    let input = write_jsonl(dir.path(), "big.jsonl", &docs);
    let mut child = spawn_add(&index, &input, "1000");
    wait_for_documents(&index, 1000, &mut child);
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");

    // The index opens and answers; only whole batches are there.
    let held = documents(&index);
    assert!((1000..50_000).contains(&held), "{held}");
    assert_eq!(held % 1000, 0, "a partial batch was committed: {held}");
    // Documents of the first batch are queryable.
    let probe = write_jsonl(dir.path(), "probe.jsonl", &[("probe".into(), docs[10].1.clone())]);
    let (code, report, stderr) = query(&index, &[probe.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(pairs(&report).iter().any(|p| p["b"] == "doc0010" && p["kind"] == "exact"), "{report}");
    // A new add succeeds, and re-adding the first batch changes nothing.
    let more = write_jsonl(dir.path(), "more.jsonl", &docs[..1000]);
    let (code, stderr) = add(&index, &[more.to_str().unwrap(), SEED_000]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("added 1, replaced 0, unchanged 1000"), "{stderr}");
    assert_eq!(documents(&index), held + 1);
}

#[test]
fn a_query_runs_while_an_add_is_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let seeds = seeds_1_to_4();
    let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
    assert_eq!(add(&index, &seeds).0, 0);
    let input = write_jsonl(dir.path(), "big.jsonl", &corpus(50_000, 13));
    let mut child = spawn_add(&index, &input, "1000");
    wait_for_documents(&index, 1004, &mut child);
    // The corpus is cut from the seeds, so 000 reuses dozens of its
    // documents more than it reuses 001 (containment 0.25): score every
    // candidate, not only the best-ranked 20.
    let (code, report, stderr) = query(&index, &[SEED_000, "--limit", "0"]);
    let running = child.try_wait().expect("try_wait").is_none();
    child.kill().expect("kill");
    child.wait().expect("reaped");
    assert_eq!(code, 0, "{stderr}");
    assert!(pairs(&report).iter().any(|p| p["b"] == SEED_001), "{report}");
    assert!(running, "the add finished before the query did; the test proves nothing");
}

/// Writes one JSONL document with a date and a site.
fn dated(dir: &Path, name: &str, id: &str, text: &str, date: &str, site: &str) -> String {
    let path = dir.join(name);
    let line = serde_json::json!({"id": id, "text": text, "date": date, "site": site});
    std::fs::write(&path, format!("{line}\n")).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The entry of document `id` in a report.
fn document<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["documents"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap_or_else(|| panic!("{id}"))
}

const META: [&str; 4] = ["--date-field", "date", "--source-field", "site"];

#[test]
fn dated_add_and_dated_query_give_the_origin_by_date() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let (original, copy) = (common::seed(1), std::fs::read_to_string(root().join(REPUBLISHED)).unwrap());
    let stored = dated(dir.path(), "stored.jsonl", "orig", &original, "2024-03-01", "example.org");
    let (code, stderr) = add(&index, &[stored.as_str(), META[0], META[1], META[2], META[3]]);
    assert_eq!(code, 0, "{stderr}");

    // A later copy: the indexed document (b) is the origin.
    let later = dated(dir.path(), "later.jsonl", "copy", &copy, "2024-03-05T10:00:00+02:00", "copier.net");
    let (code, report, stderr) = query(&index, &[later.as_str(), META[0], META[1], META[2], META[3]]);
    assert_eq!(code, 0, "{stderr}");
    let p = &pairs(&report)[0];
    assert_eq!((p["a"].as_str(), p["b"].as_str()), (Some("copy"), Some("orig")));
    assert_eq!((p["origin"].as_str(), p["origin_evidence"].as_str()), (Some("b"), Some("date")), "{p}");
    assert!(p.get("origin_why").is_none(), "{p}");
    assert_eq!(report["params"]["origin"], true);
    // Dates and sources of both sides, the indexed one as it was added.
    let (q, ix) = (document(&report, "copy"), document(&report, "orig"));
    assert_eq!(
        (q["date"].as_str(), q["publisher"].as_str()),
        (Some("2024-03-05T10:00:00+02:00"), Some("copier.net"))
    );
    assert_eq!((ix["source"].as_str(), ix["date"].as_str()), (Some("index"), Some("2024-03-01")));
    assert_eq!(ix["publisher"], "example.org");

    // An earlier document: the queried side (a) is the origin; --explain says why.
    let earlier = dated(dir.path(), "earlier.jsonl", "first", &copy, "2024-02-28", "copier.net");
    let (code, report, stderr) = query(&index, &[earlier.as_str(), "--date-field", "date", "--explain"]);
    assert_eq!(code, 0, "{stderr}");
    let p = &pairs(&report)[0];
    assert_eq!((p["origin"].as_str(), p["origin_evidence"].as_str()), (Some("a"), Some("date")), "{p}");
    let why = p["origin_why"].as_str().expect("origin_why with --explain");
    assert!(why.contains("2024-02-28") && why.contains("2024-03-01"), "{why}");

    // The same day: the dates do not tell; the origin is not "date".
    let same = dated(dir.path(), "same.jsonl", "same", &copy, "2024-03-01", "copier.net");
    let (_, report, _) = query(&index, &[same.as_str(), "--date-field", "date"]);
    assert_ne!(pairs(&report)[0]["origin_evidence"], "date");

    // CSV: the header carries the origin columns.
    let out = run(&[
        "index",
        "query",
        "--index",
        index.to_str().unwrap(),
        later.as_str(),
        "--date-field",
        "date",
        "--format",
        "csv",
    ]);
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines.next().unwrap().ends_with(",origin,origin_evidence,a_date,a_publisher,b_date,b_publisher"),
        "{csv}"
    );
    // The queried document was read without --source-field: no publisher.
    assert!(
        lines.next().unwrap().ends_with(",b,date,2024-03-05T10:00:00+02:00,,2024-03-01,example.org"),
        "{csv}"
    );
}

#[test]
fn metadata_csv_dates_text_files_in_add_and_query() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let csv = dir.path().join("meta.csv");
    std::fs::write(
        &csv,
        format!("path,date,source\n{SEED_001},2024-03-01T08:00:00Z,example.org\n{REPUBLISHED},2024-03-01T09:30:00Z,copier.net\n"),
    )
    .unwrap();
    let csv = csv.to_str().unwrap();
    let (code, stderr) = add(&index, &[SEED_001, "--metadata", csv]);
    assert_eq!(code, 0, "{stderr}");
    let (code, report, stderr) = query(&index, &[REPUBLISHED, "--metadata", csv]);
    assert_eq!(code, 0, "{stderr}");
    // The CSV names SEED_001, which this run did not read: a warning, not an error.
    assert!(stderr.contains("meta.csv:2"), "{stderr}");
    assert_eq!(report["stats"]["warnings"], 1);
    let p = &pairs(&report)[0];
    assert_eq!((p["origin"].as_str(), p["origin_evidence"].as_str()), (Some("b"), Some("date")), "{p}");
    assert_eq!(document(&report, SEED_001)["date"], "2024-03-01T08:00:00Z");
    assert_eq!(document(&report, REPUBLISHED)["publisher"], "copier.net");
}

#[test]
fn no_metadata_flags_no_origin_fields_even_on_a_dated_index() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let stored = dated(dir.path(), "stored.jsonl", "orig", &common::seed(1), "2024-03-01", "example.org");
    let (code, stderr) = add(&index, &[stored.as_str(), META[0], META[1], META[2], META[3]]);
    assert_eq!(code, 0, "{stderr}");
    let (code, report, stderr) = query(&index, &[REPUBLISHED]);
    assert_eq!(code, 0, "{stderr}");
    assert!(report["params"].get("origin").is_none(), "{}", report["params"]);
    let p = &pairs(&report)[0];
    for key in ["origin", "origin_evidence", "origin_why"] {
        assert!(p.get(key).is_none(), "{key} in {p}");
    }
    for d in report["documents"].as_array().unwrap() {
        assert!(d.get("date").is_none() && d.get("publisher").is_none(), "{d}");
    }
    let out = run(&["index", "query", "--index", index.to_str().unwrap(), REPUBLISHED, "--format", "csv"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        csv.lines().next(),
        Some("a,b,kind,jaccard,containment_a,containment_b,passages,longest_passage_words")
    );
}

/// `fixtures/index-v1/index.sqlite`: seed 001 indexed by reprint before
/// dates (format reprint-index/1), copied so that the fixture is not
/// written.
fn index_from_before(dir: &Path) -> std::path::PathBuf {
    let index = dir.join("v1");
    std::fs::create_dir(&index).unwrap();
    std::fs::copy(root().join("fixtures/index-v1/index.sqlite"), index.join("index.sqlite")).unwrap();
    index
}

#[test]
fn an_index_made_before_dates_still_queries_and_takes_dates_on_add() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_from_before(dir.path());
    let format = |index: &Path| -> String {
        let conn = rusqlite::Connection::open(index.join("index.sqlite")).unwrap();
        conn.query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(format(&index), "reprint-index/1");

    // Without flags: the pair, as before.
    let (code, report, stderr) = query(&index, &[REPUBLISHED]);
    assert_eq!(code, 0, "{stderr}");
    let p = &pairs(&report)[0];
    assert_eq!((p["b"].as_str(), p["kind"].as_str()), (Some(SEED_001), Some("near-duplicate")));
    assert!(p.get("origin").is_none());
    // With dates for the query: the indexed document's date is unknown, so
    // no origin by date; the query does not change the file.
    let copy = std::fs::read_to_string(root().join(REPUBLISHED)).unwrap();
    let later = dated(dir.path(), "later.jsonl", "copy", &copy, "2024-03-05", "copier.net");
    let (code, report, stderr) = query(&index, &[later.as_str(), "--date-field", "date"]);
    assert_eq!(code, 0, "{stderr}");
    let p = &pairs(&report)[0];
    assert!(p.get("origin").is_some(), "{p}");
    assert_ne!(p["origin_evidence"], "date");
    assert!(document(&report, SEED_001).get("date").is_none());
    assert_eq!(format(&index), "reprint-index/1");

    // A dated add upgrades the file; the old document is still found, the
    // new one with its date.
    let stored = dated(dir.path(), "stored.jsonl", "orig", &common::seed(1), "2024-03-01", "example.org");
    let (code, stderr) = add(&index, &[stored.as_str(), META[0], META[1], META[2], META[3]]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(format(&index), "reprint-index/2");
    assert_eq!(documents(&index), 2);
    let (code, report, stderr) = query(&index, &[later.as_str(), "--date-field", "date"]);
    assert_eq!(code, 0, "{stderr}");
    let by_b: std::collections::HashMap<&str, &serde_json::Value> =
        pairs(&report).iter().map(|p| (p["b"].as_str().unwrap(), p)).collect();
    assert_eq!(by_b.len(), 2, "{by_b:?}");
    assert_eq!(
        (by_b["orig"]["origin"].as_str(), by_b["orig"]["origin_evidence"].as_str()),
        (Some("b"), Some("date"))
    );
    assert_ne!(by_b[SEED_001]["origin_evidence"], "date");
    assert_eq!(document(&report, "orig")["date"], "2024-03-01");
}
