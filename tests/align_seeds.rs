//! The aligner on the real seed articles (fixtures/seeds): a condensed
//! paraphrase, a shared caption and footer, and pairs that share only names.
//!
//! The expected regions were found by reading the texts; they bound where a
//! passage may fall, they are not the aligner's output.

use reprint::align::{align, AlignConfig, Alignment};
use reprint::text::tokenize;
use reprint::Span;

const S000: &str = include_str!("../fixtures/seeds/000_1496404e9c0b7117.txt");
const S001: &str = include_str!("../fixtures/seeds/001_ab3f00e89c8442ab.txt");
const S002: &str = include_str!("../fixtures/seeds/002_754116e17df56b5b.txt");
const S003: &str = include_str!("../fixtures/seeds/003_989d3d1e37b41e47.txt");
const S004: &str = include_str!("../fixtures/seeds/004_be9d333ec3263ca9.txt");

fn run(a: &str, b: &str) -> Alignment {
    align(a, &tokenize(a), b, &tokenize(b), &AlignConfig::default())
}

fn overlaps(x: Span, y: Span) -> bool {
    x.start < y.end && y.start < x.end
}

fn inside(x: Span, within: Span) -> bool {
    x.start >= within.start && x.end <= within.end
}

/// Byte range of `text` from the start of `from` to the end of `to` (the
/// first occurrence of each at or after the previous).
fn find(text: &str, from: &str, to: &str) -> Span {
    let start = text.find(from).unwrap_or_else(|| panic!("{from:?} not found"));
    let end = start + text[start..].find(to).unwrap_or_else(|| panic!("{to:?} not found")) + to.len();
    Span::new(start, end)
}

/// The paragraphs of `text` (split on blank lines), as byte ranges.
fn paragraphs(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0;
    for part in text.split("\n\n") {
        if !part.trim().is_empty() {
            out.push(Span::new(start, start + part.len()));
        }
        start += part.len() + 2;
    }
    out
}

/// Where in 001 each paragraph of 000 comes from (found by reading both).
fn sources_of_000() -> Vec<Vec<Span>> {
    let f = |from, to| find(S001, from, to);
    vec![
        vec![f("With the Trump administration", "American military force.")],
        vec![f("With the eventual fall", "in the United States.")],
        vec![f("Iranian intelligence agents have been active", "Albania’s people.")],
        vec![
            f("The camp is very large", "administrative buildings."),
            f("In fact, I was given a tour", "struggle against the regime."),
        ],
        vec![f("In addition to being exposed", "for future generations.")],
        vec![f("Many pundits", "same horrific experiences.")],
        vec![
            f("Albania has nothing to fear", "not the people in the camp."),
            f("There has been much disinformation", "PMOI/MEK."),
        ],
        vec![f("The regime has shown", "not the people in the camp.")],
    ]
}

#[test]
fn condensed_paraphrase_000_of_001() {
    let paras = paragraphs(S000);
    assert_eq!(paras.len(), 8);
    let sources = sources_of_000();
    let al = run(S000, S001);
    assert!(!al.budget_exhausted);
    for (n, para) in paras.iter().enumerate() {
        assert!(
            al.passages.iter().any(|p| overlaps(p.a, *para)),
            "paragraph {n} of 000 is not aligned: {:#?}",
            al.passages
        );
    }
    for p in &al.passages {
        assert!(p.words >= 8 && p.similarity >= 0.5, "weak passage {p:?}");
        // The 000 paragraphs it draws on: consecutive ones (where 000
        // condenses consecutive text of 001, the sentence stage makes one
        // passage of them), and never all of 000.
        let touched: Vec<usize> = (0..paras.len()).filter(|&n| overlaps(p.a, paras[n])).collect();
        assert!(
            !touched.is_empty()
                && touched.len() < paras.len()
                && touched[touched.len() - 1] - touched[0] < touched.len(),
            "passage {p:?} spans paragraphs {touched:?}"
        );
        // In 001 it lies within what those paragraphs rewrite, and meets
        // the source of each.
        let regions: Vec<Span> = touched.iter().flat_map(|&n| sources[n].iter().copied()).collect();
        let hull = Span::new(
            regions.iter().map(|r| r.start).min().unwrap(),
            regions.iter().map(|r| r.end).max().unwrap(),
        );
        assert!(inside(p.b, hull), "passage {p:?} claims 001 outside {hull:?}");
        for &n in &touched {
            assert!(
                sources[n].iter().any(|r| overlaps(p.b, *r)),
                "passage {p:?} in paragraph {n} misses its source"
            );
        }
    }
    // Everything claimed in 001 lies between the sources of the paragraphs
    // that rewrite it (checked above), and no byte of 001 is claimed twice.
    let mut claimed: Vec<Span> = al.passages.iter().map(|p| p.b).collect();
    claimed.sort_by_key(|s| s.start);
    assert!(claimed.windows(2).all(|w| w[0].end <= w[1].start), "{claimed:?}");
}

#[test]
fn caption_and_footer_shared_by_002_and_004() {
    let caption = |t| find(t, "Albanian authorities shut down", "January 23, 2020");
    // The caption's block: its heading (an image's alt text, repeated in
    // 004) and the caption itself.
    let block_002 = find(S002, "closure of Iranian regime", "January 23, 2020");
    let block_004 = find(S004, "closure of Iranian regime", "January 23, 2020");
    let footer = |t| find(t, "Copyright ©", "UltimatelySocial");
    let al = run(S002, S004);
    assert!(!al.budget_exhausted);
    let found_caption = al.passages.iter().any(|p| {
        overlaps(p.a, caption(S002))
            && overlaps(p.b, caption(S004))
            && inside(p.a, block_002)
            && inside(p.b, block_004)
    });
    assert!(found_caption, "no caption passage: {:#?}", al.passages);
    let found_footer =
        al.passages.iter().any(|p| inside(p.a, footer(S002)) && inside(p.b, footer(S004)) && p.words >= 10);
    assert!(found_footer, "no footer passage: {:#?}", al.passages);
    // Nothing else: shared names and tags are not reuse.
    for p in &al.passages {
        let in_caption = inside(p.a, block_002) && inside(p.b, block_004);
        let in_footer = inside(p.a, footer(S002)) && inside(p.b, footer(S004));
        assert!(in_caption || in_footer, "unexpected passage {p:?}: {:?}", &S002[p.a.range()]);
    }
}

#[test]
fn shared_names_are_not_reuse() {
    let unrelated = [
        ("001", S001, "002", S002),
        ("001", S001, "004", S004),
        ("001", S001, "003", S003),
        ("000", S000, "002", S002),
        ("000", S000, "003", S003),
        ("000", S000, "004", S004),
        ("002", S002, "003", S003),
        ("003", S003, "004", S004),
    ];
    // The pairs do share names: "People's Mojahedin Organization of Iran".
    assert!(S001.contains("People’s Mojahedin Organization of Iran"));
    assert!(S002.contains("People’s Mojahedin Organization of Iran"));
    for (x, a, y, b) in unrelated {
        let al = run(a, b);
        assert!(al.passages.is_empty(), "{x} vs {y}: {:#?}", al.passages);
    }
}
