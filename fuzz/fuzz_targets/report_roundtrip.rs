//! Scan a few fuzzed documents (ids and texts may hold anything), render
//! the report in every format and read it back.
//!
//! Input: a flags byte, then documents separated by NUL bytes, each an id
//! line and its text (lossy UTF-8). The flags pick the shingle size, the
//! least passage words, and whether a last document copies the first two
//! (so pairs with passages are common).
//!
//! Checks: JSON and JSONL parse back to the same ids, sources, scores,
//! spans and clusters; CSV reads back to the same ids; the HTML data block
//! is JSON with the same ids and holds no `<`; the terminal table holds no
//! control or bidirectional-override character besides its line ends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::report::{self, Format, Report};
use reprint::source::Document;
use reprint::{pipeline, Config};
use serde_json::Value;

fn render(report: &Report<'_>, docs: &[Document], format: Format) -> String {
    let mut out = Vec::new();
    report::write_with_documents(report, docs, format, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("reports are UTF-8")
}

fn span(v: &Value) -> (usize, usize) {
    let pair = v.as_array().expect("a span is an array");
    assert_eq!(pair.len(), 2);
    let n = |x: &Value| x.as_u64().expect("a span bound is a number") as usize;
    (n(&pair[0]), n(&pair[1]))
}

/// The JSON report says what the report holds.
fn check_json(json: &Value, report: &Report<'_>) {
    assert_eq!(json["schema"], "reprint/2");
    let documents = json["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), report.documents.len());
    for (j, d) in documents.iter().zip(&report.documents) {
        assert_eq!(j["id"].as_str(), Some(d.id));
        assert_eq!(j["source"].as_str(), Some(d.source));
        assert_eq!(j["bytes"].as_u64(), Some(d.bytes as u64));
        assert_eq!(j["words"].as_u64(), Some(d.words as u64));
    }
    let pairs = json["pairs"].as_array().expect("pairs");
    assert_eq!(pairs.len(), report.pairs.len());
    for (j, p) in pairs.iter().zip(&report.pairs) {
        assert_eq!(j["a"].as_str(), Some(p.a));
        assert_eq!(j["b"].as_str(), Some(p.b));
        assert_eq!(j["kind"].as_str(), Some(p.kind));
        assert_eq!(j["jaccard"].as_f64(), Some(p.jaccard));
        assert_eq!(j["containment_a"].as_f64(), Some(p.containment_a));
        assert_eq!(j["containment_b"].as_f64(), Some(p.containment_b));
        assert_eq!(j["budget_exhausted"].as_bool(), Some(p.budget_exhausted));
        let passages = j["passages"].as_array().expect("passages");
        assert_eq!(passages.len(), p.passages.len());
        for (jp, pp) in passages.iter().zip(p.passages) {
            assert_eq!(span(&jp["a"]), (pp.a.start, pp.a.end));
            assert_eq!(span(&jp["b"]), (pp.b.start, pp.b.end));
            assert_eq!(jp["words"].as_u64(), Some(pp.words as u64));
            assert_eq!(jp["similarity"].as_f64(), Some(pp.similarity));
            assert_eq!(jp["ops"].as_array().map(Vec::len), Some(pp.ops.len()));
        }
    }
    let clusters = json["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), report.clusters.len());
    for (j, c) in clusters.iter().zip(&report.clusters) {
        assert_eq!(j["representative"].as_str(), Some(c.representative));
        let members: Vec<&str> =
            j["members"].as_array().expect("members").iter().map(|m| m.as_str().expect("an id")).collect();
        assert_eq!(members, c.members);
    }
    assert_eq!(json["stats"]["documents"].as_u64(), Some(report.documents.len() as u64));
}

fn unsafe_on_a_terminal(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let mut docs: Vec<Document> = rest
        .split(|&b| b == 0)
        .take(8)
        .enumerate()
        .map(|(i, part)| {
            let part = String::from_utf8_lossy(part);
            let (id, text) = part.split_once('\n').unwrap_or((&part, ""));
            let mut doc = Document::new(id, text);
            doc.origin = format!("doc{i}");
            doc
        })
        .collect();
    if flags & 0x80 != 0 && !docs.is_empty() {
        let text = docs.iter().take(2).map(|d| d.text.as_str()).collect::<Vec<_>>().join(" ");
        let mut copy = Document::new("copy\u{1b}[2J\u{202e}", text);
        copy.origin = "copy".into();
        docs.push(copy);
    }
    let mut config = Config { shingle_size: usize::from(flags & 3) + 1, ..Config::default() };
    config.align.min_words = usize::from((flags >> 2) & 7) + 1;
    config.validate().expect("a valid config");
    let scan = pipeline::scan(&docs, &config).expect("scan");
    let report = Report::new(&docs, &scan, 0, 0);

    let json: Value = serde_json::from_str(&render(&report, &docs, Format::Json)).expect("JSON parses");
    check_json(&json, &report);

    let jsonl = render(&report, &docs, Format::Jsonl);
    let lines: Vec<Value> =
        jsonl.lines().map(|l| serde_json::from_str(l).expect("a JSONL line parses")).collect();
    assert_eq!(lines.first().map(|l| l["type"].clone()), Some(Value::from("params")));
    assert_eq!(lines.last().map(|l| l["type"].clone()), Some(Value::from("stats")));
    let ids: Vec<&str> =
        lines.iter().filter(|l| l["type"] == "document").map(|l| l["id"].as_str().expect("id")).collect();
    assert_eq!(ids, report.documents.iter().map(|d| d.id).collect::<Vec<_>>());
    assert_eq!(lines.iter().filter(|l| l["type"] == "pair").count(), report.pairs.len());

    let csv = render(&report, &docs, Format::Csv);
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    assert_eq!(rows.len(), report.pairs.len());
    for (row, p) in rows.iter().zip(&report.pairs) {
        assert_eq!((row.get(0), row.get(1), row.get(2)), (Some(p.a), Some(p.b), Some(p.kind)));
    }

    let html = render(&report, &docs, Format::Html);
    let open = "<script type=\"application/json\" id=\"reprint-data\">";
    let start = html.find(open).expect("the data block") + open.len();
    let len = html[start..].find("</script>").expect("the data block ends");
    let block = &html[start..start + len];
    assert!(!block.contains('<') && !block.contains('>'), "markup in the data block");
    let data: Value = serde_json::from_str(block).expect("the data block is JSON");
    check_json(&data, &report);

    let text = render(&report, &docs, Format::Text);
    if let Some(c) = text.chars().find(|&c| unsafe_on_a_terminal(c)) {
        panic!("{c:?} reaches the terminal in {text:?}");
    }
});
