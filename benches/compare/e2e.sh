#!/usr/bin/env bash
# reprint's whole near-duplicate scan, passages and JSON report included,
# against gaoya's fastest run (2 threads, sketch + index + query), on one
# corpus, with the corpus file's pages evicted (cold) and read once before
# (warm): issue 18's measure.
#
#   benches/compare/e2e.sh [--docs N] [--repeat R] [--threshold T] [--corpus FILE]
#
# Needs what run.sh needs (it makes target/compare-venv with gaoya if it is
# missing). Cold runs evict only the corpus file from the page cache
# (posix_fadvise DONTNEED), not the machine's whole cache. Each run is one
# process under GNU time: wall, user and system seconds and peak RSS; the
# ratio is gaoya's best wall time over reprint's best, per cache state.
# reprint's runs add --timings, so its JSON report also says wall and CPU
# seconds per stage (printed below the table).
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=100000
repeat=3
T=0.5
corpus=""
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) docs=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --threshold) T=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }
if [ -z "$corpus" ]; then
  corpus=target/bench-corpus/c$docs/corpus.jsonl
  [ -s "$corpus" ] || python3 benches/gen_corpus.py --docs "$docs" --seed 1 --out "$(dirname "$corpus")" >/dev/null
fi
venv=target/compare-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import gaoya" 2>/dev/null ||
  "$venv/bin/python" -m pip install -q "$(grep -E '^gaoya==' benches/compare/requirements.txt)"
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cache() {  # cold: evict the corpus's pages; warm: read it once
  if [ "$1" = cold ]; then
    python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$corpus"
  else
    cat "$corpus" >/dev/null
  fi
}
run() {  # name cache-state command...: appends "name state wall user sys KB" to $out/runs
  local name=$1 state=$2; shift 2
  cache "$state"
  /usr/bin/time -f "%e %U %S %M" -o "$out/t" "$@" >/dev/null 2>"$out/err" || [ $? -eq 1 ] ||
    { cat "$out/err" >&2; exit 1; }
  echo "$name $state $(tail -1 "$out/t")" >>"$out/runs"
  echo "  $name $state: $(tail -1 "$out/t") (wall user sys KB), load $(cut -d' ' -f1 /proc/loadavg)" >&2
}
echo "# $corpus: $(wc -l <"$corpus") documents, $(($(stat -c %s "$corpus") / 1000000)) MB; load average at start $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq "$repeat"); do
  for state in cold warm; do
    run gaoya "$state" env RAYON_NUM_THREADS=2 "$venv/bin/python" benches/compare/compare.py run gaoya \
      --corpus "$corpus" --threshold "$T" --bands 32 --out "$out/gaoya.tsv"
    run reprint "$state" target/release/reprint scan "$corpus" --mode near --threshold "$T" \
      --format json --timings -q -o "$out/reprint-$state.json"
  done
done
python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
best = {}
for line in open(f"{out}/runs"):
    name, state, wall, user, sys_, kb = line.split()
    row = (float(wall), float(user), float(sys_), int(kb))
    if (name, state) not in best or row[0] < best[(name, state)][0]:
        best[(name, state)] = row
print("| tool | cache | wall s | user s | sys s | peak RSS MiB | gaoya wall / reprint wall |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for state in ("cold", "warm"):
    for name in ("gaoya", "reprint"):
        w, u, s, kb = best[(name, state)]
        ratio = best[("gaoya", state)][0] / w if name == "reprint" else ""
        print(f"| {name} | {state} | {w:.2f} | {u:.2f} | {s:.2f} | {kb / 1024:.0f} | "
              f"{f'{ratio:.1f}x' if ratio else ''} |")
for state in ("cold", "warm"):
    stats = json.load(open(f"{out}/reprint-{state}.json"))["stats"]
    wall, cpu = stats["seconds"], stats.get("cpu_seconds", {})
    print(f"\nreprint, {state} (last run), seconds by stage, wall / CPU: " + ", ".join(
        f"{k} {wall[k]:.2f} / {cpu.get(k, 0):.2f}" for k in wall if wall[k] >= 0.005))
EOF
