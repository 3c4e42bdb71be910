//! The NCCIS writer: header, then records, in the layout the reader reads.

use std::io::Write;

use gateway_domain::{GuaranteeBlock, YoungPerson, la_list};

use super::FileHeader;
use super::checker::file::Uniqueness;
use super::checker::raw::RawRecord;
use super::checker::{self, CheckerConfig, FileContext, Findings};
use super::layout as l;
use super::writable::check_writable;
use crate::reject::{CheckerRule as R, Outcome, RecordReject, Violation, WriteError};
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
    /// Write a document valid against the NCCIS 2015 XSD (`nccis2015.xsd`,
    /// wrapped with a root element): SENDFlag Y/N, `EstablishmentNumber`
    /// (seven digits) and `UKProviderReferenceNumber` in `Cohort`, no
    /// gateway extensions (`Cohort/LevelOfNeedCode`, characteristics outside
    /// the XSD list), the placeholder postcode where there is no postcode;
    /// a record that cannot be written valid (no postcode at all, ethnicity,
    /// EducatedLEA or LevelOfNeedCode missing, an LA code outside the XSD's
    /// `LEAType`, GuaranteeStatus 124) is refused. Use with
    /// `current_activity_only`: [`WriterOptions::nccis_return`].
    pub schema_2015: bool,
    /// Write `SENSupportFlag` after `SENDFlag` in a return (the 2019-20
    /// requirement; not in the 2015 XSD, so off by default; without it the
    /// import's checker warns 303 on every record of a 2019-20 or later
    /// return). The gateway's own layout always writes it.
    pub sen_support_flag: bool,
    /// Spell the header's database element `DatabaseId`, as the XSD does
    /// (and as a schema validator requires), rather than `DatabaseID`, the
    /// spelling of supplier files NCCIS is known to accept (§7 of the
    /// reference). On in [`WriterOptions::nccis_return`].
    pub xsd_database_id: bool,
    /// Write the file as CCIS suppliers do (nccis-checker.md §6), for tests
    /// and benchmarks of the tolerant reader: `standalone="no"` and no
    /// encoding, `<!DOCTYPE NCCIS2015>`, a comment, root `NCCIS2015`,
    /// `DatabaseID`, every absent optional element written empty (pairs in
    /// even records, self-closing in odd ones), values padded with spaces,
    /// `NeetStartDate`, an empty `SeptemberGuarantee`. Not valid against the
    /// XSD (empty dates and codes), by design. Overrides `xsd_database_id`.
    pub supplier_habits: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            current_activity_only: false,
            checker: CheckerConfig::default(),
            limits: Limits::default(),
            pretty: true,
            schema_2015: false,
            sen_support_flag: false,
            xsd_database_id: false,
            supplier_habits: false,
        }
    }
}

impl WriterOptions {
    /// A return for DfE: the current activity only, valid against the 2015 XSD.
    pub fn nccis_return() -> Self {
        WriterOptions {
            current_activity_only: true,
            schema_2015: true,
            xsd_database_id: true,
            ..WriterOptions::default()
        }
    }
}

/// Why `p` cannot be written as a document valid against the 2015 XSD.
fn schema_2015_problems(p: &YoungPerson, v: &mut Vec<Violation>) {
    let missing = |field: &'static str, v: &mut Vec<Violation>| {
        v.push(Violation::with(
            field,
            R::MissingField,
            format!("{field} is required by the NCCIS schema"),
        ));
    };
    if p.address.postcode().is_none() && p.placeholder_postcode.is_none() {
        missing(l::POSTCODE, v);
    }
    if p.ethnicity.is_none() {
        missing(l::ETHNICITY, v);
    }
    if p.educated_la.is_none() {
        missing(l::EDUCATED_LEA, v);
    }
    if p.level_of_need.is_none() {
        missing(l::LEVEL_OF_NEED_CODE, v);
    }
    if p.activities.is_empty() {
        missing(l::ACTIVITIES, v);
    }
    let outside = |field: &'static str, v: &mut Vec<Violation>| {
        v.push(Violation::with(
            field,
            R::InvalidCode,
            "LA code is not in the NCCIS schema's LEAType list",
        ));
    };
    let blocks = [
        &p.september_guarantee.year_11,
        &p.september_guarantee.year_12,
    ];
    for (field, la) in [
        (l::LEAD_LEA, Some(&p.lead_la)),
        (l::EDUCATED_LEA, p.educated_la.as_ref()),
        (l::TRANSFERRED_TO, p.transferred_to_la.as_ref()),
        (l::LEA_AT_YEAR_11, p.la_at_year_11.as_ref()),
    ]
    .into_iter()
    .chain(
        blocks
            .iter()
            .filter_map(|b| b.as_ref().map(|b| (l::LEA_CODE, Some(&b.la)))),
    ) {
        if la.is_some_and(|la| !la_list::in_schema_2015(la)) {
            outside(field, v);
        }
    }
    if blocks
        .iter()
        .filter_map(|b| b.as_ref())
        .any(|b| !b.status.in_schema_2015())
    {
        v.push(Violation::with(
            l::GUARANTEE_STATUS,
            R::InvalidCode,
            "GuaranteeStatus 124 is not in the 2015 schema's enumeration",
        ));
    }
}

/// The text fields the record gained with the whole NCCIS record.
fn check_more_text(p: &YoungPerson, max_len: usize, v: &mut Vec<Violation>) {
    let mut text = |field: &'static str, s: &str| match check_text(s, max_len) {
        Ok(()) => {}
        Err(TextProblem::Blank) => {
            v.push(Violation::with(field, R::MissingField, "value is blank"))
        }
        Err(TextProblem::Control) => v.push(Violation::new(field, R::InvalidText)),
        Err(TextProblem::TooLong) => v.push(Violation::new(field, R::TextTooLong)),
    };
    if let Some(id) = &p.previous_ypid {
        text(l::PREVIOUS_YPID, id);
    }
    for a in &p.activities {
        if let Some(name) = &a.establishment_name {
            text(l::ESTABLISHMENT_NAME, name);
        }
    }
    let dates_ok = p.youth_contract_start_date.is_none_or(date_writable);
    if !dates_ok {
        v.push(Violation::with(
            l::YOUTH_CONTRACT_START,
            R::DateFormat,
            "a date is outside years 0000-9999",
        ));
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "Y" } else { "N" }
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
    root: &'static str,
    header: FileHeader,
    options: WriterOptions,
    context: FileContext,
    unique: Uniqueness,
    warnings: Vec<Violation>,
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
        let root = if options.supplier_habits {
            out.raw(
                "<?xml version=\"1.0\" standalone=\"no\"?>\n<!DOCTYPE NCCIS2015>\n\
                 <!-- Exported by a CCIS product (synthetic test data) -->\n",
            )?;
            l::ROOT_2015
        } else {
            out.declaration()?;
            l::ROOT
        };
        out.open(root)?;
        out.open(l::FILE_HEADER)?;
        out.open(l::DATABASES)?;
        let database_id = if options.xsd_database_id && !options.supplier_habits {
            l::DATABASE_ID_XSD
        } else {
            l::DATABASE_ID
        };
        for id in &header.database_ids {
            out.leaf(database_id, &format!("{id:03}"))?;
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
        out.habits = options.supplier_habits;
        Ok(NccisWriter {
            out,
            root,
            context: FileContext::new(&header, options.checker),
            warnings: Vec::new(),
            header,
            options,
            unique: Uniqueness::default(),
            written: 0,
            attempted: 0,
        })
    }

    /// The lower-priority rules the record last written (or refused) breaks: what the
    /// import's checker will warn about.
    pub fn last_warnings(&self) -> &[Violation] {
        &self.warnings
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
        let p = if self.options.schema_2015 {
            current_only = super::carried_by_return(p, &self.options);
            &current_only
        } else if self.options.current_activity_only && p.activities.len() > 1 {
            let mut q = p.clone();
            q.activities = p.current_activity().cloned().into_iter().collect();
            current_only = q;
            &current_only
        } else {
            p
        };
        let mut v = Vec::new();
        if self.options.schema_2015 {
            schema_2015_problems(p, &mut v);
        }
        check_more_text(p, self.options.limits.max_text_len, &mut v);
        check_writable(
            p,
            self.options.limits.max_text_len,
            self.options.limits.max_activities,
            &mut v,
        );
        // The import's own checker, on what this record would put in the file.
        let raw = RawRecord::from_person(
            p,
            self.header.period_end,
            !self.options.schema_2015 || self.options.sen_support_flag,
        );
        let mut findings = Findings::default();
        checker::check_record(&raw, &self.context, &mut findings);
        self.unique.check(&raw, &mut findings);
        let mut all = findings.list;
        all.append(&mut v);
        let (rejects, warnings): (Vec<Violation>, Vec<Violation>) = checker::merge(all)
            .into_iter()
            .partition(|x| x.outcome == Outcome::Reject);
        self.warnings = warnings;
        if let Some(mut reject) = RecordReject::from_violations(index, 0, rejects) {
            reject.young_persons_id = Some(p.ccis_id.as_str().to_owned());
            return Err(WriteError::Rejected(reject));
        }
        self.write_record(p)?;
        self.unique.accept(&raw, true);
        self.written += 1;
        Ok(())
    }

    fn write_record(&mut self, p: &YoungPerson) -> std::io::Result<()> {
        let period_end = self.header.period_end;
        let return_layout = self.options.schema_2015;
        let sen_support_flag = self.options.sen_support_flag;
        let habits = self.options.supplier_habits;
        let neet_start = if habits {
            "NeetStartDate"
        } else {
            l::NEET_START
        };
        let o = &mut self.out;
        o.self_closing = habits && self.written % 2 == 1;
        let la = |x: &Option<gateway_domain::LaCode>| x.as_ref().map(|x| x.as_str().to_owned());
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
        let postcode = p
            .address
            .postcode()
            .map(|pc| pc.formatted())
            .or_else(|| p.placeholder_postcode.as_ref().map(|pc| pc.formatted()));
        o.leaf_opt(l::POSTCODE, postcode.as_deref())?;
        o.leaf(l::GENDER, p.gender.code())?;
        o.date(l::DOB, p.date_of_birth)?;
        o.leaf_opt(l::ETHNICITY, p.ethnicity.as_deref())?;
        o.leaf(l::LEAD_LEA, p.lead_la.as_str())?;
        o.leaf_opt(l::EDUCATED_LEA, la(&p.educated_la).as_deref())?;
        o.leaf_opt(l::TRANSFERRED_TO, la(&p.transferred_to_la).as_deref())?;
        o.leaf_opt(l::LEA_AT_YEAR_11, la(&p.la_at_year_11).as_deref())?;
        o.leaf_opt(l::ULN, p.uln.as_ref().map(|x| x.as_str()))?;
        o.leaf_opt(l::UPN, p.upn.as_ref().map(|x| x.as_str()))?;
        o.leaf_opt(
            l::GUARANTEE_INDICATOR,
            p.guarantee_status_indicator.map(yes_no),
        )?;
        if !return_layout {
            // 2015-16 only; a return to the 2019-20 rules has none (§7).
            o.leaf_opt(
                l::YOUTH_CONTRACT_INDICATOR,
                p.youth_contract_indicator.map(yes_no),
            )?;
            o.date_opt(l::YOUTH_CONTRACT_START, p.youth_contract_start_date)?;
        }
        o.leaf_opt(l::PREVIOUS_YPID, p.previous_ypid.as_deref())?;
        if !return_layout {
            o.leaf_opt(
                l::ESTABLISHMENT,
                p.establishment_number.as_ref().map(|x| x.as_str()),
            )?;
            o.leaf_opt(l::UKPRN, p.ukprn.as_ref().map(|x| x.as_str()))?;
        }
        o.close(l::PERSONAL_DETAILS)?;
        if habits && p.september_guarantee.is_empty() {
            o.empty(l::SEPTEMBER_GUARANTEE)?;
        }
        if !p.september_guarantee.is_empty() {
            o.open(l::SEPTEMBER_GUARANTEE)?;
            let blocks: [(&str, &Option<GuaranteeBlock>); 2] = [
                (l::YEAR_11, &p.september_guarantee.year_11),
                (l::YEAR_12, &p.september_guarantee.year_12),
            ];
            for (name, block) in blocks {
                if let Some(b) = block {
                    o.open(name)?;
                    o.leaf(l::GUARANTEE_STATUS, &b.status.code().to_string())?;
                    o.leaf(l::LEA_CODE, b.la.as_str())?;
                    o.close(name)?;
                }
            }
            o.close(l::SEPTEMBER_GUARANTEE)?;
        }
        o.open(l::LEVEL_OF_NEED)?;
        o.leaf_opt(
            l::LEVEL_OF_NEED_CODE,
            p.level_of_need.map(|x| x.code().to_string()).as_deref(),
        )?;
        if return_layout {
            o.leaf(l::SEND_FLAG, yes_no(p.send.send_flag()))?;
            if sen_support_flag {
                o.leaf(l::SEN_SUPPORT_FLAG, yes_no(p.send.sen_support_flag()))?;
            }
        } else {
            o.leaf(l::SEND_FLAG, p.send.code())?;
            // The 2019-20 requirement's flag (rules 303/304); the gateway's own layout is
            // not bound to the 2015 schema.
            o.leaf(l::SEN_SUPPORT_FLAG, yes_no(p.send.sen_support_flag()))?;
        }
        let characteristics: Vec<_> = p
            .characteristics
            .iter()
            .filter(|c| !return_layout || c.in_schema_2015())
            .collect();
        if !characteristics.is_empty() {
            o.open(l::CHARACTERISTICS)?;
            for c in characteristics {
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
                o.leaf(l::CURRENCY_LAPSED, yes_no(lapsed))?;
                o.leaf_opt(
                    l::ESTABLISHMENT,
                    a.establishment.as_ref().map(|x| x.as_str()),
                )?;
                o.leaf_opt(l::ESTABLISHMENT_NAME, a.establishment_name.as_deref())?;
                o.leaf_opt(l::UKPRN, a.ukprn.as_ref().map(|x| x.as_str()))?;
                if !return_layout {
                    o.leaf_opt(
                        l::LEVEL_OF_NEED_CODE,
                        a.level_of_need.map(|x| x.code().to_string()).as_deref(),
                    )?;
                }
                o.date_opt(neet_start, a.neet_start_date)?;
                o.date_opt(l::PREDICTED_END, a.predicted_end_date)?;
                o.close(l::ACTIVITY)?;
            }
            o.close(l::ACTIVITIES)?;
        }
        if let Some(d) = p.intended_destination {
            o.open(l::INTENDED_DESTINATION)?;
            o.leaf(l::INTENDED_DESTINATION_YR11, &d.code().to_string())?;
            o.close(l::INTENDED_DESTINATION)?;
        }
        o.close(l::RECORD)
    }

    /// Close the return and hand back the sink (flushed).
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.out.close(self.root)?;
        self.out.out.flush()?;
        Ok(self.out.out)
    }
}
