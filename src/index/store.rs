//! The database file of an index (see the module doc of [`crate::index`]):
//! creating and opening it, its format (and the upgrade from format 1),
//! the parameters it records and checks, the counters in its `meta` table,
//! and what `reprint index stats` reports. Every other stage works through
//! the connection opened here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::{Index, BUSY_TIMEOUT, FILE_NAME, FORMAT, FORMAT_V1};
use crate::config::{Config, MinHashAlgorithm};
use crate::minhash::{self, MinHasher};
use crate::pipeline::Params;
use crate::Error;

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
        // An index keeps the exact path's fingerprints only.
        rewrites: None,
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

    pub(super) fn db(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| db_error(&self.dir, e)
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
pub(super) fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    let format: String = conn.query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0))?;
    if format == FORMAT_V1 {
        conn.execute_batch(
            "ALTER TABLE docs ADD COLUMN date TEXT; ALTER TABLE docs ADD COLUMN source TEXT;",
        )?;
        conn.execute("UPDATE meta SET value = ?1 WHERE key = 'format'", [FORMAT])?;
    }
    Ok(())
}

pub(super) fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::Other(format!("{}: index database: {e}", path.display()))
}

pub(super) fn meta_u64(conn: &Connection, key: &str) -> rusqlite::Result<u64> {
    let v: String = conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))?;
    v.parse().map_err(|_| rusqlite::Error::InvalidColumnType(0, key.into(), rusqlite::types::Type::Text))
}

pub(super) fn set_meta(conn: &Connection, key: &str, value: u64) -> rusqlite::Result<()> {
    conn.execute("UPDATE meta SET value = ?2 WHERE key = ?1", params![key, value.to_string()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::testing::{dated, docs, BODY};
    use crate::index::DEFAULT_LIMIT;
    use crate::meta::Meta;

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
}
