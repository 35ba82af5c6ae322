//! Sentence-level evidence: rewritten passages that share few identical
//! runs of words still share most of their content words, sentence by
//! sentence.
//!
//! The method is the one that won the PAN 2014 text-alignment task
//! (Sanchez-Perez, Sidorov, Gelbukh, "A Winning Approach to Text Alignment
//! for Text Reuse Detection at PAN 2014"), on reprint's tokens:
//!
//! 1. **Sentences.** A sentence ends at `.`, `!`, `?` (and their CJK and
//!    Arabic forms) or a blank line; one of fewer than [`MIN_CONTENT`]
//!    content words joins the next, and none grows past [`MAX_SENTENCE`]
//!    words.
//! 2. **Seeds.** Each sentence is a bag of match keys of its content words
//!    ([`crate::lang`]: stems, stop words left out), weighted tf-idf over
//!    the sentences of both documents. A pair of sentences whose cosine and
//!    Dice coefficient both reach [`SEED_SIMILARITY`] is a seed.
//! 3. **Fragments.** Seeds within [`MAX_GAP`] sentences of each other in
//!    both documents join one fragment; a summary covers a source span
//!    several times its length, so seeds also join when they are within
//!    [`SUMMARY_SHORT_GAP`] sentences on one side and
//!    [`SUMMARY_LONG_GAP`] on the other. Order is free inside a fragment:
//!    rewriters move sentences.
//! 4. **Validation.** A fragment is kept when the tf-idf cosine of its two
//!    sides (all their sentences, seeds or not) reaches
//!    [`FRAGMENT_SIMILARITY`] and it holds at least [`MIN_SEEDS`] seeds or
//!    one seed of [`STRONG_SEED`] similarity. When a fragment the summary
//!    rule joined fails, the groups its seeds make by the [`MAX_GAP`] rule
//!    alone are validated instead: one stray seed far along one side
//!    otherwise widens that side past a cosine its rewrite would reach (on
//!    PAN 2013 training, 7 more pairs get a passage, translation plagdet
//!    0.905 -> 0.908).
//!
//! The fragments go back to the word-level stages ([`super`]), which set
//! the exact boundaries and the edit operations.

/// Hash maps keyed by hashes: foldhash (one multiply) with a fixed seed,
/// so results never depend on a random state.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
use std::ops::Range;

use super::Work;
use crate::lang::Key;
use crate::text::Token;

/// Fewest content words of a sentence of its own.
pub(super) const MIN_CONTENT: usize = 3;
/// Most words of one sentence.
pub(super) const MAX_SENTENCE: usize = 80;
/// Least cosine and Dice coefficient of a seed (Sanchez-Perez et al.: 0.33).
pub(super) const SEED_SIMILARITY: f64 = 0.33;
/// Most sentences between two seeds of a fragment, on both sides.
pub(super) const MAX_GAP: usize = 4;
/// A summary's seeds: at most this many sentences apart on one side ...
pub(super) const SUMMARY_SHORT_GAP: usize = 2;
/// ... and this many on the other.
pub(super) const SUMMARY_LONG_GAP: usize = 24;
/// Least tf-idf cosine of a fragment's two sides (Sanchez-Perez et al.'s
/// 0.34). News articles on one topic, such as seeds 002 and 004, are kept
/// out by the word-level checks of a passage from sentences (`super`).
pub(super) const FRAGMENT_SIMILARITY: f64 = 0.34;
/// Fewest seeds of a fragment, unless one of them is strong.
pub(super) const MIN_SEEDS: usize = 2;
/// A seed this similar makes a fragment on its own.
pub(super) const STRONG_SEED: f64 = 0.6;

/// Characters that end a sentence when they follow a word.
fn ends_sentence(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '؟' | '।')
}

/// Whether the text between two words ends a sentence: a stop, or a blank
/// line.
fn ends_between(gap: &str) -> bool {
    let bytes = gap.as_bytes();
    if bytes.is_ascii() {
        // Most gaps: a space, or a few ASCII bytes.
        bytes.iter().any(|&b| matches!(b, b'.' | b'!' | b'?'))
            || bytes.iter().filter(|&&b| b == b'\n').count() >= 2
    } else {
        gap.chars().any(ends_sentence) || gap.matches('\n').count() >= 2
    }
}

/// The sentences of a document as token ranges: consecutive, covering all
/// its tokens.
pub(crate) fn split(text: &str, tokens: &[Token], keys: &[Key], out: &mut Vec<Range<usize>>) {
    out.clear();
    let mut start = 0;
    let mut content = 0;
    for k in 0..tokens.len() {
        content += keys[k].content as usize;
        let end = k + 1 == tokens.len() || ends_between(&text[tokens[k].span.end..tokens[k + 1].span.start]);
        if (end && content >= MIN_CONTENT) || k + 1 - start >= MAX_SENTENCE || k + 1 == tokens.len() {
            out.push(start..k + 1);
            start = k + 1;
            content = 0;
        }
    }
}

/// One side's sentences as sparse tf-idf vectors.
#[derive(Debug, Default)]
struct Bags {
    /// (key, weight) of every sentence, sorted by key within a sentence.
    terms: Vec<(u64, f64)>,
    /// Each sentence's slice of `terms`.
    ranges: Vec<Range<usize>>,
    /// Each sentence's Euclidean norm.
    norms: Vec<f64>,
}

impl Bags {
    /// The sentences' bags of content keys (counts; weighted later).
    fn new(sentences: &[Range<usize>], keys: &[Key]) -> Bags {
        let mut bags = Bags::default();
        let mut words: Vec<u64> = Vec::new();
        for s in sentences {
            words.clear();
            words.extend(keys[s.clone()].iter().filter(|k| k.content).map(|k| k.key));
            words.sort_unstable();
            let from = bags.terms.len();
            for w in words.chunk_by(|x, y| x == y) {
                bags.terms.push((w[0], w.len() as f64));
            }
            bags.ranges.push(from..bags.terms.len());
        }
        bags
    }

    fn sentence(&self, s: usize) -> &[(u64, f64)] {
        &self.terms[self.ranges[s].clone()]
    }

    /// Weights counts by `idf` and computes the norms.
    fn weigh(&mut self, idf: &HashMap<u64, f64>) {
        for t in &mut self.terms {
            t.1 *= idf[&t.0];
        }
        self.norms = self
            .ranges
            .iter()
            .map(|r| self.terms[r.clone()].iter().map(|t| t.1 * t.1).sum::<f64>().sqrt())
            .collect();
    }

    /// The summed vector of sentences `s`.
    fn sum(&self, s: Range<usize>, out: &mut HashMap<u64, f64>) {
        out.clear();
        for x in s {
            for &(k, w) in self.sentence(x) {
                *out.entry(k).or_insert(0.0) += w;
            }
        }
    }
}

/// Both sides' sentences as bags of content keys weighted tf-idf, the
/// document frequency counted over the sentences of both documents.
fn tf_idf(sa: &[Range<usize>], ka: &[Key], sb: &[Range<usize>], kb: &[Key]) -> (Bags, Bags) {
    let (mut bags_a, mut bags_b) = (Bags::new(sa, ka), Bags::new(sb, kb));
    let mut df: HashMap<u64, f64> = HashMap::default();
    for t in bags_a.terms.iter().chain(&bags_b.terms) {
        *df.entry(t.0).or_insert(0.0) += 1.0;
    }
    let n = (sa.len() + sb.len()) as f64;
    for v in df.values_mut() {
        *v = (n / *v).ln().max(0.0) + 1.0;
    }
    bags_a.weigh(&df);
    bags_b.weigh(&df);
    (bags_a, bags_b)
}

/// Cosine of two sparse vectors held in maps.
fn cosine(a: &HashMap<u64, f64>, b: &HashMap<u64, f64>) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let dot: f64 = small.iter().filter_map(|(k, w)| large.get(k).map(|v| w * v)).sum();
    let na: f64 = a.values().map(|w| w * w).sum::<f64>().sqrt();
    let nb: f64 = b.values().map(|w| w * w).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// A pair of similar sentences.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Seed {
    /// Sentence in `a`.
    pub i: usize,
    /// Sentence in `b`.
    pub j: usize,
    /// Their tf-idf cosine.
    pub cosine: f64,
}

/// A validated fragment: sentences of `a` that rewrite sentences of `b`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Fragment {
    /// Tokens of `a`.
    pub a: Range<usize>,
    /// Tokens of `b`.
    pub b: Range<usize>,
    /// The seeds inside it.
    pub seeds: Vec<Seed>,
    /// The tf-idf cosine of its two sides.
    pub cosine: f64,
}

/// The sentences whose bag of words occurs more than `max` times in the
/// document (a repeated heading, one line over and over): like repeated
/// word seeds, they anchor nothing.
fn repeated(bags: &Bags, max: usize) -> Vec<bool> {
    let bag = |s: usize| {
        bags.sentence(s).iter().fold(0x9E37_79B9_7F4A_7C15u64, |h, &(k, w)| {
            (h ^ k ^ w.to_bits().rotate_left(17)).wrapping_mul(0xff51_afd7_ed55_8ccd).rotate_left(31)
        })
    };
    let hashes: Vec<u64> = (0..bags.ranges.len()).map(bag).collect();
    let mut count: HashMap<u64, usize> = HashMap::default();
    for &h in &hashes {
        *count.entry(h).or_insert(0) += 1;
    }
    hashes.iter().map(|h| count[h] > max).collect()
}

/// The seeds of two documents' sentences, sorted by `(i, j)`, leaving out
/// sentences repeated more than `max` times; `None` when pairing them
/// would cost more than `work` has left.
fn seeds(a: &Bags, b: &Bags, max: usize, work: &mut Work) -> Option<Vec<Seed>> {
    let (skip_a, skip_b) = (repeated(a, max), repeated(b, max));
    let mut postings: HashMap<u64, Vec<(u32, f64)>> = HashMap::default();
    for s in (0..b.ranges.len()).filter(|&s| !skip_b[s]) {
        for &(k, w) in b.sentence(s) {
            postings.entry(k).or_default().push((s as u32, w));
        }
    }
    let cost: usize = (0..a.ranges.len())
        .filter(|&i| !skip_a[i])
        .flat_map(|i| a.sentence(i))
        .map(|(k, _)| postings.get(k).map_or(0, Vec::len))
        .fold(0, usize::saturating_add);
    if !work.take(cost) {
        return None;
    }
    let mut dot = vec![0.0f64; b.ranges.len()];
    let mut shared = vec![0u32; b.ranges.len()];
    let mut touched: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    for i in (0..a.ranges.len()).filter(|&i| !skip_a[i]) {
        let terms = a.sentence(i);
        for &(k, w) in terms {
            if let Some(list) = postings.get(&k) {
                for &(j, v) in list {
                    if shared[j as usize] == 0 {
                        touched.push(j);
                    }
                    shared[j as usize] += 1;
                    dot[j as usize] += w * v;
                }
            }
        }
        touched.sort_unstable();
        for &j in &touched {
            let j = j as usize;
            let norm = a.norms[i] * b.norms[j];
            let cos = if norm > 0.0 { dot[j] / norm } else { 0.0 };
            let dice = 2.0 * shared[j] as f64 / (terms.len() + b.ranges[j].len()) as f64;
            if cos >= SEED_SIMILARITY && dice >= SEED_SIMILARITY {
                out.push(Seed { i, j, cosine: cos });
            }
            dot[j] = 0.0;
            shared[j] = 0;
        }
        touched.clear();
    }
    Some(out)
}

/// Whether two seeds, `di` sentences apart in `a` and `dj` in `b`, belong
/// to one fragment.
fn near(di: usize, dj: usize) -> bool {
    near_both(di, dj) || (di.min(dj) <= SUMMARY_SHORT_GAP + 1 && di.max(dj) <= SUMMARY_LONG_GAP + 1)
}

/// Whether two seeds, `di` sentences apart in `a` and `dj` in `b`, are
/// near on both sides (the rule without the summary's).
fn near_both(di: usize, dj: usize) -> bool {
    di <= MAX_GAP + 1 && dj <= MAX_GAP + 1
}

/// The groups of `seeds` (sorted by `(i, j)`) that `link` joins, each
/// sorted as `seeds`, in the order of their first seed.
fn groups_of(seeds: &[Seed], link: fn(usize, usize) -> bool) -> Vec<Vec<Seed>> {
    let mut parent: Vec<usize> = (0..seeds.len()).collect();
    let reach = MAX_GAP.max(SUMMARY_LONG_GAP) + 1;
    for t in 0..seeds.len() {
        for s in (0..t).rev() {
            let di = seeds[t].i - seeds[s].i;
            if di > reach {
                break;
            }
            if link(di, seeds[t].j.abs_diff(seeds[s].j)) {
                let (x, y) = (find(&mut parent, s), find(&mut parent, t));
                if x != y {
                    parent[x.max(y)] = x.min(y);
                }
            }
        }
    }
    // Every root is its group's first seed (the smaller index wins).
    let mut slot = vec![usize::MAX; seeds.len()];
    let mut groups: Vec<Vec<Seed>> = Vec::new();
    for (x, &s) in seeds.iter().enumerate() {
        let root = find(&mut parent, x);
        if slot[root] == usize::MAX {
            slot[root] = groups.len();
            groups.push(Vec::new());
        }
        groups[slot[root]].push(s);
    }
    groups
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// One side of a pair: its text, tokens and their match keys.
pub(super) struct Side<'t> {
    pub text: &'t str,
    pub tokens: &'t [Token],
    pub keys: &'t [Key],
}

/// The validated fragments of two documents, sorted by their start in
/// `a`. Sentences repeated more than `max_repeats` times in a document
/// are left out; the work of pairing sentences is counted against `work`.
pub(super) fn fragments(a: Side, b: Side, max_repeats: usize, work: &mut Work) -> Vec<Fragment> {
    let Side { text: a_text, tokens: a, keys: ka } = a;
    let Side { text: b_text, tokens: b, keys: kb } = b;
    let (mut sa, mut sb) = (Vec::new(), Vec::new());
    split(a_text, a, ka, &mut sa);
    split(b_text, b, kb, &mut sb);
    let (bags_a, bags_b) = tf_idf(&sa, ka, &sb, kb);
    let Some(seeds) = seeds(&bags_a, &bags_b, max_repeats, work) else {
        return Vec::new();
    };
    if seeds.is_empty() {
        return Vec::new();
    }

    // Seeds near each other in both documents join one fragment. A group
    // the summary rule joined may hold a stray seed far along one side,
    // which dilutes its validation: when it fails, the groups its seeds
    // make by the strict rule alone are validated instead.
    let mut out = Vec::new();
    let (mut va, mut vb) = (HashMap::default(), HashMap::default());
    // Whether `group` makes a fragment (then added to `out`).
    let mut validate = |group: &[Seed]| -> bool {
        let strong = group.iter().any(|s| s.cosine >= STRONG_SEED);
        if group.len() < MIN_SEEDS && !strong {
            return false;
        }
        let i0 = group.iter().map(|s| s.i).min().expect("a group has seeds");
        let i1 = group.iter().map(|s| s.i).max().expect("a group has seeds");
        let j0 = group.iter().map(|s| s.j).min().expect("a group has seeds");
        let j1 = group.iter().map(|s| s.j).max().expect("a group has seeds");
        bags_a.sum(i0..i1 + 1, &mut va);
        bags_b.sum(j0..j1 + 1, &mut vb);
        let cos = cosine(&va, &vb);
        if cos < FRAGMENT_SIMILARITY {
            return false;
        }
        out.push(Fragment {
            a: sa[i0].start..sa[i1].end,
            b: sb[j0].start..sb[j1].end,
            seeds: group.to_vec(),
            cosine: cos,
        });
        true
    };
    for group in groups_of(&seeds, near) {
        if !validate(&group) {
            let strict = groups_of(&group, near_both);
            if strict.len() > 1 {
                for part in strict {
                    validate(&part);
                }
            }
        }
    }
    out.sort_by_key(|f| (f.a.start, f.b.start));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Keyer, Language};
    use crate::text::tokenize;

    fn keyed(text: &str) -> (Vec<Token>, Vec<Key>) {
        let tokens = tokenize(text);
        let mut keys = Vec::new();
        Keyer::new().keys(text, &tokens, Language::from_code("en"), &mut keys);
        (tokens, keys)
    }

    fn unlimited() -> Work {
        Work { used: 0, limit: usize::MAX, exhausted: false }
    }

    fn frag(at: &str, ta: &[Token], ka: &[Key], bt: &str, tb: &[Token], kb: &[Key]) -> Vec<Fragment> {
        let side = |text, tokens, keys| Side { text, tokens, keys };
        fragments(side(at, ta, ka), side(bt, tb, kb), 4, &mut unlimited())
    }

    #[test]
    fn repeated_sentences_make_no_seeds_and_work_is_counted() {
        let text = "The same line of words again. ".repeat(10);
        let (t, k) = keyed(&text);
        assert!(frag(&text, &t, &k, &text, &t, &k).is_empty());
        let once = "The same line of words again. Another line follows it here.";
        let (t, k) = keyed(once);
        assert_eq!(frag(once, &t, &k, once, &t, &k).len(), 1);
        let mut none = Work { used: 0, limit: 0, exhausted: false };
        let side = || Side { text: once, tokens: &t, keys: &k };
        assert!(fragments(side(), side(), 4, &mut none).is_empty());
        assert!(none.exhausted);
    }

    fn sentences(text: &str) -> Vec<String> {
        let (tokens, keys) = keyed(text);
        let mut out = Vec::new();
        split(text, &tokens, &keys, &mut out);
        out.iter().map(|r| text[tokens[r.start].span.start..tokens[r.end - 1].span.end].to_string()).collect()
    }

    #[test]
    fn sentences_end_at_stops_and_blank_lines_not_at_line_wraps() {
        let text = "The minister resigned on Monday after weeks of pressure.\nHis party\nchose a new \
                    leader within days! Would the voters forgive him quickly?\n\nMarkets rose sharply on the news";
        assert_eq!(
            sentences(text),
            [
                "The minister resigned on Monday after weeks of pressure",
                "His party\nchose a new leader within days",
                "Would the voters forgive him quickly",
                "Markets rose sharply on the news",
            ]
        );
    }

    #[test]
    fn a_short_sentence_joins_the_next() {
        let text = "Yes. It is. The committee approved the budget on Friday.";
        assert_eq!(sentences(text), ["Yes. It is. The committee approved the budget on Friday"]);
    }

    #[test]
    fn sentences_cover_every_token() {
        let text = "one two three four five. ".repeat(40) + &"word ".repeat(300);
        let (tokens, keys) = keyed(&text);
        let mut out = Vec::new();
        split(&text, &tokens, &keys, &mut out);
        assert_eq!(out[0].start, 0);
        assert_eq!(out.last().unwrap().end, tokens.len());
        assert!(out.windows(2).all(|w| w[0].end == w[1].start));
        assert!(out.iter().all(|r| r.len() <= MAX_SENTENCE));
    }

    #[test]
    fn a_reworded_paragraph_is_one_fragment_and_unrelated_text_none() {
        let source = "The government announced new measures to reduce air pollution in large cities. \
            Older diesel vehicles will be banned from city centres from next year. \
            Public transport fares will be cut to encourage commuters to leave their cars at home. \
            The plan was welcomed by environmental groups but criticised by motoring organisations. \
            Scientists have warned for years that dirty air shortens thousands of lives.";
        let rewrite = "Motoring organisations criticised the plan, which environmental groups welcomed. \
            To reduce pollution of the air in big cities, the government has announced measures. \
            From next year older diesel vehicles are to be banned in city centres. \
            Fares on public transport are being cut so commuters leave cars at home.";
        let other = "The football season opened with a surprise defeat for the champions. \
            Their new striker missed two penalties in the first half. \
            The coach said the team needed more time to adapt to his tactics. \
            Supporters left the stadium early in protest at the result.";
        let (ta, ka) = keyed(rewrite);
        let (tb, kb) = keyed(source);
        let found = frag(rewrite, &ta, &ka, source, &tb, &kb);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].a, 0..ta.len());
        assert!(found[0].seeds.len() >= 3);
        let (to, ko) = keyed(other);
        assert!(frag(other, &to, &ko, source, &tb, &kb).is_empty());
    }

    #[test]
    fn a_fragment_padded_with_an_unrelated_sentence_is_kept() {
        // Two sentences rewrite two of the source's; one between them is
        // about something else. The fragment's two sides have a cosine
        // between the published 0.34 and 0.4.
        let source = "The government announced new measures to reduce air pollution in large cities. \
            Older diesel vehicles will be banned from city centres from next year. \
            Public transport fares will be cut to encourage commuters to leave their cars at home.";
        let rewrite = "The government announced new measures against pollution in large towns, said the \
            minister on Monday evening. Farmers in the north complained about the dry weather ruining \
            their wheat harvest. Older diesel vehicles from next year will not enter the streets of the \
            capital, she told reporters there.";
        let (ta, ka) = keyed(rewrite);
        let (tb, kb) = keyed(source);
        let found = frag(rewrite, &ta, &ka, source, &tb, &kb);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].a, 0..ta.len());
        assert!((FRAGMENT_SIMILARITY..0.4).contains(&found[0].cosine), "{}", found[0].cosine);
    }

    /// A stray seed far along `b` joins the rewrite's group by the summary
    /// rule and dilutes it below validation; the rewrite's own sentences,
    /// near on both sides, still make a fragment, and only theirs.
    #[test]
    fn a_group_diluted_by_a_stray_seed_falls_back_to_its_near_seeds() {
        // `b`: 22 sentences of six words of their own. `a`: four sentences,
        // each four words of one of b's sentences 1 to 4 and four of its
        // own; a's third also has four words of b's sentence 20.
        let words = |s: &str, n: std::ops::Range<usize>| n.map(|k| format!("{s}{k}q")).collect::<Vec<_>>();
        let b_sentence = |x: usize| words(&format!("b{x}w"), 0..6).join(" ") + ". ";
        let b: String = (0..22).map(b_sentence).collect();
        let mut a = String::new();
        for x in 1..=4 {
            let mut w = words(&format!("b{x}w"), 0..4);
            w.extend(words(&format!("a{x}w"), 0..4));
            if x == 3 {
                w.extend(words("b20w", 0..4));
            }
            a += &(w.join(" ") + ". ");
        }
        let (ta, ka) = keyed(&a);
        let (tb, kb) = keyed(&b);
        let found = frag(&a, &ta, &ka, &b, &tb, &kb);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].a, 0..ta.len());
        // b's sentences 1 to 4, six words each.
        assert_eq!(found[0].b, 6..30);
        assert!(found[0].seeds.iter().all(|s| s.j <= 4), "{found:?}");
        // The summary rule joins every seed, the stray one too, into a
        // group below the validation.
        let (mut sa, mut sb) = (Vec::new(), Vec::new());
        split(&a, &ta, &ka, &mut sa);
        split(&b, &tb, &kb, &mut sb);
        let (ba, bb) = tf_idf(&sa, &ka, &sb, &kb);
        let all = seeds(&ba, &bb, 4, &mut unlimited()).unwrap();
        assert_eq!(all.len(), found[0].seeds.len() + 1, "{all:?}");
        assert!(all.iter().any(|s| s.j == 20), "{all:?}");
        assert_eq!(groups_of(&all, near), std::slice::from_ref(&all));
        assert_eq!(groups_of(&all, near_both).len(), 2);
        let (mut va, mut vb) = (HashMap::default(), HashMap::default());
        ba.sum(0..4, &mut va);
        bb.sum(1..21, &mut vb);
        assert!(cosine(&va, &vb) < FRAGMENT_SIMILARITY, "{}", cosine(&va, &vb));
    }

    proptest::proptest! {
        #![proptest_config(crate::testing::proptest_config(500))]

        /// The gap test against its definition, on gaps of stops, line
        /// breaks, spaces and other characters of every width.
        #[test]
        fn ends_between_is_a_stop_or_a_blank_line(gap in "[ .!?\n\t,;a。！？؟।é\u{2028}]{0,6}") {
            let naive = gap.chars().any(ends_sentence) || gap.matches('\n').count() >= 2;
            proptest::prop_assert_eq!(ends_between(&gap), naive);
        }
    }

    /// Seeds against a naive all-pairs computation of cosine and Dice.
    #[test]
    fn seeds_match_all_pairs() {
        let a = "red green blue. green blue yellow. cyan magenta red. blue blue green red. black white grey.";
        let b =
            "green red blue. yellow cyan green. white grey black. magenta cyan blue. red green blue blue.";
        let (ta, ka) = keyed(a);
        let (tb, kb) = keyed(b);
        let (mut sa, mut sb) = (Vec::new(), Vec::new());
        split(a, &ta, &ka, &mut sa);
        split(b, &tb, &kb, &mut sb);
        let (mut ba, mut bb) = (Bags::new(&sa, &ka), Bags::new(&sb, &kb));
        let idf: HashMap<u64, f64> =
            ba.terms.iter().chain(&bb.terms).map(|t| (t.0, 1.0 + (t.0 % 7) as f64)).collect();
        ba.weigh(&idf);
        bb.weigh(&idf);
        let mut naive = Vec::new();
        let (mut va, mut vb) = (HashMap::default(), HashMap::default());
        for i in 0..sa.len() {
            for j in 0..sb.len() {
                ba.sum(i..i + 1, &mut va);
                bb.sum(j..j + 1, &mut vb);
                let shared = va.keys().filter(|k| vb.contains_key(k)).count();
                let dice = 2.0 * shared as f64 / (va.len() + vb.len()) as f64;
                let cos = cosine(&va, &vb);
                if cos >= SEED_SIMILARITY && dice >= SEED_SIMILARITY {
                    naive.push((i, j));
                }
            }
        }
        let got: Vec<(usize, usize)> =
            seeds(&ba, &bb, usize::MAX, &mut unlimited()).unwrap().iter().map(|s| (s.i, s.j)).collect();
        assert!(!naive.is_empty());
        assert_eq!(got, naive);
    }
}
