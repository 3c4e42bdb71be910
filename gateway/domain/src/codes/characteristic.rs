//! NCCIS individual characteristics (IC01).

use super::macros::numeric_code;

numeric_code! {
    /// An individual characteristic, NCCIS code list IC01.
    Characteristic: u16, "characteristic (IC01)" {
        LookedAfter = 110, "looked after";
        ParentCaringForOwnChild = 120, "parent caring for own child";
        RefugeeAsylumSeeker = 130, "refugee/asylum seeker";
        Carer = 140, "carer (not own child)";
        SubstanceMisuse = 150, "substance misuse";
        CareLeaver = 160, "care leaver";
        SupervisedByYot = 170, "supervised by YOT";
        Pregnant = 180, "pregnant";
        ParentNotCaringForOwnChild = 190, "parent not caring for own child";
        AlternativeProvision = 200, "alternative provision";
        MentalHealth = 210, "mental health";
    }
}

impl Characteristic {
    /// In the 2015 XSD's `CharacteristicType` (110-190). 200 was added for
    /// 2019-20; 210 (mental health) is the gateway's own and never part of
    /// an NCCIS return.
    pub fn in_schema_2015(self) -> bool {
        self.code() <= 190
    }

    /// Part of the NCCIS code list of some MI year (everything but 210).
    pub fn is_nccis(self) -> bool {
        self != Characteristic::MentalHealth
    }

    /// Special-category data (UK GDPR art. 9, "data concerning health"):
    /// substance misuse, pregnancy and mental health are health conditions
    /// or health-care facts about the person. The domain rule is that these
    /// are never released without explicit consent for the category.
    /// Looked-after / care-leaver / parent / carer status are sensitive but
    /// not art. 9 categories; they are governed by ordinary minimisation.
    pub fn is_special_category(self) -> bool {
        matches!(
            self,
            Characteristic::SubstanceMisuse
                | Characteristic::Pregnant
                | Characteristic::MentalHealth
        )
    }

    /// Criminal-offence data (UK GDPR art. 10, DPA 2018 s.11): being
    /// supervised by a YOT implies an offence or alleged offence. Not
    /// "special category", but it needs its own lawful condition.
    pub fn is_criminal_offence_data(self) -> bool {
        matches!(self, Characteristic::SupervisedByYot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_categories() {
        let special: Vec<u16> = Characteristic::ALL
            .iter()
            .filter(|c| c.is_special_category())
            .map(|c| c.code())
            .collect();
        assert_eq!(special, vec![150, 180, 210]);
        assert_eq!(Characteristic::ALL.len(), 11);
        for &c in Characteristic::ALL {
            assert_eq!(Characteristic::try_from(c.code()), Ok(c));
        }
    }
}
