//! Jobcentre Plus: has this 16/17 year old registered with the LA for employment and
//! training? (JSA Regs 1996 reg.62.) Registered, the date, and in EET / seeking EET /
//! neither (domain.md); never an activity code.

use gateway_adapters::jcp::RegistrationConfirmation;

use super::{Concealment, Declaration, retyped, to_answer};

pub(super) static DECLARATION: Declaration = Declaration {
    name: "benefit-registration",
    route: "/v1/exchanges/benefit-registration",
    roles: &["work_coach"],
    categories: &["identity", "registration", "activity"],
    fields: &[
        ("registered", "registration"),
        ("registration_date", "registration"),
        ("eet", "activity"),
    ],
    code_field: None,
    special_codes: &[],
    concealment: Concealment::NoCode,
    build: |person, windows, today| {
        to_answer(&RegistrationConfirmation::from_record(
            person, windows, today,
        ))
    },
    check_provided: retyped::<RegistrationConfirmation>,
};
