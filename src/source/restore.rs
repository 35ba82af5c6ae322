//! Reading back released texts: a document whose text can be read again
//! (a plain text file, or a line of an uncompressed JSONL file) may come
//! released from reading, and a later stage reads back the texts it needs,
//! from the files, once it knows them ([`restore_texts`], [`read_back`]). A
//! file that changed since it was read is refused, not read silently.

use std::fs;
use std::io::{self, Read, Seek};
use std::sync::Arc;

use rayon::prelude::*;

use super::decode::*;
use super::reader::display;
use super::record::*;
use super::{Document, Locator, ReadOptions, SourceFile, Stamp};

/// Reads back the released texts of the documents `wanted` picks (by index
/// into `docs`), from their files, in parallel, in file order. A file that
/// changed since it was read (its length or modification time), that
/// cannot be read again, or a text that reads back with another length or
/// id, is an error that names it.
pub fn restore_texts(
    docs: &mut [Document],
    wanted: impl Fn(usize) -> bool + Sync,
    options: &ReadOptions,
) -> Result<(), crate::Error> {
    let todo: Vec<u32> =
        (0..docs.len()).filter(|&i| docs[i].released.is_some() && wanted(i)).map(|i| i as u32).collect();
    let texts = read_back(docs, &todo, options)?;
    for (i, text) in todo.into_iter().zip(texts) {
        let doc = &mut docs[i as usize];
        doc.text = text;
        doc.released = None;
    }
    Ok(())
}

/// The released texts of the documents `which` names (by index into
/// `docs`), in the order of `which`, read back from their files in
/// parallel, in file order, without restoring them into `docs`: a stage
/// that needs a few texts at a time holds only those. The errors of
/// [`restore_texts`]; a document whose text is held (not released) is an
/// error too.
pub fn read_back(
    docs: &[Document],
    which: &[u32],
    options: &ReadOptions,
) -> Result<Vec<String>, crate::Error> {
    // Lines in file order, for the page cache's sake.
    let mut order: Vec<u32> = (0..which.len() as u32).collect();
    let place = |k: &u32| match &docs[which[*k as usize] as usize].locator {
        Some(Locator::Line { file, offset, .. }) => (Arc::as_ptr(file) as usize, *offset),
        _ => (0, 0),
    };
    order.sort_by_key(place);
    // Each worker keeps its last JSONL file open.
    let read: Vec<String> = order
        .par_iter()
        .map_init(Option::default, |open, &k| {
            let doc = &docs[which[k as usize] as usize];
            if doc.released.is_none() {
                return Err(crate::Error::Other(format!("{}: its text is held, not released", doc.origin)));
            }
            let text = reread(doc, options, open)?;
            if Some(text.len()) != doc.released {
                return Err(changed(&doc.origin));
            }
            Ok(text)
        })
        .collect::<Result<_, crate::Error>>()?;
    let mut texts = vec![String::new(); which.len()];
    for (k, text) in order.into_iter().zip(read) {
        texts[k as usize] = text;
    }
    Ok(texts)
}

fn changed(location: &str) -> crate::Error {
    crate::Error::Other(format!("{location}: changed while it was read, stopped"))
}

/// Opens a file to read back from, checking that it has not changed.
fn reopen(file: &SourceFile) -> Result<fs::File, crate::Error> {
    let io_error = |e| crate::Error::io(&file.path, e);
    let opened = fs::File::open(&file.path).map_err(io_error)?;
    if Stamp::of(&opened) != Some(file.stamp) {
        return Err(changed(&display(&file.path)));
    }
    Ok(opened)
}

/// The text of a released document, from its locator. `open` is the JSONL
/// file last opened, kept for the next line.
fn reread(
    doc: &Document,
    options: &ReadOptions,
    open: &mut Option<(Arc<SourceFile>, fs::File)>,
) -> Result<String, crate::Error> {
    match &doc.locator {
        Some(Locator::File(file)) => {
            let mut bytes = Vec::new();
            reopen(file)?.read_to_end(&mut bytes).map_err(|e| crate::Error::io(&file.path, e))?;
            decode_text(bytes)
                .map(|d| d.text)
                .map_err(|message| crate::Error::Other(format!("{}: {message}", doc.origin)))
        }
        Some(Locator::Line { file, offset, len }) => {
            let opened = match open {
                Some((f, opened)) if Arc::ptr_eq(f, file) => opened,
                _ => &mut open.insert((Arc::clone(file), reopen(file)?)).1,
            };
            let mut line = vec![0; *len];
            opened
                .seek(io::SeekFrom::Start(*offset))
                .and_then(|_| opened.read_exact(&mut line))
                .map_err(|e| crate::Error::io(&file.path, e))?;
            match parse_line(&line, options).result {
                Ok(record) if record.id.as_deref().unwrap_or(&doc.origin) == doc.id => Ok(record.text),
                _ => Err(changed(&doc.origin)),
            }
        }
        None => Err(crate::Error::Other(format!("{}: its text was not kept", doc.origin))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::read_inputs_with;
    use super::super::tests::Texts;
    use super::*;
    use std::path::Path;

    /// Rewrites a file and gives it another modification time (a rewrite
    /// within one clock tick may keep it).
    fn rewrite(path: &Path, text: &str) {
        fs::write(path, text).unwrap();
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000)).unwrap();
    }

    #[test]
    fn a_changed_file_does_not_restore_silently() {
        let dir = tempfile::tempdir().unwrap();
        let (jsonl, txt) = (dir.path().join("a.jsonl"), dir.path().join("b.txt"));
        let lines = "{\"id\":\"a\",\"text\":\"one two\"}\n{\"id\":\"b\",\"text\":\"three\"}\n";
        fs::write(&jsonl, lines).unwrap();
        fs::write(&txt, "plain text").unwrap();
        let options = ReadOptions::default();
        let mut visit = Texts { release: true, handed: Vec::new() };
        let mut loaded = read_inputs_with(&[jsonl.clone(), txt.clone()], &options, &mut visit);
        assert_eq!(loaded.documents.len(), 3);
        assert!(loaded.documents.iter().all(Document::is_released));
        // Rewritten, with the same length.
        rewrite(&jsonl, &lines.replace("one", "six"));
        rewrite(&txt, "plain tent");
        for (i, file) in [(0, "a.jsonl"), (1, "a.jsonl"), (2, "b.txt")] {
            let err = restore_texts(&mut loaded.documents, |j| j == i, &options).unwrap_err().to_string();
            assert!(err.contains("changed while it was read") && err.contains(file), "{err}");
        }
        // Gone altogether: an error naming the file.
        fs::remove_file(&jsonl).unwrap();
        let err = restore_texts(&mut loaded.documents, |j| j == 0, &options).unwrap_err().to_string();
        assert!(err.contains("a.jsonl"), "{err}");
        // Nothing wanted, nothing read.
        restore_texts(&mut loaded.documents, |_| false, &options).unwrap();
    }
}
