"""Per-step figures of a reprint_spark.py run, from Spark's event log.

Usage: eventlog.py EVENT_LOG [--markdown]

Run the job with --conf spark.eventLog.enabled=true --conf
spark.eventLog.dir=DIR; EVENT_LOG is what it writes there (a file, or
Spark 4's eventlog_v2_* directory; zstd-compressed files, Spark 4's
default, are read through the zstd program, else add --conf
spark.eventLog.compress=false). The job
names its Spark jobs after its steps (read, sketch, exact, candidates,
align, cluster, write), so the stages are summed per step: wall time of
the step's jobs, task time (executor run time, which includes time waiting
on Python workers and on reprint), JVM CPU time, input read, shuffle
written and read (bytes and records), spill, and the largest peak
execution memory of a task.
"""

import collections
import glob
import json
import os
import re
import shutil
import subprocess
import sys

STEPS = ["read", "sketch", "exact", "candidates", "align", "cluster", "write"]


def human(n):
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return ("%.0f %s" if unit == "B" else "%.1f %s") % (n, unit)
        n /= 1000.0


def event_lines(path):
    if os.path.isdir(path):
        files = glob.glob(os.path.join(path, "events_*"))
        files.sort(key=lambda f: int(re.match(r"events_(\d+)_", os.path.basename(f)).group(1)))
        if not files:
            sys.exit("%s: no events_* files in it" % path)
    else:
        files = [path]
    for name in files:
        if name.endswith((".zstd", ".zst")):
            if not shutil.which("zstd"):
                sys.exit("%s: zstd-compressed and no zstd program (apt-get install zstd, or run the job "
                         "with --conf spark.eventLog.compress=false)" % name)
            text = subprocess.run(["zstd", "-dcq", name], check=True, capture_output=True).stdout.decode("utf-8")
            yield from text.splitlines()
        elif name.endswith((".lz4", ".snappy", ".lzf")):
            sys.exit("%s: compressed with a codec this script does not read (use zstd or none)" % name)
        else:
            with open(name, encoding="utf-8") as f:
                yield from f


def read(path):
    job_step = {}
    stage_step = {}
    job_times = {}
    totals = collections.defaultdict(lambda: collections.Counter())
    peaks = collections.Counter()
    for line in event_lines(path):
        e = json.loads(line)
        kind = e.get("Event")
        if kind == "SparkListenerJobStart":
            step = (e.get("Properties") or {}).get("spark.job.description") or "(none)"
            job_step[e["Job ID"]] = step
            job_times[e["Job ID"]] = [e["Submission Time"], None]
            for s in e["Stage IDs"]:
                stage_step.setdefault(s, step)
        elif kind == "SparkListenerJobEnd":
            job_times[e["Job ID"]][1] = e["Completion Time"]
        elif kind == "SparkListenerTaskEnd":
            m = e.get("Task Metrics")
            if not m:
                continue
            step = stage_step.get(e["Stage ID"], "(none)")
            t = totals[step]
            t["tasks"] += 1
            t["run_ms"] += m.get("Executor Run Time", 0)
            t["cpu_ns"] += m.get("Executor CPU Time", 0)
            t["input"] += m.get("Input Metrics", {}).get("Bytes Read", 0)
            w = m.get("Shuffle Write Metrics", {})
            t["shuffle_write"] += w.get("Shuffle Bytes Written", 0)
            t["shuffle_write_records"] += w.get("Shuffle Records Written", 0)
            r = m.get("Shuffle Read Metrics", {})
            t["shuffle_read"] += r.get("Remote Bytes Read", 0) + r.get("Local Bytes Read", 0)
            t["shuffle_read_records"] += r.get("Total Records Read", 0)
            t["spill_memory"] += m.get("Memory Bytes Spilled", 0)
            t["spill_disk"] += m.get("Disk Bytes Spilled", 0)
            peaks[step] = max(peaks[step], m.get("Peak Execution Memory", 0))
    wall = collections.Counter()
    for job, (start, end) in job_times.items():
        if end is not None:
            wall[job_step[job]] += end - start
    return totals, peaks, wall


def main(argv):
    if not argv:
        sys.exit(__doc__)
    totals, peaks, wall = read(argv[0])
    steps = [s for s in STEPS if s in totals] + sorted(s for s in totals if s not in STEPS)
    header = ["step", "jobs wall s", "task s", "JVM CPU s", "input", "shuffle write", "records",
              "shuffle read", "spill (disk)", "peak task mem"]
    rows = []
    for s in steps:
        t = totals[s]
        rows.append([
            s, "%.1f" % (wall[s] / 1000.0), "%.1f" % (t["run_ms"] / 1000.0), "%.1f" % (t["cpu_ns"] / 1e9),
            human(t["input"]), human(t["shuffle_write"]), "{:,}".format(t["shuffle_write_records"]),
            human(t["shuffle_read"]), human(t["spill_disk"]), human(peaks[s]),
        ])
    all_t = sum((totals[s] for s in steps), collections.Counter())
    rows.append(["total", "%.1f" % (sum(wall.values()) / 1000.0), "%.1f" % (all_t["run_ms"] / 1000.0),
                 "%.1f" % (all_t["cpu_ns"] / 1e9), human(all_t["input"]), human(all_t["shuffle_write"]),
                 "{:,}".format(all_t["shuffle_write_records"]), human(all_t["shuffle_read"]),
                 human(all_t["spill_disk"]), human(max(peaks.values() or [0]))])
    if "--markdown" in argv:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
        for r in [header] + rows:
            print("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
