//! The canonical young person record every other crate reads and writes.
//!
//! Guarantees: identifiers and codes inside a record are valid (they are the
//! validated types from [`crate::ids`] and [`crate::codes`]); `Debug` never
//! prints names, address, date of birth, identifiers or characteristics, so
//! a record that reaches a log line by accident discloses nothing about the
//! person.
//!
//! Not guaranteed: cross-field NCCIS checker rules (CohortStatus T needs
//! TransferredToLACode, 650 needs characteristic 180, ...). Those are
//! validation of an import, owned by whoever imports; the record holds
//! what was recorded.

mod activity;
mod parts;

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

pub use activity::Activity;
pub use parts::{Address, AddressError, BenefitRegistration, CareLeaverStatus, MAX_ADDRESS_LINES};

use crate::codes::{Characteristic, CohortStatus, Gender, LevelOfNeed, SenProvision};
use crate::currency::{Currency, CurrencyWindows, currency};
use crate::dates;
use crate::ids::{CcisId, EstablishmentNumber, LaCode, NhsNumber, Nino, Ukprn, Uln, Upn};

/// A young person as held in the lead LA's CCIS.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct YoungPerson {
    pub ccis_id: CcisId,
    #[serde(default)]
    pub upn: Option<Upn>,
    #[serde(default)]
    pub uln: Option<Uln>,
    #[serde(default)]
    pub nino: Option<Nino>,
    #[serde(default)]
    pub nhs_number: Option<NhsNumber>,
    pub given_name: String,
    #[serde(default)]
    pub middle_name: Option<String>,
    pub family_name: String,
    pub gender: Gender,
    #[serde(with = "crate::dates::iso")]
    pub date_of_birth: Date,
    #[serde(default)]
    pub address: Address,
    pub lead_la: LaCode,
    #[serde(default)]
    pub la_at_year_11: Option<LaCode>,
    pub cohort_status: CohortStatus,
    #[serde(default)]
    pub transferred_to_la: Option<LaCode>,
    #[serde(default)]
    pub ethnicity: Option<String>,
    #[serde(default)]
    pub educated_la: Option<LaCode>,
    /// NCCIS SENDFlag.
    pub send: SenProvision,
    #[serde(default)]
    pub characteristics: Vec<Characteristic>,
    #[serde(default)]
    pub level_of_need: Option<LevelOfNeed>,
    /// Activity history, in no guaranteed order; see [`Self::current_activity`].
    #[serde(default)]
    pub activities: Vec<Activity>,
    #[serde(default)]
    pub benefit_registration: Option<BenefitRegistration>,
    #[serde(default)]
    pub care: Option<CareLeaverStatus>,
    #[serde(default)]
    pub yot_supervised: bool,
    #[serde(default)]
    pub establishment_number: Option<EstablishmentNumber>,
    #[serde(default)]
    pub ukprn: Option<Ukprn>,
}

impl YoungPerson {
    /// The current activity: the latest by start date, ties broken by the
    /// later verification (a re-confirmed record supersedes an older entry
    /// with the same start), and on a full tie the later entry in the list.
    pub fn current_activity(&self) -> Option<&Activity> {
        self.activities
            .iter()
            .max_by_key(|a| (a.start_date, a.date_verified))
    }

    /// Age in completed years on `date` (29 February birthdays fall on
    /// 1 March in common years; see [`dates::birthday_in`]). `None` before
    /// the date of birth.
    pub fn age_on(&self, date: Date) -> Option<u32> {
        dates::age_on(self.date_of_birth, date)
    }

    /// From the 16th birthday the young person's own decisions on consent
    /// and objection govern.
    pub fn is_16_or_over_on(&self, date: Date) -> bool {
        self.age_on(date).is_some_and(|age| age >= 16)
    }

    pub fn has_characteristic(&self, c: Characteristic) -> bool {
        self.characteristics.contains(&c)
    }

    /// Currency of the current activity on `today`; `None` with no activity.
    pub fn current_currency(&self, windows: &CurrencyWindows, today: Date) -> Option<Currency> {
        self.current_activity().map(|a| currency(a, windows, today))
    }
}

/// Shows only what is safe in a log: the record's administrative state.
impl fmt::Debug for YoungPerson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YoungPerson")
            .field("ccis_id", &self.ccis_id)
            .field("lead_la", &self.lead_la.as_str())
            .field("cohort_status", &self.cohort_status)
            .field("activities", &self.activities.len())
            .field("characteristics", &self.characteristics.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
