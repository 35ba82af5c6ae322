//! A self-contained HTML rendering of a [`Report`], for
//! people to browse: summary, pairs table, pair view, clusters, and, when
//! the scan read dates and sources, stories and the publishers' view.
//!
//! [`write()`] takes the report and the documents it was made from (the
//! report holds ids only; the pair view needs the texts) and writes one HTML
//! file that works offline, opened from disk or mailed: the stylesheet
//! (`html/report.css`) and the script (`html/report.js`) are inline, and
//! nothing is loaded from anywhere.
//!
//! # Data
//!
//! The report is embedded once, as JSON, in
//! `<script type="application/json" id="reprint-data">`: the `reprint/2`
//! report exactly as [`json::write`](super::json::write) writes it, plus
//! `texts`, `[{"id", "text"}]`, the text of every document that is in at
//! least one pair (in input order; other documents' texts are left out).
//! Passage spans are UTF-8 byte offsets into those texts. The script renders
//! from the data lazily: the pairs, clusters, stories and flows 200 rows at
//! a time (sorting and filtering work on the data array), a pair's two
//! texts only when the pair is opened, a story's tree only when it is
//! unfolded, so a report of 10,000 pairs stays usable.
//!
//! # Views
//!
//! The URL hash picks the view:
//!
//! - `#overview` (default): the pairs, most reused first, then the summary,
//!   the parameters folded away;
//! - `#pair=N`: pair N side by side, passages highlighted (the default
//!   when the report has one pair, as `compare`'s does);
//! - `#clusters`, `#cluster=N`: the clusters, and one cluster's members
//!   and connecting pairs;
//! - `#stories` (only when the report has `stories`): the stories, largest
//!   first, each a tree of its members (date, publisher, and the member it
//!   took its text from, by date or by text), the largest unfolded;
//! - `#publishers` (only when the report has `publishers`): the flows
//!   (origin source -> republishing source: words, documents, pairs) as a
//!   sortable table and as a picture, an SVG the script draws: the sources
//!   of the 40 heaviest flows on a circle, the most words first, clockwise
//!   from the top, and each flow an arrow from origin to republisher whose
//!   width follows its words. Clicking a flow (row or arrow) opens
//!   `#flow=N`: the pairs table, only the pairs of flow N (those whose
//!   origin's publisher is its origin source and whose other document's is
//!   its republisher).
//!
//! The `reprint/2` fields that a scan with `--date-field` or
//! `--source-field` adds appear where they belong: a document's `date` and
//! `publisher` beside its id in the pairs table and the pair view; a pair's
//! `origin` as an "Origin" column (side and evidence; `origin_why`, with
//! `--explain`, as its tooltip) and as a line in the pair view; a passage's
//! `boilerplate` spans greyed in the pair's texts, titled "source
//! boilerplate". A report without these fields renders exactly as before:
//! no extra column, link or empty section.
//!
//! A document is found by its id; when several documents share an id, the
//! first one's text is used.
//!
//! # Security model
//!
//! Document texts and ids are untrusted web text. Three layers keep their
//! markup from becoming live:
//!
//! 1. In the data block, `<`, `>`, `&`, U+2028 and U+2029 are written as
//!    JSON `\u` escapes, so no text can close the `<script>` element or
//!    open a comment in it; the block is still valid JSON.
//! 2. The script inserts every string from the data with `textContent` or
//!    text nodes, never as markup, and builds links from numbers only. Rust
//!    inserts nothing from the data into the markup.
//! 3. A `Content-Security-Policy` meta tag, `default-src 'none'`, allows only
//!    the page's own style and script, by their SHA-256 hashes: no network
//!    load of any kind, and no other inline script or event handler would
//!    run even if markup slipped through.

use std::collections::HashSet;
use std::io::{self, Write};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Report;
use crate::source::Document;

/// The page's stylesheet.
const STYLE: &str = include_str!("html/report.css");
/// The page's script.
const SCRIPT: &str = include_str!("html/report.js");

/// What the data block holds.
#[derive(Serialize)]
struct Payload<'r, 'a> {
    #[serde(flatten)]
    report: &'r Report<'a>,
    texts: Vec<Text<'r>>,
}

/// One embedded document text.
#[derive(Serialize)]
struct Text<'a> {
    id: &'a str,
    text: &'a str,
}

/// Writes `report` as one self-contained HTML page. `docs` supplies the
/// texts of the documents in pairs (matched by id; documents not in any
/// pair are not embedded). A document missing from `docs` is shown without
/// its text.
pub fn write(report: &Report<'_>, docs: &[Document], out: &mut dyn Write) -> io::Result<()> {
    let data = serde_json::to_string(&Payload { report, texts: texts(report, docs) })?;
    let title = format!(
        "reprint report: {} among {}",
        counted(report.pairs.len(), "pair"),
        counted(report.documents.len(), "document")
    );
    write!(
        out,
        concat!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            "<meta name=\"generator\" content=\"reprint {version}\">\n",
            "<title>{title}</title>\n<style>{style}</style>\n</head>\n<body>\n",
            "<header class=\"top\"><h1>{title}</h1><nav id=\"nav\"></nav></header>\n",
            "<main id=\"app\"><noscript>This report is drawn by its inline script; ",
            "allow JavaScript to see it. The data is the JSON in the page source.</noscript></main>\n",
            "<svg id=\"svg-namespace\" width=\"0\" height=\"0\" aria-hidden=\"true\"></svg>\n",
            "<script type=\"application/json\" id=\"reprint-data\">"
        ),
        csp = content_security_policy(),
        version = env!("CARGO_PKG_VERSION"),
        title = title,
        style = STYLE,
    )?;
    write_script_safe_json(&data, out)?;
    write!(out, "</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n")
}

/// "1 pair", "2 pairs".
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The texts of the documents that are in at least one pair, in input
/// order, one per id.
fn texts<'d>(report: &Report<'_>, docs: &'d [Document]) -> Vec<Text<'d>> {
    let mut wanted: HashSet<&str> = report.pairs.iter().flat_map(|p| [p.a, p.b]).collect();
    docs.iter().filter(|d| wanted.remove(d.id.as_str())).map(|d| Text { id: &d.id, text: &d.text }).collect()
}

/// The policy: nothing but the page's own style and script (by hash).
fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; base-uri 'none'; form-action 'none'",
        sha256_base64(STYLE),
        sha256_base64(SCRIPT)
    )
}

fn sha256_base64(text: &str) -> String {
    base64(&Sha256::digest(text.as_bytes()))
}

/// Standard base64 with padding (RFC 4648 section 4), as CSP hashes use.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Writes JSON text so that it cannot end or confuse the `<script>` element
/// it sits in: `<`, `>`, `&`, U+2028 and U+2029 become `\u` escapes. These
/// characters only occur inside JSON strings, where the escapes mean the
/// same, so the result is the same JSON value.
fn write_script_safe_json(json: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut rest = json;
    while let Some(i) = rest.find(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        let (head, tail) = rest.split_at(i);
        out.write_all(head.as_bytes())?;
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            write!(out, "\\u{:04x}", u32::from(c))?;
        }
        rest = chars.as_str();
    }
    out.write_all(rest.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_style_and_script_cannot_end_their_elements() {
        for (name, text) in [("style", STYLE), ("script", SCRIPT)] {
            for bad in ["</script", "</style", "<script", "<!--", "http:", "https:"] {
                assert!(!text.to_ascii_lowercase().contains(bad), "{bad} in the {name}");
            }
        }
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
        }
    }

    #[test]
    fn sha256_of_empty_text_is_the_known_digest() {
        assert_eq!(sha256_base64(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    #[test]
    fn script_safe_json_escapes_markup_and_line_separators() {
        let value = serde_json::json!({"t": "</script><!-- & \u{2028}\u{2029} é"});
        let json = serde_json::to_string(&value).unwrap();
        let mut out = Vec::new();
        write_script_safe_json(&json, &mut out).unwrap();
        let safe = String::from_utf8(out).unwrap();
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!safe.contains(bad), "{bad:?} in {safe}");
        }
        assert!(safe.contains("\\u003c/script\\u003e"));
        assert!(safe.contains('é'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }
}
