//! `gateway export nccis` (the monthly return) and `gateway synth nccis` (a synthetic
//! return for tests and benchmarks): both write with `NccisWriter`, which checks every
//! record against the NCCIS checker rules and refuses one that would be rejected.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use gateway_adapters::nccis::{FileHeader, NccisWriter, WriterOptions};
use gateway_adapters::{CheckerRule, WriteError};
use gateway_domain::{LaCode, YoungPerson, synthetic};
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
    /// The leavers (A, T, E, M, D, L) written.
    leavers: HashSet<gateway_domain::CcisId>,
}

fn write_cohort<W: Write>(
    sink: W,
    header: FileHeader,
    options: WriterOptions,
    people: &[YoungPerson],
    lead_la: &LaCode,
) -> anyhow::Result<(W, Tally)> {
    let mut writer = NccisWriter::new(sink, header, options)?;
    let mut refused = Refused::default();
    let mut other_la = 0;
    let mut leavers = HashSet::new();
    for person in people {
        if person.lead_la != *lead_la {
            other_la += 1;
            continue;
        }
        let before = writer.written();
        refused.note(writer.write(person))?;
        if writer.written() > before && !person.cohort_status.is_in_cohort() {
            leavers.insert(person.ccis_id.clone());
        }
    }
    let written = writer.written();
    Ok((
        writer.finish()?,
        Tally {
            written,
            refused,
            other_la,
            leavers,
        },
    ))
}

/// The registry-independent name DfE's NCCIS has in the disclosure log: the export is a
/// disclosure of every record in it, to DfE, under the LA's duty to supply the return.
pub const DFE_NCCIS_PARTNER: &str = "dfe-nccis";

/// Whether a record goes into the return for `period_end`: the cohort (P, G) always; a
/// leaver (A, T, E, M, D, L) until the first return that reported its leaving status
/// (and in a re-run of that period or an earlier one), so that DfE sees it leave once
/// rather than in every later month (nccis-checker.md §1.1: records leaving the cohort are
/// still returned, marked by their status).
fn in_return(person: &YoungPerson, period_end: Date, all_leavers: bool) -> bool {
    person.cohort_status.is_in_cohort()
        || all_leavers
        || person
            .leaving_reported_in
            .is_none_or(|first| first >= period_end)
}

/// Hashes what passes through, so the file's SHA-256 is known without reading it again.
struct Hashing<W> {
    inner: W,
    digest: ring::digest::Context,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            digest: ring::digest::Context::new(&ring::digest::SHA256),
        }
    }

    fn finish(self) -> (W, String) {
        (self.inner, hex::encode(self.digest.finish().as_ref()))
    }
}

/// The disclosure-log entry of a return sent to DfE: partner, period, record count and
/// the file's hash; no subject (it is about every record in the file).
fn return_entry(
    lead_la: &LaCode,
    period_end: Date,
    written: u64,
    file_sha256: &str,
) -> gateway_disclosure::LogEntry {
    let mut entry = gateway_disclosure::LogEntry::new(
        OffsetDateTime::now_utc(),
        gateway_disclosure::Event::Disclosure,
        gateway_disclosure::Outcome::Permit,
    );
    entry.partner = Some(DFE_NCCIS_PARTNER.to_owned());
    entry.officer = std::env::var("USER").ok().map(|u| format!("operator:{u}"));
    entry.exchange = Some("nccis-return".to_owned());
    entry.purpose = Some("nccis_monthly_return".to_owned());
    entry.lawful_basis = Some("legal_obligation".to_owned());
    entry.released = [
        "identity",
        "identifiers",
        "demographics",
        "ethnic_origin",
        "activity",
        "send",
        "characteristics",
        "level_of_need",
    ]
    .map(str::to_owned)
    .to_vec();
    entry.response_sha256 = Some(file_sha256.to_owned());
    entry.note = Some(format!(
        "NCCIS return of LA {lead_la} for the period ending {period_end}: {written} records"
    ));
    entry
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
    let options = if args.gateway_layout {
        WriterOptions::default()
    } else {
        WriterOptions {
            sen_support_flag: args.sen_support_flag,
            ..WriterOptions::nccis_return()
        }
    };

    let everyone = store.young_people().await?;
    let (people, reported_before): (Vec<YoungPerson>, Vec<YoungPerson>) = everyone
        .into_iter()
        .partition(|p| in_return(p, period_end, args.all_leavers));
    let Some(path) = &args.out else {
        anyhow::ensure!(
            args.gateway_layout,
            "a return for DfE is written with --out FILE (it is logged as a disclosure with \
             the file's hash)"
        );
        let stdout = BufWriter::new(std::io::stdout().lock());
        let (mut stdout, tally) = write_cohort(stdout, header, options, &people, &lead_la)?;
        stdout.flush()?;
        return report(&mut std::io::stderr(), &args, &lead_la, &tally, 0, None);
    };
    let (output, file) = Output::create(path)?;
    let (file, tally) = write_cohort(Hashing::new(file), header, options, &people, &lead_la)?;
    let (file, sha256) = file.finish();
    let mut logged = None;
    if !args.gateway_layout {
        // Logged before the file is in place: a return that is not in the log must not
        // exist where it would be sent from.
        let keys = gateway_disclosure::LogKeys::load(&config.keys_dir)?;
        let log = gateway_disclosure::DisclosureLog::open(
            store.clone(),
            keys.signer,
            keys.pseudonymiser,
            gateway_disclosure::LogSettings::default(),
        )
        .await?;
        let receipt = log
            .append(return_entry(&lead_la, period_end, tally.written, &sha256))
            .await?;
        logged = Some(receipt.log_index);
    }
    output.commit(file)?;
    if !args.gateway_layout {
        mark_leavers_reported(store.as_ref(), &people, &tally.leavers, period_end).await?;
    }
    report(
        &mut std::io::stdout(),
        &args,
        &lead_la,
        &tally,
        reported_before
            .iter()
            .filter(|p| p.lead_la == lead_la)
            .count(),
        logged.map(|index| (index, sha256)),
    )
}

/// Remember that the leavers just written have been reported (a return has no element
/// for it, so an import keeps it while the status stays the same).
async fn mark_leavers_reported(
    store: &dyn Store,
    people: &[YoungPerson],
    written_leavers: &HashSet<gateway_domain::CcisId>,
    period_end: Date,
) -> anyhow::Result<()> {
    let first_time: Vec<YoungPerson> = people
        .iter()
        .filter(|p| p.leaving_reported_in.is_none() && written_leavers.contains(&p.ccis_id))
        .map(|p| {
            let mut p = p.clone();
            p.leaving_reported_in = Some(period_end);
            p
        })
        .collect();
    for chunk in first_time.chunks(5_000) {
        store
            .upsert_young_people(chunk)
            .await
            .context("recording which leavers were reported")?;
    }
    Ok(())
}

fn report(
    to: &mut dyn Write,
    args: &ExportNccisArgs,
    lead_la: &LaCode,
    tally: &Tally,
    leavers_reported_before: usize,
    logged: Option<(u64, String)>,
) -> anyhow::Result<()> {
    let Tally {
        written,
        refused,
        other_la,
        leavers,
    } = tally;
    writeln!(
        to,
        "NCCIS return for LA {lead_la}, period ending {}: {written} records written{}",
        args.period_end,
        args.out
            .as_ref()
            .map(|p| format!(" to {}", p.display()))
            .unwrap_or_default()
    )?;
    if let Some((index, sha256)) = logged {
        writeln!(
            to,
            "  logged as a disclosure to DfE (disclosure log entry {index}, file SHA-256 {sha256})"
        )?;
    }
    if !leavers.is_empty() {
        writeln!(to, "  {} leavers reported in this return", leavers.len())?;
    }
    if leavers_reported_before > 0 {
        writeln!(
            to,
            "  {leavers_reported_before} leavers left out: reported in an earlier return \
             (--all-leavers to include them)"
        )?;
    }
    if refused.records > 0 {
        writeln!(
            to,
            "  {} records of the lead-LA cohort are not in this return (they break a checker \
             rule for this period, e.g. not yet of NCCIS age, or lack an element the NCCIS \
             schema requires):",
            refused.records
        )?;
        refused.print(to)?;
    }
    if *other_la > 0 {
        writeln!(to, "  {other_la} records of other lead LAs left out")?;
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
    let options = WriterOptions {
        supplier_habits: args.supplier_habits,
        xsd_database_id: !args.supplier_habits,
        ..WriterOptions::nccis_return()
    };
    let mut writer = NccisWriter::new(file, header, options)?;
    let mut refused = Refused::default();
    // Part of a synthetic cohort is outside a return (13-14 year olds, a DWP programme
    // begun before 18): those are skipped, so ask for more people than needed. The cohort
    // is an iterator: one record in memory at a time.
    let budget = args.count.saturating_mul(3).saturating_add(1_000);
    let people: Box<dyn Iterator<Item = YoungPerson>> = if args.every_element {
        Box::new(synthetic::every_element(args.seed, budget, period_end, la))
    } else {
        Box::new(synthetic::cohort(args.seed, budget, period_end, la))
    };
    for person in people {
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
    if args.every_element && refused.records > 0 {
        let mut err = std::io::stderr();
        refused.print(&mut err)?;
    }
    Ok(())
}
