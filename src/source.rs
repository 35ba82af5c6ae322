//! Reading documents: files, directories, JSONL (plain or gzip) and stdin.
//!
//! (Being written; the interface below is the contract.)

use std::path::PathBuf;

/// One document of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Its id: the JSONL id field, else `FILE:LINE`; for a file, the path as
    /// reached from the argument.
    pub id: String,
    /// Where it came from: a path, or `PATH:LINE` for a JSONL record.
    pub origin: String,
    /// Its text, decoded as UTF-8.
    pub text: String,
    /// The raw JSONL line, byte for byte (without the line end), when
    /// [`ReadOptions::keep_records`] is set and the document came from JSONL.
    pub record: Option<String>,
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
        }
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
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            id_field: "id".into(),
            text_field: "text".into(),
            keep_records: false,
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

/// Reads every input, in order. `-` is JSONL on stdin.
pub fn read_inputs(inputs: &[PathBuf], options: &ReadOptions) -> Loaded {
    let _ = (inputs, options);
    Loaded::default()
}
