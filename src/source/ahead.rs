//! Reading ahead: a gzipped JSONL file is decompressed on a thread of its
//! own, a few chunks ahead of the parsing and sketching of the lines
//! before them, so decompression runs beside the sketching (measured on
//! 20 Newsgroups, `--mode near`: 0.58-0.62 s -> 0.53-0.56 s). A plain file
//! is read directly: the kernel reads it ahead already, and a thread
//! copying it only added CPU time.
//!
//! The bytes are exactly those of the stream, in order; a read error comes
//! after every byte read before it, as from the stream itself.

use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

/// Bytes read per chunk.
pub(super) const CHUNK: usize = 1 << 19;

/// Chunks read ahead and not yet taken, at most: with the one being
/// taken, at most `(DEPTH + 2) * CHUNK` bytes are held.
pub(super) const DEPTH: usize = 4;

/// A reader of another reader's bytes, read ahead on a thread of its own.
pub(super) struct ReadAhead {
    chunks: Receiver<io::Result<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
    current: Vec<u8>,
    at: usize,
    done: bool,
}

impl ReadAhead {
    /// Starts reading `inner` ahead, `chunk` bytes at a time and at most
    /// `depth` chunks ahead; gives `inner` back if no thread could be
    /// started (read it directly then).
    pub(super) fn new<R: Read + Send + 'static>(
        inner: R,
        chunk: usize,
        depth: usize,
    ) -> Result<ReadAhead, R> {
        let (send, chunks) = sync_channel(depth);
        // The reader comes back if the thread cannot start.
        let (give, take) = sync_channel::<R>(1);
        let started = std::thread::Builder::new().name("reprint-read".into()).spawn(move || {
            let Ok(mut inner) = take.recv() else { return };
            loop {
                let mut buf = vec![0; chunk.max(1)];
                let mut filled = 0;
                let mut failed = None;
                while filled < buf.len() {
                    match inner.read(&mut buf[filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        Err(err) => {
                            failed = Some(err);
                            break;
                        }
                    }
                }
                let end = filled < buf.len();
                buf.truncate(filled);
                // A closed channel means the reader was dropped: stop.
                if filled > 0 && send.send(Ok(buf)).is_err() {
                    return;
                }
                if let Some(err) = failed {
                    let _ = send.send(Err(err));
                    return;
                }
                if end {
                    return; // the channel closes: the end of the stream
                }
            }
        });
        match started {
            Ok(thread) => match give.send(inner) {
                Ok(()) => {
                    Ok(ReadAhead { chunks, thread: Some(thread), current: Vec::new(), at: 0, done: false })
                }
                Err(back) => Err(back.0),
            },
            Err(_) => Err(inner),
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            if self.done || out.is_empty() {
                return Ok(0);
            }
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Ok(Err(err)) => {
                    self.done = true;
                    return Err(err);
                }
                Err(_) => {
                    // The thread ended: the end of the stream, unless it
                    // panicked, which must not pass for one.
                    self.done = true;
                    if self.thread.take().is_some_and(|t| t.join().is_err()) {
                        return Err(io::Error::other("the thread reading the file ahead failed"));
                    }
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.current.len() - self.at);
        out[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Gives `data` in reads of the sizes `steps` (cycled), then `error`
    /// (if any) instead of the end of the stream.
    struct Uneven {
        data: Vec<u8>,
        at: usize,
        steps: Vec<usize>,
        step: usize,
        error: bool,
    }

    impl Read for Uneven {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() {
                return if self.error { Err(io::Error::other("broken")) } else { Ok(0) };
            }
            let step = self.steps[self.step % self.steps.len()].max(1);
            self.step += 1;
            let n = step.min(out.len()).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// What `read_to_end` gives: the bytes, and whether it failed.
    fn drain(mut input: impl Read) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let failed = input.read_to_end(&mut out).is_err();
        (out, failed)
    }

    proptest! {
        /// Read ahead or directly, the same bytes, and the error after them.
        #[test]
        fn reads_the_same_bytes_and_error(
            data in prop::collection::vec(any::<u8>(), 0..3000),
            steps in prop::collection::vec(1usize..700, 1..5),
            chunk in 1usize..1200,
            depth in 0usize..3,
            error in any::<bool>(),
        ) {
            let uneven = || Uneven { data: data.clone(), at: 0, steps: steps.clone(), step: 0, error };
            let ahead = ReadAhead::new(uneven(), chunk, depth).ok().unwrap();
            prop_assert_eq!(drain(ahead), drain(uneven()));
        }
    }

    #[test]
    fn dropping_it_early_stops_the_thread() {
        let data = vec![7u8; 10 * CHUNK];
        let mut ahead = ReadAhead::new(io::Cursor::new(data), 1000, 1).ok().unwrap();
        let mut first = [0u8; 10];
        ahead.read_exact(&mut first).unwrap();
        assert_eq!(first, [7; 10]);
        let thread = ahead.thread.take().unwrap();
        drop(ahead);
        thread.join().unwrap();
    }
}
