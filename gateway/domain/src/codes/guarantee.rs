//! NCCIS September Guarantee status (SG02/SG11) and Year 11 intended
//! destination (ID01).

use super::macros::numeric_code;

numeric_code! {
    /// `SeptemberGuarantee/Year11|Year12/GuaranteeStatus` (XSD
    /// `GuaranteeStatusType`; 124 is in the XSD annotation and accepted by
    /// the NCCIS checker, though missing from the XSD enumeration).
    GuaranteeStatus: u16, "guarantee status (SG02)" {
        OfferMade = 110, "offer made";
        ContinuingInEducation = 114, "already in learning: continuing in education (Year 12 only)";
        ContinuingInEmploymentWithTraining = 115, "already in learning: continuing in employment with training to level 2 (Year 12 only)";
        NotAppropriateEmployment = 120, "offer not appropriate now: going into employment without training to level 2";
        NotAppropriatePersonal = 122, "offer not appropriate now: personal circumstances";
        NotAppropriateOther = 123, "offer not appropriate now: other reason";
        NotAppropriateDevelopment = 124, "offer not appropriate now: personal development opportunity";
        AwaitingOutcome = 140, "no offer: applied, awaiting outcome";
        NoAppropriateProvision = 150, "no offer: no appropriate provision";
        NotApplied = 151, "no offer: has not applied";
        MovedAway = 153, "no offer: cannot contact, known to have moved away";
        CannotContact = 154, "no offer: cannot contact, other reason";
        NotYetRecorded = 159, "guarantee status not yet recorded";
    }
}

impl GuaranteeStatus {
    /// In the 2015 XSD's enumeration (all but 124), so writable in a return
    /// that must validate against it.
    pub fn in_schema_2015(self) -> bool {
        self != GuaranteeStatus::NotAppropriateDevelopment
    }

    /// Valid for the guarantee made in Year 11 (114 and 115 are Year 12 only).
    pub fn valid_for_year_11(self) -> bool {
        !matches!(
            self,
            GuaranteeStatus::ContinuingInEducation
                | GuaranteeStatus::ContinuingInEmploymentWithTraining
        )
    }
}

numeric_code! {
    /// `IntendedDestination/IntendedDestinationYr11` (XSD `IntDestType`).
    IntendedDestination: u16, "intended destination (ID01)" {
        SameSchool = 111, "full-time education, same school";
        OtherInstitution = 121, "full-time education or training, other institution";
        ApprenticeshipOrTraineeship = 211, "apprenticeship or traineeship";
        EmploymentWithStudy = 311, "full-time employment with part-time accredited study";
        EmploymentWithoutTraining = 321, "employment without accredited training";
        Other = 411, "other";
        Undecided = 511, "undecided";
        NotObtained = 611, "not obtained";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_complete() {
        assert_eq!(GuaranteeStatus::ALL.len(), 13);
        assert_eq!(
            GuaranteeStatus::ALL
                .iter()
                .filter(|g| g.in_schema_2015())
                .count(),
            12
        );
        assert!(!GuaranteeStatus::ContinuingInEducation.valid_for_year_11());
        assert_eq!(IntendedDestination::ALL.len(), 8);
        assert_eq!(
            "611".parse::<IntendedDestination>(),
            Ok(IntendedDestination::NotObtained)
        );
    }
}
