//! Personal details: rules 1-43, and 903/904 (the identifier against the
//! header, the status code list).

use super::codes::{self, la_number};
use super::raw::RawRecord;
use super::{FileContext, Findings};

/// POSTCODE of §4.1: outward A9, A99, A9A, AA9, AA99 or AA9A, one space,
/// inward 9AA; letters in any case, nothing else.
pub(crate) fn postcode_form(s: &str) -> bool {
    let Some((outward, inward)) = s.split_once(' ') else {
        return false;
    };
    let letter = |b: &u8| b.is_ascii_alphabetic();
    let digit = |b: &u8| b.is_ascii_digit();
    let inward_ok = matches!(inward.as_bytes(), [d, a, b] if digit(d) && letter(a) && letter(b));
    let outward_ok = match outward.as_bytes() {
        [a, d] => letter(a) && digit(d),
        [a, x, y] => {
            letter(a) && ((digit(x) && (digit(y) || letter(y))) || (letter(x) && digit(y)))
        }
        [a, b, d, y] => letter(a) && letter(b) && digit(d) && (digit(y) || letter(y)),
        _ => false,
    };
    inward_ok && outward_ok
}

pub(crate) fn check(r: &RawRecord<'_>, ctx: &FileContext, aa: Option<i32>, f: &mut Findings) {
    let rules = &ctx.rules;
    // 1: 13 characters (an absent YoungPersonsID raises 1 too, §4.6).
    f.raise_if(
        r.ypid.as_deref().is_none_or(|id| id.chars().count() != 13),
        1,
    );
    f.raise_if(r.given_name.is_none(), 2);
    f.raise_if(r.family_name.is_none(), 3);
    match r.gender.as_deref() {
        None => f.raise(4),
        Some(g) => f.raise_if(!codes::one_of(codes::GENDER, g), 5),
    }
    match r.ethnicity.as_deref() {
        None => f.raise(6),
        Some(e) => f.raise_if(!codes::one_of(codes::ETHNICITY, e), 7),
    }
    f.raise_if(r.dob.is_none(), 8);
    let status = r.cohort_status.as_deref();
    let status_is = |c: &str| status.is_some_and(|s| s.eq_ignore_ascii_case(c));
    if let Some(aa) = aa {
        f.raise_if(aa > ctx.config.max_academic_age && !status_is("A"), 9);
        f.raise_if(aa < 15, 10);
    }
    match status {
        None => f.raise(11),
        Some(s) => f.raise_if(!codes::one_of(codes::COHORT_STATUS, s), 904),
    }
    f.raise_if(status_is("T") && r.transferred_to.is_none(), 13);
    let lead = r.lead_lea.as_deref().map(la_number);
    match lead {
        None => f.raise(14),
        Some(n) => {
            f.raise_if(!rules.is_english(n), 15);
            f.raise_if(n.is_none_or(|n| !ctx.source_las.contains(&n)), 26);
        }
    }
    let recognised = |t: Option<&str>| t.is_none_or(|s| rules.is_recognised(la_number(s)));
    f.raise_if(!recognised(r.educated_lea.as_deref()), 19);
    f.raise_if(!recognised(r.lea_at_year_11.as_deref()), 24);
    // 30: ten digits, no leading zero.
    f.raise_if(
        r.uln.as_deref().is_some_and(|u| {
            !(u.len() == 10 && u.bytes().all(|b| b.is_ascii_digit()) && !u.starts_with('0'))
        }),
        30,
    );
    f.raise_if(!r.has_address, 31);
    match r.postcode.as_deref() {
        None => f.raise(32),
        Some(pc) => f.raise_if(!postcode_form(pc), 43),
    }
    if let Some(to) = r.transferred_to.as_deref() {
        let to_n = la_number(to);
        f.raise_if(status.is_some() && !status_is("T"), 34);
        let bad_for_status = (status_is("T") && !rules.is_english(to_n))
            || (status_is("E") && to_n.is_none_or(|n| n > 3));
        f.raise_if(bad_for_status, 35);
        f.raise_if(to_n == Some(4), 41);
        f.raise_if(to_n.is_some() && lead.flatten() == to_n, 42);
    }
    let thirteen = |t: Option<&str>| t.is_some_and(|s| s.chars().count() != 13);
    f.raise_if(thirteen(r.previous_ypid.as_deref()), 37);
    f.raise_if(thirteen(r.upn.as_deref()), 38);
    // 40: academic ages 18-24 belong in the return only with an EHC plan.
    // The gateway's own layout writes E for an EHC plan.
    let send_y = r
        .send_flag
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("Y") || s.eq_ignore_ascii_case("E"));
    f.raise_if(aa.is_some_and(|aa| aa >= 18) && !send_y, 40);
    // 903: the first three characters are a header DatabaseID.
    let db_ok = r.ypid.as_deref().is_some_and(|id| {
        id.get(..3)
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u16>().ok())
            .is_some_and(|db| ctx.database_ids.contains(&db))
    });
    f.raise_if(!db_ok, 903);
}

#[cfg(test)]
mod tests {
    use super::postcode_form;

    #[test]
    fn postcode_forms() {
        for ok in [
            "M1 1AA", "M60 1NW", "CR2 6XH", "DN55 1PT", "W1A 1HQ", "EC1A 1BB", "zz99 9zz",
        ] {
            assert!(postcode_form(ok), "{ok}");
        }
        for bad in [
            "M11AA",
            "M1  1AA",
            "1M 1AA",
            "EC1A1 1BB",
            "M1 1A",
            "M_ 1AA",
            "M1 1AA ",
        ] {
            assert!(!postcode_form(bad), "{bad}");
        }
    }
}
