//! The September Guarantee: rules 25, 27, 261, 905 and 906.

use super::codes::{self, la_number};
use super::raw::{RawBlock, RawRecord};
use super::{FileContext, Findings};

/// Which block §3.2 requires on the record at PeriodEnd for national
/// curriculum year `ncy`: the Year 11 guarantee from April of Year 11 to
/// March of Year 12, the Year 12 one from April of Year 12 to March of Year 13.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Required {
    Year11,
    Year12,
}

pub(crate) fn required(period_end_month: u8, ncy: i32) -> Option<Required> {
    let spring_summer = (4..=8).contains(&period_end_month);
    match (spring_summer, ncy) {
        (true, 11) | (false, 12) => Some(Required::Year11),
        (true, 12) | (false, 13) => Some(Required::Year12),
        _ => None,
    }
}

fn complete(b: Option<&RawBlock<'_>>) -> bool {
    b.is_some_and(|b| b.status.is_some() && b.lea.is_some())
}

fn same_la(a: &str, b: &str) -> bool {
    match (la_number(a), la_number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

pub(crate) fn check(r: &RawRecord<'_>, ctx: &FileContext, aa: Option<i32>, f: &mut Findings) {
    let y11 = r.year_11.as_ref();
    let y12 = r.year_12.as_ref();
    if let (Some(at_11), Some(block)) = (
        r.lea_at_year_11.as_deref(),
        y11.and_then(|b| b.lea.as_deref()),
    ) {
        f.raise_if(!same_la(at_11, block), 25);
    }
    let status_bad = |b: Option<&RawBlock<'_>>, list: &[&str]| {
        b.and_then(|b| b.status.as_deref())
            .is_some_and(|s| !list.contains(&s))
    };
    f.raise_if(
        status_bad(y11, codes::GUARANTEE_Y11) || status_bad(y12, codes::GUARANTEE_Y12),
        27,
    );
    let la_bad = |b: Option<&RawBlock<'_>>| {
        b.and_then(|b| b.lea.as_deref())
            .is_some_and(|s| !ctx.rules.is_english(la_number(s)))
    };
    f.raise_if(la_bad(y11) || la_bad(y12), 261);

    let Some(aa) = aa else { return };
    let Some(needed) = required(u8::from(ctx.period_end.month()), aa - 4) else {
        return;
    };
    let incomplete = match needed {
        Required::Year11 => !complete(y11),
        Required::Year12 => !complete(y12),
    };
    let is = |t: Option<&str>, c: &str| t.is_some_and(|s| s.eq_ignore_ascii_case(c));
    f.raise_if(incomplete && is(r.cohort_status.as_deref(), "G"), 905);
    f.raise_if(incomplete && is(r.guarantee_indicator.as_deref(), "Y"), 906);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_of_the_reference() {
        assert_eq!(required(4, 11), Some(Required::Year11));
        assert_eq!(required(8, 12), Some(Required::Year12));
        assert_eq!(required(9, 12), Some(Required::Year11));
        assert_eq!(required(3, 13), Some(Required::Year12));
        assert_eq!(required(3, 11), None);
        assert_eq!(required(6, 13), None);
    }
}
