use time::Date;
use time::macros::date;

use super::*;

fn verified_on(code: ActivityCode, verified: Date) -> Activity {
    Activity::new(code, verified, verified, verified)
}

fn lapsed_on(a: &Activity, today: Date) -> bool {
    !currency(a, &CurrencyWindows::default(), today).is_current()
}

#[test]
fn neet_lapses_the_day_after_three_months() {
    let a = verified_on(ActivityCode::SeekingEet, date!(2024 - 01 - 15));
    assert!(!lapsed_on(&a, date!(2024 - 04 - 14)));
    assert!(!lapsed_on(&a, date!(2024 - 04 - 15)));
    assert!(lapsed_on(&a, date!(2024 - 04 - 16)));
    // NEET inactive uses the same window.
    let b = verified_on(ActivityCode::Illness, date!(2024 - 01 - 15));
    assert!(!lapsed_on(&b, date!(2024 - 04 - 15)));
    assert!(lapsed_on(&b, date!(2024 - 04 - 16)));
}

#[test]
fn neet_window_clamps_at_month_end() {
    // 30 Nov 2023 + 3 months = 29 Feb 2024 (leap year).
    let a = verified_on(ActivityCode::NotYetReady, date!(2023 - 11 - 30));
    assert!(!lapsed_on(&a, date!(2024 - 02 - 28)));
    assert!(!lapsed_on(&a, date!(2024 - 02 - 29)));
    assert!(lapsed_on(&a, date!(2024 - 03 - 01)));
    // 30 Nov 2024 + 3 months = 28 Feb 2025.
    let b = verified_on(ActivityCode::NotYetReady, date!(2024 - 11 - 30));
    assert!(!lapsed_on(&b, date!(2025 - 02 - 27)));
    assert!(!lapsed_on(&b, date!(2025 - 02 - 28)));
    assert!(lapsed_on(&b, date!(2025 - 03 - 01)));
}

#[test]
fn eet_lapses_the_day_after_twelve_months() {
    let a = verified_on(ActivityCode::Apprenticeship, date!(2024 - 02 - 29));
    // 29 Feb 2024 + 12 months = 28 Feb 2025.
    assert!(!lapsed_on(&a, date!(2025 - 02 - 27)));
    assert!(!lapsed_on(&a, date!(2025 - 02 - 28)));
    assert!(lapsed_on(&a, date!(2025 - 03 - 01)));
    let r = verified_on(ActivityCode::ReEngagementProvision, date!(2024 - 06 - 10));
    assert!(!lapsed_on(&r, date!(2025 - 06 - 10)));
    assert!(lapsed_on(&r, date!(2025 - 06 - 11)));
}

#[test]
fn other_window_for_pre16_and_not_known() {
    let windows = CurrencyWindows {
        other_months: 6,
        ..CurrencyWindows::default()
    };
    let a = verified_on(ActivityCode::RegisteredAtSchool, date!(2024 - 03 - 31));
    // 31 Mar + 6 months = 30 Sep.
    assert!(currency(&a, &windows, date!(2024 - 09 - 29)).is_current());
    assert!(currency(&a, &windows, date!(2024 - 09 - 30)).is_current());
    assert!(!currency(&a, &windows, date!(2024 - 10 - 01)).is_current());
}

#[test]
fn due_to_lapse_date_is_inclusive() {
    let mut a = verified_on(ActivityCode::FurtherEducation, date!(2024 - 09 - 01));
    a.due_to_lapse_date = Some(date!(2024 - 12 - 01));
    assert!(!lapsed_on(&a, date!(2024 - 11 - 30)));
    assert!(lapsed_on(&a, date!(2024 - 12 - 01)));
    assert!(lapsed_on(&a, date!(2024 - 12 - 02)));
}

#[test]
fn lapsed_never_exposes_the_code() {
    let a = verified_on(ActivityCode::Pregnancy, date!(2020 - 01 - 01));
    let c = currency(&a, &CurrencyWindows::default(), date!(2024 - 01 - 01));
    assert_eq!(
        c,
        Currency::Lapsed {
            last_verified: date!(2020 - 01 - 01)
        }
    );
    assert_eq!(c.reported_code(), None);
    assert_eq!(c.reported_group(), ActivityGroup::NotKnown);
    let json = serde_json::to_string(&c).unwrap();
    assert!(!json.contains("650"), "{json}");
    assert_eq!(json, r#"{"state":"lapsed","last_verified":"2020-01-01"}"#);
}

#[test]
fn current_reports_code_and_date() {
    let a = verified_on(ActivityCode::SeekingEet, date!(2024 - 01 - 15));
    let c = currency(&a, &CurrencyWindows::default(), date!(2024 - 02 - 01));
    assert_eq!(c.reported_code(), Some(ActivityCode::SeekingEet));
    assert_eq!(c.reported_group(), ActivityGroup::NeetActive);
    assert_eq!(
        serde_json::to_string(&c).unwrap(),
        r#"{"state":"current","code":619,"date_verified":"2024-01-15"}"#
    );
}

#[test]
fn windows_config_defaults_and_rejects_typos() {
    let w: CurrencyWindows = serde_json::from_str(r#"{"neet_months": 2}"#).unwrap();
    assert_eq!(
        w,
        CurrencyWindows {
            neet_months: 2,
            eet_months: 12,
            other_months: 12
        }
    );
    assert!(serde_json::from_str::<CurrencyWindows>(r#"{"neet_month": 2}"#).is_err());
}

#[test]
fn extreme_dates_do_not_panic() {
    let a = verified_on(ActivityCode::SeekingEet, Date::MAX);
    assert!(currency(&a, &CurrencyWindows::default(), Date::MAX).is_current());
    let windows = CurrencyWindows {
        neet_months: u32::MAX,
        ..CurrencyWindows::default()
    };
    let b = verified_on(ActivityCode::SeekingEet, Date::MIN);
    assert!(currency(&b, &windows, Date::MAX).is_current());
}

#[test]
fn working_not_for_reward_with_study_is_employment_with_the_eet_window() {
    // 550 is employment: twelve months, not the three of NEET (540).
    let a = verified_on(
        ActivityCode::WorkingNotForRewardWithStudy,
        date!(2024 - 01 - 15),
    );
    assert_eq!(a.code.group(), ActivityGroup::Employment);
    assert!(!lapsed_on(&a, date!(2024 - 04 - 16)));
    assert!(!lapsed_on(&a, date!(2025 - 01 - 15)));
    assert!(lapsed_on(&a, date!(2025 - 01 - 16)));
    let c = currency(&a, &CurrencyWindows::default(), date!(2024 - 06 - 01));
    assert_eq!(c.reported_group(), ActivityGroup::Employment);
    let neet = verified_on(ActivityCode::WorkingNotForReward, date!(2024 - 01 - 15));
    assert!(lapsed_on(&neet, date!(2024 - 04 - 16)));
}

#[test]
fn a_course_lapses_the_day_after_its_predicted_end() {
    let mut a = verified_on(ActivityCode::FurtherEducation, date!(2024 - 09 - 02));
    a.predicted_end_date = Some(date!(2025 - 06 - 30));
    assert!(!lapsed_on(&a, date!(2025 - 06 - 30)));
    assert!(lapsed_on(&a, date!(2025 - 07 - 01)));
    // Earliest of the three: a DueToLapseDate before the end still wins.
    a.due_to_lapse_date = Some(date!(2025 - 03 - 01));
    assert!(lapsed_on(&a, date!(2025 - 03 - 01)));
    // Employment: a predicted end is not a lapse.
    let mut job = verified_on(ActivityCode::TemporaryEmployment, date!(2024 - 09 - 02));
    job.predicted_end_date = Some(date!(2024 - 12 - 31));
    assert!(!lapsed_on(&job, date!(2025 - 01 - 15)));
}
