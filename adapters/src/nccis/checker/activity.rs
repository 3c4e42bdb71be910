//! The current activity: rules 200-262 (and 39, the activity's UKPRN).

use time::Date;

use super::codes::{self, code3, la_number};
use super::raw::RawRecord;
use super::{FileContext, Findings, birthday, current, date};
use crate::xml::text::parse_date;

fn has_characteristic(r: &RawRecord<'_>, code: &str) -> bool {
    r.characteristics.iter().any(|c| c.as_ref() == code)
}

pub(crate) fn check(
    r: &RawRecord<'_>,
    ctx: &FileContext,
    dob: Option<Date>,
    aa: Option<i32>,
    f: &mut Findings,
) {
    if !r.has_activities {
        f.raise(240);
    }
    let Some(a) = current(r) else {
        // No Cohort: every mandatory field of it is absent.
        for n in [200, 202, 203, 220] {
            f.raise(n);
        }
        return;
    };
    // The code as written: a value outside ACT_VALID is 201, never "absent".
    let code = a
        .code
        .as_deref()
        .map(|s| code3(s).filter(|c| ctx.rules.activity_valid(*c)));
    match code {
        None => f.raise(200),
        Some(None) => f.raise(201),
        Some(Some(_)) => {}
    }
    let code = code.flatten();
    let is = |c: u16| code == Some(c);
    let in_set = |set: &[u16]| code.is_some_and(|c| set.contains(&c));

    let start = date(&a.start);
    let ascertained = date(&a.ascertained);
    let verified = date(&a.verified);
    let review = date(&a.review);
    let due = date(&a.due_to_lapse);
    let neet = date(&a.neet_start);
    let predicted = date(&a.predicted_end);
    f.raise_if(a.start.is_none(), 202);
    f.raise_if(a.ascertained.is_none(), 203);

    let lapsed = a.lapsed.as_deref();
    match lapsed {
        None => f.raise(220),
        Some(l) => f.raise_if(!codes::one_of(codes::YES_NO, l), 221),
    }
    let lapsed_y = lapsed.is_some_and(|l| l.eq_ignore_ascii_case("Y"));
    let lapsed_n = lapsed.is_some_and(|l| l.eq_ignore_ascii_case("N"));

    let neet_code = in_set(codes::ACT_NEET);
    f.raise_if(neet_code && a.neet_start.is_none(), 224);
    f.raise_if(gt(neet, start), 225);
    f.raise_if(a.neet_start.is_some() && code.is_some() && !neet_code, 226);

    // 228: seven digits, the first three an English LA.
    f.raise_if(
        a.establishment.as_deref().is_some_and(|e| {
            !(e.len() == 7
                && e.bytes().all(|b| b.is_ascii_digit())
                && ctx.rules.is_english(e.get(..3).and_then(la_number)))
        }),
        228,
    );
    if let Some(aa) = aa {
        f.raise_if(code.is_some() && !in_set(codes::ACT_COMP) && aa <= 15, 229);
        f.raise_if(in_set(codes::ACT_COMP) && aa >= 16, 230);
    }
    let pe = Some(ctx.period_end);
    f.raise_if(lapsed_y && gt(due, pe), 231);
    f.raise_if(lapsed_n && gt(pe, due), 232);
    f.raise_if(is(620) && !has_characteristic(r, "140"), 233);
    f.raise_if(is(630) && !has_characteristic(r, "120"), 234);
    f.raise_if(is(650) && !has_characteristic(r, "180"), 235);
    f.raise_if(gt(ascertained, verified), 237);
    f.raise_if(gt(due, predicted), 238);
    f.raise_if(gt(start, ascertained), 242);
    let needs_lapse =
        code.is_some_and(|c| !codes::ACT_NEET.contains(&c) && !codes::ACT_NOT_KNOWN.contains(&c));
    f.raise_if(needs_lapse && a.due_to_lapse.is_none(), 243);
    f.raise_if(
        a.due_to_lapse
            .as_deref()
            .is_some_and(|d| parse_date(d).is_none()),
        244,
    );
    if let Some(dob) = dob {
        f.raise_if(gt(birthday(dob, 15), neet), 251);
        f.raise_if(is(440) && gt(birthday(dob, 18), start), 253);
    }
    let send = r.send_flag.as_deref();
    let send_not_y =
        send.is_some_and(|s| !s.eq_ignore_ascii_case("Y") && !s.eq_ignore_ascii_case("E"));
    f.raise_if(is(280) && send_not_y, 254);
    f.raise_if(is(460) && send_not_y, 255);
    f.raise_if(gt(start, verified), 256);
    f.raise_if(gt(review, predicted), 257);
    f.raise_if(
        a.predicted_end
            .as_deref()
            .is_some_and(|d| parse_date(d).is_none()),
        258,
    );
    f.raise_if(
        in_set(codes::ACT_NEEDS_END) && a.predicted_end.is_none(),
        259,
    );
    let male = r
        .gender
        .as_deref()
        .is_some_and(|g| g.eq_ignore_ascii_case("M"));
    f.raise_if(male && has_characteristic(r, "180"), 260);
    f.raise_if(in_set(codes::ACT_NEEDS_REVIEW) && a.review.is_none(), 262);
    // 39: eight digits starting with 1.
    f.raise_if(
        a.ukprn.as_deref().is_some_and(|u| {
            !(u.len() == 8 && u.starts_with('1') && u.bytes().all(|b| b.is_ascii_digit()))
        }),
        39,
    );
}

/// `a > b`, false when either is absent (§0.3.2).
fn gt(a: Option<Date>, b: Option<Date>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a > b)
}
