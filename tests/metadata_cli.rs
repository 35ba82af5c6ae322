//! Dates and sources through the binary (issue 17): reading them from JSONL
//! fields and from a CSV file, what a bad value does, the origin of each
//! pair, per-source boilerplate, stories, the publishers' edge list and
//! `dedup --keep earliest`.

mod common;

use std::path::Path;

use common::{run, run_json, seed, Rng};

/// `n` words of a random vocabulary of made-up words, from `rng`.
fn words(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| format!("w{}", rng.below(20_000))).collect::<Vec<_>>().join(" ")
}

fn write_jsonl(dir: &Path, records: &[serde_json::Value]) -> String {
    let path = dir.join("docs.jsonl");
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn pair<'a>(report: &'a serde_json::Value, a: &str, b: &str) -> Option<&'a serde_json::Value> {
    report["pairs"].as_array().unwrap().iter().find(|p| p["a"] == a && p["b"] == b)
}

fn doc<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["documents"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap()
}

#[test]
fn dates_and_sources_from_jsonl_decide_origins_across_time_zones() {
    let dir = tempfile::tempdir().unwrap();
    let (source, rewrite) = (seed(1), seed(0));
    let mut rng = Rng(7);
    let file = write_jsonl(
        dir.path(),
        &[
            // 10:00 at +02:00 is 08:00 UTC ...
            serde_json::json!({"id": "src", "text": source, "date": "2018-09-01T10:00:00+02:00", "site": "Daily"}),
            // ... and 09:30 UTC later on the same day: the copy.
            serde_json::json!({"id": "copy", "text": rewrite, "date": "2018-09-01T09:30:00Z", "site": 42}),
            serde_json::json!({"id": "bad", "text": words(&mut rng, 300), "date": "yesterday", "site": "Daily"}),
            serde_json::json!({"id": "nosite", "text": words(&mut rng, 300), "date": 20180901}),
        ],
    );
    let (code, report, stderr) = run_json(&[
        "scan",
        &file,
        "--date-field",
        "date",
        "--source-field",
        "site",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    // Each bad value is named by file and line, and the document is kept.
    assert!(
        stderr.contains("docs.jsonl:3: date field \"date\": \"yesterday\" is not an ISO 8601 date"),
        "{stderr}"
    );
    assert!(stderr.contains("docs.jsonl:4: date field \"date\" is a number"), "{stderr}");
    assert!(stderr.contains("docs.jsonl:4: no source field \"site\""), "{stderr}");
    assert_eq!(report["documents"].as_array().unwrap().len(), 4);
    assert_eq!(report["stats"]["warnings"], 3);
    assert_eq!(doc(&report, "src")["date"], "2018-09-01T10:00:00+02:00");
    assert_eq!(doc(&report, "src")["publisher"], "Daily");
    // A number is its JSON text.
    assert_eq!(doc(&report, "copy")["publisher"], "42");
    assert!(doc(&report, "bad").get("date").is_none());
    assert!(doc(&report, "nosite").get("publisher").is_none());

    let p = pair(&report, "src", "copy").expect("the seed pair");
    assert_eq!((&p["origin"], &p["origin_evidence"]), (&serde_json::json!("a"), &serde_json::json!("date")));
    assert!(p.get("origin_why").is_none(), "reasons only with --explain");
    assert_eq!(report["params"]["origin"], true);
    let stories = report["stories"].as_array().unwrap();
    assert_eq!(stories.len(), 1);
    assert_eq!(stories[0]["earliest"], "src");
    assert_eq!(
        stories[0]["members"][1],
        serde_json::json!({"id": "copy", "from": "src", "evidence": "date"})
    );
    assert_eq!(
        report["publishers"],
        serde_json::json!([{"from": "Daily", "to": "42", "documents": 1, "pairs": 1,
                            "words": p["passages"].as_array().unwrap().iter().map(|x| x["words"].as_u64().unwrap()).sum::<u64>()}])
    );

    // The CSV report gives each pair's documents' dates and sources.
    let out =
        run(&["scan", &file, "--date-field", "date", "--source-field", "site", "--format", "csv", "-q"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut rows = csv.lines();
    assert!(
        rows.next().unwrap().ends_with(",origin,origin_evidence,a_date,a_publisher,b_date,b_publisher"),
        "{csv}"
    );
    let row = rows.find(|r| r.starts_with("src,copy,")).expect("the pair's row");
    assert!(row.ends_with(",a,date,2018-09-01T10:00:00+02:00,Daily,2018-09-01T09:30:00Z,42"), "{row}");

    // --explain says why; the CSV edge list has the flow.
    let edges = dir.path().join("edges.csv");
    let (_, explained, _) = run_json(&[
        "scan",
        &file,
        "--date-field",
        "date",
        "--source-field",
        "site",
        "--format",
        "json",
        "-q",
        "--explain",
        "--publishers",
        edges.to_str().unwrap(),
    ]);
    let why = pair(&explained, "src", "copy").unwrap()["origin_why"].as_str().unwrap().to_owned();
    assert!(why.contains("a is dated 2018-09-01T10:00:00+02:00, before b (2018-09-01T09:30:00Z)"), "{why}");
    let csv = std::fs::read_to_string(&edges).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("Source,Target,Weight,documents,pairs"));
    assert!(lines.next().unwrap().starts_with("Daily,42,"), "{csv}");
}

#[test]
fn the_same_day_leaves_the_origin_to_the_texts() {
    let dir = tempfile::tempdir().unwrap();
    // 000 condenses 001: same day, so the texts decide (001 is the origin).
    let file = write_jsonl(
        dir.path(),
        &[
            serde_json::json!({"id": "short", "text": seed(0), "date": "2018-09-01"}),
            serde_json::json!({"id": "long", "text": seed(1), "date": "2018-09-01T12:00:00Z"}),
        ],
    );
    let (code, report, stderr) =
        run_json(&["scan", &file, "--date-field", "date", "--format", "json", "-q", "--explain"]);
    assert_eq!(code, 0, "{stderr}");
    let p = pair(&report, "short", "long").unwrap();
    assert_eq!(
        (&p["origin"], &p["origin_evidence"]),
        (&serde_json::json!("b"), &serde_json::json!("text")),
        "{p}"
    );
    assert!(p["origin_why"].as_str().unwrap().contains("a condenses b"), "{}", p["origin_why"]);
}

#[test]
fn a_metadata_csv_dates_text_files_and_names_its_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("meta.csv");
    std::fs::write(
        &csv,
        "path,date,source\n\
         fixtures/seeds/000_1496404e9c0b7117.txt,2018-10-02,Digest\n\
         fixtures/seeds/001_ab3f00e89c8442ab.txt,2018-09-30,Forbes\n\
         fixtures/seeds/002_754116e17df56b5b.txt,30/09/2018,Site\n\
         fixtures/seeds/nope.txt,2018-09-30,Site\n",
    )
    .unwrap();
    let (code, report, stderr) =
        run_json(&["scan", "fixtures/seeds", "--metadata", csv.to_str().unwrap(), "--format", "json", "-q"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("meta.csv:4: \"30/09/2018\" is not an ISO 8601 date"), "{stderr}");
    assert!(stderr.contains("meta.csv:5: no document read has path \"fixtures/seeds/nope.txt\""), "{stderr}");
    assert!(
        stderr.contains("no row for fixtures/seeds/003_989d3d1e37b41e47.txt and 1 more documents"),
        "{stderr}"
    );
    // Still exactly the two seed pairs; 001, dated first, is the origin.
    let pairs = report["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 2);
    assert_eq!(
        (&pairs[0]["origin"], &pairs[0]["origin_evidence"]),
        (&serde_json::json!("b"), &serde_json::json!("date"))
    );
    assert_eq!(doc(&report, "fixtures/seeds/001_ab3f00e89c8442ab.txt")["publisher"], "Forbes");
    assert_eq!(doc(&report, "fixtures/seeds/002_754116e17df56b5b.txt")["publisher"], "Site");
    assert!(doc(&report, "fixtures/seeds/002_754116e17df56b5b.txt").get("date").is_none());

    // A CSV without a path column is refused, naming the file.
    std::fs::write(&csv, "file,date\nx,2018-01-01\n").unwrap();
    let out = run(&["scan", "fixtures/seeds", "--metadata", csv.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("meta.csv: no \"path\" column"));
}

/// Four pages of one site that share only its footer, a fifth that shares
/// the footer and a real passage with one of them, and a page of another
/// site that took a passage of the first.
fn site_pages() -> Vec<serde_json::Value> {
    let mut rng = Rng(11);
    let footer = format!("About us. {} All rights reserved.", words(&mut rng, 40));
    let bodies: Vec<String> = (0..5).map(|_| words(&mut rng, 250)).collect();
    let passage: String = bodies[0].split(' ').skip(100).take(60).collect::<Vec<_>>().join(" ");
    let mut out: Vec<serde_json::Value> = (0..4)
        .map(|i| serde_json::json!({"id": format!("x{i}"), "text": format!("{}\n\n{footer}", bodies[i]), "site": "x"}))
        .collect();
    out.push(
        serde_json::json!({"id": "x4", "text": format!("{} {passage}\n\n{footer}", bodies[4]), "site": "x"}),
    );
    out.push(serde_json::json!({"id": "y", "text": format!("{} {passage} {}", words(&mut rng, 100), words(&mut rng, 100)), "site": "y"}));
    out
}

#[test]
fn a_sites_footer_makes_no_pair_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_jsonl(dir.path(), &site_pages());
    let ids = |report: &serde_json::Value| -> Vec<(String, String)> {
        report["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["a"].as_str().unwrap().to_owned(), p["b"].as_str().unwrap().to_owned()))
            .collect()
    };
    // Without sources, the footer pairs every page of the site.
    let (_, plain, _) = run_json(&["scan", &file, "--format", "json", "-q"]);
    assert_eq!(ids(&plain).len(), 5 * 4 / 2 + 2, "{:?}", ids(&plain));
    let (code, report, stderr) =
        run_json(&["scan", &file, "--source-field", "site", "--format", "json", "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let pairs = ids(&report);
    let owned = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(pairs, [owned("x0", "x4"), owned("x0", "y"), owned("x4", "y")]);
    // x0 and x4 share the passage, and their footer: the footer is marked
    // where it lies inside a passage (here the aligner joins the two).
    let p = pair(&report, "x0", "x4").unwrap();
    let passages = p["passages"].as_array().unwrap();
    assert!(passages.iter().all(|x| x["words"].as_u64().unwrap() >= 55), "{p}");
    let marked: Vec<&serde_json::Value> = passages.iter().filter_map(|x| x.get("boilerplate")).collect();
    assert_eq!(marked.len(), 1, "{p}");
    let texts: Vec<String> = site_pages().iter().map(|r| r["text"].as_str().unwrap().to_owned()).collect();
    for (side, text) in [("a", &texts[0]), ("b", &texts[4])] {
        let span = marked[0][side].as_array().unwrap();
        let (start, end) = (span[0].as_u64().unwrap() as usize, span[1].as_u64().unwrap() as usize);
        let footer = &text[text.find("About us.").unwrap()..];
        assert!(footer.contains(&text[start..end]), "{side}: {}", &text[start..end]);
        assert!(end - start > footer.len() / 2, "{side}");
    }
    assert!(report["stats"]["boilerplate_fingerprints"].as_u64().unwrap() > 0);
    // Turned off, the footer pairs come back.
    let (_, off, _) = run_json(&[
        "scan",
        &file,
        "--source-field",
        "site",
        "--source-boilerplate",
        "0",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(ids(&off), ids(&plain));
}

#[test]
fn reports_with_metadata_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut records = site_pages();
    for (i, r) in records.iter_mut().enumerate() {
        r["date"] = serde_json::json!(format!("2024-01-{:02}", 1 + i % 3));
    }
    let file = write_jsonl(dir.path(), &records);
    let scan = |threads: &str| {
        let out = run(&[
            "scan",
            &file,
            "--date-field",
            "date",
            "--source-field",
            "site",
            "--format",
            "json",
            "-q",
            "-j",
            threads,
        ]);
        assert_eq!(out.status.code(), Some(0));
        out.stdout
    };
    assert_eq!(scan("1"), scan("2"));
}

#[test]
fn dedup_keep_earliest_keeps_the_dated_origin() {
    let dir = tempfile::tempdir().unwrap();
    let text = seed(1);
    let file = write_jsonl(
        dir.path(),
        &[
            serde_json::json!({"id": "late", "text": text, "date": "2020-05-02"}),
            serde_json::json!({"id": "undated", "text": text}),
            serde_json::json!({"id": "early", "text": format!("{text} Reprinted."), "date": "2020-05-01"}),
        ],
    );
    let out_path = dir.path().join("kept.jsonl");
    let out = run(&[
        "dedup",
        &file,
        "--date-field",
        "date",
        "--keep",
        "earliest",
        "-o",
        out_path.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let kept = std::fs::read_to_string(&out_path).unwrap();
    let ids: Vec<String> = kept
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["early"]);
    // Without dates, --keep earliest is refused.
    let out = run(&["dedup", &file, "--keep", "earliest", "-o", out_path.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--keep earliest needs dates"));
}
