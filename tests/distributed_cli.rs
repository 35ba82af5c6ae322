//! `reprint sketch` + a naive grouping done here + `reprint align-pairs`
//! give what `reprint scan` gives: the contract an engine such as Spark
//! relies on.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::{corpus, run_with_stdin, seed};
use serde_json::{json, Value};

const MAX_BUCKET: usize = 64;
const MAX_DF: usize = 50;
const MIN_SHARED: usize = 3;
// The rewrite path's defaults.
const REWRITE_MAX_DF: usize = 10;
const REWRITE_MIN_SHARED: usize = 7;

fn jsonl(docs: &[(String, String)]) -> Vec<u8> {
    docs.iter()
        .map(|(id, text)| json!({"id": id, "text": text}).to_string() + "\n")
        .collect::<String>()
        .into()
}

fn lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

/// Candidate pairs (document numbers, `a < b`) from sketch records, grouped
/// the way the documentation of `reprint::distributed` says an engine must.
fn naive_pairs(records: &[Value]) -> BTreeSet<(usize, usize)> {
    // Exact copies: only the first of each content goes on.
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if r["words"].as_u64() != Some(0) {
            groups.entry(r["content"].as_str().unwrap()).or_default().push(i);
        }
    }
    let firsts: Vec<usize> = groups.values().map(|g| g[0]).collect();
    let mut found = BTreeSet::new();
    // LSH buckets, keyed by band number and key.
    let mut buckets: HashMap<(usize, &str), Vec<usize>> = HashMap::new();
    for &d in &firsts {
        for (band, key) in records[d]["bands"].as_array().unwrap().iter().enumerate() {
            buckets.entry((band, key.as_str().unwrap())).or_default().push(d);
        }
    }
    for mut bucket in buckets.into_values() {
        bucket.sort_unstable();
        if bucket.len() <= MAX_BUCKET {
            for (x, &i) in bucket.iter().enumerate() {
                found.extend(bucket[x + 1..].iter().map(|&j| (i, j)));
            }
        } else {
            for w in bucket.windows(2) {
                found.insert((bucket[0], w[1]));
                found.insert((w[0], w[1]));
            }
        }
    }
    // Fingerprints held by 2..=max_df documents, counted per pair: those
    // of the exact path and those of the rewrite path.
    for (field, max_df, min_shared) in
        [("fingerprints", MAX_DF, MIN_SHARED), ("rewrite_fingerprints", REWRITE_MAX_DF, REWRITE_MIN_SHARED)]
    {
        let mut holders: HashMap<u64, Vec<usize>> = HashMap::new();
        for &d in &firsts {
            for f in records[d][field].as_array().unwrap() {
                holders.entry(f.as_u64().unwrap()).or_default().push(d);
            }
        }
        let mut shared: HashMap<(usize, usize), usize> = HashMap::new();
        for mut docs in holders.into_values().filter(|h| h.len() >= 2 && h.len() <= max_df) {
            docs.sort_unstable();
            for (x, &i) in docs.iter().enumerate() {
                for &j in &docs[x + 1..] {
                    *shared.entry((i, j)).or_default() += 1;
                }
            }
        }
        found.extend(shared.into_iter().filter(|&(_, n)| n >= min_shared).map(|(p, _)| p));
    }
    found.retain(|&(a, b)| a != b);
    // Copies stand for their first (all groups here are small).
    let members: HashMap<usize, &Vec<usize>> = groups.values().map(|g| (g[0], g)).collect();
    let mut out = BTreeSet::new();
    for (a, b) in found {
        for &x in members[&a] {
            for &y in members[&b] {
                out.insert((x.min(y), x.max(y)));
            }
        }
    }
    for g in groups.values() {
        for (x, &i) in g.iter().enumerate() {
            out.extend(g[x + 1..].iter().map(|&j| (i, j)));
        }
    }
    out
}

/// Runs sketch, the naive grouping and align-pairs; returns the pairs.
fn distributed(docs: &[(String, String)], extra: &[&str]) -> Vec<Value> {
    let sketch = run_with_stdin(&[&["sketch"], extra].concat(), &jsonl(docs));
    assert_eq!(sketch.status.code(), Some(0), "{}", String::from_utf8_lossy(&sketch.stderr));
    let records = lines(&sketch.stdout);
    assert_eq!(records.len(), docs.len());
    let params = records[0]["params"].as_str().unwrap().to_string();
    let mut input = String::new();
    for (a, b) in naive_pairs(&records) {
        let side = |i: usize| json!({"id": docs[i].0, "text": docs[i].1});
        input += &json!({"a": side(a), "b": side(b), "params": params}).to_string();
        input.push('\n');
    }
    let aligned = run_with_stdin(&[&["align-pairs"], extra].concat(), input.as_bytes());
    assert_eq!(aligned.status.code(), Some(0), "{}", String::from_utf8_lossy(&aligned.stderr));
    lines(&aligned.stdout)
        .into_iter()
        .map(|mut p| {
            assert_eq!(p["type"], "pair");
            p.as_object_mut().unwrap().remove("type");
            p
        })
        .collect()
}

fn scan_pairs(docs: &[(String, String)], extra: &[&str]) -> Vec<Value> {
    let out = run_with_stdin(&[&["scan", "-", "--format", "json", "-q"], extra].concat(), &jsonl(docs));
    let report: Value = serde_json::from_slice(&out.stdout).expect("scan JSON");
    report["pairs"].as_array().unwrap().clone()
}

fn seeds_with_copies() -> Vec<(String, String)> {
    let mut docs: Vec<(String, String)> = (0..5).map(|i| (format!("seed{i}"), seed(i))).collect();
    docs.push(("copy-of-2".into(), seed(2).to_uppercase()));
    docs.push(("empty".into(), " ... ".into()));
    docs.push(("copy-of-2-again".into(), seed(2)));
    docs
}

#[test]
fn seeds_give_the_same_pairs_as_scan() {
    let docs = seeds_with_copies();
    let want = scan_pairs(&docs, &[]);
    assert!(want.iter().any(|p| p["kind"] == "reuse"));
    assert!(want.iter().any(|p| p["kind"] == "exact"));
    let mut got = distributed(&docs, &[]);
    // Pairs come in the order they were given, which is (a, b) order here.
    got.sort_by_key(|p| {
        let idx = |v: &Value| docs.iter().position(|(id, _)| v == id).unwrap();
        (idx(&p["a"]), idx(&p["b"]))
    });
    assert_eq!(got, want);
}

#[test]
fn generated_corpus_gives_the_same_pairs_as_scan() {
    let docs = corpus(300, 9);
    // The rewrite path finds pairs of its own here, so the grouping of its
    // fingerprints is checked too.
    assert!(scan_pairs(&docs, &[]).len() > scan_pairs(&docs, &["--no-rewrites"]).len());
    for extra in [&[][..], &["--no-rewrites"][..], &["--mode", "near", "--threshold", "0.7"][..]] {
        let want = scan_pairs(&docs, extra);
        assert!(want.iter().filter(|p| p["kind"] == "near-duplicate").count() > 10);
        let mut got = distributed(&docs, extra);
        got.sort_by_key(|p| (p["a"].as_str().unwrap().to_string(), p["b"].as_str().unwrap().to_string()));
        assert_eq!(got.len(), want.len(), "{extra:?}");
        assert_eq!(got, want, "{extra:?}");
    }
}

#[test]
fn mismatched_parameters_are_refused() {
    let docs = seeds_with_copies();
    let sketch = run_with_stdin(&["sketch"], &jsonl(&docs[..1]));
    let params = lines(&sketch.stdout)[0]["params"].as_str().unwrap().to_string();
    let pair =
        json!({"a": {"id": "x", "text": seed(0)}, "b": {"id": "y", "text": seed(0)}, "params": params});
    let input = pair.to_string() + "\n";
    let ok = run_with_stdin(&["align-pairs"], input.as_bytes());
    assert_eq!(ok.status.code(), Some(0));
    let refused = run_with_stdin(&["align-pairs", "--threshold", "0.6"], input.as_bytes());
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("parameters differ"));
    assert!(refused.stdout.is_empty());
    let refused =
        run_with_stdin(&["sketch", "--max-df", "7", "--expect-params", &params], &jsonl(&docs[..1]));
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("parameters differ"));
    let shown = run_with_stdin(&["sketch", "--show-params"], b"");
    assert_eq!(lines(&shown.stdout)[0]["params"], params);
}

#[test]
fn bad_lines_are_skipped_with_exit_code_2() {
    let input =
        b"not json\n{\"id\": 3, \"text\": \"one two three four five six\"}\n{\"id\": [1], \"text\": \"x\"}\n\
                  {\"id\": \"t\", \"text\": 5}\n\n";
    let out = run_with_stdin(&["sketch"], input);
    assert_eq!(out.status.code(), Some(2));
    let records = lines(&out.stdout);
    assert_eq!(records.len(), 1);
    assert_eq!((records[0]["id"].as_str(), records[0]["words"].as_u64()), (Some("3"), Some(6)));
    assert_eq!(String::from_utf8_lossy(&out.stderr).matches("skipped").count(), 3);
    let pairs = b"{\"a\": 1}\n{\"a\": {\"id\": \"x\", \"text\": \"\"}, \"b\": {\"id\": \"y\", \"text\": \"\"}}\n\xff\n";
    let out = run_with_stdin(&["align-pairs"], pairs);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn sketch_checks_dates_and_align_pairs_gives_the_origin_as_scan_does() {
    // sketch --date-field: each line says the date as read, or why not.
    let input = concat!(
        r#"{"id": "a", "text": "one two three four five six", "date": " 2024-03-01T10:00:00+02:00 "}"#,
        "\n",
        r#"{"id": "b", "text": "one two three", "date": "yesterday"}"#,
        "\n",
        r#"{"id": "c", "text": "one two three", "date": 20240301}"#,
        "\n",
        r#"{"id": "d", "text": "one two three"}"#,
        "\n",
    );
    let out = run_with_stdin(&["sketch", "--date-field", "date"], input.as_bytes());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let records = lines(&out.stdout);
    assert_eq!(records[0]["date"], "2024-03-01T10:00:00+02:00");
    assert!(records[0].get("date_problem").is_none());
    assert!(records[1]["date_problem"].as_str().unwrap().contains("not an ISO 8601 date"), "{}", records[1]);
    assert!(records[2]["date_problem"].as_str().unwrap().contains("a number"), "{}", records[2]);
    assert!(records[3].get("date").is_none() && records[3].get("date_problem").is_none());
    // Without the flag, the sketch line is as before.
    let plain = lines(&run_with_stdin(&["sketch"], input.as_bytes()).stdout);
    assert!(plain[0].get("date").is_none());
    assert_eq!(plain[0]["bands"], records[0]["bands"]);

    // align-pairs reads optional dates and sources: the same pair lines,
    // origins included, as a scan of the same documents with dates.
    let docs = [("x", seed(1), "2024-03-05", "beta.example"), ("y", seed(0), "2024-03-01", "alpha.example")];
    let pair = json!({
        "a": {"id": docs[0].0, "text": docs[0].1, "date": docs[0].2, "source": docs[0].3},
        "b": {"id": docs[1].0, "text": docs[1].1, "date": docs[1].2, "source": docs[1].3},
    });
    let out = run_with_stdin(&["align-pairs", "--origin"], format!("{pair}\n").as_bytes());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = String::from_utf8(out.stdout).unwrap();
    let scanned: String = docs
        .iter()
        .map(|(id, text, date, site)| {
            json!({"id": id, "text": text, "date": date, "site": site}).to_string() + "\n"
        })
        .collect();
    let scan = run_with_stdin(
        &["scan", "-", "--format", "jsonl", "--date-field", "date", "--source-field", "site"],
        scanned.as_bytes(),
    );
    let want: Vec<&str> = std::str::from_utf8(&scan.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains(r#""type":"pair""#))
        .collect();
    assert_eq!(got.lines().collect::<Vec<_>>(), want);
    let p: Value = serde_json::from_str(want[0]).unwrap();
    assert_eq!((p["origin"].as_str(), p["origin_evidence"].as_str()), (Some("b"), Some("date")));

    // A pair line without dates, and a run without --origin: as before.
    let old = json!({"a": {"id": "x", "text": docs[0].1}, "b": {"id": "y", "text": docs[1].1}});
    let out = lines(&run_with_stdin(&["align-pairs"], format!("{old}\n{pair}\n").as_bytes()).stdout);
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|p| p.get("origin").is_none()), "{out:?}");
    assert_eq!(out[0], out[1]);
}
