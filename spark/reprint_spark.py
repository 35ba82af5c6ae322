"""reprint on Apache Spark: the scan pipeline with Spark doing the shuffle.

Spark does what it is good at (distribution, grouping by key, joins,
connected components); the text work is reprint's own, run per partition
through two streaming subcommands:

  1. documents -> `reprint sketch` (RDD.pipe) -> per document its LSH band
     keys, winnowed fingerprints, word count and content hash;
  2. exact copies: group by content hash; only the first document of a
     group (in input order) takes part in candidate generation;
  3. LSH: group by (band, key); every pair of a bucket of up to max_bucket
     documents, else the bucket's first member with each member and each
     member with its neighbour;
  4. reuse: group by fingerprint, drop fingerprints held by more than max_df
     documents, count shared fingerprints per pair, keep >= min_shared;
  5. union, de-duplicate, give the copies of each first document its pairs,
     add the pairs of exact copies, join both texts;
  6. `reprint align-pairs` (RDD.pipe): exact scores and passages, the same
     pair objects as `reprint scan` (schema reprint/1);
  7. clusters: connected components of exact and near-duplicate pairs by
     iterative minimum-label propagation (no collect of edges);
  8. write pairs and clusters as JSONL (and Parquet with --parquet).

Usage:
  spark-submit spark/reprint_spark.py --input docs.jsonl --output out/ \
      [--reprint /path/to/reprint] [--parquet] [-- REPRINT SCAN FLAGS...]

Flags after `--` (e.g. --threshold 0.7 --mode near) go to both reprint
stages; the parameters hash travels with every record and mismatched
stages refuse to mix.
"""

import argparse
import shlex
import json
import os
import subprocess
import sys
import time

from pyspark.sql import SparkSession, Row
from pyspark.sql import functions as F
from pyspark.sql import types as T


def id_text(value):
    """An id as `reprint scan` reads it from JSONL: strings as they are,
    numbers and booleans as their JSON text."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (list, dict)):
        return None
    return json.dumps(value)


def parse_jsonl(indexed_line):
    line, idx = indexed_line
    if not line.strip():
        return []
    try:
        obj = json.loads(line)
    except ValueError:
        return []
    if not isinstance(obj, dict):
        return []
    doc_id = id_text(obj.get("id"))
    text = obj.get("text")
    if doc_id is None or not isinstance(text, str):
        return []
    return [(idx, doc_id, text)]


def bucket_pairs(members, max_bucket):
    """Pairs of one LSH bucket, as lsh::band_pairs makes them."""
    members = sorted(members)
    if len(members) <= max_bucket:
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                yield (members[x], members[y])
    else:
        first = members[0]
        for x in range(1, len(members)):
            yield (first, members[x])
            if members[x - 1] != first:
                yield (members[x - 1], members[x])


def all_pairs(members):
    members = sorted(members)
    for x in range(len(members)):
        for y in range(x + 1, len(members)):
            yield ((members[x], members[y]), 1)


def connected_components(spark, edges, max_iterations=100):
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
        updated = (
            labels.union(proposed).groupBy("v").agg(F.min("label").alias("label")).localCheckpoint()
        )
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
    parser.add_argument("--input", required=True, help="JSONL documents ({id, text}) or a Parquet path")
    parser.add_argument("--output", required=True, help="output directory")
    parser.add_argument("--reprint", default="reprint", help="the reprint binary on the workers")
    parser.add_argument("--partitions", type=int, default=0, help="partitions of the documents")
    parser.add_argument("--parquet", action="store_true", help="also write Parquet")
    parser.add_argument("--keep", choices=["first", "longest"], default="first")
    parser.add_argument("reprint_args", nargs="*", help="reprint scan flags (after --)")
    args = parser.parse_args(argv)
    flags = list(args.reprint_args)
    if args.keep == "longest":
        flags += ["--keep", "longest"]

    spark = SparkSession.builder.appName("reprint").getOrCreate()
    sc = spark.sparkContext
    times = {}
    clock = time.time()

    def lap(name):
        nonlocal clock
        now = time.time()
        times[name] = round(now - clock, 3)
        clock = now

    # The settings, and the hash every record must carry.
    shown = subprocess.run(
        [args.reprint, "sketch", "--show-params", *flags], capture_output=True, text=True, check=False
    )
    if shown.returncode != 0:
        sys.exit("reprint sketch --show-params failed: " + shown.stderr.strip())
    info = json.loads(shown.stdout)
    params_hash, params = info["params"], info["resolved"]
    max_bucket, max_df, min_shared = params["max_bucket"], params["max_df"], params["min_shared"]
    fraction = params["min_containment"] * 0.75
    stage_flags = [*flags, "--expect-params", params_hash]
    sketch_cmd = [args.reprint, "sketch", *stage_flags]
    align_cmd = [args.reprint, "align-pairs", *stage_flags]

    # 1. documents, numbered in input order; a repeated id keeps the first.
    if args.input.endswith(".parquet") or os.path.isdir(args.input):
        rows = spark.read.parquet(args.input).select(F.col("id").cast("string"), "text").rdd
        docs = rows.zipWithIndex().map(lambda r: (r[1], r[0][0], r[0][1])).filter(
            lambda d: d[1] is not None and d[2] is not None
        )
    else:
        lines = sc.textFile(args.input, minPartitions=args.partitions or sc.defaultParallelism)
        docs = lines.zipWithIndex().flatMap(parse_jsonl)
    docs_df = spark.createDataFrame(docs, "idx long, id string, text string")
    docs_df = (
        docs_df.groupBy("id").agg(F.min("idx").alias("idx")).join(docs_df, ["id", "idx"]).select("idx", "id", "text")
    )
    if args.partitions:
        docs_df = docs_df.repartition(args.partitions)
    docs_df = docs_df.cache()
    n_docs = docs_df.count()
    lap("read")

    # 2. sketch in each partition; the id sent is the document number.
    sketch_schema = T.StructType(
        [
            T.StructField("idx", T.LongType()),
            T.StructField("words", T.LongType()),
            T.StructField("content", T.StringType()),
            T.StructField("bands", T.ArrayType(T.StringType())),
            T.StructField("fingerprints", T.ArrayType(T.LongType())),
            T.StructField("nfp", T.LongType()),
        ]
    )

    def parse_sketch(line):
        r = json.loads(line)
        if r["params"] != params_hash:
            raise ValueError("reprint sketch ran with parameters %s, expected %s" % (r["params"], params_hash))
        return (int(r["id"]), r["words"], r["content"], r["bands"], r["fingerprints"], len(r["fingerprints"]))

    sketches = (
        docs_df.rdd.map(lambda d: json.dumps({"id": str(d.idx), "text": d.text}))
        .pipe(shlex.join(sketch_cmd), checkCode=True)
        .map(parse_sketch)
    )
    sk = spark.createDataFrame(sketches, sketch_schema).where("words > 0").cache()
    sk.count()
    lap("sketch")

    # 3. exact copies: the first of each content stands for the others.
    groups = sk.groupBy("content").agg(F.min("idx").alias("first"), F.count("*").alias("size"))
    with_first = sk.join(groups, "content").cache()
    firsts = with_first.where("idx = first")
    # The members a first document stands for: itself, plus its copies when
    # the group is small (a large group is only linked to its first).
    stands_for = with_first.where("idx = first or size - 1 < %d" % max_bucket).select(
        F.col("first"), F.col("idx").alias("member")
    )
    exact_star = with_first.where("idx != first").select(F.col("first").alias("a"), F.col("idx").alias("b"))
    copies = with_first.where("idx != first and size - 1 < %d" % max_bucket)
    exact_within = (
        copies.rdd.map(lambda r: (r.first, r.idx))
        .groupByKey()
        .flatMap(lambda kv: [p for p, _ in all_pairs(list(kv[1]))])
        .toDF("a long, b long")
    )
    lap("exact")

    # 4. LSH buckets.
    lsh_pairs = (
        firsts.select("idx", F.posexplode("bands").alias("band", "key"))
        .rdd.map(lambda r: ((r.band, r.key), r.idx))
        .groupByKey()
        .flatMap(lambda kv: bucket_pairs(list(kv[1]), max_bucket))
        .toDF("a long, b long")
    )

    # 5. reuse: shared fingerprints held by 2..max_df documents.
    # Pairs are made by a self-join in Spark SQL (in the JVM), not in Python.
    fps = firsts.select("idx", F.explode("fingerprints").alias("fp"))
    kept_fps = (
        fps.groupBy("fp")
        .agg(F.count("*").alias("df"))
        .where((F.col("df") >= 2) & (F.col("df") <= max_df))
        .select("fp")
    )
    held = fps.join(kept_fps, "fp")
    x, y = held.alias("x"), held.alias("y")
    shared = (
        x.join(y, (F.col("x.fp") == F.col("y.fp")) & (F.col("x.idx") < F.col("y.idx")))
        .groupBy(F.col("x.idx").alias("a"), F.col("y.idx").alias("b"))
        .agg(F.count("*").alias("shared"))
        .where(F.col("shared") >= min_shared)
    )
    if fraction > 0:
        counts = firsts.select(F.col("idx"), F.col("nfp"))
        shared = (
            shared.join(counts.withColumnRenamed("idx", "a").withColumnRenamed("nfp", "na"), "a")
            .join(counts.withColumnRenamed("idx", "b").withColumnRenamed("nfp", "nb"), "b")
            .where(F.col("shared") >= F.ceil(F.lit(fraction) * F.least("na", "nb")))
        )
    candidates = lsh_pairs.union(shared.select("a", "b")).distinct()
    n_candidates = candidates.cache().count()
    lap("candidates")

    # 6. copies inherit the pairs of their first; exact pairs are added.
    expanded = (
        candidates.join(stands_for.withColumnRenamed("first", "a").withColumnRenamed("member", "ma"), "a")
        .join(stands_for.withColumnRenamed("first", "b").withColumnRenamed("member", "mb"), "b")
        .select(F.least("ma", "mb").alias("a"), F.greatest("ma", "mb").alias("b"))
    )
    pairs = expanded.union(exact_star).union(exact_within).distinct()
    texts = docs_df.select("idx", "text")
    joined = (
        pairs.join(texts.withColumnRenamed("idx", "a").withColumnRenamed("text", "ta"), "a")
        .join(texts.withColumnRenamed("idx", "b").withColumnRenamed("text", "tb"), "b")
    )

    def pair_line(r):
        return json.dumps(
            {"a": {"id": str(r.a), "text": r.ta}, "b": {"id": str(r.b), "text": r.tb}, "params": params_hash}
        )

    aligned = joined.rdd.map(pair_line).pipe(shlex.join(align_cmd), checkCode=True).map(json.loads)
    pair_schema = T.StructType(
        [
            T.StructField("a_idx", T.LongType()),
            T.StructField("b_idx", T.LongType()),
            T.StructField("kind", T.StringType()),
            T.StructField("json", T.StringType()),
        ]
    )
    found = spark.createDataFrame(
        aligned.map(lambda p: (int(p["a"]), int(p["b"]), p["kind"], json.dumps(p))), pair_schema
    ).cache()
    n_pairs = found.count()
    lap("align")

    # 7. clusters of exact and near-duplicate pairs.
    edges = found.where("kind != 'reuse'").select(F.col("a_idx").alias("src"), F.col("b_idx").alias("dst"))
    labels = connected_components(spark, edges)
    words = sk.select(F.col("idx").alias("v"), "words")
    ids = docs_df.select(F.col("idx").alias("v"), "id")
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
        labels.join(ids, "v")
        .join(words, "v")
        .rdd.map(lambda r: (r.label, (r.v, r.id, r.words)))
        .groupByKey()
        .map(cluster_row)
        .sortBy(lambda c: c[0])
        .zipWithIndex()
        .map(lambda ci: Row(first=ci[0][0], id=ci[1], representative=ci[0][1], members=ci[0][2]))
    )
    clusters_df = spark.createDataFrame(
        clusters, "first long, id long, representative string, members array<string>"
    ).cache()
    n_clusters = clusters_df.count()
    lap("cluster")

    # 8. write: pairs ordered by (a, b) input order, with the real ids.
    def with_ids(r):
        p = json.loads(r.json)
        p["a"], p["b"] = r.a_id, r.b_id
        return (r.a_idx, r.b_idx, json.dumps(p, ensure_ascii=False))

    named = (
        found.join(ids.withColumnRenamed("v", "a_idx").withColumnRenamed("id", "a_id"), "a_idx")
        .join(ids.withColumnRenamed("v", "b_idx").withColumnRenamed("id", "b_id"), "b_idx")
        .rdd.map(with_ids)
        .toDF("a_idx long, b_idx long, value string")
        .orderBy("a_idx", "b_idx")
    )
    named.select("value").write.mode("overwrite").text(os.path.join(args.output, "pairs.jsonl"))
    cluster_json = clusters_df.orderBy("first").select(
        F.to_json(F.struct("id", "representative", "members")).alias("value")
    )
    cluster_json.write.mode("overwrite").text(os.path.join(args.output, "clusters.jsonl"))
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
        )
        parsed = named.select("a_idx", "b_idx", F.from_json("value", pair_fields).alias("p"), "value")
        parsed.select(
            "p.a", "p.b", "p.kind", "p.jaccard", "p.containment_a", "p.containment_b", "p.budget_exhausted",
            F.get_json_object("value", "$.passages").alias("passages_json"),
        ).write.mode("overwrite").parquet(os.path.join(args.output, "pairs.parquet"))
        clusters_df.orderBy("first").select("id", "representative", "members").write.mode("overwrite").parquet(
            os.path.join(args.output, "clusters.parquet")
        )
    lap("write")

    summary = {
        "schema": "reprint/1",
        "params": params,
        "params_hash": params_hash,
        "documents": n_docs,
        "candidates": n_candidates,
        "pairs": n_pairs,
        "clusters": n_clusters,
        "seconds": times,
    }
    with open(os.path.join(args.output, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary), file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
