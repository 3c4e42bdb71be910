//! Intended destination, SEN support, verification: rules 301-305.

use super::codes;
use super::raw::RawRecord;
use super::{FileContext, Findings, current, date};

pub(crate) fn check(r: &RawRecord<'_>, ctx: &FileContext, aa: Option<i32>, f: &mut Findings) {
    match r.intended_destination.as_deref() {
        None => f.raise_if(aa == Some(15), 301),
        Some(d) => f.raise_if(!codes::INTENDED_DESTINATION.contains(&d), 302),
    }
    if ctx.rules.has_sen_support_flag() {
        match r.sen_support_flag.as_deref() {
            None => f.raise(303),
            Some(s) => f.raise_if(!codes::one_of(codes::YES_NO, s), 304),
        }
    }
    let verified = current(r).and_then(|a| date(&a.verified));
    f.raise_if(verified.is_some_and(|v| v > ctx.period_end), 305);
}
