//! Helpers shared by the integration tests: running the real binary, and a
//! small deterministic corpus built from the seed fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use std::io::Write;

/// The repository root (fixtures live below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `reprint ARGS` in the repository root with `stdin` as input,
/// written from a thread: streaming commands can fill the output pipe
/// before their input ends.
pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reprint"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("reprint starts");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A command that refuses its input may close stdin early.
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("reprint finishes");
    writer.join().expect("writer thread");
    out
}

/// Runs `reprint ARGS` in the repository root.
pub fn run(args: &[&str]) -> Output {
    run_with_stdin(args, b"")
}

/// Runs and parses stdout as JSON.
pub fn run_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {stderr}"));
    (out.status.code().expect("exit code"), json, stderr)
}

/// The text of a seed fixture by its number.
pub fn seed(n: usize) -> String {
    let dir = root().join("fixtures/seeds");
    let mut entries: Vec<_> =
        std::fs::read_dir(&dir).expect("seeds").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    std::fs::read_to_string(&entries[n]).expect("seed text")
}

/// A small xorshift generator, so corpora are the same on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `text` with about `rate` of its words replaced by words from `vocab`.
pub fn mutate(text: &str, rate: f64, rng: &mut Rng, vocab: &[&str]) -> String {
    text.split(' ')
        .map(|w| {
            if (rng.below(10_000) as f64) < rate * 10_000.0 {
                vocab[rng.below(vocab.len())].to_string()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A corpus of `n` documents: base texts cut from the seeds, and variants of
/// them at several edit rates, so there are pairs across the whole range of
/// Jaccard similarity. Returns (id, text) in a fixed order.
pub fn corpus(n: usize, seed_value: u64) -> Vec<(String, String)> {
    let all: String = (0..5).map(seed).collect::<Vec<_>>().join("\n");
    let words: Vec<&str> = all.split_whitespace().collect();
    let vocab: Vec<&str> = words.iter().copied().filter(|w| w.len() > 3).collect();
    let mut rng = Rng(seed_value | 1);
    let mut docs: Vec<(String, String)> = Vec::new();
    while docs.len() < n {
        let len = 60 + rng.below(240);
        let start = rng.below(words.len() - len);
        let base = words[start..start + len].join(" ");
        let variants = rng.below(4);
        docs.push((format!("doc{:04}", docs.len()), base.clone()));
        for _ in 0..variants {
            if docs.len() >= n {
                break;
            }
            let rate = [0.0, 0.02, 0.05, 0.1, 0.2][rng.below(5)];
            let text = mutate(&base, rate, &mut rng, &vocab);
            docs.push((format!("doc{:04}", docs.len()), text));
        }
    }
    docs
}

/// Writes documents as JSONL into `dir/name`.
pub fn write_jsonl(dir: &Path, name: &str, docs: &[(String, String)]) -> PathBuf {
    let path = dir.join(name);
    let mut s = String::new();
    for (id, text) in docs {
        s.push_str(&serde_json::json!({"id": id, "text": text}).to_string());
        s.push('\n');
    }
    std::fs::write(&path, s).expect("write corpus");
    path
}
