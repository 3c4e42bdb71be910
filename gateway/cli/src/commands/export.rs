//! `gateway export nccis` (the monthly return) and `gateway synth nccis` (a synthetic
//! return for tests and benchmarks): both write with `NccisWriter`, which checks every
//! record against the NCCIS checker rules and refuses one that would be rejected.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use gateway_adapters::nccis::{FileHeader, NccisWriter, WriterOptions};
use gateway_adapters::{CheckerRule, WriteError};
use gateway_domain::{LaCode, synthetic};
use gateway_store::Store;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use crate::cli::{ExportNccisArgs, SynthNccisArgs};
use crate::config::GatewayConfig;

fn date(flag: &str, text: &str) -> anyhow::Result<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("{flag} must be a date YYYY-MM-DD"))
}

fn header(
    config: &GatewayConfig,
    date_of_send: Date,
    period_end: Date,
) -> anyhow::Result<FileHeader> {
    let la = LaCode::parse(&config.authority.la_code).context("authority.la_code")?;
    anyhow::ensure!(
        config.authority.database_id <= 999,
        "authority.database_id must be at most 999"
    );
    Ok(FileHeader::single(
        config.authority.database_id,
        la,
        date_of_send,
        period_end,
    ))
}

/// Writes to `path` through a temporary file renamed into place on success, so a failed
/// run never leaves a half-written return where the complete one is expected.
struct Output {
    tmp: PathBuf,
    path: PathBuf,
}

impl Output {
    fn create(path: &Path) -> anyhow::Result<(Output, BufWriter<File>)> {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".partial");
        let tmp = path.with_file_name(name);
        let file =
            File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok((
            Output {
                tmp,
                path: path.to_owned(),
            },
            BufWriter::with_capacity(256 * 1024, file),
        ))
    }

    fn commit(self, out: BufWriter<File>) -> anyhow::Result<()> {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&self.tmp, &self.path)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// Records the writer refused, by rule (a record counts once under each rule it broke).
#[derive(Default)]
struct Refused {
    records: u64,
    by_rule: BTreeMap<CheckerRule, u64>,
}

impl Refused {
    /// Counts a refused record; any other write error is returned.
    fn note(&mut self, result: Result<(), WriteError>) -> anyhow::Result<()> {
        match result {
            Ok(()) => Ok(()),
            Err(WriteError::Rejected(reject)) => {
                self.records += 1;
                let mut rules: Vec<CheckerRule> = reject.rules().collect();
                rules.sort();
                rules.dedup();
                for rule in rules {
                    *self.by_rule.entry(rule).or_default() += 1;
                }
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn print(&self, to: &mut dyn Write) -> std::io::Result<()> {
        for (rule, n) in &self.by_rule {
            writeln!(
                to,
                "    {:<10} {:>8}  {}",
                rule.code(),
                n,
                rule.description()
            )?;
        }
        Ok(())
    }
}

/// What an export wrote and left out.
struct Tally {
    written: u64,
    refused: Refused,
    other_la: u64,
}

fn write_cohort<W: Write>(
    sink: W,
    header: FileHeader,
    options: WriterOptions,
    people: &[gateway_domain::YoungPerson],
    lead_la: &LaCode,
) -> anyhow::Result<(W, Tally)> {
    let mut writer = NccisWriter::new(sink, header, options)?;
    let mut refused = Refused::default();
    let mut other_la = 0;
    for person in people {
        if person.lead_la != *lead_la {
            other_la += 1;
            continue;
        }
        refused.note(writer.write(person))?;
    }
    let written = writer.written();
    Ok((
        writer.finish()?,
        Tally {
            written,
            refused,
            other_la,
        },
    ))
}

pub async fn nccis(
    store: Arc<dyn Store>,
    config: &GatewayConfig,
    args: ExportNccisArgs,
) -> anyhow::Result<()> {
    let period_end = date("--period-end", &args.period_end)?;
    let date_of_send = match &args.date_of_send {
        Some(text) => date("--date-of-send", text)?,
        None => OffsetDateTime::now_utc().date(),
    };
    let header = header(config, date_of_send, period_end)?;
    let lead_la = header.source_las[0].clone();
    let options = WriterOptions {
        current_activity_only: args.current_activity_only,
        ..WriterOptions::default()
    };

    // The lead-LA cohort, every cohort status: P and G are the cohort the LA reports on; a
    // leaver (A, L, T, E, M, D) is in the return so that DfE sees it leave. The store keeps
    // no date of the status change, so a leaver stays in every later return while its
    // record is held, rather than risking a month where it is never reported; NCCIS
    // matches records by YoungPersonsID, so repeating it changes no count.
    let people = store.young_people().await?;
    let tally = match &args.out {
        Some(path) => {
            let (output, file) = Output::create(path)?;
            let (file, tally) = write_cohort(file, header, options, &people, &lead_la)?;
            output.commit(file)?;
            tally
        }
        None => {
            let stdout = BufWriter::new(std::io::stdout().lock());
            let (mut stdout, tally) = write_cohort(stdout, header, options, &people, &lead_la)?;
            stdout.flush()?;
            tally
        }
    };
    let Tally {
        written,
        refused,
        other_la,
    } = tally;

    // On stderr when the return itself goes to stdout.
    let mut report: Box<dyn Write> = if args.out.is_some() {
        Box::new(std::io::stdout())
    } else {
        Box::new(std::io::stderr())
    };
    writeln!(
        report,
        "NCCIS return for LA {lead_la}, period ending {}: {written} records written{}",
        args.period_end,
        args.out
            .as_ref()
            .map(|p| format!(" to {}", p.display()))
            .unwrap_or_default()
    )?;
    if refused.records > 0 {
        writeln!(
            report,
            "  {} records of the lead-LA cohort are not in this return (they break a checker \
             rule for this period, e.g. not yet of NCCIS age):",
            refused.records
        )?;
        refused.print(&mut report)?;
    }
    if other_la > 0 {
        writeln!(report, "  {other_la} records of other lead LAs left out")?;
    }
    Ok(())
}

/// The last day of the month before `today`.
fn previous_month_end(today: Date) -> Date {
    today
        .replace_day(1)
        .ok()
        .and_then(|first| first.previous_day())
        .unwrap_or(today)
}

pub fn synth(config: &GatewayConfig, args: SynthNccisArgs) -> anyhow::Result<()> {
    let today = OffsetDateTime::now_utc().date();
    let period_end = match &args.period_end {
        Some(text) => date("--period-end", text)?,
        None => previous_month_end(today),
    };
    let header = header(config, period_end, period_end)?;
    let la = header.source_las[0].clone();
    let (output, file) = Output::create(&args.out)?;
    let mut writer = NccisWriter::new(file, header, WriterOptions::default())?;
    let mut refused = Refused::default();
    // Part of a synthetic cohort is outside a return (13-14 year olds, a DWP programme
    // begun before 18): those are skipped, so ask for more people than needed. The cohort
    // is an iterator: one record in memory at a time.
    let budget = args.count.saturating_mul(3).saturating_add(1_000);
    for person in synthetic::cohort(args.seed, budget, period_end, la) {
        if writer.written() >= args.count as u64 {
            break;
        }
        refused.note(writer.write(&person))?;
    }
    anyhow::ensure!(
        writer.written() >= args.count as u64,
        "the synthetic cohort ran out after {} records",
        writer.written()
    );
    let written = writer.written();
    output.commit(writer.finish()?)?;
    println!(
        "wrote {written} synthetic records to {} (period end {period_end}; {} generated people \
         left out by the checker rules)",
        args.out.display(),
        refused.records
    );
    Ok(())
}
