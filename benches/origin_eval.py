#!/usr/bin/env python3
"""Scores a scan with dates and sources against a gen_corpus.py --meta corpus.

    python3 benches/gen_corpus.py --docs 10000 --seed 1 --meta 400 --out target/bench-corpus/m10000
    reprint scan target/bench-corpus/m10000/corpus.jsonl --date-field date --source-field source \\
        --format jsonl -o meta.jsonl
    reprint scan target/bench-corpus/m10000/corpus.jsonl --format jsonl -o plain.jsonl
    python3 benches/origin_eval.py target/bench-corpus/m10000 meta.jsonl [--plain plain.jsonl]

Prints (issue 17's evidence):
- planted-pair recall, with metadata and (with --plain) without;
- reported pairs whose only shared text is a source footer (every passage,
  on both sides, inside the footer of its document's source);
- origin accuracy over found planted pairs whose dates differ;
- for same-day planted pairs: the share whose origin the texts decide,
  and how many of those are right;
- the stories' roots and parents against the planted direction.
Python stdlib only.
"""
import argparse
import json
import os


def load_report(path):
    docs, pairs, stories = {}, [], []
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            t = o.get("type")
            if t == "document":
                docs[o["id"]] = o
            elif t == "pair":
                pairs.append(o)
            elif t == "story":
                stories.append(o)
    return docs, pairs, stories


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus_dir")
    ap.add_argument("report", help="scan --format jsonl with --date-field date --source-field source")
    ap.add_argument("--plain", help="the same scan without metadata flags, for recall")
    args = ap.parse_args()

    texts, meta = {}, {}
    with open(os.path.join(args.corpus_dir, "corpus.jsonl")) as f:
        for line in f:
            o = json.loads(line)
            texts[o["id"]] = o["text"]
            meta[o["id"]] = (o.get("date"), o.get("source"))
    footers = {}
    with open(os.path.join(args.corpus_dir, "footers.jsonl")) as f:
        for line in f:
            o = json.loads(line)
            footers[o["source"]] = o["footer"]
    truth = {}
    with open(os.path.join(args.corpus_dir, "truth.jsonl")) as f:
        for line in f:
            o = json.loads(line)
            truth[frozenset((o["a"], o["b"]))] = o

    docs, pairs, stories = load_report(args.report)
    found = {frozenset((p["a"], p["b"])): p for p in pairs}
    planted_found = [k for k in truth if k in found]
    print(f"planted pairs found: {len(planted_found)} / {len(truth)}")
    if args.plain:
        _, plain_pairs, _ = load_report(args.plain)
        plain = {frozenset((p["a"], p["b"])) for p in plain_pairs}
        print(f"  without metadata:  {sum(1 for k in truth if k in plain)} / {len(truth)};"
              f" pairs reported {len(plain_pairs)} (with metadata {len(pairs)})")

    # Pairs whose only shared text is a footer.
    def in_footer(doc, span):
        src = meta[doc][1]
        start, end = (span["start"], span["end"]) if isinstance(span, dict) else span
        text = texts[doc].encode()[start:end].decode(errors="replace")
        footer = footers.get(src, "")
        return bool(text.strip()) and " ".join(text.split()) in " ".join(footer.split())

    footer_only = []
    for p in pairs:
        if frozenset((p["a"], p["b"])) in truth or not p["passages"]:
            continue
        if all(in_footer(p["a"], x["a"]) and in_footer(p["b"], x["b"]) for x in p["passages"]):
            footer_only.append(p)
    same_source = sum(1 for p in pairs if meta[p["a"]][1] == meta[p["b"]][1])
    print(f"reported pairs whose only shared text is a source footer: {len(footer_only)}"
          f" (pairs within one source: {same_source})")
    flagged = sum(1 for p in pairs for x in p["passages"] if "boilerplate" in x)
    print(f"passages that say they hold source boilerplate: {flagged}")

    # Origins.
    dated = [0, 0]
    same_day = [0, 0, 0]  # found, decided, right
    wrong_examples = []
    for k in planted_found:
        t, p = truth[k], found[k]
        src = t["a"] if t.get("origin", "a") == "a" else t["b"]
        got = p.get("origin")
        got_doc = None if got is None else p[got]
        if meta[t["a"]][0] != meta[t["b"]][0]:
            dated[0] += 1
            dated[1] += got_doc == src
        else:
            same_day[0] += 1
            if got_doc is not None:
                same_day[1] += 1
                same_day[2] += got_doc == src
                if got_doc != src:
                    wrong_examples.append((t["kind"], p["a"], p["b"], p.get("origin_why", "")))
    if dated[0]:
        print(f"origin by date: {dated[1]} / {dated[0]} right ({100 * dated[1] / dated[0]:.2f}%)")
    if same_day[0]:
        share = 100 * same_day[1] / same_day[0]
        acc = 100 * same_day[2] / same_day[1] if same_day[1] else float("nan")
        print(f"same-day planted pairs found: {same_day[0]}; the texts decide {same_day[1]} ({share:.1f}%),"
              f" {same_day[2]} right ({acc:.1f}%)")
    by_kind = {}
    for k in planted_found:
        t, p = truth[k], found[k]
        if meta[t["a"]][0] != meta[t["b"]][0]:
            continue
        e = by_kind.setdefault(t["kind"], [0, 0, 0])
        e[0] += 1
        if p.get("origin") is not None:
            e[1] += 1
            e[2] += p[p["origin"]] == t["a"]
    for kind, (n, d, r) in sorted(by_kind.items()):
        print(f"  {kind:12} same-day found {n:4}  decided {d:4}  right {r:4}")
    for ex in wrong_examples[:5]:
        print("  wrong:", ex)

    # Stories: is the planted source the parent of its copy?
    parent = {}
    for s in stories:
        for m in s["members"]:
            parent[m["id"]] = m["from"]
    right = total = 0
    for k in planted_found:
        t = truth[k]
        if parent.get(t["b"]) == t["a"] or parent.get(t["a"]) == t["b"]:
            total += 1
            right += parent.get(t["b"]) == t["a"]
    if stories:
        print(f"stories: {len(stories)}; planted pairs that are a tree edge: {total}, pointing the planted way: {right}")


if __name__ == "__main__":
    main()
