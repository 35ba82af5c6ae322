// reprint HTML report: renders the embedded reprint/1 report.
//
// The data is the JSON in the element #reprint-data: the report (schema
// reprint/1) plus `texts`, the text of every document that is in a pair.
// Views are chosen by the URL hash:
//   #overview (default)  the pairs table, most reused first, then the
//                        summary; the parameters folded away
//   #pair=N              pair N side by side, passages highlighted (the
//                        default when the report has one pair: compare)
//   #clusters            the clusters table
//   #cluster=N           one cluster: members and connecting pairs
//
// Security: every string from the data (ids, texts, params) reaches the page
// as a text node or textContent, never as markup; links are built from
// numbers only. The page's Content-Security-Policy allows only this script.

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

  const pairs = data.pairs.map(function (p, i) {
    let longest = 0;
    for (const q of p.passages) longest = Math.max(longest, q.words);
    return { index: i, p: p, longest: longest, search: (p.a + "\u0000" + p.b).toLowerCase() };
  });

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
    bar.replaceChildren(link("#overview", "Overview", "overview"), link("#clusters", "Clusters", "clusters"));
  }

  function route() {
    const hash = location.hash.replace(/^#/, "");
    const m = /^(pair|cluster)=(\d+)$/.exec(hash);
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
    } else if (hash === "" && pairs.length === 1) {
      // One pair (compare): open on it.
      nav("overview");
      pairView(0);
    } else {
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
  const pairState = { kind: "", query: "", sort: "reuse", desc: true, page: 0 };

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

  function pairRow(r) {
    const p = r.p;
    const tr = h("tr", { className: "link", onclick: () => (location.hash = "pair=" + r.index) }, [
      h("td", { className: "num" }, [h("a", { href: "#pair=" + r.index, text: String(r.index) })]),
      h("td", {}, [docLink(p.a)]),
      h("td", {}, [docLink(p.b)]),
      h("td", {}, [kindTag(p.kind)]),
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
    const query = h("input", { type: "search", placeholder: "document id contains\u2026", value: pairState.query });
    query.addEventListener("input", () => { pairState.query = query.value; pairState.page = 0; refresh(); });
    const pager = h("span");
    app.appendChild(h("div", { className: "controls" }, [h("label", {}, ["Kind ", kindSel]), query, pager]));

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
      const rows = pairs.filter((r) => (!pairState.kind || r.p.kind === pairState.kind) && (!q || r.search.includes(q)));
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
  // byte offsets) as <mark class="passage">, and the words that changed
  // inside a passage as <span class="chg">.
  function renderSide(text, passages, side) {
    const bytes = encoder.encode(text);
    const n = bytes.length;
    const put = (parent, from, to) => {
      if (to > from) parent.appendChild(document.createTextNode(decoder.decode(bytes.subarray(from, to))));
    };
    const clamp = (x) => Math.max(0, Math.min(n, x));
    const order = passages.map((_, i) => i).sort((i, j) => passages[i][side][0] - passages[j][side][0] || i - j);
    const frag = document.createDocumentFragment();
    let cursor = 0;
    for (const i of order) {
      const p = passages[i];
      const start = Math.max(cursor, clamp(p[side][0]));
      const end = clamp(p[side][1]);
      if (end <= start) continue; // overlaps an earlier passage entirely
      put(frag, cursor, start);
      const mark = h("mark", { className: "passage c" + (i % 6), id: side + "-p" + i, title: "passage " + (i + 1) + ": " + p.words + " words" });
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
        h("span", { className: "chg", text: "changed" }), " (click a passage to find it on the other side)",
      ]),
    ]));

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
      const info = d ? " \u00b7 " + d.words + " words" + (d.source !== id ? " \u00b7 " + d.source : "") : "";
      const pane = h("div", { className: "text" });
      const text = texts.get(id);
      if (text === undefined) pane.appendChild(h("div", { className: "missing", text: "The text of this document is not in the report." }));
      else pane.appendChild(renderSide(text, p.passages, side));
      panes[side] = pane;
      sides.appendChild(h("section", { className: "side" }, [
        h("h3", {}, [h("strong", { text: side + ": " }), docLink(id), h("span", { className: "muted", text: info })]),
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
    const other = { a: "b", b: "a" };
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

  window.addEventListener("hashchange", function () {
    route();
    window.scrollTo(0, 0);
  });
  route();
})();
