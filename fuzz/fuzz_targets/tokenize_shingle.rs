//! Tokenise and shingle arbitrary bytes (decoded as lossy UTF-8).
//!
//! Checks: every token span is non-empty, inside the text, on character
//! boundaries and after the previous one; a reused `Tokenizer` gives the
//! same tokens as a fresh one; the shingle count and set follow from the
//! token count.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::shingle::{self, MAX_SHINGLE_SIZE};
use reprint::text::{tokenize, Tokenizer};

fuzz_target!(|data: &[u8]| {
    let Some((&n_byte, rest)) = data.split_first() else { return };
    let n = usize::from(n_byte) % MAX_SHINGLE_SIZE + 1;
    let text = String::from_utf8_lossy(rest);

    let tokens = tokenize(&text);
    let mut previous_end = 0;
    for t in &tokens {
        let s = t.span;
        assert!(s.start < s.end, "empty token {s:?}");
        assert!(s.end <= text.len(), "token {s:?} past the end ({})", text.len());
        assert!(s.start >= previous_end, "token {s:?} before the end of the previous one ({previous_end})");
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end), "{s:?} splits a character");
        previous_end = s.end;
    }

    // Scratch kept between calls changes nothing: tokenise something else
    // first, then this text again.
    let mut tokenizer = Tokenizer::new();
    let mut again = Vec::new();
    tokenizer.tokenize("Ünïcödé wörds, 漢字 and ascii", &mut again);
    tokenizer.tokenize(&text, &mut again);
    assert_eq!(again, tokens);

    let mut shingles = Vec::new();
    shingle::shingles(&tokens, n, &mut shingles);
    let want = match tokens.len() {
        0 => 0,
        t if t < n => 1,
        t => t - n + 1,
    };
    assert_eq!(shingles.len(), want, "{} tokens, n = {n}", tokens.len());

    let set = shingle::shingle_set(&tokens, n);
    assert!(set.windows(2).all(|w| w[0] < w[1]), "set not sorted and repeat-free");
    assert!(set.iter().all(|h| shingles.contains(h)));
    assert!(shingles.iter().all(|h| set.binary_search(h).is_ok()));
});
