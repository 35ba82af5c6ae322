//! Normalise and tokenise: text in, [`Token`]s out.
//!
//! Each token is a word found by Unicode word segmentation (UAX #29), keeps
//! the half-open byte [`Span`] it covers in the *original* text, and carries
//! the 64-bit xxh3 hash of its normalised form. Normalisation is NFKC,
//! lower-casing (Unicode `to_lowercase`, which covers case folding for all
//! but a few special characters such as `ß`) and folding typographic
//! apostrophes (`’`, `‘`) into `'`, so `regime’s` and `Regime's` hash alike.
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

use unicode_normalization::UnicodeNormalization;
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
    bytes: Vec<u8>,
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
        let mut i = 0;
        while i < bytes.len() {
            // Skip ASCII white space: UAX #29 always breaks around it.
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let start = i;
            let mut ascii = true;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                ascii &= bytes[i] < 0x80;
                i += 1;
            }
            if start == i {
                break;
            }
            if ascii {
                self.ascii_chunk(bytes, start, i, out);
            } else {
                self.unicode_chunk(text, start, i, out);
            }
        }
    }

    fn ascii_chunk(&mut self, bytes: &[u8], start: usize, end: usize, out: &mut Vec<Token>) {
        for_each_ascii_word(&bytes[start..end], |s, e| {
            let word = &bytes[start + s..start + e];
            self.bytes.clear();
            self.bytes.extend(word.iter().map(u8::to_ascii_lowercase));
            out.push(Token {
                span: Span::new(start + s, start + e),
                hash: xxh3_64(&self.bytes),
            });
        });
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
                    out.push(Token {
                        span: Span::new(s, s + g.len()),
                        hash: self.normalised_hash(g),
                    });
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
        self.scratch.clear();
        for c in word.nfkc() {
            match c {
                '\u{2019}' | '\u{2018}' | '\u{02BC}' => self.scratch.push('\''),
                c => self.scratch.extend(c.to_lowercase()),
            }
        }
        xxh3_64(self.scratch.as_bytes())
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
    for c in word.nfkc() {
        match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' => s.push('\''),
            c => s.extend(c.to_lowercase()),
        }
    }
    s
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    /// `_`: joins anything word-like on both sides.
    ExtendNumLet,
    /// `:`: joins letters only.
    MidLetter,
    /// `.` and `'`: join letters, and digits.
    MidNumLet,
    /// `,` and `;`: join digits only.
    MidNum,
    Other,
}

fn class(b: u8) -> Class {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
        b'0'..=b'9' => Class::Digit,
        b'_' => Class::ExtendNumLet,
        b':' => Class::MidLetter,
        b'.' | b'\'' => Class::MidNumLet,
        b',' | b';' => Class::MidNum,
        _ => Class::Other,
    }
}

/// Calls `f(start, end)` for every word of an ASCII chunk that holds no
/// white space, with the same boundaries as UAX #29 (rules WB5-WB13b) and the
/// same filter as `unicode_word_indices`: a word holds a letter or digit.
fn for_each_ascii_word(chunk: &[u8], mut f: impl FnMut(usize, usize)) {
    let n = chunk.len();
    let mut i = 0;
    while i < n {
        let c = class(chunk[i]);
        if !matches!(c, Class::Letter | Class::Digit | Class::ExtendNumLet) {
            i += 1;
            continue;
        }
        let start = i;
        let mut prev = c;
        let mut alnum = c != Class::ExtendNumLet;
        i += 1;
        while i < n {
            let cur = class(chunk[i]);
            match cur {
                Class::Letter | Class::Digit | Class::ExtendNumLet => {
                    alnum |= cur != Class::ExtendNumLet;
                    prev = cur;
                    i += 1;
                }
                Class::MidLetter | Class::MidNumLet | Class::MidNum if i + 1 < n => {
                    let next = class(chunk[i + 1]);
                    let joins = match (prev, next) {
                        (Class::Letter, Class::Letter) => {
                            matches!(cur, Class::MidLetter | Class::MidNumLet)
                        }
                        (Class::Digit, Class::Digit) => {
                            matches!(cur, Class::MidNum | Class::MidNumLet)
                        }
                        _ => false,
                    };
                    if !joins {
                        break;
                    }
                    prev = next;
                    i += 2;
                }
                _ => break,
            }
        }
        if alnum {
            f(start, i);
        }
    }
}

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
        tokenize(text)
            .iter()
            .map(|t| &text[t.span.range()])
            .collect()
    }

    #[test]
    fn ascii_words_and_offsets() {
        let text = "The U.S. exit, in 2018: 3,000.5 people's hope_ful!";
        assert_eq!(
            words(text),
            ["The", "U.S", "exit", "in", "2018", "3,000.5", "people's", "hope_ful"]
        );
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

    proptest! {
        /// The ASCII fast path gives exactly the words of unicode-segmentation.
        #[test]
        fn ascii_fast_path_matches_uax29(s in "[a-zA-Z0-9_.,;:' !?\\-\n\t]{0,60}") {
            let ours: Vec<(usize, &str)> = tokenize(&s)
                .iter()
                .map(|t| (t.span.start, &s[t.span.range()]))
                .collect();
            let theirs: Vec<(usize, &str)> = s.unicode_word_indices().collect();
            prop_assert_eq!(ours, theirs);
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
