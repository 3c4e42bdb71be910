//! The streaming CTF reader.

use std::collections::HashSet;
use std::io::BufRead;

use gateway_domain::{
    Address, EstablishmentNumber, Gender, LaCode, Postcode, SenProvision, Uln, Upn,
};
use time::PrimitiveDateTime;
use time::macros::format_description;

use super::{
    CtfEstab, CtfHeader, CtfPupil, DestSchool, DocumentQualifier, LookedAfter, SchoolEntry,
    SenEntry, SourceSchool,
};
use crate::reject::{
    CheckerRule as Rule, FatalError, FatalKind, ReadError, RecordReject, Violation,
};
use crate::xml::Limits;
use crate::xml::fields::{Fields, opt, opt_date, opt_text, req, req_date, req_text};
use crate::xml::input::{Node, Schema, StartTag, Top, Tree, XmlInput};

pub(super) const ROOT: &str = "CTfile";
pub(super) const HEADER: &str = "Header";
pub(super) const PUPIL_DATA: &str = "CTFpupilData";
pub(super) const PUPIL: &str = "Pupil";

pub(super) const NAMES: &[&str] = &[
    HEADER,
    "DocumentName",
    "CTFversion",
    "DateTime",
    "DocumentQualifier",
    "SupplierID",
    "SourceSchool",
    "DestSchool",
    "LEA",
    "Estab",
    "SchoolName",
    "AcademicYear",
    PUPIL,
    "UPN",
    "UniqueLearnerNumber",
    "Surname",
    "Forename",
    "DOB",
    "Gender",
    "Sex",
    "BasicDetails",
    "MiddleNames",
    "Ethnicity",
    "LookedAfter",
    "InCare",
    "CareAuthority",
    "SENhistory",
    "SEN",
    "StartDate",
    "SENprovision",
    "Address",
    "AddressLines",
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "AddressLine4",
    "AddressLine5",
    "County",
    "PostCode",
    "SchoolHistory",
    "School",
    "EntryDate",
    "LeavingDate",
];

const SCHEMA: Schema = Schema {
    names: NAMES,
    aliases: &[],
    any_case: false,
    strict: false,
};

const HEADER_MAX_TEXT: usize = 1024;

fn header_fatal(v: Vec<Violation>, offset: u64) -> FatalError {
    let (field, problem) = v
        .into_iter()
        .next()
        .map_or((HEADER, "unusable header".into()), |x| (x.field, x.message));
    FatalError {
        kind: FatalKind::Header { field, problem },
        byte_offset: offset,
        record_index: None,
    }
}

pub(super) fn parse_date_time(s: &str) -> Result<PrimitiveDateTime, &'static str> {
    let s = s.trim();
    if s.len() != 19 {
        return Err("DateTime must be CCYY-MM-DDThh:mm:ss");
    }
    PrimitiveDateTime::parse(
        s,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    )
    .map_err(|_| "DateTime must be CCYY-MM-DDThh:mm:ss")
}

fn qualifier(s: &str) -> Result<DocumentQualifier, &'static str> {
    match s.trim() {
        q if q.eq_ignore_ascii_case("full") => Ok(DocumentQualifier::Full),
        q if q.eq_ignore_ascii_case("partial") => Ok(DocumentQualifier::Partial),
        _ => Err("DocumentQualifier must be full or partial"),
    }
}

fn academic_year(s: &str) -> Result<u16, &'static str> {
    let t = s.trim();
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().map_err(|_| "AcademicYear must be four digits")
    } else {
        Err("AcademicYear must be four digits")
    }
}

fn map_header(node: Node<'_>, v: &mut Vec<Violation>) -> Option<CtfHeader> {
    let f = Fields::of(
        node,
        HEADER,
        &[
            "DocumentName",
            "CTFversion",
            "DateTime",
            "DocumentQualifier",
            "SupplierID",
            "SourceSchool",
            "DestSchool",
        ],
        &[],
        v,
    );
    let document_name = req_text(&f, "DocumentName", HEADER_MAX_TEXT, v);
    let ctf_version = req_text(&f, "CTFversion", HEADER_MAX_TEXT, v);
    let date_time = req(&f, "DateTime", Rule::DateFormat, parse_date_time, v);
    let document_qualifier = req(&f, "DocumentQualifier", Rule::InvalidCode, qualifier, v);
    let supplier_id = req_text(&f, "SupplierID", HEADER_MAX_TEXT, v);
    let source = match f.one("SourceSchool") {
        None => {
            v.push(Violation::new("SourceSchool", Rule::MissingField));
            None
        }
        Some(n) => {
            let s = Fields::of(
                n,
                "SourceSchool",
                &["LEA", "Estab", "SchoolName", "AcademicYear"],
                &[],
                v,
            );
            let la = req(&s, "LEA", Rule::InvalidIdentifier, LaCode::parse, v);
            let estab = req(&s, "Estab", Rule::InvalidIdentifier, CtfEstab::parse, v);
            let school_name = opt_text(&s, "SchoolName", HEADER_MAX_TEXT, v);
            let year = opt(&s, "AcademicYear", Rule::InvalidCode, academic_year, v);
            match (la, estab, year) {
                (Some(la), Some(estab), Ok(academic_year)) => Some(SourceSchool {
                    la,
                    estab,
                    school_name,
                    academic_year,
                }),
                _ => None,
            }
        }
    };
    let dest = match f.one("DestSchool") {
        None => {
            v.push(Violation::new("DestSchool", Rule::MissingField));
            None
        }
        Some(n) => {
            let s = Fields::of(n, "DestSchool", &["LEA", "Estab"], &[], v);
            let la = req(&s, "LEA", Rule::InvalidIdentifier, LaCode::parse, v);
            let estab = req(&s, "Estab", Rule::InvalidIdentifier, CtfEstab::parse, v);
            la.zip(estab).map(|(la, estab)| DestSchool { la, estab })
        }
    };
    if !v.is_empty() {
        return None;
    }
    Some(CtfHeader {
        document_name: document_name?,
        ctf_version: ctf_version?,
        date_time: date_time?,
        document_qualifier: document_qualifier?,
        supplier_id: supplier_id?,
        source: source?,
        dest: dest?,
    })
}

fn in_care(s: &str) -> Result<bool, &'static str> {
    match s.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err("InCare must be true or false"),
    }
}

fn ethnicity(s: &str) -> Result<String, &'static str> {
    let t = s.trim();
    crate::nccis::layout::ETHNICITY_CODES
        .iter()
        .find(|c| c.eq_ignore_ascii_case(t))
        .map(|c| (*c).to_owned())
        .ok_or("Ethnicity is not a DfE ethnicity code")
}

pub(super) const ADDRESS_LINES: [&str; 5] = [
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "AddressLine4",
    "AddressLine5",
];

fn map_pupil(node: Node<'_>, limits: &Limits, v: &mut Vec<Violation>) -> Option<CtfPupil> {
    let max = limits.max_text_len;
    let f = Fields::of(
        node,
        PUPIL,
        &[
            "UPN",
            "UniqueLearnerNumber",
            "Surname",
            "Forename",
            "DOB",
            "Gender",
            "Sex",
            "BasicDetails",
            "LookedAfter",
            "SENhistory",
            "Address",
            "SchoolHistory",
        ],
        &[],
        v,
    );
    let upn = opt(&f, "UPN", Rule::InvalidIdentifier, Upn::parse, v);
    let uln = opt(
        &f,
        "UniqueLearnerNumber",
        Rule::InvalidIdentifier,
        Uln::parse,
        v,
    );
    let surname = req_text(&f, "Surname", max, v);
    let forename = req_text(&f, "Forename", max, v);
    let dob = req_date(&f, "DOB", v);
    let gender = match (f.one("Gender"), f.one("Sex")) {
        (Some(_), Some(_)) => {
            v.push(Violation::with(
                "Sex",
                Rule::DuplicateElement,
                "both Gender and Sex given",
            ));
            None
        }
        (None, Some(_)) => req(&f, "Sex", Rule::InvalidCode, Gender::parse, v),
        _ => req(&f, "Gender", Rule::InvalidCode, Gender::parse, v),
    };

    let (middle_names, eth) = match f.one("BasicDetails") {
        None => (None, Ok(None)),
        Some(n) => {
            let b = Fields::of(n, "BasicDetails", &["MiddleNames", "Ethnicity"], &[], v);
            (
                opt_text(&b, "MiddleNames", max, v),
                opt(&b, "Ethnicity", Rule::InvalidCode, ethnicity, v),
            )
        }
    };

    let looked_after = match f.one("LookedAfter") {
        None => Ok(None),
        Some(n) => {
            let b = Fields::of(n, "LookedAfter", &["InCare", "CareAuthority"], &[], v);
            let in_care = req(&b, "InCare", Rule::InvalidCode, in_care, v);
            let authority = opt(
                &b,
                "CareAuthority",
                Rule::InvalidIdentifier,
                LaCode::parse,
                v,
            );
            match (in_care, authority) {
                (Some(in_care), Ok(care_authority)) => Ok(Some(LookedAfter {
                    in_care,
                    care_authority,
                })),
                _ => Err(()),
            }
        }
    };

    let mut sen = Vec::new();
    if let Some(n) = f.one("SENhistory") {
        let h = Fields::of(n, "SENhistory", &["SEN"], &["SEN"], v);
        if h.count("SEN") > limits.max_activities {
            v.push(Violation::with(
                "SEN",
                Rule::TooManyEntries,
                "more SEN entries than max_activities",
            ));
        } else {
            for e in h.all("SEN") {
                let s = Fields::of(e, "SEN", &["StartDate", "SENprovision"], &[], v);
                let start = opt_date(&s, "StartDate", v);
                let provision = req(
                    &s,
                    "SENprovision",
                    Rule::InvalidCode,
                    SenProvision::parse,
                    v,
                );
                if let (Ok(start_date), Some(provision)) = (start, provision) {
                    sen.push(SenEntry {
                        start_date,
                        provision,
                    });
                }
            }
        }
    }

    let address = match f.one("Address") {
        None => Some(Address::default()),
        Some(n) => {
            let a = Fields::of(
                n,
                "Address",
                &["AddressLines", "County", "PostCode"],
                &[],
                v,
            );
            let mut lines = Vec::new();
            let mut town = None;
            if let Some(al) = a.one("AddressLines") {
                let lf = Fields::of(al, "AddressLines", &ADDRESS_LINES, &[], v);
                for name in ADDRESS_LINES.iter().take(4) {
                    if let Some(line) = opt_text(&lf, name, max, v) {
                        lines.push(line);
                    }
                }
                town = opt_text(&lf, "AddressLine5", max, v);
            }
            let county = opt_text(&a, "County", max, v);
            let postcode = opt(&a, "PostCode", Rule::InvalidIdentifier, Postcode::parse, v);
            postcode
                .ok()
                .and_then(|pc| Address::new(lines, town, county, pc).ok())
        }
    };

    let mut schools = Vec::new();
    if let Some(n) = f.one("SchoolHistory") {
        let h = Fields::of(n, "SchoolHistory", &["School"], &["School"], v);
        if h.count("School") > limits.max_activities {
            v.push(Violation::with(
                "School",
                Rule::TooManyEntries,
                "more School entries than max_activities",
            ));
        } else {
            for e in h.all("School") {
                let s = Fields::of(
                    e,
                    "School",
                    &["LEA", "Estab", "SchoolName", "EntryDate", "LeavingDate"],
                    &[],
                    v,
                );
                let la = req(&s, "LEA", Rule::InvalidIdentifier, LaCode::parse, v);
                let estab = req(
                    &s,
                    "Estab",
                    Rule::InvalidIdentifier,
                    EstablishmentNumber::parse,
                    v,
                );
                let school_name = opt_text(&s, "SchoolName", max, v);
                let entry = opt_date(&s, "EntryDate", v);
                let leaving = opt_date(&s, "LeavingDate", v);
                if let (Some(la), Some(estab), Ok(entry_date), Ok(leaving_date)) =
                    (la, estab, entry, leaving)
                {
                    schools.push(SchoolEntry {
                        la,
                        estab,
                        school_name,
                        entry_date,
                        leaving_date,
                    });
                }
            }
        }
    }

    if !v.is_empty() {
        return None;
    }
    Some(CtfPupil {
        upn: upn.ok()?,
        uln: uln.ok()?,
        surname: surname?,
        forename: forename?,
        middle_names,
        date_of_birth: dob?,
        gender: gender?,
        ethnicity: eth.ok()?,
        looked_after: looked_after.ok()?,
        sen,
        address: address?,
        schools,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    InRoot,
    InPupilData,
    Done,
}

/// Reads a CTF one pupil at a time.
///
/// As [`crate::nccis::NccisReader`]: [`CtfReader::new`] reads the header
/// (fatal if unusable); iterating yields `Ok(CtfPupil)` or
/// `Err(ReadError::Rejected(..))` per pupil, and a fatal error once, last.
pub struct CtfReader<R> {
    input: XmlInput<R>,
    header: CtfHeader,
    state: State,
    records: u64,
    upns: HashSet<[u8; 13]>,
    ulns: HashSet<u64>,
    tree: Tree,
}

impl<R> std::fmt::Debug for CtfReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CtfReader")
            .field("records", &self.records)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

fn upn_key(u: &Upn) -> [u8; 13] {
    let mut key = [0u8; 13];
    for (k, b) in key.iter_mut().zip(u.as_str().bytes()) {
        *k = b;
    }
    key
}

impl<R: BufRead> CtfReader<R> {
    pub fn new(read: R, limits: Limits) -> Result<Self, FatalError> {
        let mut input = XmlInput::new(read, limits);
        match input.next_top_with(|n| (n == ROOT).then_some(ROOT))? {
            Top::Start(tag) if tag.name.is_some() && !tag.empty => {}
            Top::Start(tag) if tag.name.is_some() => {
                return Err(header_fatal(
                    vec![Violation::new(HEADER, Rule::MissingField)],
                    tag.offset,
                ));
            }
            Top::Start(tag) => {
                return Err(FatalError {
                    kind: FatalKind::Structure {
                        problem: "the root element is not CTfile",
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
        loop {
            match input.next_top(&[HEADER, PUPIL_DATA])? {
                Top::Start(tag) if tag.name == Some(HEADER) => {
                    let mut tree = Tree::default();
                    input.read_subtree(tag, SCHEMA, 256, &mut tree)?;
                    let mut v = Vec::new();
                    return match tree.root().and_then(|node| map_header(node, &mut v)) {
                        Some(header) if v.is_empty() => Ok(CtfReader {
                            input,
                            header,
                            state: State::InRoot,
                            records: 0,
                            upns: HashSet::new(),
                            ulns: HashSet::new(),
                            tree,
                        }),
                        _ => Err(header_fatal(v, tag.offset)),
                    };
                }
                Top::Start(tag) if tag.name.is_none() => input.skip_unknown(tag)?,
                Top::Start(tag) => {
                    return Err(header_fatal(
                        vec![Violation::new(HEADER, Rule::MissingField)],
                        tag.offset,
                    ));
                }
                Top::End | Top::Eof => {
                    return Err(header_fatal(
                        vec![Violation::new(HEADER, Rule::MissingField)],
                        input.position(),
                    ));
                }
            }
        }
    }

    pub fn header(&self) -> &CtfHeader {
        &self.header
    }

    /// Elements outside the subset that were read and discarded.
    pub fn skipped_elements(&self) -> u64 {
        self.input.skipped()
    }

    fn end(
        &mut self,
        mut e: FatalError,
        record: Option<u64>,
    ) -> Option<Result<CtfPupil, ReadError>> {
        self.state = State::Done;
        e.record_index = record;
        Some(Err(ReadError::Fatal(e)))
    }

    fn read_pupil(&mut self, tag: StartTag) -> Result<Result<CtfPupil, RecordReject>, FatalError> {
        let index = self.records;
        self.records += 1;
        let limits = *self.input.limits();
        if limits.max_records.is_some_and(|max| self.records > max) {
            return Err(FatalError {
                kind: FatalKind::Limit {
                    limit: "max_records",
                },
                byte_offset: tag.offset,
                record_index: Some(index),
            });
        }
        self.input
            .read_subtree(tag, SCHEMA, limits.max_elements_per_record, &mut self.tree)
            .map_err(|mut e| {
                e.record_index = Some(index);
                e
            })?;
        let mut v = Vec::new();
        let mapped = self
            .tree
            .root()
            .and_then(|node| map_pupil(node, &limits, &mut v));
        if let Some(pupil) = mapped {
            let upn = pupil.upn.as_ref().map(upn_key);
            let uln = pupil
                .uln
                .as_ref()
                .and_then(|u| u.as_str().parse::<u64>().ok());
            if upn.is_some_and(|k| self.upns.contains(&k)) {
                v.push(Violation::new("UPN", Rule::DuplicateUpn));
            }
            if uln.is_some_and(|k| self.ulns.contains(&k)) {
                v.push(
                    Violation::new("UniqueLearnerNumber", Rule::Nccis(907))
                        .with_outcome(crate::reject::Outcome::Reject),
                );
            }
            if v.is_empty() {
                self.upns.extend(upn);
                self.ulns.extend(uln);
                return Ok(Ok(pupil));
            }
        }
        Ok(Err(RecordReject::from_violations(index, tag.offset, v)
            .unwrap_or(RecordReject {
                record_index: index,
                byte_offset: tag.offset,
                young_persons_id: None,
                field: PUPIL,
                rule: Rule::MissingField,
                outcome: crate::reject::Outcome::Reject,
                message: "pupil could not be read".into(),
                further: Vec::new(),
            })))
    }
}

impl<R: BufRead> Iterator for CtfReader<R> {
    type Item = Result<CtfPupil, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.state {
                State::Done => return None,
                State::InRoot => match self.input.next_top(&[PUPIL_DATA]) {
                    Err(e) => return self.end(e, None),
                    Ok(Top::Start(tag)) if tag.name.is_some() => {
                        if !tag.empty {
                            self.state = State::InPupilData;
                        }
                    }
                    Ok(Top::Start(tag)) => {
                        if let Err(e) = self.input.skip_unknown(tag) {
                            return self.end(e, None);
                        }
                    }
                    Ok(Top::End) => match self.input.next_top(&[]) {
                        Ok(Top::Eof) => {
                            self.state = State::Done;
                            return None;
                        }
                        Ok(_) => {
                            let e = self.input.fatal(FatalKind::Structure {
                                problem: "content after the root element",
                            });
                            return self.end(e, None);
                        }
                        Err(e) => return self.end(e, None),
                    },
                    Ok(Top::Eof) => {
                        let e = self.input.fatal(FatalKind::Xml {
                            problem: "unexpected end of input: the root element is not closed",
                        });
                        return self.end(e, None);
                    }
                },
                State::InPupilData => match self.input.next_top(&[PUPIL]) {
                    Err(e) => return self.end(e, None),
                    Ok(Top::Start(tag)) if tag.name.is_some() => {
                        return match self.read_pupil(tag) {
                            Ok(Ok(p)) => Some(Ok(p)),
                            Ok(Err(r)) => Some(Err(ReadError::Rejected(r))),
                            Err(e) => {
                                let index = e.record_index;
                                self.end(e, index)
                            }
                        };
                    }
                    Ok(Top::Start(tag)) => {
                        if let Err(e) = self.input.skip_unknown(tag) {
                            return self.end(e, None);
                        }
                    }
                    Ok(Top::End) => self.state = State::InRoot,
                    Ok(Top::Eof) => {
                        let e = self.input.fatal(FatalKind::Xml {
                            problem: "unexpected end of input inside CTFpupilData",
                        });
                        return self.end(e, None);
                    }
                },
            }
        }
    }
}
