//! Safety properties over random requests: whatever the facts, the policies never release
//! what the rules forbid, and deciding never panics.

// Test helpers outside #[test] functions are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use gateway_policy::{
    AgreementFacts, BreakGlassFacts, ConsentFacts, DecisionRequest, LawfulBasis, PartnerInfo,
    PolicyEngine, SubjectFacts,
};
use proptest::prelude::*;

fn engine() -> &'static PolicyEngine {
    static ENGINE: OnceLock<PolicyEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        PolicyEngine::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies"))
            .unwrap()
    })
}

const AUTHORISED: [&str; 3] = ["safeguarding_lead", "social_work_manager", "yot_manager"];

fn categories() -> Vec<String> {
    engine()
        .known_categories()
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

fn subset() -> impl Strategy<Value = BTreeSet<String>> {
    proptest::sample::subsequence(categories(), 0..=15).prop_map(|v| v.into_iter().collect())
}

fn one_of(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(items).prop_map(str::to_owned)
}

fn often() -> impl Strategy<Value = bool> {
    proptest::bool::weighted(0.85)
}

fn sometimes() -> impl Strategy<Value = bool> {
    proptest::bool::weighted(0.3)
}

/// Random requests, biased towards facts that let something through, so that the properties
/// below are not vacuous (see `generator_reaches_permits`).
fn request() -> impl Strategy<Value = DecisionRequest> {
    let partner = (
        often(),
        one_of(&[
            "local_authority",
            "youth_offending_team",
            "jobcentre_plus",
            "social_services",
        ]),
        proptest::option::of(Just("887".to_owned())),
    );
    let agreement = (
        (often(), often(), often()),
        prop_oneof![
            3 => Just(vec!["purpose_a", "safeguarding"]),
            1 => proptest::sample::subsequence(vec!["purpose_a", "safeguarding"], 0..=2),
        ],
        prop_oneof![3 => Just(categories().into_iter().collect()), 1 => subset()],
        proptest::sample::select(vec![
            LawfulBasis::Consent,
            LawfulBasis::PublicTask,
            LawfulBasis::LegalObligation,
        ]),
    )
        .prop_map(
            |((present, in_force, covers_exchange), purposes, categories, lawful_basis)| {
                AgreementFacts {
                    present,
                    in_force,
                    covers_exchange,
                    purposes: purposes.into_iter().map(str::to_owned).collect(),
                    categories,
                    lawful_basis,
                }
            },
        );
    let subject = (often(), 0u32..26, any::<bool>(), sometimes()).prop_map(
        |(known, age, gillick_competent, objection)| SubjectFacts {
            known,
            age,
            gillick_competent,
            objection,
        },
    );
    let consent = (subset(), subset()).prop_map(|(young_person, parent)| ConsentFacts {
        young_person,
        parent,
    });
    let break_glass = (sometimes(), often(), often()).prop_map(|(invoked, j, w)| BreakGlassFacts {
        invoked,
        justification_given: j,
        within_window: w,
    });
    (
        partner,
        one_of(&[
            "eet-status",
            "benefit-registration",
            "care-leaver-status",
            "transfer",
        ]),
        proptest::sample::subsequence(categories(), 1..=15),
        one_of(&["purpose_a", "safeguarding", "marketing"]),
        one_of(&[
            "case_worker",
            "safeguarding_lead",
            "yot_manager",
            "social_work_manager",
        ]),
        agreement,
        subject,
        consent,
        break_glass,
    )
        .prop_map(
            |(
                (matching_agency, agency_kind, la_code),
                exchange,
                categories,
                purpose,
                role,
                agreement,
                subject,
                consent,
                break_glass,
            )| {
                let agency_kind = match engine().exchange_agency_kind(&exchange) {
                    Some(kind) if matching_agency => kind.to_owned(),
                    _ => agency_kind,
                };
                DecisionRequest {
                    partner: PartnerInfo {
                        id: "p".into(),
                        agency_kind,
                        la_code,
                    },
                    exchange,
                    categories,
                    purpose,
                    role,
                    agreement,
                    subject,
                    consent,
                    break_glass,
                }
            },
        )
}

// The properties only mean something if random requests do get permits, including the rare
// ones (special categories, objections passed by break-glass).
#[test]
fn generator_reaches_permits() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut permits, mut special, mut break_glass_over_objection) = (0, 0, 0);
    for _ in 0..2000 {
        let req = request().new_tree(&mut runner).unwrap().current();
        let decision = engine().decide(&req).unwrap();
        for c in decision.categories.iter().filter(|c| c.permitted) {
            permits += 1;
            special += usize::from(engine().category(&c.category).unwrap().special);
            break_glass_over_objection +=
                usize::from(req.subject.objection && c.category != "identity");
        }
    }
    eprintln!(
        "permits {permits}, special {special}, objection passed {break_glass_over_objection}"
    );
    assert!(permits > 200, "{permits}");
    assert!(special > 10, "{special}");
    assert!(
        break_glass_over_objection > 10,
        "{break_glass_over_objection}"
    );
}

fn owner_consents(req: &DecisionRequest, category: &str) -> bool {
    let s = &req.subject;
    if s.age >= 16 || s.gillick_competent {
        req.consent.young_person.contains(category)
    } else {
        req.consent.parent.contains(category)
    }
}

fn break_glass_valid(req: &DecisionRequest) -> bool {
    let b = &req.break_glass;
    b.invoked && b.justification_given && b.within_window && AUTHORISED.contains(&req.role.as_str())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_releases_what_the_rules_forbid(req in request()) {
        let engine = engine();
        let decision = engine.decide(&req).unwrap();
        prop_assert_eq!(decision.categories.len(), req.categories.len());
        let a = &req.agreement;
        for c in decision.categories.iter().filter(|c| c.permitted) {
            let name = c.category.as_str();
            let info = engine.category(name).unwrap();
            // Rule 1
            prop_assert!(a.present && a.in_force && a.covers_exchange);
            prop_assert!(a.purposes.contains(&req.purpose) && a.categories.contains(name));
            // Rule 2
            prop_assert!(engine.exchange_categories(&req.exchange).unwrap().iter().any(|x| x == name));
            prop_assert_eq!(Some(req.partner.agency_kind.as_str()), engine.exchange_agency_kind(&req.exchange));
            prop_assert!(req.subject.known);
            // Rule 3: without a statutory basis, consent or a valid break-glass is needed
            if a.lawful_basis == LawfulBasis::Consent {
                prop_assert!(owner_consents(&req, name) || break_glass_valid(&req));
            }
            if info.requires_consent {
                prop_assert!(owner_consents(&req, name) || break_glass_valid(&req));
            }
            // Rule 5
            if req.subject.objection {
                prop_assert!(name == "identity" || break_glass_valid(&req));
            }
            // Rule 6: no exception, not even break-glass
            if info.special {
                prop_assert!(owner_consents(&req, name));
            }
            // Rule 7: an invalid break-glass releases nothing at all
            prop_assert!(!req.break_glass.invoked || break_glass_valid(&req));
            prop_assert!(c.errors.is_empty());
        }
        for c in &decision.categories {
            prop_assert!(c.errors.is_empty(), "{:?}", c.errors);
        }
    }

    // Rule 4: from the 16th birthday the parent's consents change nothing.
    #[test]
    fn parent_consent_is_irrelevant_from_16(mut req in request(), age in 16u32..26) {
        req.subject.age = age;
        let with_parent = engine().decide(&req).unwrap();
        req.consent.parent.clear();
        let without = engine().decide(&req).unwrap();
        prop_assert_eq!(with_parent.permitted_categories(), without.permitted_categories());
    }
}
