//! The CTF writer.

use std::io::Write;

use super::read::{ADDRESS_LINES, HEADER, PUPIL, PUPIL_DATA, ROOT};
use super::{CtfHeader, CtfPupil};
use crate::reject::{CheckerRule as Rule, RecordReject, Violation, WriteError};
use crate::xml::Limits;
use crate::xml::text::{ElementWriter, TextProblem, check_text, date_writable};

/// Writes a CTF: [`CtfWriter::new`] writes the header, [`CtfWriter::write`]
/// one pupil, [`CtfWriter::finish`] closes the file. A pupil whose values
/// could not be read back unchanged (control characters, blank names, text
/// over the limit, duplicate UPN or ULN) is refused before anything of it
/// is written.
pub struct CtfWriter<W: Write> {
    out: ElementWriter<W>,
    limits: Limits,
    attempted: u64,
    upns: std::collections::HashSet<String>,
    ulns: std::collections::HashSet<String>,
}

impl<W: Write> std::fmt::Debug for CtfWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CtfWriter")
            .field("attempted", &self.attempted)
            .finish_non_exhaustive()
    }
}

fn text_violation(field: &'static str, s: &str, max: usize, v: &mut Vec<Violation>) {
    match check_text(s, max) {
        Ok(()) => {}
        Err(TextProblem::Blank) => {
            v.push(Violation::with(field, Rule::MissingField, "value is blank"))
        }
        Err(TextProblem::Control) => v.push(Violation::new(field, Rule::InvalidText)),
        Err(TextProblem::TooLong) => v.push(Violation::new(field, Rule::TextTooLong)),
    }
}

impl<W: Write> CtfWriter<W> {
    pub fn new(out: W, header: &CtfHeader, limits: Limits) -> Result<Self, WriteError> {
        for (field, value) in [
            ("DocumentName", Some(&header.document_name)),
            ("CTFversion", Some(&header.ctf_version)),
            ("SupplierID", Some(&header.supplier_id)),
            ("SchoolName", header.source.school_name.as_ref()),
        ] {
            if let Some(value) = value
                && let Err(p) = check_text(value, 1024)
            {
                return Err(WriteError::Header {
                    field,
                    problem: p.message(),
                });
            }
        }
        if !date_writable(header.date_time.date()) {
            return Err(WriteError::Header {
                field: "DateTime",
                problem: "date outside years 0000-9999",
            });
        }
        if header.source.academic_year.is_some_and(|y| y > 9999) {
            return Err(WriteError::Header {
                field: "AcademicYear",
                problem: "year must be four digits",
            });
        }
        let mut o = ElementWriter::new(out, true);
        o.declaration()?;
        o.open(ROOT)?;
        o.open(HEADER)?;
        o.leaf("DocumentName", &header.document_name)?;
        o.leaf("CTFversion", &header.ctf_version)?;
        let dt = header.date_time;
        o.leaf(
            "DateTime",
            &format!(
                "{}T{:02}:{:02}:{:02}",
                crate::xml::text::format_date(dt.date()),
                dt.hour(),
                dt.minute(),
                dt.second()
            ),
        )?;
        o.leaf("DocumentQualifier", header.document_qualifier.code())?;
        o.leaf("SupplierID", &header.supplier_id)?;
        o.open("SourceSchool")?;
        o.leaf("LEA", header.source.la.as_str())?;
        o.leaf("Estab", header.source.estab.as_str())?;
        o.leaf_opt("SchoolName", header.source.school_name.as_deref())?;
        o.leaf_opt(
            "AcademicYear",
            header
                .source
                .academic_year
                .map(|y| format!("{y:04}"))
                .as_deref(),
        )?;
        o.close("SourceSchool")?;
        o.open("DestSchool")?;
        o.leaf("LEA", header.dest.la.as_str())?;
        o.leaf("Estab", header.dest.estab.as_str())?;
        o.close("DestSchool")?;
        o.close(HEADER)?;
        o.open(PUPIL_DATA)?;
        Ok(CtfWriter {
            out: o,
            limits,
            attempted: 0,
            upns: Default::default(),
            ulns: Default::default(),
        })
    }

    fn check(&self, p: &CtfPupil) -> Vec<Violation> {
        let max = self.limits.max_text_len;
        let mut v = Vec::new();
        text_violation("Surname", &p.surname, max, &mut v);
        text_violation("Forename", &p.forename, max, &mut v);
        if let Some(m) = &p.middle_names {
            text_violation("MiddleNames", m, max, &mut v);
        }
        for (line, field) in p.address.lines().iter().zip(ADDRESS_LINES) {
            text_violation(field, line, max, &mut v);
        }
        if let Some(t) = p.address.town() {
            text_violation("AddressLine5", t, max, &mut v);
        }
        if let Some(c) = p.address.county() {
            text_violation("County", c, max, &mut v);
        }
        if let Some(e) = &p.ethnicity
            && !crate::nccis::layout::ETHNICITY_CODES.contains(&e.as_str())
        {
            v.push(Violation::new("Ethnicity", Rule::InvalidCode));
        }
        for s in &p.schools {
            if let Some(n) = &s.school_name {
                text_violation("SchoolName", n, max, &mut v);
            }
        }
        if p.sen.len() > self.limits.max_activities {
            v.push(Violation::new("SEN", Rule::TooManyEntries));
        }
        if p.schools.len() > self.limits.max_activities {
            v.push(Violation::new("School", Rule::TooManyEntries));
        }
        let dates_ok = date_writable(p.date_of_birth)
            && p.sen.iter().filter_map(|e| e.start_date).all(date_writable)
            && p.schools
                .iter()
                .flat_map(|s| s.entry_date.into_iter().chain(s.leaving_date))
                .all(date_writable);
        if !dates_ok {
            v.push(Violation::with(
                "DOB",
                Rule::DateFormat,
                "a date is outside years 0000-9999",
            ));
        }
        if p.upn
            .as_ref()
            .is_some_and(|u| self.upns.contains(u.as_str()))
        {
            v.push(Violation::new("UPN", Rule::DuplicateUpn));
        }
        if p.uln
            .as_ref()
            .is_some_and(|u| self.ulns.contains(u.as_str()))
        {
            v.push(
                Violation::new("UniqueLearnerNumber", Rule::Nccis(907))
                    .with_outcome(crate::reject::Outcome::Reject),
            );
        }
        v
    }

    /// Check and write one pupil.
    pub fn write(&mut self, p: &CtfPupil) -> Result<(), WriteError> {
        let index = self.attempted;
        self.attempted += 1;
        if let Some(reject) = RecordReject::from_violations(index, 0, self.check(p)) {
            return Err(WriteError::Rejected(reject));
        }
        let o = &mut self.out;
        o.open(PUPIL)?;
        o.leaf_opt("UPN", p.upn.as_ref().map(|u| u.as_str()))?;
        o.leaf_opt("UniqueLearnerNumber", p.uln.as_ref().map(|u| u.as_str()))?;
        o.leaf("Surname", &p.surname)?;
        o.leaf("Forename", &p.forename)?;
        o.date("DOB", p.date_of_birth)?;
        o.leaf("Gender", p.gender.code())?;
        if p.middle_names.is_some() || p.ethnicity.is_some() {
            o.open("BasicDetails")?;
            o.leaf_opt("MiddleNames", p.middle_names.as_deref())?;
            o.leaf_opt("Ethnicity", p.ethnicity.as_deref())?;
            o.close("BasicDetails")?;
        }
        if let Some(la) = &p.looked_after {
            o.open("LookedAfter")?;
            o.leaf("InCare", if la.in_care { "true" } else { "false" })?;
            o.leaf_opt(
                "CareAuthority",
                la.care_authority.as_ref().map(|x| x.as_str()),
            )?;
            o.close("LookedAfter")?;
        }
        if !p.sen.is_empty() {
            o.open("SENhistory")?;
            for e in &p.sen {
                o.open("SEN")?;
                o.date_opt("StartDate", e.start_date)?;
                o.leaf("SENprovision", e.provision.code())?;
                o.close("SEN")?;
            }
            o.close("SENhistory")?;
        }
        let a = &p.address;
        if !a.lines().is_empty()
            || a.town().is_some()
            || a.county().is_some()
            || a.postcode().is_some()
        {
            o.open("Address")?;
            if !a.lines().is_empty() || a.town().is_some() {
                o.open("AddressLines")?;
                for (line, name) in a.lines().iter().zip(ADDRESS_LINES) {
                    o.leaf(name, line)?;
                }
                o.leaf_opt("AddressLine5", a.town())?;
                o.close("AddressLines")?;
            }
            o.leaf_opt("County", a.county())?;
            o.leaf_opt("PostCode", a.postcode().map(|pc| pc.formatted()).as_deref())?;
            o.close("Address")?;
        }
        if !p.schools.is_empty() {
            o.open("SchoolHistory")?;
            for s in &p.schools {
                o.open("School")?;
                o.leaf("LEA", s.la.as_str())?;
                o.leaf("Estab", s.estab.as_str())?;
                o.leaf_opt("SchoolName", s.school_name.as_deref())?;
                o.date_opt("EntryDate", s.entry_date)?;
                o.date_opt("LeavingDate", s.leaving_date)?;
                o.close("School")?;
            }
            o.close("SchoolHistory")?;
        }
        o.close(PUPIL)?;
        if let Some(u) = &p.upn {
            self.upns.insert(u.as_str().to_owned());
        }
        if let Some(u) = &p.uln {
            self.ulns.insert(u.as_str().to_owned());
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<W, WriteError> {
        self.out.close(PUPIL_DATA)?;
        self.out.close(ROOT)?;
        self.out.out.flush()?;
        Ok(self.out.out)
    }
}
