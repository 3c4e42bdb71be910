//! YOT: is this young person in suitable education, employment or training? (Crime and
//! Disorder Act 1998 s.115/s.37; YJB KPI 2.)

use gateway_adapters::yot::EetStatusAnswer;

use super::{Concealment, Declaration, retyped, to_answer};

pub(super) static DECLARATION: Declaration = Declaration {
    name: "eet-status",
    route: "/v1/exchanges/eet-status",
    roles: &["yot_officer", "yot_manager", "safeguarding_lead"],
    categories: &["identity", "activity", "ete_suitability", "send"],
    fields: &[
        ("activity_code", "activity"),
        ("activity_group", "activity"),
        ("date_verified", "activity"),
        ("currency", "activity"),
        ("ete", "ete_suitability"),
        ("send", "send"),
    ],
    code_field: Some("activity_code"),
    special_codes: &[("640", "health"), ("650", "pregnancy")],
    // Every NEET-inactive code (620-680) answers only its group unless the code's own
    // special category is released, so 640 and 650 read exactly like 620, 630, 660, 670
    // and 680 (ARCHITECTURE.md, "special categories").
    concealment: Concealment::CodeDroppedInGroup {
        group_field: "activity_group",
        group: "neet_inactive",
    },
    build: |person, windows, today| {
        to_answer(&EetStatusAnswer::from_record(person, windows, today, true))
    },
    check_provided: retyped::<EetStatusAnswer>,
};
