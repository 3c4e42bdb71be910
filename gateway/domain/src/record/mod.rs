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
mod guarantee;
mod merge;
mod parts;

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

pub use activity::Activity;
pub use guarantee::{GuaranteeBlock, SeptemberGuarantee};
pub use merge::StoredFacts;
pub use parts::{Address, AddressError, BenefitRegistration, CareLeaverStatus, MAX_ADDRESS_LINES};

use crate::codes::{
    Characteristic, CohortStatus, Gender, IntendedDestination, LevelOfNeed, SenProvision,
};
use crate::currency::{Currency, CurrencyWindows, currency};
use crate::dates;
use crate::ids::{
    CcisId, EstablishmentNumber, LaCode, NhsNumber, Nino, PlaceholderPostcode, Ukprn, Uln, Upn,
};

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
    /// A `ZZ99` placeholder written where the postcode is unknown. Kept
    /// apart from [`Address::postcode`] so that nothing matches on it; it
    /// is only written back to NCCIS.
    #[serde(default)]
    pub placeholder_postcode: Option<PlaceholderPostcode>,
    /// NCCIS `SeptemberGuarantee` (Year 11 and Year 12 offers).
    #[serde(default)]
    pub september_guarantee: SeptemberGuarantee,
    /// NCCIS `GuaranteeStatusIndicator`: the young person is covered by the
    /// September Guarantee (checker rule 906 needs the blocks then).
    #[serde(default)]
    pub guarantee_status_indicator: Option<bool>,
    /// NCCIS `YouthContractIndicator` (dropped after 2015-16; carried for
    /// older returns).
    #[serde(default)]
    pub youth_contract_indicator: Option<bool>,
    /// NCCIS `YouthContractStartDate`.
    #[serde(default, with = "crate::dates::iso::option")]
    pub youth_contract_start_date: Option<Date>,
    /// NCCIS `PreviousYPIDIdentifier`: the YoungPersonsID this record had
    /// before (rule 37 checks 13 characters; kept as written, trimmed).
    #[serde(default)]
    pub previous_ypid: Option<String>,
    /// NCCIS `IntendedDestination/IntendedDestinationYr11`.
    #[serde(default)]
    pub intended_destination: Option<IntendedDestination>,
    /// For a leaving status (A, T, E, M, D, L): the PeriodEnd of the first
    /// NCCIS return the gateway exported that reported it. A leaver is
    /// reported so that DfE sees it leave, not in every later month.
    /// Cleared when the status changes.
    #[serde(default, with = "crate::dates::iso::option")]
    pub leaving_reported_in: Option<Date>,
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
    ///
    /// A young person who has left England (CohortStatus E) is no longer
    /// tracked by any English LA: their last activity is history, not a
    /// current state, so it is reported lapsed ("not known", with the last
    /// verified date) whatever its dates say. Every answer to a partner
    /// reads the activity through here.
    pub fn current_currency(&self, windows: &CurrencyWindows, today: Date) -> Option<Currency> {
        let activity = self.current_activity()?;
        if self.cohort_status == CohortStatus::LeftEngland {
            return Some(Currency::Lapsed {
                last_verified: activity.date_verified,
            });
        }
        Some(currency(activity, windows, today))
    }

    /// Whether a partner's question can be about this record at all: not a
    /// duplicate (M) nor a deceased young person (D). The subject index
    /// holds only such records, so neither is ever answered as if current.
    pub fn is_matchable(&self) -> bool {
        !self.cohort_status.is_not_a_subject()
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
