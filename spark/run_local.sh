#!/usr/bin/env bash
# Runs the Spark job locally (local[2]) on the seeds and on a generated
# corpus, and checks it gives what `reprint scan --format json` gives.
# Prints `spark: N passed, M failed`; exits 1 on any failure.
#
# Environment: SPARK_VENV (default target/spark-venv), SPARK_GEN_DOCS
# (documents of the generated corpus, default 2000; 0 skips it),
# SPARK_MASTER (default local[2]).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv=${SPARK_VENV:-$root/target/spark-venv}
docs=${SPARK_GEN_DOCS:-2000}
master=${SPARK_MASTER:-local[2]}
work=$root/target/spark-local
mkdir -p "$work"

java -version >/dev/null 2>&1 || { echo "spark: java is not installed (Spark needs Java 17)"; exit 1; }
if ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pyspark
fi
cargo build --release --quiet
reprint=$root/target/release/reprint

# The seeds as JSONL; a generated corpus.
python3 - "$work/seeds.jsonl" fixtures/seeds/*.txt <<'PY'
import json, sys
with open(sys.argv[1], "w", encoding="utf-8") as out:
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            out.write(json.dumps({"id": path, "text": f.read()}) + "\n")
PY
corpora=(seeds)
if [ "$docs" -gt 0 ]; then
    if [ ! -s "$work/gen$docs/corpus.jsonl" ]; then
        python3 benches/gen_corpus.py --docs "$docs" --seed 1 --out "$work/gen$docs" >/dev/null
    fi
    cp "$work/gen$docs/corpus.jsonl" "$work/gen.jsonl"
    corpora+=(gen)
fi

passed=0
failed=0
export PYSPARK_PYTHON="$venv/bin/python"
for name in "${corpora[@]}"; do
    input=$work/$name.jsonl
    start=$(date +%s.%N)
    "$reprint" scan "$input" --format json -q -o "$work/$name.scan.json" || [ $? -eq 1 ]
    middle=$(date +%s.%N)
    "$venv/bin/spark-submit" --master "$master" --driver-memory 2g \
        --conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=8 \
        spark/reprint_spark.py --input "$input" --output "$work/$name.out" --reprint "$reprint" \
        2>"$work/$name.spark.log"
    end=$(date +%s.%N)
    python3 -c 'import sys; n, a, b, c = sys.argv[1:]; print("%s: scan %.1f s, spark %.1f s" % (n, float(b) - float(a), float(c) - float(b)))' \
        "$name" "$start" "$middle" "$end"
    set +e
    result=$(python3 spark/compare.py "$name" "$work/$name.scan.json" "$work/$name.out")
    set -e
    echo "$result" | grep -v '^ok' || true
    line=$(echo "$result" | tail -n 1)
    passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.*, ([0-9]+) failed/\1/')))
done
echo "spark: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
