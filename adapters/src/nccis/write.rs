//! The NCCIS writer: header, then records, in the layout the reader reads.

use std::io::Write;

use gateway_domain::YoungPerson;

use super::FileHeader;
use super::check::{CheckerConfig, Uniqueness, check_record, check_writable};
use super::layout as l;
use crate::reject::{RecordReject, WriteError};
use crate::xml::Limits;
use crate::xml::text::{ElementWriter, TextProblem, check_text, date_writable};

/// How the writer behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// Write only each record's current activity (what a return to DfE
    /// carries: the 2015 XSD allows one `Cohort`). The default writes the
    /// whole history, which a round trip needs.
    pub current_activity_only: bool,
    /// Checker configuration used to refuse records the reader would reject.
    pub checker: CheckerConfig,
    /// Text and list limits the written file must respect (those the
    /// reader will apply).
    pub limits: Limits,
    /// Indent elements, one per line (default). `false` writes no
    /// whitespace between elements: smaller and faster to read.
    pub pretty: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            current_activity_only: false,
            checker: CheckerConfig::default(),
            limits: Limits::default(),
            pretty: true,
        }
    }
}

/// Writes an NCCIS return.
///
/// [`NccisWriter::new`] writes the declaration, the root and the header;
/// [`NccisWriter::write`] one record at a time; [`NccisWriter::finish`]
/// closes the root and returns the sink. A record that breaks a checker
/// rule (including a ULN or YoungPersonsID already written) is refused
/// with [`WriteError::Rejected`] before any of it is written, so the output
/// stays a valid return.
pub struct NccisWriter<W: Write> {
    out: ElementWriter<W>,
    header: FileHeader,
    options: WriterOptions,
    unique: Uniqueness,
    written: u64,
    attempted: u64,
}

impl<W: Write> std::fmt::Debug for NccisWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NccisWriter")
            .field("written", &self.written)
            .field("attempted", &self.attempted)
            .finish_non_exhaustive()
    }
}

fn header_problem(h: &FileHeader) -> Option<(&'static str, &'static str)> {
    if h.database_ids.is_empty() {
        return Some((l::DATABASE_ID, "at least one DatabaseID is required"));
    }
    if h.database_ids.iter().any(|d| *d > 999) {
        return Some((l::DATABASE_ID, "DatabaseID must be at most 999"));
    }
    if h.source_las.is_empty() {
        return Some((l::SOURCE_LEA, "at least one source LA is required"));
    }
    if !date_writable(h.date_of_send) || !date_writable(h.period_end) {
        return Some((l::PERIOD_END, "date outside years 0000-9999"));
    }
    for (field, value) in [
        (l::SUPPLIER_NAME, &h.supplier_name),
        (l::SUPPLIER_XML_VERSION, &h.supplier_xml_version),
        (l::XML_SCHEMA_VERSION, &h.xml_schema_version),
    ] {
        match check_text(value, 1024) {
            Ok(()) => {}
            Err(TextProblem::Blank) => return Some((field, "value is blank")),
            Err(p) => return Some((field, p.message())),
        }
    }
    None
}

impl<W: Write> NccisWriter<W> {
    /// Start a return: declaration, root element and `FileHeader`.
    pub fn new(out: W, header: FileHeader, options: WriterOptions) -> Result<Self, WriteError> {
        if let Some((field, problem)) = header_problem(&header) {
            return Err(WriteError::Header { field, problem });
        }
        let mut out = ElementWriter::new(out, options.pretty);
        out.declaration()?;
        out.open(l::ROOT)?;
        out.open(l::FILE_HEADER)?;
        out.open(l::DATABASES)?;
        for id in &header.database_ids {
            out.leaf(l::DATABASE_ID, &format!("{id:03}"))?;
        }
        out.close(l::DATABASES)?;
        out.open(l::SOURCE_LEAS)?;
        for la in &header.source_las {
            out.leaf(l::LEA_CODE, la.as_str())?;
        }
        out.close(l::SOURCE_LEAS)?;
        out.date(l::DATE_OF_SEND, header.date_of_send)?;
        out.date(l::PERIOD_END, header.period_end)?;
        out.leaf(l::SUPPLIER_NAME, &header.supplier_name)?;
        out.leaf(l::SUPPLIER_XML_VERSION, &header.supplier_xml_version)?;
        out.leaf(l::XML_SCHEMA_VERSION, &header.xml_schema_version)?;
        out.close(l::FILE_HEADER)?;
        Ok(NccisWriter {
            out,
            header,
            options,
            unique: Uniqueness::default(),
            written: 0,
            attempted: 0,
        })
    }

    /// Records written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Check and write one record.
    pub fn write(&mut self, p: &YoungPerson) -> Result<(), WriteError> {
        let index = self.attempted;
        self.attempted += 1;
        let current_only;
        let p = if self.options.current_activity_only && p.activities.len() > 1 {
            let mut q = p.clone();
            q.activities = p.current_activity().cloned().into_iter().collect();
            current_only = q;
            &current_only
        } else {
            p
        };
        let mut v = Vec::new();
        check_writable(
            p,
            self.options.limits.max_text_len,
            self.options.limits.max_activities,
            &mut v,
        );
        check_record(p, None, &self.header, &self.options.checker, &mut v);
        self.unique.check(p, &mut v);
        if let Some(reject) = RecordReject::from_violations(index, 0, v) {
            return Err(WriteError::Rejected(reject));
        }
        self.write_record(p)?;
        self.unique.accept(p, self.written);
        self.written += 1;
        Ok(())
    }

    fn write_record(&mut self, p: &YoungPerson) -> std::io::Result<()> {
        let period_end = self.header.period_end;
        let o = &mut self.out;
        o.open(l::RECORD)?;
        o.open(l::PERSONAL_DETAILS)?;
        o.leaf(l::YOUNG_PERSONS_ID, p.ccis_id.as_str())?;
        o.leaf(l::COHORT_STATUS, p.cohort_status.code())?;
        o.leaf(l::GIVEN_NAME, &p.given_name)?;
        o.leaf_opt(l::MIDDLE_NAME, p.middle_name.as_deref())?;
        o.leaf(l::FAMILY_NAME, &p.family_name)?;
        for (line, name) in p.address.lines().iter().zip(l::ADDRESS_LINES) {
            o.leaf(name, line)?;
        }
        o.leaf_opt(l::TOWN, p.address.town())?;
        o.leaf_opt(l::COUNTY, p.address.county())?;
        o.leaf_opt(
            l::POSTCODE,
            p.address.postcode().map(|pc| pc.formatted()).as_deref(),
        )?;
        o.leaf(l::GENDER, p.gender.code())?;
        o.date(l::DOB, p.date_of_birth)?;
        o.leaf_opt(l::ETHNICITY, p.ethnicity.as_deref())?;
        o.leaf(l::LEAD_LEA, p.lead_la.as_str())?;
        o.leaf_opt(l::EDUCATED_LEA, p.educated_la.as_ref().map(|x| x.as_str()))?;
        o.leaf_opt(
            l::TRANSFERRED_TO,
            p.transferred_to_la.as_ref().map(|x| x.as_str()),
        )?;
        o.leaf_opt(
            l::LEA_AT_YEAR_11,
            p.la_at_year_11.as_ref().map(|x| x.as_str()),
        )?;
        o.leaf_opt(l::ULN, p.uln.as_ref().map(|x| x.as_str()))?;
        o.leaf_opt(l::UPN, p.upn.as_ref().map(|x| x.as_str()))?;
        o.leaf_opt(
            l::ESTABLISHMENT,
            p.establishment_number.as_ref().map(|x| x.as_str()),
        )?;
        o.leaf_opt(l::UKPRN, p.ukprn.as_ref().map(|x| x.as_str()))?;
        o.close(l::PERSONAL_DETAILS)?;
        o.open(l::LEVEL_OF_NEED)?;
        o.leaf_opt(
            l::LEVEL_OF_NEED_CODE,
            p.level_of_need.map(|x| x.code().to_string()).as_deref(),
        )?;
        o.leaf(l::SEND_FLAG, p.send.code())?;
        if !p.characteristics.is_empty() {
            o.open(l::CHARACTERISTICS)?;
            for c in &p.characteristics {
                o.leaf(l::CHARACTERISTIC_CODE, &c.code().to_string())?;
            }
            o.close(l::CHARACTERISTICS)?;
        }
        o.close(l::LEVEL_OF_NEED)?;
        if !p.activities.is_empty() {
            o.open(l::ACTIVITIES)?;
            for a in &p.activities {
                o.open(l::ACTIVITY)?;
                o.leaf(l::ACTIVITY_CODE, &a.code.code().to_string())?;
                o.date(l::START_DATE, a.start_date)?;
                o.date(l::DATE_ASCERTAINED, a.date_ascertained)?;
                o.date(l::DATE_VERIFIED, a.date_verified)?;
                o.date_opt(l::REVIEW_DATE, a.review_date)?;
                o.date_opt(l::DUE_TO_LAPSE, a.due_to_lapse_date)?;
                // Lapsed from DueToLapseDate inclusive, as the domain's
                // currency rule and NCCIS error 231 read it.
                let lapsed = a.due_to_lapse_date.is_some_and(|d| d <= period_end);
                o.leaf(l::CURRENCY_LAPSED, if lapsed { "Y" } else { "N" })?;
                o.leaf_opt(
                    l::LEVEL_OF_NEED_CODE,
                    a.level_of_need.map(|x| x.code().to_string()).as_deref(),
                )?;
                o.date_opt(l::NEET_START, a.neet_start_date)?;
                o.date_opt(l::PREDICTED_END, a.predicted_end_date)?;
                o.close(l::ACTIVITY)?;
            }
            o.close(l::ACTIVITIES)?;
        }
        o.close(l::RECORD)
    }

    /// Close the return and hand back the sink (flushed).
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.out.close(l::ROOT)?;
        self.out.out.flush()?;
        Ok(self.out.out)
    }
}
