#!/usr/bin/env bash
# Runs the Spark job locally and checks it gives what `reprint scan` gives
# (spark/compare.py: the same pair lines, scores, passages, clusters and
# counts), on:
#   seeds          the seeds as JSONL (also writing Parquet output, checked
#                  against the JSONL output);
#   seeds-parquet  a Parquet copy of the seeds, with other column names, as
#                  a directory of two part files;
#   bad            the seeds plus bad lines and a repeated id: both skip the
#                  same records (the job names FILE:LINE) and exit 2;
#   copies         a directory of two JSONL files: the seeds plus exact
#                  copies (a group under max_bucket and one over it) and
#                  near-duplicates that overfill LSH buckets;
#   gen            a generated corpus of SPARK_GEN_DOCS documents;
#   gen-contained  the same with --min-containment 0.2 --keep longest;
#   dated          the seeds and a republished copy with dates and sources
#                  (--date-field, --source-field; with Parquet output), bad
#                  ones among them: the same origins and document lines,
#                  and the same records named in warnings (FILE:LINE);
# and that a missing input file and a missing column are clear errors.
# Prints `spark: N passed, M failed`; exits 1 on any failure.
#
# Installs what it needs: python3-venv (Debian) when venv is missing, Java
# 17 when java is missing, and PySpark and pyarrow (pinned) into a venv.
#
# Environment: SPARK_VENV (default target/spark-venv), SPARK_GEN_DOCS
# (documents of the generated corpus, default 3000; 0 skips it),
# SPARK_MASTER (default local[2]).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv=${SPARK_VENV:-$root/target/spark-venv}
docs=${SPARK_GEN_DOCS:-3000}
master=${SPARK_MASTER:-local[2]}
work=$root/target/spark-local
pyspark_version=4.3.0
pyarrow_version=26.0.1
mkdir -p "$work"
started=$(date +%s)

apt_install() {
    echo "spark: installing $* (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if ! java -version >/dev/null 2>&1; then
    apt_install openjdk-17-jre-headless
fi
if ! "$venv/bin/python" -c "
import pyspark, pyarrow, sys
sys.exit(pyspark.__version__ != '$pyspark_version' or pyarrow.__version__ != '$pyarrow_version')" 2>/dev/null; then
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        rm -rf "$venv"
        apt_install python3-venv python3-pip
        python3 -m venv "$venv"
    fi
    echo "spark: installing pyspark $pyspark_version and pyarrow $pyarrow_version into $venv"
    "$venv/bin/pip" install --quiet "pyspark==$pyspark_version" "pyarrow==$pyarrow_version"
fi
py=$venv/bin/python
cargo build --release --quiet
reprint=$root/target/release/reprint
export PYSPARK_PYTHON="$py"

# The seeds as JSONL and as Parquet (columns doc_id, body); the seeds with
# bad records; a generated corpus.
"$py" - "$work" fixtures/seeds/*.txt <<'PY'
import json, os, shutil, sys
import pyarrow as pa, pyarrow.parquet as pq
work, paths = sys.argv[1], sys.argv[2:]
docs = []
for path in paths:
    with open(path, encoding="utf-8") as f:
        docs.append({"id": path, "text": f.read()})
with open(os.path.join(work, "seeds.jsonl"), "w", encoding="utf-8") as out:
    for d in docs:
        out.write(json.dumps(d) + "\n")
# A directory as Spark writes one: two part files (the first in two row
# groups) and a _SUCCESS marker, which is not input.
pq_dir = os.path.join(work, "seeds.parquet")
shutil.rmtree(pq_dir, ignore_errors=True)
os.makedirs(pq_dir)
for n, part in ((0, docs[:3]), (1, docs[3:])):
    table = pa.table({"doc_id": [d["id"] for d in part], "body": [d["text"] for d in part]})
    pq.write_table(table, os.path.join(pq_dir, "part-%05d.parquet" % n), row_group_size=2)
open(os.path.join(pq_dir, "_SUCCESS"), "w").close()
with open(os.path.join(work, "bad.jsonl"), "w", encoding="utf-8") as out:
    out.write(json.dumps(docs[0]) + "\n")
    out.write("{not json\n")
    out.write(json.dumps({"id": "no text"}) + "\n")
    out.write(json.dumps({"id": 7, "text": docs[1]["text"]}) + "\n")  # a numeric id
    out.write("\n")
    out.write(json.dumps({"text": docs[2]["text"]}) + "\n")  # no id: named FILE:LINE
    out.write(json.dumps({"id": docs[0]["id"], "text": docs[3]["text"]}) + "\n")  # repeated id
    out.write(json.dumps({"id": [1], "text": "an array id"}) + "\n")
    for d in docs[3:]:
        out.write(json.dumps(d) + "\n")
# Dates and sources, some of them bad (each a warning, never a skip): a
# date with an offset, a bad date, a number date, none; a number source,
# an array source, an empty one.
with open("fixtures/republished/001_republished_with_new_header_footer.txt", encoding="utf-8") as f:
    republished = f.read()
with open(os.path.join(work, "dated.jsonl"), "w", encoding="utf-8") as out:
    for d, date, site in (
        (docs[0], "2024-03-02", "alpha.example"),
        (docs[1], "2024-03-01T09:00:00+01:00", "beta.example"),
        (docs[2], "yesterday", 42),
        (docs[3], 20240301, "gamma.example"),
        (docs[4], None, ["x"]),
        ({"id": "republished", "text": republished}, " 2024-03-09T08:00:00Z ", " "),
    ):
        record = dict(d, site=site)
        if date is not None:
            record["date"] = date
        out.write(json.dumps(record) + "\n")
# Exact copies in a small group (3) and a large one (70, past max_bucket),
# and 70 near-duplicates of one seed, each one word changed, which fill LSH
# buckets past max_bucket.
words = docs[0]["text"].split(" ")
# A directory of two JSONL files, read in name order.
records = []
for i, d in enumerate(docs):
    records.append(d)
    for c in range({1: 3, 2: 70}.get(i, 0)):
        records.append({"id": "copy-%d-%d" % (i, c), "text": d["text"]})
for v in range(70):
    changed = list(words)
    changed[10 + 3 * v] = "variant%d" % v
    records.append({"id": "variant-%d" % v, "text": " ".join(changed)})
copies_dir = os.path.join(work, "copies")
shutil.rmtree(copies_dir, ignore_errors=True)
os.makedirs(copies_dir)
for name, part in (("b.jsonl", records[80:]), ("a.jsonl", records[:80])):
    with open(os.path.join(copies_dir, name), "w", encoding="utf-8") as out:
        for r in part:
            out.write(json.dumps(r) + "\n")
PY
corpora=(seeds seeds-parquet bad copies dated)
if [ "$docs" -gt 0 ]; then
    if [ ! -s "$work/gen$docs/corpus.jsonl" ]; then
        python3 benches/gen_corpus.py --docs "$docs" --seed 1 --out "$work/gen$docs" >/dev/null
    fi
    cp "$work/gen$docs/corpus.jsonl" "$work/gen.jsonl"
    corpora+=(gen gen-contained)
fi

passed=0
failed=0
pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
submit() { # LOG ARGS...: runs the job, its output (the driver's and Spark's) to LOG
    local log=$1
    shift
    "$venv/bin/spark-submit" --master "$master" --driver-memory 2g \
        --conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=8 \
        spark/reprint_spark.py "$@" >"$log" 2>&1
}

for name in "${corpora[@]}"; do
    input=$work/$name.jsonl
    scan_input=$input # scan reads the JSONL form of every corpus
    job_args=()
    flags=() # scan flags, given to both
    scan_flags=() # given to scan only (the job has its own)
    want_code=0
    case $name in
        seeds) job_args=(--parquet) ;;
        seeds-parquet)
            input=$work/seeds.parquet
            scan_input=$work/seeds.jsonl
            job_args=(--id-field doc_id --text-field body)
            ;;
        bad) want_code=2 ;;
        dated)
            job_args=(--date-field date --source-field site --parquet)
            scan_flags=(--date-field date --source-field site)
            ;;
        copies) input=$work/copies; scan_input=$input ;;
        gen-contained)
            input=$work/gen.jsonl
            scan_input=$input
            flags=(--min-containment 0.2 --keep longest)
            ;;
    esac
    start=$(date +%s.%N)
    set +e
    "$reprint" scan "$scan_input" --format jsonl -q  -o "$work/$name.scan.jsonl" "${flags[@]}" "${scan_flags[@]}" 2>"$work/$name.scan.log"
    scan_code=$?
    middle=$(date +%s.%N)
    submit "$work/$name.spark.log" --input "$input" --output "$work/$name.out" --reprint "$reprint" \
        "${job_args[@]}" -- "${flags[@]}"
    spark_code=$?
    set -e
    end=$(date +%s.%N)
    python3 -c 'import sys; n, a, b, c = sys.argv[1:]; print("%s: scan %.1f s, spark %.1f s" % (n, float(b) - float(a), float(c) - float(b)))' \
        "$name" "$start" "$middle" "$end"
    if [ "$scan_code" -eq "$want_code" ] && [ "$spark_code" -eq "$want_code" ]; then
        pass "$name: scan and the job exit $want_code"
    else
        fail "$name: exit codes: scan $scan_code, job $spark_code, want $want_code (log: $work/$name.spark.log)"
        tail -n 30 "$work/$name.spark.log" | sed 's/^/    /'
        continue
    fi
    if [ "$name" = bad ] || [ "$name" = dated ]; then
        # Both name the same skipped (bad) or warned-about (dated) records, as FILE:LINE.
        scan_where=$(grep -o "$name.jsonl:[0-9]*" "$work/$name.scan.log" | sort -u | tr '\n' ' ' || true)
        spark_where=$( (grep '^reprint_spark: ' "$work/$name.spark.log" || true) | grep -o "$name.jsonl:[0-9]*" | sort -u | tr '\n' ' ' || true)
        if [ -n "$scan_where" ] && [ "$scan_where" = "$spark_where" ]; then
            pass "$name: the same records named: $spark_where"
        else
            fail "$name: records named: scan [$scan_where], job [$spark_where]"
        fi
    fi
    set +e
    result=$("$py" spark/compare.py "$name" "$work/$name.scan.jsonl" "$work/$name.out")
    compare_code=$?
    set -e
    echo "$result" | grep -v '^ok' || true
    line=$(echo "$result" | tail -n 1)
    if [ "$compare_code" -eq 0 ] && [[ "$line" =~ ^$name:\ ([0-9]+)\ passed,\ 0\ failed$ ]]; then
        passed=$((passed + BASH_REMATCH[1]))
    else
        fail "$name: spark/compare.py exited $compare_code: $line"
    fi
done

# Bad input is a clear error naming the file, before any work.
set +e
submit "$work/missing.log" --input "$work/no-such.jsonl" --output "$work/missing.out" --reprint "$reprint"
code=$?
set -e
if [ "$code" -eq 2 ] && grep -q "no-such.jsonl: no such file" "$work/missing.log"; then
    pass "a missing input is an error naming it"
else
    fail "missing input: exit $code, $(grep reprint_spark "$work/missing.log" | head -n 1)"
fi
set +e
submit "$work/column.log" --input "$work/seeds.parquet" --id-field doc_id --text-field content --output "$work/column.out" \
    --reprint "$reprint"
code=$?
set -e
if [ "$code" -eq 2 ] && grep -q 'seeds.parquet/part-00000.parquet: no text column "content"' "$work/column.log"; then
    pass "a missing Parquet column is an error naming the file and column"
else
    fail "missing column: exit $code, $(grep reprint_spark "$work/column.log" | head -n 1)"
fi

echo "spark: took $(($(date +%s) - started)) s"
echo "spark: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
