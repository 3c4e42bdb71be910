//! Leaving-care team: what is this care leaver doing? (Children (Leaving Care) Act 2000;
//! SSDA903 ACTIV and IN_TOUCH.)

use gateway_adapters::ssda903::{CareLeaverReturn, care_leaver_return};

use super::{Concealment, Declaration, NotApplicable, retyped, to_answer};

pub(super) static DECLARATION: Declaration = Declaration {
    name: "care-leaver-status",
    route: "/v1/exchanges/care-leaver-status",
    roles: &[
        "personal_adviser",
        "social_work_manager",
        "safeguarding_lead",
    ],
    categories: &["identity", "care_status", "activity"],
    fields: &[
        ("in_touch", "care_status"),
        ("activ", "activity"),
        ("currency", "activity"),
    ],
    code_field: Some("activ"),
    // G4 NEET illness/disability, G6 NEET pregnancy/parenting.
    special_codes: &[("G4", "health"), ("G6", "pregnancy")],
    // G5 (NEET other reasons) is the neighbouring ordinary code: a G4 or G6 without its
    // category released reads as any other NEET care leaver.
    concealment: Concealment::CodeGeneralisedTo("G5"),
    build: |person, windows, today| {
        let answer = care_leaver_return(person, windows, today)
            .map_err(|_| NotApplicable::NotACareLeaver)?;
        to_answer(&answer)
    },
    check_provided: retyped::<CareLeaverReturn>,
};
