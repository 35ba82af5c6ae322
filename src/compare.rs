//! One pair of texts as `reprint compare` sees it: both texts in; their
//! tokens and their [`Alignment`] out.
//!
//! [`align_texts`] is the one place that turns two texts into passages.
//! `reprint compare` calls it, and so does [`crate::pan::detect`] (behind
//! `reprint eval --pan`), so the two always align a pair the same way, and
//! a change to tokenising or aligning reaches both.

use crate::align::{self, AlignConfig, Alignment};
use crate::text::{tokenize, Token};

/// Two texts' tokens and their alignment.
#[derive(Clone, Debug)]
pub struct Compared {
    /// Tokens of the first text.
    pub a_tokens: Vec<Token>,
    /// Tokens of the second text.
    pub b_tokens: Vec<Token>,
    /// The reused passages (byte spans into the two texts).
    pub alignment: Alignment,
}

/// Tokenises `a` and `b` and aligns them with `config`.
pub fn align_texts(a: &str, b: &str, config: &AlignConfig) -> Compared {
    let (a_tokens, b_tokens) = (tokenize(a), tokenize(b));
    let alignment = align::align(a, &a_tokens, b, &b_tokens, config);
    Compared { a_tokens, b_tokens, alignment }
}
