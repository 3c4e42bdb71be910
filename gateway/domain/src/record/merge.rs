//! What a new NCCIS return may change in a record the gateway already holds.
//!
//! One place for the rule, so the import command and anything else that
//! replaces a stored record from a return agree:
//! - fields an NCCIS return has no element for (NINO, NHS number, benefit
//!   registration, care-leaver status) are kept from the stored record: the
//!   return says nothing about them;
//! - a return written to the 2015 schema carries SENDFlag Y/N only, so SEN
//!   support (K) known from another source is kept when the return says N;
//! - a return carries one activity, the current one: the earlier activities
//!   the gateway holds are history the return does not contradict, so they
//!   are kept, and the activity's own level of need (a gateway extension)
//!   is kept for the same activity;
//! - when a leaver was first reported to DfE (kept while the status is the
//!   same: a return has no element for it);
//! - characteristics outside the 2015 schema's list (210 mental health, the
//!   gateway's own; 200 alternative provision, added in 2019-20) are kept,
//!   since a return written to that schema cannot carry them (so a 2019-20
//!   return cannot remove a 200 either: the cost of not guessing);
//! - a record the gateway itself transferred to another LA (an acknowledged
//!   transfer set CohortStatus T and TransferredToLACode) stays transferred:
//!   a later return from a CCIS that has not caught up must not bring the
//!   young person back as current here, nor open the way to a second
//!   transfer of the same person.

use super::YoungPerson;
use crate::codes::{Characteristic, CohortStatus};
use crate::ids::LaCode;

/// What the caller knows about the stored record beyond its fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredFacts<'a> {
    /// The destination of an acknowledged outbound transfer of this young
    /// person, if there was one.
    pub acknowledged_transfer_to: Option<&'a LaCode>,
    /// The return carried SENSupportFlag (2019-20 layout), so its N for
    /// SEN support is a real "no".
    pub return_has_sen_support_flag: bool,
}

impl YoungPerson {
    /// Turn `self`, a record read from a return, into the record to store
    /// in place of `stored`.
    pub fn keep_from_stored(&mut self, stored: &YoungPerson, facts: StoredFacts<'_>) {
        self.nino.clone_from(&stored.nino);
        self.nhs_number.clone_from(&stored.nhs_number);
        self.benefit_registration
            .clone_from(&stored.benefit_registration);
        self.care.clone_from(&stored.care);
        self.send = self
            .send
            .refined_by(stored.send, facts.return_has_sen_support_flag);
        if self.cohort_status == stored.cohort_status {
            self.leaving_reported_in = stored.leaving_reported_in;
        }
        self.keep_history_from(stored);
        let uncarried: Vec<Characteristic> = stored
            .characteristics
            .iter()
            .copied()
            .filter(|c| !c.in_schema_2015() && !self.has_characteristic(*c))
            .collect();
        if !uncarried.is_empty() {
            self.characteristics.extend(uncarried);
            self.characteristics.sort();
        }
        if let Some(to) = facts.acknowledged_transfer_to
            && stored.cohort_status == CohortStatus::Transferred
            && stored.transferred_to_la.as_ref() == Some(to)
        {
            self.cohort_status = CohortStatus::Transferred;
            self.transferred_to_la = Some(to.clone());
        }
    }
}

impl YoungPerson {
    /// Keep the stored activities that began before the return's current
    /// one, and the stored level of need of the same activity.
    fn keep_history_from(&mut self, stored: &YoungPerson) {
        let Some(current) = self.current_activity() else {
            return;
        };
        let (start, code) = (current.start_date, current.code);
        let mut earlier: Vec<_> = stored
            .activities
            .iter()
            .filter(|a| a.start_date < start)
            .cloned()
            .collect();
        let same = stored
            .activities
            .iter()
            .find(|a| a.start_date == start && a.code == code)
            .and_then(|a| a.level_of_need);
        for a in &mut self.activities {
            if a.start_date == start && a.code == code && a.level_of_need.is_none() {
                a.level_of_need = same;
            }
        }
        if earlier.is_empty() {
            return;
        }
        // History first, in the order it was held; the return's activities after.
        earlier.extend(
            self.activities
                .drain(..)
                .filter(|a| a.start_date >= start || !stored.activities.contains(a)),
        );
        self.activities = earlier;
    }
}
