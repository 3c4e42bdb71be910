#![allow(clippy::unwrap_used)]
use super::*;
use gateway_domain::synthetic::cohort;
use gateway_domain::{Activity, ActivityCode, CareLeaverStatus, InTouch, LaCode};
use gateway_policy::PolicyEngine;
use serde_json::json;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 24);

fn people() -> Vec<YoungPerson> {
    cohort(7, 400, TODAY, LaCode::parse("886").unwrap()).collect()
}

fn policy() -> PolicyEngine {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    PolicyEngine::load(&dir).unwrap()
}

/// A care leaver in touch whose current activity is `code`, verified ten days ago.
fn doing(code: ActivityCode) -> YoungPerson {
    let mut person = people().into_iter().next().unwrap();
    let verified = TODAY - time::Duration::days(10);
    let mut activity = Activity::new(code, verified, verified, verified);
    if code.is_neet() {
        activity.neet_start_date = Some(verified);
    }
    person.activities = vec![activity];
    person.care = Some(CareLeaverStatus {
        in_touch: InTouch::Yes,
        contact_date: Some(verified),
        responsible_la: None,
    });
    person
}

#[test]
fn every_answer_field_has_a_category() {
    // A field added to an adapter's answer without a category here would be silently
    // dropped; this makes the omission visible instead.
    for &exchange in Exchange::ALL {
        for person in people() {
            let Ok(full) = exchange.full_answer(&person, &CurrencyWindows::default(), TODAY) else {
                continue;
            };
            for field in full.fields.keys() {
                assert!(
                    exchange.field_categories().iter().any(|(f, _)| f == field),
                    "{} field {field} has no category",
                    exchange.name()
                );
            }
        }
    }
}

#[test]
fn minimise_keeps_only_permitted_categories() {
    let person = people()
        .into_iter()
        .find(|p| p.current_activity().is_some_and(|a| a.code.is_eet()))
        .unwrap();
    let full = Exchange::EetStatus
        .full_answer(&person, &CurrencyWindows::default(), TODAY)
        .unwrap();
    let only_activity = Exchange::EetStatus.minimise(full.clone(), &["identity", "activity"]);
    let mut keys: Vec<&str> = only_activity.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "activity_code",
            "activity_group",
            "currency",
            "date_verified"
        ]
    );
    assert!(
        Exchange::EetStatus
            .minimise(full.clone(), &["identity"])
            .is_empty()
    );
    let with_send = Exchange::EetStatus.minimise(full, &["activity", "send", "ete_suitability"]);
    assert!(with_send.contains_key("send") && with_send.contains_key("ete"));
}

#[test]
fn a_special_code_without_its_category_reads_as_an_ordinary_inactive_code() {
    let windows = CurrencyWindows::default();
    let ordinary = [
        "identity",
        "activity",
        "ete_suitability",
        "registration",
        "care_status",
    ];
    for &exchange in Exchange::ALL {
        let answer = |code| {
            let full = exchange.full_answer(&doing(code), &windows, TODAY).unwrap();
            exchange.minimise(full, &ordinary)
        };
        let parent = answer(ActivityCode::TeenageParent);
        for special in [ActivityCode::Pregnancy, ActivityCode::Illness] {
            assert_eq!(answer(special), parent, "{} {special}", exchange.name());
        }
    }
    // With the category released, the code itself is answered.
    let full = Exchange::EetStatus
        .full_answer(&doing(ActivityCode::Pregnancy), &windows, TODAY)
        .unwrap();
    assert_eq!(full.special, Some("pregnancy"));
    let released = Exchange::EetStatus.minimise(full, &["activity", "pregnancy"]);
    assert_eq!(released["activity_code"], 650);
    let full = Exchange::CareLeaverStatus
        .full_answer(&doing(ActivityCode::Illness), &windows, TODAY)
        .unwrap();
    assert_eq!(full.special, Some("health"));
    assert_eq!(
        Exchange::CareLeaverStatus.minimise(full.clone(), &["activity"])["activ"],
        "G5"
    );
    assert_eq!(
        Exchange::CareLeaverStatus.minimise(full, &["activity", "health"])["activ"],
        "G4"
    );
}

#[test]
fn jobcentre_plus_never_gets_a_code() {
    let windows = CurrencyWindows::default();
    for &code in ActivityCode::ALL {
        let full = Exchange::BenefitRegistration
            .full_answer(&doing(code), &windows, TODAY)
            .unwrap();
        let mut keys: Vec<&str> = full.fields.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["eet", "registered", "registration_date"], "{code}");
        let eet = full.fields["eet"].as_str().unwrap();
        assert!(
            ["in_eet", "seeking_eet", "neither", "not_known"].contains(&eet),
            "{code}: {eet}"
        );
    }
}

#[test]
fn provided_answers_are_checked_and_unknown_fields_dropped() {
    let raw = |v: Value| match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    let got = Exchange::CareLeaverStatus
        .provided_answer(raw(json!({
            "in_touch": "REFU", "activ": "F2", "currency": "current",
            "given_name": "Someone", "case_notes": "free text",
        })))
        .unwrap();
    assert_eq!(
        Value::Object(got.fields),
        json!({ "in_touch": "REFU", "activ": "F2", "currency": "current" })
    );
    assert_eq!(got.special, None);
    let g6 = Exchange::CareLeaverStatus
        .provided_answer(raw(
            json!({ "in_touch": "YES", "activ": "G6", "currency": "current" }),
        ))
        .unwrap();
    assert_eq!(g6.special, Some("pregnancy"));
    assert_eq!(
        Exchange::CareLeaverStatus.minimise(g6, &["care_status", "activity"])["activ"],
        "G5"
    );
    let ill = Exchange::EetStatus
        .provided_answer(raw(json!({
            "activity_code": 640, "activity_group": "neet_inactive",
            "date_verified": "2026-01-05", "currency": "current", "ete": "not_in_ete",
        })))
        .unwrap();
    assert_eq!(ill.special, Some("health"));
    for bad in [
        json!({ "in_touch": "MAYBE", "activ": "F2", "currency": "current" }),
        json!({ "in_touch": "YES", "activ": "Z9", "currency": "current" }),
        json!({ "in_touch": "YES", "activ": 4, "currency": "current" }),
        json!({ "activ": "F2", "currency": "current" }),
    ] {
        assert_eq!(
            Exchange::CareLeaverStatus.provided_answer(raw(bad)),
            Err(BadAnswer)
        );
    }
    // JCP's invariant holds for provided answers too: Y needs a date; and no code.
    for bad in [
        json!({ "registered": "Y", "registration_date": null, "eet": "seeking_eet" }),
        json!({ "registered": "N", "registration_date": null, "current_activity": 619 }),
    ] {
        assert_eq!(
            Exchange::BenefitRegistration.provided_answer(raw(bad)),
            Err(BadAnswer)
        );
    }
}

#[test]
fn names_round_trip() {
    for &e in Exchange::ALL {
        assert_eq!(Exchange::from_name(e.name()), Some(e));
        assert_eq!(e.declaration().route, format!("/v1/exchanges/{}", e.name()));
    }
    assert_eq!(Exchange::from_name("transfer"), None);
}

#[test]
fn the_declarations_agree_with_the_shipped_policy_set() {
    check_declarations(&policy(), &["transfer"]).unwrap();
}

#[test]
fn a_declaration_that_disagrees_with_the_policy_set_is_named_in_one_sentence() {
    let policy = policy();
    let real = Exchange::EetStatus.declaration();
    let others: Vec<&Declaration> = Exchange::ALL[1..].iter().map(|e| e.declaration()).collect();
    let with = |d: Declaration| {
        let mut all = others.clone();
        let d: &'static Declaration = Box::leak(Box::new(d));
        all.push(d);
        check::check(&policy, &all, &["transfer"]).unwrap_err().0
    };
    let missing_send = with(Declaration {
        categories: &["identity", "activity", "ete_suitability"],
        fields: &[("activity_code", "activity")],
        ..*real
    });
    assert_eq!(
        missing_send,
        "exchange eet-status declares the categories activity, ete_suitability, identity \
         but categories.json lists activity, ete_suitability, identity, send"
    );
    let stray_field = with(Declaration {
        fields: &[("activity_code", "activity"), ("in_touch", "care_status")],
        ..*real
    });
    assert!(
        stray_field.contains("field in_touch in category care_status"),
        "{stray_field}"
    );
    let ordinary_special = with(Declaration {
        special_codes: &[("630", "activity")],
        ..*real
    });
    assert!(
        ordinary_special.contains("does not mark special"),
        "{ordinary_special}"
    );
    let unknown = with(Declaration {
        name: "school-census",
        ..*real
    });
    assert_eq!(
        unknown,
        "exchange school-census is declared but is not an action of the Cedar schema"
    );
    // An action of the schema no declaration covers.
    let undeclared = check::check(&policy, &others, &["transfer"]).unwrap_err().0;
    assert_eq!(
        undeclared,
        "the Cedar schema has an action eet-status that no exchange declares"
    );
}
