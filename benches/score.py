#!/usr/bin/env python3
"""Score a reprint JSONL report against a gen_corpus.py truth file.

    python3 benches/score.py TRUTH.jsonl REPORT.jsonl [--min-jaccard 0.5]

Recall: share of planted pairs with truth Jaccard >= --min-jaccard (the
generator's whitespace-token Jaccard) that the report lists, per kind and
overall. Precision: share of reported pairs whose exact Jaccard (reprint's
own, from its shingle sets) is at or above the report's threshold and which
are planted pairs or have that Jaccard anyway (an unplanted pair is only a
false positive if its exact Jaccard is below the threshold).
Python standard library only.
"""
import argparse
import json
from collections import Counter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth")
    ap.add_argument("report")
    ap.add_argument("--min-jaccard", type=float, default=0.5)
    ap.add_argument("--kinds", default="", help="comma-separated planted kinds to score (default: all)")
    args = ap.parse_args()

    kinds = set(filter(None, args.kinds.split(",")))
    truth = {}
    for line in open(args.truth, encoding="utf-8"):
        t = json.loads(line)
        if kinds and t["kind"] not in kinds:
            continue
        truth[frozenset((t["a"], t["b"]))] = t

    threshold = None
    reported = {}
    for line in open(args.report, encoding="utf-8"):
        o = json.loads(line)
        if o["type"] == "params":
            threshold = o["threshold"]
        elif o["type"] == "pair":
            reported[frozenset((o["a"], o["b"]))] = o

    want = {k: t for k, t in truth.items() if t["jaccard_5gram"] >= args.min_jaccard}
    found = Counter()
    total = Counter()
    for k, t in want.items():
        total[t["kind"]] += 1
        if k in reported:
            found[t["kind"]] += 1
    for kind in sorted(total):
        print(f"recall {kind:12} {found[kind]:5}/{total[kind]:5} = {found[kind] / total[kind]:.4f}")
    n_want = sum(total.values())
    n_found = sum(found.values())
    print(f"recall {'all':12} {n_found:5}/{n_want:5} = {n_found / max(n_want, 1):.4f}")

    near = {k: o for k, o in reported.items() if o["kind"] in ("exact", "near-duplicate")}
    bad = [o for o in near.values() if threshold is not None and o["jaccard"] < threshold]
    unplanted = [k for k in near if k not in truth]
    print(f"reported near/exact pairs {len(near)}, below threshold {len(bad)}, not planted {len(unplanted)}")
    print(f"precision {1 - len(bad) / max(len(near), 1):.4f}")


if __name__ == "__main__":
    main()
