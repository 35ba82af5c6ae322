"""Compares the Spark job's output with `reprint scan --format json`.

Usage: compare.py NAME SCAN.json SPARK_OUTPUT_DIR
Prints one line per check and, last, `NAME: N passed, M failed`; exits 1
if any check failed.
"""

import glob
import json
import os
import sys


def read_parts(directory):
    out = []
    for part in sorted(glob.glob(os.path.join(directory, "part-*"))):
        with open(part, encoding="utf-8") as f:
            out.extend(json.loads(line) for line in f if line.strip())
    return out


def main(name, scan_path, spark_dir):
    with open(scan_path, encoding="utf-8") as f:
        scan = json.load(f)
    pairs = read_parts(os.path.join(spark_dir, "pairs.jsonl"))
    clusters = read_parts(os.path.join(spark_dir, "clusters.jsonl"))
    checks = []

    def check(what, ok, detail=""):
        checks.append(ok)
        print("%s %s: %s%s" % ("ok  " if ok else "FAIL", name, what, "" if ok else " (" + detail + ")"))

    want = scan["pairs"]
    check("at least one pair", len(want) > 0, "scan found none: the comparison would prove nothing")
    check("same number of pairs", len(pairs) == len(want), "spark %d, scan %d" % (len(pairs), len(want)))
    key = lambda p: (p["a"], p["b"])
    got_by, want_by = {key(p): p for p in pairs}, {key(p): p for p in want}
    missing = sorted(set(want_by) - set(got_by))
    extra = sorted(set(got_by) - set(want_by))
    check("same pairs", not missing and not extra, "missing %s, extra %s" % (missing[:3], extra[:3]))
    scores = ("kind", "jaccard", "containment_a", "containment_b")
    differ = [k for k in want_by if k in got_by and any(want_by[k][s] != got_by[k][s] for s in scores)]
    check("same kinds and scores", not differ, "differ: %s" % differ[:3])
    differ = [k for k in want_by if k in got_by and want_by[k]["passages"] != got_by[k]["passages"]]
    check("same passages", not differ, "differ: %s" % differ[:3])
    check("same pair order", [key(p) for p in pairs] == [key(p) for p in want], "order differs")
    check("same clusters", clusters == scan["clusters"], "spark %d, scan %d" % (len(clusters), len(scan["clusters"])))
    passed = sum(checks)
    print("%s: %d passed, %d failed" % (name, passed, len(checks) - passed))
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
