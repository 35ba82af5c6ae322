//! The tokens of the documents a batch of pairs meets most often, made once
//! for the batch ([`BatchTokens`]).
//!
//! A pair worker tokenises the first document of a run of pairs once (the
//! pairs are sorted by it), but the second document of every pair afresh:
//! a document that pairs with forty others is tokenised forty times, and
//! tokenising is a sixth of the time of verifying and aligning. So before a
//! batch is verified, the documents it meets twice or more as the second
//! of a pair are tokenised once, in parallel, most met first, until their
//! tokens fill [`TOKEN_CACHE_BYTES`]; a worker copies their tokens instead
//! of making them. Only the time changes: the tokens are the same.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::candidates::ToDo;
use super::plan::BatchTexts;
use super::DocSketch;
use crate::text::{Token, Tokenizer};
use crate::Span;

/// Most bytes of tokens a batch keeps (16 bytes a word): about a million
/// words, which on the 10k generated corpus and 20 Newsgroups spares half
/// of the tokenising of second documents.
pub(super) const TOKEN_CACHE_BYTES: usize = 16 << 20;

/// A token in 16 bytes: its span as two `u32`s, and its hash.
#[derive(Clone, Copy, Debug)]
struct Compact {
    start: u32,
    end: u32,
    hash: u64,
}

/// The tokens of some documents of a batch, made once.
#[derive(Debug, Default)]
pub(super) struct BatchTokens {
    /// The kept documents' tokens, one after another.
    tokens: Vec<Compact>,
    /// Each kept document's range in `tokens`.
    slots: HashMap<u32, (usize, usize)>,
}

impl BatchTokens {
    /// Tokenises the documents that `batch` meets at least twice as `b`,
    /// most met first (ties by number), while their tokens fit in `budget`
    /// bytes (`sketches` count their words). Adds the nanoseconds spent to
    /// `spent`.
    pub(super) fn make(
        batch: &[ToDo],
        texts: &BatchTexts<'_>,
        sketches: &[DocSketch],
        budget: usize,
        spent: &AtomicU64,
    ) -> BatchTokens {
        let mut bs: Vec<u32> = batch.iter().map(|t| t.b).collect();
        bs.sort_unstable();
        let mut met: Vec<(usize, u32)> =
            bs.chunk_by(|x, y| x == y).filter(|run| run.len() >= 2).map(|run| (run.len(), run[0])).collect();
        met.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        let most = budget / std::mem::size_of::<Compact>();
        let mut total = 0;
        let mut kept = Vec::new();
        for (_, d) in met {
            let words = sketches[d as usize].words;
            // Offsets must fit in 32 bits.
            if total + words <= most && u32::try_from(texts.get(d).len()).is_ok() {
                kept.push((d, total, words));
                total += words;
            }
        }
        // One block, cut into each document's part, filled in parallel.
        let mut tokens = vec![Compact { start: 0, end: 0, hash: 0 }; total];
        let mut parts = Vec::with_capacity(kept.len());
        let mut rest = &mut tokens[..];
        for &(d, _, words) in &kept {
            let (part, after) = rest.split_at_mut(words);
            parts.push((d, part));
            rest = after;
        }
        // A document the sketch counted otherwise (none should be) is left out.
        let made: Vec<bool> = parts
            .into_par_iter()
            .map_init(
                || (Tokenizer::new(), Vec::new()),
                |(tokenizer, scratch), (d, part)| {
                    let clock = Instant::now();
                    tokenizer.tokenize(texts.get(d), scratch);
                    let fits = scratch.len() == part.len();
                    if fits {
                        for (c, t) in part.iter_mut().zip(scratch.iter()) {
                            *c = Compact { start: t.span.start as u32, end: t.span.end as u32, hash: t.hash };
                        }
                    }
                    spent.fetch_add(clock.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    fits
                },
            )
            .collect();
        let slots = kept
            .into_iter()
            .zip(made)
            .filter(|&(_, made)| made)
            .map(|((d, at, words), _)| (d, (at, at + words)))
            .collect();
        BatchTokens { tokens, slots }
    }

    /// Writes the tokens of document `d` to `out` (replacing what it held)
    /// if they were made; `false` if not.
    pub(super) fn copy(&self, d: u32, out: &mut Vec<Token>) -> bool {
        let Some(&(start, end)) = self.slots.get(&d) else { return false };
        out.clear();
        out.extend(
            self.tokens[start..end]
                .iter()
                .map(|c| Token { span: Span::new(c.start as usize, c.end as usize), hash: c.hash }),
        );
        true
    }

    /// Documents whose tokens were made.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Document;

    fn todo(a: u32, b: u32) -> ToDo {
        ToDo { a, b, exact: false }
    }

    /// The documents met most often as `b` are kept, while they fit, and
    /// their tokens are those the tokeniser makes.
    #[test]
    fn keeps_the_most_met_documents_and_their_exact_tokens() {
        let texts = [
            "zero words here",
            "Ünïcode wörds, and 12 numbers; the_end",
            "two more",
            "three three three three three three",
            "four",
        ];
        let docs: Vec<Document> =
            texts.iter().enumerate().map(|(i, t)| Document::new(format!("d{i}"), *t)).collect();
        let sketches: Vec<DocSketch> = texts
            .iter()
            .map(|t| DocSketch { words: crate::text::tokenize(t).len(), ..DocSketch::default() })
            .collect();
        let batch_texts = BatchTexts { docs: &docs, ids: Vec::new(), texts: Vec::new(), all: None };
        // 3 is met three times, 1 twice, 2 and 4 once.
        let batch = [todo(0, 1), todo(0, 3), todo(0, 4), todo(1, 3), todo(2, 3), todo(2, 1), todo(3, 2)];
        let spent = AtomicU64::new(0);
        let all = BatchTokens::make(&batch, &batch_texts, &sketches, usize::MAX, &spent);
        assert_eq!(all.len(), 2);
        let mut out = vec![Token { span: Span::new(0, 0), hash: 0 }];
        for d in [1u32, 3] {
            assert!(all.copy(d, &mut out));
            assert_eq!(out, crate::text::tokenize(texts[d as usize]));
        }
        assert!(!all.copy(2, &mut out) && !all.copy(4, &mut out) && !all.copy(0, &mut out));

        // Room for the six words of 3, not for 1 as well.
        let room = 6 * std::mem::size_of::<Compact>();
        let some = BatchTokens::make(&batch, &batch_texts, &sketches, room, &spent);
        assert_eq!(some.len(), 1);
        assert!(some.copy(3, &mut out) && !some.copy(1, &mut out));
        let none = BatchTokens::make(&batch, &batch_texts, &sketches, 0, &spent);
        assert_eq!(none.len(), 0);
    }
}
