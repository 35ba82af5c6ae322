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
//! shingles are character n-grams instead of one giant token. A character
//! is less than a word, so toward a passage's least size it counts a
//! fraction of one ([`word_sixths`]).
//!
//! Two fast paths implement the UAX #29 rules directly, and tests hold
//! them to `unicode-segmentation`'s words:
//! - ASCII: every byte is classified 64 at a time into bit masks (SSE2 on
//!   x86-64), words are the runs of word bytes, and only the punctuation that
//!   may join two words (`U.S`, `people's`, `3,000.5`) is looked at one by
//!   one.
//! - A chunk of text between white space that holds non-ASCII characters,
//!   all of them Latin, Greek or Cyrillic letters or common typographic
//!   punctuation (`’ “ ” — …`), goes through the same rules a character at a
//!   time.
//!
//! Any other chunk goes through `unicode-segmentation` itself.

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
    masks: Masks,
    /// White-space-delimited chunks holding a non-ASCII byte, as byte ranges.
    unicode_chunks: Vec<(usize, usize)>,
    /// The characters of one such chunk: word-boundary class and offset.
    chars: Vec<(CharClass, usize)>,
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
        self.each_token(text, |start, end, hash| out.push(Token { span: Span::new(start, end), hash }));
    }

    /// The hashes of the tokens of `text`, without their spans, into `out`
    /// (cleared first): what sketching needs.
    pub fn token_hashes(&mut self, text: &str, out: &mut Vec<u64>) {
        out.clear();
        self.each_token(text, |_, _, hash| out.push(hash));
    }

    /// Calls `emit(start, end, hash)` for every token of `text`, in order.
    ///
    /// Pure-ASCII chunks (between ASCII white space) are segmented with bit
    /// masks: every byte of the text is classified 64 at a time
    /// ([`Masks::classify`]), words are the runs of word bytes, and the few
    /// punctuation bytes that may join two words (`U.S`, `people's`,
    /// `3,000.5`) are checked one by one. A chunk holding any non-ASCII
    /// byte goes through [`mixed_chunk`] instead.
    #[inline]
    fn each_token(&mut self, text: &str, mut emit: impl FnMut(usize, usize, u64)) {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let m = &mut self.masks;
        m.classify(bytes);
        m.join_words(bytes);
        // Chunks with a non-ASCII byte: found, then taken out of the word mask.
        self.unicode_chunks.clear();
        let mut from = 0;
        while let Some(p) = next_one(&m.high, from) {
            let start = prev_one(&m.space, p).map_or(0, |s| s + 1);
            let end = next_one(&m.space, p).unwrap_or(n);
            clear_range(&mut m.word, start, end);
            self.unicode_chunks.push((start, end));
            from = end;
        }
        let (word_mask, under, lower) = (&m.word, &m.under, &m.lower);
        let mut chunks = self.unicode_chunks.iter().copied();
        let mut next_chunk = chunks.next();
        let blocks = word_mask.len();
        // The first and the last byte of each run of word bytes, block by
        // block, from the word mask and its neighbours' edge bits.
        let starts = |k: usize| {
            let w = word_mask[k];
            w & !((w << 1) | if k > 0 { word_mask[k - 1] >> 63 } else { 0 })
        };
        let lasts = |k: usize| {
            let w = word_mask[k];
            w & !((w >> 1) | word_mask.get(k + 1).map_or(0, |&x| x << 63))
        };
        let (mut k, mut first_bits) = (0, if blocks > 0 { starts(0) } else { 0 });
        let (mut last_k, mut last_bits) = (0, if blocks > 0 { lasts(0) } else { 0 });
        'words: loop {
            while first_bits == 0 {
                k += 1;
                if k >= blocks {
                    break 'words;
                }
                first_bits = starts(k);
            }
            let start = k * 64 + first_bits.trailing_zeros() as usize;
            first_bits &= first_bits - 1;
            // Every run that starts ends, at or after its start.
            while last_bits == 0 {
                last_k += 1;
                last_bits = lasts(last_k);
            }
            let end = last_k * 64 + last_bits.trailing_zeros() as usize + 1;
            last_bits &= last_bits - 1;
            while let Some((s, e)) = next_chunk.filter(|&(s, _)| s < start) {
                mixed_chunk(&mut self.chars, &mut self.scratch, text, s, e, &mut emit);
                next_chunk = chunks.next();
            }
            // A run of `_` alone is not a word (it holds no letter or digit);
            // any other byte of a run is a letter or digit, or punctuation
            // between two of them. A run of 64 bytes or fewer lies in the
            // blocks of its first and last bytes.
            let underscores = under[start / 64] | under[(end - 1) / 64] != 0 || end - start > 64;
            if !underscores
                || !any_in_range(under, start, end)
                || bytes[start..end].iter().any(|&b| b != b'_')
            {
                emit(start, end, xxh3_64(&lower[start..end]));
            }
        }
        while let Some((s, e)) = next_chunk {
            mixed_chunk(&mut self.chars, &mut self.scratch, text, s, e, &mut emit);
            next_chunk = chunks.next();
        }
    }
}

/// The word-boundary class (UAX #29) of a character of the chunk fast
/// path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CharClass {
    /// ALetter.
    Letter,
    /// Numeric (ASCII digits only).
    Digit,
    /// ExtendNumLet (`_` only).
    Under,
    /// MidLetter (`:` only).
    MidLetter,
    /// MidNumLet and Single_Quote: `.` `'` `‘` `’`.
    MidNumLet,
    /// MidNum: `,` `;`.
    MidNum,
    /// Anything that is never part of a word.
    Other,
}

/// The class of `c` if the chunk fast path knows it: ASCII, and the
/// letters and punctuation of Latin-1, Latin Extended-A, Greek and Cyrillic
/// text whose normalised form is one lower-cased character (NFKC leaves
/// them alone). Anything else (combining marks, format characters,
/// ligatures, scripts written without spaces...) sends its chunk to
/// `unicode-segmentation`.
fn char_class(c: char) -> Option<CharClass> {
    use CharClass::*;
    Some(match c as u32 {
        0x30..=0x39 => Digit,
        0x41..=0x5A | 0x61..=0x7A => Letter,
        0x5F => Under,
        0x3A => MidLetter,
        0x2E | 0x27 | 0x2018 | 0x2019 => MidNumLet,
        0x2C | 0x3B => MidNum,
        0x00..=0x7F => Other,
        // Latin-1 letters, but not the multiplication and division signs.
        0xC0..=0xFF if c != '\u{D7}' && c != '\u{F7}' => Letter,
        // Latin-1 punctuation and symbols; not ª µ º and the cedilla
        // (ALetter), the soft hyphen (a format character), the middle dot
        // (MidLetter), or the superscripts and fractions (numbers).
        0xA0..=0xBF | 0xD7 | 0xF7 => match c {
            '\u{AA}' | '\u{AD}' | '\u{B2}' | '\u{B3}' | '\u{B5}' | '\u{B7}' | '\u{B8}'..='\u{BE}' => {
                return None
            }
            _ => Other,
        },
        // Latin Extended-A, but not İ (two characters lower-cased) or the
        // characters NFKC changes (Ĳ ĳ Ŀ ŀ ŉ ſ).
        0x100..=0x17F => match c {
            '\u{130}' | '\u{132}' | '\u{133}' | '\u{13F}' | '\u{140}' | '\u{149}' | '\u{17F}' => return None,
            _ => Letter,
        },
        // Greek capitals and small letters, with tonos.
        0x386 | 0x388..=0x38A | 0x38C | 0x38E..=0x3A1 | 0x3A3..=0x3CE => Letter,
        // Cyrillic, without the combining marks 0483-0489 and the sign 0482.
        0x400..=0x481 | 0x48A..=0x52F => Letter,
        // Dashes, quotation marks, bullets, the ellipsis, primes, guillemets.
        0x2010..=0x2017 | 0x201A..=0x2023 | 0x2025 | 0x2026 | 0x2030..=0x203E => Other,
        // The euro sign, the trade mark sign, arrows, box drawing.
        0x20AC | 0x2122 | 0x2190..=0x21FF | 0x2500..=0x257F => Other,
        _ => return None,
    })
}

/// Tokenises the chunk `text[start..end]`, which holds non-ASCII
/// characters: by the same rules as the ASCII path when every character has
/// a known [`char_class`], else with `unicode-segmentation`.
fn mixed_chunk(
    chars: &mut Vec<(CharClass, usize)>,
    scratch: &mut String,
    text: &str,
    start: usize,
    end: usize,
    emit: &mut impl FnMut(usize, usize, u64),
) {
    use CharClass::*;
    chars.clear();
    for (offset, c) in text[start..end].char_indices() {
        match char_class(c) {
            Some(class) => chars.push((class, start + offset)),
            None => return unicode_chunk(scratch, text, start, end, emit),
        }
    }
    let n = chars.len();
    let at = |i: usize| if i < n { chars[i].1 } else { end };
    let wordlike = |c: CharClass| matches!(c, Letter | Digit | Under);
    let mut i = 0;
    while i < n {
        if !wordlike(chars[i].0) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        loop {
            if j < n && wordlike(chars[j].0) {
                j += 1;
                continue;
            }
            if j + 1 < n {
                let (prev, mid, next) = (chars[j - 1].0, chars[j].0, chars[j + 1].0);
                let joins = match (prev, next) {
                    (Letter, Letter) => matches!(mid, MidLetter | MidNumLet),
                    (Digit, Digit) => matches!(mid, MidNum | MidNumLet),
                    _ => false,
                };
                if joins {
                    j += 2;
                    continue;
                }
            }
            break;
        }
        if chars[i..j].iter().any(|&(c, _)| matches!(c, Letter | Digit)) {
            let (s, e) = (at(i), at(j));
            scratch.clear();
            for c in text[s..e].chars() {
                match c {
                    '\u{2018}' | '\u{2019}' => scratch.push('\''),
                    c if c.is_ascii() => scratch.push(c.to_ascii_lowercase()),
                    c => match simple_lowercase(c) {
                        Some(lower) => scratch.push(lower),
                        None => scratch.extend(c.to_lowercase()),
                    },
                }
            }
            emit(s, e, xxh3_64(scratch.as_bytes()));
        }
        i = j;
    }
}

/// `c.to_lowercase()` for the common letters of Latin-1, Greek and
/// Cyrillic, whose lower case is one character at a fixed distance, without
/// the table search; `None` for the rest.
#[inline]
fn simple_lowercase(c: char) -> Option<char> {
    let shift = match c as u32 {
        0xC0..=0xD6 | 0xD8..=0xDE | 0x391..=0x3A1 | 0x3A3..=0x3AB | 0x410..=0x42F => 0x20,
        0x400..=0x40F => 0x50,
        0xDF..=0xFF | 0x3AC..=0x3CE | 0x430..=0x45F => 0,
        _ => return None,
    };
    char::from_u32(c as u32 + shift)
}

/// Tokenises the chunk `text[start..end]` with `unicode-segmentation`.
fn unicode_chunk(
    scratch: &mut String,
    text: &str,
    start: usize,
    end: usize,
    emit: &mut impl FnMut(usize, usize, u64),
) {
    let chunk = &text[start..end];
    for (offset, word) in chunk.unicode_word_indices() {
        let word_start = start + offset;
        if word.chars().any(is_spaceless_script) {
            // One token per character (combining marks stay with their
            // base character via grapheme clusters).
            for (g_off, g) in word.grapheme_indices(true) {
                let s = word_start + g_off;
                emit(s, s + g.len(), normalised_hash(scratch, g));
            }
        } else {
            emit(word_start, word_start + word.len(), normalised_hash(scratch, word));
        }
    }
}

/// xxh3 of the normalised form of `word`.
fn normalised_hash(scratch: &mut String, word: &str) -> u64 {
    if word.is_ascii() {
        return hash_ascii_lower(word.as_bytes());
    }
    scratch.clear();
    push_normalised(scratch, word);
    xxh3_64(scratch.as_bytes())
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

/// Appends the normalised form of one word to `out` (what
/// [`normalise_word`] returns, without allocating).
pub fn normalise_into(out: &mut String, word: &str) {
    push_normalised(out, word);
}

/// xxh3 of an ASCII word, lower-cased (through a stack buffer for the
/// common short word).
#[inline]
fn hash_ascii_lower(word: &[u8]) -> u64 {
    let mut buf = [0u8; 32];
    if word.len() <= buf.len() {
        buf[..word.len()].copy_from_slice(word);
        // All 32 bytes: a fixed-length loop the compiler vectorises.
        buf.make_ascii_lowercase();
        xxh3_64(&buf[..word.len()])
    } else {
        xxh3_64(&word.to_ascii_lowercase())
    }
}

/// Bit masks over a text, one bit per byte, 64 bytes per `u64` (bit `i %
/// 64` of word `i / 64` is byte `i`). Bits past the end of the text are 0.
#[derive(Debug, Default)]
struct Masks {
    /// Word bytes: `A-Z`, `a-z`, `0-9`, `_`; after [`Masks::join_words`],
    /// also the punctuation that joins two words.
    word: Vec<u64>,
    /// `_` (a run of `_` alone is no word).
    under: Vec<u64>,
    /// Punctuation that may join words: `:` `.` `'` `,` `;`.
    mid: Vec<u64>,
    /// ASCII white space (a word boundary whatever surrounds it).
    space: Vec<u64>,
    /// Bytes of multi-byte characters.
    high: Vec<u64>,
    /// The text with `A-Z` lower-cased (and padded to whole blocks): words
    /// hash from here.
    lower: Vec<u8>,
}

/// The masks of one 64-byte block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Block {
    word: u64,
    under: u64,
    mid: u64,
    space: u64,
    high: u64,
}

impl Masks {
    /// Classifies every byte of `bytes`.
    fn classify(&mut self, bytes: &[u8]) {
        let blocks = bytes.len().div_ceil(64);
        for v in [&mut self.word, &mut self.under, &mut self.mid, &mut self.space, &mut self.high] {
            v.clear();
            v.reserve(blocks);
        }
        // `lower` keeps its length between texts (only its first blocks are
        // read), so it is written once per byte, never cleared.
        let mut lower_buf = std::mem::take(&mut self.lower);
        if lower_buf.len() < 64 * blocks {
            lower_buf.resize(64 * blocks, 0);
        }
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: this CPU has AVX2.
            unsafe { classify_avx2(self, bytes, &mut lower_buf) };
        } else {
            self.classify_blocks(bytes, &mut lower_buf, classify_block);
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.classify_blocks(bytes, &mut lower_buf, classify_block);
        self.lower = lower_buf;
    }

    /// [`Masks::classify`]'s loop, with `classify` for each block: inlined
    /// into its caller, so that a block classifier compiled for the
    /// caller's instruction set is inlined in turn.
    #[inline(always)]
    fn classify_blocks(
        &mut self,
        bytes: &[u8],
        lower_buf: &mut [u8],
        classify: impl Fn(&[u8; 64], &mut [u8; 64]) -> Block,
    ) {
        let mut lower = lower_buf.chunks_exact_mut(64);
        let mut chunks = bytes.chunks_exact(64);
        for (chunk, lower) in (&mut chunks).zip(&mut lower) {
            let b = classify(chunk.try_into().expect("64 bytes"), lower.try_into().expect("64 bytes"));
            self.push(b);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 64];
            last[..rest.len()].copy_from_slice(rest);
            let lower = lower.next().expect("a block for the rest").try_into().expect("64 bytes");
            let b = classify(&last, lower);
            self.push(b);
        }
    }

    fn push(&mut self, b: Block) {
        self.word.push(b.word);
        self.under.push(b.under);
        self.mid.push(b.mid);
        self.space.push(b.space);
        self.high.push(b.high);
    }

    /// Adds to `word` the punctuation bytes that join the words on either
    /// side, by UAX #29 (WB6/7, WB11/12): `:` between letters, `.` and `'`
    /// between letters or between digits, `,` and `;` between digits.
    fn join_words(&mut self, bytes: &[u8]) {
        let blocks = self.word.len();
        let mut joined: Option<Vec<(usize, u64)>> = None;
        for k in 0..blocks {
            if self.mid[k] == 0 {
                continue;
            }
            let w = self.word[k];
            let before = (w << 1) | if k > 0 { self.word[k - 1] >> 63 } else { 0 };
            let after = (w >> 1) | if k + 1 < blocks { self.word[k + 1] << 63 } else { 0 };
            let mut candidates = self.mid[k] & before & after;
            let mut add = 0;
            while candidates != 0 {
                let bit = candidates.trailing_zeros() as usize;
                candidates &= candidates - 1;
                let p = k * 64 + bit;
                let (prev, next) = (bytes[p - 1], bytes[p + 1]);
                let joins = if prev.is_ascii_alphabetic() && next.is_ascii_alphabetic() {
                    matches!(bytes[p], b':' | b'.' | b'\'')
                } else if prev.is_ascii_digit() && next.is_ascii_digit() {
                    matches!(bytes[p], b'.' | b'\'' | b',' | b';')
                } else {
                    false
                };
                if joins {
                    add |= 1 << bit;
                }
            }
            if add != 0 {
                // Applied after the loop: a joining byte is no word byte for
                // its neighbours' own checks.
                joined.get_or_insert_with(Vec::new).push((k, add));
            }
        }
        for (k, add) in joined.into_iter().flatten() {
            self.word[k] |= add;
        }
    }
}

/// Classifies a block of 64 bytes with SSE2, and writes it lower-cased
/// into `lower`.
#[cfg(target_arch = "x86_64")]
fn classify_block(block: &[u8; 64], lower: &mut [u8; 64]) -> Block {
    // SAFETY: SSE2 is part of x86-64: every CPU this code runs on has it.
    unsafe { classify_block_sse2(block, lower) }
}

/// [`Masks::classify_blocks`] with [`classify_block_avx2`].
///
/// # Safety
///
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn classify_avx2(masks: &mut Masks, bytes: &[u8], lower_buf: &mut [u8]) {
    // SAFETY: the caller has checked for AVX2.
    masks.classify_blocks(bytes, lower_buf, |block, lower| unsafe { classify_block_avx2(block, lower) });
}

/// [`classify_block_sse2`] 32 bytes at a time.
///
/// # Safety
///
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn classify_block_avx2(block: &[u8; 64], lower_out: &mut [u8; 64]) -> Block {
    use std::arch::x86_64::*;
    let mut out = Block::default();
    for h in 0..2 {
        // The 32 bytes read and written lie inside `block` and
        // `lower_out`, and `loadu` and `storeu` take unaligned addresses.
        let v = _mm256_loadu_si256(block.as_ptr().add(32 * h).cast::<__m256i>());
        macro_rules! eq {
            ($b:expr) => {
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8($b as i8))
            };
        }
        macro_rules! bits {
            ($m:expr) => {
                (_mm256_movemask_epi8($m) as u32 as u64) << (32 * h)
            };
        }
        let letter = range_avx2(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), b'a', 26);
        let digit = range_avx2(v, b'0', 10);
        let under = eq!(b'_');
        out.word |= bits!(_mm256_or_si256(_mm256_or_si256(letter, digit), under));
        out.under |= bits!(under);
        let upper = range_avx2(v, b'A', 26);
        let lower = _mm256_or_si256(v, _mm256_and_si256(upper, _mm256_set1_epi8(0x20)));
        _mm256_storeu_si256(lower_out.as_mut_ptr().add(32 * h).cast::<__m256i>(), lower);
        out.mid |= bits!(_mm256_or_si256(
            _mm256_or_si256(_mm256_or_si256(eq!(b':'), eq!(b'.')), _mm256_or_si256(eq!(b'\''), eq!(b','))),
            eq!(b';'),
        ));
        out.space |= bits!(_mm256_or_si256(
            _mm256_or_si256(_mm256_or_si256(eq!(b' '), eq!(b'\t')), _mm256_or_si256(eq!(b'\n'), eq!(b'\r'))),
            eq!(0x0c),
        ));
        out.high |= bits!(v);
    }
    out
}

/// [`range`] on 32 bytes.
///
/// # Safety
///
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn range_avx2(v: std::arch::x86_64::__m256i, lo: u8, len: u8) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    let moved = _mm256_add_epi8(v, _mm256_set1_epi8(128u8.wrapping_sub(lo) as i8));
    _mm256_cmpgt_epi8(_mm256_set1_epi8((len as i16 - 128) as i8), moved)
}

/// # Safety
///
/// The CPU must have SSE2, as every x86-64 CPU does.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn classify_block_sse2(block: &[u8; 64], lower_out: &mut [u8; 64]) -> Block {
    use std::arch::x86_64::*;
    let mut out = Block::default();
    for q in 0..4 {
        // SAFETY: the 16 bytes read lie inside `block`, and `loadu` takes
        // unaligned addresses.
        let v = unsafe { _mm_loadu_si128(block.as_ptr().add(16 * q).cast::<__m128i>()) };
        let eq = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
        let bits = |m: __m128i| (_mm_movemask_epi8(m) as u32 as u64) << (16 * q);
        let letter = range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 26);
        let digit = range(v, b'0', 10);
        let under = eq(b'_');
        out.word |= bits(_mm_or_si128(_mm_or_si128(letter, digit), under));
        out.under |= bits(under);
        let upper = range(v, b'A', 26);
        let lower = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
        // SAFETY: the 16 bytes written lie inside `lower_out`, and `storeu`
        // takes unaligned addresses.
        unsafe { _mm_storeu_si128(lower_out.as_mut_ptr().add(16 * q).cast::<__m128i>(), lower) };
        out.mid |= bits(_mm_or_si128(
            _mm_or_si128(_mm_or_si128(eq(b':'), eq(b'.')), _mm_or_si128(eq(b'\''), eq(b','))),
            eq(b';'),
        ));
        out.space |= bits(_mm_or_si128(
            _mm_or_si128(_mm_or_si128(eq(b' '), eq(b'\t')), _mm_or_si128(eq(b'\n'), eq(b'\r'))),
            eq(0x0c),
        ));
        out.high |= bits(v);
    }
    out
}

/// The bytes of `v` in `lo..lo + len` (`lo + len <= 128`), as a byte mask:
/// adding `128 - lo` moves the range to the bottom of the signed order.
///
/// # Safety
///
/// The CPU must have SSE2, as every x86-64 CPU does.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn range(v: std::arch::x86_64::__m128i, lo: u8, len: u8) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::*;
    let moved = _mm_add_epi8(v, _mm_set1_epi8(128u8.wrapping_sub(lo) as i8));
    _mm_cmplt_epi8(moved, _mm_set1_epi8((len as i16 - 128) as i8))
}

/// Classifies a block of 64 bytes, a byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_block_scalar(block: &[u8; 64], lower: &mut [u8; 64]) -> Block {
    let mut out = Block::default();
    for (i, &b) in block.iter().enumerate() {
        let bit = 1u64 << i;
        let set = |mask: &mut u64, yes: bool| *mask |= if yes { bit } else { 0 };
        set(&mut out.word, b.is_ascii_alphanumeric() || b == b'_');
        set(&mut out.under, b == b'_');
        lower[i] = b.to_ascii_lowercase();
        set(&mut out.mid, matches!(b, b':' | b'.' | b'\'' | b',' | b';'));
        set(&mut out.space, matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c));
        set(&mut out.high, b >= 0x80);
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
fn classify_block(block: &[u8; 64], lower: &mut [u8; 64]) -> Block {
    classify_block_scalar(block, lower)
}

/// The first set bit at or after `from`.
#[inline]
fn next_one(mask: &[u64], from: usize) -> Option<usize> {
    let mut k = from / 64;
    let mut w = *mask.get(k)? & (!0u64 << (from % 64));
    loop {
        if w != 0 {
            return Some(k * 64 + w.trailing_zeros() as usize);
        }
        k += 1;
        w = *mask.get(k)?;
    }
}

/// The last set bit before `before`.
fn prev_one(mask: &[u64], before: usize) -> Option<usize> {
    if before == 0 {
        return None;
    }
    let last = before - 1;
    let mut k = last / 64;
    let mut w = mask[k] & (!0u64 >> (63 - last % 64));
    loop {
        if w != 0 {
            return Some(k * 64 + 63 - w.leading_zeros() as usize);
        }
        if k == 0 {
            return None;
        }
        k -= 1;
        w = mask[k];
    }
}

/// Whether any bit in `start..end` is set.
#[inline(always)]
fn any_in_range(mask: &[u64], start: usize, end: usize) -> bool {
    if start >= end {
        return false;
    }
    let (first, last) = (start / 64, (end - 1) / 64);
    let low = !0u64 << (start % 64);
    let high = !0u64 >> (63 - (end - 1) % 64);
    if first == last {
        mask[first] & low & high != 0
    } else {
        mask[first] & low != 0 || mask[first + 1..last].iter().any(|&w| w != 0) || mask[last] & high != 0
    }
}

/// Clears the bits in `start..end`.
fn clear_range(mask: &mut [u64], start: usize, end: usize) {
    let mut p = start;
    while p < end {
        let bits = (end - p).min(64 - p % 64);
        let run = if bits == 64 { !0 } else { ((1u64 << bits) - 1) << (p % 64) };
        mask[p / 64] &= !run;
        p += bits;
    }
}

/// Sixths of a word a token counts for toward a passage's least size
/// ([`crate::align::AlignConfig::min_words`]), so that the least passage
/// carries about as much text in every script: a word of a spaced script
/// 6 (one word); a Han character 3 (a Chinese word is about two
/// characters); a character of another spaceless script 2 (a kana is a
/// syllable, a Thai or Khmer character a letter: about three to a word).
/// With the default 8 words, a passage needs 16 Han characters or 24 kana.
pub fn word_sixths(word: &str) -> usize {
    match word.chars().next() {
        Some(c) if is_han(c) => 3,
        Some(c) if is_spaceless_script(c) => 2,
        _ => 6,
    }
}

/// [`word_sixths`] summed over the tokens (in text order) inside each of
/// `spans` (byte ranges of `text` in increasing order, each a run of
/// whole tokens).
pub fn sixths_in(text: &str, tokens: &[Token], spans: impl Iterator<Item = Span>) -> usize {
    let mut total = 0;
    for span in spans {
        let from = tokens.partition_point(|t| t.span.start < span.start);
        let inside = tokens[from..].iter().take_while(|t| t.span.end <= span.end);
        if text.get(span.range()).is_some_and(str::is_ascii) {
            total += 6 * inside.count();
        } else {
            total += inside.map(|t| word_sixths(&text[t.span.range()])).sum::<usize>();
        }
    }
    total
}

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF      // CJK radicals, Kangxi
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x3FFFF  // CJK extensions B and later
    )
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
        tokenize(text).iter().map(|t| &text[t.span.range()]).collect()
    }

    #[test]
    fn spaceless_characters_count_a_fraction_of_a_word() {
        for (text, sixths) in [
            ("seven plain words make one least passage", 42),
            ("日本語", 3 + 3 + 3),
            ("ということ", 5 * 2),
            ("café 東京 und", 6 + 3 + 3 + 6),
            ("", 0),
        ] {
            let tokens = tokenize(text);
            assert_eq!(
                sixths_in(text, &tokens, [Span { start: 0, end: text.len() }].into_iter()),
                sixths,
                "{text}"
            );
        }
        // Only the tokens inside the spans count.
        let text = "one 二 three 四";
        let tokens = tokenize(text);
        let spans = [Span { start: 0, end: 3 }, Span { start: 4, end: 7 }];
        assert_eq!(sixths_in(text, &tokens, spans.into_iter()), 6 + 3);
    }

    /// The quick lower case is `to_lowercase` wherever it answers.
    #[test]
    fn simple_lowercase_is_to_lowercase() {
        let mut answered = 0;
        for c in (0..0x600).filter_map(char::from_u32) {
            if let Some(lower) = simple_lowercase(c) {
                assert_eq!(c.to_lowercase().collect::<String>(), lower.to_string(), "{c:?}");
                answered += 1;
            }
        }
        assert_eq!(answered, 220);
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

    /// Text for the chunk fast path: ASCII, Latin-1, Latin Extended-A,
    /// Greek and Cyrillic letters, typographic punctuation, and characters
    /// that must leave the fast path (combining acute, soft hyphen, middle
    /// dot, ZWJ, superscript two, ª, İ, ĳ, ſ, ‿, narrow no-break space, line
    /// separator, Arabic; scripts without spaces are split apart by design).
    const MIXED: &str = "[a-zA-Z0-9_.,;:' \n\u{e9}\u{c9}\u{fc}\u{df}\u{f8}\u{131}\u{151}\u{3b1}\u{391}\u{3ac}\u{43e}\u{41e}\u{456}\u{4d9}\u{2019}\u{2018}\u{201c}\u{201d}\u{2014}\u{2026}\u{ab}\u{bb}\u{a0}\u{a9}\u{d7}\u{20ac}\u{2500}\u{301}\u{ad}\u{b7}\u{200d}\u{b2}\u{aa}\u{130}\u{133}\u{17f}\u{203f}\u{202f}\u{2028}\u{644}]{0,200}";

    /// Every character the chunk fast path knows, in every position that
    /// matters to the word rules, segments and hashes as with
    /// unicode-segmentation and the normaliser.
    #[test]
    fn every_known_character_matches_uax29() {
        let known = (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|&c| char_class(c).is_some());
        let mut count = 0;
        let mut failed = Vec::new();
        for c in known {
            count += 1;
            for template in ["é{}", "{}é", "é{}é", "1{}2é", "{}{}é", "x_{}é", "é {}.{}"] {
                let s = template.replace("{}", &c.to_string());
                if words_match_uax29(&s).is_err() {
                    failed.push((
                        c,
                        s.unicode_word_indices().map(|(i, w)| (i, w.to_string())).collect::<Vec<_>>(),
                        s.clone(),
                    ));
                }
                for t in tokenize(&s) {
                    let word = &s[t.span.range()];
                    assert_eq!(t.hash, xxh3_64(normalise_word(word).as_bytes()), "{word:?}");
                }
            }
        }
        assert!(failed.is_empty(), "{failed:?}");
        assert!(count > 700, "{count}");
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
        #![proptest_config(crate::testing::proptest_config(256))]

        /// The ASCII fast path gives exactly the words of unicode-segmentation.
        #[test]
        fn ascii_fast_path_matches_uax29(s in "[a-zA-Z0-9_.,;:' !?\\-\n\t\r\x0b\x0c]{0,300}") {
            words_match_uax29(&s)?;
        }

        /// Chunks with non-ASCII characters are redone by the Unicode path:
        /// the words still match unicode-segmentation's.
        #[test]
        fn mixed_text_matches_uax29(s in "[a-zA-Z0-9_.,;:' \n\u{e9}\u{fc}\u{2019}\u{201c}\u{2014}]{0,300}") {
            words_match_uax29(&s)?;
        }

        /// Chunks of letters and punctuation the chunk fast path knows, mixed
        /// with characters it must hand to unicode-segmentation: the words
        /// still match unicode-segmentation's.
        #[test]
        fn non_ascii_chunks_match_uax29(s in MIXED) {
            words_match_uax29(&s)?;
        }

        /// Every fast path hashes a token exactly as its normalised form.
        #[test]
        fn hash_is_of_the_normalised_word(s in "[a-zA-Z0-9'. \u{e9}\u{c9}\u{2019}\u{fb01}\u{ff21}\u{65e5}\u{e01}\u{301}]{0,40}", mixed in MIXED) {
            for text in [&s, &mixed] {
                for t in tokenize(text) {
                    let word = &text[t.span.range()];
                    prop_assert_eq!(t.hash, xxh3_64(normalise_word(word).as_bytes()), "{:?}", word);
                }
            }
        }

        /// The SSE2 and AVX2 classifiers and the byte-at-a-time one agree.
        #[test]
        fn block_classifiers_agree(block in proptest::array::uniform32(any::<u8>()), other in proptest::array::uniform32(any::<u8>())) {
            let mut bytes = [0u8; 64];
            bytes[..32].copy_from_slice(&block);
            bytes[32..].copy_from_slice(&other);
            let (mut lower, mut lower_scalar) = ([0u8; 64], [1u8; 64]);
            let scalar = classify_block_scalar(&bytes, &mut lower_scalar);
            prop_assert_eq!(classify_block(&bytes, &mut lower), scalar);
            prop_assert_eq!(lower, lower_scalar);
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                let mut lower = [2u8; 64];
                // SAFETY: this CPU has AVX2.
                prop_assert_eq!(unsafe { classify_block_avx2(&bytes, &mut lower) }, scalar);
                prop_assert_eq!(lower, lower_scalar);
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
