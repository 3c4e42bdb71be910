//! Assembles one synthetic young person from the generator's stream.

use time::{Date, Month};

use super::activity::{choose_code, dated, days_before, previous_school};
use super::prng::SplitMix64;
use super::{ids, names};
use crate::codes::{
    ActivityCode as A, Characteristic as C, CohortStatus, Gender, InTouch, LevelOfNeed,
    SenProvision,
};
use crate::ids::{CcisId, DfeNumber, EstablishmentNumber, LaCode, Postcode, Ukprn};
use crate::record::{
    Address, BenefitRegistration, CareLeaverStatus, SeptemberGuarantee, YoungPerson,
};

/// What twins share.
#[derive(Clone)]
pub(crate) struct Household {
    family_name: &'static str,
    date_of_birth: Date,
    age: u32,
    address: Address,
    ethnicity: Option<&'static str>,
}

pub(crate) struct PersonFactory {
    today: Date,
    lead_la: LaCode,
    /// Another LA for transfers, Year 11 elsewhere, out-of-area education.
    /// Derived, not looked up: the list of real LA codes is data, not code.
    neighbour_la: LaCode,
}

/// Ages 13-19 as in the CCIS cohort, plus 20-24s (who stay only with SEND).
const AGES: &[(u32, u32)] = &[
    (140, 13),
    (140, 14),
    (140, 15),
    (150, 16),
    (150, 17),
    (130, 18),
    (100, 19),
    (15, 20),
    (12, 21),
    (10, 22),
    (8, 23),
    (5, 24),
];

impl PersonFactory {
    pub(crate) fn new(today: Date, lead_la: LaCode) -> Self {
        let mut n = (lead_la.number() + 1) % 1000;
        if n == 4 {
            n = 5; // 004 is "unknown", never a transfer destination.
        }
        let neighbour_la = LaCode::from_number(n).unwrap_or_else(LaCode::unknown);
        PersonFactory {
            today,
            lead_la,
            neighbour_la,
        }
    }

    pub(crate) fn person(
        &self,
        rng: &mut SplitMix64,
        index: u64,
        twin_of: Option<Household>,
    ) -> Option<(YoungPerson, Household)> {
        // The id space bounds the cohort: 10^10 - 1 people per DatabaseID.
        let ccis_id = CcisId::from_parts(self.lead_la.number(), index.checked_add(1)?)?;
        let household = match twin_of {
            Some(h) => h,
            None => self.household(rng),
        };
        let age = household.age;
        let gender = rng
            .weighted(&[
                (490, Gender::Male),
                (490, Gender::Female),
                (20, Gender::NotKnown),
            ])
            .unwrap_or(Gender::NotKnown);
        let given = match gender {
            Gender::Male => rng.pick(names::GIVEN_MALE),
            Gender::Female => rng.pick(names::GIVEN_FEMALE),
            Gender::NotKnown | Gender::Withheld => {
                let list = if rng.chance(500) {
                    names::GIVEN_MALE
                } else {
                    names::GIVEN_FEMALE
                };
                rng.pick(list)
            }
        };
        let middle = rng
            .chance(200)
            .then(|| rng.pick(names::GIVEN_FEMALE).to_owned());
        let send = if age >= 20 {
            SenProvision::EhcPlan
        } else {
            rng.weighted(&[
                (850, SenProvision::NoProvision),
                (120, SenProvision::SenSupport),
                (30, SenProvision::EhcPlan),
            ])
            .unwrap_or(SenProvision::NoProvision)
        };

        let mut code = choose_code(rng, age);
        if code == A::Pregnancy && gender != Gender::Female {
            code = A::Illness;
        }
        let lapsed = rng.chance(70);
        let current = dated(rng, code, self.today, lapsed);
        let mut activities = Vec::new();
        if (16..=19).contains(&age) && rng.chance(500) {
            activities.push(previous_school(rng, current.start_date));
        }
        let current_start = current.start_date;
        // LevelOfNeedCode is required by the NCCIS schema: minimum intervention unless the
        // activity says more.
        let level_of_need = current.level_of_need.or(Some(LevelOfNeed::Minimum));
        activities.push(current);

        let characteristics = self.characteristics(rng, age, gender, code);
        let has = |c: C| characteristics.contains(&c);
        let care = has(C::CareLeaver).then(|| CareLeaverStatus {
            in_touch: rng
                .weighted(&[
                    (850, InTouch::Yes),
                    (50, InTouch::No),
                    (30, InTouch::Refused),
                    (50, InTouch::NotRequired),
                    (20, InTouch::ReturnedHome),
                ])
                .unwrap_or(InTouch::Yes),
            contact_date: Some(days_before(self.today, rng.between(0, 90))),
            responsible_la: rng.chance(100).then(|| self.neighbour_la.clone()),
        });
        let benefit_registration = ((16..=17).contains(&age)
            && code == A::SeekingEet
            && rng.chance(500))
        .then_some(BenefitRegistration {
            registered_on: current_start,
        });
        let transferred = rng.chance(5);
        let estab = u16::try_from(1000 + (index / 1000) % 9000).unwrap_or(1000);

        let person = YoungPerson {
            ccis_id,
            upn: rng
                .chance(970)
                .then(|| ids::upn(&self.lead_la, self.today, index, age, estab))
                .flatten(),
            uln: (age >= 14 && rng.chance(920))
                .then(|| ids::uln(index))
                .flatten(),
            nino: (age >= 16 && rng.chance(950))
                .then(|| ids::nino(rng, index))
                .flatten(),
            nhs_number: rng.chance(980).then(|| ids::nhs_number(index)).flatten(),
            given_name: given.to_owned(),
            middle_name: middle,
            family_name: household.family_name.to_owned(),
            gender,
            date_of_birth: household.date_of_birth,
            address: household.address.clone(),
            lead_la: self.lead_la.clone(),
            la_at_year_11: (age >= 16).then(|| {
                if rng.chance(950) {
                    self.lead_la.clone()
                } else {
                    self.neighbour_la.clone()
                }
            }),
            cohort_status: if transferred {
                CohortStatus::Transferred
            } else {
                CohortStatus::Primary
            },
            transferred_to_la: transferred.then(|| self.neighbour_la.clone()),
            // NCCIS requires both (XSD): "information not obtained" is itself a code.
            ethnicity: Some(household.ethnicity.unwrap_or("NOBT").to_owned()),
            educated_la: Some(if rng.chance(40) {
                self.neighbour_la.clone()
            } else {
                self.lead_la.clone()
            }),
            send,
            yot_supervised: has(C::SupervisedByYot),
            characteristics,
            level_of_need,
            activities,
            benefit_registration,
            care,
            establishment_number: matches!(code, A::RegisteredAtSchool | A::SchoolSixthForm)
                .then(|| EstablishmentNumber::from_number(estab))
                .flatten(),
            ukprn: (matches!(
                code,
                A::SixthFormCollege
                    | A::FurtherEducation
                    | A::Apprenticeship
                    | A::FundedWorkBasedLearning
            ) && rng.chance(700))
            .then(|| Ukprn::parse(&format!("1{:07}", rng.below(10_000_000))).ok())
            .flatten(),
            placeholder_postcode: None,
            september_guarantee: SeptemberGuarantee::default(),
            guarantee_status_indicator: None,
            youth_contract_indicator: None,
            youth_contract_start_date: None,
            previous_ypid: None,
            intended_destination: None,
            leaving_reported_in: None,
        };
        // The current activity holds where it happens, as NCCIS's Cohort does.
        let mut person = person;
        let la = person
            .educated_la
            .clone()
            .unwrap_or_else(|| person.lead_la.clone());
        let (estab, provider) = (person.establishment_number.clone(), person.ukprn.clone());
        if let Some(current) = person.activities.last_mut() {
            current.establishment = estab.map(|e| DfeNumber::from_parts(&la, &e));
            current.ukprn = provider;
        }
        Some((person, household))
    }

    fn household(&self, rng: &mut SplitMix64) -> Household {
        let age = rng.weighted(AGES).unwrap_or(16);
        let year = self.today.year() - i32::try_from(age).unwrap_or(16);
        let month: Month = self.today.month();
        let anniversary =
            Date::from_calendar_date(year, month, self.today.day().min(month.length(year)))
                .unwrap_or(self.today);
        let (town, county, outwards) = rng.pick(names::PLACES);
        let inward_letter = |rng: &mut SplitMix64| char::from(rng.pick(names::INWARD_LETTERS));
        let postcode = format!(
            "{}{}{}{}",
            rng.pick(outwards),
            rng.below(10),
            inward_letter(rng),
            inward_letter(rng)
        );
        let mut lines = Vec::new();
        if rng.chance(150) {
            lines.push(rng.pick(names::FLAT_PREFIXES).to_owned());
        }
        lines.push(format!(
            "{} {}",
            rng.between(1, 180),
            rng.pick(names::STREETS)
        ));
        Household {
            family_name: rng.pick(names::FAMILY),
            date_of_birth: days_before(anniversary, rng.between(0, 364)),
            age,
            address: Address::new(
                lines,
                Some(town.to_owned()),
                Some(county.to_owned()),
                Postcode::parse(&postcode).ok(),
            )
            .unwrap_or_default(),
            ethnicity: rng
                .chance(970)
                .then(|| rng.weighted(names::ETHNICITY))
                .flatten(),
        }
    }

    /// Characteristics at realistic low rates, plus those the activity
    /// implies under the NCCIS checker (620⇒140, 630⇒120, 650⇒180, 720⇒130).
    fn characteristics(&self, rng: &mut SplitMix64, age: u32, gender: Gender, code: A) -> Vec<C> {
        let mut out = Vec::new();
        let mut maybe = |cond: bool, per_mille: u32, c: C, rng: &mut SplitMix64| {
            if cond && rng.chance(per_mille) {
                out.push(c);
            }
        };
        maybe(age < 18, 8, C::LookedAfter, rng);
        maybe(age >= 16, 15, C::CareLeaver, rng);
        maybe(age <= 17, 8, C::SupervisedByYot, rng);
        maybe(true, 30, C::MentalHealth, rng);
        maybe(age >= 14, 5, C::SubstanceMisuse, rng);
        maybe(true, 10, C::Carer, rng);
        maybe(age >= 16, 8, C::ParentCaringForOwnChild, rng);
        maybe(age >= 16, 2, C::ParentNotCaringForOwnChild, rng);
        maybe(gender == Gender::Female && age >= 15, 5, C::Pregnant, rng);
        maybe(true, 5, C::RefugeeAsylumSeeker, rng);
        maybe(age < 16, 10, C::AlternativeProvision, rng);
        match code {
            A::YoungCarer => out.push(C::Carer),
            A::TeenageParent => out.push(C::ParentCaringForOwnChild),
            A::Pregnancy => out.push(C::Pregnant),
            A::RefugeeAsylumSeeker => out.push(C::RefugeeAsylumSeeker),
            _ => {}
        }
        out.sort();
        out.dedup();
        // A looked-after child is not yet a care leaver.
        if out.contains(&C::LookedAfter) {
            out.retain(|c| *c != C::CareLeaver);
        }
        out
    }
}
