//! Normalise and tokenise: text in, [`Token`]s out.
//!
//! Each token is a word found by Unicode word segmentation (UAX #29), keeps
//! the half-open byte [`Span`] it covers in the *original* text, and carries
//! the 64-bit xxh3 hash of its normalised form. Normalisation is NFKC,
//! lower-casing (Unicode `to_lowercase`, which covers case folding for all
//! but a few special characters such as `ß`) and folding typographic
//! apostrophes (`’`, `‘`, `ʼ`) into `'`, so `regime’s` and `Regime's` hash alike.
//! Punctuation and white space make no tokens. Normalisation changes what a
//! token hashes to, never its span: later stages quote the original exactly.
//!
//! Scripts written without spaces between words (Han, Hiragana, Katakana,
//! Thai, Lao, Khmer, Myanmar) fall back to one token per character, so their
//! shingles are character n-grams instead of one giant token.
//!
//! ASCII is the common case and has a fast path: a chunk of text between
//! white space that is pure ASCII is segmented by a direct implementation of
//! the UAX #29 rules for ASCII (tested against `unicode-segmentation`); any
//! other chunk goes through `unicode-segmentation` itself.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64;

use crate::Span;

/// One word of a document: where it is, and what it hashes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte range of the word in the original text.
    pub span: Span,
    /// xxh3 hash of the normalised word.
    pub hash: u64,
}

/// A reusable tokeniser: keeps scratch space between calls so that
/// tokenising many documents allocates little.
#[derive(Debug, Default)]
pub struct Tokenizer {
    scratch: String,
}

impl Tokenizer {
    /// A new tokeniser.
    pub fn new() -> Tokenizer {
        Tokenizer::default()
    }

    /// Tokenises `text`, appending its tokens to `out` (which is cleared
    /// first).
    pub fn tokenize(&mut self, text: &str, out: &mut Vec<Token>) {
        out.clear();
        let bytes = text.as_bytes();
        let n = bytes.len();
        // Start of the current white-space-delimited chunk, and how many
        // tokens there were when it began: a chunk that turns out to hold a
        // non-ASCII byte is taken back and redone by the Unicode path.
        let mut chunk_start = 0;
        let mut chunk_tokens = 0;
        let mut i = 0;
        while i < n {
            match CLASS[bytes[i] as usize] {
                Class::Space => {
                    i += 1;
                    chunk_start = i;
                    chunk_tokens = out.len();
                }
                Class::NonAscii => {
                    out.truncate(chunk_tokens);
                    let mut end = i;
                    while end < n && !bytes[end].is_ascii_whitespace() {
                        end += 1;
                    }
                    self.unicode_chunk(text, chunk_start, end, out);
                    i = end;
                }
                Class::Lower | Class::Upper | Class::Digit | Class::ExtendNumLet => {
                    let word = ascii_word(bytes, i);
                    if word.alnum {
                        let hash = if word.upper {
                            hash_ascii_lower(&bytes[i..word.end])
                        } else {
                            xxh3_64(&bytes[i..word.end])
                        };
                        out.push(Token { span: Span::new(i, word.end), hash });
                    }
                    i = word.end;
                }
                _ => i += 1,
            }
        }
    }

    fn unicode_chunk(&mut self, text: &str, start: usize, end: usize, out: &mut Vec<Token>) {
        let chunk = &text[start..end];
        for (offset, word) in chunk.unicode_word_indices() {
            let word_start = start + offset;
            if word.chars().any(is_spaceless_script) {
                // One token per character (combining marks stay with their
                // base character via grapheme clusters).
                for (g_off, g) in word.grapheme_indices(true) {
                    let s = word_start + g_off;
                    out.push(Token { span: Span::new(s, s + g.len()), hash: self.normalised_hash(g) });
                }
            } else {
                out.push(Token {
                    span: Span::new(word_start, word_start + word.len()),
                    hash: self.normalised_hash(word),
                });
            }
        }
    }

    fn normalised_hash(&mut self, word: &str) -> u64 {
        if word.is_ascii() {
            return hash_ascii_lower(word.as_bytes());
        }
        self.scratch.clear();
        push_normalised(&mut self.scratch, word);
        xxh3_64(self.scratch.as_bytes())
    }
}

/// Appends the normalised form of `word` to `out`.
fn push_normalised(out: &mut String, word: &str) {
    let fold = |out: &mut String, c: char| match c {
        '\u{2019}' | '\u{2018}' | '\u{02BC}' => out.push('\''),
        c => out.extend(c.to_lowercase()),
    };
    // Most words are already in NFKC: skip the normaliser for them.
    if is_nfkc_quick(word.chars()) == IsNormalized::Yes {
        word.chars().for_each(|c| fold(out, c));
    } else {
        word.nfkc().for_each(|c| fold(out, c));
    }
}

/// Tokenises `text` with a fresh [`Tokenizer`].
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    Tokenizer::new().tokenize(text, &mut out);
    out
}

/// The normalised form of one word, as [`Tokenizer`] hashes it. Exposed for
/// tests and for reports that show normalised words.
pub fn normalise_word(word: &str) -> String {
    let mut s = String::with_capacity(word.len());
    push_normalised(&mut s, word);
    s
}

/// xxh3 of an ASCII word, lower-cased (through a stack buffer for the
/// common short word).
#[inline]
fn hash_ascii_lower(word: &[u8]) -> u64 {
    let mut buf = [0u8; 32];
    if word.len() <= buf.len() {
        for (d, &b) in buf.iter_mut().zip(word) {
            *d = b.to_ascii_lowercase();
        }
        xxh3_64(&buf[..word.len()])
    } else {
        xxh3_64(&word.to_ascii_lowercase())
    }
}

/// The word-boundary class of a byte, for the ASCII fast path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Lower,
    Upper,
    Digit,
    /// `_`: joins anything word-like on both sides.
    ExtendNumLet,
    /// `:`: joins letters only.
    MidLetter,
    /// `.` and `'`: join letters, and digits.
    MidNumLet,
    /// `,` and `;`: join digits only.
    MidNum,
    /// ASCII white space: always a word boundary.
    Space,
    /// A byte of a multi-byte character: the chunk needs the Unicode path.
    NonAscii,
    Other,
}

const CLASS: [Class; 256] = {
    let mut t = [Class::Other; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'a'..=b'z' => Class::Lower,
            b'A'..=b'Z' => Class::Upper,
            b'0'..=b'9' => Class::Digit,
            b'_' => Class::ExtendNumLet,
            b':' => Class::MidLetter,
            b'.' | b'\'' => Class::MidNumLet,
            b',' | b';' => Class::MidNum,
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => Class::Space,
            0x80..=0xff => Class::NonAscii,
            _ => Class::Other,
        };
        b += 1;
    }
    t
};

/// An ASCII word found by [`ascii_word`].
struct AsciiWord {
    /// One past its last byte.
    end: usize,
    /// Whether it holds a letter or digit (`unicode_word_indices` drops
    /// words that do not).
    alnum: bool,
    /// Whether it holds an upper-case letter.
    upper: bool,
}

/// The ASCII word starting at `start` (a letter, digit or `_`), by the
/// UAX #29 rules WB5-WB13b. A non-ASCII byte ends the word; the caller then
/// redoes the whole chunk.
#[inline]
fn ascii_word(bytes: &[u8], start: usize) -> AsciiWord {
    let n = bytes.len();
    let first = CLASS[bytes[start] as usize];
    let mut word =
        AsciiWord { end: start + 1, alnum: first != Class::ExtendNumLet, upper: first == Class::Upper };
    let mut i = start + 1;
    loop {
        // The common case, lower-case letters and digits, in a tight loop.
        while i < n && LOWER_OR_DIGIT[bytes[i] as usize] {
            word.alnum = true;
            i += 1;
        }
        if i >= n {
            break;
        }
        match CLASS[bytes[i] as usize] {
            Class::Upper => {
                word.alnum = true;
                word.upper = true;
                i += 1;
            }
            Class::ExtendNumLet => i += 1,
            cur @ (Class::MidLetter | Class::MidNumLet | Class::MidNum) if i + 1 < n => {
                let prev = CLASS[bytes[i - 1] as usize];
                let next = CLASS[bytes[i + 1] as usize];
                let letter = |c: Class| matches!(c, Class::Lower | Class::Upper);
                let joins = if letter(prev) && letter(next) {
                    matches!(cur, Class::MidLetter | Class::MidNumLet)
                } else if prev == Class::Digit && next == Class::Digit {
                    matches!(cur, Class::MidNum | Class::MidNumLet)
                } else {
                    false
                };
                if !joins {
                    break;
                }
                word.upper |= next == Class::Upper;
                i += 2;
            }
            _ => break,
        }
    }
    word.end = i;
    word
}

/// Bytes that continue a word with nothing to check: `a-z`, `0-9`.
const LOWER_OR_DIGIT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = matches!(b as u8, b'a'..=b'z' | b'0'..=b'9');
        b += 1;
    }
    t
};

fn is_spaceless_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x19E0..=0x19FF    // Khmer symbols
        | 0x2E80..=0x2FDF    // CJK radicals, Kangxi
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3100..=0x312F    // Bopomofo
        | 0x31F0..=0x31FF    // Katakana extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x20000..=0x3FFFF  // CJK extensions B and later
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| &text[t.span.range()]).collect()
    }

    #[test]
    fn ascii_words_and_offsets() {
        let text = "The U.S. exit, in 2018: 3,000.5 people's hope_ful!";
        assert_eq!(words(text), ["The", "U.S", "exit", "in", "2018", "3,000.5", "people's", "hope_ful"]);
    }

    #[test]
    fn normalisation_changes_hash_not_span() {
        let a = "Regime’s  ＦＵＬＬ";
        let b = "regime's full";
        let ta = tokenize(a);
        let tb = tokenize(b);
        assert_eq!(ta.len(), 2);
        assert_eq!(
            ta.iter().map(|t| t.hash).collect::<Vec<_>>(),
            tb.iter().map(|t| t.hash).collect::<Vec<_>>()
        );
        assert_eq!(&a[ta[0].span.range()], "Regime’s");
        assert_eq!(&a[ta[1].span.range()], "ＦＵＬＬ");
    }

    #[test]
    fn spaceless_scripts_become_characters() {
        assert_eq!(words("日本語の文章"), ["日", "本", "語", "の", "文", "章"]);
        assert_eq!(words("ภาษาไทย"), ["ภ", "า", "ษ", "า", "ไ", "ท", "ย"]);
        assert_eq!(words("abc 中文 def"), ["abc", "中", "文", "def"]);
    }

    #[test]
    fn punctuation_only_makes_no_tokens() {
        assert!(tokenize(" ... -- !!! \n\t").is_empty());
        assert!(tokenize("").is_empty());
    }

    /// Our words and their offsets are unicode-segmentation's.
    fn words_match_uax29(s: &str) -> Result<(), TestCaseError> {
        let ours: Vec<(usize, &str)> =
            tokenize(s).iter().map(|t| (t.span.start, &s[t.span.range()])).collect();
        let theirs: Vec<(usize, &str)> = s.unicode_word_indices().collect();
        prop_assert_eq!(ours, theirs);
        Ok(())
    }

    proptest! {
        /// The ASCII fast path gives exactly the words of unicode-segmentation.
        #[test]
        fn ascii_fast_path_matches_uax29(s in "[a-zA-Z0-9_.,;:' !?\\-\n\t\r\x0b\x0c]{0,60}") {
            words_match_uax29(&s)?;
        }

        /// Chunks with non-ASCII characters are redone by the Unicode path:
        /// the words still match unicode-segmentation's.
        #[test]
        fn mixed_text_matches_uax29(s in "[a-zA-Z0-9_.,;:' \n\u{e9}\u{fc}\u{2019}\u{201c}\u{2014}]{0,60}") {
            words_match_uax29(&s)?;
        }

        /// Every fast path hashes a token exactly as its normalised form.
        #[test]
        fn hash_is_of_the_normalised_word(s in "[a-zA-Z0-9'. \u{e9}\u{c9}\u{2019}\u{fb01}\u{ff21}\u{65e5}\u{e01}\u{301}]{0,40}") {
            for t in tokenize(&s) {
                let word = &s[t.span.range()];
                prop_assert_eq!(t.hash, xxh3_64(normalise_word(word).as_bytes()), "{:?}", word);
            }
        }

        /// Spans are in bounds, on character boundaries, ordered, and cover
        /// non-empty text.
        #[test]
        fn spans_are_valid(s in "\\PC{0,80}") {
            let mut last = 0;
            for t in tokenize(&s) {
                prop_assert!(t.span.start >= last && t.span.start < t.span.end);
                prop_assert!(t.span.end <= s.len());
                prop_assert!(s.is_char_boundary(t.span.start) && s.is_char_boundary(t.span.end));
                last = t.span.end;
            }
        }
    }
}
