//! Calendar arithmetic the domain rules depend on: whole calendar months
//! (currency windows) and exact ages (consent passes to the young person on
//! the 16th birthday; cohort age limits).
//!
//! [`iso`] is the serde form of every date in the domain: `CCYY-MM-DD`, as
//! NCCIS requires (use `#[serde(with = "crate::dates::iso")]`, or
//! `crate::dates::iso::option` for `Option<Date>`). Without it `time` would
//! serialise a `Date` as a `[year, ordinal]` pair in JSON.
//!
//! Guarantees: no panics for any `Date` the `time` crate can represent;
//! results that would fall outside that range are `None`.

use time::{Date, Month};

time::serde::format_description!(
    pub iso,
    Date,
    "[year]-[month]-[day]"
);

/// `date` plus `months` calendar months, with the day clamped to the end of
/// the target month (31 Jan + 1 month = 28 or 29 Feb; 31 Aug + 3 = 30 Nov).
/// Clamping, rather than rolling over into the next month, keeps "N months
/// after" inside the Nth month, which is how people count a 3-month review.
pub fn add_months(date: Date, months: u32) -> Option<Date> {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1;
    let target = index.checked_add(i64::from(months))?;
    let year = i32::try_from(target.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(target.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// The date in `year` on which someone born on `dob` has their birthday.
///
/// A person born on 29 February has their birthday on 1 March in a common
/// year. This follows the view generally taken in England (a person attains
/// an age at the start of the anniversary of their birth, and in a common
/// year the day after 28 February is the first day that follows the full
/// number of years). It is also the cautious choice here: an under-16's
/// parent keeps the consent decision one day longer, rather than a young
/// person being treated as 16 before the law clearly says so.
pub fn birthday_in(dob: Date, year: i32) -> Option<Date> {
    Date::from_calendar_date(year, dob.month(), dob.day())
        .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
        .ok()
}

/// Age in completed years on `on`, or `None` if `on` is before `dob`.
pub fn age_on(dob: Date, on: Date) -> Option<u32> {
    if on < dob {
        return None;
    }
    let years = u32::try_from(on.year() - dob.year()).ok()?;
    match birthday_in(dob, on.year()) {
        Some(birthday) if on < birthday => years.checked_sub(1),
        Some(_) => Some(years),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn add_months_clamps_to_month_end() {
        assert_eq!(
            add_months(date!(2024 - 01 - 31), 1),
            Some(date!(2024 - 02 - 29))
        );
        assert_eq!(
            add_months(date!(2023 - 01 - 31), 1),
            Some(date!(2023 - 02 - 28))
        );
        assert_eq!(
            add_months(date!(2024 - 08 - 31), 3),
            Some(date!(2024 - 11 - 30))
        );
        assert_eq!(
            add_months(date!(2024 - 11 - 15), 3),
            Some(date!(2025 - 02 - 15))
        );
        assert_eq!(
            add_months(date!(2024 - 05 - 10), 0),
            Some(date!(2024 - 05 - 10))
        );
        assert_eq!(
            add_months(date!(2024 - 05 - 10), 12),
            Some(date!(2025 - 05 - 10))
        );
        assert_eq!(add_months(Date::MAX, 1), None);
        assert_eq!(add_months(Date::MIN, u32::MAX), None);
    }

    #[test]
    fn ordinary_birthday() {
        let dob = date!(2008 - 06 - 15);
        assert_eq!(age_on(dob, date!(2024 - 06 - 14)), Some(15));
        assert_eq!(age_on(dob, date!(2024 - 06 - 15)), Some(16));
        assert_eq!(age_on(dob, date!(2024 - 06 - 16)), Some(16));
        assert_eq!(age_on(dob, dob), Some(0));
        assert_eq!(age_on(dob, date!(2008 - 06 - 14)), None);
    }

    #[test]
    fn leap_day_birthday_is_first_of_march_in_common_years() {
        let dob = date!(2008 - 02 - 29);
        assert_eq!(age_on(dob, date!(2024 - 02 - 28)), Some(15));
        assert_eq!(age_on(dob, date!(2024 - 02 - 29)), Some(16));
        assert_eq!(age_on(dob, date!(2025 - 02 - 28)), Some(16));
        assert_eq!(age_on(dob, date!(2025 - 03 - 01)), Some(17));
        assert_eq!(age_on(dob, date!(2023 - 02 - 28)), Some(14));
        assert_eq!(age_on(dob, date!(2023 - 03 - 01)), Some(15));
    }

    #[test]
    fn extremes_do_not_panic() {
        assert!(age_on(Date::MIN, Date::MAX).is_some());
        assert_eq!(age_on(Date::MAX, Date::MIN), None);
    }
}
