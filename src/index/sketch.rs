//! A document's sketch: its text tokenised, shingled and signed into what
//! an add stores and a query looks up: its words, content hash, LSH band
//! keys and winnowed fingerprints, as posting terms (see the module doc of
//! [`crate::index`]). The first step of both `write.rs` and `query.rs`.

use crate::config::Config;
use crate::lsh;
use crate::minhash::MinHasher;
use crate::reuse;
use crate::shingle;
use crate::text::{Token, Tokenizer};

/// The sketch of one document: what an add stores and a query looks up.
#[derive(Clone, Debug, Default)]
pub(super) struct Sketch {
    pub(super) words: usize,
    pub(super) content: u128,
    /// Band keys then fingerprint terms, as posting terms.
    pub(super) terms: (Vec<u64>, Vec<u64>),
}

#[derive(Default)]
pub(super) struct Scratch {
    tokenizer: Tokenizer,
    pub(super) tokens: Vec<Token>,
    hashes: Vec<u64>,
    pub(super) shingles: Vec<u64>,
    signature: Vec<u32>,
    fingerprints: Vec<u32>,
}

/// Tokenises, shingles and signs `text`; leaves its tokens in `s.tokens`
/// and its shingles (in text order) in `s.shingles`.
pub(super) fn sketch(s: &mut Scratch, text: &str, config: &Config, hasher: &MinHasher) -> Sketch {
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
