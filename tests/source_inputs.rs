//! Reading inputs end to end through `reprint::source::read_inputs`: every
//! kind of input, and every kind of bad input, with the good documents
//! around the bad ones still read.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use flate2::write::GzEncoder;
use flate2::Compression;
use reprint::source::{read_inputs, Diagnostic, Document, Loaded, ReadOptions};

fn read(inputs: &[&Path]) -> Loaded {
    read_with(inputs, &ReadOptions::default())
}

fn read_with(inputs: &[&Path], options: &ReadOptions) -> Loaded {
    let inputs: Vec<PathBuf> = inputs.iter().map(|p| p.to_path_buf()).collect();
    read_inputs(&inputs, options)
}

/// A path as the reader names it.
fn name(path: &Path) -> String {
    path.display().to_string()
}

fn ids(loaded: &Loaded) -> Vec<&str> {
    loaded.documents.iter().map(|d| d.id.as_str()).collect()
}

fn doc<'a>(loaded: &'a Loaded, id: &str) -> &'a Document {
    match loaded.documents.iter().find(|d| d.id == id) {
        Some(d) => d,
        None => panic!("no document {id:?} in {:?}", ids(loaded)),
    }
}

/// Asserts a diagnostic's location, a part of its message, and its flag.
fn assert_diag(diag: &Diagnostic, location: &str, message_part: &str, skipped: bool) {
    assert_eq!(diag.location, location, "{diag:?}");
    assert!(diag.message.contains(message_part), "{diag:?} lacks {message_part:?}");
    assert_eq!(diag.skipped, skipped, "{diag:?}");
    assert!(!diag.message.ends_with('.'), "{diag:?}");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

fn write(path: &Path, data: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create directory");
    }
    fs::write(path, data).expect("write file");
}

#[test]
fn a_text_file_is_one_document_kept_byte_for_byte() {
    let dir = tempdir();
    let path = dir.path().join("note.txt");
    write(&path, "line one\r\nline two\n\n  trailing  ");
    let loaded = read(&[&path]);
    assert_eq!(loaded.documents, [Document::new(name(&path), "line one\r\nline two\n\n  trailing  ")]);
    assert!(loaded.diagnostics.is_empty());
}

#[test]
fn directories_are_walked_recursively_in_byte_wise_name_order() {
    let dir = tempdir();
    let root = dir.path().join("docs");
    for (rel, text) in [
        ("b.txt", "b"),
        ("a.txt", "a"),
        ("B.txt", "upper b"),
        ("m/z.txt", "m z"),
        ("m/deeper/x.txt", "m deeper x"),
        ("m/a.txt", "m a"),
        ("c.txt", "c"),
        ("a.txt.bak", "a bak"),
    ] {
        write(&root.join(rel), text);
    }
    let loaded = read(&[&root]);
    let r = name(&root);
    let want: Vec<String> =
        ["B.txt", "a.txt", "a.txt.bak", "b.txt", "c.txt", "m/a.txt", "m/deeper/x.txt", "m/z.txt"]
            .iter()
            .map(|rel| format!("{r}/{rel}"))
            .collect();
    assert_eq!(ids(&loaded), want);
    assert_eq!(doc(&loaded, &format!("{r}/m/deeper/x.txt")).text, "m deeper x");
    for d in &loaded.documents {
        assert_eq!(d.id, d.origin);
        assert_eq!(d.record, None);
    }
    assert!(loaded.diagnostics.is_empty());

    // The same with a trailing slash on the argument: paths are joined.
    let with_slash = PathBuf::from(format!("{r}/"));
    assert_eq!(ids(&read(&[&with_slash])), want);
}

#[test]
fn inputs_are_read_in_argument_order_with_jsonl_inside_directories() {
    let dir = tempdir();
    let root = dir.path().join("mixed");
    write(&root.join("1.txt"), "one");
    write(&root.join("2.jsonl"), "{\"id\":\"j1\",\"text\":\"two\"}\n");
    write(&root.join("3.txt"), "three");
    let single = dir.path().join("0.txt");
    write(&single, "zero");
    let loaded = read(&[&root, &single]);
    let r = name(&root);
    assert_eq!(ids(&loaded), [format!("{r}/1.txt"), "j1".into(), format!("{r}/3.txt"), name(&single)]);
    assert_eq!(doc(&loaded, "j1").origin, format!("{r}/2.jsonl:1"));
}

#[cfg(unix)]
#[test]
fn a_directory_symlink_loop_is_reported_and_the_walk_goes_on() {
    let dir = tempdir();
    let root = dir.path().join("tree");
    write(&root.join("a.txt"), "a");
    write(&root.join("sub/b.txt"), "b");
    write(&root.join("z.txt"), "z");
    std::os::unix::fs::symlink(&root, root.join("sub/loop")).expect("symlink");
    // A symlink to a file is followed and read under its own name.
    std::os::unix::fs::symlink(root.join("a.txt"), root.join("link.txt")).expect("symlink");

    let loaded = read(&[&root]);
    let r = name(&root);
    assert_eq!(
        ids(&loaded),
        [format!("{r}/a.txt"), format!("{r}/link.txt"), format!("{r}/sub/b.txt"), format!("{r}/z.txt")]
    );
    assert_eq!(doc(&loaded, &format!("{r}/link.txt")).text, "a");
    assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
    assert_diag(&loaded.diagnostics[0], &format!("{r}/sub/loop"), "symlink loop", true);
}

#[cfg(unix)]
#[test]
fn a_broken_symlink_in_a_directory_is_reported() {
    let dir = tempdir();
    let root = dir.path().join("tree");
    write(&root.join("a.txt"), "a");
    std::os::unix::fs::symlink(root.join("gone"), root.join("dangling")).expect("symlink");
    let loaded = read(&[&root]);
    assert_eq!(ids(&loaded), [format!("{}/a.txt", name(&root))]);
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_diag(&loaded.diagnostics[0], &format!("{}/dangling", name(&root)), "cannot read", true);
}

#[test]
fn jsonl_records_give_ids_origins_texts_and_raw_records() {
    let dir = tempdir();
    let path = dir.path().join("recs.jsonl");
    let lines = [
        r#"{"id":"alpha","text":"first","extra":{"nested":[1,2]}}"#,
        "",
        "   \t ",
        r#"{"text":"no id here"}"#,
        r#"{"id":17,"text":"numeric id"}"#,
        r#"{"id":"esc","text":"quote \" and \u00e9 and\nnewline"}"#,
    ];
    write(&path, lines.join("\r\n") + "\r\n");
    let p = name(&path);

    let options = ReadOptions { keep_records: true, ..ReadOptions::default() };
    let loaded = read_with(&[&path], &options);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(ids(&loaded), ["alpha".to_string(), format!("{p}:4"), "17".into(), "esc".into()]);
    let origins: Vec<&str> = loaded.documents.iter().map(|d| d.origin.as_str()).collect();
    assert_eq!(origins, [format!("{p}:1"), format!("{p}:4"), format!("{p}:5"), format!("{p}:6")]);
    assert_eq!(doc(&loaded, "alpha").text, "first");
    assert_eq!(doc(&loaded, "17").text, "numeric id");
    assert_eq!(doc(&loaded, "esc").text, "quote \" and \u{e9} and\nnewline");
    // The raw line, without its \r\n.
    assert_eq!(doc(&loaded, "alpha").record.as_deref(), Some(lines[0]));
    assert_eq!(doc(&loaded, "esc").record.as_deref(), Some(lines[5]));

    // Without keep_records there is no record.
    let plain = read(&[&path]);
    assert!(plain.documents.iter().all(|d| d.record.is_none()));
    assert_eq!(ids(&plain), ids(&loaded));
}

#[test]
fn jsonl_field_names_are_configurable() {
    let dir = tempdir();
    let path = dir.path().join("custom.ndjson");
    write(&path, "{\"id\":\"ignored\",\"key\":\"k1\",\"body\":\"b1\",\"text\":5}\n{\"body\":\"b2\"}");
    let options = ReadOptions { id_field: "key".into(), text_field: "body".into(), ..ReadOptions::default() };
    let loaded = read_with(&[&path], &options);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(ids(&loaded), ["k1".to_string(), format!("{}:2", name(&path))]);
    assert_eq!(doc(&loaded, "k1").text, "b1");
}

#[test]
fn gzipped_jsonl_is_read_including_several_members() {
    let dir = tempdir();
    let a = dir.path().join("a.jsonl.gz");
    let b = dir.path().join("b.ndjson.gz");
    fs::write(&a, gzip(b"{\"id\":\"g1\",\"text\":\"one\"}\n{\"id\":\"g2\",\"text\":\"two\"}\n"))
        .expect("write");
    let mut two_members = gzip(b"{\"id\":\"m1\",\"text\":\"x\"}\n");
    two_members.extend(gzip(b"{\"id\":\"m2\",\"text\":\"y\"}\n"));
    fs::write(&b, two_members).expect("write");
    let loaded = read(&[&a, &b]);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(ids(&loaded), ["g1", "g2", "m1", "m2"]);
    assert_eq!(doc(&loaded, "g2").origin, format!("{}:2", name(&a)));
    assert_eq!(doc(&loaded, "m2").origin, format!("{}:2", name(&b)));
    assert_eq!(doc(&loaded, "m2").text, "y");
}

#[test]
fn a_truncated_gzip_keeps_the_lines_before_the_cut() {
    let dir = tempdir();
    let path = dir.path().join("cut.jsonl.gz");
    let body: String = (0..5000)
        .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"record number {i} {}\"}}\n", i * 7919))
        .collect();
    let gz = gzip(body.as_bytes());
    fs::write(&path, &gz[..gz.len() / 2]).expect("write");
    let after = dir.path().join("after.txt");
    write(&after, "still read");

    let loaded = read(&[&path, &after]);
    let kept = loaded.documents.len() - 1;
    assert!(kept > 0 && kept < 5000, "kept {kept}");
    for (i, d) in loaded.documents[..kept].iter().enumerate() {
        assert_eq!(d.id, format!("r{i}"));
        assert_eq!(d.origin, format!("{}:{}", name(&path), i + 1));
    }
    assert_eq!(loaded.documents[kept].text, "still read");
    assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
    let want = format!("gzip stream truncated or corrupt after line {kept}");
    assert_diag(&loaded.diagnostics[0], &name(&path), &want, true);

    // A file that is not gzip at all under a .gz name.
    let fake = dir.path().join("fake.jsonl.gz");
    write(&fake, "{\"text\":\"plain\"}\n");
    let loaded = read(&[&fake]);
    assert!(loaded.documents.is_empty());
    assert_diag(&loaded.diagnostics[0], &name(&fake), "gzip stream truncated or corrupt after line 0", true);
}

#[test]
fn bad_jsonl_lines_are_skipped_and_the_good_ones_around_them_read() {
    let dir = tempdir();
    let path = dir.path().join("bad.jsonl");
    let lines = [
        r#"{"id":"ok1","text":"good"}"#,
        r#"{"id":"broken","text":"unterminated"#,
        r#"[1,2,3]"#,
        r#""just a string""#,
        r#"{"id":"notext"}"#,
        r#"{"id":"numtext","text":42}"#,
        r#"{"id":"nulltext","text":null}"#,
        r#"{"id":["x"],"text":"array id"}"#,
        r#"{"id":"ok2","text":"also good"} trailing"#,
        r#"{"id":"ok3","text":"fine"}"#,
    ];
    write(&path, lines.join("\n"));
    let p = name(&path);
    let loaded = read(&[&path]);
    assert_eq!(ids(&loaded), ["ok1", "ok3"]);
    assert_eq!(doc(&loaded, "ok3").origin, format!("{p}:10"));
    let d = &loaded.diagnostics;
    assert_eq!(d.len(), 8, "{d:?}");
    assert_diag(&d[0], &format!("{p}:2"), "invalid JSON: ", true);
    assert_diag(&d[1], &format!("{p}:3"), "invalid JSON: ", true);
    assert_diag(&d[1], &format!("{p}:3"), "expected a JSON object", true);
    assert_diag(&d[2], &format!("{p}:4"), "invalid JSON: ", true);
    assert_diag(&d[3], &format!("{p}:5"), "missing text field \"text\"", true);
    assert_diag(&d[4], &format!("{p}:6"), "text field \"text\" is not a string", true);
    assert_diag(&d[5], &format!("{p}:7"), "text field \"text\" is not a string", true);
    assert_diag(&d[6], &format!("{p}:8"), "id field \"id\" is not a string or number", true);
    assert_diag(&d[7], &format!("{p}:9"), "invalid JSON: trailing characters", true);
    assert_eq!(d[0].to_string(), format!("{p}:2: {}", d[0].message));
}

#[test]
fn invalid_utf8_is_decoded_with_replacement_characters_and_kept() {
    let dir = tempdir();
    let text = dir.path().join("latin1.txt");
    write(&text, b"caf\xe9 au lait");
    let jsonl = dir.path().join("latin1.jsonl");
    write(&jsonl, b"{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\",\"text\":\"na\xefve\"}\n{\"id\":\"c\",\"text\":\"ok\"}\n");
    let options = ReadOptions { keep_records: true, ..ReadOptions::default() };
    let loaded = read_with(&[&text, &jsonl], &options);
    assert_eq!(ids(&loaded), [name(&text), "a".into(), "b".into(), "c".into()]);
    assert_eq!(loaded.documents[0].text, "caf\u{FFFD} au lait");
    assert_eq!(doc(&loaded, "b").text, "na\u{FFFD}ve");
    assert_eq!(doc(&loaded, "b").record.as_deref(), Some("{\"id\":\"b\",\"text\":\"na\u{FFFD}ve\"}"));
    let d = &loaded.diagnostics;
    assert_eq!(d.len(), 2, "{d:?}");
    assert_diag(&d[0], &name(&text), "invalid UTF-8, decoded with replacement characters", false);
    assert_diag(&d[1], &format!("{}:2", name(&jsonl)), "invalid UTF-8", false);
}

#[test]
fn byte_order_marks_pick_the_encoding() {
    let dir = tempdir();
    let utf8 = dir.path().join("utf8bom.txt");
    write(&utf8, b"\xEF\xBB\xBFhello");
    let le = dir.path().join("le.txt");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("h\u{e9}llo \u{1F600}".encode_utf16().flat_map(u16::to_le_bytes));
    write(&le, &bytes);
    let be = dir.path().join("be.txt");
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend("big end".encode_utf16().flat_map(u16::to_be_bytes));
    write(&be, &bytes);
    let lone = dir.path().join("lone.txt");
    write(&lone, [0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0]);
    let jsonl_bom = dir.path().join("bom.jsonl");
    write(&jsonl_bom, b"\xEF\xBB\xBF{\"id\":\"j\",\"text\":\"t\"}\n");

    let jsonl_le = dir.path().join("le.jsonl");
    let mut bytes = vec![0xFF, 0xFE];
    let json = "{\"id\":\"w\",\"text\":\"wide\"}\r\n";
    bytes.extend(json.encode_utf16().flat_map(u16::to_le_bytes));
    write(&jsonl_le, &bytes);

    let loaded = read(&[&utf8, &le, &be, &lone, &jsonl_bom, &jsonl_le]);
    let texts: Vec<&str> = loaded.documents.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(texts, ["hello", "h\u{e9}llo \u{1F600}", "big end", "a\u{FFFD}b", "t", "wide",]);
    let d = &loaded.diagnostics;
    assert_eq!(d.len(), 4, "{d:?}");
    assert_diag(&d[0], &name(&le), "decoded as UTF-16LE", false);
    assert_diag(&d[1], &name(&be), "decoded as UTF-16BE", false);
    assert_diag(&d[2], &name(&lone), "decoded as UTF-16LE", false);
    assert_diag(&d[2], &name(&lone), "replaced", false);
    assert_diag(&d[3], &name(&jsonl_le), "decoded as UTF-16LE", false);
    assert_eq!(doc(&loaded, "w").origin, format!("{}:1", name(&jsonl_le)));
}

#[test]
fn binary_files_are_skipped_and_empty_files_kept() {
    let dir = tempdir();
    let root = dir.path().join("d");
    write(&root.join("a.txt"), "before");
    write(&root.join("b.bin"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    write(&root.join("c.txt"), "");
    write(&root.join("d.txt"), "after");
    let loaded = read(&[&root]);
    let r = name(&root);
    assert_eq!(ids(&loaded), [format!("{r}/a.txt"), format!("{r}/c.txt"), format!("{r}/d.txt")]);
    assert_eq!(doc(&loaded, &format!("{r}/c.txt")).text, "");
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_diag(
        &loaded.diagnostics[0],
        &format!("{r}/b.bin"),
        "binary file (NUL byte at offset 8), skipped",
        true,
    );
    assert!(loaded.any_skipped());
}

#[test]
fn missing_inputs_are_reported_and_the_rest_read() {
    let dir = tempdir();
    let gone = dir.path().join("nope.txt");
    let gone_jsonl = dir.path().join("nope.jsonl");
    let here = dir.path().join("here.txt");
    write(&here, "here");
    let loaded = read(&[&gone, &here, &gone_jsonl]);
    assert_eq!(ids(&loaded), [name(&here)]);
    let d = &loaded.diagnostics;
    assert_eq!(d.len(), 2);
    assert_diag(&d[0], &name(&gone), "cannot read: ", true);
    assert_diag(&d[0], &name(&gone), "os error 2", true);
    assert_diag(&d[1], &name(&gone_jsonl), "os error 2", true);
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_directories_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let root = dir.path().join("perm");
    write(&root.join("a.txt"), "a");
    write(&root.join("b.txt"), "secret");
    write(&root.join("closed/c.txt"), "c");
    write(&root.join("d.txt"), "d");
    let locked = root.join("b.txt");
    let closed = root.join("closed");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o000)).expect("chmod");
    // Root (and CAP_DAC_OVERRIDE) reads regardless of permissions; there the
    // files are simply read, which the second branch checks instead.
    let permissions_bind = fs::read(&locked).is_err();

    let loaded = read(&[&root]);
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o755)).expect("chmod back");
    let r = name(&root);
    if permissions_bind {
        assert_eq!(ids(&loaded), [format!("{r}/a.txt"), format!("{r}/d.txt")]);
        let d = &loaded.diagnostics;
        assert_eq!(d.len(), 2, "{d:?}");
        assert_diag(&d[0], &format!("{r}/b.txt"), "cannot read: ", true);
        assert_diag(&d[0], &format!("{r}/b.txt"), "os error 13", true);
        assert_diag(&d[1], &format!("{r}/closed"), "os error 13", true);
    } else {
        assert_eq!(
            ids(&loaded),
            [format!("{r}/a.txt"), format!("{r}/b.txt"), format!("{r}/closed/c.txt"), format!("{r}/d.txt")]
        );
        assert!(loaded.diagnostics.is_empty());
    }
}

#[cfg(unix)]
#[test]
fn special_files_inside_directories_are_skipped() {
    let dir = tempdir();
    let root = dir.path().join("fifo");
    write(&root.join("a.txt"), "a");
    let fifo = root.join("pipe");
    match Command::new("mkfifo").arg(&fifo).status() {
        Ok(status) if status.success() => {}
        // No mkfifo here: nothing to test.
        _ => return,
    }
    let loaded = read(&[&root]);
    assert_eq!(ids(&loaded), [format!("{}/a.txt", name(&root))]);
    assert_diag(&loaded.diagnostics[0], &name(&fifo), "not a regular file, skipped", true);
}

#[test]
fn duplicate_ids_keep_the_first_and_name_both_places() {
    let dir = tempdir();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl.gz");
    write(&a, "{\"id\":\"same\",\"text\":\"first\"}\n{\"id\":\"7\",\"text\":\"seven\"}\n");
    fs::write(&b, gzip(b"{\"id\":\"other\",\"text\":\"x\"}\n{\"id\":\"same\",\"text\":\"second\"}\n{\"id\":7,\"text\":\"number seven\"}\n")).expect("write");
    let txt = dir.path().join("t.txt");
    write(&txt, "text file");
    // The same file twice: its id (its path) repeats.
    let loaded = read(&[&a, &b, &txt, &txt]);
    assert_eq!(ids(&loaded), ["same".to_string(), "7".into(), "other".into(), name(&txt)]);
    assert_eq!(doc(&loaded, "same").text, "first");
    let d = &loaded.diagnostics;
    assert_eq!(d.len(), 3, "{d:?}");
    let (pa, pb) = (name(&a), name(&b));
    assert_diag(
        &d[0],
        &format!("{pb}:2"),
        &format!("duplicate id \"same\" (first seen at {pa}:1), skipped"),
        true,
    );
    assert_diag(&d[1], &format!("{pb}:3"), &format!("duplicate id \"7\" (first seen at {pa}:2)"), true);
    assert_diag(&d[2], &name(&txt), &format!("(first seen at {})", name(&txt)), true);
}

#[test]
fn a_single_very_long_line_is_read() {
    let dir = tempdir();
    let path = dir.path().join("long.jsonl");
    let text = "word ".repeat(2_000_000);
    write(&path, format!("{{\"id\":\"long\",\"text\":\"{text}\"}}"));
    let loaded = read(&[&path]);
    assert!(loaded.diagnostics.is_empty());
    assert_eq!(doc(&loaded, "long").text.len(), text.len());
}

const STDIN_CHILD: &str = "REPRINT_STDIN_CHILD";

/// Runs the `stdin_child` test in a child process with `data` on its stdin.
fn run_stdin_child(mode: &str, data: &[u8]) {
    let exe = std::env::current_exe().expect("test executable");
    let mut child = Command::new(exe)
        .args(["--exact", "stdin_child", "--nocapture", "--test-threads=1"])
        .env(STDIN_CHILD, mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn test executable");
    let mut stdin = child.stdin.take().expect("child stdin");
    stdin.write_all(data).expect("write child stdin");
    drop(stdin);
    let out = child.wait_with_output().expect("child output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("stdin child ok"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn dash_reads_jsonl_from_stdin() {
    let data = b"{\"id\":\"s1\",\"text\":\"from stdin\"}\r\n\r\n{\"text\":\"no id\"}\nnot json\n";
    run_stdin_child("plain", data);
    run_stdin_child("gzip", &gzip(data));
}

/// The child half of `dash_reads_jsonl_from_stdin`; does nothing unless
/// started by it.
#[test]
fn stdin_child() {
    if std::env::var(STDIN_CHILD).is_err() {
        return;
    }
    let loaded = read(&[Path::new("-")]);
    assert_eq!(ids(&loaded), ["s1", "<stdin>:3"]);
    assert_eq!(doc(&loaded, "s1").origin, "<stdin>:1");
    assert_eq!(doc(&loaded, "s1").text, "from stdin");
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_diag(&loaded.diagnostics[0], "<stdin>:4", "invalid JSON", true);
    println!("stdin child ok");
}
