//! Clusters: reported pairs in, groups of connected documents out.
//!
//! Union-find (path halving, union by size) over the pairs; every connected
//! group of two or more documents is a [`Cluster`]. Jaccard similarity is
//! not transitive, so a chain `a ~ b ~ c` puts `a` and `c` together even
//! when they differ: right for deduplication, where the question is what to
//! keep. Clusters are ordered by their first member, and the representative
//! is chosen deterministically ([`Keep`]).

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
/// count of document `i` (used by [`Keep::Longest`]).
pub fn clusters(
    n: usize,
    pairs: impl IntoIterator<Item = (DocId, DocId)>,
    words: &[usize],
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
            };
            Cluster { representative, members }
        })
        .collect()
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
        let got = clusters(7, pairs, &words, Keep::First);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].members, ids(&[1, 4, 6]));
        assert_eq!(got[0].representative, DocId(1));
        assert_eq!(got[1].members, ids(&[2, 3]));
    }

    #[test]
    fn keep_longest_breaks_ties_by_input_order() {
        let pairs = [(DocId(0), DocId(1)), (DocId(1), DocId(2))];
        let got = clusters(3, pairs, &[5, 9, 9], Keep::Longest);
        assert_eq!(got[0].representative, DocId(1));
    }

    #[test]
    fn no_pairs_no_clusters() {
        assert!(clusters(5, [], &[1; 5], Keep::First).is_empty());
    }

    #[test]
    fn long_chain_is_one_cluster() {
        let n = 10_000;
        let pairs = (0..n as u32 - 1).map(|i| (DocId(i), DocId(i + 1)));
        let got = clusters(n, pairs, &vec![1; n], Keep::First);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].members.len(), n);
    }
}
