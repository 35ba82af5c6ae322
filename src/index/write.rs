//! Every change to an index, each in its own transactions: documents
//! added (sketched, stored, and written as a new posting segment),
//! segments merged, documents removed. What `reprint index add` and
//! `reprint index remove` run; `query.rs` reads what it writes.

use rayon::prelude::*;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::postings::{live_docs, merge_segments, write_segment, TABLES};
use super::sketch::{sketch, Scratch, Sketch};
use super::store::{db_error, meta_u64, set_meta, upgrade};
use super::{Index, FANOUT};
use crate::source::Document;
use crate::Error;

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

impl Index {
    /// Adds `docs` in one transaction: a crash loses all of them or none.
    /// An id already held with the same normalised text is left alone
    /// (but takes the date and source it carries, if any: a value it
    /// lacks stays as it was); with other text it is replaced. Later
    /// documents of `docs` with an id seen earlier in it replace the
    /// earlier ones. Each document's date and source ([`Document::meta`])
    /// are stored with it. An index of format `reprint-index/1` is brought
    /// to [`FORMAT`](super::FORMAT) first, in the same transaction.
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
    /// [`MAX_SEGMENTS`](super::MAX_SEGMENTS), so that merging stays off
    /// the add path until the number of segments a query reads grows past
    /// the bound.
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::testing::{docs, BODY};
    use crate::pipeline::PairKind;
    use crate::Config;

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
}
