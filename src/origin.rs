//! Who took from whom: the origin of a reuse pair, and the stories that
//! pairs link documents into.
//!
//! A pair's origin is the side its shared text most likely came from
//! ([`of_pair`]). Dates decide when they differ ([`Date::order`]). When
//! they are equal or unknown, the texts may: a republished copy names the
//! site it took the text from ("... first published by The Daily Planet"),
//! and a rewrite condenses its source (inside the passages they share, the
//! copy has fewer words: words and sentences were dropped).
//! When neither is clear the origin is unknown: a wrong origin is worse
//! than none.
//!
//! A story ([`stories`]) is a set of documents that reuse links: its
//! earliest member, and for every other member the member it most likely
//! took its text from, a tree grown from the earliest member along the
//! pairs, each member attached by the pair whose origin is the member it
//! joins (dates first, then text evidence), the strongest such pair first.
//! A member whose every pair points away from it took its text from no
//! member: it is an origin too, and says so (no `from`) rather than name
//! a member that took from it.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use serde::Serialize;

use crate::align::Passage;
use crate::meta::{Date, Meta};
use crate::text::Token;

/// One side of a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The pair's first document.
    A,
    /// The pair's second document.
    B,
}

/// What an origin was decided by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    /// The documents' dates differ.
    Date,
    /// The texts: an attribution, or condensation.
    Text,
}

/// The origin of one pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The side the shared text came from, or `None` when unknown.
    pub side: Option<Side>,
    /// What decided it (`None` when unknown).
    pub evidence: Option<Evidence>,
    /// Why, in words (for `--explain`).
    pub why: String,
}

impl Origin {
    fn unknown(why: String) -> Origin {
        Origin { side: None, evidence: None, why }
    }
}

/// The shorter side of a condensed pair has at most this share of the
/// longer side's words in their shared passages for the longer side to be
/// taken for the source: a copy edited here and there stays near 1; a
/// rewrite that drops a fifth of its source's words is at 0.8.
pub const CONDENSED_SHARE: f64 = 0.8;

/// ... and the longer side spans at least this many words more: a few
/// words inserted or dropped say nothing.
pub const CONDENSED_WORDS: usize = 25;

/// A source name shorter than this (in bytes) is not looked for in the
/// other text: too likely to occur by chance.
const MIN_NAME: usize = 4;

/// One document of a pair, as the origin needs it.
#[derive(Clone, Copy, Debug)]
pub struct Doc<'a> {
    /// Its text.
    pub text: &'a str,
    /// Its words, with their spans in `text`.
    pub tokens: &'a [Token],
    /// Its date and source.
    pub meta: &'a Meta,
}

/// The origin of the pair `a`, `b`, which share `passages`.
pub fn of_pair(a: Doc<'_>, b: Doc<'_>, passages: &[Passage]) -> Origin {
    let (da, db) = (a.meta.date.as_ref(), b.meta.date.as_ref());
    if let (Some(x), Some(y)) = (da, db) {
        match x.order(y) {
            Ordering::Less => return dated(Side::A, x, y),
            Ordering::Greater => return dated(Side::B, y, x),
            Ordering::Equal => {}
        }
    }
    let dates = match (da, db) {
        (Some(x), Some(y)) => format!("the dates ({x}, {y}) do not order them"),
        (None, None) => "no dates".to_owned(),
        _ => "one date is unknown".to_owned(),
    };
    if let Some((side, why)) = attribution(a, b) {
        return Origin { side: Some(side), evidence: Some(Evidence::Text), why: format!("{dates}; {why}") };
    }
    match condensation(a.tokens, b.tokens, passages) {
        Condensed::Yes(side, why) => {
            Origin { side: Some(side), evidence: Some(Evidence::Text), why: format!("{dates}; {why}") }
        }
        Condensed::No(why) => Origin::unknown(format!("{dates}; {why}")),
    }
}

fn dated(side: Side, earlier: &Date, later: &Date) -> Origin {
    let name = |s: Side| if s == Side::A { "a" } else { "b" };
    let other = if side == Side::A { Side::B } else { Side::A };
    Origin {
        side: Some(side),
        evidence: Some(Evidence::Date),
        why: format!("{} is dated {earlier}, before {} ({later})", name(side), name(other)),
    }
}

/// The side whose source the other text names, when only one of them is
/// named (a copy often names its own site too, in its footer: that does
/// not count against it).
fn attribution(a: Doc<'_>, b: Doc<'_>) -> Option<(Side, String)> {
    let (sa, sb) = (a.meta.source.as_deref()?, b.meta.source.as_deref()?);
    if sa.eq_ignore_ascii_case(sb) {
        return None;
    }
    let b_names_a = names(b.text, sa);
    let a_names_b = names(a.text, sb);
    match (b_names_a, a_names_b) {
        (true, false) => Some((Side::A, format!("b names a's source {sa:?}"))),
        (false, true) => Some((Side::B, format!("a names b's source {sb:?}"))),
        _ => None,
    }
}

/// Whether `text` names `source`: the name, ignoring case, not inside
/// a longer word.
fn names(text: &str, source: &str) -> bool {
    if source.len() < MIN_NAME {
        return false;
    }
    let (hay, needle) = (text.to_lowercase(), source.to_lowercase());
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    hay.match_indices(&needle)
        .any(|(i, m)| !word(hay[..i].chars().next_back()) && !word(hay[i + m.len()..].chars().next()))
}

enum Condensed {
    Yes(Side, String),
    No(String),
}

/// Whether one side condenses the other: within the shared passages, the
/// words of the shorter side are at most [`CONDENSED_SHARE`] of the longer
/// side's, and [`CONDENSED_WORDS`] fewer. Only the passages count, not the
/// text between them: where passages lie apart on one side and together
/// on the other says nothing (PAN's plagiarised documents spread a
/// source's consecutive paragraphs over the page; a summary gathers them),
/// while words dropped inside a passage are what condensing is.
///
/// Measured on the 1,900 listed PAN 2013 training pairs a default scan
/// finds (`scan susp src --origin`, the source document known): this rule
/// decides 146 and is right on 131 (90%; 60 of 63 summaries, 68 of 73
/// randomly obfuscated copies, but 1 of 8 verbatim copies, where the
/// aligner joined two copied pieces across text inserted between them).
/// Measuring instead the stretch from the first to the last shared word
/// decided 425 and was right on 153. On a generated corpus it decides
/// the condensed rewrites, all right, and no copy, excerpt or lightly
/// edited copy.
fn condensation(a: &[Token], b: &[Token], passages: &[Passage]) -> Condensed {
    // Words starting within a span.
    let words = |tokens: &[Token], s: crate::Span| {
        tokens.partition_point(|t| t.span.start < s.end) - tokens.partition_point(|t| t.span.start < s.start)
    };
    let wa: usize = passages.iter().map(|p| words(a, p.a)).sum();
    let wb: usize = passages.iter().map(|p| words(b, p.b)).sum();
    let (long, short, side) = if wa >= wb { (wa, wb, Side::A) } else { (wb, wa, Side::B) };
    let name = if side == Side::A { ("a", "b") } else { ("b", "a") };
    let spans = format!("the passages hold {wa} words of a and {wb} of b");
    if long < short + CONDENSED_WORDS || (short as f64) > CONDENSED_SHARE * long as f64 {
        return Condensed::No(format!("{spans}: neither condenses the other"));
    }
    Condensed::Yes(side, format!("{} condenses {}: {spans}", name.1, name.0))
}

/// A link between two documents for [`stories`]: a reported pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// The pair's first document (index in input order).
    pub a: u32,
    /// Its second.
    pub b: u32,
    /// The side its text came from, if known.
    pub origin: Option<Side>,
    /// What decided the origin.
    pub evidence: Option<Evidence>,
    /// Words shared (matched in its passages; for a pair without passages,
    /// the shorter document's words).
    pub words: u32,
}

/// A story: documents linked by reuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Story {
    /// The earliest member (by date, then as the tree grew).
    pub earliest: u32,
    /// Every member, in the order the tree reached them (the earliest
    /// first), with the member it most likely took its text from and the
    /// evidence of that link: none for the earliest, and none for a member
    /// that is an origin of every pair it is in (reached only through
    /// members that took from it).
    pub members: Vec<(u32, Parent)>,
}

/// The member a story member took its text from, and the evidence.
pub type Parent = Option<(u32, Option<Evidence>)>;

/// The stories of `links` over `n` documents with `dates`: one per
/// connected set of two or more documents, ordered by their lowest member.
///
/// Each story's tree starts at its earliest dated member (among equals,
/// or when none is dated: the one that is the copy in the fewest pairs,
/// then the lowest index), and grows
/// one member at a time: of the links from a member in the tree to one
/// outside it, it takes first one whose origin is the member in the tree,
/// then one of unknown origin (the new member's `from`, with no evidence),
/// and only then one that points the other way (a member reached only
/// through its own copies: it has no `from`); among those, the earliest
/// new member, then the most shared words, then the lowest indices.
pub fn stories(n: usize, links: &[Link], dates: &[Option<&Date>]) -> Vec<Story> {
    // Adjacency lists, in link order.
    let mut adjacent: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, l) in links.iter().enumerate() {
        adjacent[l.a as usize].push(i as u32);
        adjacent[l.b as usize].push(i as u32);
    }
    let date_key = |d: u32| dates.get(d as usize).copied().flatten().map_or(i64::MAX, Date::sort_key);
    let mut component = vec![u32::MAX; n];
    let mut out = Vec::new();
    for start in 0..n {
        if component[start] != u32::MAX || adjacent[start].is_empty() {
            continue;
        }
        // The component, by a walk.
        let mut members = vec![start as u32];
        component[start] = start as u32;
        let mut i = 0;
        while i < members.len() {
            let m = members[i];
            for &l in &adjacent[m as usize] {
                let l = links[l as usize];
                let other = if l.a == m { l.b } else { l.a };
                if component[other as usize] == u32::MAX {
                    component[other as usize] = start as u32;
                    members.push(other);
                }
            }
            i += 1;
        }
        // The earliest dated; among equals, one that took from no member
        // (per the texts), then the lowest.
        let copied = |m: u32| {
            adjacent[m as usize]
                .iter()
                .map(|&l| links[l as usize])
                .filter(|l| l.origin == Some(if l.a == m { Side::B } else { Side::A }))
                .count()
        };
        let root =
            *members.iter().min_by_key(|&&m| (date_key(m), copied(m), m)).expect("a component has members");
        out.push(grow(root, &adjacent, links, &date_key));
    }
    out
}

/// The tree of one story from `root` (see [`stories`]).
fn grow(root: u32, adjacent: &[Vec<u32>], links: &[Link], date_key: &dyn Fn(u32) -> i64) -> Story {
    // Candidates: (direction rank, date of the new member, -words, new member, parent, link).
    type Candidate = Reverse<(u8, i64, Reverse<u32>, u32, u32, u32)>;
    let mut heap: BinaryHeap<Candidate> = BinaryHeap::new();
    let mut in_tree = std::collections::HashSet::new();
    let push = |heap: &mut BinaryHeap<Candidate>, from: u32| {
        for &l in &adjacent[from as usize] {
            let link = links[l as usize];
            let (to, from_side) = if link.a == from { (link.b, Side::A) } else { (link.a, Side::B) };
            let rank = match link.origin {
                Some(side) if side == from_side => 0,
                None => 1,
                Some(_) => 2,
            };
            heap.push(Reverse((rank, date_key(to), Reverse(link.words), to, from, l)));
        }
    };
    in_tree.insert(root);
    push(&mut heap, root);
    let mut members = vec![(root, None)];
    while let Some(Reverse((rank, _, _, to, from, l))) = heap.pop() {
        if !in_tree.insert(to) {
            continue;
        }
        let parent = (rank < 2).then(|| (from, links[l as usize].evidence));
        members.push((to, parent));
        push(&mut heap, to);
    }
    Story { earliest: root, members }
}

/// Reuse from one source to another: the publishers' view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flow<'a> {
    /// The origin's source.
    pub from: &'a str,
    /// The republishing source.
    pub to: &'a str,
    /// Its documents that took text from `from`'s.
    pub documents: usize,
    /// Pairs.
    pub pairs: usize,
    /// Words taken (matched words of the pairs' passages).
    pub words: u64,
}

/// The flows of reuse between sources (`sources[d]` of document `d`): every
/// link whose origin is known and whose two documents have different known
/// sources, summed per (origin's source, other source); most words first,
/// then most documents, then by names.
pub fn flows<'a>(links: &[Link], sources: &[Option<&'a str>]) -> Vec<Flow<'a>> {
    use std::collections::HashMap;
    let mut sums: HashMap<(&'a str, &'a str), (Vec<u32>, usize, u64)> = HashMap::new();
    for l in links {
        let Some(side) = l.origin else { continue };
        let (from, to) = if side == Side::A { (l.a, l.b) } else { (l.b, l.a) };
        let (Some(sf), Some(st)) = (sources[from as usize], sources[to as usize]) else { continue };
        if sf == st {
            continue;
        }
        let e = sums.entry((sf, st)).or_default();
        e.0.push(to);
        e.1 += 1;
        e.2 += u64::from(l.words);
    }
    let mut out: Vec<Flow<'a>> = sums
        .into_iter()
        .map(|((from, to), (mut docs, pairs, words))| {
            docs.sort_unstable();
            docs.dedup();
            Flow { from, to, documents: docs.len(), pairs, words }
        })
        .collect();
    out.sort_by(|x, y| {
        (Reverse(x.words), Reverse(x.documents), x.from, x.to).cmp(&(
            Reverse(y.words),
            Reverse(y.documents),
            y.from,
            y.to,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(date: Option<&str>, source: Option<&str>) -> Meta {
        Meta { date: date.map(|d| Date::parse(d).unwrap()), source: source.map(Into::into) }
    }

    fn doc<'a>(text: &'a str, tokens: &'a [Token], meta: &'a Meta) -> Doc<'a> {
        Doc { text, tokens, meta }
    }

    #[test]
    fn dates_decide_when_they_differ() {
        let (early, late) = (meta(Some("2024-03-01"), None), meta(Some("2024-03-04"), None));
        let o = of_pair(doc("", &[], &late), doc("", &[], &early), &[]);
        assert_eq!((o.side, o.evidence), (Some(Side::B), Some(Evidence::Date)));
        assert!(o.why.contains("b is dated 2024-03-01, before a (2024-03-04)"), "{}", o.why);
        // Same day, no other evidence: unknown.
        let o = of_pair(doc("", &[], &early), doc("", &[], &early), &[]);
        assert_eq!((o.side, o.evidence), (None, None));
    }

    #[test]
    fn an_attribution_names_the_origin() {
        let a = meta(Some("2024-03-01"), Some("Daily Planet"));
        let b = meta(Some("2024-03-01"), Some("Gazette"));
        let text_a = "The mayor resigned on Monday.";
        let text_b = "The mayor resigned on Monday, the daily planet reported.";
        let o = of_pair(doc(text_a, &[], &a), doc(text_b, &[], &b), &[]);
        assert_eq!((o.side, o.evidence), (Some(Side::A), Some(Evidence::Text)), "{}", o.why);
        // A name inside a longer word is no attribution; nor is a text that
        // names both sources.
        let o = of_pair(doc(text_a, &[], &a), doc("The Daily Planetarium opened.", &[], &b), &[]);
        assert_eq!(o.side, None);
        // A copy that names its own site too still names its origin; two
        // texts that name each other's sites say nothing.
        let text_b = "The mayor resigned, the Daily Planet reported. (c) Gazette";
        let o = of_pair(doc(text_a, &[], &a), doc(text_b, &[], &b), &[]);
        assert_eq!(o.side, Some(Side::A), "{}", o.why);
        let o = of_pair(doc("As the Gazette said", &[], &a), doc(text_b, &[], &b), &[]);
        assert_eq!(o.side, None);
    }

    fn link(a: u32, b: u32, origin: Option<Side>, words: u32) -> Link {
        Link { a, b, origin, evidence: origin.map(|_| Evidence::Date), words }
    }

    #[test]
    fn flows_sum_directed_pairs_between_sources() {
        let sources = [Some("x"), Some("y"), Some("y"), None, Some("x")];
        let links = [
            link(0, 1, Some(Side::A), 10),
            link(0, 2, Some(Side::A), 5),
            link(1, 4, Some(Side::A), 7),
            link(0, 3, Some(Side::A), 99), // no source: not a flow
            link(0, 4, Some(Side::A), 99), // same source
            link(2, 4, None, 99),          // unknown origin
        ];
        let got = flows(&links, &sources);
        assert_eq!(
            got,
            [
                Flow { from: "x", to: "y", documents: 2, pairs: 2, words: 15 },
                Flow { from: "y", to: "x", documents: 1, pairs: 1, words: 7 },
            ]
        );
    }

    #[test]
    fn a_story_is_a_tree_from_its_earliest_member() {
        // 0 <- 2 <- 1 by date, 3 alone, 4 - 5 of unknown origin.
        let d = ["2024-01-03", "2024-01-05", "2024-01-04", "2024-01-01", "2024-02-01", "2024-02-01"]
            .map(|s| Date::parse(s).unwrap());
        let dates: Vec<Option<&Date>> = d.iter().map(Some).collect();
        let links = [
            link(0, 1, Some(Side::A), 50),
            link(0, 2, Some(Side::A), 80),
            link(1, 2, Some(Side::B), 300),
            link(4, 5, None, 10),
        ];
        let got = stories(6, &links, &dates);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].earliest, 0);
        // 2 joins first (earlier than 1), then 1 from 2, its strongest
        // earlier link.
        assert_eq!(
            got[0].members,
            [(0, None), (2, Some((0, Some(Evidence::Date)))), (1, Some((2, Some(Evidence::Date))))]
        );
        assert_eq!(got[1].members, [(4, None), (5, Some((4, None)))]);
    }

    /// Property: over random graphs, every story is a spanning tree of its
    /// component (each member once, every parent joined before its child
    /// and linked to it), and the components are those of a naive
    /// union-find.
    #[test]
    fn stories_span_their_components() {
        let mut x: u64 = 7;
        let mut next = |m: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        for _ in 0..200 {
            let n = 1 + next(12) as usize;
            let links: Vec<Link> = (0..next(15))
                .filter_map(|_| {
                    let (a, b) = (next(n as u64) as u32, next(n as u64) as u32);
                    let origin = [None, Some(Side::A), Some(Side::B)][next(3) as usize];
                    (a < b).then(|| link(a, b, origin, next(100) as u32))
                })
                .collect();
            let d: Vec<Date> =
                (0..n).map(|_| Date::parse(&format!("2024-01-{:02}", 1 + next(5))).unwrap()).collect();
            let dates: Vec<Option<&Date>> = d.iter().map(|x| (next(4) > 0).then_some(x)).collect();
            let got = stories(n, &links, &dates);
            // naive components
            let mut comp: Vec<usize> = (0..n).collect();
            for _ in 0..n {
                for l in &links {
                    let m = comp[l.a as usize].min(comp[l.b as usize]);
                    comp[l.a as usize] = m;
                    comp[l.b as usize] = m;
                }
            }
            let mut want: Vec<Vec<u32>> = Vec::new();
            for c in 0..n {
                let mut m: Vec<u32> = (0..n as u32).filter(|&i| comp[i as usize] == c).collect();
                if m.len() > 1 || links.iter().any(|l| l.a as usize == c && comp[l.b as usize] == c) {
                    m.sort();
                    want.push(m);
                }
            }
            let mut have: Vec<Vec<u32>> = got
                .iter()
                .map(|s| {
                    let mut seen = Vec::new();
                    for &(m, parent) in &s.members {
                        let linked =
                            |p: u32| links.iter().filter(move |l| (l.a, l.b) == (p.min(m), p.max(m)));
                        if let Some((p, _)) = parent {
                            assert!(seen.contains(&p));
                            // Linked, and not only by pairs whose origin is m.
                            let toward =
                                |l: &Link| l.origin != Some(if l.a == m { Side::A } else { Side::B });
                            assert!(linked(p).any(toward), "{m} from {p}");
                        } else if m != s.earliest {
                            // An origin of every pair it has with earlier members.
                            for &p in &seen {
                                let from_m =
                                    |l: &Link| l.origin == Some(if l.a == m { Side::A } else { Side::B });
                                assert!(linked(p).all(from_m), "{m} has no from, but {p} links it");
                            }
                        }
                        assert!(!seen.contains(&m));
                        seen.push(m);
                    }
                    seen.sort();
                    seen
                })
                .collect();
            have.sort();
            want.sort();
            assert_eq!(have, want);
        }
    }
}
