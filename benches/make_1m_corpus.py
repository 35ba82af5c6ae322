#!/usr/bin/env python3
"""Builds the 1,000,000-document corpus of issue 18 from the 100,000-document one.

    python3 benches/make_1m_corpus.py [--src target/bench-corpus/c100000/corpus.jsonl]
                                      [--out target/bench-corpus/c1000000/corpus.jsonl]
                                      [--copies 9] [--jobs 2]

The output is the source corpus, line for line, followed by COPIES copies
of it. In copy k (1..COPIES) every word (a maximal run of non-white-space
characters, as `str.split` gives them: punctuation and case kept) is
replaced by its image under the k-th permutation of the source's
vocabulary (its distinct words, sorted, shuffled by `random.Random(k)`),
and every id gets the suffix `#k`; white space is kept. The copies keep
the source's document lengths in words and its planted pairs (a pair of
the source is a pair of each copy), but share next to no shingle with the
source or with each other, so the candidate pairs grow ten-fold and no
more. Words of the copies are drawn uniformly from the vocabulary, whose
rare words are long: each copy is about twice the source's bytes (from
the 100k corpus of 473 MB: 8.4 GB in all).

Deterministic: the same source gives the same bytes. Needs only the Python
standard library. The copies are made on `--jobs` processes into part
files next to the output, which are appended in order and deleted.
"""
import argparse
import json
import multiprocessing
import os
import random
import re
import shutil

WORD = re.compile(r"(\S+)")


def vocabulary(src):
    words = set()
    with open(src, encoding="utf-8") as f:
        for line in f:
            words.update(WORD.findall(json.loads(line)["text"]))
    return sorted(words)


def make_copy(job):
    src, part, vocab, k = job
    image = list(vocab)
    random.Random(k).shuffle(image)
    table = dict(zip(vocab, image))
    with open(src, encoding="utf-8") as f, open(part, "w", encoding="utf-8") as out:
        for line in f:
            doc = json.loads(line)
            pieces = WORD.split(doc["text"])
            pieces[1::2] = map(table.__getitem__, pieces[1::2])
            doc["id"] = f"{doc['id']}#{k}"
            doc["text"] = "".join(pieces)
            out.write(json.dumps(doc, ensure_ascii=False))
            out.write("\n")
    return part


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default="target/bench-corpus/c100000/corpus.jsonl")
    ap.add_argument("--out", default="target/bench-corpus/c1000000/corpus.jsonl")
    ap.add_argument("--copies", type=int, default=9)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    vocab = vocabulary(args.src)
    jobs = [(args.src, f"{args.out}.part{k}", vocab, k) for k in range(1, args.copies + 1)]
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as out:
        with open(args.src, "rb") as f:
            shutil.copyfileobj(f, out, 1 << 20)
        with multiprocessing.Pool(args.jobs) as pool:
            # imap keeps the copies in order while later ones are made
            for part in pool.imap(make_copy, jobs):
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
                os.remove(part)
    os.replace(tmp, args.out)
    lines = sum(1 for _ in open(args.out, "rb"))
    print(f"{args.out}: {lines} documents, {os.path.getsize(args.out) / 1e9:.2f} GB "
          f"({len(vocab)} distinct words permuted)")


if __name__ == "__main__":
    main()
