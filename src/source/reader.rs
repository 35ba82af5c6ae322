//! Walking the inputs: each argument is a plain text file, a directory
//! (walked in sorted order, its plain text files read in parallel
//! batches), a JSONL file (read in `jsonl.rs`) or `-` for standard input.
//! A [`Reader`] keeps the documents in input order, refuses a repeated id,
//! notes every problem as a diagnostic and hands each batch of documents
//! to the [`Visit`].

use std::collections::HashMap;
use std::fs;
use std::hash::{BuildHasher, BuildHasherDefault};
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::decode::*;
use super::jsonl::BATCH_BYTES;
use super::{jsonl_kind, Diagnostic, Document, Loaded, Locator, ReadOptions, SourceFile, Stamp, Visit};

#[cfg(doc)]
use super::read_inputs;

/// Plain text files met in a directory walk are read in parallel batches of
/// at most this many files.
const FILE_BATCH: usize = 256;

/// The location name of standard input.
const STDIN_NAME: &str = "<stdin>";

/// The ids read so far, to refuse a repeat. Looked up by a seeded hash of
/// the id, computed on the worker that read it, so the reading thread
/// neither hashes nor copies ids.
pub(super) struct Ids {
    /// Hash of an id -> the index of the first document with it.
    first: HashMap<u64, usize, BuildHasherDefault<KnownHash>>,
    /// Ids whose hash an earlier, different id has (next to never).
    more: HashMap<String, usize>,
    /// A fresh seed each run, so that no input can aim at collisions.
    pub(super) seed: u64,
}

impl Default for Ids {
    fn default() -> Ids {
        let seed = std::hash::RandomState::new().hash_one(0u8);
        Ids { first: HashMap::default(), more: HashMap::new(), seed }
    }
}

impl Ids {
    pub(super) fn hash(seed: u64, id: &str) -> u64 {
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
pub(super) struct Reader<'a, V: Visit> {
    pub(super) options: &'a ReadOptions,
    pub(super) loaded: Loaded,
    /// Each id read so far.
    pub(super) ids: Ids,
    /// Bytes of JSONL read and parsed at a time ([`BATCH_BYTES`]).
    pub(super) batch: usize,
    pub(super) visit: &'a mut V,
    /// What `visit.each` gave for the documents added since the last batch.
    outs: Vec<V::Out>,
}

impl<'a, V: Visit> Reader<'a, V> {
    pub(super) fn new(options: &'a ReadOptions, visit: &'a mut V) -> Reader<'a, V> {
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
    pub(super) fn done(&mut self) {
        let outs = std::mem::take(&mut self.outs);
        let from = self.loaded.documents.len() - outs.len();
        if !outs.is_empty() {
            self.visit.batch(&mut self.loaded.documents[from..], outs);
        }
    }

    pub(super) fn diagnose(
        &mut self,
        location: impl Into<String>,
        message: impl Into<String>,
        skipped: bool,
    ) {
        self.loaded.diagnostics.push(Diagnostic {
            location: location.into(),
            message: message.into(),
            skipped,
        });
    }

    /// Adds a document, with the [`Ids::hash`] of its id and what
    /// `visit.each` gave for it, unless its id was seen before.
    pub(super) fn add(&mut self, document: Document, id_hash: u64, out: V::Out) {
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

    pub(super) fn read_input(&mut self, input: &Path) {
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
        // Unlocked (each read locks it): JSONL is read on the pool's threads.
        let mut input = io::BufReader::with_capacity(1 << 16, io::stdin());
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
pub(super) fn cannot_read(err: &io::Error) -> String {
    format!("cannot read: {err}, skipped")
}

/// A path as reached from its argument, with `/` between components.
pub(super) fn display(path: &Path) -> String {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '\\' {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
