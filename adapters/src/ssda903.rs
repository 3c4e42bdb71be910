//! SSDA903 care-leaver status for the leaving-care team: the canonical
//! current activity mapped to ACTIV, and IN_TOUCH from the care record.
//!
//! Guarantees:
//! - every NCCIS activity code has exactly one mapping ([`activ_for`] is an
//!   exhaustive `match` over the closed [`ActivityCode`] enum, and a test
//!   walks `ActivityCode::ALL`);
//! - a lapsed activity is never mapped: its currency is checked first and a
//!   lapsed status is reported as "not known" (`activ: None`), never as the
//!   stale code;
//! - when the authority is not in touch (IN_TOUCH other than YES) ACTIV is
//!   `0` ("not in touch") whatever CCIS holds, as the SSDA903 return expects.
//!
//! Full-time F vs part-time P comes from the activity code: 250 part-time
//! education, 360 part-time employment, 530 re-engagement provision and 550
//! working not for reward with part-time study are part-time; everything
//! else in education, employment or training is full-time.
//!
//! Ambiguous mappings (the choice made, and why) are listed by
//! [`ambiguity`]. SSDA903 has no "in touch, activity not known" code, so
//! not-known codes (150, 810, 820, 830) and lapsed statuses give
//! `activ: None` and the leaving-care team must establish the activity.
//! G4 and G6 reveal health or pregnancy: policy must treat them as special
//! category ([`Ssda903Activity::is_special_category`]).

use gateway_domain::{
    ActivityCode, Currency, CurrencyWindows, InTouch, Ssda903Activity, YoungPerson,
};
use serde::{Deserialize, Serialize};
use time::Date;

/// The SSDA903 ACTIV for a current (not lapsed) activity code; `None` when
/// the code says the activity is not known.
pub fn activ_for(code: ActivityCode) -> Option<Ssda903Activity> {
    use ActivityCode as A;
    use Ssda903Activity as S;
    match code {
        A::RegisteredAtSchool | A::EducatedAtHome => Some(S::OtherEducationFullTime),
        A::CustodialSentence | A::NotRegisteredAtSchool => Some(S::NeetOther),
        A::NotKnownPre16 => None,
        A::SchoolSixthForm
        | A::SixthFormCollege
        | A::FurtherEducation
        | A::OtherFullTimeEducation
        | A::SpecialPost16Institution
        | A::CustodialInstitutionJuvenile => Some(S::OtherEducationFullTime),
        A::HigherEducation => Some(S::HigherEducationFullTime),
        A::PartTimeEducation => Some(S::OtherEducationPartTime),
        A::GapYear => Some(S::NeetOther),
        A::Apprenticeship => Some(S::ApprenticeshipFullTime),
        A::FullTimeEmploymentWithStudy
        | A::EmploymentWithoutTraining
        | A::EmploymentWithTraining
        | A::TemporaryEmployment
        | A::SelfEmployment
        | A::SelfEmploymentWithStudy => Some(S::TrainingOrEmploymentFullTime),
        A::PartTimeEmployment => Some(S::TrainingOrEmploymentPartTime),
        A::FundedWorkBasedLearning
        | A::OtherTraining
        | A::DwpTrainingAndSupport
        | A::Traineeship
        | A::SupportedInternship => Some(S::TrainingOrEmploymentFullTime),
        A::ReEngagementProvision => Some(S::TrainingOrEmploymentPartTime),
        A::WorkingNotForReward => Some(S::NeetOther),
        A::WorkingNotForRewardWithStudy => Some(S::OtherEducationPartTime),
        A::NotYetReady
        | A::StartDateAgreedOther
        | A::StartDateAgreedParticipation
        | A::SeekingEet
        | A::YoungCarer
        | A::ReligiousGrounds
        | A::OtherReason => Some(S::NeetOther),
        A::TeenageParent | A::Pregnancy => Some(S::NeetPregnancyOrParenting),
        A::Illness | A::UnlikelyEconomicallyActive => Some(S::NeetIllnessOrDisability),
        A::CustodyYoungAdultOffender | A::RefugeeAsylumSeeker => Some(S::NeetOther),
        A::NotKnown | A::CannotBeContacted | A::RefusedToDisclose => None,
    }
}

/// Why a code's mapping is a judgement rather than a reading of the code
/// list, or `None` when the mapping is direct.
pub fn ambiguity(code: ActivityCode) -> Option<&'static str> {
    use ActivityCode as A;
    Some(match code {
        A::RegisteredAtSchool => "pre-16 school roll: taken as full-time other education (F2)",
        A::EducatedAtHome => {
            "elective home education: taken as full-time other education (F2); hours are not recorded"
        }
        A::CustodialSentence => {
            "pre-16 custody: no custody code in ACTIV, taken as NEET other (G5)"
        }
        A::NotRegisteredAtSchool => "child missing education: taken as NEET other (G5)",
        A::PartTimeEducation => {
            "NCCIS does not say whether part-time study is higher education: taken as P2"
        }
        A::GapYear => {
            "counted as education by NCCIS but not in education, employment or training: G5"
        }
        A::CustodialInstitutionJuvenile => "education in a juvenile custodial institution: F2",
        A::Apprenticeship => "NCCIS does not distinguish part-time apprenticeships: F4",
        A::TemporaryEmployment | A::SelfEmployment | A::SelfEmploymentWithStudy => {
            "hours not recorded: taken as full-time (F5)"
        }
        A::OtherTraining | A::DwpTrainingAndSupport => {
            "hours not recorded: taken as full-time training (F5)"
        }
        A::SupportedInternship => {
            "a study programme based at an employer; NCCIS groups it as training: F5"
        }
        A::ReEngagementProvision => {
            "re-engagement provision is usually part-time, non-accredited: P5"
        }
        A::WorkingNotForReward => "volunteering, NEET in NCCIS: G5",
        A::WorkingNotForRewardWithStudy => {
            "volunteering with part-time study: the study makes it P2"
        }
        A::YoungCarer => "caring is not pregnancy/parenting nor illness: G5",
        A::UnlikelyEconomicallyActive => "usually severe disability: G4",
        A::CustodyYoungAdultOffender => "custody: no custody code in ACTIV, taken as G5",
        A::RefugeeAsylumSeeker => "not permitted to work or study: G5",
        A::CannotBeContacted => {
            "CCIS cannot contact them, but IN_TOUCH comes from the care record: activity not known"
        }
        _ => return None,
    })
}

/// Currency state carried with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrencyState {
    Current,
    Lapsed,
    /// No activity recorded.
    None,
}

/// The answer to "what is this care leaver doing?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareLeaverReturn {
    /// SSDA903 IN_TOUCH.
    pub in_touch: InTouch,
    /// SSDA903 ACTIV; `null` when in touch but the activity is not known
    /// (lapsed, none recorded, or a not-known code).
    pub activ: Option<Ssda903Activity>,
    /// Whether the CCIS activity behind `activ` was current.
    pub currency: CurrencyState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Ssda903Error {
    /// SSDA903 covers care leavers; the record has no care-leaver status.
    #[error("the record has no care-leaver status")]
    NotACareLeaver,
}

/// Map a record's current activity and care status to SSDA903.
pub fn care_leaver_return(
    p: &YoungPerson,
    windows: &CurrencyWindows,
    today: Date,
) -> Result<CareLeaverReturn, Ssda903Error> {
    let care = p.care.as_ref().ok_or(Ssda903Error::NotACareLeaver)?;
    let state = p.current_currency(windows, today);
    let currency = match state {
        None => CurrencyState::None,
        Some(Currency::Current { .. }) => CurrencyState::Current,
        Some(Currency::Lapsed { .. }) => CurrencyState::Lapsed,
    };
    let activ = if care.in_touch == InTouch::Yes {
        state.and_then(|c| c.reported_code()).and_then(activ_for)
    } else {
        Some(Ssda903Activity::NotInTouch)
    };
    Ok(CareLeaverReturn {
        in_touch: care.in_touch,
        activ,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_domain::{Activity, CareLeaverStatus, LaCode, synthetic::cohort};
    use time::macros::date;

    const TODAY: Date = date!(2025 - 03 - 15);

    #[test]
    fn every_code_is_mapped_and_f_p_follow_the_code() {
        use Ssda903Activity as S;
        for &code in ActivityCode::ALL {
            let activ = activ_for(code);
            // EET codes always map to an F/P code; NEET codes to G4-G6.
            // Gap year (260) is grouped as education by NCCIS but is not
            // education, employment or training: the one EET code mapped to G5.
            if code.is_eet() && code != ActivityCode::GapYear {
                assert!(
                    matches!(activ.map(|a| a.code().as_bytes()[0]), Some(b'F' | b'P')),
                    "{code}"
                );
            }
            if code.is_neet() && code != ActivityCode::WorkingNotForRewardWithStudy {
                assert!(
                    matches!(
                        activ,
                        Some(
                            S::NeetIllnessOrDisability | S::NeetOther | S::NeetPregnancyOrParenting
                        )
                    ),
                    "{code}"
                );
            }
            let part_time = matches!(code.code(), 250 | 360 | 530 | 550);
            if let Some(a) = activ
                && matches!(a.code().as_bytes()[0], b'F' | b'P')
            {
                assert_eq!(a.code().starts_with('P'), part_time, "{code}");
            }
            assert_ne!(
                activ,
                Some(S::NotInTouch),
                "{code}: 0 is only for IN_TOUCH other than YES"
            );
        }
        assert_eq!(
            activ_for(ActivityCode::HigherEducation),
            Some(S::HigherEducationFullTime)
        );
        assert_eq!(
            activ_for(ActivityCode::Pregnancy),
            Some(S::NeetPregnancyOrParenting)
        );
        assert_eq!(
            activ_for(ActivityCode::Illness),
            Some(S::NeetIllnessOrDisability)
        );
        assert_eq!(activ_for(ActivityCode::NotKnown), None);
        let ambiguous = ActivityCode::ALL
            .iter()
            .filter(|c| ambiguity(**c).is_some())
            .count();
        assert!(ambiguous >= 15);
    }

    fn care_leaver(in_touch: InTouch, code: ActivityCode, verified: Date) -> YoungPerson {
        let mut p = cohort(1, 1, TODAY, LaCode::parse("886").unwrap())
            .next()
            .unwrap();
        p.activities = vec![Activity::new(code, verified, verified, verified)];
        p.care = Some(CareLeaverStatus {
            in_touch,
            contact_date: None,
            responsible_la: None,
        });
        p
    }

    #[test]
    fn lapsed_is_not_known_and_not_in_touch_is_zero() {
        let w = CurrencyWindows::default();
        let current = care_leaver(
            InTouch::Yes,
            ActivityCode::SeekingEet,
            date!(2025 - 02 - 01),
        );
        let r = care_leaver_return(&current, &w, TODAY).unwrap();
        assert_eq!(r.activ, Some(Ssda903Activity::NeetOther));
        assert_eq!(r.currency, CurrencyState::Current);

        let lapsed = care_leaver(
            InTouch::Yes,
            ActivityCode::SeekingEet,
            date!(2024 - 10 - 01),
        );
        let r = care_leaver_return(&lapsed, &w, TODAY).unwrap();
        assert_eq!(r.activ, None);
        assert_eq!(r.currency, CurrencyState::Lapsed);

        let refused = care_leaver(
            InTouch::Refused,
            ActivityCode::HigherEducation,
            date!(2025 - 02 - 01),
        );
        let r = care_leaver_return(&refused, &w, TODAY).unwrap();
        assert_eq!(r.activ, Some(Ssda903Activity::NotInTouch));
        assert_eq!(r.in_touch, InTouch::Refused);

        let mut not_cl = current.clone();
        not_cl.care = None;
        assert_eq!(
            care_leaver_return(&not_cl, &w, TODAY),
            Err(Ssda903Error::NotACareLeaver)
        );

        let json =
            serde_json::to_string(&care_leaver_return(&current, &w, TODAY).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"in_touch":"YES","activ":"G5","currency":"current"}"#
        );
        let back: CareLeaverReturn = serde_json::from_str(&json).unwrap();
        assert_eq!(back.activ, Some(Ssda903Activity::NeetOther));
        assert!(
            serde_json::from_str::<CareLeaverReturn>(
                r#"{"in_touch":"YES","activ":"G5","currency":"current","x":1}"#
            )
            .is_err()
        );
    }
}
