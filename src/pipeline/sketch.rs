//! Stage 1 of the pipeline, sketching: each document is tokenised and
//! shingled, and [`Sketches`] keeps its word count, content hash, LSH band
//! keys (near path, with a screen byte per MinHash value when that path
//! runs alone) and winnowed fingerprints (reuse and rewrite paths), never
//! its text. It is fed a batch of documents at a time
//! ([`Sketches::add`]) or each document as it is read (as the [`Visit`] of
//! reading); [`Sketches::candidates`] (`candidates.rs`) goes on to stages 2
//! and 3.

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;

use super::{cpu_seconds, DocSketch, Params, Progress};
use crate::config::Config;
use crate::lang::Key;
use crate::lsh::{self, LshParams};
use crate::minhash::MinHasher;
use crate::reuse;
use crate::shingle;
use crate::source::{Document, Visit};
use crate::text::Tokenizer;
use crate::Error;

#[cfg(doc)]
use super::Candidates;

/// Per-worker scratch space.
#[derive(Default)]
struct Scratch {
    tokenizer: Tokenizer,
    keys: Vec<Key>,
    grams: Vec<u64>,
    hashes: Vec<u64>,
    shingles: Vec<u64>,
    signature: Vec<u32>,
}

/// Stage 1, sketching, fed a batch of documents at a time
/// ([`Sketches::add`]), or each document as it is read (as the [`Visit`]
/// of [`source::read_inputs_with`](crate::source::read_inputs_with)), then
/// [`Sketches::candidates`] for stages 2 and 3. What it keeps per document
/// is its sketch, its LSH band keys and its fingerprints, not its text: as
/// a [`Visit`] it has every text that can be read again come released, and
/// the caller restores those that [`Candidates::needs_text`] names before
/// [`Candidates::run`].
pub struct Sketches<'c> {
    pub(super) config: &'c Config,
    pub(super) progress: &'c dyn Progress,
    pub(super) params: Params,
    pub(super) hasher: MinHasher,
    pub(super) lsh: LshParams,
    pub(super) sketches: Vec<DocSketch>,
    /// `lsh.bands` keys per document (near path).
    pub(super) band_keys: Vec<u64>,
    /// `k` screen bytes per document ([`MinHasher::sign_screened`]) when
    /// the near path runs alone: its candidates are screened with them
    /// before they are verified. Empty otherwise (with the reuse path on, a
    /// pair under the threshold is still verified as possible reuse).
    pub(super) screens: Vec<u8>,
    /// Winnowed fingerprints per document (reuse path).
    pub(super) fingerprints: Vec<Vec<u32>>,
    /// Content-word n-gram fingerprints per document (rewrite path; empty
    /// when it is off).
    pub(super) rewrite_fingerprints: Vec<Vec<u32>>,
    /// Each document's source number ([`reuse::NO_SOURCE`] for none); empty
    /// until a document has a source.
    pub(super) sources: Vec<u32>,
    /// Source name -> number.
    pub(super) source_numbers: HashMap<Box<str>, u32>,
    pub(super) bytes: usize,
    /// Seconds spent in [`Sketches::add`].
    pub(super) seconds: f64,
    /// When it was made: when documents are sketched as they are
    /// read (`visited`), the time since counts instead, as reading and
    /// sketching interleave.
    pub(super) created: Instant,
    pub(super) visited: bool,
    /// CPU seconds of the process when it was made, and spent in
    /// [`Sketches::add`] (as `created` and `seconds`).
    pub(super) cpu_created: f64,
    pub(super) cpu: f64,
}

impl<'c> Sketches<'c> {
    /// The sketches of a scan with `config` (an error if its settings are invalid),
    /// reporting its progress and that of [`Sketches::candidates`].
    pub fn new(config: &'c Config, progress: &'c dyn Progress) -> Result<Sketches<'c>, Error> {
        let params = Params::resolve(config)?;
        let hasher = MinHasher::new(params.num_perm, params.seed, config.minhash);
        let lsh = params.lsh();
        Ok(Sketches {
            config,
            progress,
            params,
            hasher,
            lsh,
            sketches: Vec::new(),
            band_keys: Vec::new(),
            screens: Vec::new(),
            fingerprints: Vec::new(),
            rewrite_fingerprints: Vec::new(),
            sources: Vec::new(),
            source_numbers: HashMap::new(),
            bytes: 0,
            seconds: 0.0,
            created: Instant::now(),
            visited: false,
            cpu_created: cpu_seconds(),
            cpu: 0.0,
        })
    }

    /// Sketches `docs` (in parallel), the next documents in input order.
    pub fn add(&mut self, docs: &[Document]) {
        let clock = Instant::now();
        let cpu = cpu_seconds();
        let (config, hasher, lsh, progress) = (self.config, &self.hasher, self.lsh, self.progress);
        let sketch = |s: &mut Scratch, doc: &Document, keys: &mut [u64], screen: &mut [u8]| {
            let out = sketch_one(s, &doc.text, config, hasher, lsh, keys, screen);
            progress.advance(1);
            out
        };
        let mut sketched: Vec<(DocSketch, Vec<u32>, Vec<u32>)> = Vec::with_capacity(docs.len());
        if config.mode.near() {
            // Only each document's band keys are kept, b values, and its
            // screen bytes: not its k values.
            let from = self.band_keys.len();
            self.band_keys.resize(from + docs.len() * lsh.bands, 0);
            let keys = self.band_keys[from..].par_chunks_mut(lsh.bands);
            if screened(config) {
                let (k, from) = (hasher.len(), self.screens.len());
                self.screens.resize(from + docs.len() * k, 0);
                keys.zip(self.screens[from..].par_chunks_mut(k))
                    .zip(docs.par_iter())
                    .map_init(Scratch::default, |s, ((keys, screen), doc)| sketch(s, doc, keys, screen))
                    .collect_into_vec(&mut sketched);
            } else {
                keys.zip(docs.par_iter())
                    .map_init(Scratch::default, |s, (keys, doc)| sketch(s, doc, keys, &mut []))
                    .collect_into_vec(&mut sketched);
            }
        } else {
            docs.par_iter()
                .map_init(Scratch::default, |s, doc| sketch(s, doc, &mut [], &mut []))
                .collect_into_vec(&mut sketched);
        }
        let first = self.sketches.len();
        for (sketch, fingerprints, rewrite) in sketched {
            self.sketches.push(sketch);
            self.fingerprints.push(fingerprints);
            if config.rewrite_path().is_some() {
                self.rewrite_fingerprints.push(rewrite);
            }
        }
        self.note_sources(first, docs);
        self.bytes += docs.iter().map(Document::text_len).sum::<usize>();
        self.seconds += clock.elapsed().as_secs_f64();
        self.cpu += cpu_seconds() - cpu;
    }

    /// Numbers the sources of `docs`, documents `first..` of the run (only
    /// once one has a source, and only when per-source boilerplate is on).
    fn note_sources(&mut self, first: usize, docs: &[Document]) {
        if self.config.source_boilerplate == 0 {
            return;
        }
        if self.sources.is_empty() && docs.iter().all(|d| d.meta().source.is_none()) {
            return;
        }
        self.sources.resize(first, reuse::NO_SOURCE);
        for doc in docs {
            let number = match &doc.meta().source {
                Some(name) => {
                    let next = self.source_numbers.len() as u32;
                    *self.source_numbers.entry(name.clone()).or_insert(next)
                }
                None => reuse::NO_SOURCE,
            };
            self.sources.push(number);
        }
    }

    /// Takes the sources of `docs` (every document sketched, in order)
    /// again, after their metadata was set once they were read (from a
    /// `--metadata` file).
    pub fn note_metadata(&mut self, docs: &[Document]) {
        self.sources.clear();
        self.source_numbers.clear();
        self.note_sources(0, docs);
    }

    /// The settings, resolved.
    pub fn params(&self) -> &Params {
        &self.params
    }
}

/// Per-worker scratch space of a [`Sketches`] as a [`Visit`].
#[derive(Default)]
pub struct SketchScratch(Scratch);

/// What a [`Sketches`] as a [`Visit`] learnt of one document, until it
/// takes its place in input order.
pub struct Sketched {
    sketch: DocSketch,
    band_keys: Vec<u64>,
    screen: Vec<u8>,
    fingerprints: Vec<u32>,
    rewrite_fingerprints: Vec<u32>,
}

impl Visit for Sketches<'_> {
    type Scratch = SketchScratch;
    type Out = Sketched;

    fn each(&self, scratch: &mut SketchScratch, text: &str) -> Sketched {
        let mut band_keys = vec![0; if self.config.mode.near() { self.lsh.bands } else { 0 }];
        let mut screen = vec![0; if screened(self.config) { self.hasher.len() } else { 0 }];
        let (sketch, fingerprints, rewrite_fingerprints) = sketch_one(
            &mut scratch.0,
            text,
            self.config,
            &self.hasher,
            self.lsh,
            &mut band_keys,
            &mut screen,
        );
        Sketched { sketch, band_keys, screen, fingerprints, rewrite_fingerprints }
    }

    /// Takes the batch's sketches, in order.
    fn batch(&mut self, docs: &mut [Document], outs: Vec<Sketched>) {
        self.visited = true;
        let first = self.sketches.len();
        for out in outs {
            self.sketches.push(out.sketch);
            self.band_keys.extend(out.band_keys);
            self.screens.extend(out.screen);
            self.fingerprints.push(out.fingerprints);
            if self.config.rewrite_path().is_some() {
                self.rewrite_fingerprints.push(out.rewrite_fingerprints);
            }
        }
        self.note_sources(first, docs);
        self.bytes += docs.iter().map(Document::text_len).sum::<usize>();
        self.progress.advance(docs.len() as u64);
    }

    /// Yes: a sketch is all that stage 1 needs of a text.
    fn release_texts(&self) -> bool {
        true
    }
}

/// Whether a scan with `config` screens its candidates by their documents'
/// screen bytes: when the near path runs alone.
pub(super) fn screened(config: &Config) -> bool {
    config.mode.near() && !config.mode.reuse()
}

fn sketch_one(
    s: &mut Scratch,
    text: &str,
    config: &Config,
    hasher: &MinHasher,
    lsh_params: LshParams,
    band_keys: &mut [u64],
    screen: &mut [u8],
) -> (DocSketch, Vec<u32>, Vec<u32>) {
    let mut rewrite = Vec::new();
    s.tokenizer.token_hashes(text, &mut s.hashes);
    if let Some(rewrites) = config.rewrite_path() {
        let language = config.align.language;
        reuse::rewrite_fingerprints(&s.hashes, rewrites, language, &mut s.keys, &mut s.grams, &mut rewrite);
        rewrite.shrink_to_fit();
    }
    shingle::shingles_of(&s.hashes, config.shingle_size, &mut s.shingles);
    if !band_keys.is_empty() {
        s.signature.resize(hasher.len(), 0);
        if screen.is_empty() {
            hasher.sign(&s.shingles, &mut s.signature);
        } else {
            hasher.sign_screened(&s.shingles, &mut s.signature, screen);
        }
        lsh::band_keys(&s.signature, lsh_params, band_keys);
    }
    let mut fingerprints = Vec::new();
    if config.mode.reuse() {
        reuse::winnow(&s.shingles, config.winnow_window, &mut fingerprints);
        fingerprints.shrink_to_fit();
    }
    (DocSketch { words: s.hashes.len(), content: shingle::content_hash(&s.hashes) }, fingerprints, rewrite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::pairs::Collect;
    use crate::pipeline::{scan, NoProgress};

    /// Sketching while reading, then reading back the texts the pairs
    /// need, gives the scan of the documents held in memory; forgetting to
    /// read them back is an error, not a scan of empty texts.
    #[test]
    fn sketching_as_read_then_restoring_is_the_scan_in_memory() {
        let text = "the quick brown fox jumps over the lazy dog near the river bank today and then";
        let edited = "the quick brown fox jumps over the lazy dog near the river bank today and so";
        let lines = [("a", text), ("b", "nothing in common with the rest at all"), ("c", edited)];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docs.jsonl");
        let jsonl: String =
            lines.iter().map(|(id, t)| format!("{{\"id\":\"{id}\",\"text\":\"{t}\"}}\n")).collect();
        std::fs::write(&path, jsonl).unwrap();
        let config = Config::default();
        let options = crate::source::ReadOptions::default();
        let read = || {
            let mut sketches = Sketches::new(&config, &NoProgress).unwrap();
            let loaded =
                crate::source::read_inputs_with(std::slice::from_ref(&path), &options, &mut sketches);
            assert!(loaded.documents.iter().all(Document::is_released));
            (sketches.candidates().unwrap(), loaded.documents)
        };
        let (candidates, docs) = read();
        let err = candidates.collect(&docs, &NoProgress).unwrap_err().to_string();
        assert!(err.contains("not read back"), "{err}");

        let (candidates, mut docs) = read();
        let needed = candidates.needs_text();
        assert_eq!(needed, [true, false, true]);
        crate::source::restore_texts(&mut docs, |i| needed[i], &options).unwrap();
        let streamed = candidates.collect(&docs, &NoProgress).unwrap();
        let held: Vec<Document> = lines.iter().map(|(id, t)| Document::new(*id, *t)).collect();
        let in_memory = scan(&held, &config).unwrap();
        assert_eq!(streamed.pairs, in_memory.pairs);
        assert_eq!(streamed.pairs.len(), 1);
        assert_eq!(streamed.stats.bytes, in_memory.stats.bytes);

        // Or read back a batch at a time, the documents left released.
        let (candidates, docs) = read();
        let mut sink = Collect(Vec::new());
        candidates.run_reading_back(&docs, &options, &NoProgress, &mut sink).unwrap();
        assert_eq!(sink.0, in_memory.pairs);
        assert!(docs.iter().all(Document::is_released));
    }
}
