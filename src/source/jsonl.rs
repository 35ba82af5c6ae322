//! Reading JSONL: a stream is read about [`BATCH_BYTES`] at a time, its
//! complete lines parsed in parallel batches on the rayon pool (each line
//! parsed, visited and made a document by one worker; `record.rs` parses
//! a record), then added in order by the [`Reader`]. Handles a byte-order
//! mark, CRLF, blank lines, UTF-16 and a truncated gzip stream.

use std::fs;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::decode::*;
use super::reader::{cannot_read, display, Ids, Reader};
use super::record::*;
use super::{ahead, Document, Locator, SourceFile, Stamp, Visit};

/// JSONL lines are parsed in parallel batches of about this many bytes.
pub(super) const BATCH_BYTES: usize = 1 << 20;

impl<'a, V: Visit> Reader<'a, V> {
    pub(super) fn read_jsonl_file(&mut self, path: &Path, gzipped: bool) {
        let name = display(path);
        let file = match fs::File::open(path) {
            Ok(file) => file,
            Err(err) => return self.diagnose(name, cannot_read(&err), true),
        };
        if gzipped {
            // Decompressed ahead on a thread of its own, beside the
            // sketching (directly if no thread can be started).
            let decoder = flate2::bufread::MultiGzDecoder::new(io::BufReader::new(file));
            let mut input: Box<dyn Read + Send> =
                match ahead::ReadAhead::new(decoder, ahead::CHUNK, ahead::DEPTH) {
                    Ok(ahead) => Box::new(ahead),
                    Err(decoder) => Box::new(decoder),
                };
            self.read_jsonl_stream(&name, &mut input, true, None);
        } else {
            // An uncompressed file's lines can be read again by offset, as
            // long as the file stays as it is now. Read directly: the
            // kernel reads a sequential file ahead already, and a thread
            // copying it cost 5% more CPU time on the 100k corpus.
            let source =
                Stamp::of(&file).map(|stamp| Arc::new(SourceFile { path: path.to_path_buf(), stamp }));
            self.read_jsonl_stream(&name, &mut io::BufReader::new(file), false, source.as_ref());
        }
    }

    /// Reads JSONL from a stream, about `self.batch` bytes at a time, so memory
    /// holds two batches of raw lines besides the documents: while the
    /// workers parse the complete lines of one, the next is read (a task
    /// on the pool, so the read overlaps the parsing). A read error (a
    /// truncated or corrupt gzip stream) keeps the whole lines before it.
    /// `file` is the uncompressed file it reads (its lines' texts can be
    /// read again by offset).
    pub(super) fn read_jsonl_stream(
        &mut self,
        name: &str,
        input: &mut (dyn Read + Send),
        gzipped: bool,
        file: Option<&Arc<SourceFile>>,
    ) {
        let mut buf: Vec<u8> = Vec::new();
        let mut line_no = 0;
        // The offset in the input of `buf[0]`.
        let mut base = 0u64;
        // The first read: enough to tell a byte-order mark.
        let mut got = loop {
            let got = read_up_to(input, &mut buf, self.batch);
            if matches!(got, Ok(n) if n > 0) && buf.len() < UTF8_BOM.len() {
                continue; // too little to tell a byte-order mark yet
            }
            break got;
        };
        if utf16_bom(&buf).is_some() {
            // Rare: decode the whole stream as UTF-16, then split.
            if let Err(err) = got.and_then(|_| input.read_to_end(&mut buf)) {
                self.diagnose(name, cannot_read(&err), true);
                return;
            }
            let big_endian = utf16_bom(&buf) == Some(true);
            let (text, lossy) = decode_utf16(buf.get(2..).unwrap_or_default(), big_endian);
            self.diagnose(name, utf16_warning(big_endian, lossy), false);
            self.read_jsonl_lines(name, text.as_bytes(), &mut line_no, None);
            return;
        }
        if buf.starts_with(UTF8_BOM) {
            buf.drain(..UTF8_BOM.len());
            base += UTF8_BOM.len() as u64;
        }
        // `buf[..searched]` holds no line end.
        let mut searched = 0;
        let mut next: Vec<u8> = Vec::new();
        loop {
            match got {
                Ok(0) => {
                    // End of input: what is left is the last line.
                    self.read_jsonl_lines(name, &buf, &mut line_no, file.map(|f| (f, base)));
                    return;
                }
                Ok(_) => {
                    let Some(end) = memchr::memrchr(b'\n', buf.get(searched..).unwrap_or_default()) else {
                        // No complete line yet: read on.
                        searched = buf.len();
                        got = read_up_to(input, &mut buf, self.batch);
                        continue;
                    };
                    // Parse the complete lines while the next batch is read
                    // after the partial last one.
                    let end = searched + end + 1;
                    next.clear();
                    next.extend_from_slice(&buf[end..]);
                    searched = next.len();
                    let limit = self.batch;
                    let mut read = None;
                    rayon::in_place_scope(|scope| {
                        scope.spawn(|_| read = Some(read_up_to(input, &mut next, limit)));
                        self.read_jsonl_lines(name, &buf[..end], &mut line_no, file.map(|f| (f, base)));
                    });
                    got = read.expect("the scope ran the read");
                    base += end as u64;
                    std::mem::swap(&mut buf, &mut next);
                }
                Err(err) => {
                    // A partly decoded last line is not a record: drop it.
                    let end = memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1);
                    let lines = buf.get(..end).unwrap_or_default();
                    self.read_jsonl_lines(name, lines, &mut line_no, file.map(|f| (f, base)));
                    let message = if gzipped {
                        format!("gzip stream truncated or corrupt after line {line_no}: {err}, rest of file skipped")
                    } else {
                        format!("read failed after line {line_no}: {err}, rest of file skipped")
                    };
                    self.diagnose(name, message, true);
                    return;
                }
            }
        }
    }

    /// Parses the lines of `data` (one JSON object a line, blank lines
    /// ignored), numbering them from `line_no + 1`; leaves `line_no` at the
    /// last line's number. `at` is the file `data` can be read again from,
    /// with the offset of `data[0]` in it.
    fn read_jsonl_lines(
        &mut self,
        name: &str,
        data: &[u8],
        line_no: &mut usize,
        at: Option<(&Arc<SourceFile>, u64)>,
    ) {
        let mut batch: Vec<(usize, &[u8])> = Vec::new();
        let mut batch_bytes = 0;
        for line in split_lines(data) {
            *line_no += 1;
            if is_blank(line) {
                continue;
            }
            batch.push((*line_no, line));
            batch_bytes += line.len();
            if batch_bytes >= self.batch {
                self.parse_batch(name, &batch, data, at);
                batch.clear();
                batch_bytes = 0;
            }
        }
        self.parse_batch(name, &batch, data, at);
    }

    /// Parses `batch`, lines of `data` (see [`Reader::read_jsonl_lines`]).
    fn parse_batch(
        &mut self,
        name: &str,
        batch: &[(usize, &[u8])],
        data: &[u8],
        at: Option<(&Arc<SourceFile>, u64)>,
    ) {
        let (options, visit) = (self.options, &*self.visit);
        // A text that can be read again and is to come released is never
        // held: it is parsed into the worker's buffer and visited there.
        let release = visit.release_texts() && at.is_some();
        let seed = self.ids.seed;
        // Each record is parsed, visited and made a document by one worker.
        let parsed: Vec<(bool, VisitedLine<V::Out>)> = batch
            .par_iter()
            .map_init(
                || (V::Scratch::default(), String::new()),
                |(scratch, text), &(line_no, line)| {
                    let origin = format!("{name}:{line_no}");
                    let ParsedLine { lossy, result } = parse_line_into(line, options, text);
                    let record = match result {
                        Ok(record) => record,
                        Err(message) => return (lossy, Err((origin, message))),
                    };
                    let out = visit.each(scratch, text);
                    // The locator is made in the loop below: every line's
                    // `Arc::clone` of the file, made here, had both
                    // workers write the one reference count.
                    let doc = Document {
                        id: record.id.unwrap_or_else(|| origin.clone()),
                        origin,
                        text: if release { String::new() } else { text.clone() },
                        record: record.raw,
                        meta: record.meta,
                        locator: None,
                        released: release.then_some(text.len()),
                    };
                    (lossy, Ok((Ids::hash(seed, &doc.id), doc, out, record.meta_warnings)))
                },
            )
            .collect();
        for ((lossy, result), &(_, line)) in parsed.into_iter().zip(batch) {
            if lossy {
                let origin = match &result {
                    Ok((_, doc, _, _)) => &doc.origin,
                    Err((origin, _)) => origin,
                };
                self.diagnose(origin.clone(), "invalid UTF-8, decoded with replacement characters", false);
            }
            match result {
                Ok((id_hash, mut doc, out, warnings)) => {
                    doc.locator = at.map(|(file, base)| Locator::Line {
                        file: Arc::clone(file),
                        offset: base + (line.as_ptr() as usize - data.as_ptr() as usize) as u64,
                        len: line.len(),
                    });
                    for message in warnings {
                        self.diagnose(doc.origin.clone(), message, false);
                    }
                    self.add(doc, id_hash, out)
                }
                Err((origin, message)) => self.diagnose(origin, message, true),
            }
        }
        self.done();
    }
}

/// Appends up to `limit` bytes from `input` to `buf` (fewer only at the
/// end of input); returns how many were read.
fn read_up_to(input: &mut (dyn Read + Send), buf: &mut Vec<u8>, limit: usize) -> io::Result<usize> {
    let start = buf.len();
    let result = input.take(limit as u64).read_to_end(buf);
    match result {
        Ok(_) => Ok(buf.len() - start),
        Err(err) if err.kind() == io::ErrorKind::Interrupted => Ok(buf.len() - start),
        Err(err) => Err(err),
    }
}

/// The lines of `data`, split at `\n`, without their `\n` or `\r\n`. A last
/// line without a line end counts; nothing after a final `\n` does.
fn split_lines(data: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', data);
    std::iter::from_fn(move || {
        let line = match ends.next() {
            Some(end) => data.get(start..end),
            None if start < data.len() => data.get(start..),
            None => None,
        }?;
        start += line.len() + 1;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// A JSONL line parsed and visited: the hash of its document's id
/// ([`Ids::hash`]), the document, what [`Visit::each`] gave and the
/// warnings about its date and source; or its origin and the skip message.
type VisitedLine<O> = Result<(u64, Document, O, Vec<String>), (String, String)>;

#[cfg(test)]
mod tests {
    use super::super::tests::Texts;
    use super::super::{restore_texts, NoVisit, ReadOptions};
    use super::*;

    fn lines(data: &[u8]) -> Vec<&[u8]> {
        split_lines(data).collect()
    }

    #[test]
    fn split_lines_drops_line_ends_and_keeps_a_last_unterminated_line() {
        assert!(lines(b"").is_empty());
        assert_eq!(lines(b"a"), [b"a".as_slice()]);
        assert_eq!(lines(b"a\n"), [b"a".as_slice()]);
        assert_eq!(lines(b"a\r\nb\n\nc"), [&b"a"[..], b"b", b"", b"c"]);
        assert_eq!(lines(b"\n\n"), [&b""[..], b""]);
        // Only the \r right before \n goes; one inside a line stays.
        assert_eq!(lines(b"a\rb\r\r\n"), [&b"a\rb\r"[..]]);
    }

    #[test]
    fn blank_lines_are_white_space_only() {
        assert!(is_blank(b""));
        assert!(is_blank(b" \t\r "));
        assert!(!is_blank(b" {} "));
    }

    /// Lines cut anywhere by the batch boundaries, a BOM, CRLF, blank lines
    /// and a last line without a line end all read as if in one piece.
    #[test]
    fn streaming_in_small_batches_matches_one_batch() {
        let mut data = UTF8_BOM.to_vec();
        for i in 0..50 {
            data.extend_from_slice(
                format!("{{\"id\":\"d{i}\",\"text\":\"{}\"}}\r\n", "w ".repeat(i)).as_bytes(),
            );
            if i % 7 == 0 {
                data.extend_from_slice(b"\n");
            }
        }
        data.extend_from_slice(br#"{"id":"last","text":"no line end"}"#);
        let options = ReadOptions::default();
        let read = |batch: usize| {
            let mut visit = NoVisit;
            let mut reader = Reader::new(&options, &mut visit);
            reader.batch = batch;
            reader.read_jsonl_stream("x", &mut &data[..], false, None);
            reader.loaded
        };
        let whole = read(1 << 20);
        assert_eq!(whole.documents.len(), 51);
        assert!(whole.diagnostics.is_empty(), "{:?}", whole.diagnostics);
        assert_eq!(whole.documents[50].origin, "x:59"); // 50 records, 8 blank lines, then the last
        for batch in [1, 7, 64] {
            let small = read(batch);
            assert_eq!(small.documents, whole.documents, "batch {batch}");
            assert!(small.diagnostics.is_empty());
        }

        // From a file: every document is visited once, in order, comes
        // released when asked, and reads back the same, whatever the batch
        // size.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        fs::write(&path, &data).unwrap();
        let texts: Vec<&str> = whole.documents.iter().map(|d| d.text.as_str()).collect();
        for (batch, release) in [(1, true), (7, true), (64, false), (1 << 20, true)] {
            let mut visit = Texts { release, handed: Vec::new() };
            let mut reader = Reader::new(&options, &mut visit);
            reader.batch = batch;
            reader.read_jsonl_file(&path, false);
            let mut loaded = reader.loaded;
            assert_eq!(visit.handed, texts, "batch {batch}");
            assert!(loaded.documents.iter().all(|d| d.is_released() == release));
            assert_eq!(loaded.documents[3].text_len(), texts[3].len());
            if !release {
                let kept = |docs: &[Document]| {
                    docs.iter().map(|d| (d.id.clone(), d.text.clone())).collect::<Vec<_>>()
                };
                assert!(kept(&loaded.documents) == kept(&whole.documents));
                continue;
            }
            // Only the wanted ones come back.
            restore_texts(&mut loaded.documents, |i| i % 2 == 1, &options).unwrap();
            for (i, (d, text)) in loaded.documents.iter().zip(&texts).enumerate() {
                assert_eq!(d.is_released(), i % 2 == 0);
                assert_eq!(d.text, if i % 2 == 1 { *text } else { "" }, "batch {batch}, document {i}");
            }
        }
    }
}
