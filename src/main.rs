//! The `reprint` binary: thin glue between the command line and the
//! library. Exit codes: 0 pairs found (scan) or success (dedup), 1 no pair
//! found, 2 an error or skipped input.

mod cli;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::Parser;

use cli::output::Output;
use cli::{Cli, Command, DedupArgs, ScanArgs};
use reprint::report::{self, Report};
use reprint::source::{self, Loaded};
use reprint::{pipeline, Error};

/// Exit code: pairs found, or success.
const FOUND: u8 = 0;
/// Exit code: no pair found.
const NONE: u8 = 1;
/// Exit code: an error, or some input was skipped.
const ERROR: u8 = 2;

fn main() -> ExitCode {
    release_large_blocks();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Dedup(args) => run_dedup(args),
        Command::Compare(args) => cli::compare::run(args),
        Command::Eval(args) => cli::eval::run(args),
        Command::Index(args) => cli::index::run(args),
        Command::Sketch(args) => cli::distributed::run_sketch(args),
        Command::AlignPairs(args) => cli::distributed::run_align_pairs(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if let Error::Io { source, .. } = &err {
                if source.kind() == io::ErrorKind::BrokenPipe {
                    return ExitCode::from(FOUND);
                }
            }
            // Errors name paths and ids, which may hold anything.
            eprintln!("reprint: {}", report::terminal::escape(&err.to_string()));
            ExitCode::from(ERROR)
        }
    }
}

/// Runs `f` on a rayon pool of `threads` workers (default: one per core).
fn with_pool<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T, Error> {
    if threads == Some(0) {
        return Err(Error::Config("--threads must be at least 1".into()));
    }
    // One pool for the whole run, built on first use. The calling (main)
    // thread is one of its workers: with one thread everything runs on it,
    // and its allocations come from the main heap, which grows in larger
    // steps than a worker thread's arena (4% less CPU for a near scan).
    static POOL: OnceLock<Result<(), String>> = OnceLock::new();
    let started = POOL.get_or_init(|| {
        let mut builder = rayon::ThreadPoolBuilder::new().use_current_thread();
        if let Some(n) = threads {
            builder = builder.num_threads(n);
        }
        builder.build_global().map_err(|e| e.to_string())
    });
    started.clone().map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    Ok(f())
}

/// Reads the inputs, printing every problem on stderr; returns the documents
/// and the numbers of skipped and warned-about inputs.
fn read(
    inputs: &cli::InputArgs,
    threads: Option<usize>,
    keep_records: bool,
) -> Result<(Loaded, usize, usize), Error> {
    let options = inputs.read_options(keep_records);
    let loaded = with_pool(threads, || source::read_inputs(&inputs.inputs, &options))?;
    let (skipped, warnings) = print_diagnostics(&loaded);
    Ok((loaded, skipped, warnings))
}

/// Prints every problem reading met on stderr; returns the numbers of
/// skipped and warned-about inputs.
fn print_diagnostics(loaded: &Loaded) -> (usize, usize) {
    for line in loaded.messages() {
        eprintln!("{}", report::terminal::escape(&line));
    }
    let skipped = loaded.diagnostics.iter().filter(|d| d.skipped).count();
    (skipped, loaded.diagnostics.len() - skipped)
}

fn create(path: &Path) -> Result<BufWriter<File>, Error> {
    File::create(path).map(BufWriter::new).map_err(|e| Error::io(path, e))
}

fn run_scan(args: ScanArgs) -> Result<u8, Error> {
    let mut config = reprint::Config { passages: !args.no_passages, ..args.params.config() };
    config.origin |= args.input.has_metadata();
    config.align.explain = args.explain;
    config.validate()?;
    if args.publishers.is_some() && args.input.source_field.is_none() && args.input.metadata.is_none() {
        return Err(Error::Config("--publishers needs sources: give --source-field or --metadata".into()));
    }
    let output = Output::new(args.output.as_deref());
    let format_arg = cli::output::choose(args.format, &output, cli::FormatArg::Text)?;
    let bar = cli::progress::Bar::new(args.params.quiet);
    bar.message("reading");
    let threads = args.params.threads;
    // Each document is sketched as it is read, by the worker that parsed
    // it, and its text released where it can be read again: memory holds
    // sketches, not texts, and the texts the pairs need are read back once
    // the candidates are known.
    let options = args.input.read_options(false);
    let mut sketches = pipeline::Sketches::new(&config, &bar)?;
    let loaded =
        with_pool(threads, || source::read_inputs_with(&args.input.inputs, &options, &mut sketches))?;
    let (skipped, mut warnings) = bar.suspend(|| print_diagnostics(&loaded));
    let mut docs = loaded.documents;
    if let Some(csv) = &args.input.metadata {
        warnings += bar.suspend(|| apply_metadata(csv, &mut docs))?;
        sketches.note_metadata(&docs);
    }
    if !args.params.quiet && docs.len() >= LONG_RUN_DOCUMENTS {
        bar.suspend(|| eprintln!("reprint: {}", plan(&docs, sketches.params(), &config)));
    }
    let candidates = with_pool(threads, || sketches.candidates())??;
    let found = candidates.stats();
    if !args.params.quiet && found.screened_out > 0 {
        bar.suspend(|| {
            eprintln!(
                "reprint: {} of {} LSH candidates ruled out before verification by their MinHash screen",
                found.screened_out, found.near_candidates
            )
        });
    }
    let format = format_arg.format();
    let name = output.name();
    // JSON, JSONL and CSV are written as the pairs come, so memory holds two
    // batches of pairs however many there are, and the texts of one batch:
    // they are read back a batch at a time.
    if !report::Streamer::streams(format) {
        // Text and HTML need every pair first (and HTML the texts): the
        // texts of every pair are read back at once.
        let needed = candidates.needs_text();
        with_pool(threads, || source::restore_texts(&mut docs, |i| needed[i], &options))??;
    }
    let mut writer = output.open()?;
    let out: &mut (dyn Write + Send) = &mut *writer;
    if let Some(mut streamer) = report::Streamer::new(&docs, format, out, name.clone()) {
        let mut scan =
            with_pool(threads, || candidates.run_reading_back(&docs, &options, &bar, &mut streamer))??;
        bar.finish();
        if !args.timings {
            scan.stats.seconds = None;
            scan.stats.cpu_seconds = None;
        }
        let summary = streamer.finish(&scan, skipped, warnings)?;
        if !args.params.quiet {
            eprintln!("reprint: {summary}");
        }
        if let Some(path) = &args.publishers {
            write_publishers(path, &docs, &scan.links)?;
        }
        return Ok(exit_code(skipped, scan.stats.pairs > 0));
    }
    let mut scan = with_pool(threads, || candidates.collect(&docs, &bar))??;
    bar.finish();
    if !args.timings {
        scan.stats.seconds = None;
        scan.stats.cpu_seconds = None;
    }
    let report = Report::new(&docs, &scan, skipped, warnings);
    report::write_with_documents(&report, &docs, format, out)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(&name, e))?;
    if !args.params.quiet && (output.path().is_some() || format_arg != cli::FormatArg::Text) {
        eprintln!("reprint: {}", report::terminal::summary(&report));
    }
    if let Some(path) = &args.publishers {
        write_publishers(path, &docs, &scan.links)?;
    }
    Ok(exit_code(skipped, !report.pairs.is_empty()))
}

/// Has glibc's allocator hand every block of 128 KiB or more back to the
/// system when it is freed. By default it raises that threshold to the
/// largest such block freed so far (up to 32 MiB), after which the large
/// buffers a run makes and drops (index entries, batches of texts read
/// back) come from the heap, whose freed space the process keeps: 20
/// Newsgroups' `scan --rewrites` peaked at 99 MB for 71 MB of live heap,
/// 81 MB with the threshold held, in the same time. Called before any
/// thread starts.
fn release_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter, and no other
    // thread is allocating yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

/// Applies the `--metadata` CSV file to `docs`, printing its problems;
/// returns how many there were.
fn apply_metadata(csv: &Path, docs: &mut [reprint::source::Document]) -> Result<usize, Error> {
    let problems = reprint::meta::apply_csv(csv, docs)?;
    for d in &problems {
        eprintln!("{}", report::terminal::escape(&d.to_string()));
    }
    Ok(problems.len())
}

/// Writes the publishers' view of `links` as a CSV edge list.
fn write_publishers(
    path: &Path,
    docs: &[reprint::source::Document],
    links: &[reprint::origin::Link],
) -> Result<(), Error> {
    let sources: Vec<Option<&str>> = docs.iter().map(|d| d.meta().source.as_deref()).collect();
    let flows = reprint::origin::flows(links, &sources);
    let output = Output::new(Some(path));
    let mut out = output.open()?;
    report::csv::flows(&flows, &mut out).and_then(|()| out.flush()).map_err(|e| Error::io(output.name(), e))
}

/// The exit code of a run that skipped `skipped` inputs and found pairs or
/// not: 2 if anything was skipped, else 0 when found, 1 when not.
fn exit_code(skipped: usize, found: bool) -> u8 {
    if skipped > 0 {
        ERROR
    } else if found {
        FOUND
    } else {
        NONE
    }
}

/// From this many documents on, a scan says its plan once they are read.
const LONG_RUN_DOCUMENTS: usize = 10_000;

/// The LSH banding chosen, its S-curve at the threshold, and an estimate
/// of the scan's peak memory.
fn plan(docs: &[reprint::source::Document], params: &pipeline::Params, config: &reprint::Config) -> String {
    let bytes: usize = docs.iter().map(|d| d.text_len()).sum();
    format!(
        "{} documents, {} MB of text; LSH {} bands x {} rows (a pair at Jaccard {} becomes a candidate \
         with probability {:.2}); about {} MB at the peak (sketches, indexes, the documents' ids, and the \
         texts and tokens of a batch of candidate pairs)",
        docs.len(),
        bytes >> 20,
        params.bands,
        params.rows,
        params.threshold,
        params.candidate_probability_at_threshold,
        pipeline::peak_memory(docs, params, config) >> 20
    )
}

fn run_dedup(args: DedupArgs) -> Result<u8, Error> {
    // Deduplication is about near-duplicates: partial reuse is not a reason
    // to drop a document, and passages are not written.
    let config =
        reprint::Config { passages: false, mode: reprint::config::Mode::Near, ..args.params.config() };
    config.validate()?;
    let bar = cli::progress::Bar::new(args.params.quiet);
    bar.message("reading");
    let (loaded, skipped, _) = read(&args.input, args.params.threads, true)?;
    let mut docs = loaded.documents;
    if let Some(csv) = &args.input.metadata {
        apply_metadata(csv, &mut docs)?;
    }
    if config.keep == reprint::config::Keep::Earliest && !args.input.has_metadata() {
        return Err(Error::Config("--keep earliest needs dates: give --date-field or --metadata".into()));
    }
    let scan = with_pool(args.params.threads, || pipeline::scan_with_progress(&docs, &config, &bar))??;
    bar.finish();

    let mut cluster_of: Vec<Option<usize>> = vec![None; docs.len()];
    for (c, cluster) in scan.clusters.iter().enumerate() {
        for &m in &cluster.members {
            cluster_of[m.index()] = Some(c);
        }
    }
    // A document is dropped only for a kept document it is itself a
    // near-duplicate of: a chain a ~ b ~ c keeps c when it differs from a.
    let duplicates: Vec<_> =
        scan.pairs.iter().filter(|p| p.kind != pipeline::PairKind::Reuse).map(|p| (p.a, p.b)).collect();
    let words: Vec<usize> = scan.sketches.iter().map(|s| s.words).collect();
    let dates: Vec<i64> =
        docs.iter().map(|d| d.meta().date.as_ref().map_or(i64::MAX, reprint::meta::Date::sort_key)).collect();
    let duplicate_of =
        reprint::cluster::duplicate_of(docs.len(), &duplicates, &scan.clusters, &words, &dates, config.keep);
    let kept: Vec<bool> = duplicate_of.iter().map(Option::is_none).collect();
    let output = Output::new(Some(&args.output));
    let mut out = output.open()?;
    let name = output.name();
    let io_err = |e| Error::io(&name, e);
    for (doc, &keep) in docs.iter().zip(&kept) {
        if !keep {
            continue;
        }
        match &doc.record {
            Some(raw) => out.write_all(raw.as_bytes()).map_err(io_err)?,
            None => serde_json::to_writer(&mut out, &serde_json::json!({"id": doc.id, "text": doc.text}))
                .map_err(|e| io_err(e.into()))?,
        }
        out.write_all(b"\n").map_err(io_err)?;
    }
    out.flush().map_err(io_err)?;

    if let Some(path) = &args.clusters {
        let mut w = create(path)?;
        for ((doc, c), dup) in docs.iter().zip(&cluster_of).zip(&duplicate_of) {
            let of = dup.map(|d| docs[d.index()].id.as_str());
            let line =
                serde_json::json!({"id": doc.id, "cluster": c, "kept": dup.is_none(), "duplicate_of": of});
            serde_json::to_writer(&mut w, &line).map_err(|e| Error::io(path, e.into()))?;
            w.write_all(b"\n").map_err(|e| Error::io(path, e))?;
        }
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    let dropped = kept.iter().filter(|&&k| !k).count();
    let split =
        scan.clusters.iter().filter(|c| c.members.iter().filter(|m| kept[m.index()]).count() > 1).count();
    if !args.params.quiet {
        eprintln!(
            "reprint: kept {} of {} documents, dropped {} duplicates in {} clusters ({} of them chains whose \
             ends differ, split: more than one document kept)",
            docs.len() - dropped,
            docs.len(),
            dropped,
            scan.clusters.len(),
            split
        );
    }
    Ok(if skipped > 0 { ERROR } else { FOUND })
}
