//! Identifiers packed into one `u64` each, so the identifier table holds
//! 16-byte entries instead of strings.
//!
//! The packing is injective within and across schemes: the scheme is in
//! the top four bits and each scheme's value is a mixed-radix number of its
//! (already validated and normalised) characters, below 2^60:
//! - UPN: first letter (26) · 11 digits · last character (36): < 9.4·10^13;
//! - ULN: its 10 digits: < 10^10;
//! - CCIS id: its 13 digits: < 10^13;
//! - NINO: two letters (26·26) · 6 digits · suffix (none or A-D, 5): < 3.4·10^9.
//!
//! A value whose characters do not fit the scheme (impossible for the
//! validated types) packs to `None` and is neither indexed nor found.

use gateway_domain::{IdKind, SubjectRef};

const TAG_SHIFT: u32 = 60;

#[derive(Clone, Copy)]
#[repr(u64)]
enum Tag {
    Upn = 1,
    Uln = 2,
    Ccis = 3,
    Nino = 4,
}

fn digit(c: u8) -> Option<u64> {
    c.is_ascii_digit().then(|| u64::from(c - b'0'))
}

fn letter(c: u8) -> Option<u64> {
    c.is_ascii_uppercase().then(|| u64::from(c - b'A'))
}

fn alnum36(c: u8) -> Option<u64> {
    digit(c).or_else(|| letter(c).map(|v| v + 10))
}

fn digits(bytes: &[u8]) -> Option<u64> {
    bytes
        .iter()
        .try_fold(0u64, |acc, &c| acc.checked_mul(10)?.checked_add(digit(c)?))
}

fn tagged(tag: Tag, value: u64) -> Option<u64> {
    (value < (1 << TAG_SHIFT)).then_some(((tag as u64) << TAG_SHIFT) | value)
}

fn upn(s: &[u8]) -> Option<u64> {
    let [first, rest @ .., last] = s else {
        return None;
    };
    if s.len() != 13 {
        return None;
    }
    let v = letter(*first)?
        .checked_mul(100_000_000_000)?
        .checked_add(digits(rest)?)?
        .checked_mul(36)?
        .checked_add(alnum36(*last)?)?;
    tagged(Tag::Upn, v)
}

fn fixed_digits(tag: Tag, s: &[u8], len: usize) -> Option<u64> {
    if s.len() != len {
        return None;
    }
    tagged(tag, digits(s)?)
}

fn nino(s: &[u8]) -> Option<u64> {
    let [a, b, rest @ ..] = s else {
        return None;
    };
    let (num, suffix) = match rest.len() {
        6 => (rest, 0),
        7 => {
            let (num, sfx) = rest.split_at(6);
            let c = *sfx.first()?;
            if !(b'A'..=b'D').contains(&c) {
                return None;
            }
            (num, u64::from(c - b'A') + 1)
        }
        _ => return None,
    };
    let v = (letter(*a)? * 26 + letter(*b)?)
        .checked_mul(1_000_000)?
        .checked_add(digits(num)?)?
        .checked_mul(5)?
        .checked_add(suffix)?;
    tagged(Tag::Nino, v)
}

/// The packed code of an identifier; never zero.
pub(crate) fn pack(r: &SubjectRef) -> Option<u64> {
    pack_str(r.kind(), r.as_str())
}

/// The packed code of the normalised value `s` of scheme `kind`; `None`
/// for a scheme that is not a subject identifier.
pub(crate) fn pack_str(kind: IdKind, s: &str) -> Option<u64> {
    let s = s.as_bytes();
    match kind {
        IdKind::Upn => upn(s),
        IdKind::Uln => fixed_digits(Tag::Uln, s, 10),
        IdKind::CcisId => fixed_digits(Tag::Ccis, s, 13),
        IdKind::Nino => nino(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use gateway_domain::{CcisId, LaCode, Nino, Uln, Upn};

    use super::*;

    #[test]
    fn distinct_identifiers_pack_distinctly() {
        let la = LaCode::parse("886").unwrap();
        let mut refs: Vec<SubjectRef> = Vec::new();
        for serial in 0..200u16 {
            refs.push(Upn::from_parts(&la, 2000, 9, serial).unwrap().into());
            if let Some(uln) = Uln::from_base(100_000_000 + u32::from(serial) * 7) {
                refs.push(uln.into());
            }
            refs.push(CcisId::from_parts(886, u64::from(serial)).unwrap().into());
            refs.push(Nino::parse(&format!("AB{:06}", serial)).unwrap().into());
            refs.push(Nino::parse(&format!("AB{:06}A", serial)).unwrap().into());
        }
        refs.push(Upn::parse("H80120000100B").unwrap().into());
        refs.push(Upn::parse("E80120000100Z").unwrap().into());
        refs.push(CcisId::parse("9999999999999").unwrap().into());
        refs.push(Nino::parse("ZY999999D").unwrap().into());
        let mut seen: HashMap<u64, &SubjectRef> = HashMap::new();
        for r in &refs {
            let code = pack(r).unwrap();
            assert_ne!(code, 0);
            if let Some(prev) = seen.insert(code, r) {
                assert_eq!(prev, r, "two identifiers packed to one code");
            }
        }
    }
}
