//! The NCCIS checker rules, applied to a canonical record in the context of
//! a file header. The reader runs them on every record it parsed; the writer
//! runs them before writing, so it never produces a return the reader (or
//! the NCCIS checker) would refuse.

use std::collections::{HashMap, HashSet};

use gateway_domain::{ActivityCode, Characteristic, CohortStatus, Gender, YoungPerson};
use time::{Date, Month};

use super::FileHeader;
use super::layout as l;
use crate::reject::{CheckerRule as R, Violation};
use crate::xml::text::{TextProblem, check_text, date_writable};

/// Which day ages are measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgeReference {
    /// Academic age: age on the 31 August before the academic year that
    /// contains PeriodEnd (the latest 31 August strictly before PeriodEnd).
    /// Seed 004: "young people NEET counted by academic age"; the NCCIS
    /// checker's age errors 9 and 10 compare the date of birth with
    /// 31 August / 1 September of the collection year.
    #[default]
    AcademicYearStart,
    /// Age on PeriodEnd itself.
    PeriodEnd,
}

/// The age rules' parameters. Defaults follow the seeds and the NCCIS checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckerConfig {
    pub age_reference: AgeReference,
    /// Youngest age in the return. Default 15 (NCCIS error 10).
    pub min_age: u32,
    /// Oldest age in the return, inclusive. Default 24: support lasts "until
    /// they reach their 25th birthday" (seed 000), and NCCIS error 9 rejects
    /// a 25th birthday on or before the reference date.
    pub max_age: u32,
    /// From this age the record must have SEND. Default 20.
    pub send_required_from_age: u32,
    /// Activity 440 may only start on or after this birthday. Default 18
    /// (NCCIS error 253: "not for 16-17s").
    pub dwp_programme_min_age: u32,
}

impl Default for CheckerConfig {
    fn default() -> Self {
        CheckerConfig {
            age_reference: AgeReference::AcademicYearStart,
            min_age: 15,
            max_age: 24,
            send_required_from_age: 20,
            dwp_programme_min_age: 18,
        }
    }
}

/// The day ages are measured on for a return ending `period_end`.
pub fn reference_date(period_end: Date, reference: AgeReference) -> Date {
    match reference {
        AgeReference::PeriodEnd => period_end,
        AgeReference::AcademicYearStart => {
            let year = if u8::from(period_end.month()) >= 9 {
                period_end.year()
            } else {
                period_end.year() - 1
            };
            Date::from_calendar_date(year, Month::August, 31).unwrap_or(period_end)
        }
    }
}

/// The characteristic an activity code implies (620⇒140, 630⇒120,
/// 650⇒180, 720⇒130), with the rule that enforces it.
fn implied(code: ActivityCode) -> Option<(Characteristic, R)> {
    match code {
        ActivityCode::YoungCarer => {
            Some((Characteristic::Carer, R::YoungCarerWithoutCharacteristic))
        }
        ActivityCode::TeenageParent => Some((
            Characteristic::ParentCaringForOwnChild,
            R::TeenageParentWithoutCharacteristic,
        )),
        ActivityCode::Pregnancy => {
            Some((Characteristic::Pregnant, R::PregnancyWithoutCharacteristic))
        }
        ActivityCode::RefugeeAsylumSeeker => Some((
            Characteristic::RefugeeAsylumSeeker,
            R::RefugeeWithoutCharacteristic,
        )),
        _ => None,
    }
}

/// Apply the record-level checker rules.
///
/// `lapsed` holds the CurrencyLapsed flag of each activity as read from a
/// file (`None` when checking a record to be written: the writer derives the
/// flag from DueToLapseDate, so it always agrees).
///
/// Which activity a rule looks at: date rules, the NEET rules, CurrencyLapsed
/// and 440 (which depends on the activity's own start date) apply to every
/// activity; the characteristic implications apply to the current activity
/// ([`YoungPerson::current_activity`]), because characteristics describe the
/// young person now (a past pregnancy activity does not make them pregnant).
pub(crate) fn check_record(
    p: &YoungPerson,
    lapsed: Option<&[bool]>,
    header: &FileHeader,
    config: &CheckerConfig,
    v: &mut Vec<Violation>,
) {
    // YoungPersonsID = DatabaseID + local id.
    let db_ok = p
        .ccis_id
        .database_id()
        .parse::<u16>()
        .is_ok_and(|db| header.database_ids.contains(&db));
    if !db_ok {
        v.push(Violation::new(l::YOUNG_PERSONS_ID, R::DatabaseIdMismatch));
    }

    // Transfers.
    match (&p.cohort_status, &p.transferred_to_la) {
        (CohortStatus::Transferred, None) => {
            v.push(Violation::new(
                l::TRANSFERRED_TO,
                R::TransferWithoutDestination,
            ));
        }
        (_, Some(to)) => {
            if to.is_unknown() {
                v.push(Violation::new(l::TRANSFERRED_TO, R::TransferToUnknownLa));
            }
            if *to == p.lead_la {
                v.push(Violation::new(l::TRANSFERRED_TO, R::TransferToLeadLa));
            }
        }
        _ => {}
    }

    // Activities.
    for (i, a) in p.activities.iter().enumerate() {
        let n = i + 1;
        let at =
            |rule: R| Violation::with("", rule, format!("{} (activity {n})", rule.description()));
        let field = |mut viol: Violation, f: &'static str| {
            viol.field = f;
            viol
        };
        match (a.code.is_neet(), a.neet_start_date) {
            (true, None) => v.push(field(at(R::NeetStartDateMissing), l::NEET_START)),
            (false, Some(_)) => v.push(field(at(R::NeetStartDateNotNeet), l::NEET_START)),
            (true, Some(neet)) if neet > a.start_date => {
                v.push(field(at(R::NeetStartDateAfterStart), l::NEET_START));
            }
            _ => {}
        }
        if a.date_ascertained > a.date_verified {
            v.push(field(at(R::AscertainedAfterVerified), l::DATE_ASCERTAINED));
        }
        if a.start_date > a.date_verified {
            v.push(field(at(R::StartAfterVerified), l::START_DATE));
        }
        if let Some(flag) = lapsed.and_then(|flags| flags.get(i)) {
            match (*flag, a.due_to_lapse_date) {
                (true, None) => v.push(field(at(R::LapsedNotDue), l::CURRENCY_LAPSED)),
                (true, Some(due)) if due > header.period_end => {
                    v.push(field(at(R::LapsedNotDue), l::CURRENCY_LAPSED));
                }
                (false, Some(due)) if due < header.period_end => {
                    v.push(field(at(R::DueNotLapsed), l::CURRENCY_LAPSED));
                }
                _ => {}
            }
        }
        if a.code == ActivityCode::DwpTrainingAndSupport
            && p.age_on(a.start_date)
                .is_none_or(|age| age < config.dwp_programme_min_age)
        {
            v.push(field(at(R::DwpProgrammeUnder18), l::ACTIVITY_CODE));
        }
    }

    if let Some(current) = p.current_activity()
        && let Some((needed, rule)) = implied(current.code)
        && !p.has_characteristic(needed)
    {
        v.push(Violation::new(l::CHARACTERISTIC_CODE, rule));
    }

    if p.gender == Gender::Male && p.has_characteristic(Characteristic::Pregnant) {
        v.push(Violation::new(l::CHARACTERISTIC_CODE, R::PregnantMale));
    }

    // Ages.
    let on = reference_date(header.period_end, config.age_reference);
    match p.age_on(on) {
        None => v.push(Violation::new(l::DOB, R::TooYoung)),
        Some(age) if age < config.min_age => v.push(Violation::new(l::DOB, R::TooYoung)),
        Some(age) if age > config.max_age => v.push(Violation::new(l::DOB, R::TooOld)),
        Some(age) if age >= config.send_required_from_age && !p.send.has_send() => {
            v.push(Violation::new(l::SEND_FLAG, R::AdultWithoutSend));
        }
        Some(_) => {}
    }
}

/// What the writer checks beyond the rules: that every value can be written
/// in a form the reader accepts back unchanged.
pub(crate) fn check_writable(
    p: &YoungPerson,
    max_text_len: usize,
    max_activities: usize,
    v: &mut Vec<Violation>,
) {
    let text =
        |field: &'static str, s: &str, v: &mut Vec<Violation>| match check_text(s, max_text_len) {
            Ok(()) => {}
            Err(TextProblem::Blank) => {
                v.push(Violation::with(field, R::MissingField, "value is blank"))
            }
            Err(TextProblem::Control) => v.push(Violation::new(field, R::InvalidText)),
            Err(TextProblem::TooLong) => v.push(Violation::new(field, R::TextTooLong)),
        };
    text(l::GIVEN_NAME, &p.given_name, v);
    text(l::FAMILY_NAME, &p.family_name, v);
    if let Some(m) = &p.middle_name {
        text(l::MIDDLE_NAME, m, v);
    }
    for (line, field) in p.address.lines().iter().zip(l::ADDRESS_LINES) {
        text(field, line, v);
    }
    if let Some(t) = p.address.town() {
        text(l::TOWN, t, v);
    }
    if let Some(c) = p.address.county() {
        text(l::COUNTY, c, v);
    }
    if let Some(e) = &p.ethnicity
        && !l::ETHNICITY_CODES.contains(&e.as_str())
    {
        v.push(Violation::new(l::ETHNICITY, R::InvalidCode));
    }
    let mut seen = HashSet::new();
    if p.characteristics.iter().any(|c| !seen.insert(*c)) {
        v.push(Violation::new(l::CHARACTERISTIC_CODE, R::DuplicateElement));
    }
    if p.activities.len() > max_activities {
        v.push(Violation::new(l::ACTIVITY, R::TooManyEntries));
    }
    let dates_ok = date_writable(p.date_of_birth)
        && p.activities.iter().all(|a| {
            [a.start_date, a.date_ascertained, a.date_verified]
                .into_iter()
                .chain(a.review_date)
                .chain(a.due_to_lapse_date)
                .chain(a.neet_start_date)
                .chain(a.predicted_end_date)
                .all(date_writable)
        });
    if !dates_ok {
        v.push(Violation::with(
            l::DOB,
            R::DateFormat,
            "a date is outside years 0000-9999",
        ));
    }
}

/// File-wide uniqueness of YoungPersonsID and ULN. Both identifiers are
/// decimal numbers of at most 13 digits, so each is kept as a `u64`: exact
/// (no hash collisions) and 8 bytes per record. Only accepted records are
/// remembered, so a rejected record never blocks a later valid one.
#[derive(Debug, Default)]
pub(crate) struct Uniqueness {
    ids: HashSet<u64>,
    ulns: HashMap<u64, u64>,
}

impl Uniqueness {
    /// Check `p` against the records accepted so far.
    pub(crate) fn check(&self, p: &YoungPerson, v: &mut Vec<Violation>) {
        if let Ok(id) = p.ccis_id.as_str().parse::<u64>()
            && self.ids.contains(&id)
        {
            v.push(Violation::new(
                l::YOUNG_PERSONS_ID,
                R::DuplicateYoungPersonsId,
            ));
        }
        if let Some(uln) = &p.uln
            && let Ok(n) = uln.as_str().parse::<u64>()
            && let Some(first) = self.ulns.get(&n)
        {
            v.push(Violation::with(
                l::ULN,
                R::DuplicateUln,
                format!(
                    "{} (first seen in record {first})",
                    R::DuplicateUln.description()
                ),
            ));
        }
    }

    /// Remember an accepted record.
    pub(crate) fn accept(&mut self, p: &YoungPerson, record_index: u64) {
        if let Ok(id) = p.ccis_id.as_str().parse::<u64>() {
            self.ids.insert(id);
        }
        if let Some(uln) = &p.uln
            && let Ok(n) = uln.as_str().parse::<u64>()
        {
            self.ulns.entry(n).or_insert(record_index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn academic_reference_date() {
        let r = |d| reference_date(d, AgeReference::AcademicYearStart);
        assert_eq!(r(date!(2015 - 09 - 01)), date!(2015 - 08 - 31));
        assert_eq!(r(date!(2016 - 08 - 31)), date!(2015 - 08 - 31));
        assert_eq!(r(date!(2016 - 03 - 31)), date!(2015 - 08 - 31));
        assert_eq!(r(date!(2015 - 12 - 31)), date!(2015 - 08 - 31));
        assert_eq!(
            reference_date(date!(2016 - 03 - 31), AgeReference::PeriodEnd),
            date!(2016 - 03 - 31)
        );
    }
}
