//! What the writer checks beyond the NCCIS rules (`checker`): that every
//! value can be written in a form the reader accepts back unchanged.

use std::collections::HashSet;

use gateway_domain::YoungPerson;

use super::layout as l;
use crate::reject::{CheckerRule as R, Violation};
use crate::xml::text::{TextProblem, check_text, date_writable};

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
