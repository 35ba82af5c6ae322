//! Align two arbitrary byte strings (lossy UTF-8, tokenised).
//!
//! Input: a flags byte, a split byte, then the bytes of both texts. The
//! flags pick the seed size, least passage words, gap, explain, and
//! whether `b` is built from `a`'s bytes too (so shared passages are common).
//!
//! Checks: passages are in bounds, on character boundaries, sorted and
//! disjoint on both sides; their ops are in order, inside the passage, start
//! and end with it, and cover every word of it; equal ops cover equal
//! words, substitutions as many words on each side; the counts and ratios
//! agree with the ops.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::align::{align, AlignConfig, EditOp};
use reprint::text::{tokenize, Token};
use reprint::Span;

/// The tokens whose spans lie inside `span`.
fn inside(tokens: &[Token], span: Span) -> &[Token] {
    let from = tokens.partition_point(|t| t.span.start < span.start);
    let to = tokens.partition_point(|t| t.span.end <= span.end);
    &tokens[from..to.max(from)]
}

fn check_span(text: &str, s: Span, what: &str) {
    assert!(s.start <= s.end && s.end <= text.len(), "{what} {s:?} out of bounds ({})", text.len());
    assert!(
        text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
        "{what} {s:?} splits a character"
    );
}

/// Op spans on one side: in order, inside `whole`, from its start to its end,
/// and covering every token of it.
fn check_tiling(text: &str, tokens: &[Token], whole: Span, spans: &[Span], side: &str) {
    assert!(!spans.is_empty(), "no {side} op");
    assert_eq!(spans[0].start, whole.start, "{side}: first op does not start the passage");
    assert_eq!(spans[spans.len() - 1].end, whole.end, "{side}: last op does not end the passage");
    let mut covered = 0;
    for (k, s) in spans.iter().enumerate() {
        check_span(text, *s, side);
        assert!(whole.start <= s.start && s.end <= whole.end, "{side} op {s:?} outside {whole:?}");
        if k > 0 {
            assert!(spans[k - 1].end <= s.start, "{side} ops overlap or go back: {spans:?}");
        }
        covered += inside(tokens, *s).len();
    }
    assert_eq!(covered, inside(tokens, whole).len(), "{side}: ops do not cover the passage's words");
}

fuzz_target!(|data: &[u8]| {
    let [flags, split, rest @ ..] = data else { return };
    let cut = rest.len() * usize::from(*split) / 256;
    let a_text = String::from_utf8_lossy(&rest[..cut]).into_owned();
    let mut b_text = String::from_utf8_lossy(&rest[cut..]).into_owned();
    if flags & 0x80 != 0 {
        // b quotes a, after its own text.
        b_text.push(' ');
        b_text.push_str(&a_text);
    }
    let config = AlignConfig {
        seed_size: usize::from(flags & 3) + 1,
        min_words: usize::from((flags >> 2) & 7) + 1,
        max_gap: if flags & 0x20 != 0 { 3 } else { 20 },
        explain: flags & 0x40 != 0,
        budget: 2_000_000,
        ..AlignConfig::default()
    };
    let a_tokens = tokenize(&a_text);
    let b_tokens = tokenize(&b_text);
    let alignment = align(&a_text, &a_tokens, &b_text, &b_tokens, &config);

    for (k, p) in alignment.passages.iter().enumerate() {
        check_span(&a_text, p.a, "passage a");
        check_span(&b_text, p.b, "passage b");
        if k > 0 {
            let q = &alignment.passages[k - 1];
            assert!((q.a.start, q.b.start) <= (p.a.start, p.b.start), "passages not sorted");
            assert!(q.a.end <= p.a.start, "passages overlap in a: {:?} {:?}", q.a, p.a);
        }
        assert!(p.words >= config.min_words, "{} words < min_words {}", p.words, config.min_words);
        assert!((0.0..=1.0).contains(&p.similarity), "similarity {}", p.similarity);
        assert!(p.compression >= 1.0, "compression {}", p.compression);
        assert_eq!(p.explain.is_some(), config.explain);

        let mut a_spans = Vec::new();
        let mut b_spans = Vec::new();
        let mut equal_words = 0;
        for op in &p.ops {
            match *op {
                EditOp::Equal { a, b } => {
                    let (x, y) = (inside(&a_tokens, a), inside(&b_tokens, b));
                    assert_eq!(x.len(), y.len(), "equal op of unequal lengths");
                    assert!(x.iter().zip(y).all(|(s, t)| s.hash == t.hash), "equal op of different words");
                    equal_words += x.len();
                    a_spans.push(a);
                    b_spans.push(b);
                }
                EditOp::Substitute { a, b } => {
                    assert_eq!(inside(&a_tokens, a).len(), inside(&b_tokens, b).len(), "uneven substitution");
                    a_spans.push(a);
                    b_spans.push(b);
                }
                EditOp::Delete { a } => a_spans.push(a),
                EditOp::Insert { b } => b_spans.push(b),
            }
        }
        assert_eq!(equal_words, p.words, "words is not the equal ops' word count");
        check_tiling(&a_text, &a_tokens, p.a, &a_spans, "a");
        check_tiling(&b_text, &b_tokens, p.b, &b_spans, "b");
    }
    let mut by_b: Vec<Span> = alignment.passages.iter().map(|p| p.b).collect();
    by_b.sort();
    assert!(by_b.windows(2).all(|w| w[0].end <= w[1].start), "passages overlap in b: {by_b:?}");
});
