//! A synthetic return that uses every element and every code-list value of
//! the NCCIS 2015 schema, in records the NCCIS checker accepts.
//!
//! Built on [`super::cohort`] (names, address, identifiers), then each record
//! is shaped by its index so that, over enough records, every value of every
//! code list appears: activity (ACT_VALID of the MI year; 720 only before
//! 2019-20, when it was withdrawn), cohort status, gender, ethnicity,
//! level of need, characteristic, guarantee status (Year 11 and Year 12
//! lists), intended destination, every `LEAType` value (in `EducatedLEA` and
//! `LEACodeAtYear11`), Y and N of every flag. The dates and ages are those
//! the checker rules ask for: academic age 15 for compulsory-age activities,
//! 16-17 after, 19 with an EHC plan for the DWP programme (440); NEETStartDate
//! exactly for NEET codes, PredictedEndDate for education and training,
//! ReviewDate where rule 262 needs one, DueToLapseDate where 243 does;
//! both September Guarantee blocks whenever CohortStatus is G or
//! GuaranteeStatusIndicator is Y.
//!
//! GuaranteeStatus 124 is left out: it is missing from the XSD enumeration,
//! so a file holding it cannot validate against the schema.

use time::{Date, Duration, Month};

use crate::codes::{
    ActivityCode as A, Characteristic as C, CohortStatus, Gender, GuaranteeStatus,
    IntendedDestination, LevelOfNeed, SenProvision, la_list,
};
use crate::dates::add_months;
use crate::ids::{DfeNumber, LaCode, PlaceholderPostcode, Ukprn};
use crate::record::{Activity, GuaranteeBlock, YoungPerson};

const ETHNICITY: [&str; 20] = [
    "WBRI", "WIRI", "WROM", "WOTH", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH",
    "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "OARA", "REFU", "NOBT",
];

/// Records needed for every value to appear at least once (the longest list
/// is `LEAType`, 157 values).
pub const EVERY_VALUE_RECORDS: usize = 160;

/// The start year of the MI year (April-March) holding `period_end`.
fn mi_year(period_end: Date) -> i32 {
    if u8::from(period_end.month()) >= 4 {
        period_end.year()
    } else {
        period_end.year() - 1
    }
}

/// The start year of the academic year (September-August) holding `d`.
fn academic_year(d: Date) -> i32 {
    if u8::from(d.month()) >= 9 {
        d.year()
    } else {
        d.year() - 1
    }
}

fn at(index: usize, len: usize) -> usize {
    index % len.max(1)
}

/// `n` records as of `period_end` for `lead_la` that together use every
/// element and code value (when `n >= EVERY_VALUE_RECORDS`).
pub fn every_element(
    seed: u64,
    n: usize,
    period_end: Date,
    lead_la: LaCode,
) -> impl Iterator<Item = YoungPerson> {
    let mi = mi_year(period_end);
    let activities: Vec<A> = A::ALL
        .iter()
        .copied()
        .filter(|a| mi < 2019 || *a != A::RefugeeAsylumSeeker)
        .collect();
    let english: Vec<LaCode> = la_list::english_las(mi)
        .into_iter()
        .filter(la_list::in_schema_2015)
        .collect();
    let all_las: Vec<LaCode> = la_list::schema_2015_codes().to_vec();
    let shaper = Shaper {
        period_end,
        lead_la: lead_la.clone(),
        activities,
        english,
        all_las,
    };
    super::cohort(seed, n, period_end, lead_la)
        .enumerate()
        .map(move |(i, base)| shaper.shape(i, base))
}

struct Shaper {
    period_end: Date,
    lead_la: LaCode,
    activities: Vec<A>,
    english: Vec<LaCode>,
    all_las: Vec<LaCode>,
}

impl Shaper {
    fn english_la(&self, i: usize) -> LaCode {
        self.english
            .get(at(i, self.english.len()))
            .cloned()
            .unwrap_or_else(|| self.lead_la.clone())
    }

    /// An English LA other than the lead LA.
    fn other_english_la(&self, i: usize) -> LaCode {
        let la = self.english_la(i);
        if la == self.lead_la {
            self.english_la(i + 1)
        } else {
            la
        }
    }

    fn shape(&self, i: usize, mut p: YoungPerson) -> YoungPerson {
        let code = self
            .activities
            .get(at(i, self.activities.len()))
            .copied()
            .unwrap_or(A::NotKnown);
        let compulsory = code.code() < 200;
        let needs_ehc = matches!(
            code,
            A::DwpTrainingAndSupport | A::SpecialPost16Institution | A::SupportedInternship
        );
        // Academic age: 15 in Year 11, 19 for the DWP programme (18+ at its start,
        // with SEND as rule 40 requires from 18), else 16 or 17.
        let academic_age: i32 = if compulsory {
            15
        } else if code == A::DwpTrainingAndSupport {
            19
        } else {
            16 + i32::from(i % 2 == 1)
        };
        // Born in November: the age on the 31 August starting the academic year is
        // AY - birth year - 1.
        let birth_year = academic_year(self.period_end) - academic_age - 1;
        let day = u8::try_from(1 + i % 28).unwrap_or(1);
        p.date_of_birth =
            Date::from_calendar_date(birth_year, Month::November, day).unwrap_or(p.date_of_birth);

        // Cohort status: every value, not in step with the activity.
        let statuses = CohortStatus::ALL;
        p.cohort_status = statuses
            .get(at(i + i / self.activities.len().max(1), statuses.len()))
            .copied()
            .unwrap_or(CohortStatus::Primary);
        p.transferred_to_la =
            (p.cohort_status == CohortStatus::Transferred).then(|| self.other_english_la(i + 7));

        let genders = Gender::ALL;
        p.gender = genders
            .get(at(i, genders.len()))
            .copied()
            .unwrap_or(Gender::NotKnown);
        p.ethnicity = ETHNICITY
            .get(at(i, ETHNICITY.len()))
            .map(|e| (*e).to_owned());
        p.educated_la = self.all_las.get(at(i, self.all_las.len())).cloned();
        p.level_of_need = LevelOfNeed::ALL.get(at(i, LevelOfNeed::ALL.len())).copied();
        p.send = if needs_ehc {
            SenProvision::EhcPlan
        } else {
            SenProvision::ALL
                .get(at(i, SenProvision::ALL.len()))
                .copied()
                .unwrap_or(SenProvision::NoProvision)
        };

        // Characteristics: one of the XSD's list in turn, plus what the activity implies.
        let xsd_chars: Vec<C> = C::ALL
            .iter()
            .copied()
            .filter(|c| c.in_schema_2015())
            .collect();
        let mut chars: Vec<C> = xsd_chars
            .get(at(i, xsd_chars.len()))
            .copied()
            .into_iter()
            .collect();
        chars.extend(match code {
            A::YoungCarer => Some(C::Carer),
            A::TeenageParent => Some(C::ParentCaringForOwnChild),
            A::Pregnancy => Some(C::Pregnant),
            A::RefugeeAsylumSeeker => Some(C::RefugeeAsylumSeeker),
            _ => None,
        });
        chars.sort();
        chars.dedup();
        if chars.contains(&C::Pregnant) {
            p.gender = Gender::Female;
        }
        p.yot_supervised = chars.contains(&C::SupervisedByYot);
        p.characteristics = chars;

        // September Guarantee: both blocks for G and indicator Y, else now and then.
        let indicator = [None, Some(true), Some(false)]
            .get(at(i, 3))
            .copied()
            .flatten();
        p.guarantee_status_indicator = indicator;
        let y11_list: Vec<GuaranteeStatus> = GuaranteeStatus::ALL
            .iter()
            .copied()
            .filter(|g| g.in_schema_2015() && g.valid_for_year_11())
            .collect();
        let y12_list: Vec<GuaranteeStatus> = GuaranteeStatus::ALL
            .iter()
            .copied()
            .filter(|g| g.in_schema_2015())
            .collect();
        let blocks = p.cohort_status == CohortStatus::SeptemberGuarantee
            || indicator == Some(true)
            || i % 3 == 2;
        if blocks {
            let y11_la = self.english_la(i + 3);
            p.september_guarantee.year_11 =
                y11_list.get(at(i, y11_list.len())).map(|s| GuaranteeBlock {
                    status: *s,
                    la: y11_la.clone(),
                });
            p.september_guarantee.year_12 =
                y12_list.get(at(i, y12_list.len())).map(|s| GuaranteeBlock {
                    status: *s,
                    la: self.english_la(i + 5),
                });
            // Rule 25: the Year 11 LA agrees with the guarantee's.
            p.la_at_year_11 = Some(y11_la);
        } else {
            p.september_guarantee = Default::default();
            p.la_at_year_11 = i
                .is_multiple_of(2)
                .then(|| self.all_las.get(at(i + 11, self.all_las.len())).cloned())
                .flatten();
        }
        p.youth_contract_indicator = [None, Some(true), Some(false)]
            .get(at(i + 1, 3))
            .copied()
            .flatten();
        p.youth_contract_start_date = (p.youth_contract_indicator == Some(true))
            .then(|| self.period_end - Duration::days(400));
        p.previous_ypid = i.is_multiple_of(5).then(|| {
            format!(
                "{:03}{:010}",
                self.lead_la.number(),
                5_000_000_000u64 + i as u64
            )
        });
        let destinations = IntendedDestination::ALL;
        p.intended_destination = (academic_age == 15 || i.is_multiple_of(2))
            .then(|| destinations.get(at(i, destinations.len())).copied())
            .flatten();
        if i % 10 == 3 {
            p.placeholder_postcode = PlaceholderPostcode::parse("ZZ99 9ZZ").ok();
            p.address = crate::record::Address::new(
                p.address.lines().to_vec(),
                p.address.town().map(str::to_owned),
                p.address.county().map(str::to_owned),
                None,
            )
            .unwrap_or_default();
        }
        p.establishment_number = None;
        p.ukprn = None;
        p.benefit_registration = None;
        p.care = None;
        p.activities = vec![self.activity(i, code, &p)];
        p
    }

    fn activity(&self, i: usize, code: A, p: &YoungPerson) -> Activity {
        let offset = i64::try_from(i % 30).unwrap_or(0);
        let start = self.period_end - Duration::days(60 + offset);
        let mut a = Activity::new(
            code,
            start,
            start + Duration::days(1),
            start + Duration::days(5),
        );
        let neet = code.is_neet();
        if neet {
            a.neet_start_date = Some(start - Duration::days(10));
        }
        if code.has_planned_end() || (i.is_multiple_of(2) && code.is_eet()) {
            a.predicted_end_date = Some(start + Duration::days(300));
        }
        let needs_review = matches!(
            code,
            A::GapYear
                | A::CustodialInstitutionJuvenile
                | A::TemporaryEmployment
                | A::StartDateAgreedParticipation
                | A::CustodyYoungAdultOffender
        );
        if needs_review || i.is_multiple_of(4) {
            a.review_date = Some(a.date_verified + Duration::days(30));
        }
        let not_known = matches!(
            code,
            A::NotKnown | A::CannotBeContacted | A::RefusedToDisclose
        );
        if !neet && !not_known || i.is_multiple_of(6) {
            // CurrencyLapsed Y now and then: due on PeriodEnd itself.
            a.due_to_lapse_date = if i.is_multiple_of(7) {
                Some(self.period_end)
            } else {
                add_months(a.date_verified, if neet { 3 } else { 6 })
            };
            // Rule 238: not after the course's end.
            if let (Some(due), Some(end)) = (a.due_to_lapse_date, a.predicted_end_date)
                && due > end
            {
                a.due_to_lapse_date = Some(end);
            }
        }
        if compulsory_or_education(code) || i.is_multiple_of(5) {
            let la = p
                .educated_la
                .as_ref()
                .filter(|la| self.english.contains(la));
            let la = la.cloned().unwrap_or_else(|| self.lead_la.clone());
            let estab = 1000 + u16::try_from(i % 9000).unwrap_or(0);
            a.establishment = DfeNumber::parse(&format!("{}{estab:04}", la.as_str())).ok();
            a.establishment_name = Some(format!("Synthetic Academy {estab}"));
        }
        if i.is_multiple_of(3) && !compulsory_or_education(code) || code.code() / 100 == 4 {
            a.ukprn = Ukprn::parse(&format!("1{:07}", 1_000_000 + i % 9_000_000)).ok();
        }
        a
    }
}

fn compulsory_or_education(code: A) -> bool {
    code.code() < 300
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_value_appears() {
        let la = LaCode::parse("886").unwrap();
        let people: Vec<YoungPerson> =
            every_element(5, EVERY_VALUE_RECORDS, date!(2025 - 03 - 31), la).collect();
        let codes: std::collections::BTreeSet<u16> = people
            .iter()
            .flat_map(|p| p.activities.iter().map(|a| a.code.code()))
            .collect();
        assert_eq!(codes.len(), A::ALL.len() - 1, "all but 720 in 2024-25");
        let educated: std::collections::BTreeSet<&LaCode> = people
            .iter()
            .filter_map(|p| p.educated_la.as_ref())
            .collect();
        assert_eq!(educated.len(), la_list::schema_2015_codes().len());
        for status in CohortStatus::ALL {
            assert!(
                people.iter().any(|p| p.cohort_status == *status),
                "{status}"
            );
        }
        for g in Gender::ALL {
            assert!(people.iter().any(|p| p.gender == *g), "{g}");
        }
        for d in IntendedDestination::ALL {
            assert!(people.iter().any(|p| p.intended_destination == Some(*d)));
        }
        for g in GuaranteeStatus::ALL.iter().filter(|g| g.in_schema_2015()) {
            assert!(people.iter().any(|p| {
                p.september_guarantee
                    .year_12
                    .as_ref()
                    .is_some_and(|b| b.status == *g)
            }));
        }
        assert!(people.iter().any(|p| p.placeholder_postcode.is_some()));
        assert!(people.iter().any(|p| p.previous_ypid.is_some()));
        assert!(people.iter().any(|p| p.youth_contract_start_date.is_some()));
        assert!(
            people
                .iter()
                .any(|p| p.activities[0].establishment_name.is_some())
        );
        assert!(people.iter().any(|p| p.activities[0].ukprn.is_some()));
        // In 2018-19, 720 was still valid.
        let la = LaCode::parse("886").unwrap();
        assert!(
            every_element(5, 60, date!(2019 - 03 - 31), la)
                .any(|p| p.activities[0].code == A::RefugeeAsylumSeeker)
        );
    }
}
