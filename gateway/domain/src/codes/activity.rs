//! NCCIS current activity (CA01) and its reporting groups.

use serde::{Deserialize, Serialize};

use super::macros::numeric_code;

numeric_code! {
    /// A young person's activity, NCCIS code list CA01.
    ActivityCode: u16, "activity (CA01)" {
        RegisteredAtSchool = 110, "registered at school";
        EducatedAtHome = 120, "educated at home";
        CustodialSentence = 130, "custodial sentence";
        NotRegisteredAtSchool = 140, "not registered at a school";
        NotKnownPre16 = 150, "not known (pre-16)";
        SchoolSixthForm = 210, "full-time education: school sixth form";
        SixthFormCollege = 220, "full-time education: sixth-form college";
        FurtherEducation = 230, "full-time education: further education";
        HigherEducation = 240, "full-time education: higher education";
        PartTimeEducation = 250, "part-time education";
        GapYear = 260, "gap year";
        OtherFullTimeEducation = 270, "full-time education: other";
        SpecialPost16Institution = 280, "special post-16 institution";
        CustodialInstitutionJuvenile = 290, "custodial institution (juvenile)";
        Apprenticeship = 310, "apprenticeship";
        FullTimeEmploymentWithStudy = 320, "full-time employment with study";
        EmploymentWithoutTraining = 330, "employment without training";
        EmploymentWithTraining = 340, "employment with training";
        TemporaryEmployment = 350, "temporary employment";
        PartTimeEmployment = 360, "part-time employment";
        SelfEmployment = 380, "self-employment";
        SelfEmploymentWithStudy = 381, "self-employment with study";
        FundedWorkBasedLearning = 410, "funded work-based learning";
        OtherTraining = 430, "other training";
        DwpTrainingAndSupport = 440, "DWP training and support programme";
        Traineeship = 450, "traineeship";
        SupportedInternship = 460, "supported internship";
        ReEngagementProvision = 530, "re-engagement provision";
        WorkingNotForReward = 540, "working not for reward";
        WorkingNotForRewardWithStudy = 550, "working not for reward with part-time study";
        NotYetReady = 610, "not yet ready for work or learning";
        StartDateAgreedOther = 615, "start date agreed (other)";
        StartDateAgreedParticipation = 616, "start date agreed (meets participation duty)";
        SeekingEet = 619, "seeking employment, education or training";
        YoungCarer = 620, "young carer";
        TeenageParent = 630, "teenage parent";
        Illness = 640, "illness";
        Pregnancy = 650, "pregnancy";
        ReligiousGrounds = 660, "religious grounds";
        UnlikelyEconomicallyActive = 670, "unlikely ever to be economically active";
        OtherReason = 680, "other reason";
        CustodyYoungAdultOffender = 710, "custody (young adult offender)";
        RefugeeAsylumSeeker = 720, "refugee/asylum seeker";
        NotKnown = 810, "current situation not known";
        CannotBeContacted = 820, "cannot be contacted";
        RefusedToDisclose = 830, "refused to disclose activity";
    }
}

/// The NCCIS reporting groups of activity codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityGroup {
    /// 1xx: below compulsory school leaving age.
    Pre16,
    /// 2xx.
    Education,
    /// 3xx and 550 (working not for reward combined with part-time study:
    /// the XSD lists it under "Employment" and the NCCIS checker treats it
    /// like every employment code).
    Employment,
    /// 4xx.
    Training,
    /// 530.
    ReEngagement,
    /// 540 and 610-619: NEET and available to the labour market.
    NeetActive,
    /// 620-680: NEET and not available (caring, illness, pregnancy...).
    NeetInactive,
    /// 7xx: custody (young adult), refugee/asylum seeker.
    Other,
    /// 8xx.
    NotKnown,
}

impl ActivityGroup {
    /// Not in education, employment or training.
    pub fn is_neet(self) -> bool {
        matches!(
            self,
            ActivityGroup::NeetActive | ActivityGroup::NeetInactive
        )
    }

    /// In education, employment or training. Re-engagement provision (530)
    /// counts: NCCIS places it outside both NEET ranges (540-619, 620-680)
    /// and DfE counts it as participating in education or training, which is
    /// also what a YOT's "suitable ETE" question is asking. Pre-16 (1xx),
    /// "other" (7xx) and not known (8xx) are neither EET nor NEET.
    pub fn is_eet(self) -> bool {
        matches!(
            self,
            ActivityGroup::Education
                | ActivityGroup::Employment
                | ActivityGroup::Training
                | ActivityGroup::ReEngagement
        )
    }
}

impl ActivityCode {
    /// The reporting group, from the code ranges in the NCCIS requirement.
    pub fn group(self) -> ActivityGroup {
        match self.code() {
            100..=199 => ActivityGroup::Pre16,
            200..=299 => ActivityGroup::Education,
            300..=399 => ActivityGroup::Employment,
            400..=499 => ActivityGroup::Training,
            530 => ActivityGroup::ReEngagement,
            550 => ActivityGroup::Employment,
            540..=619 => ActivityGroup::NeetActive,
            620..=680 => ActivityGroup::NeetInactive,
            700..=799 => ActivityGroup::Other,
            // 8xx; also the only remaining codes in the closed list.
            _ => ActivityGroup::NotKnown,
        }
    }

    pub fn is_neet(self) -> bool {
        self.group().is_neet()
    }

    pub fn is_eet(self) -> bool {
        self.group().is_eet()
    }

    /// The code itself reveals special-category (health) data: illness
    /// (640) and pregnancy (650). Releasing the bare code to, say, a YOT
    /// discloses health information, so policy must treat it like the
    /// matching characteristic.
    pub fn is_special_category(self) -> bool {
        matches!(self, ActivityCode::Illness | ActivityCode::Pregnancy)
    }

    /// Education or training with a planned end (nccis-checker.md §2.6
    /// ACT_NEEDS_END, rule 259: compulsory-age codes, 2xx, 410-460): its
    /// PredictedEndDate is when the course ends, after which the activity
    /// is no longer known to be current.
    pub fn has_planned_end(self) -> bool {
        matches!(self.code(), 100..=299 | 400..=499)
    }

    /// The code reveals criminal-offence data (UK GDPR art. 10): custody.
    pub fn is_criminal_offence_data(self) -> bool {
        matches!(
            self,
            ActivityCode::CustodialSentence
                | ActivityCode::CustodialInstitutionJuvenile
                | ActivityCode::CustodyYoungAdultOffender
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_groups() {
        assert_eq!(ActivityCode::ALL.len(), 46);
        for &c in ActivityCode::ALL {
            assert_eq!(ActivityCode::try_from(c.code()), Ok(c));
            assert_eq!(c.to_string().parse::<ActivityCode>(), Ok(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, c.code().to_string());
            assert_eq!(serde_json::from_str::<ActivityCode>(&json).unwrap(), c);
            assert!(!(c.is_neet() && c.is_eet()));
        }
    }

    #[test]
    fn groups_at_the_edges() {
        use ActivityCode as A;
        assert_eq!(A::NotKnownPre16.group(), ActivityGroup::Pre16);
        assert_eq!(
            A::CustodialInstitutionJuvenile.group(),
            ActivityGroup::Education
        );
        assert_eq!(
            A::SelfEmploymentWithStudy.group(),
            ActivityGroup::Employment
        );
        assert_eq!(A::SupportedInternship.group(), ActivityGroup::Training);
        assert_eq!(
            A::ReEngagementProvision.group(),
            ActivityGroup::ReEngagement
        );
        assert!(A::ReEngagementProvision.is_eet());
        assert_eq!(A::WorkingNotForReward.group(), ActivityGroup::NeetActive);
        assert_eq!(
            A::WorkingNotForRewardWithStudy.group(),
            ActivityGroup::Employment
        );
        assert!(A::WorkingNotForRewardWithStudy.is_eet());
        assert!(!A::WorkingNotForRewardWithStudy.is_neet());
        assert_eq!(A::SeekingEet.group(), ActivityGroup::NeetActive);
        assert_eq!(A::YoungCarer.group(), ActivityGroup::NeetInactive);
        assert_eq!(A::OtherReason.group(), ActivityGroup::NeetInactive);
        assert_eq!(A::RefugeeAsylumSeeker.group(), ActivityGroup::Other);
        assert_eq!(A::RefusedToDisclose.group(), ActivityGroup::NotKnown);
        assert!(!A::RegisteredAtSchool.is_eet() && !A::RegisteredAtSchool.is_neet());
        assert!(!A::NotKnown.is_eet() && !A::NotKnown.is_neet());
    }

    #[test]
    fn unknown_codes_are_errors() {
        assert!(ActivityCode::try_from(370).is_err());
        assert!(ActivityCode::try_from(0).is_err());
        assert!("abc".parse::<ActivityCode>().is_err());
        assert!(serde_json::from_str::<ActivityCode>("999").is_err());
        assert!(serde_json::from_str::<ActivityCode>("\"110\"").is_err());
    }
}
