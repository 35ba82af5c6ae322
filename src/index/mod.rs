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
//!
//! # Files
//!
//! One file per stage, in the order a document takes them. This one holds
//! the index's constants and [`Index`], the open database every stage
//! works on.
//!
//! - `store.rs`: the database file: creating and opening it ([`Index::create`],
//!   [`Index::open`]), its format and the parameters it records
//!   ([`Index::check`]), the counters in `meta`, and [`Index::stats`].
//! - `sketch.rs`: a document to what an add stores and a query looks up: its
//!   words, content hash, band keys and fingerprints.
//! - `postings.rs`: the posting segments: written in buckets, looked up,
//!   merged.
//! - `write.rs`: every change to the index: [`Index::add`],
//!   [`Index::compact`], [`Index::remove`].
//! - `query.rs`: a new document against the index: lookup, ranking, exact
//!   scores and alignment ([`Index::query_with`]).

mod postings;
mod query;
mod sketch;
mod store;
mod write;

pub use query::{Match, QueryResult, QueryTimings};
pub use store::IndexStats;
pub use write::AddStats;

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::Connection;

use crate::config::Config;
use crate::minhash::MinHasher;

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

/// Helpers shared by the stages' tests.
#[cfg(test)]
mod testing {
    use crate::meta::{Date, Meta};
    use crate::source::Document;

    pub(super) fn docs(texts: &[(&str, &str)]) -> Vec<Document> {
        texts.iter().map(|(id, t)| Document::new(*id, *t)).collect()
    }

    pub(super) const BODY: &str = "The committee met on Tuesday to discuss the new budget, which \
                                   raises spending on schools and roads by a tenth over two years, and cuts \
                                   the grant to the museum.";

    pub(super) fn dated(id: &str, text: &str, date: Option<&str>, source: Option<&str>) -> Document {
        let mut d = Document::new(id, text);
        d.set_meta(Meta { date: date.map(|x| Date::parse(x).unwrap()), source: source.map(Into::into) });
        d
    }
}
