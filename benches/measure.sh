#!/usr/bin/env bash
# End-to-end figures of `reprint scan` on a generated corpus: wall time,
# MB/s, peak RSS (and per document beyond the input text), and recall and
# precision against the planted pairs.
#
#   benches/measure.sh [DOCS] [THREADS]     (defaults: 10000 docs, 1 thread)
#
# The corpus is made by benches/gen_corpus.py (a copy of the project's
# generator, Python standard library only) under target/bench-corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${1:-10000}
threads=${2:-1}
dir=target/bench-corpus/c$docs
if [ ! -s "$dir/corpus.jsonl" ]; then
  python3 benches/gen_corpus.py --docs "$docs" --seed 1 --out "$dir" >/dev/null
fi
cargo build --release --quiet
bytes=$(stat -c %s "$dir/corpus.jsonl")
text_bytes=$(python3 -c "import json,sys; print(json.load(open('$dir/meta.json'))['text_bytes'])")
/usr/bin/time -f '%e %M' -o "$dir/time.txt" \
  target/release/reprint scan "$dir/corpus.jsonl" --format jsonl -o "$dir/report.jsonl" \
  --threads "$threads" --timings -q || [ $? -eq 1 ]
read -r secs kb < "$dir/time.txt"
python3 - "$dir" "$bytes" "$text_bytes" "$secs" "$kb" "$docs" "$threads" <<'PY'
import json, sys
d, nbytes, text, secs, kb, docs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
stats = [json.loads(l) for l in open(f"{d}/report.jsonl") if '"type":"stats"' in l][0]
print(f"corpus: {docs} documents, {nbytes/1e6:.1f} MB JSONL, {text/1e6:.1f} MB text; {threads} thread(s)")
print(f"wall {secs:.2f} s = {nbytes/1e6/secs:.0f} MB/s ({nbytes/1e6/secs/threads:.0f} MB/s per thread)")
print(f"stage seconds: {stats['seconds']}")
over = kb * 1024 - text
print(f"peak RSS {kb/1024:.1f} MiB; beyond the input text {over/1024/1024:.1f} MiB = {over/docs:.0f} B per document")
PY
python3 benches/score.py "$dir/truth.jsonl" "$dir/report.jsonl"
