//! The posting segments (see the module doc of [`crate::index`]): a
//! batch's `(term, document)` entries written as one segment of sorted
//! buckets, terms looked up across every segment, segments merged keeping
//! only live documents. The on-disk layout under `write.rs` and
//! `query.rs`.

use rusqlite::{params, Connection};

use super::store::meta_u64;

/// Bits of a term that pick its bucket.
const BUCKET_BITS: u32 = 16;

/// Bytes of one posting entry: the term (8) and the document (4).
const ENTRY: usize = 12;

/// The two posting tables.
pub(super) const TABLES: [&str; 2] = ["lsh", "fingerprints"];

/// The row key of `bucket` in `segment`.
fn row_key(segment: i64, bucket: u64) -> i64 {
    (segment << BUCKET_BITS) | bucket as i64
}

fn bucket_of(term: u64) -> u64 {
    term >> (64 - BUCKET_BITS)
}

/// Writes sorted `entries` as the rows of `segment` in `table`.
pub(super) fn write_segment(
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
pub(super) fn lookup(
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
pub(super) fn live_docs(conn: &Connection) -> rusqlite::Result<Vec<bool>> {
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
pub(super) fn merge_segments(
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
