//! Person-level code lists: level of need, SEN provision, gender, cohort status.

use super::macros::{numeric_code, text_code};

numeric_code! {
    /// NCCIS level of need (CA13).
    LevelOfNeed: u8, "level of need (CA13)" {
        Intensive = 1, "intensive";
        Extra = 2, "extra";
        Minimum = 3, "minimum";
    }
}

text_code! {
    /// SEN provision, NCCIS SENDFlag.
    SenProvision, "SEN provision" {
        NoProvision = "N", "no special educational need";
        SenSupport = "K", "SEN support";
        EhcPlan = "E", "education, health and care plan";
    }
}

impl SenProvision {
    /// NCCIS SENDFlag (2015 XSD `YesNoType`): Y for an EHC plan (the band
    /// rule 40 keeps in the return from academic age 18), N otherwise.
    pub fn send_flag(self) -> bool {
        matches!(self, SenProvision::EhcPlan)
    }

    /// NCCIS SENSupportFlag (2019-20 requirement): Y for SEN support.
    pub fn sen_support_flag(self) -> bool {
        matches!(self, SenProvision::SenSupport)
    }

    /// From the two NCCIS flags. SENDFlag Y wins (an EHC plan);
    /// SENSupportFlag Y without it is SEN support; otherwise none.
    pub fn from_flags(send: bool, sen_support: Option<bool>) -> SenProvision {
        match (send, sen_support) {
            (true, _) => SenProvision::EhcPlan,
            (false, Some(true)) => SenProvision::SenSupport,
            _ => SenProvision::NoProvision,
        }
    }

    /// What a return that says `self` leaves of the finer `stored` value: a
    /// return carrying only SENDFlag N cannot tell "no SEN" from "SEN
    /// support", so K known from another source (a CTF) is kept.
    pub fn refined_by(self, stored: SenProvision, return_has_support_flag: bool) -> SenProvision {
        match (self, stored) {
            (SenProvision::NoProvision, SenProvision::SenSupport) if !return_has_support_flag => {
                SenProvision::SenSupport
            }
            _ => self,
        }
    }
}

impl SenProvision {
    /// Has a special educational need or disability of either kind. NCCIS
    /// keeps 20-24 year olds in the cohort only in this case.
    pub fn has_send(self) -> bool {
        !matches!(self, SenProvision::NoProvision)
    }
}

text_code! {
    /// Gender as recorded in CCIS: NCCIS 2015 XSD `GenderType` (F, M, U, W).
    Gender, "gender" {
        Male = "M", "male";
        Female = "F", "female";
        NotKnown = "U", "unknown";
        Withheld = "W", "withheld";
    }
}

text_code! {
    /// NCCIS CohortStatus (YP10), XSD `CohortStatusType`: whether the lead LA
    /// still reports the young person and, if not, why the record is no
    /// longer active. P and G are in the cohort; A, T, E, M, D and L are
    /// leaving statuses. `T` requires TransferredToLACode (checker rule 13;
    /// the record module does not enforce it).
    CohortStatus, "cohort status (YP10)" {
        Primary = "P", "primary cohort";
        SeptemberGuarantee = "G", "no longer in the primary cohort but covered by the September Guarantee";
        AgedOut = "A", "reached the age at which an active record is no longer required";
        Transferred = "T", "transferred to another LA: no longer an active record";
        LeftEngland = "E", "left England: no longer an active record";
        Duplicate = "M", "found to be a duplicate record";
        Deceased = "D", "deceased";
        Left = "L", "aged 20 to 25 and the EHC plan / LDA has ceased";
    }
}

impl CohortStatus {
    /// The record stands for no living, distinct young person: a duplicate
    /// (M) or someone who has died (D). Such a record is never a subject a
    /// partner's question can be about (the subject index leaves it out).
    pub fn is_not_a_subject(self) -> bool {
        matches!(self, CohortStatus::Duplicate | CohortStatus::Deceased)
    }

    /// Still in the lead LA's reported cohort.
    pub fn is_in_cohort(self) -> bool {
        matches!(
            self,
            CohortStatus::Primary | CohortStatus::SeptemberGuarantee
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_codes_parse_case_insensitively_and_serialise_as_code() {
        assert_eq!(" t ".parse::<CohortStatus>(), Ok(CohortStatus::Transferred));
        assert_eq!(
            serde_json::to_string(&SenProvision::EhcPlan).unwrap(),
            "\"E\""
        );
        assert_eq!(
            serde_json::from_str::<Gender>("\"f\"").unwrap(),
            Gender::Female
        );
        assert!(serde_json::from_str::<Gender>("\"X\"").is_err());
        assert!(SenProvision::SenSupport.has_send());
        assert!(!SenProvision::NoProvision.has_send());
    }

    #[test]
    fn level_of_need_is_numeric() {
        assert_eq!(serde_json::to_string(&LevelOfNeed::Extra).unwrap(), "2");
        assert_eq!(LevelOfNeed::try_from(3u8), Ok(LevelOfNeed::Minimum));
        assert!(LevelOfNeed::try_from(4u8).is_err());
    }

    #[test]
    fn unknown_text_code_error_does_not_echo() {
        let err = "Jane Smith".parse::<Gender>().unwrap_err();
        assert!(!err.to_string().contains("Jane"));
    }
}
