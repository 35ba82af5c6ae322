//! The persistent index: documents added over time in, for a new document
//! the indexed documents it near-duplicates or reuses out (`reprint index`).
//!
//! # What it stores
//!
//! One SQLite file, `DIR/index.sqlite`, with five tables:
//!
//! - `meta` (key -> text): the format version and the parameters the index
//!   was built with (shingle size, permutations, seed, MinHash algorithm and
//!   [`crate::minhash::ALGORITHM_VERSION`], threshold, bands and rows,
//!   winnowing window, `max_df`, `min_shared`), fixed at creation; every
//!   add and query compares its own and refuses a mismatch, naming the
//!   parameter ([`Index::check`]). Also the next document and segment
//!   numbers.
//! - `docs` (document number -> id, content hash, words, text, date,
//!   source): the text is kept so a query can score candidates exactly and
//!   align passages; the content hash (of the normalised token sequence)
//!   makes re-adding an unchanged document a no-op. `id` is unique (an
//!   index maps it back). `date` (as given, ISO 8601) and `source` are null
//!   when unknown; a query gives them back and decides each match's origin
//!   from them ([`Index::query_with`]). Format `reprint-index/1` had no such
//!   columns: such a file is read as it is (no dates), and the first add
//!   adds them and records format `reprint-index/2`.
//! - `lsh` and `fingerprints`: the two candidate paths of
//!   [`crate::pipeline`] as inverted lists. A *term* is a 64-bit value: an
//!   LSH band key ([`crate::lsh::band_key`], seeded by the band), or a
//!   winnowed fingerprint ([`crate::reuse::winnow`]) shifted into the high
//!   32 bits. Each added batch writes one *segment*: its entries
//!   `(term, document)` sorted and cut into 65,536 buckets by the term's top
//!   16 bits, one row per non-empty bucket, keyed `segment << 16 | bucket`,
//!   holding 12 bytes per entry. A lookup reads one row per segment and
//!   binary-searches it.
//! - `segments` (segment -> level, documents): [`Index::compact`] merges
//!   [`FANOUT`] segments of one level into one of the next (dropping the
//!   entries of removed documents) while a level holds that many, so a
//!   query reads O(log n) rows per term, as in a log-structured merge tree.
//!   An add merges only while more than [`MAX_SEGMENTS`] segments exist
//!   ([`Index::compact_over`]): merging rewrites every posting it touches,
//!   which cost a quarter of the add time on 100,000 documents when done
//!   after every batch, while reading a few more segments costs a query
//!   little.
//!
//! # Queries
//!
//! A query looks up its band keys and fingerprints in every segment and
//! ranks the candidates (any band hit, or at least `min_shared`
//! fingerprints of document frequency up to `max_df`) by the larger of the
//! share of its fingerprints they share (about the containment of the
//! query in them) and the share of its bands they hit (rising with
//! Jaccard). Only the best [`DEFAULT_LIMIT`] (or the caller's limit) are
//! read, scored exactly and aligned: on a collection full of reuse a
//! news article has ~100 candidates, and scoring them all cost more than
//! everything else. Candidates with byte-identical texts (copies) are
//! aligned once. [`QueryResult::timings`] times each stage. The
//! database is read through a memory map (up to SQLite's compile-time cap,
//! raised to 1 TB in `.cargo/config.toml`): the lookup reads a row per term
//! and segment from all over the file, and a system call per page halved
//! its speed.
//!
//! Why segments instead of one row per `(term, document)`: fingerprints are
//! random, so inserting a batch's entries into one B-tree touches every leaf
//! page of a large index and each commit rewrites most of it; a segment's
//! rows are appended in key order.
//!
//! Removal deletes the document's row; its entries stay in the postings
//! until the next merge of their segment, and queries skip documents that
//! are gone. A fingerprint's document frequency (for `max_df`) counts the
//! entries in the postings, so it may include removed documents until then.
//!
//! # Crash safety and concurrency
//!
//! The database runs in write-ahead-log mode. Every batch of an add is one
//! transaction (its documents, its segment and the counters), so a crash or
//! `kill -9` loses at most the batch in flight; a merge is one transaction
//! too. Readers see the last committed state and never wait for the writer;
//! a second writer waits for the first (up to [`BUSY_TIMEOUT`]).
//!
//! # Why SQLite (rusqlite, bundled) and not redb
//!
//! Both are embedded, ACID and crash-safe. redb takes an exclusive lock on
//! its file per process, so a `reprint index query` could not open the
//! index while a `reprint index add` runs in another process; SQLite in WAL
//! mode lets any number of reader processes query while one process writes.
//! The bundled build needs no system library.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::align::{self, Passage};
use crate::config::{Config, MinHashAlgorithm};
use crate::lsh;
use crate::meta::{Date, Meta};
use crate::minhash::{self, MinHasher};
use crate::origin::{self, Origin};
use crate::pipeline::{PairKind, Params};
use crate::reuse;
use crate::shingle;
use crate::source::Document;
use crate::text::{Token, Tokenizer};
use crate::verify::Overlap;
use crate::Error;

/// The database file inside an index directory.
pub const FILE_NAME: &str = "index.sqlite";

/// The format of the database, recorded in `meta`.
pub const FORMAT: &str = "reprint-index/2";

/// The format before documents had dates and sources: read as it is (its
/// documents have none), and brought to [`FORMAT`] by the first add
/// ([`Index::add`]), which adds the two columns.
pub const FORMAT_V1: &str = "reprint-index/1";

/// Segments of one level merged into one of the next.
pub const FANOUT: usize = 4;

/// Candidates a query scores and aligns unless told otherwise.
pub const DEFAULT_LIMIT: usize = 20;

/// Segments an add leaves before it merges ([`Index::compact_over`]).
pub const MAX_SEGMENTS: usize = 16;

/// How long a writer waits for another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Bits of a term that pick its bucket.
const BUCKET_BITS: u32 = 16;

/// Bytes of one posting entry: the term (8) and the document (4).
const ENTRY: usize = 12;

/// The two posting tables.
const TABLES: [&str; 2] = ["lsh", "fingerprints"];

/// What an add did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AddStats {
    /// New ids.
    pub added: usize,
    /// Ids whose text changed, replaced.
    pub replaced: Vec<String>,
    /// Ids re-added with the same text (no-ops).
    pub unchanged: usize,
}

impl AddStats {
    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: AddStats) {
        self.added += other.added;
        self.replaced.extend(other.replaced);
        self.unchanged += other.unchanged;
    }
}

/// What `stats` tells about an index.
#[derive(Clone, Debug, Serialize)]
pub struct IndexStats {
    /// Documents held.
    pub documents: u64,
    /// Words of those documents.
    pub words: u64,
    /// Posting segments.
    pub segments: u64,
    /// Bytes on disk (database and write-ahead log).
    pub bytes_on_disk: u64,
    /// The parameters, as recorded. In JSON an object, in this order, with
    /// numbers as numbers (the shape of a report's `params`).
    #[serde(serialize_with = "params_object")]
    pub params: Vec<(String, String)>,
}

/// Recorded parameters as a JSON object: a value that reads as a JSON
/// number is written as one, any other as a string.
fn params_object<S: serde::Serializer>(params: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(params.len()))?;
    for (k, v) in params {
        match serde_json::from_str::<serde_json::Number>(v) {
            Ok(n) => map.serialize_entry(k, &n)?,
            Err(_) => map.serialize_entry(k, v)?,
        }
    }
    map.end()
}

/// One indexed document that a queried document overlaps.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// The indexed document's id.
    pub id: String,
    /// Its words.
    pub words: usize,
    /// Bytes of its text.
    pub bytes: usize,
    /// Exact, near-duplicate or reuse.
    pub kind: PairKind,
    /// Exact Jaccard of the shingle sets.
    pub jaccard: f64,
    /// Share of the queried document's shingles found in the indexed one.
    pub containment_a: f64,
    /// Share of the indexed document's shingles found in the queried one.
    pub containment_b: f64,
    /// Passages: `a` spans in the queried text, `b` in the indexed one.
    pub passages: Vec<Passage>,
    /// Whether alignment stopped at its work budget.
    pub budget_exhausted: bool,
    /// The indexed document's date and source, as added (empty when it
    /// was added without them, or to an index of format 1).
    pub meta: Meta,
    /// Which side the shared text came from, `a` the queried document and
    /// `b` the indexed one, when the config asks for origins
    /// ([`Config::origin`]); its `why` only with `config.align.explain`.
    pub origin: Option<Origin>,
}

impl Match {
    /// Matched words over all passages.
    pub fn passage_words(&self) -> usize {
        self.passages.iter().map(|p| p.words).sum()
    }
}

/// The result of querying one document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryResult {
    /// Words of the queried document.
    pub words: usize,
    /// Distinct candidates found by the lookup.
    pub candidates: usize,
    /// Candidates scored exactly and aligned: at most the limit.
    pub scored: usize,
    /// Matches, most reused first: by containment of the queried document,
    /// then passage words, then id.
    pub matches: Vec<Match>,
    /// Where the time went.
    pub timings: QueryTimings,
}

/// Wall-clock time of each stage of one query.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QueryTimings {
    /// Tokenising, shingling, signing and winnowing the query.
    pub sketch: Duration,
    /// Reading the postings and ranking the candidates.
    pub lookup: Duration,
    /// Reading the texts of the candidates to score.
    pub load: Duration,
    /// Tokenising them and computing exact Jaccard and containments.
    pub verify: Duration,
    /// Aligning the passages of those that pass.
    pub align: Duration,
}

/// The sketch of one document: what an add stores and a query looks up.
#[derive(Clone, Debug, Default)]
struct Sketch {
    words: usize,
    content: u128,
    /// Band keys then fingerprint terms, as posting terms.
    terms: (Vec<u64>, Vec<u64>),
}

#[derive(Default)]
struct Scratch {
    tokenizer: Tokenizer,
    tokens: Vec<Token>,
    hashes: Vec<u64>,
    shingles: Vec<u64>,
    signature: Vec<u32>,
    fingerprints: Vec<u32>,
}

/// An open index.
pub struct Index {
    conn: Connection,
    dir: PathBuf,
    config: Config,
    recorded: Vec<(&'static str, String)>,
    hasher: MinHasher,
    /// Whether `docs` has the `date` and `source` columns (format 2).
    has_meta: bool,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// Parameters recorded in `meta`, in a fixed order, as text. Bands and
/// rows are chosen from the threshold when not given (which validates the
/// config); given, they are taken as they are, so that [`Index::check`]
/// names a differing parameter before validation complains about a
/// combination.
fn recorded(config: &Config) -> Result<Vec<(&'static str, String)>, Error> {
    let (bands, rows) = match (config.bands, config.rows) {
        (Some(b), Some(r)) => (b, r),
        _ => {
            let p = Params::resolve(config)?;
            (p.bands, p.rows)
        }
    };
    Ok(vec![
        ("shingle_size", config.shingle_size.to_string()),
        ("num_perm", config.num_perm.to_string()),
        ("seed", config.seed.to_string()),
        ("minhash", config.minhash.name().to_string()),
        ("algorithm_version", minhash::ALGORITHM_VERSION.to_string()),
        ("threshold", config.threshold.to_string()),
        ("bands", bands.to_string()),
        ("rows", rows.to_string()),
        ("winnow_window", config.winnow_window.to_string()),
        ("max_df", config.max_df.to_string()),
        ("min_shared", config.min_shared.to_string()),
    ])
}

/// The config a recorded parameter list describes.
fn config_of(meta: &HashMap<String, String>, dir: &Path) -> Result<Config, Error> {
    let bad =
        |name: &str| Error::Other(format!("{}: parameter {name} is missing or unreadable", dir.display()));
    fn get<T: std::str::FromStr>(meta: &HashMap<String, String>, name: &str) -> Option<T> {
        meta.get(name).and_then(|v| v.parse().ok())
    }
    let version: u32 = get(meta, "algorithm_version").ok_or_else(|| bad("algorithm_version"))?;
    if version != minhash::ALGORITHM_VERSION {
        return Err(Error::Config(format!(
            "parameter algorithm_version: the index at {} was built with signature algorithm version {version}, \
             this reprint computes version {}; rebuild the index",
            dir.display(),
            minhash::ALGORITHM_VERSION
        )));
    }
    let minhash = match meta.get("minhash").map(String::as_str) {
        Some("oph") => MinHashAlgorithm::OnePermutation,
        Some("kperm") => MinHashAlgorithm::KPermutation,
        _ => return Err(bad("minhash")),
    };
    let config = Config {
        shingle_size: get(meta, "shingle_size").ok_or_else(|| bad("shingle_size"))?,
        num_perm: get(meta, "num_perm").ok_or_else(|| bad("num_perm"))?,
        seed: get(meta, "seed").ok_or_else(|| bad("seed"))?,
        minhash,
        threshold: get(meta, "threshold").ok_or_else(|| bad("threshold"))?,
        bands: Some(get(meta, "bands").ok_or_else(|| bad("bands"))?),
        rows: Some(get(meta, "rows").ok_or_else(|| bad("rows"))?),
        winnow_window: get(meta, "winnow_window").ok_or_else(|| bad("winnow_window"))?,
        max_df: get(meta, "max_df").ok_or_else(|| bad("max_df"))?,
        min_shared: get(meta, "min_shared").ok_or_else(|| bad("min_shared"))?,
        ..Config::default()
    };
    config.validate()?;
    Ok(config)
}

impl Index {
    /// The database file of the index in `dir`.
    pub fn file(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    /// Whether `dir` holds an index.
    pub fn exists(dir: &Path) -> bool {
        Index::file(dir).is_file()
    }

    /// Creates an empty index in `dir` (created if missing) with the
    /// parameters of `config`. Fails if one is there already.
    pub fn create(dir: &Path, config: &Config) -> Result<Index, Error> {
        config.validate()?;
        let recorded = recorded(config)?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let file = Index::file(dir);
        if file.exists() {
            return Err(Error::Other(format!("{}: an index is already there", dir.display())));
        }
        let mut conn = connect(&file, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        let db = |e| db_error(&file, e);
        conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)).map_err(db)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS docs(doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
                 content BLOB NOT NULL, words INTEGER NOT NULL, text TEXT NOT NULL, date TEXT, source TEXT);
             CREATE TABLE IF NOT EXISTS segments(segment INTEGER PRIMARY KEY, level INTEGER NOT NULL,
                 docs INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS lsh(key INTEGER PRIMARY KEY, entries BLOB NOT NULL);
             CREATE TABLE IF NOT EXISTS fingerprints(key INTEGER PRIMARY KEY, entries BLOB NOT NULL);",
        )
        .map_err(db)?;
        let existing: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0))
            .optional()
            .map_err(db)?;
        if existing.is_none() {
            let mut insert = tx.prepare("INSERT INTO meta(key, value) VALUES (?1, ?2)").map_err(db)?;
            insert.execute(params!["format", FORMAT]).map_err(db)?;
            insert.execute(params!["next_doc", "0"]).map_err(db)?;
            insert.execute(params!["next_segment", "0"]).map_err(db)?;
            for (k, v) in &recorded {
                insert.execute(params![k, v]).map_err(db)?;
            }
            drop(insert);
            tx.commit().map_err(db)?;
        } else {
            drop(tx);
        }
        drop(conn);
        Index::open(dir)
    }

    /// Opens the index in `dir`.
    pub fn open(dir: &Path) -> Result<Index, Error> {
        let file = Index::file(dir);
        if !file.is_file() {
            return Err(Error::Other(format!(
                "{}: no index here (create one with `reprint index add --index {} INPUT...`)",
                dir.display(),
                dir.display()
            )));
        }
        let conn = connect(&file, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let db = |e| db_error(&file, e);
        let meta: HashMap<String, String> = {
            let mut stmt = conn.prepare("SELECT key, value FROM meta").map_err(db)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)?
        };
        let has_meta = match meta.get("format") {
            Some(f) if f == FORMAT => true,
            Some(f) if f == FORMAT_V1 => false,
            Some(f) => {
                return Err(Error::Other(format!("{}: index format {f}, expected {FORMAT}", dir.display())))
            }
            None => return Err(Error::Other(format!("{}: not a reprint index", dir.display()))),
        };
        let config = config_of(&meta, dir)?;
        let recorded = recorded(&config)?;
        let hasher = MinHasher::new(config.num_perm, config.seed, config.minhash);
        Ok(Index { conn, dir: dir.to_path_buf(), config, recorded, hasher, has_meta })
    }

    /// The parameters the index was built with, as a config (the other
    /// settings at their defaults).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Refuses `config` if any recorded parameter differs; the message
    /// names the first that does.
    pub fn check(&self, config: &Config) -> Result<(), Error> {
        let asked = recorded(config)?;
        for ((name, want), (_, have)) in asked.iter().zip(&self.recorded) {
            if want != have {
                return Err(Error::Config(format!(
                    "parameter {name} is {want}, but the index at {} was built with {name} {have}; \
                     an index's parameters are fixed when it is created",
                    self.dir.display()
                )));
            }
        }
        config.validate()
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| db_error(&self.dir, e)
    }

    /// Adds `docs` in one transaction: a crash loses all of them or none.
    /// An id already held with the same normalised text is left alone
    /// (but takes the date and source it carries, if any: a value it
    /// lacks stays as it was); with other text it is replaced. Later
    /// documents of `docs` with an id seen earlier in it replace the
    /// earlier ones. Each document's date and source ([`Document::meta`])
    /// are stored with it. An index of format `reprint-index/1` is brought
    /// to [`FORMAT`] first, in the same transaction.
    pub fn add(&mut self, docs: &[Document]) -> Result<AddStats, Error> {
        let config = &self.config;
        let hasher = &self.hasher;
        let sketches: Vec<Sketch> =
            docs.par_iter().map_init(Scratch::default, |s, d| sketch(s, &d.text, config, hasher)).collect();
        let dir = self.dir.clone();
        let db = |e| db_error(&dir, e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        if !self.has_meta {
            upgrade(&tx).map_err(db)?;
        }
        let mut next_doc = meta_u64(&tx, "next_doc").map_err(db)?;
        let mut stats = AddStats::default();
        let mut lsh_entries: Vec<(u64, u32)> = Vec::new();
        let mut fp_entries: Vec<(u64, u32)> = Vec::new();
        let mut new_docs = 0u64;
        {
            let mut find = tx.prepare_cached("SELECT doc, content FROM docs WHERE id = ?1").map_err(db)?;
            let mut delete = tx.prepare_cached("DELETE FROM docs WHERE doc = ?1").map_err(db)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO docs(doc, id, content, words, text, date, source) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(db)?;
            let mut update_meta = tx
                .prepare_cached(
                    "UPDATE docs SET date = coalesce(?2, date), source = coalesce(?3, source) WHERE doc = ?1",
                )
                .map_err(db)?;
            for (doc, sk) in docs.iter().zip(&sketches) {
                let content = sk.content.to_le_bytes();
                let meta = doc.meta();
                let (date, source) = (meta.date.as_ref().map(|d| d.as_str()), meta.source.as_deref());
                let old: Option<(i64, Vec<u8>)> =
                    find.query_row([&doc.id], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(db)?;
                match old {
                    Some((n, c)) if c == content => {
                        if !meta.is_empty() {
                            update_meta.execute(params![n, date, source]).map_err(db)?;
                        }
                        stats.unchanged += 1;
                        continue;
                    }
                    Some((n, _)) => {
                        delete.execute([n]).map_err(db)?;
                        stats.replaced.push(doc.id.clone());
                    }
                    None => stats.added += 1,
                }
                if next_doc >= u64::from(u32::MAX) {
                    return Err(Error::Other(format!(
                        "{}: the index is full (2^32 documents)",
                        dir.display()
                    )));
                }
                let n = next_doc as u32;
                next_doc += 1;
                new_docs += 1;
                insert
                    .execute(params![
                        i64::from(n),
                        doc.id,
                        &content[..],
                        sk.words as i64,
                        doc.text,
                        date,
                        source
                    ])
                    .map_err(db)?;
                lsh_entries.extend(sk.terms.0.iter().map(|&t| (t, n)));
                fp_entries.extend(sk.terms.1.iter().map(|&t| (t, n)));
            }
        }
        if !lsh_entries.is_empty() || !fp_entries.is_empty() {
            let segment = meta_u64(&tx, "next_segment").map_err(db)?;
            for (table, mut e) in TABLES.iter().zip([lsh_entries, fp_entries]) {
                e.par_sort_unstable();
                e.dedup();
                write_segment(&tx, table, segment, &e).map_err(db)?;
            }
            tx.execute(
                "INSERT INTO segments(segment, level, docs) VALUES (?1, 0, ?2)",
                params![segment as i64, new_docs as i64],
            )
            .map_err(db)?;
            set_meta(&tx, "next_segment", segment + 1).map_err(db)?;
        }
        set_meta(&tx, "next_doc", next_doc).map_err(db)?;
        tx.commit().map_err(db)?;
        self.has_meta = true;
        Ok(stats)
    }

    /// Merges segments while [`FANOUT`] of one level exist, each merge one
    /// transaction. Returns the number of merges.
    pub fn compact(&mut self) -> Result<usize, Error> {
        self.compact_over(0)
    }

    /// As [`Index::compact`], but only while more than `max_segments`
    /// segments exist: what an add does after each batch with
    /// [`MAX_SEGMENTS`], so that merging stays off the add path until the
    /// number of segments a query reads grows past the bound.
    pub fn compact_over(&mut self, max_segments: usize) -> Result<usize, Error> {
        let mut merges = 0;
        loop {
            let dir = self.dir.clone();
            let db = |e| db_error(&dir, e);
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let count: i64 = tx.query_row("SELECT count(*) FROM segments", [], |r| r.get(0)).map_err(db)?;
            if count as usize <= max_segments {
                return Ok(merges);
            }
            let full: Option<i64> = tx
                .query_row(
                    "SELECT level FROM segments GROUP BY level HAVING count(*) >= ?1 ORDER BY level LIMIT 1",
                    [FANOUT as i64],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            let Some(level) = full else { return Ok(merges) };
            let merged: Vec<(i64, i64)> = {
                let mut stmt = tx
                    .prepare("SELECT segment, docs FROM segments WHERE level = ?1 ORDER BY segment LIMIT ?2")
                    .map_err(db)?;
                let rows = stmt
                    .query_map(params![level, FANOUT as i64], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(db)?;
                rows.collect::<Result<_, _>>().map_err(db)?
            };
            let live = live_docs(&tx).map_err(db)?;
            let target = meta_u64(&tx, "next_segment").map_err(db)?;
            for table in TABLES {
                merge_segments(&tx, table, &merged, target as i64, &live).map_err(db)?;
            }
            let docs: i64 = merged.iter().map(|&(_, d)| d).sum();
            for &(s, _) in &merged {
                tx.execute("DELETE FROM segments WHERE segment = ?1", [s]).map_err(db)?;
            }
            tx.execute(
                "INSERT INTO segments(segment, level, docs) VALUES (?1, ?2, ?3)",
                params![target as i64, level + 1, docs],
            )
            .map_err(db)?;
            set_meta(&tx, "next_segment", target + 1).map_err(db)?;
            tx.commit().map_err(db)?;
            merges += 1;
        }
    }

    /// Removes the documents with these ids, in one transaction; returns
    /// the ids that were not in the index.
    pub fn remove(&mut self, ids: &[String]) -> Result<Vec<String>, Error> {
        let dir = self.dir.clone();
        let db = |e| db_error(&dir, e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        let mut missing = Vec::new();
        {
            let mut delete = tx.prepare("DELETE FROM docs WHERE id = ?1").map_err(db)?;
            for id in ids {
                if delete.execute([id]).map_err(db)? == 0 {
                    missing.push(id.clone());
                }
            }
        }
        tx.commit().map_err(db)?;
        Ok(missing)
    }

    /// Counts, size on disk and parameters.
    pub fn stats(&self) -> Result<IndexStats, Error> {
        let db = self.db();
        let (documents, words): (i64, i64) = self
            .conn
            .query_row("SELECT count(*), coalesce(sum(words), 0) FROM docs", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(&db)?;
        let segments: i64 =
            self.conn.query_row("SELECT count(*) FROM segments", [], |r| r.get(0)).map_err(&db)?;
        let file = Index::file(&self.dir);
        let mut bytes_on_disk = 0;
        for suffix in ["", "-wal"] {
            let mut name = file.clone().into_os_string();
            name.push(suffix);
            bytes_on_disk += std::fs::metadata(&name).map(|m| m.len()).unwrap_or(0);
        }
        Ok(IndexStats {
            documents: documents as u64,
            words: words as u64,
            segments: segments as u64,
            bytes_on_disk,
            params: self.recorded.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        })
    }

    /// The indexed documents that `text` near-duplicates or reuses, with
    /// their scores and passages. `config` supplies the query-time settings
    /// (alignment, `min_containment`); its index parameters must match
    /// ([`Index::check`]). Reads one consistent snapshot. Scores and aligns
    /// the [`DEFAULT_LIMIT`] best-ranked candidates ([`Index::query_limit`]).
    pub fn query(&self, text: &str, config: &Config) -> Result<QueryResult, Error> {
        self.query_limit(text, config, DEFAULT_LIMIT)
    }

    /// As [`Index::query`], scoring and aligning only the `limit` candidates
    /// (0: all) with the most evidence: the larger of the share of the
    /// query's fingerprints they share and the share of its LSH bands they
    /// hit. Candidates past the limit are counted in
    /// [`QueryResult::candidates`] but not looked at.
    pub fn query_limit(&self, text: &str, config: &Config, limit: usize) -> Result<QueryResult, Error> {
        self.query_with(text, &Meta::default(), config, limit)
    }

    /// As [`Index::query_limit`], for a queried document with date and
    /// source `meta`: with [`Config::origin`] on, each match says which
    /// side its shared text came from ([`crate::origin::of_pair`], the
    /// queried document as `a`), by the two dates when they differ, else
    /// by the texts.
    pub fn query_with(
        &self,
        text: &str,
        meta: &Meta,
        config: &Config,
        limit: usize,
    ) -> Result<QueryResult, Error> {
        self.check(config)?;
        let clock = Instant::now();
        let db = self.db();
        let mut scratch = Scratch::default();
        let sk = sketch(&mut scratch, text, &self.config, &self.hasher);
        let mut result = QueryResult { words: sk.words, ..QueryResult::default() };
        if sk.words == 0 {
            return Ok(result);
        }
        let query_set = {
            let mut s = scratch.shingles.clone();
            s.sort_unstable();
            s.dedup();
            s
        };
        let tokens = std::mem::take(&mut scratch.tokens);
        result.timings.sketch = clock.elapsed();
        let clock = Instant::now();
        let tx = self.conn.unchecked_transaction().map_err(&db)?;
        let segments: Vec<i64> = {
            let mut stmt = tx.prepare_cached("SELECT segment FROM segments ORDER BY segment").map_err(&db)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(&db)?;
            rows.collect::<Result<_, _>>().map_err(&db)?
        };
        // Evidence per candidate: LSH bands hit, fingerprints shared.
        let mut evidence: HashMap<u32, (u32, u32)> = HashMap::new();
        for posting in lookup(&tx, "lsh", &segments, &sk.terms.0).map_err(&db)? {
            for d in posting {
                evidence.entry(d).or_default().0 += 1;
            }
        }
        for posting in lookup(&tx, "fingerprints", &segments, &sk.terms.1).map_err(&db)? {
            if posting.len() <= self.config.max_df {
                for d in posting {
                    evidence.entry(d).or_default().1 += 1;
                }
            }
        }
        let bands = sk.terms.0.len().max(1) as f64;
        let fingerprints = sk.terms.1.len().max(1) as f64;
        let min_shared = self.config.min_shared as u32;
        // Ranked by estimated reuse: the larger of the share of the query's
        // fingerprints shared (about its containment) and the share of its
        // bands hit (rising with Jaccard), then by document number.
        let mut ranked: Vec<(f64, u32)> = evidence
            .into_iter()
            .filter(|&(_, (hits, shared))| hits > 0 || shared >= min_shared)
            .map(|(d, (hits, shared))| ((f64::from(hits) / bands).max(f64::from(shared) / fingerprints), d))
            .collect();
        ranked.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        result.candidates = ranked.len();
        let limit = if limit == 0 { usize::MAX } else { limit };
        result.timings.lookup = clock.elapsed();
        let clock = Instant::now();

        let mut loaded: Vec<(String, [u8; 16], String, Meta)> = Vec::with_capacity(ranked.len().min(limit));
        {
            // An index of format 1 has no dates or sources.
            let sql = if self.has_meta {
                "SELECT id, content, text, date, source FROM docs WHERE doc = ?1"
            } else {
                "SELECT id, content, text, NULL, NULL FROM docs WHERE doc = ?1"
            };
            let mut get = tx.prepare_cached(sql).map_err(&db)?;
            type Row = (String, Vec<u8>, String, Option<String>, Option<String>);
            for &(_, d) in &ranked {
                if loaded.len() == limit {
                    break;
                }
                let row: Option<Row> = get
                    .query_row([i64::from(d)], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })
                    .optional()
                    .map_err(&db)?;
                if let Some((id, content, text, date, source)) = row {
                    let content: [u8; 16] = content.try_into().unwrap_or([0; 16]);
                    // Stored dates were read by Date::parse when added.
                    let date = date.and_then(|d| Date::parse(&d).ok());
                    loaded.push((id, content, text, Meta { date, source: source.map(Into::into) }));
                }
            }
        }
        drop(tx);
        result.scored = loaded.len();
        result.timings.load = clock.elapsed();
        let clock = Instant::now();
        let own_content = sk.content.to_le_bytes();
        let n = self.config.shingle_size;
        let threshold = self.config.threshold;
        let min_containment = config.min_containment;
        let align_config = &config.align;
        // Exact scores first, then alignment of the pairs that pass.
        let verified: Vec<(usize, PairKind, f64, f64, f64, Vec<Token>)> = loaded
            .par_iter()
            .enumerate()
            .map_init(Tokenizer::new, |tokenizer, (i, (_, content, other, _))| {
                let mut tb = Vec::new();
                tokenizer.tokenize(other, &mut tb);
                let exact = *content == own_content;
                let o = Overlap::of(&query_set, &shingle::shingle_set(&tb, n));
                let (kind, j, ca, cb) = if exact {
                    (PairKind::Exact, 1.0, 1.0, 1.0)
                } else if o.jaccard() >= threshold {
                    (PairKind::NearDuplicate, o.jaccard(), o.containment_a(), o.containment_b())
                } else if o.containment_a().max(o.containment_b()) >= min_containment && o.shared > 0 {
                    (PairKind::Reuse, o.jaccard(), o.containment_a(), o.containment_b())
                } else {
                    return None;
                };
                Some((i, kind, j, ca, cb, tb))
            })
            .flatten()
            .collect();
        result.timings.verify = clock.elapsed();
        let clock = Instant::now();
        // Indexed copies with the same text get the same passages: align
        // each distinct text once.
        let mut first: HashMap<&str, usize> = HashMap::new();
        let distinct: Vec<usize> = (0..verified.len())
            .filter(|&v| *first.entry(loaded[verified[v].0].2.as_str()).or_insert(v) == v)
            .collect();
        let aligned: HashMap<usize, align::Alignment> = distinct
            .par_iter()
            .map(|&v| {
                let (i, tb) = (verified[v].0, &verified[v].5);
                (v, align::align(text, &tokens, &loaded[i].2, tb, align_config))
            })
            .collect();
        let mut matches: Vec<Match> = verified
            .iter()
            .filter_map(|(i, kind, j, ca, cb, tb)| {
                let (id, _, other, other_meta) = &loaded[*i];
                let alignment = &aligned[&first[other.as_str()]];
                if *kind == PairKind::Reuse && alignment.passages.is_empty() {
                    return None;
                }
                let origin = config.origin.then(|| {
                    let a = origin::Doc { text, tokens: &tokens, meta };
                    let b = origin::Doc { text: other, tokens: tb, meta: other_meta };
                    let mut found = origin::of_pair(a, b, &alignment.passages);
                    if !config.align.explain {
                        found.why = String::new();
                    }
                    found
                });
                Some(Match {
                    id: id.clone(),
                    words: tb.len(),
                    bytes: other.len(),
                    kind: *kind,
                    jaccard: *j,
                    containment_a: *ca,
                    containment_b: *cb,
                    passages: alignment.passages.clone(),
                    budget_exhausted: alignment.budget_exhausted,
                    meta: other_meta.clone(),
                    origin,
                })
            })
            .collect();
        result.timings.align = clock.elapsed();
        matches.sort_by(|x, y| {
            y.containment_a
                .total_cmp(&x.containment_a)
                .then_with(|| y.passage_words().cmp(&x.passage_words()))
                .then_with(|| x.id.cmp(&y.id))
        });
        result.matches = matches;
        Ok(result)
    }
}

fn connect(file: &Path, flags: OpenFlags) -> Result<Connection, Error> {
    let conn = Connection::open_with_flags(file, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| db_error(file, e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| db_error(file, e))?;
    // In WAL mode, NORMAL syncs at checkpoints: a committed transaction
    // survives a crash of the process; a power loss may lose the last
    // commits but never corrupts the database.
    // Reads through a memory map instead of a system call per page missing
    // from the cache: most of a query's time is posting rows read from all
    // over the file. SQLite clamps the size to its compile-time
    // SQLITE_MAX_MMAP_SIZE: 2 GB by default, 1 TB as this repository builds
    // the bundled SQLite (.cargo/config.toml); past the map, pages are read.
    conn.execute_batch(
        "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA mmap_size=1099511627776;",
    )
    .map_err(|e| db_error(file, e))?;
    Ok(conn)
}

/// Brings an index of format `reprint-index/1` to [`FORMAT`], inside the
/// caller's write transaction: adds the `date` and `source` columns (null
/// for every document held). Does nothing if another writer did it first.
fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    let format: String = conn.query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0))?;
    if format == FORMAT_V1 {
        conn.execute_batch(
            "ALTER TABLE docs ADD COLUMN date TEXT; ALTER TABLE docs ADD COLUMN source TEXT;",
        )?;
        conn.execute("UPDATE meta SET value = ?1 WHERE key = 'format'", [FORMAT])?;
    }
    Ok(())
}

fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::Other(format!("{}: index database: {e}", path.display()))
}

fn meta_u64(conn: &Connection, key: &str) -> rusqlite::Result<u64> {
    let v: String = conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))?;
    v.parse().map_err(|_| rusqlite::Error::InvalidColumnType(0, key.into(), rusqlite::types::Type::Text))
}

fn set_meta(conn: &Connection, key: &str, value: u64) -> rusqlite::Result<()> {
    conn.execute("UPDATE meta SET value = ?2 WHERE key = ?1", params![key, value.to_string()])?;
    Ok(())
}

/// The row key of `bucket` in `segment`.
fn row_key(segment: i64, bucket: u64) -> i64 {
    (segment << BUCKET_BITS) | bucket as i64
}

fn bucket_of(term: u64) -> u64 {
    term >> (64 - BUCKET_BITS)
}

/// Writes sorted `entries` as the rows of `segment` in `table`.
fn write_segment(
    conn: &Connection,
    table: &str,
    segment: u64,
    entries: &[(u64, u32)],
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(&format!("INSERT INTO {table}(key, entries) VALUES (?1, ?2)"))?;
    let mut blob = Vec::new();
    for run in entries.chunk_by(|x, y| bucket_of(x.0) == bucket_of(y.0)) {
        encode(run, &mut blob);
        insert.execute(params![row_key(segment as i64, bucket_of(run[0].0)), blob])?;
    }
    Ok(())
}

fn encode(entries: &[(u64, u32)], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(entries.len() * ENTRY);
    for &(t, d) in entries {
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&d.to_le_bytes());
    }
}

fn entry_at(blob: &[u8], i: usize) -> (u64, u32) {
    let e = &blob[i * ENTRY..(i + 1) * ENTRY];
    let mut t = [0u8; 8];
    t.copy_from_slice(&e[..8]);
    let mut d = [0u8; 4];
    d.copy_from_slice(&e[8..]);
    (u64::from_le_bytes(t), u32::from_le_bytes(d))
}

/// The postings of each of `terms` over all `segments` of `table`: one
/// list of documents per term, in the order of `terms`.
fn lookup(
    conn: &Connection,
    table: &str,
    segments: &[i64],
    terms: &[u64],
) -> rusqlite::Result<Vec<Vec<u32>>> {
    let mut out = vec![Vec::new(); terms.len()];
    let mut order: Vec<usize> = (0..terms.len()).collect();
    order.sort_unstable_by_key(|&i| terms[i]);
    let mut get = conn.prepare_cached(&format!("SELECT entries FROM {table} WHERE key = ?1"))?;
    for &segment in segments {
        for group in order.chunk_by(|&x, &y| bucket_of(terms[x]) == bucket_of(terms[y])) {
            let key = row_key(segment, bucket_of(terms[group[0]]));
            let mut rows = get.query([key])?;
            let Some(row) = rows.next()? else { continue };
            let blob = row.get_ref(0)?.as_blob()?;
            let n = blob.len() / ENTRY;
            for &i in group {
                let term = terms[i];
                let mut at = partition(n, |k| entry_at(blob, k).0 < term);
                while at < n {
                    let (t, d) = entry_at(blob, at);
                    if t != term {
                        break;
                    }
                    out[i].push(d);
                    at += 1;
                }
            }
        }
    }
    Ok(out)
}

/// The first index in `0..n` where `before` turns false (it must be true
/// then false).
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Document numbers still held, as a bitmap.
fn live_docs(conn: &Connection) -> rusqlite::Result<Vec<bool>> {
    let next = meta_u64(conn, "next_doc")? as usize;
    let mut live = vec![false; next];
    let mut stmt = conn.prepare("SELECT doc FROM docs")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let d: i64 = r.get(0)?;
        if let Some(slot) = live.get_mut(d as usize) {
            *slot = true;
        }
    }
    Ok(live)
}

/// Buckets a merge reads at a time: memory stays a 1/256 share of the
/// merged segments.
const MERGE_STEP: u64 = 256;

/// Merges the rows of `segments` in `table` into `target`, a range of
/// buckets at a time, keeping only entries of `live` documents, and deletes
/// them.
fn merge_segments(
    conn: &Connection,
    table: &str,
    segments: &[(i64, i64)],
    target: i64,
    live: &[bool],
) -> rusqlite::Result<()> {
    let mut get =
        conn.prepare_cached(&format!("SELECT key, entries FROM {table} WHERE key BETWEEN ?1 AND ?2"))?;
    let mut insert = conn.prepare_cached(&format!("INSERT INTO {table}(key, entries) VALUES (?1, ?2)"))?;
    let mut entries: Vec<(u64, u32)> = Vec::new();
    let mut blob = Vec::new();
    let mask = (1i64 << BUCKET_BITS) - 1;
    for first in (0..1u64 << BUCKET_BITS).step_by(MERGE_STEP as usize) {
        entries.clear();
        for &(s, _) in segments {
            let mut rows = get.query(params![row_key(s, first), row_key(s, first + MERGE_STEP - 1)])?;
            while let Some(r) = rows.next()? {
                let b: Vec<u8> = r.get(1)?;
                entries.extend(
                    (0..b.len() / ENTRY)
                        .map(|i| entry_at(&b, i))
                        .filter(|&(_, d)| live.get(d as usize).copied().unwrap_or(false)),
                );
            }
        }
        entries.sort_unstable();
        entries.dedup();
        for run in entries.chunk_by(|x, y| bucket_of(x.0) == bucket_of(y.0)) {
            encode(run, &mut blob);
            insert.execute(params![row_key(target, bucket_of(run[0].0)), blob])?;
        }
    }
    let mut delete = conn.prepare_cached(&format!("DELETE FROM {table} WHERE key BETWEEN ?1 AND ?2"))?;
    for &(s, _) in segments {
        delete.execute(params![row_key(s, 0), row_key(s, 0) | mask])?;
    }
    Ok(())
}

/// Tokenises, shingles and signs `text`; leaves its tokens in `s.tokens`
/// and its shingles (in text order) in `s.shingles`.
fn sketch(s: &mut Scratch, text: &str, config: &Config, hasher: &MinHasher) -> Sketch {
    s.tokenizer.tokenize(text, &mut s.tokens);
    s.hashes.clear();
    s.hashes.extend(s.tokens.iter().map(|t| t.hash));
    let content = shingle::content_hash(&s.hashes);
    if s.tokens.is_empty() {
        return Sketch { words: 0, content, terms: (Vec::new(), Vec::new()) };
    }
    shingle::shingles_of(&s.hashes, config.shingle_size, &mut s.shingles);
    s.signature.resize(config.num_perm, 0);
    hasher.sign(&s.shingles, &mut s.signature);
    let (bands, rows) = (config.bands.unwrap_or(1), config.rows.unwrap_or(1));
    let mut lsh_terms: Vec<u64> = (0..bands).map(|b| lsh::band_key(&s.signature, b, rows)).collect();
    lsh_terms.sort_unstable();
    lsh_terms.dedup();
    s.fingerprints.clear();
    reuse::winnow(&s.shingles, config.winnow_window, &mut s.fingerprints);
    let fp_terms: Vec<u64> = s.fingerprints.iter().map(|&f| u64::from(f) << 32).collect();
    Sketch { words: s.tokens.len(), content, terms: (lsh_terms, fp_terms) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(texts: &[(&str, &str)]) -> Vec<Document> {
        texts.iter().map(|(id, t)| Document::new(*id, *t)).collect()
    }

    const BODY: &str = "The committee met on Tuesday to discuss the new budget, which raises spending on \
                        schools and roads by a tenth over two years, and cuts the grant to the museum.";

    #[test]
    fn add_query_replace_remove() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::create(dir.path(), &Config::default()).unwrap();
        let added = index
            .add(&docs(&[("a", BODY), ("b", "Something else entirely, about gardening in the spring rain.")]))
            .unwrap();
        assert_eq!((added.added, added.unchanged), (2, 0));
        let q = index.query(&format!("Daily News. {BODY} Subscribe."), &Config::default()).unwrap();
        assert_eq!(q.matches.len(), 1);
        assert_eq!(q.matches[0].id, "a");
        assert_eq!(q.matches[0].kind, PairKind::NearDuplicate);
        assert!(!q.matches[0].passages.is_empty());

        let again = index.add(&docs(&[("a", BODY)])).unwrap();
        assert_eq!(again.unchanged, 1);
        let changed =
            index.add(&docs(&[("a", "Only a few words now, nothing like before at all.")])).unwrap();
        assert_eq!(changed.replaced, vec!["a".to_string()]);
        assert!(index.query(BODY, &Config::default()).unwrap().matches.is_empty());

        assert_eq!(index.remove(&["b".into(), "zz".into()]).unwrap(), vec!["zz".to_string()]);
        assert_eq!(index.stats().unwrap().documents, 1);
    }

    #[test]
    fn merges_keep_every_live_posting() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::create(dir.path(), &Config::default()).unwrap();
        for i in 0..(FANOUT * FANOUT) {
            let text = format!("{BODY} Edition number {i} of the paper, printed in the town of Ware.");
            index.add(&docs(&[(&format!("d{i}"), text.as_str())])).unwrap();
            index.compact().unwrap();
        }
        index.remove(&["d3".into()]).unwrap();
        let stats = index.stats().unwrap();
        assert!(stats.segments < (FANOUT * FANOUT) as u64, "{stats:?}");
        let q = index.query(BODY, &Config::default()).unwrap();
        let mut ids: Vec<&str> = q.matches.iter().map(|m| m.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids.len(), FANOUT * FANOUT - 1, "{ids:?}");
        assert!(!ids.contains(&"d3"));
    }

    fn dated(id: &str, text: &str, date: Option<&str>, source: Option<&str>) -> Document {
        let mut d = Document::new(id, text);
        d.set_meta(Meta { date: date.map(|x| Date::parse(x).unwrap()), source: source.map(Into::into) });
        d
    }

    #[test]
    fn dates_are_stored_and_decide_the_origin() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::create(dir.path(), &Config::default()).unwrap();
        index.add(&[dated("a", BODY, Some("2024-03-02"), Some("site"))]).unwrap();
        let copy = format!("Daily News. {BODY} Subscribe.");
        let earlier = Meta { date: Some(Date::parse("2024-03-01T12:00:00Z").unwrap()), source: None };
        let on = Config { origin: true, ..Config::default() };
        let q = index.query_with(&copy, &earlier, &on, DEFAULT_LIMIT).unwrap();
        let m = &q.matches[0];
        assert_eq!(m.meta.date.as_ref().map(Date::as_str), Some("2024-03-02"));
        assert_eq!(m.meta.source.as_deref(), Some("site"));
        let origin = m.origin.as_ref().expect("origins on");
        assert_eq!((origin.side, origin.evidence), (Some(origin::Side::A), Some(origin::Evidence::Date)));
        assert!(origin.why.is_empty(), "no --explain");
        // Origins off: none decided, the metadata still read.
        let q = index.query_with(&copy, &earlier, &Config::default(), DEFAULT_LIMIT).unwrap();
        assert_eq!(q.matches[0].origin, None);

        // Re-adding unchanged text takes a new date, keeps the source it lacks.
        let again = index.add(&[dated("a", BODY, Some("2024-02-01"), None)]).unwrap();
        assert_eq!(again.unchanged, 1);
        let q = index.query_with(&copy, &earlier, &on, DEFAULT_LIMIT).unwrap();
        assert_eq!(q.matches[0].meta.date.as_ref().map(Date::as_str), Some("2024-02-01"));
        assert_eq!(q.matches[0].meta.source.as_deref(), Some("site"));
        assert_eq!(q.matches[0].origin.as_ref().and_then(|o| o.side), Some(origin::Side::B));
    }

    #[test]
    fn a_format_1_index_is_read_then_upgraded_by_an_add() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::create(dir.path(), &Config::default()).unwrap();
        index.add(&docs(&[("old", BODY)])).unwrap();
        drop(index);
        // Back to format 1, as an index made before dates was.
        let conn = Connection::open(Index::file(dir.path())).unwrap();
        conn.execute_batch(
            "ALTER TABLE docs DROP COLUMN date; ALTER TABLE docs DROP COLUMN source;
             UPDATE meta SET value = 'reprint-index/1' WHERE key = 'format';",
        )
        .unwrap();
        drop(conn);
        let mut index = Index::open(dir.path()).unwrap();
        assert!(!index.has_meta);
        let on = Config { origin: true, ..Config::default() };
        let q = index.query_with(BODY, &Meta::default(), &on, DEFAULT_LIMIT).unwrap();
        assert_eq!((q.matches.len(), q.matches[0].meta.is_empty()), (1, true));
        index
            .add(&[dated("new", "Another text about the weather in the hills.", Some("2024-01-01"), None)])
            .unwrap();
        assert!(index.has_meta);
        drop(index);
        let reopened = Index::open(dir.path()).unwrap();
        assert!(reopened.has_meta);
        assert_eq!(reopened.stats().unwrap().documents, 2);
        assert_eq!(reopened.query(BODY, &Config::default()).unwrap().matches[0].id, "old");
    }

    #[test]
    fn mismatched_parameters_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::create(dir.path(), &Config::default()).unwrap();
        let err = index.check(&Config { shingle_size: 4, ..Config::default() }).unwrap_err().to_string();
        assert!(err.contains("shingle_size"), "{err}");
        let err = index.query("x", &Config { seed: 1, ..Config::default() }).unwrap_err().to_string();
        assert!(err.contains("seed"), "{err}");
        // Named even when the stored bands x rows no longer fit.
        let smaller = Config { num_perm: 16, bands: Some(26), rows: Some(3), ..Config::default() };
        let err = index.check(&smaller).unwrap_err().to_string();
        assert!(err.contains("parameter num_perm is 16"), "{err}");
        assert!(index.check(&Config::default()).is_ok());
        drop(index);
        let reopened = Index::open(dir.path()).unwrap();
        assert!(reopened.check(&Config::default()).is_ok());
    }
}
