#!/usr/bin/env python3
"""Which of PAN 2013's listed pairs a scan reports.

    python3 benches/pan_scan.py PAN_DIR REPORT.jsonl

REPORT.jsonl is `reprint scan PAN.jsonl --format jsonl` over every file of
PAN_DIR/susp and PAN_DIR/src with ids = file names (the one-liner that
writes PAN.jsonl is in docs/reuse-path-measurements.md). Prints, per
subset, how many listed pairs with a plagiarism case the scan reports, and
how many case-free pairs (01, and 05's pairs without a case) it reports:
the issue's scan-recall table.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET


def main():
    pan, report = sys.argv[1], sys.argv[2]
    reported = set()
    with open(report) as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "pair":
                reported.add(frozenset((r["a"], r["b"])))
    rows = []
    for subset in sorted(os.listdir(pan)):
        pairs = os.path.join(pan, subset, "pairs")
        if not os.path.isdir(os.path.join(pan, subset)) or not os.path.exists(pairs):
            continue
        cases = free = found_cases = found_free = 0
        for line in open(pairs):
            susp, src = line.split()
            xml = os.path.join(pan, subset, f"{susp[:-4]}-{src[:-4]}.xml")
            has_case = os.path.exists(xml) and any(
                f.get("name") == "plagiarism" for f in ET.parse(xml).getroot().iter("feature")
            )
            hit = frozenset((susp, src)) in reported
            if has_case:
                cases += 1
                found_cases += hit
            else:
                free += 1
                found_free += hit
        rows.append((subset, found_cases, cases, found_free, free))
    print(f"{'subset':30} {'reported':>12} {'case-free reported':>20}")
    for subset, fc, c, ff, f in rows:
        print(f"{subset:30} {fc:>5} / {c:<5} {ff:>9} / {f:<5}")
    print(f"pairs in report: {len(reported)}")


if __name__ == "__main__":
    main()
