//! The NCCIS checker: the 82 numbered rules of the 2019-20 MI Requirement
//! (`nccis-checker.md` §4), run on every record the reader reads and every
//! record the writer writes, so an exported return passes the import's own
//! checker.
//!
//! - [`table`]: each rule's number, priority, element, outcome and words (data).
//! - [`codes`]: the code lists and LA list, keyed by MI year (from PeriodEnd).
//! - [`raw`]: the record as text, built from the XML tree or a canonical record.
//! - one file per rule group: [`personal`] (1-43, 903, 904), [`guarantee`]
//!   (25, 27, 261, 905, 906), [`need`] (100-104), [`activity`] (200-262),
//!   [`destination`] (301-305), [`file`] (902, 907, 908: across records).
//!
//! The rules see values as written (trimmed; absent when empty), with the
//! three-valued logic of §0.3: a test on an absent value is false, absence
//! is reported only by the "missing" rules. Dates that are present but not
//! `yyyy-mm-dd` are absent for every comparison (244 and 258 report them for
//! their fields; for the other date fields the reader reports GW-008).
//!
//! Priority decides the outcome ([`Outcome`], a column of the table): a
//! record that breaks a priority 1 rule is not imported; any other is
//! imported with a warning, without the value when the canonical record
//! cannot hold it. An optional identifier (ULN, UPN, UKPRN) that fails is
//! dropped, never the young person.

pub(crate) mod activity;
pub mod codes;
pub(crate) mod destination;
pub(crate) mod file;
pub(crate) mod guarantee;
pub(crate) mod need;
pub(crate) mod personal;
pub(crate) mod raw;
pub mod table;

use time::Date;

use gateway_domain::YoungPerson;

use super::FileHeader;
use crate::reject::{CheckerRule, Violation};
use crate::xml::text::parse_date;
use codes::RuleSet;
use raw::{RawActivity, RawRecord};
pub use table::Outcome;

/// The rules' parameters that the reference leaves open (§9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckerConfig {
    /// Rule 9 raises above this academic age. Default 25 (the rule's
    /// description, and C's SQL; the explanation would make it 24).
    pub max_academic_age: i32,
}

impl Default for CheckerConfig {
    fn default() -> Self {
        CheckerConfig {
            max_academic_age: 25,
        }
    }
}

/// What every record of one file is checked against.
#[derive(Debug, Clone)]
pub struct FileContext {
    pub period_end: Date,
    pub database_ids: Vec<u16>,
    pub source_las: Vec<u16>,
    pub rules: RuleSet,
    pub config: CheckerConfig,
}

impl FileContext {
    pub fn new(header: &FileHeader, config: CheckerConfig) -> FileContext {
        FileContext {
            period_end: header.period_end,
            database_ids: header.database_ids.clone(),
            source_las: header.source_las.iter().map(|la| la.number()).collect(),
            rules: RuleSet::for_period_end(header.period_end),
            config,
        }
    }
}

/// The start year of the academic year (September-August) holding `d`.
pub fn academic_year_of(d: Date) -> i32 {
    if u8::from(d.month()) >= 9 {
        d.year()
    } else {
        d.year() - 1
    }
}

/// Academic age: age on 31 August at the start of the academic year
/// holding `period_end` (§3.1).
pub fn academic_age(dob: Date, period_end: Date) -> i32 {
    academic_year_of(period_end) - dob.year() - i32::from(u8::from(dob.month()) >= 9)
}

/// The `n`th birthday (29 February falls on 1 March in common years).
pub(crate) fn birthday(dob: Date, n: i32) -> Option<Date> {
    gateway_domain::dates::birthday_in(dob, dob.year().checked_add(n)?)
}

/// A date value: `None` when absent or not `yyyy-mm-dd`.
pub(crate) fn date(t: &raw::Text<'_>) -> Option<Date> {
    t.as_deref().and_then(parse_date)
}

/// Findings for one record; each rule at most once (§0.3.5).
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub list: Vec<Violation>,
}

impl Findings {
    pub(crate) fn raise(&mut self, number: u16) {
        let rule = CheckerRule::Nccis(number);
        if !self.list.iter().any(|v| v.rule == rule) {
            self.list.push(Violation::nccis(number));
        }
    }

    pub(crate) fn raise_if(&mut self, condition: bool, number: u16) {
        if condition {
            self.raise(number);
        }
    }
}

/// The activity NCCIS reads: a return has one `Cohort`; in the gateway's own
/// layout (a history) the latest by StartDate, then DateVerified, then the
/// later entry, as [`gateway_domain::YoungPerson::current_activity`] picks.
pub(crate) fn current<'r, 'a>(r: &'r RawRecord<'a>) -> Option<&'r RawActivity<'a>> {
    r.activities
        .iter()
        .max_by_key(|a| (date(&a.start), date(&a.verified)))
}

/// Run every record-level rule (not the 900s across records) on `r`.
pub(crate) fn check_record(r: &RawRecord<'_>, ctx: &FileContext, out: &mut Findings) {
    let dob = date(&r.dob);
    let aa = dob.map(|d| academic_age(d, ctx.period_end));
    personal::check(r, ctx, aa, out);
    need::check(r, ctx, out);
    activity::check(r, ctx, dob, aa, out);
    destination::check(r, ctx, aa, out);
    guarantee::check(r, ctx, aa, out);
}

/// One list of a record's problems: the numbered findings first, then the
/// gateway's own. A gateway check on an element a numbered rule already
/// reports is left out, so the report speaks NCCIS's terms, unless it is the
/// more serious of the two (an LA code that is not a code at all is left out
/// of the record although rule 19 only warns).
pub(crate) fn merge(all: Vec<Violation>) -> Vec<Violation> {
    let numbered: Vec<(&'static str, u8)> = all
        .iter()
        .filter(|v| v.rule.nccis().is_some())
        .map(|v| (v.field, severity(v.outcome)))
        .collect();
    let mut out: Vec<Violation> = Vec::with_capacity(all.len());
    let (mut ours, theirs): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|v| v.rule.nccis().is_none());
    out.extend(theirs);
    ours.retain(|g| {
        // Only the gateway's checks of a value's form say what a numbered rule says;
        // structure (text too long, control characters, nesting) is another problem.
        let same_kind = matches!(
            g.rule,
            CheckerRule::MissingField
                | CheckerRule::InvalidCode
                | CheckerRule::InvalidIdentifier
                | CheckerRule::DateFormat
        );
        !same_kind
            || !numbered
                .iter()
                .any(|(field, sev)| *field == g.field && *sev >= severity(g.outcome))
    });
    out.extend(ours);
    out
}

/// Reject > the value left out > a warning.
fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Reject => 2,
        Outcome::Drop => 1,
        Outcome::Warn => 0,
    }
}

/// Take out of an imported record the values its numbered warnings left
/// out (the `Drop` rules of the table): what the record holds is then only
/// what NCCIS would accept.
pub(crate) fn leave_out_dropped(p: &mut YoungPerson, warnings: &[Violation]) {
    for w in warnings {
        let (CheckerRule::Nccis(n), Outcome::Drop) = (w.rule, w.outcome) else {
            continue;
        };
        match n {
            5 => p.gender = gateway_domain::Gender::NotKnown,
            7 => p.ethnicity = None,
            30 | 907 => p.uln = None,
            38 => p.upn = None,
            39 => {
                p.ukprn = None;
                for a in &mut p.activities {
                    a.ukprn = None;
                }
            }
            101 => p.level_of_need = None,
            102 => p.send = gateway_domain::SenProvision::NoProvision,
            302 => p.intended_destination = None,
            // 104, 244, 304: the mapping never takes a value outside the list. 19, 24
            // and 43 keep a value the record can hold (a former LA code, a postcode
            // without its space); one it cannot hold the mapping leaves out (GW-009).
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn academic_age_follows_the_reference_examples() {
        // nccis-checker.md §3.1.
        assert_eq!(
            academic_age(date!(2003 - 05 - 10), date!(2019 - 04 - 30)),
            15
        );
        assert_eq!(
            academic_age(date!(2003 - 09 - 01), date!(2019 - 04 - 30)),
            14
        );
        assert_eq!(
            academic_age(date!(2003 - 05 - 10), date!(2019 - 09 - 30)),
            16
        );
        assert_eq!(
            academic_age(date!(1993 - 08 - 31), date!(2019 - 05 - 31)),
            25
        );
        assert_eq!(
            birthday(date!(2004 - 02 - 29), 15),
            Some(date!(2019 - 03 - 01))
        );
    }
}
