//! PAN XML: the `<feature>` elements of truth and detection files read
//! ([`read_features`], [`parse_features`]), and detections written as the
//! XMLs the official evaluator reads ([`write_xml`], [`write_detections`]).
//! Truth is read with the corpus (`corpus.rs`); detections are written
//! after `detect.rs` finds them.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use super::corpus::{Corpus, Pair};
use super::Detection;
use crate::Error;

/// `name` of a truth feature.
pub const CASE_NAME: &str = "plagiarism";
/// `name` of a detection feature, as reprint writes it.
pub const DETECTION_NAME: &str = "detected-plagiarism";

/// The features of the XML file at `path` whose `name` is one of `names`,
/// without repeats; none when the file does not exist (a pair without
/// cases, or without detections).
pub fn read_features(path: &Path, names: &[&str]) -> Result<Vec<Detection>, Error> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    parse_features(&text, names).map_err(|e| Error::Other(format!("{}:{}: {}", path.display(), e.0, e.1)))
}

/// The `<feature>` elements of `xml` whose `name` is one of `names`, as
/// detections, without repeats, in order of first appearance. Attributes
/// may come in any order, with any white space and either quote;
/// comments, processing instructions and other elements are skipped. An
/// error is `(line, message)`.
pub fn parse_features(xml: &str, names: &[&str]) -> Result<Vec<Detection>, (usize, String)> {
    let bytes = xml.as_bytes();
    let line_of = |at: usize| 1 + bytes[..at.min(bytes.len())].iter().filter(|&&b| b == b'\n').count();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut at = 0;
    while let Some(lt) = memchr::memchr(b'<', &bytes[at..]).map(|i| at + i) {
        let rest = &xml[lt..];
        let skip_to = |end: &str| rest.find(end).map(|i| lt + i + end.len());
        let next = if rest.starts_with("<!--") {
            skip_to("-->")
        } else if rest.starts_with("<![CDATA[") {
            skip_to("]]>")
        } else if rest.starts_with("<?") {
            skip_to("?>")
        } else if rest.starts_with("<!") || rest.starts_with("</") {
            skip_to(">")
        } else {
            let tag = parse_tag(xml, lt + 1).map_err(|(i, m)| (line_of(i), m))?;
            if tag.name == "feature" {
                let name = tag.attrs.iter().find(|(k, _)| *k == "name").map(|(_, v)| v.as_str());
                if name.is_some_and(|n| names.contains(&n)) {
                    let d = tag.detection().map_err(|m| (line_of(lt), m))?;
                    if seen.insert(d) {
                        out.push(d);
                    }
                }
            }
            Some(tag.end)
        };
        at = next.ok_or_else(|| (line_of(lt), "unterminated markup".to_string()))?;
    }
    Ok(out)
}

/// A start (or empty-element) tag: its name, attributes and where it ends.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, String)>,
    /// Byte just past its `>`.
    end: usize,
}

impl Tag<'_> {
    fn detection(&self) -> Result<Detection, String> {
        let number = |key: &str| -> Result<usize, String> {
            let value = self
                .attrs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("feature without a {key} attribute"))?;
            value.trim().parse().map_err(|_| format!("{key}=\"{value}\" is not a non-negative integer"))
        };
        Ok(Detection {
            this_offset: number("this_offset")?,
            this_length: number("this_length")?,
            source_offset: number("source_offset")?,
            source_length: number("source_length")?,
        })
    }
}

/// Parses the tag whose name starts at byte `at` (just past its `<`).
/// Errors are `(byte, message)`.
fn parse_tag(xml: &str, at: usize) -> Result<Tag<'_>, (usize, String)> {
    let bytes = xml.as_bytes();
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let name_end = |from: usize| {
        (from..bytes.len())
            .find(|&i| is_space(bytes[i]) || matches!(bytes[i], b'=' | b'/' | b'>'))
            .unwrap_or(bytes.len())
    };
    let end = name_end(at);
    let name = &xml[at..end];
    let mut attrs = Vec::new();
    let mut i = end;
    loop {
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        match bytes.get(i) {
            None => return Err((at, format!("unterminated <{name}> tag"))),
            Some(b'>') => return Ok(Tag { name, attrs, end: i + 1 }),
            Some(b'/') if bytes.get(i + 1) == Some(&b'>') => return Ok(Tag { name, attrs, end: i + 2 }),
            Some(_) => {}
        }
        let key_end = name_end(i);
        if key_end == i {
            return Err((i, format!("unexpected '{}' in <{name}> tag", bytes[i] as char)));
        }
        let key = &xml[i..key_end];
        i = key_end;
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            return Err((i, format!("attribute {key} of <{name}> has no value")));
        }
        i += 1;
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let quote = match bytes.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => q,
            _ => return Err((i, format!("value of attribute {key} of <{name}> is not quoted"))),
        };
        let close = memchr::memchr(quote, &bytes[i + 1..])
            .map(|j| i + 1 + j)
            .ok_or_else(|| (i, format!("value of attribute {key} of <{name}> is not closed")))?;
        attrs.push((key, unescape(&xml[i + 1..close])));
        i = close + 1;
    }
}

/// An attribute value with its character and entity references replaced.
fn unescape(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let c = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `value` escaped for an XML attribute in double quotes.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes `detections` of `pair` as a PAN XML document: one
/// `<feature name="detected-plagiarism" .../>` per detection.
pub fn write_xml(out: &mut impl Write, pair: &Pair, detections: &[Detection]) -> io::Result<()> {
    writeln!(out, "<document reference=\"{}\">", escape(&pair.susp))?;
    for d in detections {
        writeln!(
            out,
            "<feature name=\"{DETECTION_NAME}\" this_offset=\"{}\" this_length=\"{}\" \
             source_reference=\"{}\" source_offset=\"{}\" source_length=\"{}\"/>",
            d.this_offset,
            d.this_length,
            escape(&pair.src),
            d.source_offset,
            d.source_length
        )?;
    }
    writeln!(out, "</document>")
}

/// Writes one `SUSP-SRC.xml` into `dir` (created if missing) for each pair
/// of `corpus` with detections (`detections` in the order of
/// [`Corpus::pairs`]). A file of that name left from an earlier run for a
/// pair that now has none is removed, so the folder holds exactly this
/// run's detections of the corpus's pairs. Returns the files written.
pub fn write_detections(dir: &Path, corpus: &Corpus, detections: &[Vec<Detection>]) -> Result<usize, Error> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = 0;
    for (pair, dets) in corpus.pairs().zip(detections) {
        let path = dir.join(pair.xml_name());
        if dets.is_empty() {
            match fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(Error::io(&path, e)),
                _ => continue,
            }
        }
        let mut xml = Vec::new();
        write_xml(&mut xml, pair, dets).map_err(|e| Error::io(&path, e))?;
        fs::write(&path, xml).map_err(|e| Error::io(&path, e))?;
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pan::testing::d;

    #[test]
    fn features_parse_in_any_attribute_order_and_spacing() {
        let xml = "<?xml version=\"1.0\"?>\n<document reference=\"s.txt\">\n\
            <!-- <feature name=\"plagiarism\" this_offset=\"9\"/> -->\n\
            <feature name=\"about\" title=\"a &gt; b\" />\n\
            <feature  source_length = '20' this_length=\"10\"\n\t name=\"plagiarism\" source_offset=\"5\" \
            this_offset=\" 3 \" obfuscation=\"none\"></feature>\n\
            <feature name=\"plagiarism\" this_offset=\"3\" this_length=\"10\" source_offset=\"5\" source_length=\"20\"/>\n\
            <features name=\"plagiarism\"/>\n\
            <feature name=\"detected-plagiarism\" this_offset=\"1\" this_length=\"2\" source_offset=\"3\" source_length=\"4\"/>\n\
            </document>\n";
        assert_eq!(parse_features(xml, &[CASE_NAME]), Ok(vec![d(3, 13, 5, 25)]));
        assert_eq!(parse_features(xml, &[DETECTION_NAME]), Ok(vec![d(1, 3, 3, 7)]));
        assert_eq!(parse_features(xml, &[CASE_NAME, DETECTION_NAME]).map(|v| v.len()), Ok(2));
    }

    #[test]
    fn malformed_features_name_the_line() {
        let cases = [
            ("<document>\n<feature name=\"plagiarism\" this_offset=\"1\"/>", 2, "this_length"),
            (
                "<feature name=\"plagiarism\" this_offset=\"-1\" this_length=\"1\" source_offset=\"1\" \
                 source_length=\"1\"/>",
                1,
                "this_offset=\"-1\"",
            ),
            ("\n\n<feature name=\"plagiarism\" this_offset=1/>", 3, "not quoted"),
            ("<document>\n<feature name=\"plagiarism", 2, "not closed"),
            ("<!-- open", 1, "unterminated"),
        ];
        for (xml, line, word) in cases {
            let (at, message) = parse_features(xml, &[CASE_NAME]).unwrap_err();
            assert_eq!(at, line, "{xml}: {message}");
            assert!(message.contains(word), "{xml}: {message}");
        }
    }

    #[test]
    fn written_xml_reads_back() {
        let pair = Pair { susp: "s&1.txt".into(), src: "src \"2\".txt".into(), cases: vec![] };
        let dets = vec![d(0, 10, 5, 9), d(40, 41, 0, 100)];
        let mut xml = Vec::new();
        write_xml(&mut xml, &pair, &dets).unwrap();
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.contains("reference=\"s&amp;1.txt\""), "{xml}");
        assert_eq!(parse_features(&xml, &[DETECTION_NAME]), Ok(dets));
        assert_eq!(pair.xml_name(), "s&1-src \"2\".xml");
    }

    #[test]
    fn unescape_entities() {
        assert_eq!(unescape("a &lt;&amp;&gt; &#65;&#x42; &bogus; &"), "a <&> AB &bogus; &");
    }
}
