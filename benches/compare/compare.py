#!/usr/bin/env python3
"""Compare reprint's near-duplicate scan with datasketch, rensa and gaoya.

    compare.py bench --corpus DIR [--thresholds 0.5,0.8] [--repeat 2]
                     [--tools datasketch,rensa,gaoya,reprint] [--threads 1,2]
                     [--reprint target/release/reprint] [--out DIR]
    compare.py run TOOL --corpus DIR/corpus.jsonl --threshold T --bands B
                   --out PAIRS.tsv [--stages STAGES.json]

`bench` is the driver. It runs every (tool, threshold, threads) in its own
subprocess under GNU time (`/usr/bin/time -f '%e %M'`: wall seconds and
peak RSS in KiB), `--repeat` times, and keeps the fastest run. The
measured subprocess is `compare.py run TOOL ...` for a peer (Python start,
reading the JSONL, tokenising, sketching, LSH, and writing the pairs are
all inside the timing) and the reprint binary itself for reprint. After
all runs it scores each run's pairs with one function:

- exact Jaccard of a pair = Jaccard of the two documents' sets of word
  5-grams, words being `text.lower().split()` (`shingles5` of
  benches/gen_corpus.py, the definition the planted truth uses);
- precision = share of reported pairs whose exact Jaccard >= T;
- recall = share of planted pairs (truth.jsonl) whose exact Jaccard >= T
  that the run reported.

Settings common to every tool: word 5-grams, 128 MinHash slots, threshold
T. Peers use LSH with B bands of 128/B rows (rensa accepts only bands that
divide 128) and keep a candidate pair when the tool's own MinHash estimate
of its Jaccard is >= T. reprint chooses its own bands and rows from T
(printed in the table) and keeps a candidate when its exact Jaccard, on its
own tokens, is >= T; a `reprint (B bands)` row runs it with the peers'
banding too. Threads: RAYON_NUM_THREADS for rensa and gaoya (both use
rayon), `--threads` for reprint; datasketch is single-threaded Python.

Tokenisation, per tool (as equal as each tool allows):
- datasketch, rensa: `text.lower().split()` in Python, shingles joined
  with one space (exactly the truth's definition), fed as bytes
  (datasketch) or str (rensa).
- gaoya: its built-in Rust analyzer (`analyzer='word', lowercase=True,
  ngram_range=(5, 5)`): Unicode lower-casing, then split on ASCII
  white space *and ASCII punctuation*, empty pieces dropped. A callable
  Python analyzer would give the truth's tokens exactly but makes gaoya
  insert on one thread (`bulk_insert_tokens`), so the fast path is used.
- reprint: Unicode word segmentation (UAX #29), NFKC, lower-casing,
  punctuation dropped; not configurable.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # benches/, for gen_corpus
from gen_corpus import jaccard, shingles5  # noqa: E402

NUM_PERM = 128
SEED = 1


# ----------------------------------------------------------------------------
# the measured side: one tool, one threshold, pairs out
# ----------------------------------------------------------------------------
def read_corpus(path):
    ids, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            ids.append(o["id"])
            texts.append(o["text"])
    return ids, texts


def shingle_lists(texts):
    """The truth's 5-gram definition, one list per document, made lazily so
    that only one document's shingles are alive at a time (sets are not
    needed: MinHash takes minima, so repeats change nothing)."""
    for t in texts:
        w = t.lower().split()
        if len(w) < 5:
            yield [" ".join(w)] if w else []
        else:
            yield list(map(" ".join, zip(w, w[1:], w[2:], w[3:], w[4:])))


def run_datasketch(texts, threshold, bands, stages):
    from datasketch import MinHash, MinHashLSH

    t = time.perf_counter()
    mhs = MinHash.bulk(([s.encode("utf-8") for s in doc] for doc in shingle_lists(texts)),
                       num_perm=NUM_PERM, seed=SEED)
    stages["shingle+sketch"] = time.perf_counter() - t
    t = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=(bands, NUM_PERM // bands))
    with lsh.insertion_session() as session:
        for i, m in enumerate(mhs):
            session.insert(i, m, check_duplication=False)
    pairs = []
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            if j > i and m.jaccard(mhs[j]) >= threshold:
                pairs.append((i, j))
    stages["lsh+filter"] = time.perf_counter() - t
    return pairs


def run_rensa(texts, threshold, bands, stages):
    from rensa import RMinHash, RMinHashLSH

    t = time.perf_counter()
    mhs = RMinHash.from_token_sets(shingle_lists(texts), num_perm=NUM_PERM, seed=SEED)
    stages["shingle+sketch"] = time.perf_counter() - t
    t = time.perf_counter()
    lsh = RMinHashLSH(threshold=threshold, num_perm=NUM_PERM, num_bands=bands)
    lsh.insert_many(mhs, 0)
    cands = lsh.query_all(mhs)
    pairs = []
    for i, cs in enumerate(cands):
        m = mhs[i]
        for j in cs:
            if j > i and m.jaccard(mhs[j]) >= threshold:
                pairs.append((i, j))
    stages["lsh+filter"] = time.perf_counter() - t
    return pairs


def run_gaoya(texts, threshold, bands, stages):
    from gaoya.minhash import MinHashStringIndex

    t = time.perf_counter()
    index = MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=threshold,
        num_bands=bands,
        band_size=NUM_PERM // bands,
        analyzer="word",
        lowercase=True,
        ngram_range=(5, 5),
        id_container="smallvec",
    )
    index.par_bulk_insert_docs(list(range(len(texts))), texts)
    stages["sketch+insert"] = time.perf_counter() - t
    t = time.perf_counter()
    res = index.par_bulk_query(texts, return_similarity=True)
    pairs = [(i, j) for i, r in enumerate(res) for j, s in r if j > i and s >= threshold]
    stages["query+filter"] = time.perf_counter() - t
    return pairs


PEERS = {"datasketch": run_datasketch, "rensa": run_rensa, "gaoya": run_gaoya}


def cmd_run(args):
    stages = {}
    t = time.perf_counter()
    ids, texts = read_corpus(args.corpus)
    stages["read"] = time.perf_counter() - t
    pairs = PEERS[args.tool](texts, args.threshold, args.bands, stages)
    with open(args.out, "w", encoding="utf-8") as f:
        for i, j in pairs:
            f.write(f"{ids[i]}\t{ids[j]}\n")
    if args.stages:
        with open(args.stages, "w") as f:
            json.dump(stages, f)


# ----------------------------------------------------------------------------
# the driver
# ----------------------------------------------------------------------------
def timed(cmd, env):
    """Runs cmd under GNU time; returns (wall seconds, peak RSS KiB, exit code).

    Wall time is taken here with perf_counter (GNU time's %e has 10 ms
    steps, too coarse for sub-second runs); it includes starting GNU time
    itself, about a millisecond, the same for every tool."""
    tfile = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"compare-time-{os.getpid()}.txt")
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", tfile] + cmd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - start
    with open(tfile) as f:
        last = f.read().strip().splitlines()[-1]
    _, kb = last.split()
    return secs, int(kb), p.returncode, p.stderr


def version_of(tool, python):
    if tool == "reprint":
        return ""
    out = subprocess.run([python, "-c", f"import importlib.metadata as m; print(m.version('{tool}'))"],
                         capture_output=True, text=True)
    return out.stdout.strip()


def read_reprint_pairs(path):
    pairs, params, stats = [], {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            if o["type"] == "pair" and o["kind"] in ("exact", "near-duplicate"):
                pairs.append((o["a"], o["b"]))
            elif o["type"] == "params":
                params = o
            elif o["type"] == "stats":
                stats = o
    return pairs, params, stats


def cmd_bench(args):
    corpus = os.path.join(args.corpus, "corpus.jsonl")
    truth_path = os.path.join(args.corpus, "truth.jsonl")
    nbytes = os.path.getsize(corpus)
    ndocs = sum(1 for _ in open(corpus, "rb"))
    out = args.out or os.path.join(args.corpus, "compare")
    os.makedirs(out, exist_ok=True)
    thresholds = [float(x) for x in args.thresholds.split(",")]
    threads = [int(x) for x in args.threads.split(",")]
    tools = args.tools.split(",")
    bands_for = {0.5: 32, 0.8: 16}

    load = os.getloadavg()
    print(f"# corpus {corpus}: {ndocs} documents, {nbytes / 1e6:.1f} MB JSONL; load average at start "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", file=sys.stderr)

    runs = []  # dicts
    for T in thresholds:
        bands = bands_for.get(T) or args.bands
        jobs = []
        for tool in tools:
            if tool == "datasketch":
                jobs.append((tool, 1, None, False))
            elif tool in ("rensa", "gaoya"):
                jobs += [(tool, n, None, False) for n in threads]
            elif tool == "reprint":
                jobs += [(tool, n, None, False) for n in threads]
                # Scores only, like the peers: no passages aligned.
                jobs += [(tool, n, None, True) for n in threads]
                jobs.append((tool, max(threads), bands, False))
        default_banding = None
        for tool, n, rb, scores_only in jobs:
            if rb is not None and default_banding == f"{rb}x{NUM_PERM // rb}":
                continue  # reprint already chose the peers' banding
            name = f"{tool}" if rb is None else f"{tool} ({rb}x{NUM_PERM // rb})"
            name += " --no-passages" if scores_only else ""
            tag = f"{tool}-{T}-{n}" + ("" if rb is None else f"-b{rb}") + ("-np" if scores_only else "")
            pairs_file = os.path.join(out, tag + (".jsonl" if tool == "reprint" else ".tsv"))
            stages_file = os.path.join(out, tag + ".stages.json")
            env = dict(os.environ, RAYON_NUM_THREADS=str(n), OMP_NUM_THREADS=str(n),
                       OPENBLAS_NUM_THREADS=str(n), MKL_NUM_THREADS=str(n))
            if tool == "reprint":
                cmd = [args.reprint, "scan", corpus, "--mode", "near", "--threshold", str(T),
                       "--format", "jsonl", "--threads", str(n), "--timings", "-q", "-o", pairs_file]
                if rb is not None:
                    cmd += ["--bands", str(rb), "--rows", str(NUM_PERM // rb)]
                if scores_only:
                    cmd.append("--no-passages")
            else:
                cmd = [args.python, os.path.abspath(__file__), "run", tool, "--corpus", corpus,
                       "--threshold", str(T), "--bands", str(bands), "--out", pairs_file,
                       "--stages", stages_file]
            best = None
            for r in range(args.repeat):
                secs, kb, rc, err = timed(cmd, env)
                ok = rc == 0 or (tool == "reprint" and rc == 1)
                la = os.getloadavg()[0]
                print(f"  {name:22} T={T} threads={n} run {r + 1}: {secs:.3f} s, {kb / 1024:.0f} MiB, "
                      f"exit {rc}, load {la:.2f}", file=sys.stderr)
                if not ok:
                    print(err[-2000:], file=sys.stderr)
                    break
                if best is None or secs < best[0]:
                    best = (secs, kb)
                    # keep the stage split of the fastest run
                    if tool == "reprint":
                        _, params, stats = read_reprint_pairs(pairs_file)
                        stages = stats.get("seconds", {})
                        banding = f"{params.get('bands')}x{params.get('rows')}"
                    else:
                        with open(stages_file) as f:
                            stages = json.load(f)
                        banding = f"{bands}x{NUM_PERM // bands}"
            if best is None:
                runs.append(dict(tool=name, T=T, threads=n, failed=True))
                continue
            if tool == "reprint" and rb is None and not scores_only:
                default_banding = banding
            runs.append(dict(tool=name, T=T, threads=n, secs=best[0], kb=best[1], pairs_file=pairs_file,
                             stages=stages, banding=banding, failed=False))

    # ---- scoring: one exact-Jaccard function for every tool's pairs
    reported = {}
    for r in runs:
        if r["failed"]:
            continue
        if r["pairs_file"].endswith(".jsonl"):
            ps, _, _ = read_reprint_pairs(r["pairs_file"])
        else:
            ps = [tuple(l.rstrip("\n").split("\t")) for l in open(r["pairs_file"], encoding="utf-8")]
        r["pairs"] = {frozenset(p) for p in ps if p[0] != p[1]}
        for p in r["pairs"]:
            reported[p] = None
    truth = [json.loads(l) for l in open(truth_path, encoding="utf-8")]
    planted = {frozenset((t["a"], t["b"])) for t in truth}
    need = set()
    for p in list(reported) + list(planted):
        need |= p
    sets = {}
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            if o["id"] in need:
                sets[o["id"]] = shingles5(o["text"])
    exact = {}
    for p in set(reported) | planted:
        a, b = tuple(p)
        exact[p] = jaccard(sets[a], sets[b])
    for t in truth:  # the common function agrees with the generator's figure
        assert abs(exact[frozenset((t["a"], t["b"]))] - t["jaccard_5gram"]) < 1e-5, t

    rows = []
    for r in runs:
        if r["failed"]:
            rows.append(f"| {r['tool']} | {r['T']} | {r['threads']} | failed | | | | | | | |")
            continue
        T = r["T"]
        want = {p for p in planted if exact[p] >= T}
        good = sum(1 for p in r["pairs"] if exact[p] >= T)
        n = len(r["pairs"])
        recall = len(want & r["pairs"]) / max(len(want), 1)
        precision = good / n if n else 1.0
        st = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items()
                       if k not in ("total",) and isinstance(v, (int, float)) and v >= 0.005)
        ver = version_of(r["tool"].split()[0], args.python)
        rows.append(f"| {r['tool']}{' ' + ver if ver else ''} | {T} | {r['banding']} | {r['threads']} "
                    f"| {r['secs']:.3f} | {nbytes / 1e6 / r['secs']:.1f} | {r['kb'] / 1024:.0f} "
                    f"| {n} | {precision:.4f} | {len(want & r['pairs'])}/{len(want)} = {recall:.4f} | {st} |")
    print(f"Corpus: {ndocs} documents, {nbytes / 1e6:.1f} MB of JSONL "
          f"({os.path.relpath(corpus)}); best of {args.repeat} run(s) each.\n")
    print("| tool | T | bands x rows | threads | wall s | MB/s | peak RSS MiB | pairs | precision | recall "
          "| seconds by stage (fastest run) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(row)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("tool", choices=sorted(PEERS))
    r.add_argument("--corpus", required=True)
    r.add_argument("--threshold", type=float, required=True)
    r.add_argument("--bands", type=int, required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--stages")
    b = sub.add_parser("bench")
    b.add_argument("--corpus", required=True, help="directory with corpus.jsonl and truth.jsonl")
    b.add_argument("--thresholds", default="0.5,0.8")
    b.add_argument("--bands", type=int, default=32, help="peers' bands for a threshold other than 0.5, 0.8")
    b.add_argument("--threads", default="1,2")
    b.add_argument("--repeat", type=int, default=2)
    b.add_argument("--tools", default="datasketch,rensa,gaoya,reprint")
    b.add_argument("--reprint", default="target/release/reprint")
    b.add_argument("--python", default=sys.executable)
    b.add_argument("--out")
    args = ap.parse_args()
    cmd_run(args) if args.cmd == "run" else cmd_bench(args)


if __name__ == "__main__":
    main()
