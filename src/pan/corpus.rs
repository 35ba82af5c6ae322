//! The corpus layout (see the module doc of [`crate::pan`]): its subsets,
//! their pairs and truth cases ([`Corpus::open`]), and the documents of a
//! pair, read as they are ([`read_document`]). The first stage of
//! `reprint eval --pan`; `detect.rs` then aligns the pairs it lists.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::xml::{read_features, CASE_NAME};
use super::Detection;
use crate::Error;

/// Folder of the suspicious documents.
pub const SUSPICIOUS_DIR: &str = "susp";
/// Folder of the source documents.
pub const SOURCE_DIR: &str = "src";

/// Reads a document as it is: UTF-8, NUL bytes and all, so that character
/// offsets count the file's own characters. Text that is not UTF-8 is an
/// error naming the file.
pub fn read_document(path: &Path) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Other(format!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// One pair of a corpus: the file names of its documents and its cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    /// File name of the suspicious document (in [`SUSPICIOUS_DIR`]).
    pub susp: String,
    /// File name of the source document (in [`SOURCE_DIR`]).
    pub src: String,
    /// Its truth cases, without repeats.
    pub cases: Vec<Detection>,
}

impl Pair {
    /// The pair's XML file name: `SUSP-SRC.xml`, each name without its
    /// extension.
    pub fn xml_name(&self) -> String {
        let stem = |name: &str| name.rsplit_once('.').map_or(name, |(stem, _)| stem).to_string();
        format!("{}-{}.xml", stem(&self.susp), stem(&self.src))
    }
}

/// A subset of a corpus: one folder's pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subset {
    /// The folder's name, e.g. `02-no-obfuscation`.
    pub name: String,
    /// Its pairs, in the order of its `pairs` file.
    pub pairs: Vec<Pair>,
}

/// A PAN text-alignment corpus: its subsets with their pairs and truth.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// The corpus folder.
    pub dir: PathBuf,
    /// Its subsets, in name order.
    pub subsets: Vec<Subset>,
    /// Pairs the top-level `pairs` file lists that no subset holds: they
    /// are not scored (as in the official evaluator).
    pub unscored: Vec<(String, String)>,
}

impl Corpus {
    /// Reads the layout and the truth of the corpus in `dir` (see the
    /// module doc). A folder without any subset is an error; so is a
    /// malformed `pairs` line or truth XML, named by file (and line).
    pub fn open(dir: &Path) -> Result<Corpus, Error> {
        let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let path = entry.path();
            if path.is_dir() && path.join("pairs").is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        if names.is_empty() {
            return Err(Error::Other(format!(
                "{}: no subset folder with a `pairs` file (not a PAN text-alignment corpus)",
                dir.display()
            )));
        }
        let mut subsets = Vec::with_capacity(names.len());
        for name in names {
            let folder = dir.join(&name);
            let mut pairs = Vec::new();
            for (susp, src) in read_pairs(&folder.join("pairs"))? {
                let mut pair = Pair { susp, src, cases: Vec::new() };
                pair.cases = read_features(&folder.join(pair.xml_name()), &[CASE_NAME])?;
                pairs.push(pair);
            }
            subsets.push(Subset { name, pairs });
        }
        let top = dir.join("pairs");
        let unscored = if top.is_file() {
            let held: BTreeSet<(&str, &str)> =
                subsets.iter().flat_map(|s| &s.pairs).map(|p| (p.susp.as_str(), p.src.as_str())).collect();
            read_pairs(&top)?.into_iter().filter(|(a, b)| !held.contains(&(a.as_str(), b.as_str()))).collect()
        } else {
            Vec::new()
        };
        Ok(Corpus { dir: dir.to_path_buf(), subsets, unscored })
    }

    /// Every pair of every subset, subset by subset.
    pub fn pairs(&self) -> impl Iterator<Item = &Pair> {
        self.subsets.iter().flat_map(|s| &s.pairs)
    }

    /// Reads the two documents of `pair`: (suspicious, source).
    pub fn read_pair(&self, pair: &Pair) -> Result<(String, String), Error> {
        Ok((
            read_document(&self.dir.join(SUSPICIOUS_DIR).join(&pair.susp))?,
            read_document(&self.dir.join(SOURCE_DIR).join(&pair.src))?,
        ))
    }
}

/// The lines of a `pairs` file: two file names each; blank lines skipped.
fn read_pairs(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut pairs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (None, _, _) => {}
            (Some(susp), Some(src), None) => pairs.push((susp.to_string(), src.to_string())),
            _ => {
                return Err(Error::Other(format!(
                    "{}:{}: not a pair line (\"SUSPICIOUS SOURCE\", two file names)",
                    path.display(),
                    i + 1
                )))
            }
        }
    }
    Ok(pairs)
}
