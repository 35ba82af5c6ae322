//! The last step of [`detect`](super::detect): a detection that condenses
//! its source (a summary) has its source side widened to the source
//! sentences it draws on; any other is extended by the similar sentence
//! pairs around it that word alignment could not anchor. Works on whole
//! sentences, with their content words as keys.

use super::detect::{char_offsets, join_neighbours, NEIGHBOUR_GAP};
use super::Detection;
use crate::align::AlignConfig;
use crate::lang::Keyer;

/// Widens the source side of every detection in `found` that condenses
/// its source ([`SUMMARY_RATIO`]) to the source sentences its suspicious
/// side draws on ([`draw_on`]), extends every other one by the similar
/// sentence pairs around it ([`extend`]), then joins those that come to
/// overlap.
pub(super) fn widen(
    susp: &str,
    susp_tokens: &[crate::text::Token],
    src: &str,
    src_tokens: &[crate::text::Token],
    config: &AlignConfig,
    found: &mut Vec<Detection>,
) {
    if found.is_empty() {
        return;
    }
    let summary = |d: &Detection| d.source_length >= SUMMARY_RATIO * d.this_length;
    let mut keyer = Keyer::new();
    let (mut ka, mut kb) = (Vec::new(), Vec::new());
    keyer.keys(susp, susp_tokens, config.language.resolve(susp_tokens), &mut ka);
    keyer.keys(src, src_tokens, config.language.resolve(src_tokens), &mut kb);
    let (a, b) = (Keyed::new(susp, susp_tokens, &ka), Keyed::new(src, src_tokens, &kb));
    for d in found.iter_mut() {
        *d = if summary(d) { draw_on(&a, &b, *d) } else { extend(&a, &b, *d) };
    }
    *found = join_neighbours(std::mem::take(found), NEIGHBOUR_GAP);
}

/// `d` grown by whole sentences, one pair at a time, while the sentence
/// before it (or after it) in the suspicious document and the one before
/// (or after) it in the source share [`EXTEND_WORDS`] distinct content
/// words and a Dice coefficient of [`EXTEND_DICE`] on them: a rewrite's
/// first or last sentence that word alignment could not anchor, but that
/// still says what its source's says.
fn extend(a: &Keyed, b: &Keyed, d: Detection) -> Detection {
    let similar = |i: usize, j: usize| {
        let (x, y) = (&a.keys[i], &b.keys[j]);
        let shared = x.iter().filter(|k| y.binary_search(k).is_ok()).count();
        shared >= EXTEND_WORDS && 2.0 * shared as f64 >= EXTEND_DICE * (x.len() + y.len()) as f64
    };
    let (sa, sb) = (a.within(d.this()), b.within(d.source()));
    if sa.is_empty() || sb.is_empty() {
        return d;
    }
    let (mut a0, mut b0, mut a1, mut b1) = (sa.start, sb.start, sa.end - 1, sb.end - 1);
    while a0 > 0 && b0 > 0 && similar(a0 - 1, b0 - 1) {
        a0 -= 1;
        b0 -= 1;
    }
    while a1 + 1 < a.bounds.len() && b1 + 1 < b.bounds.len() && similar(a1 + 1, b1 + 1) {
        a1 += 1;
        b1 += 1;
    }
    let (mut this, mut source) = (d.this_offset..d.this().1, d.source_offset..d.source().1);
    if a0 < sa.start {
        (this.start, source.start) = (a.bounds[a0].0, b.bounds[b0].0);
    }
    if a1 >= sa.end {
        (this.end, source.end) = (a.bounds[a1].1, b.bounds[b1].1);
    }
    Detection::new(this, source)
}

/// Least distinct content words that two neighbouring sentences share for
/// `extend` to take them.
pub const EXTEND_WORDS: usize = 2;
/// Least Dice coefficient of their distinct content words (the seed
/// threshold of Sanchez-Perez et al.).
pub const EXTEND_DICE: f64 = 0.33;

/// A detection whose source side is this many times longer than its
/// suspicious side condenses its source: a summary.
pub const SUMMARY_RATIO: usize = 3;
/// A source sentence that shares this many distinct content words (stems,
/// stop words aside) with a summary is one the summary draws on.
pub const DRAWN_WORDS: usize = 2;
/// Most source sentences in a row that a summary does not draw on inside
/// the source span of its detection.
pub const DRAWN_GAP: usize = 6;

/// One document's sentences, with their content keys and character bounds.
struct Keyed {
    /// Character range of each sentence, first word to last.
    bounds: Vec<(usize, usize)>,
    /// Distinct content keys of each sentence, sorted.
    keys: Vec<Vec<u64>>,
}

impl Keyed {
    fn new(text: &str, tokens: &[crate::text::Token], keys: &[crate::lang::Key]) -> Keyed {
        let mut sentences = Vec::new();
        crate::align::split_sentences(text, tokens, keys, &mut sentences);
        let bytes: Vec<usize> =
            sentences.iter().flat_map(|r| [tokens[r.start].span.start, tokens[r.end - 1].span.end]).collect();
        let chars = char_offsets(text, &bytes);
        let bounds = chars.chunks(2).map(|c| (c[0], c[1])).collect();
        let keys = sentences
            .iter()
            .map(|r| {
                let mut k: Vec<u64> = keys[r.clone()].iter().filter(|k| k.content).map(|k| k.key).collect();
                k.sort_unstable();
                k.dedup();
                k
            })
            .collect();
        Keyed { bounds, keys }
    }

    /// The sentences that overlap the characters `range`.
    fn within(&self, (start, end): (usize, usize)) -> std::ops::Range<usize> {
        let first = self.bounds.partition_point(|b| b.1 <= start);
        let last = self.bounds.partition_point(|b| b.0 < end);
        first..last.max(first)
    }
}

/// `d` with its source side widened to the source sentences its suspicious
/// side draws on: outwards from its source span, as far as the last
/// sentence sharing [`DRAWN_WORDS`] distinct content words with the
/// suspicious side, across at most [`DRAWN_GAP`] sentences in a row that
/// share fewer. A summary condenses a whole stretch of its source, most of
/// which no sentence of it matches closely.
fn draw_on(a: &Keyed, b: &Keyed, d: Detection) -> Detection {
    let mut summary: Vec<u64> = a.within(d.this()).flat_map(|s| a.keys[s].iter().copied()).collect();
    summary.sort_unstable();
    summary.dedup();
    let drawn =
        |s: usize| b.keys[s].iter().filter(|k| summary.binary_search(k).is_ok()).count() >= DRAWN_WORDS;
    let span = b.within(d.source());
    if span.is_empty() {
        return d;
    }
    let first = farthest_drawn((0..span.start).rev(), span.start, drawn);
    let last = farthest_drawn(span.end..b.bounds.len(), span.end - 1, drawn);
    let start = d.source_offset.min(b.bounds[first].0);
    let end = d.source().1.max(b.bounds[last].1);
    Detection::new(d.this_offset..d.this().1, start..end)
}

/// The last of `sentences` (walked outwards) that is `drawn`, crossing at
/// most [`DRAWN_GAP`] in a row that are not; `from` if none is.
fn farthest_drawn(
    sentences: impl Iterator<Item = usize>,
    from: usize,
    drawn: impl Fn(usize) -> bool,
) -> usize {
    let (mut farthest, mut gap) = (from, 0);
    for s in sentences {
        if drawn(s) {
            farthest = s;
            gap = 0;
        } else {
            gap += 1;
            if gap > DRAWN_GAP {
                break;
            }
        }
    }
    farthest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_draws_on_the_source_sentences_around_its_match() {
        let susp = "Marigolds grow a foot tall in most gardens. Oil killed birds and otters on beaches, \
                    and cleanup crews recovered little of it. Disco is one of the best marigolds.";
        let far = [
            "The weather stayed cold and grey through that winter.",
            "Schools opened late in January because of snow.",
            "A new mayor was elected by a narrow margin.",
            "The town library bought three hundred new books.",
            "Football practice moved indoors until the spring.",
            "Prices at the market rose a little every month.",
            "The ferry timetable changed at the end of March.",
        ];
        let src = [
            "Fishing boats left the harbour at dawn as they do every single morning.",
            "Oil washed onto the beaches within days of the grounding of the tanker.",
            "The tanker had struck a reef in calm weather just after midnight.",
            "Birds and otters died by the thousand in the weeks that followed.",
            "Cleanup crews worked for months yet recovered little of the oil spilled.",
            "The company paid for the work and promised to pay much more later.",
            "Lawyers for the fishermen filed suits in state and federal courts.",
        ]
        .join(" ")
            + " "
            + &far.join(" ")
            + " Oil, birds and beaches come back here.";
        let at = |text: &str, part: &str| text.find(part).expect("part of the text");
        let this = at(susp, "cleanup crews")..at(susp, " Disco");
        let from = at(&src, "Cleanup crews");
        let to = at(&src, " The weather");
        let (ta, tb) = (crate::text::tokenize(susp), crate::text::tokenize(&src));
        let widened = |d: Detection| {
            let mut found = vec![d];
            widen(susp, &ta, &src, &tb, &AlignConfig::default(), &mut found);
            found
        };
        // Its source side is over three times its own: a summary. It widens
        // back to the first sentence sharing two content words with it,
        // across one that shares none ("tanker", "reef"), and on past the
        // two after it that share none, but not across seven. Its words are
        // those of the sentences it overlaps.
        let summary = Detection::new(this.clone(), from..to);
        assert!(summary.source_length >= SUMMARY_RATIO * summary.this_length);
        assert_eq!(widened(summary), [Detection::new(this.clone(), at(&src, "Oil washed")..to)]);
        // A detection of about its own length on both sides is no summary.
        let copy = Detection::new(this.clone(), from..at(&src, " The company"));
        assert_eq!(widened(copy), [copy]);
    }

    #[test]
    fn a_detection_takes_the_similar_sentence_pairs_around_it() {
        let susp = "An opening about football clubs and their loyal fans. The council voted to close the \
                    old library next spring. Residents protested outside the town hall for hours. \
                    Volunteers offered to run the building themselves without pay. A closing about \
                    sailing boats on mountain lakes.";
        let src = "Weather notes on the coming frost tonight. Councillors decided the old library will \
                   close in the spring. Hundreds of residents protested for hours at the town hall. The \
                   volunteers said they would run the building for no pay. Prices of bread went up \
                   again this week.";
        let at = |text: &str, part: &str| text.find(part).expect("part of the text");
        let span = |text: &str, from: &str, to: &str| at(text, from)..at(text, to) + to.len();
        let (ta, tb) = (crate::text::tokenize(susp), crate::text::tokenize(src));
        let d = Detection::new(span(susp, "Residents", "for hours"), span(src, "Hundreds", "the town hall"));
        let mut found = vec![d];
        widen(susp, &ta, src, &tb, &AlignConfig::default(), &mut found);
        // The sentence before and the one after say the same on both sides;
        // the first and last do not.
        let want =
            Detection::new(span(susp, "The council", "without pay"), span(src, "Councillors", "no pay"));
        assert_eq!(found, [want]);
    }
}
