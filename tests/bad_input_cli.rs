//! The bad-input catalogue (README, "Bad input") through the real binary:
//! every message on stderr names the file (and the JSONL line) and what was
//! done, the good documents around the bad ones are still read, paired and
//! reported, and the run exits 2. Then escaping: ids and paths holding
//! ESC, CR, BEL and bidirectional overrides reach neither stdout nor stderr
//! raw.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use flate2::write::GzEncoder;
use flate2::Compression;

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

fn reprint(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reprint"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("reprint starts");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("reprint finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// A paragraph long enough to pair (40 distinct words).
fn story(topic: &str) -> String {
    format!(
        "The {topic} committee met on Tuesday evening to discuss the budget for next year, and after a \
         long debate the members agreed to fund the new library wing, repair the old bridge over the \
         river, and hire two more teachers for the primary school in the village"
    )
}

/// The stderr line for `location`, which must be there once.
fn line_for<'a>(stderr: &'a str, location: &str) -> &'a str {
    let found: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&format!("{location}: "))).collect();
    assert_eq!(found.len(), 1, "one line for {location:?} in:\n{stderr}");
    found[0]
}

fn ids(report: &serde_json::Value) -> Vec<String> {
    report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["id"].as_str().unwrap().into())
        .collect()
}

fn pairs(report: &serde_json::Value) -> Vec<(String, String)> {
    report["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| (p["a"].as_str().unwrap().into(), p["b"].as_str().unwrap().into()))
        .collect()
}

/// Every kind of bad input at once, between good documents that pair with
/// each other across the bad ones.
#[test]
fn every_bad_input_is_named_and_every_good_document_reported() {
    let dir = tempdir();
    let d = dir.path().join("docs");
    fs::create_dir_all(&d).expect("mkdir");
    let r = d.to_str().expect("UTF-8 path").to_string();
    let body = story("parish");
    fs::write(d.join("01_good.txt"), &body).expect("write");
    // Invalid UTF-8: a Latin-1 byte in the middle.
    let mut latin1 = story("town").into_bytes();
    latin1.extend_from_slice(b" caf\xe9");
    fs::write(d.join("02_latin1.txt"), latin1).expect("write");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(story("county").encode_utf16().flat_map(u16::to_le_bytes));
    fs::write(d.join("03_utf16.txt"), utf16).expect("write");
    fs::write(d.join("04_binary.bin"), b"GIF89a\x01\0\x01\0\0\0\0;").expect("write");
    fs::write(d.join("05_empty.txt"), "").expect("write");
    fs::write(d.join("06_crlf.txt"), body.replace(", ", ",\r\n")).expect("write");
    let locked = d.join("07_locked.txt");
    fs::write(&locked, story("secret")).expect("write");
    fs::write(d.join("08_good.txt"), story("county")).expect("write");

    let jsonl = dir.path().join("records.jsonl");
    let records = [
        serde_json::json!({"id": "j1", "text": story("town")}).to_string(),
        r#"{"id":"broken","text":"no end"#.into(),
        r#"{"id":"notext"}"#.into(),
        r#"{"id":"numtext","text":7}"#.into(),
        serde_json::json!({"id": "j1", "text": "a second j1"}).to_string(),
        serde_json::json!({"id": "j2", "text": story("parish")}).to_string(),
    ];
    fs::write(&jsonl, records.join("\r\n") + "\r\n").expect("write");
    let j = jsonl.to_str().unwrap();

    let gz = dir.path().join("cut.jsonl.gz");
    let many: String =
        (0..3000).map(|i| format!("{{\"id\":\"g{i}\",\"text\":\"record {i} x{}\"}}\n", i * 7919)).collect();
    let whole = gzip(many.as_bytes());
    fs::write(&gz, &whole[..whole.len() / 2]).expect("write");
    let g = gz.to_str().unwrap();
    let after = dir.path().join("after.txt");
    fs::write(&after, story("borough")).expect("write");

    #[cfg(unix)]
    let locked_binds = {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
        // Root reads regardless of permissions.
        fs::read(&locked).is_err()
    };
    #[cfg(not(unix))]
    let locked_binds = false;

    let out = reprint(&["scan", &r, j, g, after.to_str().unwrap(), "--format", "json", "--quiet"], b"");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "skipped input exits 2:\n{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the report is still written");

    // What stderr says, one line per problem, each naming the place.
    assert!(line_for(&stderr, &format!("{r}/02_latin1.txt"))
        .ends_with("invalid UTF-8, decoded with replacement characters"));
    assert!(line_for(&stderr, &format!("{r}/03_utf16.txt")).ends_with("decoded as UTF-16LE"));
    assert!(line_for(&stderr, &format!("{r}/04_binary.bin"))
        .ends_with("binary file (NUL byte at offset 7), skipped"));
    assert!(line_for(&stderr, &format!("{j}:2")).contains(": invalid JSON: "));
    assert!(line_for(&stderr, &format!("{j}:2")).ends_with(", skipped"));
    assert!(line_for(&stderr, &format!("{j}:3")).contains("missing text field \"text\" (its fields: "));
    assert!(line_for(&stderr, &format!("{j}:4"))
        .ends_with("text field \"text\" is not a string but a number, skipped"));
    assert!(line_for(&stderr, &format!("{j}:5"))
        .ends_with(&format!("duplicate id \"j1\" (first seen at {j}:1), skipped")));
    let cut = line_for(&stderr, g);
    assert!(cut.contains("gzip stream truncated or corrupt after line "), "{cut}");
    assert!(cut.ends_with("rest of file skipped"), "{cut}");
    let kept_from_gz: usize = cut
        .split("after line ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .expect("the line number of the cut");
    assert!(kept_from_gz > 0 && kept_from_gz < 3000, "{cut}");
    if locked_binds {
        let l = line_for(&stderr, &format!("{r}/07_locked.txt"));
        assert!(l.contains("cannot read: ") && l.contains("os error 13") && l.ends_with("skipped"), "{l}");
    }
    // Nothing else: empty and CRLF files are fine, and say nothing.
    let expected_lines = 8 + usize::from(locked_binds);
    assert_eq!(stderr.lines().count(), expected_lines, "{stderr}");

    // Every good document is read, in input order, the bad ones are not.
    let mut want: Vec<String> =
        ["01_good.txt", "02_latin1.txt", "03_utf16.txt", "05_empty.txt", "06_crlf.txt"]
            .iter()
            .map(|f| format!("{r}/{f}"))
            .collect();
    if !locked_binds {
        want.push(format!("{r}/07_locked.txt"));
    }
    want.push(format!("{r}/08_good.txt"));
    want.extend(["j1".to_string(), "j2".to_string()]);
    want.extend((0..kept_from_gz).map(|i| format!("g{i}")));
    want.push(after.to_str().unwrap().to_string());
    assert_eq!(ids(&report), want);
    let skipped = 6 + usize::from(locked_binds);
    assert_eq!(report["stats"]["skipped"].as_u64(), Some(skipped as u64));
    assert_eq!(report["stats"]["warnings"].as_u64(), Some(2));
    assert_eq!(report["stats"]["empty_documents"].as_u64(), Some(1));

    // And compared: the good documents pair across the bad ones (CRLF text
    // is the same words as LF text; the decoded files pair with their JSONL
    // and text twins).
    let found = pairs(&report);
    for (a, b) in [
        (format!("{r}/01_good.txt"), format!("{r}/06_crlf.txt")),
        (format!("{r}/01_good.txt"), "j2".to_string()),
        (format!("{r}/02_latin1.txt"), "j1".to_string()),
        (format!("{r}/03_utf16.txt"), format!("{r}/08_good.txt")),
    ] {
        assert!(found.contains(&(a.clone(), b.clone())), "no pair {a} / {b} in {found:?}");
    }
    let crlf_exact = report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["b"] == format!("{r}/06_crlf.txt").as_str())
        .expect("the CRLF pair");
    assert_eq!(crlf_exact["kind"], "exact");
}

/// JSONL on stdin names `<stdin>:LINE`; dedup keeps going past bad lines too.
#[test]
fn stdin_and_dedup_name_the_bad_line_and_keep_the_rest() {
    let input = format!(
        "{}\n{{oops\n{}\n\n{{\"id\":\"t\",\"text\":null}}\n",
        serde_json::json!({"id": "x", "text": story("river")}),
        serde_json::json!({"id": "y", "text": story("river")})
    );
    let out = reprint(&["scan", "-", "--format", "json", "--quiet"], input.as_bytes());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(line_for(&stderr, "<stdin>:2").contains("invalid JSON"), "{stderr}");
    assert!(line_for(&stderr, "<stdin>:5").ends_with("text field \"text\" is not a string but null, skipped"));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(ids(&report), ["x", "y"]);
    assert_eq!(pairs(&report), [("x".to_string(), "y".to_string())]);

    let dir = tempdir();
    let kept = dir.path().join("kept.jsonl");
    let out = reprint(&["dedup", "-", "-o", kept.to_str().unwrap()], input.as_bytes());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(line_for(&stderr, "<stdin>:2").contains("invalid JSON"), "{stderr}");
    assert!(stderr.contains("kept 1 of 2 documents"), "{stderr}");
    let kept = fs::read_to_string(&kept).expect("dedup output");
    assert_eq!(kept.lines().count(), 1);
    assert!(kept.contains("\"id\":\"x\""), "{kept}");
}

// ---- escaping ----

/// Characters that must not reach a terminal raw.
const HOSTILE: [char; 6] = ['\x1b', '\r', '\x07', '\u{202e}', '\u{2066}', '\u{9b}'];

fn assert_clean(what: &str, out: &str) {
    for c in HOSTILE {
        assert!(!out.contains(c), "{c:?} reaches the terminal in {what}:\n{out:?}");
    }
}

#[test]
fn hostile_ids_are_escaped_in_the_scan_table_and_in_diagnostics() {
    let evil_a = "a\x1b[31m\x1b]0;pwned\x07\u{202e}txt.exe";
    let evil_b = "b\r\u{2066}over\u{9b}2J";
    let body = story("harbour");
    let input = format!(
        "{}\n{}\n{}\n",
        serde_json::json!({"id": evil_a, "text": body}),
        serde_json::json!({"id": evil_b, "text": body}),
        serde_json::json!({"id": evil_a, "text": "again"}),
    );
    let out = reprint(&["scan", "-"], input.as_bytes());
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "the duplicate id is skipped: {stderr}");
    assert_clean("scan's table", &stdout);
    assert_clean("scan's stderr", &stderr);
    // The ids are there, escaped.
    assert!(stdout.contains("a\\u{1b}[31m\\u{1b}]0;pwned\\u{7}\\u{202e}txt.exe"), "{stdout}");
    assert!(stdout.contains("b\\u{d}\\u{2066}over\\u{9b}2J"), "{stdout}");
    assert!(stdout.contains("exact"), "{stdout}");
    assert!(line_for(&stderr, "<stdin>:3").contains("duplicate id"), "{stderr}");
    assert!(stderr.contains("\\u{1b}"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn hostile_file_names_are_escaped_on_stderr_and_in_compare() {
    let dir = tempdir();
    let root = dir.path().join("d");
    fs::create_dir_all(&root).expect("mkdir");
    let bad_name = "bin\x1b[2J\r\x07\u{202e}gpj.exe";
    fs::write(root.join(bad_name), b"\0binary").expect("write");
    let good_a = root.join("a\x1b[1m\u{202e}.txt");
    fs::write(&good_a, story("valley")).expect("write");
    fs::write(root.join("b.txt"), story("valley")).expect("write");
    let r = root.to_str().unwrap();

    let out = reprint(&["scan", r], b"");
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_clean("scan's table", &stdout);
    assert_clean("scan's stderr", &stderr);
    assert!(
        stderr.contains(&format!("{r}/bin\\u{{1b}}[2J\\u{{d}}\\u{{7}}\\u{{202e}}gpj.exe: binary file")),
        "{stderr}"
    );
    assert!(stdout.contains("a\\u{1b}[1m\\u{202e}.txt"), "{stdout}");

    // compare: the passage view and its errors.
    let b = root.join("b.txt");
    let out = reprint(&["compare", good_a.to_str().unwrap(), b.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_clean("compare's view", &text(&out.stdout));
    let missing = root.join("gone\x1b[31m\u{202e}.txt");
    let out = reprint(&["compare", missing.to_str().unwrap(), b.to_str().unwrap()], b"");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_clean("compare's error", &stderr);
    assert!(stderr.contains("gone\\u{1b}[31m\\u{202e}.txt"), "{stderr}");

    // An output path that cannot be created: the error names it, escaped.
    let nowhere = root.join("no\x1b[5mdir/\u{202e}out.json");
    let out = reprint(&["scan", &format!("{r}/b.txt"), "--output", nowhere.to_str().unwrap()], b"");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_clean("an output error", &stderr);
    assert!(stderr.contains("no\\u{1b}[5mdir/\\u{202e}out.json"), "{stderr}");
}

/// Machine formats keep ids exactly: JSON escapes control characters its
/// own way, CSV quotes per RFC 4180, and both read back to the same ids.
#[test]
fn hostile_ids_round_trip_through_json_and_csv() {
    let evil = "q\"uote,comma\r\nnew\x1b[31m\u{202e}";
    let body = story("mill");
    let input = format!(
        "{}\n{}\n",
        serde_json::json!({"id": evil, "text": body}),
        serde_json::json!({"id": "plain", "text": body}),
    );
    let out = reprint(&["scan", "-", "--format", "json", "--quiet"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json = text(&out.stdout);
    assert!(!json.contains('\x1b') && !json.contains('\r'), "raw control characters in JSON");
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(pairs(&report), [(evil.to_string(), "plain".to_string())]);

    let out = reprint(&["scan", "-", "--format", "csv", "--quiet"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut rows = csv::Reader::from_reader(&out.stdout[..]);
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][0], &rows[0][1], &rows[0][2]), (evil, "plain", "exact"));
}

#[test]
fn a_missing_input_names_itself_and_the_rest_is_read() {
    let dir = tempdir();
    let here = dir.path().join("here.txt");
    fs::write(&here, story("fen")).expect("write");
    let twin = dir.path().join("twin.txt");
    fs::write(&twin, story("fen")).expect("write");
    let gone = dir.path().join("gone.txt");
    let out = reprint(
        &["scan", here.to_str().unwrap(), gone.to_str().unwrap(), twin.to_str().unwrap(), "--format", "json"],
        b"",
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let l = line_for(&stderr, gone.to_str().unwrap());
    assert!(l.contains("cannot read: ") && l.contains("os error 2") && l.ends_with("skipped"), "{l}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(pairs(&report).len(), 1);
    assert!(Path::new(&here).exists());
}
