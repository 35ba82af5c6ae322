//! The JSONL reader on arbitrary bytes, through `read_jsonl_bytes`.
//!
//! Checks, besides not panicking: every document and diagnostic names the
//! input and a line that exists; ids are unique; every line is accounted
//! for at most once; and against serde_json as an oracle, a valid UTF-8
//! line that parses as an object with a string text field is a document
//! (or a duplicate id), and one that does not parse as JSON is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::source::{read_jsonl_bytes, ReadOptions};
use std::collections::HashSet;

const NAME: &str = "fuzz.jsonl";

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else { return };
    let options = ReadOptions { keep_records: flags & 1 == 1, ..ReadOptions::default() };
    let loaded = read_jsonl_bytes(NAME, data, &options);

    let utf16 = data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]);
    let body = data.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(data);
    // Lines as the reader numbers them (for UTF-8 input).
    let lines: Vec<&[u8]> = if body.is_empty() {
        Vec::new()
    } else {
        let mut lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
        if body.ends_with(b"\n") {
            lines.pop();
        }
        lines.into_iter().map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect()
    };

    let line_of =
        |location: &str| -> Option<usize> { location.strip_prefix(NAME)?.strip_prefix(':')?.parse().ok() };
    let mut ids = HashSet::new();
    let mut documents_at = HashSet::new();
    for d in &loaded.documents {
        let line = line_of(&d.origin).unwrap_or_else(|| panic!("bad origin {:?}", d.origin));
        assert!(line >= 1, "{:?}", d.origin);
        if !utf16 {
            assert!(line <= lines.len(), "{:?} past the last line {}", d.origin, lines.len());
        }
        assert!(ids.insert(d.id.as_str()), "id {:?} twice", d.id);
        assert!(documents_at.insert(line), "two documents at line {line}");
        assert_eq!(d.record.is_some(), options.keep_records);
    }
    for diag in &loaded.diagnostics {
        assert!(diag.location == NAME || line_of(&diag.location).is_some(), "{diag:?}");
        assert!(!diag.message.is_empty() && !diag.message.ends_with('.'), "{diag:?}");
        if diag.skipped {
            if let Some(line) = line_of(&diag.location) {
                assert!(!documents_at.contains(&line), "line {line} both read and skipped");
            }
        }
    }
    if utf16 {
        return;
    }

    for (i, line) in lines.iter().enumerate() {
        let line_no = i + 1;
        let Ok(json) = std::str::from_utf8(line) else { continue };
        let read = loaded.documents.iter().find(|d| d.origin == format!("{NAME}:{line_no}"));
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::Object(map)) => {
                let id_ok = matches!(
                    map.get("id"),
                    None | Some(
                        serde_json::Value::Null | serde_json::Value::String(_) | serde_json::Value::Number(_)
                    )
                );
                if let (Some(serde_json::Value::String(text)), true) = (map.get("text"), id_ok) {
                    match read {
                        Some(d) => {
                            assert_eq!(&d.text, text, "line {line_no}");
                            if let Some(serde_json::Value::String(id)) = map.get("id") {
                                assert_eq!(&d.id, id, "line {line_no}");
                            }
                        }
                        None => {
                            let duplicate = loaded.diagnostics.iter().any(|x| {
                                x.location == format!("{NAME}:{line_no}")
                                    && x.message.contains("duplicate id")
                            });
                            assert!(duplicate, "line {line_no} {json:?} lost: {:?}", loaded.diagnostics);
                        }
                    }
                } else {
                    assert!(read.is_none(), "line {line_no} {json:?} read without a string text");
                }
            }
            Ok(_) => assert!(read.is_none(), "line {line_no}: not an object, yet read"),
            Err(_) => assert!(read.is_none(), "line {line_no} {json:?}: invalid JSON, yet read"),
        }
    }
});
