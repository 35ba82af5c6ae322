//! `reprint eval --pan` on a small PAN-format corpus made here: three
//! subsets, pairs with known truth (verbatim copies, one in non-ASCII text,
//! one in a document with NUL bytes) and pairs with none.

mod common;

use std::fs;
use std::path::Path;

use common::run;
use reprint::pan::{self, Detection, DETECTION_NAME};
use serde_json::Value;

/// `n` sentences of made-up words, different for each `seed`.
fn filler(seed: u64, n: usize, accented: bool) -> String {
    let syllables: &[&str] = if accented {
        &["ré", "ça", "mü", "ño", "lé", "ßa", "dö", "vè", "kø", "ta", "pi", "ro"]
    } else {
        &["ka", "lo", "mi", "ne", "tu", "ra", "so", "ve", "di", "pa", "gu", "ze"]
    };
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut text = String::new();
    for _ in 0..n {
        let words = 8 + next() % 8;
        for w in 0..words {
            let mut word: String = (0..2 + next() % 3).map(|_| syllables[next() % syllables.len()]).collect();
            if w == 0 {
                let first = word.chars().next().expect("a word");
                word = first.to_uppercase().chain(word.chars().skip(1)).collect();
            }
            text += &word;
            text += if w + 1 == words { ". " } else { " " };
        }
    }
    text
}

/// `inner` placed at char `at`-ish (a sentence boundary) of `outer`;
/// returns the text and the char range of `inner` in it.
fn plant(outer: &str, inner: &str, sentence: usize) -> (String, std::ops::Range<usize>) {
    let cut = outer.match_indices(". ").nth(sentence).map(|(i, _)| i + 2).expect("enough sentences");
    let text = format!("{}{inner} {}", &outer[..cut], &outer[cut..]);
    let start = outer[..cut].chars().count();
    (text, start..start + inner.chars().count())
}

struct Built {
    /// (subset, susp, src, truth) per pair.
    pairs: Vec<(&'static str, String, String, Vec<Detection>)>,
}

/// Writes the corpus into `dir`.
fn build(dir: &Path) -> Built {
    for sub in ["susp", "src", "01-no-plagiarism", "02-no-obfuscation", "03-mixed"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let mut built = Built { pairs: Vec::new() };
    let doc = |folder: &str, name: &str, text: &str| fs::write(dir.join(folder).join(name), text).unwrap();

    // 01: unrelated documents.
    for i in 0..2u64 {
        doc("susp", &format!("suspicious-document0000{i}.txt"), &filler(100 + i, 30, false));
        doc("src", &format!("source-document0000{i}.txt"), &filler(200 + i, 30, false));
        built.pairs.push((
            "01-no-plagiarism",
            format!("suspicious-document0000{i}.txt"),
            format!("source-document0000{i}.txt"),
            vec![],
        ));
    }
    // 02: a verbatim copy of a few sentences, ASCII, then non-ASCII.
    for (i, accented) in [(2u64, false), (3, true)] {
        let passage = filler(300 + i, 4, accented);
        let passage = passage.trim_end();
        let (susp, t) = plant(&filler(400 + i, 30, accented), passage, 11);
        let (src, s) = plant(&filler(500 + i, 20, accented), passage, 5);
        doc("susp", &format!("suspicious-document0000{i}.txt"), &susp);
        doc("src", &format!("source-document0000{i}.txt"), &src);
        built.pairs.push((
            "02-no-obfuscation",
            format!("suspicious-document0000{i}.txt"),
            format!("source-document0000{i}.txt"),
            vec![Detection::new(t, s)],
        ));
    }
    // 03: a copy in a document with NUL bytes before it (counted as
    // characters), and a pair without a case whose source is the copy's.
    let passage = filler(604, 5, true);
    let passage = passage.trim_end();
    let noisy = filler(704, 25, true).replacen(' ', " \0", 3);
    let (susp, t) = plant(&noisy, passage, 9);
    let (src, s) = plant(&filler(804, 25, true), passage, 2);
    doc("susp", "suspicious-document00004.txt", &susp);
    doc("src", "source-document00004.txt", &src);
    doc("susp", "suspicious-document00005.txt", &filler(904, 25, false));
    built.pairs.push((
        "03-mixed",
        "suspicious-document00004.txt".into(),
        "source-document00004.txt".into(),
        vec![Detection::new(t, s)],
    ));
    built.pairs.push((
        "03-mixed",
        "suspicious-document00005.txt".into(),
        "source-document00004.txt".into(),
        vec![],
    ));

    // `pairs` files and truth XMLs (attributes in different orders and
    // spacings, as corpora write them); one case-free pair has an empty
    // document, the other none.
    let mut all = String::new();
    for sub in ["01-no-plagiarism", "02-no-obfuscation", "03-mixed"] {
        let mut list = String::new();
        for (k, (_, susp, src, cases)) in built.pairs.iter().filter(|p| p.0 == sub).enumerate() {
            list += &format!("{susp} {src}\n");
            let name = format!("{}-{}.xml", susp.trim_end_matches(".txt"), src.trim_end_matches(".txt"));
            if cases.is_empty() && k == 1 {
                continue;
            }
            let mut xml = format!("<document reference=\"{susp}\">\n<feature name=\"about\" title=\"x\"/>\n");
            for c in cases {
                xml += &if k == 0 {
                    format!(
                        "<feature name=\"plagiarism\" obfuscation=\"none\" source_length=\"{}\" \
                         source_offset=\"{}\" source_reference=\"{src}\" this_length=\"{}\" this_offset=\"{}\" />\n",
                        c.source_length, c.source_offset, c.this_length, c.this_offset
                    )
                } else {
                    format!(
                        "<feature\n  this_offset = '{}'  this_length='{}'\n  name='plagiarism'\n  \
                         source_offset='{}' source_length='{}'></feature>\n",
                        c.this_offset, c.this_length, c.source_offset, c.source_length
                    )
                };
            }
            xml += "</document>\n";
            fs::write(dir.join(sub).join(name), xml).unwrap();
        }
        fs::write(dir.join(sub).join("pairs"), &list).unwrap();
        all += &list;
    }
    fs::write(dir.join("pairs"), all).unwrap();
    built
}

fn chars(text: &str, at: usize, len: usize) -> String {
    text.chars().skip(at).take(len).collect()
}

#[test]
fn eval_pan_scores_each_subset_and_writes_xml() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let out = tmp.path().join("detections");
    let built = build(&corpus);
    // A file left from an earlier run, for a pair without detections now.
    fs::create_dir_all(&out).unwrap();
    let stale = out.join("suspicious-document00000-source-document00000.xml");
    fs::write(&stale, "<document/>").unwrap();

    let args = ["eval", "--pan", corpus.to_str().unwrap(), "--detections", out.to_str().unwrap()];
    let run_json = |extra: &[&str]| {
        let o = run(&[&args[..], extra, &["--format", "json", "-q"]].concat());
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let json = run_json(&[]);
    let rows: Vec<&Value> = json["subsets"].as_array().unwrap().iter().chain([&json["entire"]]).collect();
    let names: Vec<&str> = rows.iter().map(|r| r["subset"].as_str().unwrap()).collect();
    assert_eq!(names, ["01-no-plagiarism", "02-no-obfuscation", "03-mixed", "entire"]);
    let field = |row: usize, key: &str| rows[row][key].as_f64().unwrap();
    let counts: Vec<(f64, f64)> = (0..4).map(|r| (field(r, "pairs"), field(r, "cases"))).collect();
    assert_eq!(counts, [(2.0, 0.0), (2.0, 2.0), (2.0, 1.0), (6.0, 3.0)]);
    // Unrelated pairs get nothing: no case, no detection scores 1.
    assert_eq!((field(0, "detections"), field(0, "plagdet")), (0.0, 1.0));
    // Verbatim copies are found, one detection each.
    for row in [1, 2] {
        assert!(field(row, "plagdet") > 0.9, "{}", rows[row]);
        assert_eq!(field(row, "granularity"), 1.0, "{}", rows[row]);
    }

    // The stale file is gone; each planted passage has its XML, and its
    // detection's characters are (nearly all) the passage's.
    assert!(!stale.exists());
    for (_, susp, src, cases) in &built.pairs {
        let name = format!("{}-{}.xml", susp.trim_end_matches(".txt"), src.trim_end_matches(".txt"));
        let path = out.join(&name);
        let dets = pan::read_features(&path, &[DETECTION_NAME]).unwrap();
        if cases.is_empty() {
            continue;
        }
        assert!(path.exists(), "{name}");
        let xml = fs::read_to_string(&path).unwrap();
        assert!(xml.contains(&format!("<document reference=\"{susp}\">")), "{xml}");
        assert_eq!(dets.len(), 1, "{xml}");
        let (d, c) = (dets[0], cases[0]);
        let susp_text = fs::read_to_string(corpus.join("susp").join(susp)).unwrap();
        let src_text = fs::read_to_string(corpus.join("src").join(src)).unwrap();
        let planted = chars(&susp_text, c.this_offset, c.this_length);
        assert_eq!(planted, chars(&src_text, c.source_offset, c.source_length), "the truth is right");
        let found = chars(&susp_text, d.this_offset, d.this_length);
        let found_src = chars(&src_text, d.source_offset, d.source_length);
        let inner = |x: &str| x.trim_end_matches('.').to_string();
        assert!(inner(&planted).contains(&inner(&found)) || found.contains(&inner(&planted)), "{found}");
        assert!(found.chars().count() * 10 >= planted.chars().count() * 9, "{found}");
        assert_eq!(found, found_src, "a verbatim copy is the same characters on both sides");
    }

    // The table is the PAN scoring of the XMLs written.
    let opened = pan::Corpus::open(&corpus).unwrap();
    let from_xml: Vec<Vec<Detection>> = opened
        .pairs()
        .map(|p| pan::read_features(&out.join(p.xml_name()), &[DETECTION_NAME]).unwrap())
        .collect();
    for (row, rescored) in rows.iter().zip(pan::evaluate(&opened, &from_xml)) {
        assert_eq!(row["subset"], rescored.subset.as_str());
        let m = rescored.measures;
        for (key, value) in [
            ("plagdet", m.plagdet),
            ("precision", m.precision),
            ("recall", m.recall),
            ("granularity", m.granularity),
        ] {
            assert!((row[key].as_f64().unwrap() - value).abs() < 1e-12, "{key}: {row}");
        }
        assert_eq!(row["detections"], m.detections);
    }

    // Any thread count gives the same table.
    assert_eq!(run_json(&["--threads", "1"]), json);

    // The text table: a header, then one line per subset and `entire`.
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["subset", "plagdet", "precision", "recall", "granularity", "cases", "detections"]
    );
    let first: Vec<&str> = lines[1..].iter().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(first, names);
    assert!(lines[1..].iter().all(|l| l.split_whitespace().count() == 7), "{text}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("aligned 6 pairs"));
}

#[test]
fn eval_modes_exclude_each_other() {
    for args in [
        &["eval", "--pan", "x", "--truth", "t.jsonl", "r.json"][..],
        &["eval", "--pan", "x", "r.json"],
        &["eval", "--truth", "t.jsonl", "r.json", "--detections", "out"],
        &["eval"],
        &["eval", "--truth", "t.jsonl"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("Usage"), "{args:?}");
    }
}

#[test]
fn bad_corpus_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    build(&corpus);
    let dir = corpus.to_str().unwrap();
    let expect = |needle: &str| {
        let o = run(&["eval", "--pan", dir, "-q"]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    };

    let doc = corpus.join("src/source-document00001.txt");
    let good = fs::read(&doc).unwrap();
    fs::write(&doc, b"caf\xe9 latin-1").unwrap();
    expect("source-document00001.txt: not UTF-8 text (invalid byte at offset 3)");
    fs::write(&doc, good).unwrap();

    let truth = corpus.join("02-no-obfuscation/suspicious-document00002-source-document00002.xml");
    let xml = fs::read_to_string(&truth).unwrap();
    fs::write(&truth, xml.replace("this_length=\"", "this_length=\"-")).unwrap();
    expect("suspicious-document00002-source-document00002.xml:3: this_length=\"-");
    fs::write(&truth, xml).unwrap();

    let pairs = corpus.join("03-mixed/pairs");
    fs::write(&pairs, "suspicious-document00004.txt\n").unwrap();
    expect("03-mixed/pairs:1: not a pair line");

    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let o = run(&["eval", "--pan", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no subset folder"));
}
