//! JSON and JSONL renderings of a [`Report`].
//!
//! JSON: the report as one object, `{"schema": "reprint/2", "params",
//! "documents", "pairs", "clusters", "stats"}`. JSONL: the same objects one
//! per line, each with a `type` of `params`, `document`, `pair`, `cluster`
//! or `stats` (params first, stats last), for streaming consumers.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, SCHEMA};

/// Writes the report as one pretty-printed JSON object and a newline.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    inner: &'a T,
}

fn line<T: Serialize>(out: &mut dyn Write, kind: &'static str, inner: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Tagged { kind, inner })?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct ParamsLine<'a, P: Serialize> {
    schema: &'static str,
    #[serde(flatten)]
    params: &'a P,
}

/// Writes the report as JSONL.
pub fn write_lines(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    line(out, "params", &ParamsLine { schema: SCHEMA, params: report.params })?;
    for d in &report.documents {
        line(out, "document", d)?;
    }
    for p in &report.pairs {
        line(out, "pair", p)?;
    }
    for c in &report.clusters {
        line(out, "cluster", c)?;
    }
    for s in report.stories.iter().flatten() {
        line(out, "story", s)?;
    }
    for p in report.publishers.iter().flatten() {
        line(out, "publisher", p)?;
    }
    line(out, "stats", &report.stats)
}

/// Writes `value` pretty-printed as serde_json does, but nested `depth`
/// levels deep: every line after the first is indented by two more spaces
/// per level. (Serialised into a buffer first: one write to `out`, not
/// one per token through `dyn Write`.)
fn nested<T: Serialize>(out: &mut dyn Write, value: &T, depth: usize) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut buf, Nested { depth, level: 0, has_value: false });
    value.serialize(&mut serializer).map_err(io::Error::from)?;
    out.write_all(&buf)
}

/// serde_json's pretty layout (two spaces a level, `": "` after keys,
/// `[]` and `{}` when empty), starting `depth` levels in.
struct Nested {
    depth: usize,
    /// Levels opened within the value.
    level: usize,
    /// Whether the innermost open array or object has a value yet.
    has_value: bool,
}

impl Nested {
    fn line<W: ?Sized + Write>(&self, out: &mut W) -> io::Result<()> {
        const INDENT: &[u8] = b"\n                                ";
        let width = 1 + 2 * (self.depth + self.level);
        match INDENT.get(..width) {
            Some(indent) => out.write_all(indent),
            None => {
                out.write_all(INDENT)?;
                (INDENT.len()..width).try_for_each(|_| out.write_all(b" "))
            }
        }
    }

    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(out)?;
        }
        out.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.line(out)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The start of a JSON report whose pairs follow one by one: the
/// schema, params and documents, and the opening of `pairs`.
pub(super) fn begin<P: Serialize, D: Serialize>(
    out: &mut dyn Write,
    params: &P,
    documents: &[D],
) -> io::Result<()> {
    write!(out, "{{\n  \"schema\": \"{SCHEMA}\",\n  \"params\": ")?;
    nested(out, params, 1)?;
    out.write_all(b",\n  \"documents\": ")?;
    array(out, documents)?;
    write!(out, ",\n  \"pairs\": [")
}

/// `items` as a pretty-printed array one level deep, written an item at a
/// time (a corpus's document list is never held as one string).
fn array<T: Serialize>(out: &mut dyn Write, items: &[T]) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    for (i, item) in items.iter().enumerate() {
        pair(out, i == 0, item)?;
    }
    out.write_all(b"\n  ]")
}

/// One pair of a report begun with [`begin`]; `first` for the first.
/// (Any element of a top-level array is written the same way.)
pub(super) fn pair<T: Serialize>(out: &mut dyn Write, first: bool, pair: &T) -> io::Result<()> {
    out.write_all(if first { b"\n    " } else { b",\n    " })?;
    nested(out, pair, 2)
}

/// The end of a report begun with [`begin`], after `pairs` pairs.
pub(super) fn end<C: Serialize, T: Serialize, P: Serialize, S: Serialize>(
    out: &mut dyn Write,
    pairs: usize,
    clusters: &[C],
    stories: Option<&[T]>,
    publishers: Option<&[P]>,
    stats: &S,
) -> io::Result<()> {
    let close = if pairs == 0 { "]" } else { "\n  ]" };
    write!(out, "{close},\n  \"clusters\": ")?;
    array(out, clusters)?;
    if let Some(stories) = stories {
        out.write_all(b",\n  \"stories\": ")?;
        array(out, stories)?;
    }
    if let Some(publishers) = publishers {
        out.write_all(b",\n  \"publishers\": ")?;
        array(out, publishers)?;
    }
    out.write_all(b",\n  \"stats\": ")?;
    nested(out, stats, 1)?;
    out.write_all(b"\n}\n")
}

/// One JSONL line of `kind`.
pub(super) fn write_line<T: Serialize>(out: &mut dyn Write, kind: &'static str, inner: &T) -> io::Result<()> {
    line(out, kind, inner)
}

/// The params line of a JSONL report.
pub(super) fn params_line<P: Serialize>(out: &mut dyn Write, params: &P) -> io::Result<()> {
    line(out, "params", &ParamsLine { schema: SCHEMA, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The oracle: serde_json's own pretty printing, its lines indented
    /// `depth` levels more.
    fn indented(value: &serde_json::Value, depth: usize) -> String {
        let text = serde_json::to_string_pretty(value).unwrap();
        text.replace('\n', &format!("\n{}", "  ".repeat(depth)))
    }

    #[test]
    fn nested_is_serde_json_pretty_indented() {
        let mut deep = serde_json::json!({"a": [1, {"b": []}, {}], "c": "x\ny", "d": null});
        for level in 0..20 {
            deep = serde_json::json!({"level": level, "inner": [deep, [], {}]});
        }
        for value in [serde_json::json!([]), serde_json::json!({}), serde_json::json!("s"), deep] {
            for depth in [0, 1, 2, 30] {
                let mut out = Vec::new();
                nested(&mut out, &value, depth).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), indented(&value, depth), "depth {depth}");
            }
        }
    }
}
