"""reprint on Apache Spark: the scan pipeline with Spark doing the shuffle.

Spark does what it is good at (distribution, grouping by key, joins,
connected components); the text work is reprint's own, run per partition
through two streaming subcommands:

  1. read: JSONL or Parquet documents, numbered in input order (files in
     path order, then line or row order); ids, not texts, are cached;
     bad records and repeated ids are reported and skipped, as scan does;
  2. sketch: `reprint sketch` in each partition gives per document its
     LSH band keys, winnowed fingerprints, word count and content hash;
  3. exact copies: group by content hash; only the first document of a
     group (in input order) takes part in candidate generation;
  4. LSH: group by (band, key) in Spark SQL; every pair of a bucket of up
     to max_bucket documents, else the bucket's first member with each
     member and each member with its neighbour;
  5. reuse: group by fingerprint, drop fingerprints held by more than max_df
     documents, count shared fingerprints per pair (a Spark SQL self-join),
     keep >= min_shared; then the same over the rewrite path's fingerprints
     (content-word n-grams) with its own max_df and min_shared, unless
     --no-rewrites;
  6. union, de-duplicate, give the copies of each first document its pairs,
     add the pairs of exact copies, join both texts (read again from the
     input, not cached);
  7. `reprint align-pairs` in each partition: exact scores and passages,
     the same pair objects as `reprint scan` (schema reprint/2);
  8. clusters: connected components of exact and near-duplicate pairs by
     iterative minimum-label propagation (no collect of edges);
  9. write pairs and clusters as JSONL, the `pair` and `cluster` lines of
     `reprint scan --format jsonl` in the same order (and Parquet with
     --parquet), and summary.json.

With --date-field and/or --source-field, each document's date (ISO 8601,
checked by `reprint sketch --date-field`) and source (a string or number)
travel with its text; a missing or bad value is a warning naming FILE:LINE
and is unknown, never fatal. The stages then run with --origin: every pair
gets `origin` and `origin_evidence` from `reprint align-pairs`, decided as
`reprint scan` decides them (by date when the dates differ, else from the
texts), and documents.jsonl holds the `document` lines of `scan --format
jsonl` (id, source, bytes, words, date, publisher). Per-source boilerplate
and stories are scan-only.

Usage:
  spark-submit spark/reprint_spark.py --input docs.jsonl --output out/ \
      [--reprint /path/to/reprint] [--format auto|jsonl|parquet] \
      [--id-field id] [--text-field text] [--date-field F] [--source-field F] \
      [--parquet] [-- REPRINT SCAN FLAGS...]

--input is a file, a directory (its files, recursively, in path order,
leaving out names starting with `_` or `.`) or a glob, on any file system
Spark reads. Flags after `--` (e.g. --threshold 0.7 --mode near) go to both
reprint stages; the parameters hash travels with every record and
mismatched stages refuse to mix.

Exit codes as `reprint scan`: 0 pairs found, 1 none, 2 input skipped (a
bad record or a repeated id; the rest is still processed and written) or
an error.
"""

import argparse
import collections
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

# A document's number is (rank of its file in path order) << FILE_SHIFT |
# (its line or row in the file): input order without counting lines first.
FILE_SHIFT = 40
LINE_MASK = (1 << FILE_SHIFT) - 1
# Up to this many rows, a set of document numbers is broadcast to a join
# instead of shuffling the other side.
BROADCAST_ROWS = 2_000_000


# The pairs of one LSH bucket `m` (document numbers, sorted), as
# lsh::band_pairs makes them: all pairs up to max_bucket members, else the
# first member with each other and each member with its neighbour.
# (Spark SQL: m[i] counts from 0, slice() from 1.)
BUCKET_PAIRS = """
CASE WHEN size(m) <= %(max_bucket)d THEN
  flatten(transform(sequence(0, size(m) - 2),
    i -> transform(slice(m, i + 2, size(m) - i - 1), y -> named_struct('a', m[i], 'b', y))))
ELSE concat(
  transform(slice(m, 2, size(m) - 1), y -> named_struct('a', m[0], 'b', y)),
  transform(filter(sequence(1, size(m) - 1), x -> x >= 2), x -> named_struct('a', m[x - 1], 'b', m[x])))
END
"""
# All pairs of the holders `m` of one fingerprint (structs idx, nfp sorted
# by idx), each with the smaller fingerprint count of the two.
HOLDER_PAIRS = """
flatten(transform(sequence(0, size(m) - 2),
  i -> transform(slice(m, i + 2, size(m) - i - 1),
    y -> named_struct('a', m[i].idx, 'b', y.idx, 'n', least(m[i].nfp, y.nfp)))))
"""


class InputError(Exception):
    """Bad input: the message names the file."""


def cause(error):
    """The telling part of an error, also when it comes back from a Python
    worker wrapped in Spark's exception: the last `...Error: ...` line and
    the lines after it up to the JVM stack."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    starts = [i for i, line in enumerate(lines) if re.match(r"^\w*(Error|Exception): ", line)]
    if not starts:
        return lines[0]
    tail = []
    for line in lines[starts[-1]:starts[-1] + 6]:
        if re.match(r"^\s+at ", line):
            break
        tail.append(line)
    return "\n".join(tail)


def fail(message, code=2):
    print("reprint_spark: " + message, file=sys.stderr)
    sys.exit(code)


# --------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------


def list_input(spark, path):
    """The files of `path` (a file, a directory or a glob), in path order
    (component by component, as `reprint scan` walks a directory), each as
    (uri, name shown in messages)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(conf)
    statuses = fs.globStatus(hpath)
    if statuses is None or len(statuses) == 0:
        raise InputError("%s: no such file or directory" % path)
    files = []

    def walk(status, shown):
        name = status.getPath().getName()
        if status.isDirectory():
            children = sorted(fs.listStatus(status.getPath()), key=lambda s: s.getPath().getName().encode("utf-8"))
            for child in children:
                child_name = child.getPath().getName()
                if child_name.startswith(("_", ".")):
                    continue
                walk(child, shown.rstrip("/") + "/" + child_name)
        elif name.startswith(("_", ".")) and shown != path:
            return
        else:
            files.append((status.getPath().toString(), shown))

    single = len(statuses) == 1 and not jvm.org.apache.hadoop.fs.GlobPattern(path).hasWildcard()
    for status in statuses:
        walk(status, path if single else status.getPath().toString())
    files.sort(key=lambda f: [c.encode("utf-8") for c in f[1].split("/")])
    if not files:
        raise InputError("%s: no files in it" % path)
    if len(files) >= 1 << (63 - FILE_SHIFT):
        raise InputError("%s: %d files, more than this job numbers" % (path, len(files)))
    return files


def input_format(files, chosen):
    if chosen != "auto":
        return chosen
    kinds = set()
    for _, shown in files:
        name = shown.lower()
        if name.endswith(".parquet"):
            kinds.add("parquet")
        elif name.endswith((".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")):
            kinds.add("jsonl")
        else:
            raise InputError("%s: cannot tell JSONL from Parquet by its name (give --format)" % shown)
    if len(kinds) > 1:
        raise InputError("%s and others: a mix of JSONL and Parquet files (give --format)" % files[0][1])
    return kinds.pop()


def id_text(value):
    """An id as `reprint scan` reads it from JSONL: strings as they are,
    numbers as their JSON text; None when missing or null; False when of
    another type."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        return False
    if isinstance(value, float):
        return repr(value)
    return str(value)


def kind_of(value):
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return "an object"


def read_meta(obj, date_field, source_field):
    """A record's date (a string, checked later by `reprint sketch`) and
    source, as `reprint scan` reads them from JSONL, and a note for each
    one asked for that is missing or of the wrong type (then None)."""
    date = source = None
    notes = []
    if date_field is not None:
        value = obj.get(date_field)
        if isinstance(value, str):
            date = value
        elif value is None:
            notes.append("no date field %s; the date is unknown" % json.dumps(date_field))
        else:
            notes.append("date field %s is %s (not an ISO 8601 string); the date is unknown" % (
                json.dumps(date_field), kind_of(value)))
    if source_field is not None:
        value = obj.get(source_field)
        text = id_text(value)
        if isinstance(text, str) and text.strip():
            source = text.strip()
        elif isinstance(value, str):
            notes.append("source field %s is empty; the source is unknown" % json.dumps(source_field))
        elif value is None:
            notes.append("no source field %s; the source is unknown" % json.dumps(source_field))
        else:
            notes.append("source field %s is %s (not a string or number); the source is unknown" % (
                json.dumps(source_field), kind_of(value)))
    return date, source, notes


def parse_jsonl(rank, shown, id_field, text_field, date_field=None, source_field=None):
    """A function from (line, line index) of file number `rank` to
    (idx, id, text, date, source, problem, notes), as `reprint scan` reads
    a JSONL line: `problem` skips the record, `notes` are warnings about
    its date and source."""

    def parse(indexed):
        line, n = indexed
        idx = (rank << FILE_SHIFT) | n
        if not line.strip():
            return []

        def skipped(problem):
            return [(idx, None, None, None, None, problem, [])]

        try:
            obj = json.loads(line)
        except ValueError as e:
            return skipped("invalid JSON: %s, skipped" % e)
        if not isinstance(obj, dict):
            return skipped("invalid JSON: not an object, skipped")
        text = obj.get(text_field)
        if text_field not in obj:
            return skipped("missing text field %s, skipped" % json.dumps(text_field))
        if not isinstance(text, str):
            return skipped("text field %s is not a string but %s, skipped" % (json.dumps(text_field), kind_of(text)))
        doc_id = id_text(obj.get(id_field))
        if doc_id is False:
            return skipped("id field %s is not a string or number but %s, skipped" % (
                json.dumps(id_field), kind_of(obj.get(id_field))))
        if doc_id is None:
            doc_id = "%s:%d" % (shown, n + 1)
        date, source, notes = read_meta(obj, date_field, source_field)
        return [(idx, doc_id, text, date, source, None, notes)]

    return parse


DOCS_SCHEMA = "idx long, id string, text string, date string, source string, problem string, notes array<string>"


def read_jsonl(spark, files, args):
    sc = spark.sparkContext
    parts = []
    for rank, (uri, shown) in enumerate(files):
        lines = sc.textFile(uri, minPartitions=max(1, args.partitions // len(files)) if args.partitions else None)
        parse = parse_jsonl(rank, shown, args.id_field, args.text_field, args.date_field, args.source_field)
        parts.append(lines.zipWithIndex().flatMap(parse))
    rdd = parts[0] if len(parts) == 1 else sc.union(parts)
    return spark.createDataFrame(rdd, DOCS_SCHEMA)


def read_parquet(spark, files, args):
    uris = [uri for uri, _ in files]
    try:
        df = spark.read.parquet(*uris)
    except Exception as e:  # noqa: BLE001 - Spark raises its own types
        raise InputError("%s: not readable as Parquet: %s" % (files[0][1], str(e).splitlines()[0]))
    fields = {f.name: f.dataType for f in df.schema.fields}
    for role, name in (("id", args.id_field), ("text", args.text_field)):
        if name not in fields:
            raise InputError("%s: no %s column %s (columns: %s; see --%s-field)" % (
                files[0][1], role, json.dumps(name), ", ".join(sorted(fields)), role))
    if not isinstance(fields[args.text_field], T.StringType):
        raise InputError("%s: text column %s is %s, not a string" % (
            files[0][1], json.dumps(args.text_field), fields[args.text_field].simpleString()))
    id_type = fields[args.id_field]
    if not isinstance(id_type, (T.StringType, T.IntegralType, T.DecimalType, T.FloatType, T.DoubleType)):
        raise InputError("%s: id column %s is %s, not a string or number" % (
            files[0][1], json.dumps(args.id_field), id_type.simpleString()))
    # Ranks of the files, by the names Spark gives them in _metadata.file_path
    # (a URI), made comparable to the listing's through Hadoop's Path.
    jvm = spark.sparkContext._jvm

    def canonical(name):
        return jvm.org.apache.hadoop.fs.Path(jvm.java.net.URI(name)).toString()

    rank_of = {uri: rank for rank, (uri, _) in enumerate(files)}
    located = [r.file for r in df.select(F.col("_metadata.file_path").alias("file")).distinct().collect()]
    unknown = [name for name in located if canonical(name) not in rank_of]
    if unknown:
        raise RuntimeError("Spark read %s, which is not among the files listed" % unknown[0])
    ranks = spark.createDataFrame([(name, rank_of[canonical(name)]) for name in located], "file string, rank long")
    shown_of = {rank: shown for rank, (_, shown) in enumerate(files)}
    missing_text = F.col("text").isNull()
    date, date_note = parquet_meta_column(fields, args.date_field, "date", files[0][1])
    source, source_note = parquet_meta_column(fields, args.source_field, "source", files[0][1])
    source = F.when(F.trim(source) != "", F.trim(source))
    notes = F.filter(F.array(date_note, source_note), lambda x: x.isNotNull())
    docs = (
        df.select(
            F.col("_metadata.file_path").alias("file"),
            F.col("_metadata.row_index").alias("row"),
            F.col(args.id_field).cast("string").alias("id"),
            F.col(args.text_field).alias("text"),
            date.alias("date"),
            source.alias("source"),
            notes.alias("notes"),
        )
        .join(F.broadcast(ranks), "file")
        .select(
            (F.shiftleft("rank", FILE_SHIFT) + F.col("row")).alias("idx"),
            "id",
            "text",
            "date",
            "source",
            F.when(missing_text, F.lit("text column %s is null, skipped" % json.dumps(args.text_field))).alias(
                "problem"
            ),
            "notes",
        )
    )
    return docs, shown_of


def parquet_meta_column(fields, name, role, shown):
    """The Parquet column `name` holding each row's date or source (`role`)
    as a string column, and a column of the note for a row whose value is
    null. A missing column or one of a type that cannot hold the value is
    said once (not fatal): every value is then unknown."""
    none = F.lit(None).cast("string")
    if name is None:
        return none, none
    kind = fields.get(name)
    usable = (T.StringType, T.IntegralType, T.DecimalType, T.FloatType, T.DoubleType) if role == "source" else (
        T.StringType, T.DateType, T.TimestampType)
    if kind is None or not isinstance(kind, usable):
        why = "no %s column %s" % (role, json.dumps(name)) if kind is None else "%s column %s is %s" % (
            role, json.dumps(name), kind.simpleString())
        print("reprint_spark: %s: %s; every %s is unknown" % (shown, why, role), file=sys.stderr)
        return none, none
    if isinstance(kind, T.TimestampType):
        # An instant, written with its offset so that it means the same.
        value = F.date_format(F.col(name), "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
    else:
        value = F.col(name).cast("string")
    null = "%s column %s is null; the %s is unknown" % (role, json.dumps(name), role)
    empty = "%s column %s is empty; the %s is unknown" % (role, json.dumps(name), role)
    note = F.when(F.col(name).isNull(), F.lit(null))
    if role == "source":
        note = note.when(F.trim(value) == "", F.lit(empty))
    return value, note


# --------------------------------------------------------------------------
# running reprint in a partition
# --------------------------------------------------------------------------


def filter_partition(cmd, items, match_of):
    """Runs `cmd` (a JSONL filter) on one partition. `items` yields (key,
    match, line); for each output line, parsed as `out`, yields (key, out,
    the line) for the item whose `match` equals match_of(out). Items with no
    output line (pairs align-pairs leaves out) are passed over. Raises,
    with the end of the filter's stderr, if it fails."""
    cmd = [resolve_binary(cmd[0]), *cmd[1:]]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        raise RuntimeError("cannot run %s on this worker: %s (ship it with --files or install it)" % (cmd[0], e))
    pending = collections.deque()
    errors = collections.deque(maxlen=20)
    failures = []

    def feed():
        try:
            for key, match, line in items:
                pending.append((key, match))
                proc.stdin.write(line.encode("utf-8"))
                proc.stdin.write(b"\n")
        except BrokenPipeError:
            pass
        except BaseException as e:  # noqa: BLE001 - re-raised below
            failures.append(e)
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass

    def drain():
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            errors.append(line)
            print(line, file=sys.stderr)

    threads = [threading.Thread(target=feed, daemon=True), threading.Thread(target=drain, daemon=True)]
    for t in threads:
        t.start()
    try:
        for raw in proc.stdout:
            out = json.loads(raw)
            want = match_of(out)
            while pending and pending[0][1] != want:
                pending.popleft()
            if not pending:
                raise RuntimeError("%s wrote a record for no input: %s" % (cmd[0], raw[:200]))
            key, _ = pending.popleft()
            yield key, out, raw.decode("utf-8").rstrip("\n")
    finally:
        for t in threads:
            t.join()
        code = proc.wait()
    if failures:
        raise failures[0]
    if code != 0:
        raise RuntimeError(
            "%s exited with code %d:\n%s" % (shlex.join(cmd), code, "\n".join(errors) or "(nothing on stderr)")
        )


def write_file(spark, path, content):
    """Writes a small file on any file system Spark writes to."""
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    out = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).create(hpath, True)
    try:
        out.write(bytearray(content.encode("utf-8")))
    finally:
        out.close()


def resolve_binary(name):
    """The reprint binary: `name` if it is a path that exists or a command
    on PATH, else the file of that name shipped with spark-submit --files
    (made executable if it lost the bit)."""
    if os.sep in name and os.path.exists(name):
        return name
    found = shutil.which(name)
    if found:
        return found
    try:
        from pyspark import SparkFiles

        shipped = SparkFiles.get(os.path.basename(name))
    except Exception:  # noqa: BLE001 - no SparkContext or no such file
        return name
    if os.path.exists(shipped):
        if not os.access(shipped, os.X_OK):
            try:
                os.chmod(shipped, os.stat(shipped).st_mode | 0o755)
            except OSError:
                pass
        return shipped
    return name


def signed64(hex_key):
    v = int(hex_key, 16)
    return v - (1 << 64) if v >= 1 << 63 else v


# --------------------------------------------------------------------------
# Spark steps
# --------------------------------------------------------------------------


def without(df, idx_df, n, column="idx"):
    """`df` less the rows whose `column` is in `idx_df` (n rows); broadcast
    when small, so that the large side is not shuffled."""
    if n == 0:
        return df
    other = idx_df.select(F.col(idx_df.columns[0]).alias(column))
    if n <= BROADCAST_ROWS:
        other = F.broadcast(other)
    return df.join(other, column, "left_anti")


def connected_components(edges, max_iterations=100):
    """Labels every vertex of `edges` (a DataFrame src, dst) with the
    smallest vertex of its component, by iterative minimum propagation:
    each round a vertex takes the smallest label among itself and its
    neighbours, until no label changes."""
    both = edges.select("src", "dst").union(edges.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
    both = both.distinct().cache()
    labels = both.select(F.col("src").alias("v")).distinct().withColumn("label", F.col("v"))
    labels = labels.localCheckpoint()
    for _ in range(max_iterations):
        proposed = both.join(labels, both.src == labels.v).select(F.col("dst").alias("v"), "label")
        updated = labels.union(proposed).groupBy("v").agg(F.min("label").alias("label")).localCheckpoint()
        changed = updated.join(labels.withColumnRenamed("label", "old"), "v").where("label != old").count()
        labels = updated
        if changed == 0:
            break
    else:
        raise RuntimeError("connected components did not converge")
    both.unpersist()
    return labels


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, help="JSONL or Parquet documents: a file, a directory or a glob")
    parser.add_argument("--output", required=True, help="output directory")
    parser.add_argument("--format", choices=["auto", "jsonl", "parquet"], default="auto",
                        help="input format (auto: by file name, .parquet or .jsonl/.ndjson/.json[.gz])")
    parser.add_argument("--id-field", default="id", help="JSONL field or Parquet column of the id")
    parser.add_argument("--text-field", default="text", help="JSONL field or Parquet column of the text")
    parser.add_argument("--date-field", help="JSONL field or Parquet column of the date (ISO 8601); turns on --origin")
    parser.add_argument("--source-field", help="JSONL field or Parquet column of the source (site, publisher or "
                        "author); turns on --origin")
    parser.add_argument("--reprint", default="reprint", help="the reprint binary on the workers")
    parser.add_argument("--partitions", type=int, default=0,
                        help="least partitions of JSONL input (Parquet input splits by spark.sql.files.maxPartitionBytes)")
    parser.add_argument("--parquet", action="store_true", help="also write Parquet")
    parser.add_argument("--keep", choices=["first", "longest"], default="first")
    parser.add_argument("--explain", action="store_true", help="print the physical plans of the candidate and align steps")
    parser.add_argument("--log-level", default="WARN", help="Spark's log level once started (INFO shows every stage)")
    parser.add_argument("reprint_args", nargs="*", help="reprint scan flags (after --)")
    args = parser.parse_args(argv)
    flags = list(args.reprint_args)
    # --keep may come before or after `--`; the clusters here honour either.
    for i, flag in enumerate(flags):
        if flag == "--keep" and i + 1 < len(flags):
            args.keep = flags[i + 1]
        elif flag.startswith("--keep="):
            args.keep = flag.split("=", 1)[1]
    if args.keep not in ("first", "longest"):
        parser.error("--keep must be first or longest, not %r" % args.keep)
    if args.keep == "longest" and "--keep" not in flags and "--keep=longest" not in flags:
        flags += ["--keep", "longest"]
    # Dates or sources turn origins on, as in `reprint scan`.
    with_meta = args.date_field is not None or args.source_field is not None
    if with_meta and "--origin" not in flags:
        flags += ["--origin"]

    spark = SparkSession.builder.appName("reprint").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel(args.log_level)

    # The settings, and the hash every record must carry.
    binary = resolve_binary(args.reprint)
    try:
        shown = subprocess.run(
            [binary, "sketch", "--show-params", *flags], capture_output=True, text=True, check=False
        )
    except OSError as e:
        spark.stop()
        fail("cannot run %s: %s (give --reprint, or ship it with spark-submit --files)" % (args.reprint, e))
    if shown.returncode != 0:
        spark.stop()
        fail("reprint sketch --show-params failed: " + shown.stderr.strip())
    info = json.loads(shown.stdout)
    params_hash, params = info["params"], info["resolved"]
    max_bucket, max_df, min_shared = params["max_bucket"], params["max_df"], params["min_shared"]
    fraction = params["min_containment"] * 0.75
    stage_flags = [*flags, "--expect-params", params_hash]
    sketch_cmd = [args.reprint, "sketch", *stage_flags]
    if args.date_field is not None:
        sketch_cmd += ["--date-field", "date"]
    align_cmd = [args.reprint, "align-pairs", *stage_flags]

    times = {}
    clock = time.time()

    def step(name):
        """Ends the running step (its seconds into `times`) and names the
        Spark jobs of the next one."""
        nonlocal clock
        now = time.time()
        if step.current:
            times[step.current] = round(now - clock, 3)
        clock = now
        step.current = name
        sc.setJobDescription(name)

    step.current = None
    step("read")

    # 1. documents: (idx, id, text, problem); only ids are cached.
    try:
        files = list_input(spark, args.input)
        fmt = input_format(files, args.format)
        if fmt == "parquet":
            docs, shown_of = read_parquet(spark, files, args)
        else:
            docs = read_jsonl(spark, files, args)
            shown_of = {rank: shown for rank, (_, shown) in enumerate(files)}
    except InputError as e:
        spark.stop()
        fail(str(e))

    def origin(idx):
        return "%s:%d" % (shown_of.get(idx >> FILE_SHIFT, args.input), (idx & LINE_MASK) + 1)

    all_ids = docs.select("idx", "id", "problem", "notes").cache()
    diagnostics = []
    bad = all_ids.where("problem is not null")
    n_bad = bad.count()
    for r in bad.orderBy("idx").limit(10).collect():
        diagnostics.append((r.idx, "%s: %s" % (origin(r.idx), r.problem)))
    by_id = Window.partitionBy("id").orderBy("idx")
    ranked = (
        all_ids.where("problem is null")
        .withColumn("nth", F.row_number().over(by_id))
        .withColumn("first_idx", F.first("idx").over(by_id))
        .cache()
    )
    repeated = ranked.where("nth > 1").select("idx", "id", "first_idx")
    n_repeated = repeated.count()
    for r in repeated.orderBy("idx").limit(10).collect():
        diagnostics.append(
            (r.idx, "%s: duplicate id %s (first seen at %s), skipped" % (
                origin(r.idx), json.dumps(r.id), origin(r.first_idx)))
        )
    ids = ranked.where("nth = 1").select("idx", "id").cache()
    n_docs = ids.count()
    ranked.unpersist()
    for _, d in sorted(diagnostics):
        print("reprint_spark: " + d, file=sys.stderr)
    if n_bad + n_repeated > len(diagnostics):
        print("reprint_spark: %d more records skipped" % (n_bad + n_repeated - len(diagnostics)), file=sys.stderr)
    # The texts, read again from the input each time they are needed.
    texts = without(docs.where("problem is null").select("idx", "id", "text", "date", "source"), repeated, n_repeated)

    # 2. sketch in each partition; the id sent is the document number.
    step("sketch")

    def sketch_partition(rows):
        def item(r):
            doc = {"id": str(r.idx), "text": r.text}
            if r.date is not None:
                doc["date"] = r.date
            # The bytes and source ride along for documents.jsonl.
            return ((r.idx, len(r.text.encode("utf-8", "surrogatepass")), r.source), str(r.idx), json.dumps(doc))

        items = (item(r) for r in rows)
        for (idx, size, source), r, _ in filter_partition(sketch_cmd, items, lambda out: out["id"]):
            if r["params"] != params_hash:
                raise ValueError("reprint sketch ran with parameters %s, expected %s" % (r["params"], params_hash))
            yield (idx, r["words"], r["content"], [signed64(b) for b in r["bands"]], r["fingerprints"],
                   len(r["fingerprints"]), r.get("rewrite_fingerprints", []), size, r.get("date"),
                   r.get("date_problem"), source)

    sk_all = spark.createDataFrame(
        texts.rdd.mapPartitions(sketch_partition),
        "idx long, words long, content string, bands array<long>, fingerprints array<long>, nfp long, "
        "rewrite_fingerprints array<long>, bytes long, date string, date_problem string, publisher string",
    ).cache()
    sk_all.count()
    sk = sk_all.where("words > 0")

    # Warnings about dates and sources (the documents are kept): as scan
    # names them, FILE:LINE, the first ten in input order.
    n_warnings = 0
    if with_meta:
        kept_notes = all_ids.where("problem is null and size(notes) > 0").join(ids.select("idx"), "idx", "left_semi")
        notes = kept_notes.select("idx", F.posexplode("notes").alias("nth", "note"))
        bad_dates = sk_all.where("date_problem is not null").select(
            "idx", F.lit(-1).alias("nth"),
            F.concat(F.lit("date field %s: " % json.dumps(args.date_field)), F.col("date_problem"),
                     F.lit("; the date is unknown")).alias("note"),
        )
        warned = notes.unionByName(bad_dates)
        n_warnings = warned.count()
        for r in warned.orderBy("idx", "nth").limit(10).collect():
            print("reprint_spark: %s: %s" % (origin(r.idx), r.note), file=sys.stderr)
        if n_warnings > 10:
            print("reprint_spark: %d more warnings about dates and sources" % (n_warnings - 10), file=sys.stderr)
    all_ids.unpersist()

    # 3. exact copies: the first of each content stands for the others.
    step("exact")
    with_first = (
        sk.select("idx", "content", F.min("idx").over(Window.partitionBy("content")).alias("first"),
                  F.count("*").over(Window.partitionBy("content")).alias("size"))
        .drop("content")
        .cache()
    )
    copies_all = with_first.where("idx != first")
    n_copies = copies_all.count()
    firsts = without(sk, copies_all.select("idx"), n_copies)
    # The members a first document stands for: itself, plus its copies when
    # the group is small (a large group is only linked to its first).
    stands_for = with_first.where("idx = first or size - 1 < %d" % max_bucket).select("first", F.col("idx").alias("member"))
    exact_star = copies_all.select(F.col("first").alias("a"), F.col("idx").alias("b"))
    small_copies = with_first.where("idx != first and size - 1 < %d" % max_bucket).select("first", "idx")
    x, y = small_copies.alias("x"), small_copies.alias("y")
    exact_within = x.join(y, (F.col("x.first") == F.col("y.first")) & (F.col("x.idx") < F.col("y.idx"))).select(
        F.col("x.idx").alias("a"), F.col("y.idx").alias("b")
    )

    # 4. LSH buckets, in Spark SQL: a window counts each (band, key) bucket,
    # and each bucket of two or more is collected, sorted, and turned into
    # pairs by BUCKET_PAIRS (no self-join, one shuffle of the keys).
    step("candidates")
    keys = firsts.select("idx", F.posexplode("bands").alias("band", "key"))
    buckets = (
        keys.withColumn("size", F.count("*").over(Window.partitionBy("band", "key")))
        .where("size >= 2")
        .groupBy("band", "key")
        .agg(F.array_sort(F.collect_list("idx")).alias("m"))
    )
    lsh = buckets.select(F.explode(F.expr(BUCKET_PAIRS % {"max_bucket": max_bucket})).alias("p")).select("p.a", "p.b")

    # 5. reuse: shared fingerprints held by 2..max_df documents; each pair
    # carries the smaller fingerprint count of its two documents, for the
    # min_containment cut.
    fps = firsts.select("idx", "nfp", F.explode("fingerprints").alias("fp"))
    held = (
        fps.withColumn("df", F.count("*").over(Window.partitionBy("fp")))
        .where((F.col("df") >= 2) & (F.col("df") <= max_df))
        .groupBy("fp")
        .agg(F.array_sort(F.collect_list(F.struct("idx", "nfp"))).alias("m"))
    )
    shared = (
        held.select(F.explode(F.expr(HOLDER_PAIRS)).alias("p"))
        .groupBy("p.a", "p.b", "p.n")
        .agg(F.count("*").alias("shared"))
        .where(F.col("shared") >= min_shared)
    )
    if fraction > 0:
        shared = shared.where(F.col("shared") >= F.ceil(F.lit(fraction) * F.col("n")))
    candidates = lsh.union(shared.select("a", "b"))

    # 5b. rewrites: the same over the rewrite path's fingerprints (content-
    # word n-grams), with its own max_df and min_shared and no containment
    # cut; every pair of a fingerprint's holders (at most max_df of them).
    rewrites = params.get("rewrites")
    if rewrites:
        rfps = firsts.select("idx", F.explode("rewrite_fingerprints").alias("fp"))
        rheld = (
            rfps.withColumn("df", F.count("*").over(Window.partitionBy("fp")))
            .where((F.col("df") >= 2) & (F.col("df") <= rewrites["max_df"]))
            .groupBy("fp")
            .agg(F.array_sort(F.collect_list("idx")).alias("m"))
        )
        all_pairs = BUCKET_PAIRS % {"max_bucket": rewrites["max_df"]}
        rshared = (
            rheld.select(F.explode(F.expr(all_pairs)).alias("p"))
            .groupBy("p.a", "p.b")
            .agg(F.count("*").alias("shared"))
            .where(F.col("shared") >= rewrites["min_shared"])
        )
        candidates = candidates.union(rshared.select("a", "b"))
    candidates = candidates.distinct().cache()
    if args.explain:
        candidates.explain()
    n_candidates = candidates.count()

    # 6. copies inherit the pairs of their first; exact pairs are added;
    # both texts are joined on.
    step("align")
    expanded = (
        candidates.join(stands_for.withColumnRenamed("first", "a").withColumnRenamed("member", "ma"), "a")
        .join(stands_for.withColumnRenamed("first", "b").withColumnRenamed("member", "mb"), "b")
        .select(F.least("ma", "mb").alias("a"), F.greatest("ma", "mb").alias("b"))
    )
    pairs = expanded.union(exact_star).union(exact_within).distinct() if n_copies else candidates
    pairs = pairs.cache()
    # Only the texts of documents in a pair are shuffled: when their numbers
    # are few enough, they are broadcast to filter the texts where they are
    # read.
    in_pairs = pairs.select(F.col("a").alias("idx")).union(pairs.select(F.col("b").alias("idx"))).distinct()
    n_in_pairs = in_pairs.count()
    needed = texts
    if n_in_pairs <= BROADCAST_ROWS:
        needed = texts.join(F.broadcast(in_pairs), "idx", "left_semi")
    def side(name):
        return needed.select(
            F.col("idx").alias(name), F.col("id").alias(name + "_id"), F.col("text").alias("t" + name),
            F.col("date").alias("d" + name), F.col("source").alias("s" + name),
        )

    joined = pairs.join(side("a"), "a").join(side("b"), "b")

    # 7. align-pairs in each partition; its output lines are kept as they are.
    def side_json(doc_id, text, date, source):
        out = {"id": doc_id, "text": text}
        if date is not None:
            out["date"] = date
        if source is not None:
            out["source"] = source
        return out

    def align_partition(rows):
        items = (
            (
                (r.a, r.b),
                (r.a_id, r.b_id),
                json.dumps({"a": side_json(r.a_id, r.ta, r.da, r.sa), "b": side_json(r.b_id, r.tb, r.db, r.sb),
                            "params": params_hash}),
            )
            for r in rows
        )
        for (a, b), p, line in filter_partition(align_cmd, items, lambda out: (out["a"], out["b"])):
            yield (a, b, p["kind"], line)

    if args.explain:
        joined.explain()
    found = spark.createDataFrame(
        joined.rdd.mapPartitions(align_partition), "a long, b long, kind string, line string"
    ).cache()
    n_pairs = found.count()
    candidates.unpersist()
    pairs.unpersist()

    # 8. clusters of exact and near-duplicate pairs.
    step("cluster")
    edges = found.where("kind != 'reuse'").select(F.col("a").alias("src"), F.col("b").alias("dst"))
    labels = connected_components(edges)
    words = sk.select(F.col("idx").alias("v"), "words")
    keep_longest = args.keep == "longest"

    def cluster_row(kv):
        label, members = kv
        members = sorted(members)  # (idx, id, words), input order
        if keep_longest:
            rep = max(members, key=lambda m: (m[2], -m[0]))
        else:
            rep = members[0]
        return (members[0][0], rep[1], [m[1] for m in members])

    clusters = (
        labels.join(ids.withColumnRenamed("idx", "v"), "v")
        .join(words, "v")
        .rdd.map(lambda r: (r.label, (r.v, r.id, r.words)))
        .groupByKey()
        .map(cluster_row)
        .sortBy(lambda c: c[0])
        .zipWithIndex()
        .map(lambda ci: (ci[0][0], ci[1], ci[0][1], ci[0][2]))
    )
    clusters_df = spark.createDataFrame(
        clusters, "first long, id long, representative string, members array<string>"
    ).cache()
    n_clusters = clusters_df.count()

    # 9. write: the pair and cluster lines of `scan --format jsonl`, in its order.
    step("write")
    found.orderBy("a", "b").select(F.col("line").alias("value")).write.mode("overwrite").text(
        os.path.join(args.output, "pairs.jsonl")
    )
    clusters_df.orderBy("first").select(
        F.to_json(F.struct(F.lit("cluster").alias("type"), "id", "representative", "members")).alias("value")
    ).write.mode("overwrite").text(os.path.join(args.output, "clusters.jsonl"))
    if with_meta:
        # The `document` lines of `scan --format jsonl`, in input order.
        def document_line(r):
            d = {"type": "document", "id": r.id, "source": origin(r.idx), "bytes": r.bytes, "words": r.words}
            if r.date is not None:
                d["date"] = r.date
            if r.publisher is not None:
                d["publisher"] = r.publisher
            return (r.idx, json.dumps(d, ensure_ascii=False, separators=(",", ":")))

        lines = sk_all.join(ids, "idx").rdd.map(document_line)
        spark.createDataFrame(lines, "idx long, value string").orderBy("idx").select("value").write.mode(
            "overwrite"
        ).text(os.path.join(args.output, "documents.jsonl"))
    if args.parquet:
        pair_fields = T.StructType(
            [
                T.StructField("a", T.StringType()),
                T.StructField("b", T.StringType()),
                T.StructField("kind", T.StringType()),
                T.StructField("jaccard", T.DoubleType()),
                T.StructField("containment_a", T.DoubleType()),
                T.StructField("containment_b", T.DoubleType()),
                T.StructField("budget_exhausted", T.BooleanType()),
            ]
            + [T.StructField(f, T.StringType()) for f in ("origin", "origin_evidence") if with_meta]
        )
        parsed = found.orderBy("a", "b").select(F.from_json("line", pair_fields).alias("p"), "line")
        parsed.select(
            "p.a", "p.b", "p.kind", "p.jaccard", "p.containment_a", "p.containment_b", "p.budget_exhausted",
            F.get_json_object("line", "$.passages").alias("passages_json"),
            *(["p.origin", "p.origin_evidence"] if with_meta else []),
        ).write.mode("overwrite").parquet(os.path.join(args.output, "pairs.parquet"))
        clusters_df.orderBy("first").select("id", "representative", "members").write.mode("overwrite").parquet(
            os.path.join(args.output, "clusters.parquet")
        )
    step(None)

    summary = {
        "schema": "reprint/2",
        "params": params,
        "params_hash": params_hash,
        "input_format": fmt,
        "files": len(files),
        "documents": n_docs,
        "skipped": n_bad + n_repeated,
        "warnings": n_warnings,
        "exact_duplicates": n_copies,
        "candidates": n_candidates,
        "pairs": n_pairs,
        "clusters": n_clusters,
        "seconds": times,
    }
    write_file(spark, os.path.join(args.output, "summary.json"), json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary), file=sys.stderr)
    spark.stop()
    if n_bad + n_repeated:
        return 2
    return 0 if n_pairs else 1


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except Exception as e:  # noqa: BLE001 - any failure exits 2, as scan's errors do
        import traceback

        traceback.print_exc()
        fail("failed: " + cause(e))
    sys.exit(code)
