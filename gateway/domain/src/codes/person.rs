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
    /// Has a special educational need or disability of either kind. NCCIS
    /// keeps 20-24 year olds in the cohort only in this case.
    pub fn has_send(self) -> bool {
        !matches!(self, SenProvision::NoProvision)
    }
}

text_code! {
    /// Gender as recorded in CCIS.
    ///
    /// The seeds do not list NCCIS gender codes. M and F are certain; U for
    /// "not known / not specified" is an assumption (the usual DfE letter
    /// for it) to confirm against the current NCCIS requirement.
    Gender, "gender" {
        Male = "M", "male";
        Female = "F", "female";
        NotKnown = "U", "not known or not specified";
    }
}

text_code! {
    /// NCCIS CohortStatus (YP10): whether the lead LA still reports the young
    /// person and, if not, why they left.
    ///
    /// The seeds do not list these values. They are taken from public CCIS
    /// supplier documentation that cites NCCIS YP10: P and G are in the
    /// cohort; A, L, T, E, M, D are leaving reasons, reported once. `L`
    /// appears in that list without a definition available to us, so it is
    /// accepted but not interpreted. `T` requires TransferredToLACode (an
    /// NCCIS checker rule; the record module does not enforce it).
    CohortStatus, "cohort status (YP10)" {
        Primary = "P", "in the lead LA's primary cohort";
        SeptemberGuarantee = "G", "kept in cohort for an open September Guarantee return";
        AgedOut = "A", "left: reached the age limit (20, or 25 with SEND)";
        Left = "L", "left the cohort (reason L)";
        Transferred = "T", "transferred to another LA";
        LeftEngland = "E", "left England";
        Duplicate = "M", "merged as a duplicate";
        Deceased = "D", "deceased";
    }
}

impl CohortStatus {
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
