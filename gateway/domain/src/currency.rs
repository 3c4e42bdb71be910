//! Currency: whether a recorded activity is still fresh enough to report.
//!
//! CCIS practice (seeds 001 and 004): NEET must be re-confirmed every 3
//! months, EET every 12; "a status whose currency has lapsed is reported as
//! not known, never as the stale value". The windows are configuration.
//!
//! Guarantee: [`Currency::Lapsed`] carries no activity code, so code that
//! holds a lapsed currency cannot report the stale activity even by mistake.
//!
//! Rules, for an activity last verified on V and a window of N months:
//! - current up to and including V + N calendar months (end-of-month
//!   clamped: 30 Nov + 3 months = 28/29 Feb), lapsed from the day after;
//! - also lapsed from its `due_to_lapse_date` (inclusive), whichever comes
//!   first. Inclusive because the NCCIS checker pairs CurrencyLapsed = Y
//!   with DueToLapseDate ≤ PeriodEnd: on that date the CCIS itself already
//!   calls the activity lapsed, and the gateway must not answer fresher
//!   than the source system would;
//! - also lapsed the day after its `predicted_end_date` for education and
//!   training (the activities NCCIS rule 259 requires one for,
//!   [`ActivityCode::has_planned_end`]): once the course has ended the
//!   young person is no longer known to be on it, and rule 238 makes the
//!   CCIS's own DueToLapseDate no later than that date anyway. For
//!   employment the date is informational (a contract's end is not known
//!   in advance), so it does not end currency.
//!
//! The window of 550 (working not for reward with part-time study) is the
//! EET one: it is an employment code (the XSD's "Employment" heading).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::codes::{ActivityCode, ActivityGroup};
use crate::dates::add_months;
use crate::record::Activity;

/// How many calendar months each kind of activity stays current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CurrencyWindows {
    /// NEET (540-680). Default 3.
    pub neet_months: u32,
    /// EET (education, employment, training, re-engagement). Default 12.
    pub eet_months: u32,
    /// Everything else: pre-16, 7xx, not known. Default 12.
    pub other_months: u32,
}

impl Default for CurrencyWindows {
    fn default() -> Self {
        CurrencyWindows {
            neet_months: 3,
            eet_months: 12,
            other_months: 12,
        }
    }
}

impl CurrencyWindows {
    /// The window for an activity group.
    pub fn months_for(&self, group: ActivityGroup) -> u32 {
        if group.is_neet() {
            self.neet_months
        } else if group.is_eet() {
            self.eet_months
        } else {
            self.other_months
        }
    }
}

/// The reportable state of an activity on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Currency {
    Current {
        code: ActivityCode,
        #[serde(with = "crate::dates::iso")]
        date_verified: Date,
    },
    /// Reported as "not known". Deliberately without the stale code.
    Lapsed {
        #[serde(with = "crate::dates::iso")]
        last_verified: Date,
    },
}

impl Currency {
    pub fn is_current(&self) -> bool {
        matches!(self, Currency::Current { .. })
    }

    /// The code that may be reported: `None` when lapsed ("not known").
    pub fn reported_code(&self) -> Option<ActivityCode> {
        match self {
            Currency::Current { code, .. } => Some(*code),
            Currency::Lapsed { .. } => None,
        }
    }

    /// The group that may be reported: [`ActivityGroup::NotKnown`] when lapsed.
    pub fn reported_group(&self) -> ActivityGroup {
        self.reported_code()
            .map_or(ActivityGroup::NotKnown, ActivityCode::group)
    }
}

/// The currency of `activity` on `today`.
pub fn currency(activity: &Activity, windows: &CurrencyWindows, today: Date) -> Currency {
    let lapsed_by_date = activity.due_to_lapse_date.is_some_and(|due| due <= today);
    let months = windows.months_for(activity.code.group());
    // A deadline beyond the representable calendar never passes.
    let lapsed_by_age = add_months(activity.date_verified, months).is_some_and(|last| today > last);
    let course_over = activity.code.has_planned_end()
        && activity.predicted_end_date.is_some_and(|end| today > end);
    if lapsed_by_date || lapsed_by_age || course_over {
        Currency::Lapsed {
            last_verified: activity.date_verified,
        }
    } else {
        Currency::Current {
            code: activity.code,
            date_verified: activity.date_verified,
        }
    }
}

#[cfg(test)]
mod tests;
