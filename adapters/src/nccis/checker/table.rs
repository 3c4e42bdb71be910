//! The numbered NCCIS checker rules (2019-20 MI Requirement, Appendix D, as
//! restated in `nccis-checker.md` §4): number, priority, the element a
//! report names, what happens to the record, and the rule in words.
//!
//! The outcome is data, decided by priority: priority 1 rules are those
//! NCCIS counts first, and a record breaking one is not imported; priority 2
//! and 3 rules import the record with a warning. Two refinements, both
//! listed in the table rather than coded: where the value a rule refuses
//! cannot be held by the canonical record (a gender outside the code list, an
//! ethnicity code that does not exist, ...), the record is imported *without
//! that value* (`Drop`; a value the record can hold, such as a former LA code
//! or a postcode without its space, is kept: `Warn`); and an optional identifier (ULN, UPN, UKPRN) is
//! dropped, never the young person, whatever the rule's priority (907).

use serde::Serialize;

/// What a broken rule does to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The record is not imported (not written, on export).
    Reject,
    /// Imported as it is, with a warning.
    Warn,
    /// Imported without the offending value, with a warning.
    Drop,
}

impl Outcome {
    /// Whether the record still goes in.
    pub const fn imports(self) -> bool {
        !matches!(self, Outcome::Reject)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Reject => "not imported",
            Outcome::Warn => "imported",
            Outcome::Drop => "imported without the value",
        }
    }
}

/// One numbered rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NccisRule {
    /// The DfE error number.
    pub number: u16,
    /// `NCCIS-<number>`, the stable code in reports.
    pub code: &'static str,
    /// 1 high, 2 lower, 3 informational (not counted by NCCIS).
    pub priority: u8,
    /// The element a report names.
    pub field: &'static str,
    pub outcome: Outcome,
    pub text: &'static str,
}

use Outcome::{Drop as D, Reject as R, Warn as W};

macro_rules! rules {
    ($( $n:literal, $p:literal, $field:literal, $o:ident, $text:literal; )+) => {
        /// Every numbered rule, in number order.
        pub const RULES: &[NccisRule] = &[
            $( NccisRule {
                number: $n,
                code: concat!("NCCIS-", stringify!($n)),
                priority: $p,
                field: $field,
                outcome: $o,
                text: $text,
            }, )+
        ];
    };
}

rules! {
    1, 1, "YoungPersonsID", R, "YoungPersonsID must be 13 characters";
    2, 1, "GivenName", R, "GivenName is missing";
    3, 1, "FamilyName", R, "FamilyName is missing";
    4, 2, "Gender", W, "Gender is missing (held as unknown)";
    5, 2, "Gender", D, "Gender must be F, M, U or W (held as unknown)";
    6, 2, "Ethnicity", W, "Ethnicity is missing";
    7, 2, "Ethnicity", D, "Ethnicity is not a DfE ethnicity code";
    8, 1, "DOB", R, "DOB is missing";
    9, 2, "DOB", W, "over academic age 25 and CohortStatus is not A";
    10, 2, "DOB", W, "under academic age 15";
    11, 1, "CohortStatus", R, "CohortStatus is missing";
    13, 2, "TransferredToLACode", W, "CohortStatus T requires TransferredToLACode";
    14, 1, "LeadLEA", R, "LeadLEA is missing";
    15, 1, "LeadLEA", R, "LeadLEA is not an English LA code";
    19, 2, "EducatedLEA", W, "EducatedLEA is not a recognised LA code";
    24, 2, "LEACodeAtYear11", W, "LEACodeAtYear11 is not a recognised LA code";
    25, 1, "LEACodeAtYear11", R, "LEACodeAtYear11 differs from the Year 11 guarantee's LEACode";
    26, 2, "LeadLEA", W, "LeadLEA is not one of the file header's SourceLEAs";
    27, 1, "GuaranteeStatus", R, "GuaranteeStatus is not valid for its year";
    30, 2, "UniqueLearnerNo", D, "UniqueLearnerNo must be 10 digits not starting with 0";
    31, 1, "AddressLine1", R, "no address line, town or county";
    32, 1, "Postcode", R, "Postcode is missing";
    34, 2, "TransferredToLACode", W, "TransferredToLACode is only for CohortStatus T";
    35, 2, "TransferredToLACode", W, "TransferredToLACode is not valid for the CohortStatus";
    37, 1, "PreviousYPIDIdentifier", R, "PreviousYPIDIdentifier must be 13 characters";
    38, 2, "UniquePupilNumber", D, "UniquePupilNumber must be 13 characters";
    39, 2, "UKProviderReferenceNumber", D, "UKProviderReferenceNumber must be 8 digits starting with 1";
    40, 1, "SENDFlag", R, "academic age 18 or over requires SENDFlag Y";
    41, 1, "TransferredToLACode", R, "TransferredToLACode must not be 004 (unknown)";
    42, 1, "TransferredToLACode", R, "TransferredToLACode must differ from LeadLEA";
    43, 2, "Postcode", W, "Postcode is not in the form A9 9AA .. AA9A 9AA";
    100, 1, "LevelOfNeedCode", R, "LevelOfNeedCode is missing";
    101, 2, "LevelOfNeedCode", D, "LevelOfNeedCode must be 1, 2 or 3";
    102, 2, "SENDFlag", D, "SENDFlag must be Y or N (held as N)";
    103, 2, "SENDFlag", W, "SENDFlag is missing (held as N)";
    104, 2, "CharacteristicCode", D, "a CharacteristicCode is not in the code list";
    200, 1, "ActivityCode", R, "ActivityCode is missing";
    201, 1, "ActivityCode", R, "ActivityCode is not valid for the MI year";
    202, 1, "StartDate", R, "StartDate is missing";
    203, 1, "DateAscertained", R, "DateAscertained is missing";
    220, 1, "CurrencyLapsed", R, "CurrencyLapsed is missing";
    221, 1, "CurrencyLapsed", R, "CurrencyLapsed must be Y or N";
    224, 1, "NEETStartDate", R, "a NEET activity requires NEETStartDate";
    225, 1, "NEETStartDate", R, "NEETStartDate is after StartDate";
    226, 1, "NEETStartDate", R, "NEETStartDate is only for NEET activities";
    228, 1, "EstablishmentNumber", R, "EstablishmentNumber must be 7 digits starting with an English LA code";
    229, 1, "ActivityCode", R, "a post-16 activity at academic age 15 or under";
    230, 1, "ActivityCode", R, "a compulsory-age activity at academic age 16 or over";
    231, 2, "CurrencyLapsed", W, "CurrencyLapsed Y but DueToLapseDate is after PeriodEnd";
    232, 2, "CurrencyLapsed", W, "CurrencyLapsed N but DueToLapseDate is before PeriodEnd";
    233, 2, "CharacteristicCode", W, "activity 620 (young carer) without characteristic 140";
    234, 2, "CharacteristicCode", W, "activity 630 (teenage parent) without characteristic 120";
    235, 2, "CharacteristicCode", W, "activity 650 (pregnancy) without characteristic 180";
    237, 2, "DateAscertained", W, "DateAscertained is after DateVerified";
    238, 2, "DueToLapseDate", W, "DueToLapseDate is after PredictedEndDate";
    240, 1, "Activities", R, "the record has no Activities (NCCIS fails the whole file)";
    242, 2, "DateAscertained", W, "DateAscertained is before StartDate";
    243, 2, "DueToLapseDate", W, "DueToLapseDate is missing for an activity that lapses";
    244, 2, "DueToLapseDate", D, "DueToLapseDate is not a yyyy-mm-dd date";
    251, 2, "NEETStartDate", W, "NEETStartDate is before the 15th birthday";
    253, 2, "ActivityCode", W, "activity 440 started before the 18th birthday";
    254, 1, "SENDFlag", R, "activity 280 requires SENDFlag Y";
    255, 1, "SENDFlag", R, "activity 460 (supported internship) requires SENDFlag Y";
    256, 1, "DateVerified", R, "DateVerified is before StartDate";
    257, 2, "ReviewDate", W, "ReviewDate is after PredictedEndDate";
    258, 1, "PredictedEndDate", R, "PredictedEndDate is not a yyyy-mm-dd date";
    259, 1, "PredictedEndDate", R, "an education or training activity requires PredictedEndDate";
    260, 2, "CharacteristicCode", W, "characteristic 180 (pregnancy) recorded for a male";
    261, 1, "LEACode", R, "a September Guarantee LEACode is not an English LA code";
    262, 1, "ReviewDate", R, "activity 260, 290, 350, 616 or 710 requires ReviewDate";
    301, 2, "IntendedDestinationYr11", W, "Year 11 (academic age 15) requires IntendedDestinationYr11";
    302, 2, "IntendedDestinationYr11", D, "IntendedDestinationYr11 is not in the code list";
    303, 2, "SENSupportFlag", W, "SENSupportFlag is missing";
    304, 2, "SENSupportFlag", D, "SENSupportFlag must be Y or N";
    305, 2, "DateVerified", W, "DateVerified is after PeriodEnd";
    902, 1, "YoungPersonsID", R, "YoungPersonsID is repeated in the file";
    903, 1, "YoungPersonsID", R, "YoungPersonsID does not start with a DatabaseID of the file header";
    904, 1, "CohortStatus", R, "CohortStatus is not P, G, A, T, E, M, D or L";
    905, 1, "SeptemberGuarantee", R, "CohortStatus G requires the September Guarantee block for the year group";
    906, 1, "SeptemberGuarantee", R, "GuaranteeStatusIndicator Y requires the September Guarantee block for the year group";
    907, 1, "UniqueLearnerNo", D, "UniqueLearnerNo is held by another young person in the file";
    908, 3, "GivenName", W, "another record has the same names and DOB (informational)";
}

/// The rule numbered `number`, if the table has it.
pub fn rule(number: u16) -> Option<&'static NccisRule> {
    RULES
        .binary_search_by_key(&number, |r| r.number)
        .ok()
        .and_then(|i| RULES.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighty_two_rules_in_order_with_the_reference_priorities() {
        assert_eq!(RULES.len(), 82);
        assert!(RULES.windows(2).all(|w| w[0].number < w[1].number));
        let count = |p| RULES.iter().filter(|r| r.priority == p).count();
        // nccis-checker.md §10: 42 priority 1, 39 priority 2, one priority 3.
        assert_eq!((count(1), count(2), count(3)), (42, 39, 1));
        // Priority decides: every priority 1 rule rejects but the identifier one.
        for r in RULES {
            let rejects = r.outcome == Outcome::Reject;
            assert_eq!(rejects, r.priority == 1 && r.number != 907, "{}", r.code);
        }
        assert_eq!(rule(243).map(|r| r.code), Some("NCCIS-243"));
        assert!(rule(236).is_none());
    }
}
