//! `gateway import nccis`: an NCCIS return streamed into the store.
//!
//! Two threads of work, joined by a bounded channel: a blocking task reads and checks the
//! file (`NccisReader`), writes the checker report (`report.rs`: JSON Lines, one line per
//! record with a problem) and hands imported records over in batches; the async side
//! stores each batch (one transaction per batch). Parsing the next batch overlaps with
//! storing the previous one, and the channel's bound keeps memory at a few batches
//! whatever the file's size. The summary is a table by NCCIS rule and priority (or JSON),
//! and with `--report FILE.html` an HTML page (`html.rs`).

mod html;
pub mod report;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use gateway_adapters::nccis::{NccisReader, mi_year};
use gateway_adapters::{FatalError, Limits, ReadError};
use gateway_domain::YoungPerson;
use gateway_store::{Store, UpsertCounts};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::cli::ImportNccisArgs;
use report::{CheckerReport, RecordLine, RuleRow};

/// Records per store transaction: large enough that the commit (an fsync) is paid rarely,
/// small enough that a batch in flight and one queued stay a few megabytes.
const BATCH: usize = 5_000;
/// Batches parsed ahead of the store.
const QUEUED_BATCHES: usize = 2;

/// What the import did, as printed at the end (`--json` prints this).
#[derive(Debug, Serialize)]
pub struct ImportSummary {
    pub records_read: u64,
    /// Records imported (with or without warnings).
    pub accepted: u64,
    /// Records not imported (a priority 1 rule, or a gateway check that makes them unusable).
    pub rejected: u64,
    /// Imported records with at least one warning.
    pub accepted_with_warnings: u64,
    /// The MI year (April-March, by its first year) whose rule set was applied.
    pub mi_year: Option<i32>,
    /// Records not imported that broke each rule, by rule code. A record that broke several
    /// rules counts once under each.
    pub rejected_by_rule: BTreeMap<&'static str, u64>,
    /// Imported records with each rule as a warning.
    pub warnings_by_rule: BTreeMap<&'static str, u64>,
    /// Every rule found, with its NCCIS priority and both counts.
    pub rules: Vec<RuleRow>,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub elapsed_seconds: f64,
    pub records_per_second: f64,
    /// The JSON Lines checker report, every record with a problem (absent when the file's
    /// header could not be read).
    pub rejects_report: Option<PathBuf>,
    /// The HTML report, when asked for.
    pub html_report: Option<PathBuf>,
    /// Whether the file was read to its end.
    pub completed: bool,
    /// Why reading stopped early: position and kind, never a value from the file.
    pub fatal: Option<FatalError>,
}

/// What the reading side hands back when it is done.
struct ReadOutcome {
    records: u64,
    accepted: u64,
    rejected: u64,
    report: CheckerReport,
    fatal: Option<FatalError>,
}

pub async fn nccis(store: Arc<dyn Store>, args: ImportNccisArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let file =
        File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let progress = progress_bar(len);
    let input = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: file,
            progress: progress.clone(),
        },
    );
    let reader = match NccisReader::new(input, Limits::default()) {
        Ok(reader) => reader,
        Err(fatal) => {
            progress.finish_and_clear();
            // Nothing was read, nothing is written: no report either.
            anyhow::bail!(
                "{} is not a readable NCCIS return ({fatal}); nothing was imported",
                args.file.display()
            );
        }
    };
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects_path(&args.file));
    let rejects = File::create(&rejects_path)
        .with_context(|| format!("cannot create {}", rejects_path.display()))?;
    let period_end = reader.header().period_end;

    let (tx, mut rx) = mpsc::channel::<Vec<YoungPerson>>(QUEUED_BATCHES);
    let reading = tokio::task::spawn_blocking(move || read_all(reader, rejects, tx));

    let mut counts = UpsertCounts::default();
    while let Some(batch) = rx.recv().await {
        let batch = keep_uncarried_fields(store.as_ref(), batch).await?;
        let done = store
            .upsert_young_people(&batch)
            .await
            .context("storing a batch of records")?;
        counts.inserted += done.inserted;
        counts.updated += done.updated;
        counts.unchanged += done.unchanged;
        progress.set_message(format!(
            "{} records stored",
            counts.inserted + counts.updated + counts.unchanged
        ));
    }
    // The channel closes when the reader is done (or failed): everything it sent is stored.
    let outcome = reading.await.context("the reading task failed")??;
    progress.finish_and_clear();

    let elapsed = started.elapsed().as_secs_f64();
    let report = &outcome.report;
    let count = |f: fn(&report::RuleTally) -> u64| {
        report
            .by_rule
            .iter()
            .map(|(rule, t)| (rule.code(), f(t)))
            .filter(|(_, n)| *n > 0)
            .collect::<BTreeMap<_, _>>()
    };
    let summary = ImportSummary {
        records_read: outcome.records,
        accepted: outcome.accepted,
        rejected: outcome.rejected,
        accepted_with_warnings: report.records_with_warnings,
        mi_year: Some(mi_year(period_end)),
        rejected_by_rule: count(|t| t.not_imported),
        warnings_by_rule: count(|t| t.imported),
        rules: report.rule_rows(),
        inserted: counts.inserted,
        updated: counts.updated,
        unchanged: counts.unchanged,
        elapsed_seconds: elapsed,
        records_per_second: if elapsed > 0.0 {
            outcome.records as f64 / elapsed
        } else {
            0.0
        },
        rejects_report: Some(rejects_path),
        html_report: args.report.clone(),
        completed: outcome.fatal.is_none(),
        fatal: outcome.fatal.clone(),
    };
    if let Some(path) = &args.report {
        let name = args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let facts = html::FileFacts {
            file_name: &name,
            period_end: Some(period_end.to_string()),
            mi_year: summary.mi_year,
            records: summary.records_read,
            accepted: summary.accepted,
            rejected: summary.rejected,
            completed: summary.completed,
        };
        html::write(path, &facts, report)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_table(&summary, report)?;
    }
    if let Some(fatal) = outcome.fatal {
        anyhow::bail!(
            "reading {} stopped {fatal}; the {} records accepted before that point are stored, \
             nothing after it was imported (fix the file and import it again: records already \
             stored count as unchanged)",
            args.file.display(),
            summary.accepted
        );
    }
    let note =
        "A running gateway matches these records after SIGHUP (`kill -HUP <pid>`) or a restart.";
    if args.json {
        eprintln!("{note}");
    } else {
        println!("{note}");
    }
    Ok(())
}

/// `FILE.rejects.jsonl` beside the input.
fn default_rejects_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".rejects.jsonl");
    file.with_file_name(name)
}

/// Reads the whole file on a blocking thread: problems to the report, imported records to
/// the channel in batches. Stops at a fatal error after sending what was imported before it.
fn read_all<R: std::io::BufRead>(
    reader: NccisReader<R>,
    rejects: File,
    tx: mpsc::Sender<Vec<YoungPerson>>,
) -> anyhow::Result<ReadOutcome> {
    let mut jsonl = BufWriter::new(rejects);
    let mut report = CheckerReport::default();
    let mut fatal = None;
    let mut batch = Vec::with_capacity(BATCH);
    let mut reader = reader;
    while let Some(item) = reader.next() {
        match item {
            Ok(person) => {
                // Lines carry positions, the YoungPersonsID, element names and rule codes
                // only (the adapters guarantee no other input value reaches them).
                if let Some(line) = RecordLine::warned(reader.notes()) {
                    report.add(line, &mut jsonl)?;
                }
                batch.push(person);
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if tx.blocking_send(full).is_err() {
                        // The store side failed and stopped listening; its error is reported.
                        anyhow::bail!("import stopped");
                    }
                }
            }
            Err(ReadError::Rejected(reject)) => {
                report.add(RecordLine::rejected(&reject, reader.notes()), &mut jsonl)?;
            }
            Err(ReadError::Fatal(error)) => {
                fatal = Some(error);
                break;
            }
        }
    }
    if !batch.is_empty() && tx.blocking_send(batch).is_err() {
        anyhow::bail!("import stopped");
    }
    jsonl.flush().context("writing the checker report")?;
    let stats = reader.stats();
    Ok(ReadOutcome {
        records: stats.records,
        accepted: stats.accepted,
        rejected: stats.rejected,
        report,
        fatal,
    })
}

/// A return replaces a stored record only as far as `YoungPerson::keep_from_stored` allows
/// (gateway-domain `record/merge.rs`): fields NCCIS does not carry (NINO, NHS number,
/// benefit registration, care status) are kept, SEN support known from another source is
/// not wiped by a SENDFlag N, and a record this gateway transferred (an acknowledged
/// outbound transfer) stays CohortStatus T with its TransferredToLACode.
async fn keep_uncarried_fields(
    store: &dyn Store,
    mut batch: Vec<YoungPerson>,
) -> anyhow::Result<Vec<YoungPerson>> {
    let ids: Vec<_> = batch.iter().map(|p| p.ccis_id.clone()).collect();
    let stored: HashMap<_, _> = store
        .young_people_by_id(&ids)
        .await
        .context("reading the stored records")?
        .into_iter()
        .map(|p| (p.ccis_id.clone(), p))
        .collect();
    for person in &mut batch {
        if let Some(old) = stored.get(&person.ccis_id) {
            // Only a stored T can have come from an acknowledged transfer.
            let acknowledged = if old.cohort_status == gateway_domain::CohortStatus::Transferred {
                store
                    .outbound_transfers_for(&old.ccis_id)
                    .await
                    .context("reading the transfer outbox")?
                    .into_iter()
                    .find(|t| t.state == gateway_store::OutboundState::Acknowledged)
                    .map(|t| t.destination_la)
            } else {
                None
            };
            let facts = gateway_domain::StoredFacts {
                acknowledged_transfer_to: acknowledged.as_ref(),
                ..gateway_domain::StoredFacts::default()
            };
            person.keep_from_stored(old, facts);
        }
    }
    Ok(batch)
}

fn progress_bar(len: u64) -> ProgressBar {
    // Only for a person watching: in CI and logs stderr is not a terminal, and the output
    // stays clean.
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Counts the bytes read from the file into the progress bar.
struct Counting {
    inner: File,
    progress: ProgressBar,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

fn print_table(s: &ImportSummary, report: &CheckerReport) -> std::io::Result<()> {
    let status = if s.completed {
        "read to the end"
    } else {
        "STOPPED EARLY"
    };
    let mut out = std::io::stdout().lock();
    let year = s
        .mi_year
        .map(|y| format!(" (NCCIS rules of MI year {y}-{:02})", (y + 1) % 100))
        .unwrap_or_default();
    writeln!(out, "NCCIS import: file {status}{year}")?;
    writeln!(out, "  {:<24} {:>10}", "records read", s.records_read)?;
    writeln!(out, "  {:<24} {:>10}", "imported", s.accepted)?;
    writeln!(
        out,
        "  {:<24} {:>10}",
        "  of which with warnings", s.accepted_with_warnings
    )?;
    writeln!(out, "  {:<24} {:>10}", "not imported", s.rejected)?;
    report::print_rules(report, &mut out)?;
    writeln!(out, "  {:<24} {:>10}", "inserted", s.inserted)?;
    writeln!(out, "  {:<24} {:>10}", "updated", s.updated)?;
    writeln!(out, "  {:<24} {:>10}", "unchanged", s.unchanged)?;
    writeln!(
        out,
        "  {:<24} {:>10.2} s ({:.0} records/s)",
        "elapsed", s.elapsed_seconds, s.records_per_second
    )?;
    if let Some(path) = &s.rejects_report {
        writeln!(out, "  checker report (JSON Lines): {}", path.display())?;
    }
    if let Some(path) = &s.html_report {
        writeln!(out, "  checker report (HTML): {}", path.display())?;
    }
    Ok(())
}
