#!/usr/bin/env bash
# One command for the comparison of reprint with datasketch, rensa and gaoya.
#
#   benches/compare/run.sh [--docs N] [--repeat R] [--thresholds 0.5,0.8] [--tools LIST]
#
# 1. makes a Python virtual environment in target/compare-venv and installs
#    the peers pinned in benches/compare/requirements.txt (a peer that fails
#    to install is reported and left out);
# 2. generates target/bench-corpus/cN/ with benches/gen_corpus.py (--seed 1)
#    unless it is there already;
# 3. builds reprint (cargo build --release);
# 4. runs benches/compare/compare.py bench: every tool at every threshold, in
#    its own subprocess under /usr/bin/time (GNU time), best of R runs, then
#    scores every run's pairs against the planted truth with exact Jaccard,
#    and prints a markdown table (also saved as target/bench-corpus/cN/compare.table.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=10000
repeat=2
thresholds=0.5,0.8
tools=datasketch,rensa,gaoya,reprint
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) docs=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --thresholds) thresholds=$2; shift 2 ;;
    --tools) tools=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required: apt-get install time" >&2; exit 2; }

venv=target/compare-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
have=""
for t in ${tools//,/ }; do
  if [ "$t" = reprint ]; then have="$have,reprint"; continue; fi
  pin=$(grep -E "^$t==" benches/compare/requirements.txt || echo "$t")
  if "$venv/bin/python" -m pip install -q "$pin" && "$venv/bin/python" -c "import $t" 2>/dev/null; then
    have="$have,$t"
  else
    echo "warning: $pin did not install or import; left out of the comparison" >&2
  fi
done
have=${have#,}

dir=target/bench-corpus/c$docs
if [ ! -s "$dir/corpus.jsonl" ] || [ ! -s "$dir/truth.jsonl" ]; then
  python3 benches/gen_corpus.py --docs "$docs" --seed 1 --out "$dir" >/dev/null
fi
cargo build --release --quiet

{
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
       "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM; load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  "$venv/bin/python" benches/compare/compare.py bench --corpus "$dir" --repeat "$repeat" \
    --thresholds "$thresholds" --tools "$have" --reprint target/release/reprint
} | tee "$dir/compare.table.md"
