//! Valid, unique-per-index identifiers for synthetic people, built by the
//! checked constructors so they cannot be invalid.

use time::Date;

use super::names;
use super::prng::SplitMix64;
use crate::ids::{LaCode, NhsNumber, Nino, Uln, Upn};

/// A permanent UPN from the lead LA, unique per index below 9,000,000
/// (establishment and serial both derive from the index).
pub(crate) fn upn(lead_la: &LaCode, today: Date, index: u64, age: u32, estab: u16) -> Option<Upn> {
    // Allocated on entry to reception, at about 4.
    let year = (today.year() - i32::try_from(age).ok()? + 4).rem_euclid(100);
    let serial = u16::try_from(index % 1000).ok()?;
    Upn::from_parts(lead_la, estab, u8::try_from(year).ok()?, serial)
}

/// Unique per index: bases 2i and 2i+1 differ in the last weighted digit
/// (weight 2), so at least one of them has a check digit.
pub(crate) fn uln(index: u64) -> Option<Uln> {
    let base = u32::try_from(100_000_000 + 2 * index).ok()?;
    Uln::from_base(base).or_else(|| Uln::from_base(base + 1))
}

/// From the 999 range NHS England reserves for testing; unique per index
/// below 500,000, after which `from_base` rejects the ten-digit base.
pub(crate) fn nhs_number(index: u64) -> Option<NhsNumber> {
    let base = u32::try_from(999_000_000 + 2 * index).ok()?;
    NhsNumber::from_base(base).or_else(|| NhsNumber::from_base(base.checked_add(1)?))
}

pub(crate) fn nino(rng: &mut SplitMix64, index: u64) -> Option<Nino> {
    let prefix_index = usize::try_from(index / 1_000_000).ok()? % names::NINO_PREFIXES.len();
    let prefix = names::NINO_PREFIXES.get(prefix_index)?;
    let suffix = rng.pick(b"ABCD");
    Nino::parse(&format!(
        "{prefix}{:06}{}",
        index % 1_000_000,
        char::from(suffix)
    ))
    .ok()
}
