//! How stages 4 and 5 are batched, and what they hold: the pairs are
//! verified and aligned [`PAIR_BATCH`] at a time, each batch reading back
//! the released texts it needs ([`batches`], [`BatchTexts`]); and
//! [`peak_memory`], the estimate of a streamed scan's peak memory that the
//! CLI reports.

use std::sync::atomic::AtomicUsize;

use super::candidates::ToDo;
use super::tokens::TOKEN_CACHE_BYTES;
use super::{DocSketch, Params};
use crate::config::Config;
use crate::source::{Document, ReadOptions};
use crate::Error;

#[cfg(doc)]
use super::Sketches;
#[cfg(doc)]
use crate::source::Visit;

/// Candidate pairs are verified and aligned this many at a time, each
/// batch handed on while the next is done: memory holds two batches of
/// pairs, however many the corpus has. (Unit tests use tiny batches, so
/// that their few pairs take several.)
pub(super) const PAIR_BATCH: usize = if cfg!(test) { 3 } else { 16_384 };

/// Released texts a batch of pairs reads back, at most about this many
/// bytes (a batch has at least one pair, whatever its texts' length).
pub const TEXT_BATCH_BYTES: usize = 16 << 20;

/// Memory a streamed scan of `docs` (read with [`Sketches`] as the
/// [`Visit`], texts read back a batch at a time) holds at its peak, in
/// bytes, estimated once the documents are read: the documents (their
/// fields, ids and origins, not their texts), each one's sketch, LSH band
/// keys and screen bytes, the larger of the hash tables of reading (ids)
/// and of the exact stage (content hashes) and a batch of texts with the
/// tokens made for it and the verify stage's counts, the partial-reuse index, and what the process
/// holds whatever the input (code, threads, buffers).
pub fn peak_memory(docs: &[Document], params: &Params, config: &Config) -> usize {
    /// Code, thread stacks, allocator arenas, reading and writing buffers:
    /// measured on the 10k corpus, less what the terms below count. (A
    /// gzipped file's texts are all held to the end, which is not counted
    /// here and outweighs the 3 MiB it is decompressed ahead in.)
    const FIXED: usize = 8 << 20;
    let n = docs.len();
    // A string's heap block (glibc: 8 bytes of header, 16-byte steps, 32 at least).
    let block = |len: usize| if len == 0 { 0 } else { (len + 8).next_multiple_of(16).max(32) };
    let strings: usize = docs.iter().map(|d| block(d.id.len()) + block(d.origin.len())).sum();
    let mut per_doc = std::mem::size_of::<Document>() + std::mem::size_of::<DocSketch>();
    per_doc += std::mem::size_of::<Vec<u32>>() * (1 + usize::from(config.rewrite_path().is_some()));
    if config.mode.near() {
        per_doc += params.bands * std::mem::size_of::<u64>();
    }
    if super::sketch::screened(config) {
        per_doc += params.num_perm;
    }
    // A hash table of n entries: a power of two of buckets at most 7/8 full,
    // each with a control byte.
    let table = |entry: usize| (n * 8 / 7 + 1).next_power_of_two() * (entry + 1);
    let ids = table(std::mem::size_of::<(u64, usize)>());
    // While a table doubles, its old buckets are held with the new.
    let ids = ids + ids / 2;
    // The documents sorted by content hash, and the members.
    let exact = 2 * n * std::mem::size_of::<u32>();
    let verify = TEXT_BATCH_BYTES + TOKEN_CACHE_BYTES + n * std::mem::size_of::<AtomicUsize>();
    let mut reuse = 0;
    if config.mode.reuse() {
        // About one word in six bytes of text, two fingerprints in a
        // winnowing window of them, 12 bytes each in the index.
        let words = docs.iter().map(Document::text_len).sum::<usize>() / 6;
        reuse = words * 2 / (config.winnow_window + 1) * 12;
        if let Some(r) = config.rewrite_path() {
            // About two words in three carry content; their n-grams,
            // winnowed, are held per document (4 bytes each) and the
            // index keeps those in two documents or more (measured: about
            // 8 bytes per n-gram in all on the 10k corpus and PAN).
            reuse += words * 2 / 3 * 2 / (r.window + 1) * 8;
        }
    }
    FIXED + n * per_doc + strings + ids.max(exact).max(verify) + reuse
}

/// How the texts of the pairs to verify are read back.
pub(super) enum Plan {
    /// In batches: the length of each batch of pairs and the released
    /// documents it needs, sorted.
    Batches(Vec<(usize, Vec<u32>)>),
    /// All at once before the first batch, and held to the end: these
    /// released documents, sorted.
    AllAtOnce(Vec<u32>),
}

/// How to read back the texts of `pairs` (sorted): in batches of at most
/// [`PAIR_BATCH`] pairs and released texts of about [`TEXT_BATCH_BYTES`]
/// (which holds one batch of texts at a time), unless that would read
/// texts back more than twice over on average (when most documents pair
/// with many others across the corpus, as partial reuse does in a
/// collection of templated text): then every text at once, held to the end.
/// Without `read_back`, batches of [`PAIR_BATCH`] needing nothing.
pub(super) fn batches(docs: &[Document], pairs: &[ToDo], read_back: bool) -> Plan {
    let mut out = Vec::new();
    let (mut batch_bytes, mut total_bytes) = (0, 0);
    let mut needed: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let mut seen: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let mut rest = pairs;
    while !rest.is_empty() {
        let most = rest.len().min(PAIR_BATCH);
        if !read_back {
            out.push((most, Vec::new()));
            rest = &rest[most..];
            continue;
        }
        let mut released: Vec<u32> = Vec::new();
        seen.clear();
        let mut bytes = 0;
        let mut end = 0;
        while end < most {
            let ToDo { a, b, .. } = rest[end];
            let new: usize = [a, b]
                .into_iter()
                .filter(|&d| docs[d as usize].is_released() && !seen.contains(&d))
                .map(|d| docs[d as usize].text_len())
                .sum();
            if end > 0 && bytes + new > TEXT_BATCH_BYTES {
                break;
            }
            bytes += new;
            for d in [a, b] {
                if docs[d as usize].is_released() && seen.insert(d) {
                    released.push(d);
                    if needed.insert(d) {
                        total_bytes += docs[d as usize].text_len();
                    }
                }
            }
            end += 1;
        }
        batch_bytes += bytes;
        released.sort_unstable();
        out.push((end, released));
        rest = &rest[end..];
    }
    if read_back && batch_bytes > 2 * total_bytes {
        let mut all: Vec<u32> = needed.into_iter().collect();
        all.sort_unstable();
        return Plan::AllAtOnce(all);
    }
    Plan::Batches(out)
}

/// The texts of a batch of pairs: those the documents hold, and those read
/// back for the batch (`ids`, sorted, with their `texts`).
pub(super) struct BatchTexts<'d> {
    pub(super) docs: &'d [Document],
    pub(super) ids: Vec<u32>,
    pub(super) texts: Vec<String>,
    /// Texts read back for the whole run, looked up after `ids`.
    pub(super) all: Option<&'d BatchTexts<'d>>,
}

impl<'d> BatchTexts<'d> {
    pub(super) fn read(
        docs: &'d [Document],
        ids: Vec<u32>,
        options: &ReadOptions,
    ) -> Result<BatchTexts<'d>, Error> {
        let texts = crate::source::read_back(docs, &ids, options)?;
        Ok(BatchTexts { docs, ids, texts, all: None })
    }

    pub(super) fn get(&self, d: u32) -> &str {
        match (self.ids.binary_search(&d), self.all) {
            (Ok(k), _) => &self.texts[k],
            (Err(_), Some(all)) => all.get(d),
            (Err(_), None) => &self.docs[d as usize].text,
        }
    }
}
