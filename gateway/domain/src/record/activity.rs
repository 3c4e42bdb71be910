//! One entry of a young person's activity history (NCCIS Activities).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::codes::{ActivityCode, LevelOfNeed};
use crate::ids::{DfeNumber, Ukprn};

/// An activity and the dates that say how we know it and how fresh it is.
///
/// Dates follow NCCIS: `date_ascertained` is when the adviser learned of the
/// activity, `date_verified` when it was last confirmed (currency runs from
/// here), `due_to_lapse_date` when the CCIS itself considers it stale.
/// NCCIS checker rules (ascertained ≤ verified, start ≤ verified,
/// NEETStartDate present iff NEET) are the adapters' to enforce on import;
/// this type holds what was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub code: ActivityCode,
    #[serde(with = "crate::dates::iso")]
    pub start_date: Date,
    #[serde(with = "crate::dates::iso")]
    pub date_ascertained: Date,
    #[serde(with = "crate::dates::iso")]
    pub date_verified: Date,
    #[serde(default, with = "crate::dates::iso::option")]
    pub review_date: Option<Date>,
    #[serde(default, with = "crate::dates::iso::option")]
    pub due_to_lapse_date: Option<Date>,
    #[serde(default)]
    pub level_of_need: Option<LevelOfNeed>,
    #[serde(default, with = "crate::dates::iso::option")]
    pub neet_start_date: Option<Date>,
    #[serde(default, with = "crate::dates::iso::option")]
    pub predicted_end_date: Option<Date>,
    /// NCCIS `Cohort/EstablishmentNumber`: the seven-digit DfE number of
    /// the school or college (LA code + establishment).
    #[serde(default)]
    pub establishment: Option<DfeNumber>,
    /// NCCIS `Cohort/EstablishmentName`.
    #[serde(default)]
    pub establishment_name: Option<String>,
    /// NCCIS `Cohort/UKProviderReferenceNumber`: the provider of this activity.
    #[serde(default)]
    pub ukprn: Option<Ukprn>,
}

impl Activity {
    /// An activity with the three required dates and nothing optional.
    pub fn new(
        code: ActivityCode,
        start_date: Date,
        date_ascertained: Date,
        date_verified: Date,
    ) -> Self {
        Activity {
            code,
            start_date,
            date_ascertained,
            date_verified,
            review_date: None,
            due_to_lapse_date: None,
            level_of_need: None,
            neet_start_date: None,
            predicted_end_date: None,
            establishment: None,
            establishment_name: None,
            ukprn: None,
        }
    }
}
