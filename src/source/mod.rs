//! Reading documents: the first stage of a run.
//!
//! Takes the inputs named on the command line — plain text files,
//! directories (walked recursively in byte-wise file name order, following
//! symlinks), JSONL files (`.jsonl`, `.ndjson`, optionally gzipped as
//! `.jsonl.gz` / `.ndjson.gz`) and `-` for standard input — and
//! gives a [`Loaded`]: every [`Document`] in input order, plus a
//! [`Diagnostic`] for every problem met on the way.
//!
//! Bad input never stops a run and is never silent: an unreadable file, a
//! binary file, a malformed JSONL line, a missing text field, a corrupt
//! gzip stream or a duplicate id each give a diagnostic that says where the
//! problem is and what was done about it (decoded anyway, or skipped), and
//! reading goes on with the next line or file.
//!
//! A plain text file's id and origin are its path as reached from the
//! argument (`fixtures/seeds` gives `fixtures/seeds/000_x.txt`), its text is
//! kept byte for byte (line ends included). A JSONL record's id comes from
//! [`ReadOptions::id_field`] (a string, or a number as its JSON text), else
//! it is `FILE:LINE`; its origin is always `FILE:LINE` (lines count from 1).
//!
//! Files are read with one `read` each; JSONL lines are found with `memchr`
//! and parsed in parallel batches on the rayon pool, then merged in order.
//!
//! A run need not hold every text. [`read_inputs_with`] runs a [`Visit`]
//! over each document on the worker that decoded it, while its text is in
//! cache (the scan sketches it there). A visit that asks for it gets the
//! documents whose texts can be read again (a plain text file, or a line
//! of an uncompressed JSONL file, not standard input or gzip) released:
//! their texts are parsed into a per-worker buffer and never held.
//! [`restore_texts`] reads back the texts a later stage needs, and refuses
//! a file that changed in the meantime (its length or modification time).
//!
//! The stages of reading have files of their own: `reader.rs` walks the
//! inputs (files, directories, standard input) and keeps the documents in
//! order, refusing repeated ids; `jsonl.rs` reads JSONL in batches of lines
//! parsed in parallel (`record.rs` parses one record); `decode.rs` decodes
//! a plain text file's bytes; `ahead.rs` decompresses gzip on a thread of
//! its own; `restore.rs` reads released texts back. This file holds the
//! documents, the options and what reading gives, and the entry points.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::meta::Meta;

mod ahead;
mod decode;
mod jsonl;
mod reader;
mod record;
mod restore;

use reader::Reader;

pub use restore::{read_back, restore_texts};

/// One document of a run. Two documents are equal when their ids,
/// origins, texts and records are (where a text can be read again from does
/// not count).
#[derive(Clone, Debug)]
pub struct Document {
    /// Its id: the JSONL id field, else `FILE:LINE`; for a file, the path as
    /// reached from the argument.
    pub id: String,
    /// Where it came from: a path, or `PATH:LINE` for a JSONL record.
    pub origin: String,
    /// Its text, decoded as UTF-8 (empty while released).
    pub text: String,
    /// The raw JSONL line, byte for byte (without the line end), when
    /// [`ReadOptions::keep_records`] is set and the document came from JSONL.
    pub record: Option<String>,
    /// Its date and source, when a run reads them (boxed: most runs have
    /// none, and a document is held for every input).
    pub meta: Option<Box<Meta>>,
    /// Where to read the text again, when it can be.
    locator: Option<Locator>,
    /// The text's length in bytes, while it is released.
    released: Option<usize>,
}

/// Where a document's text can be read again.
#[derive(Clone, Debug)]
enum Locator {
    /// A whole plain text file.
    File(Arc<SourceFile>),
    /// The line of `len` bytes at byte `offset` of an uncompressed JSONL
    /// file.
    Line { file: Arc<SourceFile>, offset: u64, len: usize },
}

/// An input file, and how it was when it was first read.
#[derive(Debug)]
struct SourceFile {
    path: PathBuf,
    stamp: Stamp,
}

/// What tells a file that has not changed since: its length and
/// modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Stamp {
    /// The stamp of an open file, if it is a regular file: a pipe or a
    /// device (`/dev/stdin`, a shell's `<(...)`) cannot be read again.
    fn of(file: &fs::File) -> Option<Stamp> {
        let meta = file.metadata().ok().filter(fs::Metadata::is_file)?;
        Some(Stamp { len: meta.len(), modified: meta.modified().ok() })
    }
}

impl Eq for Document {}

impl PartialEq for Document {
    fn eq(&self, other: &Document) -> bool {
        (&self.id, &self.origin, &self.text, &self.record, &self.meta, self.released)
            == (&other.id, &other.origin, &other.text, &other.record, &other.meta, other.released)
    }
}

impl Document {
    /// A document whose origin is its id (for library use and tests).
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Document {
        let id = id.into();
        Document {
            origin: id.clone(),
            id,
            text: text.into(),
            record: None,
            meta: None,
            locator: None,
            released: None,
        }
    }

    /// Its metadata: nothing known when none was read.
    pub fn meta(&self) -> &Meta {
        static NONE: Meta = Meta { date: None, source: None };
        self.meta.as_deref().unwrap_or(&NONE)
    }

    /// Sets its metadata (none when `meta` is empty).
    pub fn set_meta(&mut self, meta: Meta) {
        self.meta = (!meta.is_empty()).then(|| Box::new(meta));
    }

    /// The length of its text in bytes, whether the text is held or
    /// released.
    pub fn text_len(&self) -> usize {
        self.released.unwrap_or(self.text.len())
    }

    /// Frees the text, if it can be read again from its input (see
    /// [`restore_texts`]); returns whether it is released. `text` is then
    /// empty until restored.
    pub fn release_text(&mut self) -> bool {
        if self.locator.is_some() && self.released.is_none() {
            self.released = Some(self.text.len());
            self.text = String::new();
        }
        self.released.is_some()
    }

    /// Whether the text is released.
    pub fn is_released(&self) -> bool {
        self.released.is_some()
    }
}

/// How to read inputs.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// JSONL field holding the id (default `id`).
    pub id_field: String,
    /// JSONL field holding the text (default `text`).
    pub text_field: String,
    /// Keep each JSONL record's raw line in [`Document::record`].
    pub keep_records: bool,
    /// JSONL field holding the publication date (ISO 8601), if any.
    pub date_field: Option<String>,
    /// JSONL field holding the source (a string, or a number as its JSON
    /// text), if any.
    pub source_field: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            id_field: "id".into(),
            text_field: "text".into(),
            keep_records: false,
            date_field: None,
            source_field: None,
        }
    }
}

/// A problem with the input: where, what, and whether the document (or
/// line) was skipped or only warned about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// `PATH` or `PATH:LINE`.
    pub location: String,
    /// What was wrong and what was done about it.
    pub message: String,
    /// True when something was skipped (the run then exits 2).
    pub skipped: bool,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// What reading the inputs gave.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every document read, in input order.
    pub documents: Vec<Document>,
    /// Every problem met, in input order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Whether any document, line or file was skipped (the run then exits 2).
    pub fn any_skipped(&self) -> bool {
        self.diagnostics.iter().any(|d| d.skipped)
    }

    /// The diagnostics as lines to print, in order, except that one problem
    /// met on many lines of a file (records without the text field, say) is
    /// one line: the first, with how many more lines had it and the last.
    pub fn messages(&self) -> Vec<String> {
        // (first diagnostic, how many more, the last one's line)
        let mut lines: Vec<(&Diagnostic, usize, &str)> = Vec::new();
        let mut seen: HashMap<(&str, &str, bool), usize> = HashMap::new();
        for d in &self.diagnostics {
            let Some((file, line)) =
                d.location.rsplit_once(':').filter(|(_, n)| n.bytes().all(|b| b.is_ascii_digit()))
            else {
                lines.push((d, 0, ""));
                continue;
            };
            match seen.entry((file, d.message.as_str(), d.skipped)) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    let (_, more, last) = &mut lines[*e.get()];
                    *more += 1;
                    *last = line;
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(lines.len());
                    lines.push((d, 0, line));
                }
            }
        }
        lines
            .into_iter()
            .map(|(d, more, last)| match more {
                0 => d.to_string(),
                1 => format!("{d} (and 1 more line like it: line {last})"),
                _ => format!("{d} (and {more} more lines like it, the last line {last})"),
            })
            .collect()
    }
}

/// Reads every input, in order. `-` is standard input: JSONL when its
/// first non-blank line starts with `{` (or it is gzip), else one plain
/// text document named `<stdin>`.
///
/// Never fails: every problem becomes a [`Diagnostic`] in
/// [`Loaded::diagnostics`], in the order the inputs were read, and the
/// documents around it are still read.
pub fn read_inputs(inputs: &[PathBuf], options: &ReadOptions) -> Loaded {
    read_inputs_with(inputs, options, &mut NoVisit)
}

/// Work done on documents as they are read, for [`read_inputs_with`].
pub trait Visit: Sync {
    /// Per-worker scratch space for [`Visit::each`].
    type Scratch: Default + Send;
    /// What [`Visit::each`] gives for one document.
    type Out: Send;
    /// Called for every document as soon as its text is decoded, on the
    /// worker thread that decoded it (in parallel, in no set order).
    fn each(&self, scratch: &mut Self::Scratch, text: &str) -> Self::Out;
    /// Called with each batch of new documents, in input order (each
    /// document once, after the ones before it), and what `each` gave for
    /// them.
    fn batch(&mut self, docs: &mut [Document], outs: Vec<Self::Out>);
    /// Whether the documents whose texts can be read again come released
    /// ([`Document::release_text`]): their texts are then never held, only
    /// passed to [`Visit::each`]. No by default.
    fn release_texts(&self) -> bool {
        false
    }
}

/// A [`Visit`] that does nothing.
struct NoVisit;

impl Visit for NoVisit {
    type Scratch = ();
    type Out = ();
    fn each(&self, _: &mut (), _: &str) {}
    fn batch(&mut self, _: &mut [Document], _: Vec<()>) {}
}

/// [`read_inputs`], with `visit` run over every document as it is read:
/// its text is still in cache, and the caller may keep what it needs of
/// each text and release the text.
pub fn read_inputs_with<V: Visit>(inputs: &[PathBuf], options: &ReadOptions, visit: &mut V) -> Loaded {
    let mut reader = Reader::new(options, visit);
    for input in inputs {
        reader.read_input(input);
    }
    reader.done();
    reader.loaded
}

/// Reads JSONL held in memory as if it were a file named `name` (origins
/// and diagnostics say `NAME:LINE`): a byte-order mark, blank lines, CRLF
/// and bad lines are handled as [`read_inputs`] handles them in a file.
/// Gzip is not decoded here.
pub fn read_jsonl_bytes(name: &str, data: &[u8], options: &ReadOptions) -> Loaded {
    let mut visit = NoVisit;
    let mut reader = Reader::new(options, &mut visit);
    reader.read_jsonl_stream(name, &mut &data[..], false, None);
    reader.loaded
}

/// Whether a file name says JSONL: `Some(gzipped)` if so.
pub fn jsonl_kind(path: &Path) -> Option<bool> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".jsonl.gz") || name.ends_with(".ndjson.gz") {
        Some(true)
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use decode::*;
    use record::*;
    use std::path::Path;

    #[test]
    fn jsonl_kind_goes_by_name() {
        assert_eq!(jsonl_kind(Path::new("a/b.jsonl")), Some(false));
        assert_eq!(jsonl_kind(Path::new("b.NDJSON")), Some(false));
        assert_eq!(jsonl_kind(Path::new("b.jsonl.gz")), Some(true));
        assert_eq!(jsonl_kind(Path::new("b.ndjson.gz")), Some(true));
        assert_eq!(jsonl_kind(Path::new("b.json")), None);
        assert_eq!(jsonl_kind(Path::new("b.txt.gz")), None);
        assert_eq!(jsonl_kind(Path::new("jsonl")), None);
    }

    #[test]
    fn decode_text_handles_boms_binary_and_bad_utf8() {
        let plain = decode_text(b"a\r\nb".to_vec());
        assert_eq!(plain, Ok(Decoded { text: "a\r\nb".into(), warning: None }));

        let bom = decode_text(b"\xEF\xBB\xBFhi".to_vec());
        assert_eq!(bom, Ok(Decoded { text: "hi".into(), warning: None }));

        let le = decode_text(b"\xFF\xFEh\0\xE9\0".to_vec());
        assert_eq!(le, Ok(Decoded { text: "h\u{e9}".into(), warning: Some("decoded as UTF-16LE".into()) }));
        let be = decode_text(b"\xFE\xFF\0h\0i".to_vec());
        assert_eq!(be.map(|d| d.text), Ok("hi".to_string()));

        assert_eq!(decode_text(b"ab\0c".to_vec()), Err("binary file (NUL byte at offset 2), skipped".into()));
        // A few stray NULs in text: read as spaces, with a warning.
        let mut stray = b"Stray bytes in a long enough text.\0 Another\0sentence.".to_vec();
        stray.extend_from_slice(&[b'a'; 40]);
        let read = decode_text(stray.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read.text.as_bytes(),
            stray.iter().map(|&b| if b == 0 { b' ' } else { b }).collect::<Vec<u8>>()
        );
        assert_eq!(
            read.warning.as_deref(),
            Some("2 stray NUL bytes (the first at offset 34) read as spaces")
        );
        // ... and with invalid UTF-8 too: both said.
        stray.push(0xE9);
        let both = decode_text(stray).unwrap_or_else(|e| panic!("{e}")).warning.unwrap_or_default();
        assert!(both.contains("stray NUL") && both.contains("invalid UTF-8"), "{both}");
        // Compressed data with a NUL is binary, however few NULs.
        let noise: Vec<u8> =
            (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 1).chain([0]).collect();
        assert!(decode_text(noise).is_err_and(|e| e.starts_with("binary file")));

        let bad = decode_text(b"caf\xE9!".to_vec()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bad.text, "caf\u{FFFD}!");
        assert!(bad.warning.is_some_and(|w| w.contains("invalid UTF-8")));

        let empty = decode_text(Vec::new());
        assert_eq!(empty, Ok(Decoded { text: String::new(), warning: None }));
    }

    #[test]
    fn decode_utf16_replaces_unpaired_surrogates_and_an_odd_byte() {
        // "a", a lone high surrogate, "b"
        assert_eq!(decode_utf16(b"a\0\x00\xD8b\0", false), ("a\u{FFFD}b".into(), true));
        // U+1F600 as a surrogate pair
        assert_eq!(decode_utf16(b"\x3D\xD8\x00\xDE", false), ("\u{1F600}".into(), false));
        assert_eq!(decode_utf16(b"\0a\0", true), ("a\u{FFFD}".into(), true));
    }

    fn record(json: &str) -> Result<(Option<String>, String), String> {
        parse_record(json, "id", "text")
    }

    #[test]
    fn parse_record_takes_string_and_number_ids() {
        assert_eq!(record(r#"{"id":"x","text":"t"}"#), Ok((Some("x".into()), "t".into())));
        assert_eq!(record(r#"{"text":"t","id":42}"#), Ok((Some("42".into()), "t".into())));
        assert_eq!(record(r#"{"id":-7,"text":""}"#), Ok((Some("-7".into()), "".into())));
        assert_eq!(record(r#"{"id":1.5,"text":"t"}"#), Ok((Some("1.5".into()), "t".into())));
        assert_eq!(record(r#"{"text":"t"}"#), Ok((None, "t".into())));
        assert_eq!(record(r#"{"id":null,"text":"t"}"#), Ok((None, "t".into())));
    }

    #[test]
    fn parse_record_unescapes_text_and_ignores_other_fields() {
        let json = r#" {"meta":{"a":[1,{"b":null}]},"text":"a\"b\u00e9\n","id":"q"} "#;
        assert_eq!(record(json), Ok((Some("q".into()), "a\"b\u{e9}\n".into())));
        // A repeated key keeps its last value.
        assert_eq!(record(r#"{"text":"a","text":"b"}"#), Ok((None, "b".into())));
    }

    #[test]
    fn parse_record_uses_the_configured_fields() {
        let json = r#"{"id":"no","body":"yes","key":3}"#;
        assert_eq!(parse_record(json, "key", "body"), Ok((Some("3".into()), "yes".into())));
        assert_eq!(parse_record(json, "body", "body"), Ok((Some("yes".into()), "yes".into())));
    }

    #[test]
    fn parse_record_says_why_a_line_is_skipped() {
        let err = |json: &str| record(json).err().unwrap_or_default();
        assert!(err("{").starts_with("invalid JSON: "));
        assert!(err("[1]").contains("expected a JSON object"));
        assert!(err("\"text\"").starts_with("invalid JSON: "));
        assert!(err(r#"{"text":"a"} x"#).contains("trailing characters"));
        assert_eq!(
            err(r#"{"id":"a"}"#),
            r#"missing text field "text" (its fields: "id"; name the text field with --text-field), skipped"#
        );
        assert_eq!(
            err(r#"{"id":"a long id","title":"T","body":"the text","n":1}"#),
            r#"missing text field "text" (its fields: "body", "id", "n", "title"; to read "body", give --text-field body), skipped"#
        );
        assert_eq!(err(r#"{"text":5}"#), r#"text field "text" is not a string but a number, skipped"#);
        assert_eq!(
            err(r#"{"text":"a","id":[1]}"#),
            r#"id field "id" is not a string or number but an array, skipped"#
        );
        assert!(err("{}").starts_with("missing text field"));
    }

    #[test]
    fn parse_line_keeps_the_raw_record_and_decodes_bad_utf8() {
        let options = ReadOptions { keep_records: true, ..ReadOptions::default() };
        let line = parse_line(b"{\"text\":\"caf\xE9\"}", &options);
        assert!(line.lossy);
        let rec = line.result.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rec.text, "caf\u{FFFD}");
        assert_eq!(rec.raw.as_deref(), Some("{\"text\":\"caf\u{FFFD}\"}"));

        let plain = parse_line(br#"{"text":"x"}"#, &ReadOptions::default());
        assert!(!plain.lossy);
        assert_eq!(plain.result.map(|r| r.raw), Ok(None));
    }

    /// A visit that keeps the texts it is shown, in the order of the
    /// batches, and checks each batch's documents against them.
    pub(super) struct Texts {
        pub(super) release: bool,
        pub(super) handed: Vec<String>,
    }

    impl Visit for Texts {
        type Scratch = ();
        type Out = String;

        fn each(&self, _: &mut (), text: &str) -> String {
            text.to_owned()
        }

        fn batch(&mut self, docs: &mut [Document], outs: Vec<String>) {
            assert_eq!(docs.len(), outs.len());
            for (d, text) in docs.iter().zip(&outs) {
                assert_eq!(d.text_len(), text.len());
                assert_eq!(d.text, if d.is_released() { "" } else { text.as_str() });
            }
            self.handed.extend(outs);
        }

        fn release_texts(&self) -> bool {
            self.release
        }
    }

    /// The text field parsed into a reused buffer: the same record as
    /// parsed alone, whatever the buffer held before.
    #[test]
    fn parsing_into_a_buffer_leaves_nothing_of_the_last_line() {
        let options = ReadOptions::default();
        let mut buf = String::from("left over from a long line before");
        for line in [
            &br#"{"id":"a","text":"x\ny"}"#[..],
            br#"{"text":"","id":7}"#,
            br#"{"id":"b"}"#,
            br#"{"text":3}"#,
        ] {
            let alone = parse_line(line, &options);
            let into = parse_line_into(line, &options, &mut buf);
            match (alone.result, into.result) {
                (Ok(a), Ok(b)) => {
                    assert_eq!((a.id, a.text), (b.id, buf.clone()));
                    assert!(b.text.is_empty());
                }
                (a, b) => assert_eq!(a.map(|r| r.id), b.map(|r| r.id)),
            }
        }
        // The id and text fields may be one.
        let both = ReadOptions { id_field: "k".into(), text_field: "k".into(), ..ReadOptions::default() };
        let parsed = parse_line_into(br#"{"k":"same"}"#, &both, &mut buf);
        assert_eq!(parsed.result.map(|r| r.id), Ok(Some("same".to_owned())));
        assert_eq!(buf, "same");
    }
}
