//! Aligning news-length pairs (500-1500 words each), built from the seed
//! articles outside the timed loop: a condensed paraphrase (000 vs 001),
//! pairs that share only names, and excerpts planted into other articles;
//! with `align` per pair, and with one `Aligner` kept from pair to pair as
//! a scan does.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use reprint::align::{align, AlignConfig, Aligner};
use reprint::text::{tokenize, Token};

const SEEDS: [&str; 5] = [
    include_str!("../fixtures/seeds/000_1496404e9c0b7117.txt"),
    include_str!("../fixtures/seeds/001_ab3f00e89c8442ab.txt"),
    include_str!("../fixtures/seeds/002_754116e17df56b5b.txt"),
    include_str!("../fixtures/seeds/003_989d3d1e37b41e47.txt"),
    include_str!("../fixtures/seeds/004_be9d333ec3263ca9.txt"),
];

/// The first `words` words of `text` (to the end of the last one).
fn head(text: &str, words: usize) -> String {
    let tokens = tokenize(text);
    let end = tokens[words.min(tokens.len()) - 1].span.end;
    text[..end].to_string()
}

/// `words` words of `text` from word `from`.
fn slice(text: &str, from: usize, words: usize) -> String {
    let tokens = tokenize(text);
    text[tokens[from].span.start..tokens[from + words - 1].span.end].to_string()
}

fn pairs() -> Vec<(String, String)> {
    let s = |i: usize| SEEDS[i].to_string();
    let mut pairs = vec![
        // 000 is 378 words: pad it to news length with unrelated text.
        (format!("{}\n\n{}", s(0), head(SEEDS[3], 400)), s(1)),
        (s(1), s(2)),
        (s(1), head(SEEDS[4], 1200)),
        (s(2), head(SEEDS[4], 1500)),
        (head(SEEDS[3], 1400), s(2)),
    ];
    // Excerpts of 003 planted into 001 and 002.
    for (host, from) in [(1, 1500), (2, 3000), (1, 4500)] {
        let excerpt = slice(SEEDS[3], from, 150);
        let a = slice(SEEDS[3], from - 400, 1000);
        pairs.push((a, format!("{}\n\n{}", s(host), excerpt)));
    }
    pairs
}

fn bench(c: &mut Criterion) {
    let pairs = pairs();
    let tokenised: Vec<(&str, Vec<Token>, &str, Vec<Token>)> =
        pairs.iter().map(|(a, b)| (a.as_str(), tokenize(a), b.as_str(), tokenize(b))).collect();
    for (a, ta, b, tb) in &tokenised {
        assert!(
            (500..=1600).contains(&ta.len()) && (500..=1600).contains(&tb.len()),
            "{} {}",
            ta.len(),
            tb.len()
        );
        let _ = (a, b);
    }
    // `compare`'s alignment (stems and the sentence stage) and a scan's
    // default (exact words).
    let config = AlignConfig::default();
    let words = AlignConfig { sentences: false, ..AlignConfig::default() };
    // Known results: the paraphrase and the planted excerpts are found, the
    // pairs sharing only names give nothing.
    for (name, config, paraphrase) in [("default", &config, 2), ("words", &words, 5)] {
        let found: Vec<usize> =
            tokenised.iter().map(|(a, ta, b, tb)| align(a, ta, b, tb, config).passages.len()).collect();
        assert!(found[0] >= paraphrase && found[1] == 0 && found[2] == 0, "{name}: {found:?}");
        assert!(found[5..].iter().all(|&n| n == 1), "{name}: {found:?}");
    }

    let mut group = c.benchmark_group("align");
    group.throughput(Throughput::Elements(tokenised.len() as u64));
    group.bench_function("news_pairs", |bench| {
        bench.iter(|| {
            tokenised.iter().map(|(a, ta, b, tb)| align(a, ta, b, tb, &config).passages.len()).sum::<usize>()
        })
    });
    group.bench_function("news_pairs_exact_words", |bench| {
        bench.iter(|| {
            tokenised.iter().map(|(a, ta, b, tb)| align(a, ta, b, tb, &words).passages.len()).sum::<usize>()
        })
    });
    // As a scan aligns: one aligner kept from pair to pair.
    let mut aligner = Aligner::new(config.clone());
    group.bench_function("news_pairs_kept_aligner", |bench| {
        bench.iter(|| {
            tokenised.iter().map(|(a, ta, b, tb)| aligner.align(a, ta, b, tb).passages.len()).sum::<usize>()
        })
    });
    group.finish();
}

/// Pseudo-text of `n` words drawn from 5,000 made-up words, skewed towards
/// the first ones as in natural text.
fn pseudo_text(seed: u64, n: usize) -> String {
    let mut x = seed;
    let mut out = String::with_capacity(n * 7);
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let r = (x % 5000) * (x % 5000) / 5000;
        out.push_str(&format!("w{r} "));
    }
    out
}

/// Pathological pairs, each well under a second: two different 10 MB
/// documents, a 10 MB document with itself, one word repeated 100,000 times.
fn pathological(c: &mut Criterion) {
    let big_a = pseudo_text(1, 1_700_000);
    let big_b = pseudo_text(2, 1_700_000);
    let spam = "spam ".repeat(100_000);
    let config = AlignConfig::default();
    let mut group = c.benchmark_group("align_pathological");
    group.sample_size(10);
    for (name, a, b) in
        [("10MB_pair", &big_a, &big_b), ("10MB_self", &big_a, &big_a), ("one_word_100k", &spam, &spam)]
    {
        let (ta, tb) = (tokenize(a), tokenize(b));
        let al = align(a, &ta, b, &tb, &config);
        println!(
            "{name}: {} bytes, {} passages, budget exhausted {}",
            a.len(),
            al.passages.len(),
            al.budget_exhausted
        );
        group.bench_function(name, |bench| bench.iter(|| align(a, &ta, b, &tb, &config).passages.len()));
    }
    group.finish();
}

criterion_group!(benches, bench, pathological);
criterion_main!(benches);
