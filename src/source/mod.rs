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

use std::collections::HashMap;
use std::fs;
use std::hash::{BuildHasher, BuildHasherDefault};
use std::io::{self, BufRead, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::meta::Meta;

mod ahead;
mod decode;
mod record;

use decode::*;
use record::*;

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

/// Reads back the released texts of the documents `wanted` picks (by index
/// into `docs`), from their files, in parallel, in file order. A file that
/// changed since it was read (its length or modification time), that
/// cannot be read again, or a text that reads back with another length or
/// id, is an error that names it.
pub fn restore_texts(
    docs: &mut [Document],
    wanted: impl Fn(usize) -> bool + Sync,
    options: &ReadOptions,
) -> Result<(), crate::Error> {
    let todo: Vec<u32> =
        (0..docs.len()).filter(|&i| docs[i].released.is_some() && wanted(i)).map(|i| i as u32).collect();
    let texts = read_back(docs, &todo, options)?;
    for (i, text) in todo.into_iter().zip(texts) {
        let doc = &mut docs[i as usize];
        doc.text = text;
        doc.released = None;
    }
    Ok(())
}

/// The released texts of the documents `which` names (by index into
/// `docs`), in the order of `which`, read back from their files in
/// parallel, in file order, without restoring them into `docs`: a stage
/// that needs a few texts at a time holds only those. The errors of
/// [`restore_texts`]; a document whose text is held (not released) is an
/// error too.
pub fn read_back(
    docs: &[Document],
    which: &[u32],
    options: &ReadOptions,
) -> Result<Vec<String>, crate::Error> {
    // Lines in file order, for the page cache's sake.
    let mut order: Vec<u32> = (0..which.len() as u32).collect();
    let place = |k: &u32| match &docs[which[*k as usize] as usize].locator {
        Some(Locator::Line { file, offset, .. }) => (Arc::as_ptr(file) as usize, *offset),
        _ => (0, 0),
    };
    order.sort_by_key(place);
    // Each worker keeps its last JSONL file open.
    let read: Vec<String> = order
        .par_iter()
        .map_init(Option::default, |open, &k| {
            let doc = &docs[which[k as usize] as usize];
            if doc.released.is_none() {
                return Err(crate::Error::Other(format!("{}: its text is held, not released", doc.origin)));
            }
            let text = reread(doc, options, open)?;
            if Some(text.len()) != doc.released {
                return Err(changed(&doc.origin));
            }
            Ok(text)
        })
        .collect::<Result<_, crate::Error>>()?;
    let mut texts = vec![String::new(); which.len()];
    for (k, text) in order.into_iter().zip(read) {
        texts[k as usize] = text;
    }
    Ok(texts)
}

fn changed(location: &str) -> crate::Error {
    crate::Error::Other(format!("{location}: changed while it was read, stopped"))
}

/// Opens a file to read back from, checking that it has not changed.
fn reopen(file: &SourceFile) -> Result<fs::File, crate::Error> {
    let io_error = |e| crate::Error::io(&file.path, e);
    let opened = fs::File::open(&file.path).map_err(io_error)?;
    if Stamp::of(&opened) != Some(file.stamp) {
        return Err(changed(&display(&file.path)));
    }
    Ok(opened)
}

/// The text of a released document, from its locator. `open` is the JSONL
/// file last opened, kept for the next line.
fn reread(
    doc: &Document,
    options: &ReadOptions,
    open: &mut Option<(Arc<SourceFile>, fs::File)>,
) -> Result<String, crate::Error> {
    match &doc.locator {
        Some(Locator::File(file)) => {
            let mut bytes = Vec::new();
            reopen(file)?.read_to_end(&mut bytes).map_err(|e| crate::Error::io(&file.path, e))?;
            decode_text(bytes)
                .map(|d| d.text)
                .map_err(|message| crate::Error::Other(format!("{}: {message}", doc.origin)))
        }
        Some(Locator::Line { file, offset, len }) => {
            let opened = match open {
                Some((f, opened)) if Arc::ptr_eq(f, file) => opened,
                _ => &mut open.insert((Arc::clone(file), reopen(file)?)).1,
            };
            let mut line = vec![0; *len];
            opened
                .seek(io::SeekFrom::Start(*offset))
                .and_then(|_| opened.read_exact(&mut line))
                .map_err(|e| crate::Error::io(&file.path, e))?;
            match parse_line(&line, options).result {
                Ok(record) if record.id.as_deref().unwrap_or(&doc.origin) == doc.id => Ok(record.text),
                _ => Err(changed(&doc.origin)),
            }
        }
        None => Err(crate::Error::Other(format!("{}: its text was not kept", doc.origin))),
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

/// JSONL lines are parsed in parallel batches of about this many bytes.
const BATCH_BYTES: usize = 1 << 20;

/// Plain text files met in a directory walk are read in parallel batches of
/// at most this many files.
const FILE_BATCH: usize = 256;

/// The location name of standard input.
const STDIN_NAME: &str = "<stdin>";

/// The ids read so far, to refuse a repeat. Looked up by a seeded hash of
/// the id, computed on the worker that read it, so the reading thread
/// neither hashes nor copies ids.
struct Ids {
    /// Hash of an id -> the index of the first document with it.
    first: HashMap<u64, usize, BuildHasherDefault<KnownHash>>,
    /// Ids whose hash an earlier, different id has (next to never).
    more: HashMap<String, usize>,
    /// A fresh seed each run, so that no input can aim at collisions.
    seed: u64,
}

impl Default for Ids {
    fn default() -> Ids {
        let seed = std::hash::RandomState::new().hash_one(0u8);
        Ids { first: HashMap::default(), more: HashMap::new(), seed }
    }
}

impl Ids {
    fn hash(seed: u64, id: &str) -> u64 {
        xxh3_64_with_seed(id.as_bytes(), seed)
    }

    /// The index of an earlier document with `id` (whose hash is `hash`),
    /// or `None` after noting `index` for it. `docs` are the documents so
    /// far.
    fn first_or_insert(&mut self, id: &str, hash: u64, index: usize, docs: &[Document]) -> Option<usize> {
        use std::collections::hash_map::Entry;
        let first = match self.first.entry(hash) {
            Entry::Vacant(slot) => {
                slot.insert(index);
                return None;
            }
            Entry::Occupied(slot) => *slot.get(),
        };
        if docs.get(first).is_some_and(|d| d.id == id) {
            return Some(first);
        }
        match self.more.entry(id.to_owned()) {
            Entry::Occupied(slot) => Some(*slot.get()),
            Entry::Vacant(slot) => {
                slot.insert(index);
                None
            }
        }
    }
}

/// A [`Hasher`](std::hash::Hasher) for keys that are hashes already.
#[derive(Default)]
struct KnownHash(u64);

impl std::hash::Hasher for KnownHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The state of one [`read_inputs`] call.
struct Reader<'a, V: Visit> {
    options: &'a ReadOptions,
    loaded: Loaded,
    /// Each id read so far.
    ids: Ids,
    /// Bytes of JSONL read and parsed at a time ([`BATCH_BYTES`]).
    batch: usize,
    visit: &'a mut V,
    /// What `visit.each` gave for the documents added since the last batch.
    outs: Vec<V::Out>,
}

impl<'a, V: Visit> Reader<'a, V> {
    fn new(options: &'a ReadOptions, visit: &'a mut V) -> Reader<'a, V> {
        Reader {
            options,
            loaded: Loaded::default(),
            ids: Ids::default(),
            batch: BATCH_BYTES,
            visit,
            outs: Vec::new(),
        }
    }

    /// Hands the documents added since the last call to `visit.batch`.
    fn done(&mut self) {
        let outs = std::mem::take(&mut self.outs);
        let from = self.loaded.documents.len() - outs.len();
        if !outs.is_empty() {
            self.visit.batch(&mut self.loaded.documents[from..], outs);
        }
    }

    fn diagnose(&mut self, location: impl Into<String>, message: impl Into<String>, skipped: bool) {
        self.loaded.diagnostics.push(Diagnostic {
            location: location.into(),
            message: message.into(),
            skipped,
        });
    }

    /// Adds a document, with the [`Ids::hash`] of its id and what
    /// `visit.each` gave for it, unless its id was seen before.
    fn add(&mut self, document: Document, id_hash: u64, out: V::Out) {
        let docs = &self.loaded.documents;
        match self.ids.first_or_insert(&document.id, id_hash, docs.len(), docs) {
            Some(first) => {
                let first_origin = docs.get(first).map_or("", |d| d.origin.as_str());
                let message =
                    format!("duplicate id {:?} (first seen at {first_origin}), skipped", document.id);
                self.diagnose(document.origin, message, true);
            }
            None => {
                self.loaded.documents.push(document);
                self.outs.push(out);
            }
        }
    }

    fn read_input(&mut self, input: &Path) {
        if input.as_os_str() == "-" {
            self.read_stdin();
            return;
        }
        match fs::metadata(input) {
            Err(err) => self.diagnose(display(input), cannot_read(&err), true),
            Ok(meta) if meta.is_dir() => self.read_dir_tree(input),
            Ok(_) => match jsonl_kind(input) {
                Some(gzipped) => self.read_jsonl_file(input, gzipped),
                None => self.read_text_files(&[input.to_path_buf()]),
            },
        }
    }

    fn read_stdin(&mut self) {
        let stdin = io::stdin();
        let mut input = io::BufReader::with_capacity(1 << 16, stdin.lock());
        // Standard input has no name to tell a gzip stream by: sniff it.
        let gzipped = match input.fill_buf() {
            Ok(head) => head.starts_with(&[0x1f, 0x8b]),
            Err(err) => {
                self.diagnose(STDIN_NAME, cannot_read(&err), true);
                return;
            }
        };
        if gzipped {
            self.read_jsonl_stream(STDIN_NAME, &mut flate2::bufread::MultiGzDecoder::new(input), true, None);
            return;
        }
        match stdin_is_jsonl(&mut input) {
            Ok(true) => self.read_jsonl_stream(STDIN_NAME, &mut input, false, None),
            Ok(false) => {
                let mut bytes = Vec::new();
                match input.read_to_end(&mut bytes) {
                    Ok(_) => self.read_text(STDIN_NAME, bytes),
                    Err(err) => self.diagnose(STDIN_NAME, cannot_read(&err), true),
                }
            }
            Err(err) => self.diagnose(STDIN_NAME, cannot_read(&err), true),
        }
    }

    /// Adds one plain text document, named `name`, that cannot be read
    /// again (standard input).
    fn read_text(&mut self, name: &str, bytes: Vec<u8>) {
        match decode_text(bytes) {
            Ok(decoded) => {
                if let Some(warning) = decoded.warning {
                    self.diagnose(name, warning, false);
                }
                let out = self.visit.each(&mut V::Scratch::default(), &decoded.text);
                let doc = Document {
                    id: name.to_string(),
                    origin: name.to_string(),
                    text: decoded.text,
                    record: None,
                    meta: None,
                    locator: None,
                    released: None,
                };
                let id_hash = Ids::hash(self.ids.seed, &doc.id);
                self.add(doc, id_hash, out);
                self.done();
            }
            Err(message) => self.diagnose(name, message, true),
        }
    }

    /// Walks a directory in sorted order, reading every file below it.
    fn read_dir_tree(&mut self, root: &Path) {
        let mut pending: Vec<PathBuf> = Vec::new();
        let walk = WalkDir::new(root).follow_links(true).sort_by_file_name();
        // Entries below the root that are not directories: none is an
        // empty directory, said rather than passed over.
        let mut files = 0;
        for entry in walk {
            files += usize::from(entry.as_ref().map_or(true, |e| !e.file_type().is_dir()));
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    self.read_text_files(&std::mem::take(&mut pending));
                    self.walk_error(root, &err);
                    continue;
                }
            };
            let file_type = entry.file_type();
            if file_type.is_dir() {
                continue;
            }
            if !file_type.is_file() {
                self.read_text_files(&std::mem::take(&mut pending));
                self.diagnose(display(entry.path()), "not a regular file, skipped", true);
                continue;
            }
            match jsonl_kind(entry.path()) {
                Some(gzipped) => {
                    self.read_text_files(&std::mem::take(&mut pending));
                    self.read_jsonl_file(entry.path(), gzipped);
                }
                None => {
                    pending.push(entry.into_path());
                    if pending.len() >= FILE_BATCH {
                        self.read_text_files(&std::mem::take(&mut pending));
                    }
                }
            }
        }
        self.read_text_files(&pending);
        if files == 0 {
            self.diagnose(display(root), "empty directory (no files below it), skipped", true);
        }
    }

    fn walk_error(&mut self, root: &Path, err: &walkdir::Error) {
        let location = display(err.path().unwrap_or(root));
        let message = if let Some(ancestor) = err.loop_ancestor() {
            format!("symlink loop (leads back to {}), skipped", display(ancestor))
        } else if let Some(io_err) = err.io_error() {
            cannot_read(io_err)
        } else {
            format!("cannot read: {err}, skipped")
        };
        self.diagnose(location, message, true);
    }

    /// Reads plain text files (in parallel) and adds them in order.
    fn read_text_files(&mut self, paths: &[PathBuf]) {
        if paths.is_empty() {
            return;
        }
        let visit = &*self.visit;
        let release = visit.release_texts();
        type Read<O> = Result<(Document, O, Option<String>), String>;
        let loaded: Vec<(String, Read<V::Out>)> = paths
            .par_iter()
            .map_init(V::Scratch::default, |scratch, path| {
                let name = display(path);
                let result = read_file(path).and_then(|(bytes, stamp)| {
                    let decoded = decode_text(bytes)?;
                    let out = visit.each(scratch, &decoded.text);
                    let file = stamp.map(|stamp| SourceFile { path: path.clone(), stamp });
                    let mut doc = Document {
                        id: name.clone(),
                        origin: name.clone(),
                        text: decoded.text,
                        record: None,
                        meta: None,
                        locator: file.map(|file| Locator::File(Arc::new(file))),
                        released: None,
                    };
                    if release {
                        doc.release_text();
                    }
                    Ok((doc, out, decoded.warning))
                });
                (name, result)
            })
            .collect();
        for (name, result) in loaded {
            match result {
                Ok((doc, out, warning)) => {
                    if let Some(warning) = warning {
                        self.diagnose(name, warning, false);
                    }
                    let id_hash = Ids::hash(self.ids.seed, &doc.id);
                    self.add(doc, id_hash, out);
                }
                Err(message) => self.diagnose(name, message, true),
            }
        }
        self.done();
    }

    fn read_jsonl_file(&mut self, path: &Path, gzipped: bool) {
        let name = display(path);
        let file = match fs::File::open(path) {
            Ok(file) => file,
            Err(err) => return self.diagnose(name, cannot_read(&err), true),
        };
        if gzipped {
            // Decompressed ahead on a thread of its own, beside the
            // sketching (directly if no thread can be started).
            let decoder = flate2::bufread::MultiGzDecoder::new(io::BufReader::new(file));
            let mut input: Box<dyn Read> = match ahead::ReadAhead::new(decoder, ahead::CHUNK, ahead::DEPTH) {
                Ok(ahead) => Box::new(ahead),
                Err(decoder) => Box::new(decoder),
            };
            self.read_jsonl_stream(&name, &mut input, true, None);
        } else {
            // An uncompressed file's lines can be read again by offset, as
            // long as the file stays as it is now. Read directly: the
            // kernel reads a sequential file ahead already, and a thread
            // copying it cost 5% more CPU time on the 100k corpus.
            let source =
                Stamp::of(&file).map(|stamp| Arc::new(SourceFile { path: path.to_path_buf(), stamp }));
            self.read_jsonl_stream(&name, &mut io::BufReader::new(file), false, source.as_ref());
        }
    }

    /// Reads JSONL from a stream, about `self.batch` bytes at a time, so memory
    /// holds one batch of raw lines besides the documents. A read error
    /// (a truncated or corrupt gzip stream) keeps the whole lines before it.
    /// `file` is the uncompressed file it reads (its lines' texts can be
    /// read again by offset).
    fn read_jsonl_stream(
        &mut self,
        name: &str,
        input: &mut dyn Read,
        gzipped: bool,
        file: Option<&Arc<SourceFile>>,
    ) {
        let mut buf: Vec<u8> = Vec::new();
        let mut line_no = 0;
        let mut first = true;
        // The offset in the input of `buf[0]`.
        let mut base = 0u64;
        loop {
            let searched = buf.len();
            let got = read_up_to(input, &mut buf, self.batch);
            if first {
                if matches!(got, Ok(n) if n > 0) && buf.len() < UTF8_BOM.len() {
                    continue; // too little to tell a byte-order mark yet
                }
                first = false;
                if utf16_bom(&buf).is_some() {
                    // Rare: decode the whole stream as UTF-16, then split.
                    if let Err(err) = got.and_then(|_| input.read_to_end(&mut buf)) {
                        self.diagnose(name, cannot_read(&err), true);
                        return;
                    }
                    let big_endian = utf16_bom(&buf) == Some(true);
                    let (text, lossy) = decode_utf16(buf.get(2..).unwrap_or_default(), big_endian);
                    self.diagnose(name, utf16_warning(big_endian, lossy), false);
                    self.read_jsonl_lines(name, text.as_bytes(), &mut line_no, None);
                    return;
                }
                if buf.starts_with(UTF8_BOM) {
                    buf.drain(..UTF8_BOM.len());
                    base += UTF8_BOM.len() as u64;
                }
            }
            match got {
                Ok(0) => {
                    // End of input: what is left is the last line.
                    self.read_jsonl_lines(name, &buf, &mut line_no, file.map(|f| (f, base)));
                    return;
                }
                Ok(_) => {
                    // Parse the complete lines; keep a partial last one.
                    let from = searched.saturating_sub(UTF8_BOM.len());
                    if let Some(end) = memchr::memrchr(b'\n', buf.get(from..).unwrap_or_default()) {
                        let end = from + end + 1;
                        let lines = buf.get(..end).unwrap_or_default();
                        self.read_jsonl_lines(name, lines, &mut line_no, file.map(|f| (f, base)));
                        buf.drain(..end);
                        base += end as u64;
                    }
                }
                Err(err) => {
                    // A partly decoded last line is not a record: drop it.
                    let end = memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1);
                    let lines = buf.get(..end).unwrap_or_default();
                    self.read_jsonl_lines(name, lines, &mut line_no, file.map(|f| (f, base)));
                    let message = if gzipped {
                        format!("gzip stream truncated or corrupt after line {line_no}: {err}, rest of file skipped")
                    } else {
                        format!("read failed after line {line_no}: {err}, rest of file skipped")
                    };
                    self.diagnose(name, message, true);
                    return;
                }
            }
        }
    }

    /// Parses the lines of `data` (one JSON object a line, blank lines
    /// ignored), numbering them from `line_no + 1`; leaves `line_no` at the
    /// last line's number. `at` is the file `data` can be read again from,
    /// with the offset of `data[0]` in it.
    fn read_jsonl_lines(
        &mut self,
        name: &str,
        data: &[u8],
        line_no: &mut usize,
        at: Option<(&Arc<SourceFile>, u64)>,
    ) {
        let mut batch: Vec<(usize, &[u8])> = Vec::new();
        let mut batch_bytes = 0;
        for line in split_lines(data) {
            *line_no += 1;
            if is_blank(line) {
                continue;
            }
            batch.push((*line_no, line));
            batch_bytes += line.len();
            if batch_bytes >= self.batch {
                self.parse_batch(name, &batch, data, at);
                batch.clear();
                batch_bytes = 0;
            }
        }
        self.parse_batch(name, &batch, data, at);
    }

    /// Parses `batch`, lines of `data` (see [`Reader::read_jsonl_lines`]).
    fn parse_batch(
        &mut self,
        name: &str,
        batch: &[(usize, &[u8])],
        data: &[u8],
        at: Option<(&Arc<SourceFile>, u64)>,
    ) {
        let (options, visit) = (self.options, &*self.visit);
        // A text that can be read again and is to come released is never
        // held: it is parsed into the worker's buffer and visited there.
        let release = visit.release_texts() && at.is_some();
        let seed = self.ids.seed;
        // Each record is parsed, visited and made a document by one worker.
        let parsed: Vec<(bool, VisitedLine<V::Out>)> = batch
            .par_iter()
            .map_init(
                || (V::Scratch::default(), String::new()),
                |(scratch, text), &(line_no, line)| {
                    let origin = format!("{name}:{line_no}");
                    let ParsedLine { lossy, result } = parse_line_into(line, options, text);
                    let record = match result {
                        Ok(record) => record,
                        Err(message) => return (lossy, Err((origin, message))),
                    };
                    let out = visit.each(scratch, text);
                    let locator = at.map(|(file, base)| Locator::Line {
                        file: Arc::clone(file),
                        offset: base + (line.as_ptr() as usize - data.as_ptr() as usize) as u64,
                        len: line.len(),
                    });
                    let doc = Document {
                        id: record.id.unwrap_or_else(|| origin.clone()),
                        origin,
                        text: if release { String::new() } else { text.clone() },
                        record: record.raw,
                        meta: record.meta,
                        locator,
                        released: release.then_some(text.len()),
                    };
                    (lossy, Ok((Ids::hash(seed, &doc.id), doc, out, record.meta_warnings)))
                },
            )
            .collect();
        for (lossy, result) in parsed {
            if lossy {
                let origin = match &result {
                    Ok((_, doc, _, _)) => &doc.origin,
                    Err((origin, _)) => origin,
                };
                self.diagnose(origin.clone(), "invalid UTF-8, decoded with replacement characters", false);
            }
            match result {
                Ok((id_hash, doc, out, warnings)) => {
                    for message in warnings {
                        self.diagnose(doc.origin.clone(), message, false);
                    }
                    self.add(doc, id_hash, out)
                }
                Err((origin, message)) => self.diagnose(origin, message, true),
            }
        }
        self.done();
    }
}

/// Whether standard input holds JSONL rather than plain text: its first
/// non-blank line, after a byte-order mark, starts with `{` (or it is
/// blank, or starts with a UTF-16 byte-order mark). Looks at most at the
/// first 64 KiB.
fn stdin_is_jsonl(input: &mut dyn BufRead) -> io::Result<bool> {
    let head = input.fill_buf()?;
    if utf16_bom(head).is_some() {
        return Ok(true);
    }
    let head = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    Ok(head.iter().find(|b| !b.is_ascii_whitespace()).map_or(true, |&b| b == b'{'))
}

/// A file's bytes, and its stamp as it was opened (none if it cannot be
/// read again); the error is the skip message.
fn read_file(path: &Path) -> Result<(Vec<u8>, Option<Stamp>), String> {
    let read = || -> io::Result<(Vec<u8>, Option<Stamp>)> {
        let mut file = fs::File::open(path)?;
        let stamp = Stamp::of(&file);
        let mut bytes = Vec::with_capacity(stamp.map_or(0, |s| s.len as usize));
        file.read_to_end(&mut bytes)?;
        Ok((bytes, stamp))
    };
    read().map_err(|err| cannot_read(&err))
}

/// The message for a file or directory that could not be read.
fn cannot_read(err: &io::Error) -> String {
    format!("cannot read: {err}, skipped")
}

/// A path as reached from its argument, with `/` between components.
fn display(path: &Path) -> String {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '\\' {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    }
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

/// Appends up to `limit` bytes from `input` to `buf` (fewer only at the
/// end of input); returns how many were read.
fn read_up_to(input: &mut dyn Read, buf: &mut Vec<u8>, limit: usize) -> io::Result<usize> {
    let start = buf.len();
    let result = input.take(limit as u64).read_to_end(buf);
    match result {
        Ok(_) => Ok(buf.len() - start),
        Err(err) if err.kind() == io::ErrorKind::Interrupted => Ok(buf.len() - start),
        Err(err) => Err(err),
    }
}

/// The lines of `data`, split at `\n`, without their `\n` or `\r\n`. A last
/// line without a line end counts; nothing after a final `\n` does.
fn split_lines(data: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', data);
    std::iter::from_fn(move || {
        let line = match ends.next() {
            Some(end) => data.get(start..end),
            None if start < data.len() => data.get(start..),
            None => None,
        }?;
        start += line.len() + 1;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// A JSONL line parsed and visited: the hash of its document's id
/// ([`Ids::hash`]), the document, what [`Visit::each`] gave and the
/// warnings about its date and source; or its origin and the skip message.
type VisitedLine<O> = Result<(u64, Document, O, Vec<String>), (String, String)>;

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8]) -> Vec<&[u8]> {
        split_lines(data).collect()
    }

    #[test]
    fn split_lines_drops_line_ends_and_keeps_a_last_unterminated_line() {
        assert!(lines(b"").is_empty());
        assert_eq!(lines(b"a"), [b"a".as_slice()]);
        assert_eq!(lines(b"a\n"), [b"a".as_slice()]);
        assert_eq!(lines(b"a\r\nb\n\nc"), [&b"a"[..], b"b", b"", b"c"]);
        assert_eq!(lines(b"\n\n"), [&b""[..], b""]);
        // Only the \r right before \n goes; one inside a line stays.
        assert_eq!(lines(b"a\rb\r\r\n"), [&b"a\rb\r"[..]]);
    }

    #[test]
    fn blank_lines_are_white_space_only() {
        assert!(is_blank(b""));
        assert!(is_blank(b" \t\r "));
        assert!(!is_blank(b" {} "));
    }

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

    /// Lines cut anywhere by the batch boundaries, a BOM, CRLF, blank lines
    /// and a last line without a line end all read as if in one piece.
    #[test]
    fn streaming_in_small_batches_matches_one_batch() {
        let mut data = UTF8_BOM.to_vec();
        for i in 0..50 {
            data.extend_from_slice(
                format!("{{\"id\":\"d{i}\",\"text\":\"{}\"}}\r\n", "w ".repeat(i)).as_bytes(),
            );
            if i % 7 == 0 {
                data.extend_from_slice(b"\n");
            }
        }
        data.extend_from_slice(br#"{"id":"last","text":"no line end"}"#);
        let options = ReadOptions::default();
        let read = |batch: usize| {
            let mut visit = NoVisit;
            let mut reader = Reader::new(&options, &mut visit);
            reader.batch = batch;
            reader.read_jsonl_stream("x", &mut &data[..], false, None);
            reader.loaded
        };
        let whole = read(1 << 20);
        assert_eq!(whole.documents.len(), 51);
        assert!(whole.diagnostics.is_empty(), "{:?}", whole.diagnostics);
        assert_eq!(whole.documents[50].origin, "x:59"); // 50 records, 8 blank lines, then the last
        for batch in [1, 7, 64] {
            let small = read(batch);
            assert_eq!(small.documents, whole.documents, "batch {batch}");
            assert!(small.diagnostics.is_empty());
        }

        // From a file: every document is visited once, in order, comes
        // released when asked, and reads back the same, whatever the batch
        // size.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        fs::write(&path, &data).unwrap();
        let texts: Vec<&str> = whole.documents.iter().map(|d| d.text.as_str()).collect();
        for (batch, release) in [(1, true), (7, true), (64, false), (1 << 20, true)] {
            let mut visit = Texts { release, handed: Vec::new() };
            let mut reader = Reader::new(&options, &mut visit);
            reader.batch = batch;
            reader.read_jsonl_file(&path, false);
            let mut loaded = reader.loaded;
            assert_eq!(visit.handed, texts, "batch {batch}");
            assert!(loaded.documents.iter().all(|d| d.is_released() == release));
            assert_eq!(loaded.documents[3].text_len(), texts[3].len());
            if !release {
                let kept = |docs: &[Document]| {
                    docs.iter().map(|d| (d.id.clone(), d.text.clone())).collect::<Vec<_>>()
                };
                assert!(kept(&loaded.documents) == kept(&whole.documents));
                continue;
            }
            // Only the wanted ones come back.
            restore_texts(&mut loaded.documents, |i| i % 2 == 1, &options).unwrap();
            for (i, (d, text)) in loaded.documents.iter().zip(&texts).enumerate() {
                assert_eq!(d.is_released(), i % 2 == 0);
                assert_eq!(d.text, if i % 2 == 1 { *text } else { "" }, "batch {batch}, document {i}");
            }
        }
    }

    /// A visit that keeps the texts it is shown, in the order of the
    /// batches, and checks each batch's documents against them.
    struct Texts {
        release: bool,
        handed: Vec<String>,
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

    /// Rewrites a file and gives it another modification time (a rewrite
    /// within one clock tick may keep it).
    fn rewrite(path: &Path, text: &str) {
        fs::write(path, text).unwrap();
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000)).unwrap();
    }

    #[test]
    fn a_changed_file_does_not_restore_silently() {
        let dir = tempfile::tempdir().unwrap();
        let (jsonl, txt) = (dir.path().join("a.jsonl"), dir.path().join("b.txt"));
        let lines = "{\"id\":\"a\",\"text\":\"one two\"}\n{\"id\":\"b\",\"text\":\"three\"}\n";
        fs::write(&jsonl, lines).unwrap();
        fs::write(&txt, "plain text").unwrap();
        let options = ReadOptions::default();
        let mut visit = Texts { release: true, handed: Vec::new() };
        let mut loaded = read_inputs_with(&[jsonl.clone(), txt.clone()], &options, &mut visit);
        assert_eq!(loaded.documents.len(), 3);
        assert!(loaded.documents.iter().all(Document::is_released));
        // Rewritten, with the same length.
        rewrite(&jsonl, &lines.replace("one", "six"));
        rewrite(&txt, "plain tent");
        for (i, file) in [(0, "a.jsonl"), (1, "a.jsonl"), (2, "b.txt")] {
            let err = restore_texts(&mut loaded.documents, |j| j == i, &options).unwrap_err().to_string();
            assert!(err.contains("changed while it was read") && err.contains(file), "{err}");
        }
        // Gone altogether: an error naming the file.
        fs::remove_file(&jsonl).unwrap();
        let err = restore_texts(&mut loaded.documents, |j| j == 0, &options).unwrap_err().to_string();
        assert!(err.contains("a.jsonl"), "{err}");
        // Nothing wanted, nothing read.
        restore_texts(&mut loaded.documents, |_| false, &options).unwrap();
    }

    /// Two ids with one hash (as good as never by chance) are still told
    /// apart, and each repeat is found.
    #[test]
    fn ids_with_one_hash_stay_apart() {
        let docs = [Document::new("a", ""), Document::new("b", ""), Document::new("c", "")];
        let mut ids = Ids::default();
        assert_eq!(ids.first_or_insert("a", 7, 0, &docs[..0]), None);
        assert_eq!(ids.first_or_insert("b", 7, 1, &docs[..1]), None);
        assert_eq!(ids.first_or_insert("c", 8, 2, &docs[..2]), None);
        assert_eq!(ids.first_or_insert("a", 7, 3, &docs), Some(0));
        assert_eq!(ids.first_or_insert("b", 7, 3, &docs), Some(1));
        assert_eq!(ids.first_or_insert("c", 8, 3, &docs), Some(2));
        assert_eq!(Ids::hash(ids.seed, "a"), Ids::hash(ids.seed, "a"));
        assert_ne!(Ids::hash(ids.seed, "a"), Ids::hash(ids.seed, "b"));
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
