//! The streaming NCCIS reader.

use std::io::BufRead;

use gateway_domain::{
    Activity, ActivityCode, Address, CcisId, Characteristic, CohortStatus, DfeNumber,
    EstablishmentNumber, Gender, GuaranteeBlock, GuaranteeStatus, IntendedDestination, LaCode,
    LevelOfNeed, PlaceholderPostcode, Postcode, SenProvision, SeptemberGuarantee, Ukprn, Uln, Upn,
    YoungPerson,
};

use super::FileHeader;
use super::checker::file::Uniqueness;
use super::checker::raw::RawRecord;
use super::checker::{self, CheckerConfig, FileContext, Findings};
use super::layout as l;
use crate::reject::{
    CheckerRule as Rule, FatalError, FatalKind, Outcome, ReadError, RecordReject, Violation,
};
use crate::xml::Limits;
use crate::xml::fields::{
    Fields, date, leaf, opt, opt_date, opt_trimmed_text as opt_text, req, req_date,
    req_trimmed_text as req_text,
};
use crate::xml::input::{Node, Schema, Top, Tree, XmlInput};

const HEADER_SCHEMA: Schema = Schema {
    names: l::HEADER_NAMES,
    aliases: l::HEADER_ALIASES,
    any_case: true,
    strict: true,
};

const RECORD_SCHEMA: Schema = Schema {
    names: l::RECORD_NAMES,
    aliases: l::RECORD_ALIASES,
    any_case: true,
    strict: true,
};

/// Most elements a header may hold (its lists of databases and LAs).
const MAX_HEADER_ELEMENTS: usize = 256;

/// Counts of what a reader has seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReaderStats {
    /// Records met (accepted + rejected).
    pub records: u64,
    pub accepted: u64,
    pub rejected: u64,
}

/// Reads an NCCIS return one record at a time.
///
/// Created with [`NccisReader::new`], which reads and validates the
/// `FileHeader` (an unusable header is a [`FatalError`]). Iterating yields
/// each record as `Ok(YoungPerson)` or `Err(ReadError::Rejected(..))`; a
/// fatal problem is yielded once as `Err(ReadError::Fatal(..))` and ends
/// the iteration. Reaching the end of a well-formed file ends it normally.
pub struct NccisReader<R> {
    input: XmlInput<R>,
    header: FileHeader,
    context: FileContext,
    unique: Uniqueness,
    stats: ReaderStats,
    done: bool,
    tree: Tree,
    header_warnings: Vec<Violation>,
    notes: RecordNotes,
}

impl<R> std::fmt::Debug for NccisReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NccisReader")
            .field("stats", &self.stats)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

fn header_error(
    field: &'static str,
    problem: impl Into<std::borrow::Cow<'static, str>>,
    offset: u64,
) -> FatalError {
    FatalError {
        kind: FatalKind::Header {
            field,
            problem: problem.into(),
        },
        byte_offset: offset,
        record_index: None,
    }
}

fn database_id(s: &str) -> Result<u16, &'static str> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().map_err(|_| "DatabaseID must be three digits")
    } else {
        Err("DatabaseID must be three digits")
    }
}

/// Map the header subtree, collecting violations.
fn map_header(
    node: Node<'_>,
    v: &mut Vec<Violation>,
    warnings: &mut Vec<Violation>,
) -> Option<FileHeader> {
    let f = Fields::tolerant(
        node,
        l::FILE_HEADER,
        l::HEADER_NAMES,
        &[l::DATABASE_ID, l::DATABASE_ID_XSD, l::SOURCE_LEA],
        v,
        warnings,
    );
    let mut database_ids = Vec::new();
    let mut db_nodes: Vec<Node<'_>> = f
        .all(l::DATABASE_ID)
        .chain(f.all(l::DATABASE_ID_XSD))
        .collect();
    if let Some(dbs) = f.one(l::DATABASES) {
        let inner = Fields::of(
            dbs,
            l::DATABASES,
            &[l::DATABASE_ID, l::DATABASE_ID_XSD],
            &[l::DATABASE_ID, l::DATABASE_ID_XSD],
            v,
        );
        db_nodes.extend(
            inner
                .all(l::DATABASE_ID)
                .chain(inner.all(l::DATABASE_ID_XSD)),
        );
    }
    for n in db_nodes {
        if let Some(s) = leaf(n, l::DATABASE_ID, v) {
            match database_id(s.trim()) {
                Ok(id) => database_ids.push(id),
                Err(m) => v.push(Violation::with(l::DATABASE_ID, Rule::InvalidCode, m)),
            }
        }
    }
    let mut source_las = Vec::new();
    let mut la_nodes: Vec<Node<'_>> = f.all(l::SOURCE_LEA).collect();
    if let Some(las) = f.one(l::SOURCE_LEAS) {
        let inner = Fields::of(las, l::SOURCE_LEAS, &[l::LEA_CODE], &[l::LEA_CODE], v);
        la_nodes.extend(inner.all(l::LEA_CODE));
    }
    for n in la_nodes {
        if let Some(s) = leaf(n, l::SOURCE_LEA, v) {
            match la(s) {
                Ok(la) => source_las.push(la),
                Err(e) => v.push(Violation::with(
                    l::SOURCE_LEA,
                    Rule::InvalidIdentifier,
                    e.to_string(),
                )),
            }
        }
    }
    if database_ids.is_empty() && v.is_empty() {
        v.push(Violation::new(l::DATABASE_ID, Rule::MissingField));
    }
    if source_las.is_empty() && v.is_empty() {
        v.push(Violation::new(l::SOURCE_LEA, Rule::MissingField));
    }
    const MAX: usize = 1024;
    let date_of_send = req_date(&f, l::DATE_OF_SEND, v);
    let period_end = req_date(&f, l::PERIOD_END, v);
    let supplier_name = trimmed(req_text(&f, l::SUPPLIER_NAME, MAX, v));
    let supplier_xml_version = trimmed(req_text(&f, l::SUPPLIER_XML_VERSION, MAX, v));
    let xml_schema_version = trimmed(req_text(&f, l::XML_SCHEMA_VERSION, MAX, v));
    if !v.is_empty() {
        return None;
    }
    Some(FileHeader {
        database_ids,
        source_las,
        date_of_send: date_of_send?,
        period_end: period_end?,
        supplier_name: supplier_name?,
        supplier_xml_version: supplier_xml_version?,
        xml_schema_version: xml_schema_version?,
    })
}

/// An LA code; a purely numeric value of one or two digits is zero-padded
/// (`4` is `004`), as NCCIS compares LA codes as numbers.
fn la(s: &str) -> Result<LaCode, gateway_domain::IdError> {
    let t = s.trim();
    if (1..3).contains(&t.len())
        && t.bytes().all(|b| b.is_ascii_digit())
        && let Some(code) = t.parse::<u16>().ok().and_then(LaCode::from_number)
    {
        return Ok(code);
    }
    LaCode::parse(t)
}

/// An XSD `YesNoType` value (`Y` or `N`; letter case and surrounding
/// whitespace ignored). The message names the field, never the value.
fn yes_no(field: &'static str) -> impl Fn(&str) -> Result<bool, String> {
    move |s: &str| match s.trim() {
        "Y" | "y" => Ok(true),
        "N" | "n" => Ok(false),
        _ => Err(format!("{field} must be Y or N")),
    }
}

/// `SENDFlag`: Y/N as the 2015 XSD writes it, or the gateway's own earlier
/// N/K/E (K SEN support, E EHC plan).
fn send_flag(s: &str) -> Result<SenProvision, &'static str> {
    match s.trim() {
        "Y" | "y" | "E" | "e" => Ok(SenProvision::EhcPlan),
        "N" | "n" => Ok(SenProvision::NoProvision),
        "K" | "k" => Ok(SenProvision::SenSupport),
        _ => Err("SENDFlag must be Y or N"),
    }
}

fn ethnicity(s: &str) -> Result<String, &'static str> {
    let t = s.trim();
    l::ETHNICITY_CODES
        .iter()
        .find(|c| c.eq_ignore_ascii_case(t))
        .map(|c| (*c).to_owned())
        .ok_or("Ethnicity is not a DfE ethnicity code")
}

fn young_persons_id(s: &str) -> Result<CcisId, String> {
    let t = s.trim();
    if t.len() != 13 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err("YoungPersonsID must be 13 digits".to_owned());
    }
    CcisId::parse(t).map_err(|e| e.to_string())
}

/// The postcode element: a real postcode, or a `ZZ99` placeholder kept
/// apart so that nothing matches on it.
enum PostcodeValue {
    Real(Postcode),
    Placeholder(PlaceholderPostcode),
}

fn postcode(s: &str) -> Result<PostcodeValue, gateway_domain::IdError> {
    match PlaceholderPostcode::parse(s) {
        Ok(p) => Ok(PostcodeValue::Placeholder(p)),
        Err(_) => Postcode::parse(s).map(PostcodeValue::Real),
    }
}

/// An optional identifier whose bad value drops the identifier, not the
/// young person: the violation goes to `warnings` and the field is absent.
fn opt_or_drop<T, E: std::fmt::Display>(
    f: &Fields<'_>,
    field: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
    v: &mut Vec<Violation>,
    warnings: &mut Vec<Violation>,
) -> Option<T> {
    opt_or_leave_out(f, field, Rule::InvalidIdentifier, parse, v, warnings)
}

/// An optional value whose bad value is left out of the record, with a
/// warning, rather than refusing the young person. The checker's numbered
/// rule says the same in NCCIS terms where one covers the field (and then
/// replaces this warning in the report).
fn opt_or_leave_out<T, E: std::fmt::Display>(
    f: &Fields<'_>,
    field: &'static str,
    rule: Rule,
    parse: impl FnOnce(&str) -> Result<T, E>,
    v: &mut Vec<Violation>,
    warnings: &mut Vec<Violation>,
) -> Option<T> {
    let mut local = Vec::new();
    let value = opt(f, field, rule, parse, &mut local);
    for viol in local {
        if viol.rule == rule {
            let mut w = viol.with_outcome(Outcome::Drop);
            w.message = format!("{}; the value was left out", w.message).into();
            warnings.push(w);
        } else {
            v.push(viol);
        }
    }
    value.ok().flatten()
}

/// Free text, trimmed of surrounding whitespace (nccis-checker.md §0.3).
fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|t| t.trim().to_owned())
}

/// One `Cohort` element: the activity and its CurrencyLapsed flag.
fn map_activity(
    node: Node<'_>,
    n: usize,
    v: &mut Vec<Violation>,
    warnings: &mut Vec<Violation>,
    max_text: usize,
) -> Option<(Activity, bool)> {
    let before = v.len();
    let f = Fields::tolerant(node, l::ACTIVITY, l::ACTIVITY_FIELDS, &[], v, warnings);
    let code = req(
        &f,
        l::ACTIVITY_CODE,
        Rule::InvalidCode,
        |s| s.parse::<ActivityCode>(),
        v,
    );
    let start = req_date(&f, l::START_DATE, v);
    let ascertained = req_date(&f, l::DATE_ASCERTAINED, v);
    // DateVerified is optional in the schema and no rule asks for it: without
    // one (or with an unreadable one) the activity counts as verified when it
    // was ascertained, with a warning.
    let verified = opt_or_leave_out(&f, l::DATE_VERIFIED, Rule::DateFormat, date, v, warnings);
    if verified.is_none() && ascertained.is_some() {
        warnings.push(
            Violation::with(
                l::DATE_VERIFIED,
                Rule::MissingField,
                "DateVerified is absent: the activity counts as verified on DateAscertained",
            )
            .with_outcome(Outcome::Warn),
        );
    }
    let verified = verified.or(ascertained);
    let review = opt_or_leave_out(&f, l::REVIEW_DATE, Rule::DateFormat, date, v, warnings);
    let due = opt_or_leave_out(&f, l::DUE_TO_LAPSE, Rule::DateFormat, date, v, warnings);
    let lapsed = req(
        &f,
        l::CURRENCY_LAPSED,
        Rule::InvalidCode,
        yes_no(l::CURRENCY_LAPSED),
        v,
    );
    let establishment = opt(
        &f,
        l::ESTABLISHMENT,
        Rule::InvalidIdentifier,
        DfeNumber::parse,
        v,
    );
    let establishment_name = trimmed(opt_text(&f, l::ESTABLISHMENT_NAME, max_text, v));
    let ukprn = opt_or_drop(&f, l::UKPRN, Ukprn::parse, v, warnings);
    let level = opt_or_leave_out(
        &f,
        l::LEVEL_OF_NEED_CODE,
        Rule::InvalidCode,
        |s| s.trim().parse::<LevelOfNeed>(),
        v,
        warnings,
    );
    let neet = opt_or_leave_out(&f, l::NEET_START, Rule::DateFormat, date, v, warnings);
    let predicted = opt_date(&f, l::PREDICTED_END, v);
    if v.len() > before {
        // Say which activity the problems belong to.
        for viol in v.iter_mut().skip(before) {
            viol.message = format!("{} (activity {n})", viol.message).into();
        }
        return None;
    }
    let mut a = Activity::new(code?, start?, ascertained?, verified?);
    a.review_date = review;
    a.due_to_lapse_date = due;
    a.level_of_need = level;
    a.neet_start_date = neet;
    a.predicted_end_date = predicted.ok()?;
    a.establishment = establishment.ok()?;
    a.establishment_name = establishment_name;
    a.ukprn = ukprn;
    Some((a, lapsed?))
}

/// One `Year11` / `Year12` block of `SeptemberGuarantee`. An empty block
/// is absent; a block with only one of its two elements is kept out of the
/// record with a violation (the XSD requires both).
fn map_guarantee_block(
    node: Option<Node<'_>>,
    name: &'static str,
    v: &mut Vec<Violation>,
    warnings: &mut Vec<Violation>,
) -> Option<GuaranteeBlock> {
    let node = node?;
    let f = Fields::tolerant(node, name, l::GUARANTEE_BLOCK_FIELDS, &[], v, warnings);
    let status = opt(
        &f,
        l::GUARANTEE_STATUS,
        Rule::InvalidCode,
        |s| s.trim().parse::<GuaranteeStatus>(),
        v,
    )
    .ok()
    .flatten();
    let la_code = opt(&f, l::LEA_CODE, Rule::InvalidIdentifier, la, v)
        .ok()
        .flatten();
    match (status, la_code) {
        (Some(status), Some(la)) => Some(GuaranteeBlock { status, la }),
        (None, None) => None,
        // Half a block is not a guarantee: left out with a warning (905 and
        // 906 say when NCCIS needs the whole block).
        (None, Some(_)) => {
            warnings.push(
                Violation::with(
                    l::GUARANTEE_STATUS,
                    Rule::MissingField,
                    format!("{name} has an LEACode but no GuaranteeStatus; the block was left out"),
                )
                .with_outcome(Outcome::Drop),
            );
            None
        }
        (Some(_), None) => {
            warnings.push(
                Violation::with(
                    l::LEA_CODE,
                    Rule::MissingField,
                    format!("{name} has a GuaranteeStatus but no LEACode; the block was left out"),
                )
                .with_outcome(Outcome::Drop),
            );
            None
        }
    }
}

/// What a record's reading left besides the record: warnings, and facts a
/// caller merging it with a stored record needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordNotes {
    /// Problems that did not stop the record being read: elements outside
    /// the schema (ignored), an invalid optional identifier (dropped).
    /// Messages name elements and rules, never values.
    pub warnings: Vec<Violation>,
    /// The record carried `SENSupportFlag` (the 2019-20 layout), so its
    /// SEN support "no" is a real no.
    pub sen_support_flag: bool,
    /// The record's YoungPersonsID when it is plain digits (at most 20), for
    /// the report; never any other value of the record.
    pub young_persons_id: Option<String>,
    /// 0-based position of the record in the file.
    pub record_index: u64,
    /// Byte offset of the record's start tag.
    pub byte_offset: u64,
}

/// Map a `YoungPersonsRecord` subtree to a record, or collect why not.
fn map_record(
    node: Node<'_>,
    limits: &Limits,
    v: &mut Vec<Violation>,
    notes: &mut RecordNotes,
) -> Option<YoungPerson> {
    let max_text = limits.max_text_len;
    let w = &mut notes.warnings;
    let top = Fields::tolerant(
        node,
        l::RECORD,
        &[
            l::PERSONAL_DETAILS,
            l::SEPTEMBER_GUARANTEE,
            l::LEVEL_OF_NEED,
            l::ACTIVITIES,
            l::INTENDED_DESTINATION,
        ],
        &[],
        v,
        w,
    );

    // PersonalDetails
    let Some(pd_node) = top.one(l::PERSONAL_DETAILS) else {
        v.push(Violation::new(l::PERSONAL_DETAILS, Rule::MissingField));
        return None;
    };
    let pd = Fields::tolerant(pd_node, l::PERSONAL_DETAILS, l::PERSONAL_FIELDS, &[], v, w);
    let ccis_id = req(
        &pd,
        l::YOUNG_PERSONS_ID,
        Rule::InvalidIdentifier,
        young_persons_id,
        v,
    );
    let cohort_status = req(
        &pd,
        l::COHORT_STATUS,
        Rule::InvalidCode,
        CohortStatus::parse,
        v,
    );
    let given_name = trimmed(req_text(&pd, l::GIVEN_NAME, max_text, v));
    let middle_name = trimmed(opt_text(&pd, l::MIDDLE_NAME, max_text, v));
    let family_name = trimmed(req_text(&pd, l::FAMILY_NAME, max_text, v));
    let lines: Vec<String> = l::ADDRESS_LINES
        .iter()
        .filter_map(|name| opt_text(&pd, name, max_text, v))
        .collect();
    let town = opt_text(&pd, l::TOWN, max_text, v);
    let county = opt_text(&pd, l::COUNTY, max_text, v);
    // Values a lower-priority rule covers are left out when unreadable, never
    // the young person (the checker names the rule).
    let postcode = opt_or_drop(&pd, l::POSTCODE, postcode, v, w);
    let gender = opt_or_leave_out(&pd, l::GENDER, Rule::InvalidCode, Gender::parse, v, w)
        .unwrap_or(Gender::NotKnown);
    let dob = req_date(&pd, l::DOB, v);
    let ethnicity = opt_or_leave_out(&pd, l::ETHNICITY, Rule::InvalidCode, ethnicity, v, w);
    let lead_la = req(&pd, l::LEAD_LEA, Rule::InvalidIdentifier, la, v);
    let educated_la = opt_or_drop(&pd, l::EDUCATED_LEA, la, v, w);
    let transferred = opt_or_drop(&pd, l::TRANSFERRED_TO, la, v, w);
    let la_y11 = opt_or_drop(&pd, l::LEA_AT_YEAR_11, la, v, w);
    let uln = opt_or_drop(&pd, l::ULN, Uln::parse, v, w);
    let upn = opt_or_drop(&pd, l::UPN, Upn::parse, v, w);
    let guarantee_indicator = opt_or_leave_out(
        &pd,
        l::GUARANTEE_INDICATOR,
        Rule::InvalidCode,
        yes_no(l::GUARANTEE_INDICATOR),
        v,
        w,
    );
    // Dropped from the requirement after 2015-16: carried when readable.
    let youth_contract = opt_or_leave_out(
        &pd,
        l::YOUTH_CONTRACT_INDICATOR,
        Rule::InvalidCode,
        yes_no(l::YOUTH_CONTRACT_INDICATOR),
        v,
        w,
    );
    let youth_contract_start =
        opt_or_leave_out(&pd, l::YOUTH_CONTRACT_START, Rule::DateFormat, date, v, w);
    let previous_ypid = trimmed(opt_text(&pd, l::PREVIOUS_YPID, max_text, v));
    let estab = opt(
        &pd,
        l::ESTABLISHMENT,
        Rule::InvalidIdentifier,
        EstablishmentNumber::parse,
        v,
    );
    let ukprn = opt_or_drop(&pd, l::UKPRN, Ukprn::parse, v, w);

    // SeptemberGuarantee
    let mut september_guarantee = SeptemberGuarantee::default();
    if let Some(sg) = top.one(l::SEPTEMBER_GUARANTEE) {
        let f = Fields::tolerant(
            sg,
            l::SEPTEMBER_GUARANTEE,
            &[l::YEAR_11, l::YEAR_12],
            &[],
            v,
            w,
        );
        september_guarantee.year_11 = map_guarantee_block(f.one(l::YEAR_11), l::YEAR_11, v, w);
        september_guarantee.year_12 = map_guarantee_block(f.one(l::YEAR_12), l::YEAR_12, v, w);
    }

    // LevelOfNeed
    let (level_of_need, send, characteristics) = match top.one(l::LEVEL_OF_NEED) {
        None => {
            v.push(Violation::new(l::LEVEL_OF_NEED, Rule::MissingField));
            (None, SenProvision::NoProvision, Vec::new())
        }
        Some(ln_node) => {
            let ln = Fields::tolerant(
                ln_node,
                l::LEVEL_OF_NEED,
                l::LEVEL_OF_NEED_FIELDS,
                &[],
                v,
                w,
            );
            let level = opt_or_leave_out(
                &ln,
                l::LEVEL_OF_NEED_CODE,
                Rule::InvalidCode,
                |s| {
                    let s = s.trim();
                    // The text as the code list writes it ("01" is not 1).
                    if s.len() == 1 {
                        s.parse::<LevelOfNeed>().map_err(|e| e.to_string())
                    } else {
                        Err("LevelOfNeedCode must be 1, 2 or 3".to_owned())
                    }
                },
                v,
                w,
            );
            // Absent or unreadable: held as no provision (103, 102 say so).
            let send = opt_or_leave_out(&ln, l::SEND_FLAG, Rule::InvalidCode, send_flag, v, w)
                .unwrap_or(SenProvision::NoProvision);
            let support = opt_or_leave_out(
                &ln,
                l::SEN_SUPPORT_FLAG,
                Rule::InvalidCode,
                yes_no(l::SEN_SUPPORT_FLAG),
                v,
                w,
            );
            notes.sen_support_flag = support.is_some();
            let send = match (send, support) {
                (SenProvision::NoProvision, Some(true)) => SenProvision::SenSupport,
                (other, _) => other,
            };
            let mut chars: Vec<Characteristic> = Vec::new();
            if let Some(cs) = ln.one(l::CHARACTERISTICS) {
                let cf = Fields::tolerant(
                    cs,
                    l::CHARACTERISTICS,
                    &[l::CHARACTERISTIC_CODE],
                    &[l::CHARACTERISTIC_CODE],
                    v,
                    &mut notes.warnings,
                );
                for c in cf.all(l::CHARACTERISTIC_CODE) {
                    let Some(s) = leaf(c, l::CHARACTERISTIC_CODE, v) else {
                        continue;
                    };
                    if s.trim().is_empty() {
                        continue;
                    }
                    // As written: "0110" is not 110. A code outside the list
                    // is left out (rule 104); a repeat counts once.
                    let t = s.trim();
                    match t.parse::<Characteristic>() {
                        Ok(code) if t.len() == 3 && chars.contains(&code) => {
                            notes.warnings.push(
                                Violation::with(
                                    l::CHARACTERISTIC_CODE,
                                    Rule::DuplicateElement,
                                    "characteristic listed twice; kept once",
                                )
                                .with_outcome(Outcome::Warn),
                            );
                        }
                        Ok(code) if t.len() == 3 => chars.push(code),
                        _ => notes.warnings.push(
                            Violation::with(
                                l::CHARACTERISTIC_CODE,
                                Rule::InvalidCode,
                                "characteristic code not in the code list; left out",
                            )
                            .with_outcome(Outcome::Drop),
                        ),
                    }
                }
            }
            (level, send, chars)
        }
    };
    let w = &mut notes.warnings;

    // Activities
    let mut activities = Vec::new();
    if let Some(acts) = top.one(l::ACTIVITIES) {
        let af = Fields::tolerant(acts, l::ACTIVITIES, &[l::ACTIVITY], &[l::ACTIVITY], v, w);
        if af.count(l::ACTIVITY) > limits.max_activities {
            v.push(Violation::with(
                l::ACTIVITY,
                Rule::TooManyEntries,
                "more activities than max_activities",
            ));
        } else {
            for (i, a) in af.all(l::ACTIVITY).enumerate() {
                if let Some((activity, _lapsed)) = map_activity(a, i + 1, v, w, max_text) {
                    activities.push(activity);
                }
            }
        }
    }

    // IntendedDestination
    let mut intended_destination = None;
    if let Some(id) = top.one(l::INTENDED_DESTINATION) {
        let f = Fields::tolerant(
            id,
            l::INTENDED_DESTINATION,
            &[l::INTENDED_DESTINATION_YR11],
            &[],
            v,
            w,
        );
        intended_destination = opt_or_leave_out(
            &f,
            l::INTENDED_DESTINATION_YR11,
            Rule::InvalidCode,
            |s| s.trim().parse::<IntendedDestination>(),
            v,
            w,
        );
    }

    if !v.is_empty() {
        return None;
    }
    let (postcode, placeholder_postcode) = match postcode {
        Some(PostcodeValue::Real(p)) => (Some(p), None),
        Some(PostcodeValue::Placeholder(p)) => (None, Some(p)),
        None => (None, None),
    };
    let address = Address::new(lines, town, county, postcode).ok()?;
    let characteristics_170 = characteristics.contains(&Characteristic::SupervisedByYot);
    let mut person = YoungPerson {
        ccis_id: ccis_id?,
        upn,
        uln,
        nino: None,
        nhs_number: None,
        given_name: given_name?,
        middle_name,
        family_name: family_name?,
        gender,
        date_of_birth: dob?,
        address,
        lead_la: lead_la?,
        la_at_year_11: la_y11,
        cohort_status: cohort_status?,
        transferred_to_la: transferred,
        ethnicity,
        educated_la,
        send,
        characteristics,
        level_of_need,
        activities,
        benefit_registration: None,
        care: None,
        yot_supervised: characteristics_170,
        establishment_number: estab.ok()?,
        ukprn,
        placeholder_postcode,
        september_guarantee,
        guarantee_status_indicator: guarantee_indicator,
        youth_contract_indicator: youth_contract,
        youth_contract_start_date: youth_contract_start,
        previous_ypid,
        intended_destination,
        leaving_reported_in: None,
    };
    super::establishment_from_activity(&mut person);
    Some(person)
}

/// A YoungPersonsID fit for a report: plain digits, at most 20 of them
/// (anything else might be a name typed into the wrong field).
fn shown_id(id: Option<&str>) -> Option<String> {
    id.filter(|s| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
}

impl<R: BufRead> NccisReader<R> {
    /// Read the file header with the default checker configuration.
    pub fn new(read: R, limits: Limits) -> Result<Self, FatalError> {
        Self::with_config(read, limits, CheckerConfig::default())
    }

    /// Read the file header; records will be checked with `config`.
    pub fn with_config(read: R, limits: Limits, config: CheckerConfig) -> Result<Self, FatalError> {
        let mut input = XmlInput::new(read, limits);
        match input.next_top_with(l::root_name)? {
            Top::Start(tag) if tag.name.is_some() && !tag.empty => {}
            Top::Start(tag) if tag.name.is_some() => {
                return Err(header_error(
                    l::FILE_HEADER,
                    "the return has no FileHeader",
                    tag.offset,
                ));
            }
            Top::Start(tag) => {
                return Err(FatalError {
                    kind: FatalKind::Structure {
                        problem: "the root element is not an NCCIS return",
                    },
                    byte_offset: tag.offset,
                    record_index: None,
                });
            }
            Top::End | Top::Eof => {
                return Err(input.fatal(FatalKind::Structure {
                    problem: "the document has no root element",
                }));
            }
        }
        let header_tag = match input.next_top(&[l::FILE_HEADER])? {
            Top::Start(tag) if tag.name.is_some() => tag,
            _ => {
                return Err(header_error(
                    l::FILE_HEADER,
                    "the return must start with a FileHeader",
                    input.position(),
                ));
            }
        };
        let mut tree = Tree::default();
        input.read_subtree(header_tag, HEADER_SCHEMA, MAX_HEADER_ELEMENTS, &mut tree)?;
        let offset = header_tag.offset;
        let mut v = Vec::new();
        let mut header_warnings = Vec::new();
        let header = tree
            .root()
            .and_then(|node| map_header(node, &mut v, &mut header_warnings));
        match (header, v.into_iter().next()) {
            (Some(header), None) => Ok(NccisReader {
                input,
                context: FileContext::new(&header, config),
                header,
                unique: Uniqueness::default(),
                stats: ReaderStats::default(),
                done: false,
                tree,
                header_warnings,
                notes: RecordNotes::default(),
            }),
            (_, Some(first)) => Err(header_error(first.field, first.message, offset)),
            (None, None) => Err(header_error(l::FILE_HEADER, "unusable header", offset)),
        }
    }

    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    pub fn stats(&self) -> ReaderStats {
        self.stats
    }

    /// Warnings about the `FileHeader` (elements outside the schema, ignored).
    pub fn header_warnings(&self) -> &[Violation] {
        &self.header_warnings
    }

    /// What reading the record last yielded (accepted or rejected) left
    /// besides it: its warnings, and whether it carried SENSupportFlag.
    /// Replaced by the next call to `next`.
    pub fn notes(&self) -> &RecordNotes {
        &self.notes
    }

    /// The warnings of the record last yielded (see [`Self::notes`]).
    pub fn warnings(&self) -> &[Violation] {
        &self.notes.warnings
    }

    fn fatal(
        &mut self,
        mut e: FatalError,
        record: Option<u64>,
    ) -> Option<Result<YoungPerson, ReadError>> {
        self.done = true;
        e.record_index = record;
        Some(Err(ReadError::Fatal(e)))
    }

    fn read_record(
        &mut self,
        tag: crate::xml::input::StartTag,
    ) -> Result<Result<YoungPerson, RecordReject>, FatalError> {
        let index = self.stats.records;
        self.stats.records += 1;
        if let Some(max) = self.input.limits().max_records
            && self.stats.records > max
        {
            return Err(FatalError {
                kind: FatalKind::Limit {
                    limit: "max_records",
                },
                byte_offset: tag.offset,
                record_index: Some(index),
            });
        }
        let limits = *self.input.limits();
        self.input
            .read_subtree(
                tag,
                RECORD_SCHEMA,
                limits.max_elements_per_record,
                &mut self.tree,
            )
            .map_err(|mut e| {
                e.record_index = Some(index);
                e
            })?;
        let mut v = Vec::new();
        self.notes = RecordNotes::default();
        let Some(node) = self.tree.root() else {
            return Err(FatalError {
                kind: FatalKind::Structure {
                    problem: "record could not be read",
                },
                byte_offset: tag.offset,
                record_index: Some(index),
            });
        };
        // The numbered rules on the text as written; the mapping to the
        // canonical record beside them (structure, the gateway's own checks).
        let raw = RawRecord::from_node(node);
        self.notes.young_persons_id = shown_id(raw.ypid.as_deref());
        self.notes.record_index = index;
        self.notes.byte_offset = tag.offset;
        let mut findings = Findings::default();
        checker::check_record(&raw, &self.context, &mut findings);
        self.unique.check(&raw, &mut findings);
        let notes = &mut self.notes;
        let mapped = map_record(node, &limits, &mut v, notes);
        let mut all = findings.list;
        all.append(&mut v);
        all.append(&mut self.notes.warnings);
        let all = checker::merge(all);
        let (rejects, warnings): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|x| x.outcome == Outcome::Reject);
        self.notes.warnings = warnings;
        match mapped {
            Some(mut person) if rejects.is_empty() => {
                checker::leave_out_dropped(&mut person, &self.notes.warnings);
                self.unique.accept(&raw, person.uln.is_some());
                self.stats.accepted += 1;
                return Ok(Ok(person));
            }
            _ => {}
        }
        self.stats.rejected += 1;
        let mut reject =
            RecordReject::from_violations(index, tag.offset, rejects).unwrap_or(RecordReject {
                record_index: index,
                byte_offset: tag.offset,
                young_persons_id: None,
                field: l::RECORD,
                rule: Rule::MissingField,
                outcome: Outcome::Reject,
                message: "record could not be read".into(),
                further: Vec::new(),
            });
        reject.young_persons_id = self.notes.young_persons_id.clone();
        Ok(Err(reject))
    }
}

impl<R: BufRead> Iterator for NccisReader<R> {
    type Item = Result<YoungPerson, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.input.next_top(&[l::RECORD]) {
            Err(e) => self.fatal(e, None),
            Ok(Top::Start(tag)) if tag.name.is_some() => match self.read_record(tag) {
                Ok(Ok(p)) => Some(Ok(p)),
                Ok(Err(reject)) => Some(Err(ReadError::Rejected(reject))),
                Err(e) => {
                    let index = e.record_index;
                    self.fatal(e, index)
                }
            },
            Ok(Top::Start(tag)) => {
                let e = FatalError {
                    kind: FatalKind::Structure {
                        problem: "only YoungPersonsRecord elements may follow the FileHeader",
                    },
                    byte_offset: tag.offset,
                    record_index: None,
                };
                self.fatal(e, None)
            }
            Ok(Top::End) => {
                // The root closed: only comments and whitespace may follow.
                match self.input.next_top(&[]) {
                    Ok(Top::Eof) => {
                        self.done = true;
                        None
                    }
                    Ok(_) => {
                        let e = self.input.fatal(FatalKind::Structure {
                            problem: "content after the root element",
                        });
                        self.fatal(e, None)
                    }
                    Err(e) => self.fatal(e, None),
                }
            }
            Ok(Top::Eof) => {
                let e = self.input.fatal(FatalKind::Xml {
                    problem: "unexpected end of input: the root element is not closed",
                });
                self.fatal(e, None)
            }
        }
    }
}
