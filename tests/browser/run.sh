#!/usr/bin/env bash
# Browser test of `reprint scan --format html`: renders reports in Debian's
# headless Chromium and checks the DOM the page's script builds.
#
#   tests/browser/run.sh [--screenshot PATH]
#
# Checks:
#   1. every pair of the scan (seeds + republished + a hostile JSONL pair)
#      is listed in the pairs table;
#   2. opening a pair (#pair=0) highlights its passages as <mark class="passage">
#      on both sides;
#   3. the hostile document is shown as text and its script and onerror
#      handler did not run;
#   4. a report of 10,000+ pairs renders one page of 200 rows and opens a pair;
#   5. the overview opens on the pairs, most reused first, before the
#      summary, with the parameters folded;
#   6. `compare --format html` opens on its pair, side by side;
#   7. a report made with --date-field/--source-field opens #publishers: a
#      row per flow and an SVG with an arrow per drawn flow, a source name
#      that is markup shown as text; #flow=0 lists that flow's pairs;
#   8. its #stories view lists every story, largest first, the largest
#      unfolded as its tree;
#   9. its pair view shows dates, publishers and the origin, and greys the
#      passages' source boilerplate;
#  10. a report without metadata shows no Stories, Publishers or Origin.
# It also screenshots the seeds' report with its pair open (to a temporary
# file, or to PATH: `--screenshot docs/report.png` updates the README's).
#
# Needs bash, python3 and chromium (installed with apt-get when missing).
# Exits non-zero when a check fails; the last line is
# `browser: N passed, M failed`.

set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
screenshot="$tmp/report.png"
if [[ "${1:-}" == "--screenshot" && -n "${2:-}" ]]; then
    screenshot=$2
fi

if ! command -v chromium >/dev/null 2>&1; then
    echo "browser: installing chromium"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
        echo "browser: cannot install chromium"
        exit 2
    fi
fi

cargo build --release --quiet || { echo "browser: build failed"; exit 2; }
reprint="$root/target/release/reprint"

# Chromium without the background traffic a closed network refuses.
browse() {
    chromium --headless --no-sandbox --disable-gpu --disable-quic \
        --disable-background-networking --disable-component-update \
        --no-first-run --disable-sync --user-data-dir="$(mktemp -d -p "$tmp")" \
        --virtual-time-budget=5000 "$@" 2>>"$tmp/chromium.log"
}

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; shift; for line in "$@"; do echo "     $line"; done; }

# --- the reports ------------------------------------------------------------

# Two copies of a hostile document: text that tries to end the data block and
# run script, an image whose error handler adds #pwned, markup in the ids.
python3 - "$tmp/hostile.jsonl" <<'EOF'
import json, sys
text = ("Breaking news from the river valley today. </script><script>document.title='PWNED'</script> "
        "The council voted to rebuild the old stone bridge "
        "<img src=x onerror=\"document.body.appendChild(Object.assign(document.createElement('div'),{id:'pwned'}))\"> "
        "before the spring floods arrive, and the mayor said the work would start in April and take "
        "about six months to finish. <!-- <script>document.title='PWNED'</script> --> & &amp; end.")
with open(sys.argv[1], "w") as f:
    for i in (1, 2):
        f.write(json.dumps({"id": f"hostile-<b>{i}</b>", "text": text}) + "\n")
EOF

inputs=(fixtures/seeds fixtures/republished "$tmp/hostile.jsonl")
"$reprint" scan -q "${inputs[@]}" --format html -o "$tmp/report.html"
"$reprint" scan -q "${inputs[@]}" --format json -o "$tmp/report.json"
"$reprint" scan -q fixtures/seeds fixtures/republished --format html -o "$tmp/seeds.html"

browse --dump-dom "file://$tmp/report.html" >"$tmp/overview.dom"
browse --dump-dom "file://$tmp/report.html#pair=0" >"$tmp/pair0.dom"
hostile=$(python3 -c 'import json,sys; print(next(i for i, p in enumerate(json.load(open(sys.argv[1]))["pairs"]) if p["a"].startswith("hostile")))' "$tmp/report.json")
browse --dump-dom "file://$tmp/report.html#pair=$hostile" >"$tmp/hostile.dom"

# --- 1. every pair is listed ----------------------------------------------------

missing=$(python3 - "$tmp/report.json" "$tmp/overview.dom" <<'EOF'
import html, json, re, sys
report = json.load(open(sys.argv[1]))
dom = open(sys.argv[2]).read()
rows = {}
for m in re.finditer(r'<tr class="link" data-pair="(\d+)">(.*?)</tr>', dom):
    rows[int(m.group(1))] = m.group(2)
problems = []
if not report["pairs"]:
    problems.append("the scan has no pair")
for i, p in enumerate(report["pairs"]):
    row = rows.get(i)
    if row is None:
        problems.append(f"pair {i} has no row")
        continue
    for side in ("a", "b"):
        cell = '<span class="id">' + html.escape(p[side], quote=False) + "</span>"
        if cell not in row:
            problems.append(f"pair {i}: {side} id {p[side]!r} not in its row")
if len(rows) != len(report["pairs"]):
    problems.append(f"{len(rows)} rows for {len(report['pairs'])} pairs")
print("\n".join(problems))
EOF
)
if [[ -z "$missing" ]]; then
    pass "every pair of the scan is listed ($(grep -o 'data-pair="' "$tmp/overview.dom" | wc -l) rows)"
else
    mapfile -t lines <<<"$missing"
    fail "every pair of the scan is listed" "${lines[@]}"
fi

# --- 2. passages are highlighted ------------------------------------------------

marks=$(grep -o '<mark class="passage' "$tmp/pair0.dom" | wc -l)
if ((marks > 0)) && grep -q 'id="a-p0"' "$tmp/pair0.dom" && grep -q 'id="b-p0"' "$tmp/pair0.dom"; then
    pass "pair 0 opened from #pair=0 highlights its passages ($marks marks)"
else
    fail "pair 0 opened from #pair=0 highlights its passages" "$marks passage marks; a-p0 and b-p0 expected"
fi

# --- 3. the hostile document stayed text ----------------------------------------

problems=()
grep -q 'id="pwned"' "$tmp/hostile.dom" && problems+=("the onerror handler ran: #pwned exists")
grep -q '<title>PWNED' "$tmp/hostile.dom" && problems+=("the injected script ran: the title is PWNED")
grep -q '<title>reprint report' "$tmp/hostile.dom" || problems+=("the page title changed")
grep -qF "today. &lt;/script&gt;&lt;script&gt;document.title='PWNED'&lt;/script&gt;" "$tmp/hostile.dom" ||
    problems+=("the hostile text is not shown as text")
grep -qF '<span class="id">hostile-&lt;b&gt;1&lt;/b&gt;</span>' "$tmp/hostile.dom" ||
    problems+=("the hostile id is not shown as text")
if grep -o '<img[^>]*>' "$tmp/hostile.dom" | grep -q .; then problems+=("an <img> element exists"); fi
if ((${#problems[@]} == 0)); then
    pass "hostile document (pair $hostile) is shown as text; its script did not run"
else
    fail "hostile document is shown as text; its script did not run" "${problems[@]}"
fi

# --- 4. 10,000 pairs --------------------------------------------------------------

# 100 groups of 16 near-identical documents (120 pairs each, 12,000 in all);
# each group's text is drawn at random from the seeds' words, so groups do not
# share passages.
python3 - "$tmp/many.jsonl" <<'EOF'
import json, pathlib, random, sys
rng = random.Random(7)
words = sorted({w for p in sorted(pathlib.Path("fixtures/seeds").iterdir()) for w in p.read_text().split()})
with open(sys.argv[1], "w") as f:
    for g in range(100):
        base = [rng.choice(words) for _ in range(150)]
        for v in range(16):
            doc = list(base)
            doc[rng.randrange(len(doc))] = f"edit{v}"
            f.write(json.dumps({"id": f"g{g:03}-v{v:02}", "text": " ".join(doc)}) + "\n")
EOF
"$reprint" scan -q "$tmp/many.jsonl" --format html -o "$tmp/many.html"
"$reprint" scan -q "$tmp/many.jsonl" --format json -o "$tmp/many.json"
npairs=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["pairs"]))' "$tmp/many.json")
start=$(date +%s.%N)
browse --dump-dom "file://$tmp/many.html" >"$tmp/many.dom"
browse --dump-dom "file://$tmp/many.html#pair=$((npairs - 1))" >"$tmp/many-last.dom"
seconds=$(python3 -c "import sys; print(f'{$(date +%s.%N) - $start:.1f}')")
rows=$(grep -o 'data-pair="' "$tmp/many.dom" | wc -l)
size=$(($(wc -c <"$tmp/many.html") / 1024))
if ((npairs >= 10000)) && ((rows == 200)) && grep -qF "1–200 of $npairs" "$tmp/many.dom" &&
    grep -q '<mark class="passage' "$tmp/many-last.dom"; then
    pass "$npairs pairs ($size KiB): table shows 200 rows, last pair opens (2 loads in ${seconds}s)"
else
    fail "$npairs pairs: table shows 200 rows of $npairs, last pair opens" "rows: $rows, file: $size KiB"
fi

# --- 5. the overview opens on the pairs, most reused first ----------------------

problems=$(python3 - "$tmp/report.json" "$tmp/overview.dom" <<'EOF'
import json, re, sys
report = json.load(open(sys.argv[1]))
dom = open(sys.argv[2]).read()
problems = []
reuse = [max(p["containment_a"], p["containment_b"]) for p in report["pairs"]]
want = sorted(range(len(reuse)), key=lambda i: (-reuse[i], i))
got = [int(n) for n in re.findall(r'<tr class="link" data-pair="(\d+)">', dom)]
if got != want:
    problems.append(f"rows in order {got}, most reused first is {want}")
pairs_at, summary_at = dom.find("<h2>Pairs</h2>"), dom.find("<h2>Summary</h2>")
if not 0 <= pairs_at < summary_at:
    problems.append(f"the pairs (at {pairs_at}) do not come before the summary (at {summary_at})")
if not re.search(r'<details class="params"><summary>Parameters</summary>', dom):
    problems.append("the parameters are not folded in a closed <details>")
print("\n".join(problems))
EOF
)
if [[ -z "$problems" ]]; then
    pass "the overview opens on the pairs, most reused first, parameters folded"
else
    mapfile -t lines <<<"$problems"
    fail "the overview opens on the pairs, most reused first, parameters folded" "${lines[@]}"
fi

# --- 6. compare's page opens on its pair ------------------------------------------

"$reprint" compare fixtures/seeds/000_1496404e9c0b7117.txt fixtures/seeds/001_ab3f00e89c8442ab.txt \
    --format html -o "$tmp/compare.html"
browse --dump-dom "file://$tmp/compare.html" >"$tmp/compare.dom"
if grep -q 'id="a-p0"' "$tmp/compare.dom" && grep -q 'id="b-p0"' "$tmp/compare.dom"; then
    pass "compare --format html opens on the pair, passages highlighted"
else
    fail "compare --format html opens on the pair" "no a-p0 / b-p0 passage marks without a #pair hash"
fi

# --- 7-9. dates, sources, origins: publishers, stories, the pair view ----------

# Eight stories: an origin (from one of two wire sources, dated in January)
# and three later copies of a part of it by three other sources; every
# source signs its documents with a footer of its own. One source's name is
# markup.
python3 - "$tmp/meta.jsonl" <<'EOF'
import json, pathlib, random, sys
rng = random.Random(17)
words = sorted({w for p in sorted(pathlib.Path("fixtures/seeds").iterdir()) for w in p.read_text().split()})
draw = lambda n: [rng.choice(words) for _ in range(n)]
sources = ["wire-one", "<b>press</b>", "daily-three", "gazette-four", "herald-five"]
footer = {s: draw(30) for s in sources}
with open(sys.argv[1], "w") as f:
    def put(id, source, date, text):
        f.write(json.dumps({"id": id, "source": source, "date": date, "text": " ".join(text + footer[source])}) + "\n")
    for k in range(8):
        orig = draw(320)
        put(f"story{k}-origin", sources[k % 2], f"2024-01-{k + 1:02}", orig)
        for j in range(3):
            start = rng.randrange(0, 150)
            put(f"story{k}-copy{j}", sources[2 + (k + j) % 3], f"2024-02-{k + j + 1:02}",
                draw(120) + orig[start:start + 140] + draw(90))
EOF
meta=(--date-field date --source-field source)
"$reprint" scan -q "$tmp/meta.jsonl" "${meta[@]}" --format html -o "$tmp/meta.html"
"$reprint" scan -q "$tmp/meta.jsonl" "${meta[@]}" --format json -o "$tmp/meta.json"
browse --dump-dom "file://$tmp/meta.html#publishers" >"$tmp/publishers.dom"
browse --dump-dom "file://$tmp/meta.html#flow=0" >"$tmp/flow0.dom"
browse --dump-dom "file://$tmp/meta.html#stories" >"$tmp/stories.dom"
# The first pair with an origin, and the first with source boilerplate in a
# passage (-1 when none).
read -r origin_pair boiler_pair < <(python3 -c '
import json, sys
pairs = json.load(open(sys.argv[1]))["pairs"]
first = lambda ok: next((i for i, p in enumerate(pairs) if ok(p)), -1)
print(first(lambda p: p.get("origin") in ("a", "b")), first(lambda p: any(q.get("boilerplate") for q in p["passages"])))
' "$tmp/meta.json")
browse --dump-dom "file://$tmp/meta.html#pair=$origin_pair" >"$tmp/origin.dom"
browse --dump-dom "file://$tmp/meta.html#pair=$boiler_pair" >"$tmp/boiler.dom"

problems=$(python3 - "$tmp/meta.json" "$tmp/publishers.dom" "$tmp/flow0.dom" <<'EOF'
import html, json, re, sys
report = json.load(open(sys.argv[1]))
flows = report.get("publishers") or []
dom = open(sys.argv[2]).read()
problems = []
if len(flows) < 2:
    problems.append(f"the scan has {len(flows)} flows")
if '<a href="#publishers" class="current">Publishers</a>' not in dom:
    problems.append("no current Publishers link in the nav")
rows = re.findall(r'<tr class="link" title="show the pairs of this flow" data-flow="(\d+)">(.*?)</tr>', dom)
if [int(i) for i, _ in rows] != list(range(min(200, len(flows)))):
    problems.append(f"{len(rows)} flow rows for {len(flows)} flows, or out of order")
for (i, row), f in zip(rows, flows):
    for name in (f["from"], f["to"]):
        if '<span class="id">' + html.escape(name, quote=False) + "</span>" not in row:
            problems.append(f"flow {i}: source {name!r} not in its row")
    if f'<td class="num">{f["words"]}</td>' not in row:
        problems.append(f"flow {i}: {f['words']} words not in its row")
svg = re.search(r'<svg class="flows"[^>]*>(.*?)</svg>', dom, re.S)
edges = re.findall(r'<g class="edge" data-flow="\d+">', svg.group(1)) if svg else []
if not svg or len(edges) != min(40, len(flows)):
    problems.append(f"{len(edges)} arrows in the picture for {len(flows)} flows")
elif len(re.findall(r'<path class="line"', svg.group(1))) != len(edges):
    problems.append("an arrow without its line")
if "<b>press" in dom:
    problems.append("the source named <b>press</b> became markup")
# #flow=0 lists the pairs of the heaviest flow, and only those.
if flows:
    f, pub = flows[0], {d["id"]: d.get("publisher") for d in report["documents"]}
    want = sorted(i for i, p in enumerate(report["pairs"]) if p.get("origin") in ("a", "b")
                  and (pub[p[p["origin"]]], pub[p["b" if p["origin"] == "a" else "a"]]) == (f["from"], f["to"]))
    got = sorted(int(i) for i in re.findall(r'<tr class="link" data-pair="(\d+)">', open(sys.argv[3]).read()))
    if got != want or len(want) != f["pairs"]:
        problems.append(f"#flow=0 lists pairs {got}, want {want} ({f['pairs']} pairs)")
print("\n".join(problems))
EOF
)
if [[ -z "$problems" ]]; then
    pass "#publishers: a row per flow, an SVG with $(grep -o '<g class="edge"' "$tmp/publishers.dom" | wc -l) arrows, #flow=0 its pairs; a source named <b>press</b> stays text"
else
    mapfile -t lines <<<"$problems"
    fail "#publishers: a row per flow and an SVG with an arrow per drawn flow" "${lines[@]}"
fi

problems=$(python3 - "$tmp/meta.json" "$tmp/stories.dom" <<'EOF'
import html, json, re, sys
stories = json.load(open(sys.argv[1])).get("stories") or []
dom = open(sys.argv[2]).read()
problems = []
if not stories:
    problems.append("the scan has no story")
if '<a href="#stories" class="current">Stories</a>' not in dom:
    problems.append("no current Stories link in the nav")
shown = [int(i) for i in re.findall(r'<details class="story" data-story="(\d+)"', dom)]
largest = [stories[i]["id"] for i in sorted(range(len(stories)), key=lambda i: (-len(stories[i]["members"]), i))]
if shown != largest[:200]:
    problems.append(f"stories shown {shown}, largest first is {largest}")
if stories:
    top = next(s for s in stories if s["id"] == largest[0])
    m = re.search(r'<details class="story" data-story="%d" open="">(.*?)</details>' % top["id"], dom, re.S)
    if not m:
        problems.append(f"story {top['id']} is not unfolded")
    else:
        tree = m.group(1)
        members = re.findall(r'<div class="member"><span class="id">(.*?)</span>', tree)
        want = [html.escape(x["id"], quote=False) for x in top["members"]]
        if sorted(members) != sorted(want):
            problems.append(f"story {top['id']}: members {members}, want {want}")
        taken = sum(1 for x in top["members"] if x["evidence"] in ("date", "text"))
        if tree.count("took from ") != taken:
            problems.append(f"story {top['id']}: {tree.count('took from ')} 'took from' lines, want {taken}")
print("\n".join(problems))
EOF
)
if [[ -z "$problems" ]]; then
    pass "#stories: every story, largest first, the largest unfolded as its tree"
else
    mapfile -t lines <<<"$problems"
    fail "#stories: every story, largest first, the largest unfolded as its tree" "${lines[@]}"
fi

problems=$(python3 - "$tmp/meta.json" "$tmp/origin.dom" "$origin_pair" "$tmp/boiler.dom" "$boiler_pair" <<'EOF'
import html, json, re, sys
report = json.load(open(sys.argv[1]))
dom = open(sys.argv[2]).read()
i, b = int(sys.argv[3]), int(sys.argv[5])
if i < 0:
    print("no pair has an origin")
    sys.exit()
problems = []
p = report["pairs"][i]
docs = {d["id"]: d for d in report["documents"]}
origin, other = p[p["origin"]], p["b" if p["origin"] == "a" else "a"]
evidence = "by date" if p["origin_evidence"] == "date" else "by text"
line = re.search(r'<p class="origin-line">(.*?)</p>', dom)
want = (f'Origin: <strong>{p["origin"]} </strong><span class="id">{html.escape(origin, quote=False)}</span> ({evidence}); '
        f'<span class="id">{html.escape(other, quote=False)}</span> took its text from it.')
if not line or not line.group(1).startswith(want):
    problems.append(f"pair {i}: origin line {line.group(1) if line else None!r}, want {want!r}")
if f'<span class="origin-tag">origin ({evidence})</span>' not in dom:
    problems.append(f"pair {i}: its origin side is not tagged")
for side in "ab":
    d = docs[p[side]]
    meta = " \u00b7 ".join(html.escape(x, quote=False) for x in (d["date"], d["publisher"]))
    if meta not in dom:
        problems.append(f"pair {i}: {side}'s date and publisher {meta!r} not shown")
if b < 0:
    problems.append("no passage holds source boilerplate")
elif '<span class="boilerplate" title="source boilerplate">' not in open(sys.argv[4]).read():
    problems.append(f"pair {b}: its passages' source boilerplate is not marked")
print("\n".join(problems))
EOF
)
if [[ -z "$problems" ]]; then
    pass "pair $origin_pair shows dates, publishers and its origin; pair $boiler_pair greys source boilerplate"
else
    mapfile -t lines <<<"$problems"
    fail "the pair view shows dates, publishers, the origin and source boilerplate" "${lines[@]}"
fi

# --- 10. without metadata, none of it ---------------------------------------------

problems=()
grep -q 'href="#stories"' "$tmp/overview.dom" && problems+=("a Stories link")
grep -q 'href="#publishers"' "$tmp/overview.dom" && problems+=("a Publishers link")
grep -q '>Origin<' "$tmp/overview.dom" && problems+=("an Origin column")
grep -q 'class="origin-line"' "$tmp/pair0.dom" && problems+=("an origin line in pair 0")
if ((${#problems[@]} == 0)); then
    pass "a report without metadata shows no stories, publishers or origins"
else
    fail "a report without metadata shows no stories, publishers or origins" "${problems[@]}"
fi

# --- screenshot -------------------------------------------------------------------

mkdir -p "$(dirname "$screenshot")"
browse --hide-scrollbars --window-size=1400,1000 --screenshot="$screenshot" "file://$tmp/seeds.html#pair=0" >/dev/null
if [[ -s "$screenshot" ]] && [[ "$(head -c 8 "$screenshot" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]]; then
    pass "screenshot of the seeds' report: $screenshot"
else
    fail "screenshot of the seeds' report" "no PNG at $screenshot"
fi

if ((failed > 0)); then
    echo "chromium's log: $tmp/chromium.log (last lines)"
    tail -n 5 "$tmp/chromium.log"
fi
echo "browser: $passed passed, $failed failed"
((failed == 0))
