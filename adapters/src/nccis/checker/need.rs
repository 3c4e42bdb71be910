//! Level of need and characteristics: rules 100-104.

use super::codes;
use super::raw::RawRecord;
use super::{FileContext, Findings};

pub(crate) fn check(r: &RawRecord<'_>, ctx: &FileContext, f: &mut Findings) {
    match r.level_of_need.as_deref() {
        None => f.raise(100),
        Some(n) => f.raise_if(!codes::LEVEL_OF_NEED.contains(&n), 101),
    }
    match r.send_flag.as_deref() {
        None => f.raise(103),
        // E and K are the gateway's own earlier layout (EHC plan, SEN support).
        Some(s) => f.raise_if(
            !codes::one_of(codes::YES_NO, s) && !codes::one_of(&["E", "K"], s),
            102,
        ),
    }
    let valid = ctx.rules.characteristics();
    f.raise_if(
        r.characteristics
            .iter()
            .any(|c| !valid.contains(&c.as_ref()) && !is_gateway_own(c)),
        104,
    );
}

/// Characteristic 210 (mental health) is the gateway's own, never written
/// to a return; its own layout carries it.
pub(crate) fn is_gateway_own(c: &str) -> bool {
    c == "210"
}
