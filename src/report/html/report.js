// reprint HTML report: renders the embedded reprint/2 report.
//
// The data is the JSON in the element #reprint-data: the report (schema
// reprint/2) plus `texts`, the text of every document that is in a pair.
// Views are chosen by the URL hash:
//   #overview (default)  the pairs table, most reused first, then the
//                        summary; the parameters folded away
//   #pair=N              pair N side by side, passages highlighted (the
//                        default when the report has one pair: compare)
//   #clusters            the clusters table
//   #cluster=N           one cluster: members and connecting pairs
//   #stories             the stories, largest first, each as its tree
//                        (only when the report has stories)
//   #publishers          who took from whom: the flows between sources as
//                        a table and a picture (only when the report has
//                        publishers)
//   #flow=N              the pairs table, only the pairs of flow N
// Dates, publishers and origins are shown only when the report has them,
// so a report without them renders as it always did.
//
// Security: every string from the data (ids, texts, params, dates,
// publishers) reaches the page as a text node or textContent, never as
// markup; links are built from numbers only. The page's
// Content-Security-Policy allows only this script.

(function () {
  "use strict";

  const PAGE = 200; // table rows rendered at a time

  const data = JSON.parse(document.getElementById("reprint-data").textContent);
  const app = document.getElementById("app");

  // ---------------------------------------------------------------- helpers

  // Creates an element. `props`: className, text (textContent), title,
  // href, id, onclick, type, value, placeholder. `kids`: nodes or strings,
  // strings become text nodes.
  function h(tag, props, kids) {
    const e = document.createElement(tag);
    if (props) {
      for (const k of Object.keys(props)) {
        const v = props[k];
        if (v === undefined || v === null) continue;
        if (k === "text") e.textContent = String(v);
        else if (k === "onclick") e.addEventListener("click", v);
        else if (k === "className") e.className = v;
        else e[k] = v;
      }
    }
    for (const kid of kids || []) {
      if (kid === null || kid === undefined) continue;
      e.appendChild(typeof kid === "string" ? document.createTextNode(kid) : kid);
    }
    return e;
  }

  // The SVG namespace, read off an empty <svg> in the page (so that the file
  // holds no URL at all).
  const SVG = document.getElementById("svg-namespace").namespaceURI;
  function s(tag, attrs, kids) {
    const e = document.createElementNS(SVG, tag);
    for (const k of Object.keys(attrs || {})) e.setAttribute(k, String(attrs[k]));
    for (const kid of kids || []) e.appendChild(kid);
    return e;
  }

  function fmt(x, digits) {
    return typeof x === "number" && isFinite(x) ? x.toFixed(digits === undefined ? 3 : digits) : "";
  }

  function score(x) {
    const bar = h("span");
    bar.style.width = Math.max(0, Math.min(1, x)) * 100 + "%";
    return h("span", { className: "score" }, [bar]);
  }

  function kindTag(kind) {
    const safe = /^[a-z-]+$/.test(kind) ? kind : "other";
    return h("span", { className: "kind " + safe, text: kind });
  }

  function docLink(id) {
    return h("span", { className: "id", text: id });
  }

  // ------------------------------------------------------------------ model

  const docs = new Map(); // id -> document entry (first of equal ids)
  for (const d of data.documents) if (!docs.has(d.id)) docs.set(d.id, d);
  const texts = new Map();
  for (const t of data.texts || []) texts.set(t.id, t.text);

  // Dates, publishers and origins (reprint/2): present only when the scan
  // read metadata; every view below adds them only when they are there.
  const hasOrigin = data.pairs.some((p) => "origin" in p);
  const hasMeta = data.documents.some((d) => d.date !== undefined || d.publisher !== undefined);
  const stories = data.stories && data.stories.length ? data.stories : null;
  const flows = data.publishers && data.publishers.length ? data.publishers : null;

  function publisherOf(id) {
    const d = docs.get(id);
    return d && d.publisher !== undefined && d.publisher !== null ? String(d.publisher) : null;
  }
  function dateOf(id) {
    const d = docs.get(id);
    return d && d.date !== undefined && d.date !== null ? String(d.date) : null;
  }
  // "2024-11-27 · site-026" for a document with a date and a publisher.
  function metaText(id) {
    return [dateOf(id), publisherOf(id)].filter((x) => x !== null).join(" \u00b7 ");
  }
  const otherSide = { a: "b", b: "a" };
  function byEvidence(e) {
    return e === "date" ? "by date" : e === "text" ? "by text" : "direction unknown";
  }

  const pairs = data.pairs.map(function (p, i) {
    let longest = 0;
    for (const q of p.passages) longest = Math.max(longest, q.words);
    let search = p.a + "\u0000" + p.b;
    for (const id of [p.a, p.b]) if (publisherOf(id) !== null) search += "\u0000" + publisherOf(id);
    // The flow (origin's publisher -> the other's) the pair counts toward.
    let flow = null;
    if (p.origin === "a" || p.origin === "b") {
      const from = publisherOf(p[p.origin]), to = publisherOf(p[otherSide[p.origin]]);
      if (from !== null && to !== null && from !== to) flow = from + "\u0000" + to;
    }
    return { index: i, p: p, longest: longest, search: search.toLowerCase(), flow: flow };
  });
  const pairOf = new Map(); // "a\0b" (either order) -> first pair index
  for (const row of pairs) {
    for (const key of [row.p.a + "\u0000" + row.p.b, row.p.b + "\u0000" + row.p.a]) {
      if (!pairOf.has(key)) pairOf.set(key, row.index);
    }
  }

  const clusterOf = new Map(); // doc id -> cluster index
  const clusters = data.clusters.map(function (c, i) {
    for (const m of c.members) clusterOf.set(m, i);
    return { index: i, c: c, pairs: [] };
  });
  for (const row of pairs) {
    const ca = clusterOf.get(row.p.a);
    if (ca !== undefined && ca === clusterOf.get(row.p.b)) clusters[ca].pairs.push(row.index);
  }

  const kinds = [];
  for (const row of pairs) if (!kinds.includes(row.p.kind)) kinds.push(row.p.kind);
  kinds.sort();

  // ------------------------------------------------------------ navigation

  function nav(current) {
    const link = (href, label, key) =>
      h("a", { href: href, text: label, className: key === current ? "current" : "" });
    const bar = document.getElementById("nav");
    const links = [link("#overview", "Overview", "overview"), link("#clusters", "Clusters", "clusters")];
    if (stories) links.push(link("#stories", "Stories", "stories"));
    if (flows) links.push(link("#publishers", "Publishers", "publishers"));
    bar.replaceChildren(...links);
  }

  function route() {
    const hash = location.hash.replace(/^#/, "");
    const m = /^(pair|cluster|flow)=(\d+)$/.exec(hash);
    app.replaceChildren();
    if (m && m[1] === "pair" && +m[2] < pairs.length) {
      nav("overview");
      pairView(+m[2]);
    } else if (m && m[1] === "cluster" && +m[2] < clusters.length) {
      nav("clusters");
      clusterView(+m[2]);
    } else if (hash === "clusters") {
      nav("clusters");
      clustersView();
    } else if (m && m[1] === "flow" && +m[2] < flowRows.length) {
      // The pairs of one flow of the publishers' view.
      const r = flowRows[+m[2]];
      Object.assign(pairState, { flow: { key: r.key, from: String(r.f.from), to: String(r.f.to) }, kind: "", query: "", page: 0 });
      nav("publishers");
      pairsView();
    } else if (hash === "stories" && stories) {
      nav("stories");
      storiesView();
    } else if (hash === "publishers" && flows) {
      nav("publishers");
      publishersView();
    } else if (hash === "" && pairs.length === 1) {
      // One pair (compare): open on it.
      nav("overview");
      pairView(0);
    } else {
      if (pairState.flow) Object.assign(pairState, { flow: null, page: 0 });
      nav("overview");
      pairsView();
      summaryView();
    }
  }

  // --------------------------------------------------------------- summary

  function summaryView() {
    const st = data.stats;
    const card = (n, label) => h("div", { className: "card" }, [h("div", { className: "n", text: n }), h("div", { className: "k", text: label })]);
    const byKind = kinds.map((k) => card(pairs.filter((r) => r.p.kind === k).length, k + " pairs"));
    app.appendChild(h("h2", { text: "Summary" }));
    app.appendChild(
      h("div", { className: "cards" }, [
        card(st.documents, "documents read"),
        card(st.skipped, "skipped"),
        card(st.warnings, "warnings"),
        card(st.empty_documents, "empty documents"),
        card(pairs.length, "pairs"),
      ].concat(byKind, [
        card(clusters.length, "clusters"),
        card(st.candidates, "candidate pairs verified (" + st.near_candidates + " from LSH, " + st.reuse_candidates + " from the reuse index)"),
        card(st.budget_exhausted, "alignments over budget"),
      ]))
    );

    app.appendChild(h("h2", { text: "Similarity of the pairs" }));
    app.appendChild(
      h("div", { className: "charts" }, [
        histogram(pairs.map((r) => r.p.jaccard), "Jaccard of the shingle sets"),
        histogram(pairs.map((r) => Math.max(r.p.containment_a, r.p.containment_b)), "Containment (larger of a in b, b in a)"),
      ])
    );

    const dl = h("dl", { className: "params" });
    dl.appendChild(h("dt", { text: "schema" }));
    dl.appendChild(h("dd", { text: data.schema }));
    for (const k of Object.keys(data.params)) {
      dl.appendChild(h("dt", { text: k }));
      dl.appendChild(h("dd", { text: JSON.stringify(data.params[k]) }));
    }
    app.appendChild(h("details", { className: "params" }, [h("summary", { text: "Parameters" }), dl]));
  }

  // A histogram of values in [0, 1] as inline SVG, 20 bins.
  function histogram(values, caption) {
    const bins = 20, W = 420, H = 150, left = 34, bottom = 18, top = 8;
    const counts = new Array(bins).fill(0);
    for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
    const max = Math.max(1, ...counts);
    const bw = (W - left - 4) / bins, ph = H - bottom - top;
    const svg = s("svg", { class: "hist", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img" });
    counts.forEach(function (n, i) {
      const bh = (n / max) * ph;
      const title = s("title");
      title.textContent = (i / bins).toFixed(2) + "\u2013" + ((i + 1) / bins).toFixed(2) + ": " + n + (n === 1 ? " pair" : " pairs");
      svg.appendChild(s("rect", { class: "bar", x: left + i * bw + 1, y: top + ph - bh, width: bw - 2, height: bh }, [title]));
    });
    svg.appendChild(s("line", { x1: left, y1: top + ph, x2: W - 4, y2: top + ph }));
    svg.appendChild(s("line", { x1: left, y1: top, x2: left, y2: top + ph }));
    const label = (x, y, text, anchor) => {
      const t = s("text", { x: x, y: y, "text-anchor": anchor });
      t.textContent = text;
      svg.appendChild(t);
    };
    for (const x of [0, 0.25, 0.5, 0.75, 1]) label(left + x * (W - left - 4), H - 4, String(x), "middle");
    label(left - 4, top + 8, String(max), "end");
    label(left - 4, top + ph, "0", "end");
    return h("figure", { className: "chart" }, [svg, h("figcaption", { text: caption + ", " + values.length + (values.length === 1 ? " pair" : " pairs") })]);
  }

  // ----------------------------------------------------------- pairs table

  // Most reused first: by the larger containment, ties in report order.
  // `flow`: null, or the pairs of one flow of the publishers' view
  // ({key, from, to}, key as in `pairs[i].flow`).
  const pairState = { kind: "", query: "", sort: "reuse", desc: true, page: 0, flow: null };

  const pairColumns = [
    { key: "index", label: "#", num: true, get: (r) => r.index },
    { key: "a", label: "Document a", get: (r) => r.p.a },
    { key: "b", label: "Document b", get: (r) => r.p.b },
    { key: "kind", label: "Kind", get: (r) => r.p.kind },
    { key: "reuse", label: "Reused (larger containment)", num: true, get: (r) => Math.max(r.p.containment_a, r.p.containment_b) },
    { key: "jaccard", label: "Jaccard", num: true, get: (r) => r.p.jaccard },
    { key: "containment_a", label: "Containment a", num: true, get: (r) => r.p.containment_a },
    { key: "containment_b", label: "Containment b", num: true, get: (r) => r.p.containment_b },
    { key: "passages", label: "Passages", num: true, get: (r) => r.p.passages.length },
    { key: "longest", label: "Longest passage (words)", num: true, get: (r) => r.longest },
  ];
  // With origins, which side the text came from, after the kind.
  const ORIGIN_AT = 4;
  if (hasOrigin) {
    pairColumns.splice(ORIGIN_AT, 0, {
      key: "origin",
      label: "Origin",
      get: (r) => (r.p.origin ? r.p.origin + " " + (r.p.origin_evidence || "") : "~"),
    });
  }

  // A document's cell: its id, then (when the report has them) whether the
  // pair's text came from it, and its date and publisher.
  function docCell(p, side) {
    const id = p[side];
    const kids = [docLink(id)];
    if (p.origin === side) {
      kids.push(" ", h("span", { className: "origin-tag", text: "origin", title: "the shared text came from here (" + byEvidence(p.origin_evidence) + ")" }));
    }
    if (hasMeta && metaText(id)) kids.push(h("div", { className: "meta muted", text: metaText(id) }));
    return h("td", {}, kids);
  }

  function originCell(p) {
    if (p.origin !== "a" && p.origin !== "b") {
      return h("td", { className: "muted", text: "unknown", title: p.origin_why || "the evidence is too weak to say" });
    }
    return h("td", { title: p.origin_why || "" }, [
      h("strong", { text: p.origin }),
      " ",
      h("span", { className: "evidence " + (p.origin_evidence === "text" ? "text" : "date"), text: byEvidence(p.origin_evidence) }),
    ]);
  }

  function pairRow(r) {
    const p = r.p;
    const tr = h("tr", { className: "link", onclick: () => (location.hash = "pair=" + r.index) }, [
      h("td", { className: "num" }, [h("a", { href: "#pair=" + r.index, text: String(r.index) })]),
      docCell(p, "a"),
      docCell(p, "b"),
      h("td", {}, [kindTag(p.kind)]),
      hasOrigin ? originCell(p) : null,
      h("td", { className: "num" }, [fmt(Math.max(p.containment_a, p.containment_b)), score(Math.max(p.containment_a, p.containment_b))]),
      h("td", { className: "num" }, [fmt(p.jaccard), score(p.jaccard)]),
      h("td", { className: "num" }, [fmt(p.containment_a), score(p.containment_a)]),
      h("td", { className: "num" }, [fmt(p.containment_b), score(p.containment_b)]),
      h("td", { className: "num", text: p.passages.length }),
      h("td", { className: "num", text: r.longest }),
    ]);
    tr.dataset.pair = String(r.index);
    return tr;
  }

  function pairsView() {
    app.appendChild(h("h2", { text: "Pairs" }));
    const kindSel = h("select", { onchange: () => { pairState.kind = kindSel.value; pairState.page = 0; refresh(); } }, [
      h("option", { value: "", text: "all kinds" }),
    ].concat(kinds.map((k) => h("option", { value: k, text: k }))));
    kindSel.value = pairState.kind;
    const placeholder = hasMeta ? "document id or publisher contains\u2026" : "document id contains\u2026";
    const query = h("input", { type: "search", placeholder: placeholder, value: pairState.query });
    query.addEventListener("input", () => { pairState.query = query.value; pairState.page = 0; refresh(); });
    const pager = h("span");
    const controls = [h("label", {}, ["Kind ", kindSel]), query];
    if (pairState.flow) {
      const f = pairState.flow;
      const chip = h("span", { className: "flow-filter" }, [
        "only ", h("span", { className: "id", text: f.from }), " \u2192 ", h("span", { className: "id", text: f.to }), " ",
        h("a", { href: "#overview", text: "show all pairs" }),
      ]);
      controls.push(chip);
    }
    controls.push(pager);
    app.appendChild(h("div", { className: "controls" }, controls));

    const head = h("tr");
    const table = h("table", { className: "grid pairs" }, [h("thead", {}, [head])]);
    const body = h("tbody");
    table.appendChild(body);
    app.appendChild(table);

    function refresh() {
      head.replaceChildren(...pairColumns.map(function (c) {
        const mark = pairState.sort === c.key ? (pairState.desc ? " \u25bc" : " \u25b2") : "";
        return h("th", {
          className: (c.num ? "num " : "") + "sortable",
          text: c.label + mark,
          title: "sort by " + c.label,
          onclick: function () {
            if (pairState.sort === c.key) pairState.desc = !pairState.desc;
            else { pairState.sort = c.key; pairState.desc = !!c.num && c.key !== "index"; }
            pairState.page = 0;
            refresh();
          },
        });
      }));
      const q = pairState.query.toLowerCase();
      const flow = pairState.flow ? pairState.flow.key : null;
      const rows = pairs.filter((r) => (!pairState.kind || r.p.kind === pairState.kind) && (!q || r.search.includes(q)) && (!flow || r.flow === flow));
      const col = pairColumns.find((c) => c.key === pairState.sort) || pairColumns[0];
      const dir = pairState.desc ? -1 : 1;
      rows.sort(function (x, y) {
        const a = col.get(x), b = col.get(y);
        return (a < b ? -1 : a > b ? 1 : 0) * dir || x.index - y.index;
      });
      paged(rows, pairState, body, pager, pairRow, refresh);
    }
    refresh();
  }

  // Renders page `state.page` of `rows` into `body`, with prev/next in `pager`.
  function paged(rows, state, body, pager, rowFn, refresh) {
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const from = state.page * PAGE, to = Math.min(rows.length, from + PAGE);
    body.replaceChildren(...rows.slice(from, to).map(rowFn));
    const go = (d) => h("button", {
      type: "button",
      text: d < 0 ? "\u2190 previous" : "next \u2192",
      disabled: d < 0 ? state.page === 0 : state.page >= pages - 1,
      onclick: () => { state.page += d; refresh(); },
    });
    pager.replaceChildren(
      go(-1),
      h("span", { className: "muted", text: " " + (rows.length ? from + 1 : 0) + "\u2013" + to + " of " + rows.length + " " }),
      go(1)
    );
  }

  // ------------------------------------------------------------- pair view

  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  // Renders `text` with the passages' `side` ("a" or "b") spans (UTF-8
  // byte offsets) as <mark class="passage">, the words that changed inside
  // a passage as <span class="chg">, and the part of a passage that is its
  // source's boilerplate (`boilerplate[side]`, when the report has it) as
  // <span class="boilerplate">.
  function renderSide(text, passages, side) {
    const bytes = encoder.encode(text);
    const n = bytes.length;
    const clamp = (x) => Math.max(0, Math.min(n, x));
    let boiler = null; // [start, end) of the current passage's boilerplate
    const putText = (parent, from, to) => {
      if (to > from) parent.appendChild(document.createTextNode(decoder.decode(bytes.subarray(from, to))));
    };
    const put = (parent, from, to) => {
      if (!boiler || boiler[1] <= from || boiler[0] >= to) {
        putText(parent, from, to);
        return;
      }
      const bs = Math.max(from, boiler[0]), be = Math.min(to, boiler[1]);
      putText(parent, from, bs);
      const span = h("span", { className: "boilerplate", title: "source boilerplate" });
      putText(span, bs, be);
      parent.appendChild(span);
      putText(parent, be, to);
    };
    const order = passages.map((_, i) => i).sort((i, j) => passages[i][side][0] - passages[j][side][0] || i - j);
    const frag = document.createDocumentFragment();
    let cursor = 0;
    for (const i of order) {
      const p = passages[i];
      const start = Math.max(cursor, clamp(p[side][0]));
      const end = clamp(p[side][1]);
      if (end <= start) continue; // overlaps an earlier passage entirely
      put(frag, cursor, start);
      const bp = p.boilerplate && p.boilerplate[side];
      boiler = Array.isArray(bp) ? [clamp(bp[0]), clamp(bp[1])] : null;
      const mark = h("mark", { className: "passage c" + (i % 6), id: side + "-p" + i, title: "passage " + (i + 1) + ": " + p.words + " words" + (boiler ? " (part of it is source boilerplate)" : "") });
      mark.dataset.p = String(i);
      mark.appendChild(h("span", { className: "badge", text: String(i + 1) }));
      let at = start;
      for (const op of p.ops) {
        const span = op[side];
        if (!span || op.op === "equal") continue;
        const from = Math.max(at, clamp(span[0])), to = Math.min(end, clamp(span[1]));
        if (to <= from) continue;
        put(mark, at, from);
        const chg = h("span", { className: "chg " + op.op, title: op.op === "substitute" ? "changed" : op.op === "insert" ? "only in b" : "only in a" });
        put(chg, from, to);
        mark.appendChild(chg);
        at = to;
      }
      put(mark, at, end);
      frag.appendChild(mark);
      cursor = end;
      boiler = null;
    }
    put(frag, cursor, n);
    return frag;
  }

  function pairView(index) {
    const p = pairs[index].p;
    const prev = index > 0 ? h("a", { href: "#pair=" + (index - 1), text: "\u2190 pair " + (index - 1) }) : null;
    const next = index + 1 < pairs.length ? h("a", { href: "#pair=" + (index + 1), text: "pair " + (index + 1) + " \u2192" }) : null;
    const links = [h("a", { href: "#overview", text: "all pairs" })];
    for (const l of [prev, next]) if (l) links.push(" \u00b7 ", l);
    app.appendChild(h("p", {}, links));
    app.appendChild(h("h2", {}, ["Pair " + index + ": ", docLink(p.a), " \u2194 ", docLink(p.b)]));
    app.appendChild(h("div", { className: "pairhead" }, [
      kindTag(p.kind),
      h("span", { className: "scores" }, [
        h("span", { text: "Jaccard " + fmt(p.jaccard) }),
        h("span", { text: "containment a " + fmt(p.containment_a) }),
        h("span", { text: "containment b " + fmt(p.containment_b) }),
        h("span", { text: p.passages.length + (p.passages.length === 1 ? " passage" : " passages") }),
      ]),
      h("span", { className: "legend muted" }, [
        h("mark", { className: "passage c0", text: "reused" }), " ",
        h("span", { className: "chg", text: "changed" }), " ",
        ...(p.passages.some((q) => q.boilerplate) ? [h("mark", { className: "passage c0" }, [h("span", { className: "boilerplate", text: "source boilerplate" })]), " "] : []),
        "(click a passage to find it on the other side)",
      ]),
    ]));
    if ("origin" in p) {
      const line = h("p", { className: "origin-line" });
      if (p.origin === "a" || p.origin === "b") {
        line.append("Origin: ", h("strong", { text: p.origin + " " }), docLink(p[p.origin]), " (" + byEvidence(p.origin_evidence) + "); ",
          docLink(p[otherSide[p.origin]]), " took its text from it.");
      } else {
        line.append("Origin: unknown (the evidence is too weak to say which side the text came from).");
      }
      if (p.origin_why) line.append(h("span", { className: "muted why", text: " Why: " + p.origin_why }));
      app.appendChild(line);
    }

    if (p.passages.length) {
      const list = h("table", { className: "grid compact" }, [h("thead", {}, [h("tr", {}, [
        h("th", { className: "num", text: "#" }),
        h("th", { className: "num", text: "words" }),
        h("th", { className: "num", text: "similarity" }),
        h("th", { className: "num", text: "compression" }),
        h("th", { className: "num", text: "bytes in a" }),
        h("th", { className: "num", text: "bytes in b" }),
      ])])]);
      const body = h("tbody");
      p.passages.forEach(function (q, i) {
        body.appendChild(h("tr", { className: "link", onclick: () => { show("a", i); show("b", i); } }, [
          h("td", { className: "num" }, [h("span", { className: "badge", text: String(i + 1) })]),
          h("td", { className: "num", text: q.words }),
          h("td", { className: "num", text: fmt(q.similarity) }),
          h("td", { className: "num", text: fmt(q.compression, 2) }),
          h("td", { className: "num", text: q.a[0] + "\u2013" + q.a[1] }),
          h("td", { className: "num", text: q.b[0] + "\u2013" + q.b[1] }),
        ]));
      });
      list.appendChild(body);
      app.appendChild(h("div", { className: "passages-list" }, [list]));
    }

    const panes = {};
    const sides = h("div", { className: "sides" });
    for (const side of ["a", "b"]) {
      const id = p[side];
      const d = docs.get(id);
      let info = d ? " \u00b7 " + d.words + " words" + (d.source !== id ? " \u00b7 " + d.source : "") : "";
      if (hasMeta && metaText(id)) info += " \u00b7 " + metaText(id);
      const pane = h("div", { className: "text" });
      const text = texts.get(id);
      if (text === undefined) pane.appendChild(h("div", { className: "missing", text: "The text of this document is not in the report." }));
      else pane.appendChild(renderSide(text, p.passages, side));
      panes[side] = pane;
      sides.appendChild(h("section", { className: "side" }, [
        h("h3", {}, [
          h("strong", { text: side + ": " }),
          docLink(id),
          h("span", { className: "muted", text: info }),
          p.origin === side ? h("span", { className: "origin-tag", text: "origin (" + byEvidence(p.origin_evidence) + ")" }) : null,
        ]),
        pane,
      ]));
    }
    app.appendChild(sides);

    // Brings passage i on `side` into view inside its pane and flashes it.
    function show(side, i) {
      const target = panes[side].querySelector("#" + side + "-p" + i);
      if (!target) return;
      const pane = panes[side];
      pane.scrollTop += target.getBoundingClientRect().top - pane.getBoundingClientRect().top - pane.clientHeight / 3;
      target.classList.remove("flash");
      void target.offsetWidth; // restart the animation
      target.classList.add("flash");
    }
    const other = otherSide;
    for (const side of ["a", "b"]) {
      panes[side].addEventListener("click", function (ev) {
        const mark = ev.target.closest("mark.passage");
        if (mark) show(other[side], mark.dataset.p);
      });
      const hover = (on) => function (ev) {
        const mark = ev.target.closest("mark.passage");
        if (!mark) return;
        for (const s2 of ["a", "b"]) {
          const m = panes[s2].querySelector("#" + s2 + "-p" + mark.dataset.p);
          if (m) m.classList.toggle("active", on);
        }
      };
      panes[side].addEventListener("mouseover", hover(true));
      panes[side].addEventListener("mouseout", hover(false));
    }
  }

  // -------------------------------------------------------------- clusters

  const clusterState = { page: 0 };

  function clusterRow(r) {
    const c = r.c;
    const tr = h("tr", { className: "link", onclick: () => (location.hash = "cluster=" + r.index) }, [
      h("td", { className: "num" }, [h("a", { href: "#cluster=" + r.index, text: String(c.id) })]),
      h("td", {}, [docLink(c.representative)]),
      h("td", { className: "num", text: c.members.length }),
      h("td", { className: "num", text: r.pairs.length }),
    ]);
    return tr;
  }

  function clustersView() {
    app.appendChild(h("h2", { text: "Clusters (" + clusters.length + ")" }));
    const pager = h("div", { className: "controls" });
    app.appendChild(pager);
    const body = h("tbody");
    app.appendChild(h("table", { className: "grid" }, [
      h("thead", {}, [h("tr", {}, [
        h("th", { className: "num", text: "#" }),
        h("th", { text: "Representative" }),
        h("th", { className: "num", text: "Members" }),
        h("th", { className: "num", text: "Connecting pairs" }),
      ])]),
      body,
    ]));
    const refresh = () => paged(clusters, clusterState, body, pager, clusterRow, refresh);
    refresh();
  }

  function clusterView(index) {
    const r = clusters[index];
    const c = r.c;
    app.appendChild(h("p", {}, [h("a", { href: "#clusters", text: "all clusters" })]));
    app.appendChild(h("h2", { text: "Cluster " + c.id + ": " + c.members.length + " members" }));
    app.appendChild(h("h3", { text: "Members" }));
    const members = h("tbody");
    for (const m of c.members) {
      const d = docs.get(m);
      members.appendChild(h("tr", {}, [
        h("td", {}, [docLink(m)]),
        h("td", { text: m === c.representative ? "representative" : "" }),
        h("td", { className: "num", text: d ? d.words : "" }),
        h("td", { className: "id", text: d ? d.source : "" }),
      ]));
    }
    app.appendChild(h("table", { className: "grid" }, [
      h("thead", {}, [h("tr", {}, [h("th", { text: "Id" }), h("th", { text: "" }), h("th", { className: "num", text: "Words" }), h("th", { text: "Source" })])]),
      members,
    ]));
    app.appendChild(h("h3", { text: "Pairs connecting them (" + r.pairs.length + ")" }));
    const body = h("tbody");
    for (const i of r.pairs) body.appendChild(pairRow(pairs[i]));
    app.appendChild(h("table", { className: "grid pairs" }, [
      h("thead", {}, [h("tr", {}, pairColumns.map((col) => h("th", { className: col.num ? "num" : "", text: col.label })))]),
      body,
    ]));
  }

  // --------------------------------------------------------------- stories

  // Largest first; ties in report order.
  const storyOrder = stories ? stories.map((_, i) => i).sort((i, j) => stories[j].members.length - stories[i].members.length || i - j) : [];
  const storyState = { page: 0 };
  const TREE = 2000; // members drawn per story tree

  // A member's line: id, date and publisher, and where its text came from.
  function memberLine(m, earliest) {
    const kids = [docLink(m.id)];
    const meta = metaText(m.id);
    if (meta) kids.push(h("span", { className: "muted", text: " " + meta }));
    if (m.from !== null && m.from !== undefined) {
      const how = m.evidence === "date" || m.evidence === "text" ? "took from " : "linked to ";
      const at = pairOf.get(m.id + "\u0000" + m.from);
      const via = at === undefined ? docLink(m.from) : h("a", { href: "#pair=" + at, title: "open the pair" }, [docLink(m.from)]);
      kids.push(h("span", { className: "took" }, [" \u2190 " + how, via, " (" + byEvidence(m.evidence) + ")"]));
    } else {
      // Another root: reached only through members that took from it.
      kids.push(h("span", { className: "took muted", text: m.id === earliest ? " (earliest)" : " (took its text from no member)" }));
    }
    return h("div", { className: "member" }, kids);
  }

  // The story's tree as nested lists: every member under the one it took
  // its text from; members taken from no one are roots, in report order.
  function storyTree(st) {
    const children = new Map();
    const known = new Set(st.members.map((m) => m.id));
    const roots = [];
    for (const m of st.members) {
      if (m.from !== null && m.from !== undefined && known.has(m.from) && m.from !== m.id) {
        if (!children.has(m.from)) children.set(m.from, []);
        children.get(m.from).push(m);
      } else roots.push(m);
    }
    let drawn = 0;
    const seen = new Set();
    const list = (members) => {
      const ul = h("ul", { className: "tree" });
      for (const m of members) {
        if (drawn >= TREE || seen.has(m.id)) continue;
        seen.add(m.id);
        drawn++;
        const li = h("li", {}, [memberLine(m, st.earliest)]);
        const kids = children.get(m.id);
        if (kids) li.appendChild(list(kids));
        ul.appendChild(li);
      }
      return ul;
    };
    const tree = list(roots);
    const wrap = h("div", { className: "story-tree" }, [tree]);
    if (drawn < st.members.length) {
      wrap.appendChild(h("p", { className: "muted", text: (st.members.length - drawn) + " more members not drawn (the JSON report has them all)" }));
    }
    return wrap;
  }

  function storyItem(i, open) {
    const st = stories[i];
    const decided = st.members.filter((m) => m.evidence === "date" || m.evidence === "text").length;
    const summary = h("summary", {}, [
      h("strong", { text: "Story " + st.id }),
      " \u00b7 " + st.members.length + " members \u00b7 earliest ",
      docLink(st.earliest),
      h("span", { className: "muted", text: (metaText(st.earliest) ? " " + metaText(st.earliest) : "") + " \u00b7 " + decided + " of " + (st.members.length - 1) + " took their text from a member by date or text" }),
    ]);
    const box = h("details", { className: "story" }, [summary]);
    box.dataset.story = String(st.id);
    let drawn = false;
    const draw = () => {
      if (!drawn) {
        drawn = true;
        box.appendChild(storyTree(st));
      }
    };
    box.addEventListener("toggle", () => { if (box.open) draw(); });
    if (open) {
      box.open = true;
      draw();
    }
    return box;
  }

  function storiesView() {
    app.appendChild(h("h2", { text: "Stories (" + stories.length + ")" }));
    app.appendChild(h("p", { className: "muted", text: "Documents linked by reuse, largest first. Each story is a tree from its earliest member: every other member sits under the member it most likely took its text from (dates first, then evidence from the texts)." }));
    const pager = h("div", { className: "controls" });
    const list = h("div", { className: "stories" });
    app.appendChild(pager);
    app.appendChild(list);
    const refresh = () => paged(storyOrder, storyState, list, pager, (i) => storyItem(i, i === storyOrder[0]), refresh);
    refresh();
  }

  // ------------------------------------------------------------ publishers

  const flowState = { sort: "words", desc: true, page: 0 };
  const FLOWS_DRAWN = 40; // the heaviest flows in the picture

  const flowRows = flows ? flows.map((f, i) => ({ index: i, f: f, key: String(f.from) + "\u0000" + String(f.to) })) : [];
  const flowColumns = [
    { key: "from", label: "Origin source", get: (r) => String(r.f.from) },
    { key: "to", label: "Republished by", get: (r) => String(r.f.to) },
    { key: "words", label: "Words reused", num: true, get: (r) => r.f.words },
    { key: "documents", label: "Documents", num: true, get: (r) => r.f.documents },
    { key: "pairs", label: "Pairs", num: true, get: (r) => r.f.pairs },
  ];

  // Opens the pairs table on the pairs of one flow.
  function showFlow(r) {
    location.hash = "flow=" + r.index;
  }

  function flowRow(r) {
    const tr = h("tr", { className: "link", title: "show the pairs of this flow", onclick: () => showFlow(r) }, [
      h("td", {}, [h("span", { className: "id", text: String(r.f.from) })]),
      h("td", {}, [h("span", { className: "id", text: String(r.f.to) })]),
      h("td", { className: "num", text: r.f.words }),
      h("td", { className: "num", text: r.f.documents }),
      h("td", { className: "num", text: r.f.pairs }),
    ]);
    tr.dataset.flow = String(r.index);
    return tr;
  }

  function publishersView() {
    app.appendChild(h("h2", { text: "Publishers: who took from whom (" + flows.length + (flows.length === 1 ? " flow)" : " flows)") }));
    app.appendChild(h("p", { className: "muted", text: "Each flow is an origin source and a source that republished its text: the words reused (matched words of the pairs' passages), the republishing documents and the pairs. Click a flow to see its pairs." }));
    app.appendChild(flowPicture());

    const pager = h("span");
    app.appendChild(h("div", { className: "controls" }, [pager]));
    const head = h("tr");
    const body = h("tbody");
    app.appendChild(h("table", { className: "grid flows" }, [h("thead", {}, [head]), body]));
    function refresh() {
      head.replaceChildren(...flowColumns.map(function (c) {
        const mark = flowState.sort === c.key ? (flowState.desc ? " \u25bc" : " \u25b2") : "";
        return h("th", {
          className: (c.num ? "num " : "") + "sortable",
          text: c.label + mark,
          title: "sort by " + c.label,
          onclick: function () {
            if (flowState.sort === c.key) flowState.desc = !flowState.desc;
            else { flowState.sort = c.key; flowState.desc = !!c.num; }
            flowState.page = 0;
            refresh();
          },
        });
      }));
      const col = flowColumns.find((c) => c.key === flowState.sort) || flowColumns[2];
      const dir = flowState.desc ? -1 : 1;
      const rows = flowRows.slice().sort(function (x, y) {
        const a = col.get(x), b = col.get(y);
        return (a < b ? -1 : a > b ? 1 : 0) * dir || x.index - y.index;
      });
      paged(rows, flowState, body, pager, flowRow, refresh);
    }
    refresh();
  }

  // The heaviest flows as a picture: sources on a circle, the most words
  // (in and out, over every flow) first, clockwise from the top; each flow a
  // curved arrow from origin to republisher, its width following its words.
  function flowPicture() {
    const shown = flowRows.slice(0, FLOWS_DRAWN); // the report lists the most words first
    const total = new Map();
    for (const r of flowRows) {
      for (const name of [String(r.f.from), String(r.f.to)]) total.set(name, (total.get(name) || 0) + r.f.words);
    }
    const names = [];
    for (const r of shown) for (const name of [String(r.f.from), String(r.f.to)]) if (!names.includes(name)) names.push(name);
    names.sort((x, y) => total.get(y) - total.get(x) || (x < y ? -1 : x > y ? 1 : 0));

    const R = 250, LABEL = 140, W = 2 * (R + LABEL), H = W;
    const cx = W / 2, cy = H / 2;
    const maxTotal = Math.max(1, ...names.map((n) => total.get(n)));
    const node = new Map();
    names.forEach(function (name, i) {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / names.length;
      node.set(name, { x: cx + R * Math.cos(angle), y: cy + R * Math.sin(angle), angle: angle, r: 3 + 6 * Math.sqrt(total.get(name) / maxTotal) });
    });
    const svg = s("svg", { class: "flows", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img" });
    const title = s("title");
    title.textContent = "The " + shown.length + " heaviest flows between " + names.length + " sources";
    svg.appendChild(title);

    const maxWords = Math.max(1, ...shown.map((r) => r.f.words));
    const edges = s("g", { class: "edges" });
    // Lightest first, so the heaviest are drawn on top.
    for (const r of shown.slice().reverse()) {
      const a = node.get(String(r.f.from)), b = node.get(String(r.f.to));
      const width = 1 + 9 * (r.f.words / maxWords);
      // Control point: pulled toward the centre, and off to the left of the
      // direction of travel, so that A->B and B->A do not overlap.
      const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
      const dx = b.x - a.x, dy = b.y - a.y, len = Math.max(1, Math.hypot(dx, dy));
      const c = { x: mx + (cx - mx) * 0.45 + (dy / len) * 18, y: my + (cy - my) * 0.45 - (dx / len) * 18 };
      // The arrow's tip touches the target's circle; the line stops at its base.
      let ux = b.x - c.x, uy = b.y - c.y;
      const ul = Math.max(1e-9, Math.hypot(ux, uy));
      ux /= ul;
      uy /= ul;
      const head = 5 + width, half = 3 + width / 2;
      const tip = { x: b.x - ux * (b.r + 1), y: b.y - uy * (b.r + 1) };
      const base = { x: tip.x - ux * head, y: tip.y - uy * head };
      const n2 = (x) => x.toFixed(1);
      const g = s("g", { class: "edge" });
      g.dataset.flow = String(r.index);
      const tt = s("title");
      tt.textContent = String(r.f.from) + " \u2192 " + String(r.f.to) + ": " + r.f.words + " words, " + r.f.documents + (r.f.documents === 1 ? " document, " : " documents, ") + r.f.pairs + (r.f.pairs === 1 ? " pair" : " pairs");
      g.appendChild(tt);
      g.appendChild(s("path", { class: "line", d: "M" + n2(a.x) + "," + n2(a.y) + " Q" + n2(c.x) + "," + n2(c.y) + " " + n2(base.x) + "," + n2(base.y), "stroke-width": width.toFixed(2) }));
      g.appendChild(s("polygon", {
        class: "head",
        points: [tip, { x: base.x - uy * half, y: base.y + ux * half }, { x: base.x + uy * half, y: base.y - ux * half }].map((p) => n2(p.x) + "," + n2(p.y)).join(" "),
      }));
      g.addEventListener("click", () => showFlow(r));
      edges.appendChild(g);
    }
    svg.appendChild(edges);

    const nodes = s("g", { class: "nodes" });
    for (const name of names) {
      const p = node.get(name);
      const g = s("g", { class: "node" });
      const tt = s("title");
      tt.textContent = name + ": " + total.get(name) + " words reused, in and out";
      g.appendChild(tt);
      g.appendChild(s("circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: p.r.toFixed(1) }));
      // A few labels stand level; many run outward along their radius (so
      // that neighbours never overlap), turned to read left to right on the
      // left half too.
      const cos = Math.cos(p.angle), sin = Math.sin(p.angle);
      const lx = (cx + (R + p.r + 5) * cos).toFixed(1), ly = (cy + (R + p.r + 5) * sin).toFixed(1);
      const left = cos < -1e-9;
      const turn = (p.angle * 180) / Math.PI + (left ? 180 : 0);
      const label = s("text", names.length > 16 ? {
        x: lx,
        y: ly,
        "text-anchor": left ? "end" : "start",
        "dominant-baseline": "middle",
        transform: "rotate(" + turn.toFixed(1) + " " + lx + " " + ly + ")",
      } : {
        x: lx,
        y: ly,
        "text-anchor": Math.abs(cos) < 0.02 ? "middle" : left ? "end" : "start",
        "dominant-baseline": sin < -0.9 ? "auto" : sin > 0.9 ? "hanging" : "middle",
      });
      label.textContent = name.length > 22 ? name.slice(0, 21) + "\u2026" : name;
      g.appendChild(label);
      nodes.appendChild(g);
    }
    svg.appendChild(nodes);
    const caption = "The " + (shown.length < flowRows.length ? shown.length + " heaviest of " + flowRows.length + " flows" : shown.length === 1 ? "one flow" : shown.length + " flows") +
      ", between " + names.length + " sources (larger: more words reused in and out). Arrows point from origin to republisher; their width follows the words reused.";
    return h("figure", { className: "chart flows" }, [svg, h("figcaption", { text: caption })]);
  }

  window.addEventListener("hashchange", function () {
    route();
    window.scrollTo(0, 0);
  });
  route();
})();
