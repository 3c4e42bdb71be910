//! Realistic activity mixes by age, and a consistent activity history.
//!
//! Weights are per mille and loosely follow published NCCIS national
//! figures: around 6% NEET and 3-5% not known at 16-17, more NEET and
//! employment at 18-19, and mostly specialist provision for 20-24s with SEND.

use time::{Date, Duration};

use super::prng::SplitMix64;
use crate::codes::{ActivityCode as A, LevelOfNeed};
use crate::currency::CurrencyWindows;
use crate::dates::add_months;
use crate::record::Activity;

const PRE_16: &[(u32, A)] = &[
    (950, A::RegisteredAtSchool),
    (20, A::EducatedAtHome),
    (12, A::NotRegisteredAtSchool),
    (15, A::NotKnownPre16),
    (3, A::CustodialSentence),
];

const AGE_16_17: &[(u32, A)] = &[
    (300, A::SchoolSixthForm),
    (100, A::SixthFormCollege),
    (300, A::FurtherEducation),
    (10, A::PartTimeEducation),
    (10, A::OtherFullTimeEducation),
    (10, A::SpecialPost16Institution),
    (2, A::CustodialInstitutionJuvenile),
    (70, A::Apprenticeship),
    (20, A::EmploymentWithTraining),
    (15, A::EmploymentWithoutTraining),
    (5, A::PartTimeEmployment),
    (20, A::FundedWorkBasedLearning),
    (10, A::Traineeship),
    (5, A::SupportedInternship),
    (10, A::ReEngagementProvision),
    (10, A::NotYetReady),
    (5, A::StartDateAgreedOther),
    (5, A::StartDateAgreedParticipation),
    (30, A::SeekingEet),
    (3, A::YoungCarer),
    (7, A::TeenageParent),
    (7, A::Illness),
    (2, A::Pregnancy),
    (3, A::OtherReason),
    (3, A::RefugeeAsylumSeeker),
    (30, A::NotKnown),
    (10, A::CannotBeContacted),
    (2, A::RefusedToDisclose),
];

const AGE_18_19: &[(u32, A)] = &[
    (200, A::HigherEducation),
    (180, A::FurtherEducation),
    (60, A::SchoolSixthForm),
    (20, A::GapYear),
    (100, A::Apprenticeship),
    (20, A::FullTimeEmploymentWithStudy),
    (80, A::EmploymentWithoutTraining),
    (80, A::EmploymentWithTraining),
    (20, A::TemporaryEmployment),
    (30, A::PartTimeEmployment),
    (10, A::SelfEmployment),
    (20, A::OtherTraining),
    (10, A::DwpTrainingAndSupport),
    (5, A::WorkingNotForReward),
    (10, A::NotYetReady),
    (45, A::SeekingEet),
    (10, A::TeenageParent),
    (10, A::Illness),
    (3, A::CustodyYoungAdultOffender),
    (3, A::RefugeeAsylumSeeker),
    (50, A::NotKnown),
    (20, A::CannotBeContacted),
    (4, A::RefusedToDisclose),
];

const SEND_20_24: &[(u32, A)] = &[
    (150, A::SpecialPost16Institution),
    (250, A::FurtherEducation),
    (100, A::SupportedInternship),
    (50, A::DwpTrainingAndSupport),
    (100, A::EmploymentWithoutTraining),
    (100, A::NotYetReady),
    (50, A::SeekingEet),
    (50, A::Illness),
    (50, A::UnlikelyEconomicallyActive),
    (100, A::NotKnown),
];

/// The activity mix for an age in whole years.
pub(crate) fn choose_code(rng: &mut SplitMix64, age: u32) -> A {
    let table = match age {
        0..=15 => PRE_16,
        16..=17 => AGE_16_17,
        18..=19 => AGE_18_19,
        _ => SEND_20_24,
    };
    rng.weighted(table).unwrap_or(A::NotKnown)
}

pub(crate) fn days_before(date: Date, days: i64) -> Date {
    date.checked_sub(Duration::days(days)).unwrap_or(date)
}

pub(crate) fn days_after(date: Date, days: i64) -> Date {
    date.checked_add(Duration::days(days)).unwrap_or(date)
}

/// A dated activity for `code`. With `lapsed`, the verification is older
/// than the currency window (31 days per window month is always beyond the
/// window); otherwise it is inside it (28 days per month always is).
pub(crate) fn dated(rng: &mut SplitMix64, code: A, today: Date, lapsed: bool) -> Activity {
    let windows = CurrencyWindows::default();
    let window = i64::from(windows.months_for(code.group()));
    let verified = if lapsed {
        days_before(today, window * 31 + rng.between(1, 120))
    } else {
        days_before(today, rng.between(0, window * 28))
    };
    let start = days_before(verified, rng.between(0, 240));
    let span = (verified - start).whole_days();
    let ascertained = days_before(verified, rng.between(0, span));
    let mut a = Activity::new(code, start, ascertained, verified);
    a.due_to_lapse_date = add_months(verified, windows.months_for(code.group()));
    if code.is_neet() {
        a.neet_start_date = Some(days_before(start, rng.between(0, 30)));
        a.review_date = Some(days_after(verified, 28));
        a.level_of_need = rng.weighted(&[(40, LevelOfNeed::Intensive), (60, LevelOfNeed::Extra)]);
    } else if rng.chance(200) {
        a.level_of_need = Some(LevelOfNeed::Minimum);
    }
    if code.is_eet() && rng.chance(500) {
        a.predicted_end_date = Some(days_after(start, rng.between(300, 730)));
    }
    // NCCIS rules 259 and 262 (priority 1): education and training need a
    // PredictedEndDate, a gap year, custody, temporary work and an agreed start a
    // ReviewDate. Set without drawing from `rng`, so every other value of the cohort
    // stays what it was; the end lies after the currency window, so it never
    // shortens the activity's currency.
    if code.has_planned_end() && a.predicted_end_date.is_none() {
        a.predicted_end_date = Some(days_after(today, 400));
    }
    if matches!(code.code(), 260 | 290 | 350 | 616 | 710) && a.review_date.is_none() {
        a.review_date = Some(days_after(verified, 28));
    }
    a
}

/// The school record that preceded a post-16 activity.
pub(crate) fn previous_school(rng: &mut SplitMix64, before: Date) -> Activity {
    let verified = days_before(before, rng.between(1, 60));
    let start = days_before(verified, rng.between(365, 5 * 365));
    Activity::new(A::RegisteredAtSchool, start, start, verified)
}
