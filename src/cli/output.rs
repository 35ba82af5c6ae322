//! One output convention for every command that writes a report (`scan`,
//! `dedup`, `compare`, `eval`, `index query`, `index stats`):
//!
//! - `-o FILE` / `--output FILE` writes the report to FILE; without it, or
//!   with `-o -`, the report goes to stdout.
//! - Without `--format`, the format follows FILE's extension (`.json`,
//!   `.jsonl` or `.ndjson`, `.csv`, `.html` or `.htm`, `.txt`); any other
//!   extension, or stdout, gives the command's default (text).
//! - `--format` and an extension that names another format are an error
//!   (exit 2), as is an extension naming a format the command does not
//!   write.
//! - `--format` takes its value in any case (`--format JSON`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use reprint::Error;

/// The format an output file's extension names, if any.
pub fn extension_format(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "json" => "json",
        "jsonl" | "ndjson" => "jsonl",
        "csv" => "csv",
        "html" | "htm" => "html",
        "txt" | "text" => "text",
        _ => return None,
    })
}

/// The name `--format` gives a format value.
fn name<F: ValueEnum>(format: &F) -> String {
    format.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
}

/// The report format: `--format` when given, else the one the output
/// file's extension names, else `default`; an error when the two disagree
/// or the extension names a format the command does not write.
pub fn choose<F: ValueEnum + Copy>(flag: Option<F>, output: &Output, default: F) -> Result<F, Error> {
    let Some(path) = &output.path else {
        return Ok(flag.unwrap_or(default));
    };
    let Some(by_extension) = extension_format(path) else {
        return Ok(flag.unwrap_or(default));
    };
    match flag {
        Some(f) if name(&f) == by_extension => Ok(f),
        Some(f) => Err(Error::Other(format!(
            "--format {} but the output file {} names {by_extension} by its extension; \
             give one of them, or make them agree",
            name(&f),
            path.display()
        ))),
        None => F::from_str(by_extension, true).map_err(|_| {
            let offered: Vec<String> = F::value_variants().iter().map(name).collect();
            Error::Other(format!(
                "{}: this command does not write {by_extension} (its formats: {}); give --format",
                path.display(),
                offered.join(", ")
            ))
        }),
    }
}

/// Where a report goes: a file, or stdout (no `-o`, or `-o -`).
#[derive(Clone, Debug)]
pub struct Output {
    path: Option<PathBuf>,
}

impl Output {
    /// The destination `-o` gives (`None` or `-`: stdout).
    pub fn new(arg: Option<&Path>) -> Output {
        Output { path: arg.filter(|p| *p != Path::new("-")).map(Path::to_path_buf) }
    }

    /// The file, or `None` for stdout.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The name errors give: the file, or `<stdout>`.
    pub fn name(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from("<stdout>"))
    }

    /// Opens the destination for writing (creating or truncating the file).
    pub fn open(&self) -> Result<Box<dyn Write + Send>, Error> {
        Ok(match &self.path {
            Some(path) => Box::new(BufWriter::new(File::create(path).map_err(|e| Error::io(path, e))?)),
            None => Box::new(BufWriter::new(io::stdout())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
    enum Two {
        Text,
        Json,
    }

    fn to(path: &str) -> Output {
        Output::new(Some(Path::new(path)))
    }

    #[test]
    fn dash_is_stdout() {
        assert!(Output::new(Some(Path::new("-"))).path().is_none());
        assert!(Output::new(None).path().is_none());
        assert_eq!(to("r.json").path(), Some(Path::new("r.json")));
    }

    #[test]
    fn format_from_flag_extension_or_default() {
        assert_eq!(choose(None, &to("r.JSON"), Two::Text).unwrap(), Two::Json);
        assert_eq!(choose(None, &to("r.out"), Two::Text).unwrap(), Two::Text);
        assert_eq!(choose(None, &to("-"), Two::Text).unwrap(), Two::Text);
        assert_eq!(choose(Some(Two::Json), &to("-"), Two::Text).unwrap(), Two::Json);
        assert_eq!(choose(Some(Two::Json), &to("r.json"), Two::Text).unwrap(), Two::Json);
        assert_eq!(choose(Some(Two::Text), &to("r.txt"), Two::Text).unwrap(), Two::Text);
    }

    #[test]
    fn clash_and_unoffered_format_are_errors() {
        let clash = choose(Some(Two::Json), &to("r.html"), Two::Text).unwrap_err().to_string();
        assert!(
            clash.contains("--format json") && clash.contains("r.html") && clash.contains("html"),
            "{clash}"
        );
        let unoffered = choose(None, &to("r.csv"), Two::Text).unwrap_err().to_string();
        assert!(unoffered.contains("does not write csv") && unoffered.contains("text, json"), "{unoffered}");
    }
}
