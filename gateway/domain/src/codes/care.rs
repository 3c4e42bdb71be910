//! SSDA903 care-leaver codes (the DfE looked-after children return).

use super::macros::text_code;

text_code! {
    /// SSDA903 care leaver activity (ACTIV). F = full-time, P = part-time.
    Ssda903Activity, "SSDA903 activity" {
        HigherEducationFullTime = "F1", "full-time higher education";
        HigherEducationPartTime = "P1", "part-time higher education";
        OtherEducationFullTime = "F2", "full-time other education";
        OtherEducationPartTime = "P2", "part-time other education";
        ApprenticeshipFullTime = "F4", "full-time apprenticeship";
        ApprenticeshipPartTime = "P4", "part-time apprenticeship";
        TrainingOrEmploymentFullTime = "F5", "full-time training or employment";
        TrainingOrEmploymentPartTime = "P5", "part-time training or employment";
        NeetIllnessOrDisability = "G4", "NEET due to illness or disability";
        NeetOther = "G5", "NEET, other reasons";
        NeetPregnancyOrParenting = "G6", "NEET due to pregnancy or parenting";
        NotInTouch = "0", "not in touch";
    }
}

impl Ssda903Activity {
    /// G4 and G6 disclose health or pregnancy (special-category data).
    pub fn is_special_category(self) -> bool {
        matches!(
            self,
            Ssda903Activity::NeetIllnessOrDisability | Ssda903Activity::NeetPregnancyOrParenting
        )
    }
}

text_code! {
    /// SSDA903 IN_TOUCH: whether the LA is in touch with the care leaver.
    InTouch, "SSDA903 in touch" {
        Yes = "YES", "in touch";
        No = "NO", "not in touch";
        Died = "DIED", "died";
        Refused = "REFU", "young person refuses contact";
        NotRequired = "NREQ", "no longer requires services";
        ReturnedHome = "RHOM", "returned home to parents for more than 6 months";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_codes_round_trip() {
        for &c in Ssda903Activity::ALL {
            assert_eq!(c.code().parse::<Ssda903Activity>(), Ok(c));
        }
        for &c in InTouch::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<InTouch>(&json).unwrap(), c);
        }
        assert_eq!("refu".parse::<InTouch>(), Ok(InTouch::Refused));
    }
}
