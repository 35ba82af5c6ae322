"""Compares the Spark job's output with `reprint scan --format jsonl`.

Usage: compare.py NAME SCAN.jsonl SPARK_OUTPUT_DIR

Checks, strictly: the same pair lines in the same order (equal as JSON
values, every field: ids, kind, scores, passages with their edits, origins
when dated, and byte for byte), the same cluster lines in the same order,
the summary's counts and parameters against scan's, when the job wrote
documents.jsonl (with dates or sources) the same document lines, and,
when the job wrote Parquet, the Parquet tables against the JSONL. Prints one line per check and, last,
`NAME: N passed, M failed`; exits 1 if any check failed, and 2 if an
output is missing or unreadable (the message names the file).
"""

import glob
import json
import os
import sys


class Missing(Exception):
    pass


def read_lines(directory):
    parts = sorted(glob.glob(os.path.join(directory, "part-*")))
    if not os.path.isdir(directory) or not os.path.exists(os.path.join(directory, "_SUCCESS")):
        raise Missing("%s: missing or incomplete (no _SUCCESS)" % directory)
    out = []
    for part in parts:
        with open(part, encoding="utf-8") as f:
            out.extend(line.rstrip("\n") for line in f if line.strip())
    return out


def parse(lines, where):
    out = []
    for n, line in enumerate(lines, 1):
        try:
            out.append(json.loads(line))
        except ValueError as e:
            raise Missing("%s: line %d is not JSON: %s" % (where, n, e))
    return out


def first_difference(got, want):
    """Where two JSON values first differ, as a path."""
    if type(got) is not type(want):
        return "%r != %r" % (got, want)
    if isinstance(got, dict):
        for k in sorted(set(got) | set(want)):
            if k not in got:
                return "%s: missing" % k
            if k not in want:
                return "%s: extra" % k
            if got[k] != want[k]:
                return "%s.%s" % (k, first_difference(got[k], want[k]))
    if isinstance(got, list):
        if len(got) != len(want):
            return "length %d != %d" % (len(got), len(want))
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                return "[%d].%s" % (i, first_difference(g, w))
    return "%r != %r" % (got, want)


def read_parquet(path):
    import pyarrow.parquet as pq

    if not os.path.exists(os.path.join(path, "_SUCCESS")):
        raise Missing("%s: missing or incomplete (no _SUCCESS)" % path)
    return pq.read_table(path).to_pylist()


def main(name, scan_path, spark_dir):
    scan_lines = []
    with open(scan_path, encoding="utf-8") as f:
        scan_lines = [line.rstrip("\n") for line in f if line.strip()]
    scan = parse(scan_lines, scan_path)
    want_lines = [line for line, r in zip(scan_lines, scan) if r["type"] == "pair"]
    want = [r for r in scan if r["type"] == "pair"]
    want_clusters = [r for r in scan if r["type"] == "cluster"]
    stats = next(r for r in scan if r["type"] == "stats")
    scan_params = next(r for r in scan if r["type"] == "params")

    pairs_dir = os.path.join(spark_dir, "pairs.jsonl")
    got_lines = read_lines(pairs_dir)
    got = parse(got_lines, pairs_dir)
    clusters_dir = os.path.join(spark_dir, "clusters.jsonl")
    clusters = parse(read_lines(clusters_dir), clusters_dir)
    summary_path = os.path.join(spark_dir, "summary.json")
    try:
        with open(summary_path, encoding="utf-8") as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        raise Missing("%s: %s" % (summary_path, e))

    checks = []

    def check(what, ok, detail=""):
        checks.append(ok)
        print("%s %s: %s%s" % ("ok  " if ok else "FAIL", name, what, "" if ok else " (" + detail + ")"))

    check("scan found pairs", len(want) > 0, "scan found none: the comparison would prove nothing")
    check("same number of pairs", len(got) == len(want), "spark %d, scan %d" % (len(got), len(want)))
    key = lambda p: (p["a"], p["b"])
    got_by, want_by = {key(p): p for p in got}, {key(p): p for p in want}
    missing = sorted(set(want_by) - set(got_by))
    extra = sorted(set(got_by) - set(want_by))
    check("same pairs", not missing and not extra, "missing %s, extra %s" % (missing[:3], extra[:3]))
    scores = ("kind", "jaccard", "containment_a", "containment_b", "budget_exhausted")
    differ = [k for k in want_by if k in got_by and any(want_by[k].get(s) != got_by[k].get(s) for s in scores)]
    check("same kinds and scores", not differ,
          "%d differ, first %s: %s" % (len(differ), differ[:1], differ and first_difference(got_by[differ[0]], want_by[differ[0]])))
    differ = [k for k in want_by if k in got_by and want_by[k] != got_by[k]]
    check("same pair objects (passages and edits included)", not differ,
          "%d differ, first %s: %s" % (len(differ), differ[:1], differ and first_difference(got_by[differ[0]], want_by[differ[0]])))
    check("same pair order", [key(p) for p in got] == [key(p) for p in want], "order differs")
    check("pair lines byte for byte", got_lines == want_lines,
          "first differing line %s" % next((i + 1 for i, (g, w) in enumerate(zip(got_lines, want_lines)) if g != w), "-"))
    check("same clusters", clusters == want_clusters,
          "spark %d, scan %d; %s" % (len(clusters), len(want_clusters), first_difference(clusters, want_clusters)))
    counts = {k: (summary.get(k), stats.get(k))
              for k in ("documents", "skipped", "warnings", "exact_duplicates", "candidates", "pairs", "clusters")}
    check("summary counts", all(a == b for a, b in counts.values()), "spark, scan: %s" % counts)
    documents_dir = os.path.join(spark_dir, "documents.jsonl")
    if os.path.isdir(documents_dir):
        # Written with dates or sources: scan's document lines, in order.
        documents = parse(read_lines(documents_dir), documents_dir)
        want_documents = [r for r in scan if r["type"] == "document"]
        check("same document lines (dates and publishers)", documents == want_documents,
              "spark %d, scan %d; %s" % (len(documents), len(want_documents), first_difference(documents, want_documents)))
        origins = [p for p in want if p.get("origin_evidence") == "date"]
        check("scan decided an origin by date", len(origins) > 0, "none: the comparison would prove little")
    resolved = {k: v for k, v in scan_params.items() if k not in ("type", "schema")}
    check("same parameters", summary.get("params") == resolved, first_difference(summary.get("params"), resolved))

    if os.path.isdir(os.path.join(spark_dir, "pairs.parquet")):
        table = read_parquet(os.path.join(spark_dir, "pairs.parquet"))
        as_json = []
        for row in table:
            row = dict(row)
            row["passages"] = json.loads(row.pop("passages_json"))
            as_json.append(row)
        plain = [{k: v for k, v in p.items() if k != "type"} for p in got]
        check("Parquet pairs = JSONL pairs", as_json == plain,
              "%d rows, %d lines; %s" % (len(as_json), len(plain), first_difference(as_json, plain)))
        table = read_parquet(os.path.join(spark_dir, "clusters.parquet"))
        plain = [{k: v for k, v in c.items() if k != "type"} for c in clusters]
        check("Parquet clusters = JSONL clusters", table == plain, first_difference(table, plain))

    passed = sum(checks)
    print("%s: %d passed, %d failed" % (name, passed, len(checks) - passed))
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        sys.exit(main(*sys.argv[1:4]))
    except Missing as e:
        print("FAIL %s: %s" % (sys.argv[1], e))
        print("%s: 0 passed, 1 failed" % sys.argv[1])
        sys.exit(2)
