//! Clusters: reported pairs in, groups of connected documents out.
//!
//! Union-find (path halving, union by size) over the pairs; every connected
//! group of two or more documents is a [`Cluster`]. Jaccard similarity is
//! not transitive, so a chain `a ~ b ~ c` puts `a` and `c` together even
//! when they differ. Clusters are ordered by their first member, and the
//! representative is chosen deterministically ([`Keep`]).
//!
//! Deduplication must not follow the chain: [`duplicate_of`] removes a
//! document only in favour of a kept document it is itself paired with
//! (Jaccard at or above the threshold), and keeps every member that has
//! no such partner, so `a ~ b ~ c` keeps `a` and `c` when they differ.

use crate::config::Keep;
use crate::DocId;

/// A disjoint-set forest over `0..n`.
#[derive(Clone, Debug)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> UnionFind {
        UnionFind { parent: (0..n as u32).collect(), size: vec![1; n] }
    }

    /// The root of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Joins the sets of `a` and `b`; true when they were apart.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] { (ra, rb) } else { (rb, ra) };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        true
    }
}

/// A group of connected documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// The member that stands for the cluster.
    pub representative: DocId,
    /// Every member, in input order.
    pub members: Vec<DocId>,
}

/// The clusters of `n` documents joined by `pairs`. `words[i]` is the word
/// count of document `i` (used by [`Keep::Longest`]), `dates[i]` its date's
/// [sort key](crate::meta::Date::sort_key) (used by [`Keep::Earliest`];
/// `i64::MAX` or a short slice for none).
pub fn clusters(
    n: usize,
    pairs: impl IntoIterator<Item = (DocId, DocId)>,
    words: &[usize],
    dates: &[i64],
    keep: Keep,
) -> Vec<Cluster> {
    let mut uf = UnionFind::new(n);
    let mut any = false;
    for (a, b) in pairs {
        any |= uf.union(a.0, b.0);
    }
    if !any {
        return Vec::new();
    }
    // Group by root, in input order of each group's first member.
    let mut slot_of_root: Vec<u32> = vec![u32::MAX; n];
    let mut groups: Vec<Vec<DocId>> = Vec::new();
    for i in 0..n as u32 {
        let root = uf.find(i) as usize;
        if uf.size[root] < 2 {
            continue;
        }
        if slot_of_root[root] == u32::MAX {
            slot_of_root[root] = groups.len() as u32;
            groups.push(Vec::new());
        }
        groups[slot_of_root[root] as usize].push(DocId(i));
    }
    groups
        .into_iter()
        .map(|members| {
            let representative = match keep {
                Keep::First => members[0],
                Keep::Longest => {
                    // max_by_key keeps the last maximum; iterate in reverse so
                    // ties go to the first in input order.
                    *members.iter().rev().max_by_key(|d| words[d.index()]).unwrap_or(&members[0])
                }
                // min_by_key keeps the first minimum.
                Keep::Earliest => *members.iter().min_by_key(|d| date(dates, **d)).unwrap_or(&members[0]),
            };
            Cluster { representative, members }
        })
        .collect()
}

/// For each of `n` documents, the kept document it is a duplicate of
/// (`None`: it is kept). `pairs` are the verified near-duplicate and exact
/// pairs the `clusters` were made from. Within each cluster, members are
/// taken in [`Keep`] order (input order; or most words first, ties in
/// input order); a member paired with a member already kept is removed in
/// favour of the first such (in that order), any other member is kept. The
/// representative is always kept, and every removed document near-
/// duplicates the document kept in its place.
pub fn duplicate_of(
    n: usize,
    pairs: &[(DocId, DocId)],
    clusters: &[Cluster],
    words: &[usize],
    dates: &[i64],
    keep: Keep,
) -> Vec<Option<DocId>> {
    let mut partners: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &(a, b) in pairs {
        partners[a.index()].push(b.0);
        partners[b.index()].push(a.0);
    }
    // Rank in keep order within its cluster, for each member once taken.
    let mut rank: Vec<u32> = vec![u32::MAX; n];
    let mut kept: Vec<bool> = vec![false; n];
    let mut out: Vec<Option<DocId>> = vec![None; n];
    for cluster in clusters {
        let mut order = cluster.members.clone();
        // Stable sorts: ties stay in input order.
        match keep {
            Keep::First => {}
            Keep::Longest => order.sort_by_key(|d| std::cmp::Reverse(words[d.index()])),
            Keep::Earliest => order.sort_by_key(|&d| date(dates, d)),
        }
        for (r, &m) in order.iter().enumerate() {
            rank[m.index()] = r as u32;
            let best = partners[m.index()]
                .iter()
                .filter(|&&p| kept[p as usize] && rank[p as usize] < r as u32)
                .min_by_key(|&&p| rank[p as usize]);
            match best {
                Some(&p) => out[m.index()] = Some(DocId(p)),
                None => kept[m.index()] = true,
            }
        }
    }
    out
}

/// The date sort key of `d` (`i64::MAX` when unknown).
fn date(dates: &[i64], d: DocId) -> i64 {
    dates.get(d.index()).copied().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Vec<DocId> {
        v.iter().map(|&i| DocId(i)).collect()
    }

    #[test]
    fn connected_groups_in_input_order() {
        let pairs = [(DocId(4), DocId(1)), (DocId(1), DocId(6)), (DocId(2), DocId(3))];
        let words = [10, 10, 10, 10, 10, 10, 10];
        let got = clusters(7, pairs, &words, &[], Keep::First);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].members, ids(&[1, 4, 6]));
        assert_eq!(got[0].representative, DocId(1));
        assert_eq!(got[1].members, ids(&[2, 3]));
    }

    #[test]
    fn keep_longest_breaks_ties_by_input_order() {
        let pairs = [(DocId(0), DocId(1)), (DocId(1), DocId(2))];
        let got = clusters(3, pairs, &[5, 9, 9], &[], Keep::Longest);
        assert_eq!(got[0].representative, DocId(1));
    }

    #[test]
    fn keep_earliest_keeps_the_earliest_dated_member() {
        // 0 ~ 1 ~ 2; 2 is dated first, 0 has no date; 1 and 2 share a date
        // in the second cluster, where input order breaks the tie.
        let pairs = [(DocId(0), DocId(1)), (DocId(1), DocId(2)), (DocId(0), DocId(2)), (DocId(3), DocId(4))];
        let dates = [i64::MAX, 200, 100, 50, 50];
        let got = clusters(5, pairs, &[1; 5], &dates, Keep::Earliest);
        assert_eq!((got[0].representative, got[1].representative), (DocId(2), DocId(3)));
        let dup = duplicate_of(5, &pairs, &got, &[1; 5], &dates, Keep::Earliest);
        assert_eq!(dup, [Some(DocId(2)), Some(DocId(2)), None, None, Some(DocId(3))]);
    }

    #[test]
    fn a_chain_is_split_where_the_kept_document_is_not_a_partner() {
        // 0 ~ 1 ~ 2 ~ 3, and 3 ~ 0: 0 kept; 1 and 3 are its duplicates; 2
        // is paired with neither 0 nor another kept member: kept.
        let pairs = [(DocId(0), DocId(1)), (DocId(1), DocId(2)), (DocId(2), DocId(3)), (DocId(0), DocId(3))];
        let words = [5, 5, 5, 5, 5];
        let cl = clusters(5, pairs, &words, &[], Keep::First);
        assert_eq!(cl.len(), 1);
        let got = duplicate_of(5, &pairs, &cl, &words, &[], Keep::First);
        assert_eq!(got, [None, Some(DocId(0)), None, Some(DocId(0)), None]);
        // Longest first: 2 (9 words) kept; then 0, paired with no kept
        // member yet: kept; 1 and 3 go to the first kept partner, 2.
        let words = [5, 5, 9, 5, 5];
        let cl = clusters(5, pairs, &words, &[], Keep::Longest);
        assert_eq!(cl[0].representative, DocId(2));
        let got = duplicate_of(5, &pairs, &cl, &words, &[], Keep::Longest);
        assert_eq!(got, [None, Some(DocId(2)), None, Some(DocId(2)), None]);
    }

    #[test]
    fn a_long_chain_keeps_every_other_document() {
        let n = 1001;
        let pairs: Vec<(DocId, DocId)> = (0..n as u32 - 1).map(|i| (DocId(i), DocId(i + 1))).collect();
        let words = vec![1; n];
        let cl = clusters(n, pairs.iter().copied(), &words, &[], Keep::First);
        let got = duplicate_of(n, &pairs, &cl, &words, &[], Keep::First);
        for (i, d) in got.iter().enumerate() {
            assert_eq!(*d, if i % 2 == 0 { None } else { Some(DocId(i as u32 - 1)) }, "{i}");
        }
    }

    #[test]
    fn no_pairs_no_clusters() {
        assert!(clusters(5, [], &[1; 5], &[], Keep::First).is_empty());
    }

    #[test]
    fn long_chain_is_one_cluster() {
        let n = 10_000;
        let pairs = (0..n as u32 - 1).map(|i| (DocId(i), DocId(i + 1)));
        let got = clusters(n, pairs, &vec![1; n], &[], Keep::First);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].members.len(), n);
    }
}
