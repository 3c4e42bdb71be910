//! The policy directory under test is the real one, `../../policies`, and its cases.

// Test helpers outside #[test] functions are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gateway_policy::{
    AgreementFacts, BreakGlassFacts, ConsentFacts, DecisionRequest, LawfulBasis, PartnerInfo,
    PolicyEngine, PolicyError, PolicySource, SubjectFacts, read_case_files, run_cases,
    run_source_cases,
};

fn policy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

fn cases_dir() -> PathBuf {
    policy_dir().join("tests")
}

fn engine() -> PolicyEngine {
    PolicyEngine::load(&policy_dir()).unwrap()
}

fn strings(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A YOT eet-status request under a public-task agreement for a known 17-year-old.
fn yot_request(categories: &[&str]) -> DecisionRequest {
    DecisionRequest {
        partner: PartnerInfo {
            id: "yot-north-kent".into(),
            agency_kind: "youth_offending_team".into(),
            la_code: None,
        },
        exchange: "eet-status".into(),
        categories: categories.iter().map(|s| (*s).to_owned()).collect(),
        purpose: "yjb_ete_monitoring".into(),
        role: "case_worker".into(),
        agreement: AgreementFacts {
            present: true,
            in_force: true,
            covers_exchange: true,
            purposes: strings(&["yjb_ete_monitoring"]),
            categories: strings(&["identity", "activity", "ete_suitability", "send"]),
            lawful_basis: LawfulBasis::PublicTask,
        },
        subject: SubjectFacts {
            known: true,
            age: 17,
            gillick_competent: false,
            objection: false,
        },
        consent: ConsentFacts::default(),
        break_glass: BreakGlassFacts::default(),
    }
}

// (a) every table-driven case passes.
#[test]
fn all_cases_pass() {
    let report = run_cases(&policy_dir(), &cases_dir()).unwrap();
    assert!(report.file_errors.is_empty(), "{report}");
    assert!(report.duplicate_names.is_empty(), "{report}");
    assert!(report.results.len() >= 40, "{report}");
    assert_eq!(report.failed(), 0, "{report}");
    assert!(report.is_success(), "{report}");
}

// (b) coverage: every policy id is a determining policy in at least one case.
#[test]
fn every_policy_determines_at_least_one_case() {
    let engine = engine();
    let (files, errors) = read_case_files(&cases_dir()).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let mut seen = BTreeSet::new();
    for file in &files {
        for case in &file.cases {
            seen.extend(engine.check_case(&file.file, case).determining_policies);
        }
    }
    let ids = engine.policy_ids();
    assert!(ids.len() >= 15, "{ids:?}");
    let uncovered: Vec<_> = ids.iter().filter(|id| !seen.contains(*id)).collect();
    assert!(uncovered.is_empty(), "never determining: {uncovered:?}");
}

// (c) mutation: removing any one policy makes at least one case's permit/deny fail.
#[test]
fn removing_any_policy_fails_at_least_one_case() {
    let engine = engine();
    let (files, _) = read_case_files(&cases_dir()).unwrap();
    let mut survivors = Vec::new();
    for id in engine.policy_ids() {
        let mutant = engine.without_policy(&id).unwrap();
        assert_eq!(mutant.policy_ids().len(), engine.policy_ids().len() - 1);
        let detected = files.iter().any(|f| {
            f.cases.iter().any(|c| {
                let r = mutant.check_case(&f.file, c);
                r.error.is_some()
                    || r.mismatches
                        .iter()
                        .any(|m| matches!(m, gateway_policy::Mismatch::Outcome { .. }))
            })
        });
        if !detected {
            survivors.push(id);
        }
    }
    assert!(survivors.is_empty(), "no case fails without: {survivors:?}");
    assert!(matches!(
        engine.without_policy("no-such-policy"),
        Err(PolicyError::UnknownPolicy(_))
    ));
}

/// Copies the real policy directory (without its cases) into a temp dir.
fn copy_policies() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(policy_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    tmp
}

fn load_err(dir: &Path) -> String {
    match PolicyEngine::load(dir) {
        Ok(_) => panic!("expected {} to be refused", dir.display()),
        Err(e) => e.to_string(),
    }
}

// (d) strict validation refuses a policy that uses an undeclared attribute.
#[test]
fn undeclared_attribute_is_refused_in_strict_mode() {
    let tmp = copy_policies();
    std::fs::write(
        tmp.path().join("zz-bad.cedar"),
        "// a typo\n@id(\"bad\")\npermit (principal, action, resource)\nwhen { resource.colour == \"red\" };\n",
    )
    .unwrap();
    let err = load_err(tmp.path());
    assert!(err.contains("zz-bad.cedar:4:"), "{err}");
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn strict_mode_refuses_a_type_error_and_an_undeclared_context_field() {
    let tmp = copy_policies();
    std::fs::write(
        tmp.path().join("zz-bad.cedar"),
        "@id(\"bad-type\")\nforbid (principal, action, resource) when { context.subject.age == \"16\" };\n\
         @id(\"bad-field\")\nforbid (principal, action, resource) when { context.subject.shoe_size > 3 };\n",
    )
    .unwrap();
    let err = load_err(tmp.path());
    assert!(err.contains("bad-type"), "{err}");
    assert!(err.contains("shoe_size"), "{err}");
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let tmp = copy_policies();
    std::fs::write(
        tmp.path().join("zz-bad.cedar"),
        "@id(\"x\")\npermit (principal, action, resource)\nwhen { context.role == };\n",
    )
    .unwrap();
    let err = load_err(tmp.path());
    assert!(err.contains("zz-bad.cedar:3:"), "{err}");
}

#[test]
fn a_misspelt_category_literal_is_refused() {
    let tmp = copy_policies();
    std::fs::write(
        tmp.path().join("zz-bad.cedar"),
        "@id(\"typo\")\nforbid (principal, action, resource)\n\
         unless { resource == Gateway::DataCategory::\"identiy\" };\n",
    )
    .unwrap();
    let err = load_err(tmp.path());
    assert!(
        err.contains("zz-bad.cedar: policy `typo` names unknown category `identiy`"),
        "{err}"
    );
}

#[test]
fn missing_and_duplicate_ids_are_refused() {
    let tmp = copy_policies();
    std::fs::write(
        tmp.path().join("zz-bad.cedar"),
        "forbid (principal, action, resource) when { context.subject.objection };\n\
         @id(\"forbid-subject-unknown\")\nforbid (principal, action, resource) when { true };\n",
    )
    .unwrap();
    let err = load_err(tmp.path());
    assert!(err.contains("no @id"), "{err}");
    assert!(
        err.contains("duplicate @id(\"forbid-subject-unknown\")"),
        "{err}"
    );
}

#[test]
fn catalogue_problems_are_refused() {
    let tmp = copy_policies();
    let path = tmp.path().join("categories.json");
    let text = std::fs::read_to_string(&path).unwrap();
    // An exchange that is not a schema action, and a category list naming an unknown category.
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["exchanges"]["school-census"] = serde_json::json!({
        "agency_kind": "school", "categories": ["identity", "shoe_size"]
    });
    json["categories"]["send"]["special"] = serde_json::json!("no");
    std::fs::write(&path, json.to_string()).unwrap();
    let err = load_err(tmp.path());
    assert!(err.contains("categories.json"), "{err}");

    json["categories"]["send"]["special"] = serde_json::json!(false);
    std::fs::write(&path, json.to_string()).unwrap();
    let err = load_err(tmp.path());
    assert!(err.contains("unknown category `shoe_size`"), "{err}");
    assert!(err.contains("`school-census` is not an action"), "{err}");
}

// The gateway builds its Cedar requests in Rust; a schema that expects another shape is refused
// at load, not discovered request by request.
#[test]
fn a_schema_the_requests_do_not_fit_is_refused() {
    let tmp = copy_policies();
    let path = tmp.path().join("schema.cedarschema");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replace(
        "    role: String,\n",
        "    role: String,\n    shift: String,\n",
    );
    assert_ne!(text, changed);
    std::fs::write(&path, changed).unwrap();
    let err = load_err(tmp.path());
    assert!(err.contains("does not conform to the schema"), "{err}");
}

#[test]
fn missing_files_are_refused() {
    let tmp = copy_policies();
    std::fs::remove_file(tmp.path().join("schema.cedarschema")).unwrap();
    assert!(load_err(tmp.path()).contains("schema.cedarschema"));
    let empty = tempfile::tempdir().unwrap();
    assert!(load_err(empty.path()).contains("no *.cedar"));
}

#[test]
fn policy_set_hash_tracks_the_files() {
    let a = engine();
    assert_eq!(a.policy_set_hash().len(), 64);
    let tmp = copy_policies();
    let copy = PolicyEngine::load(tmp.path()).unwrap();
    assert_eq!(a.policy_set_hash(), copy.policy_set_hash());
    // A comment is a different policy version too.
    let path = tmp.path().join("subject.cedar");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("// reviewed\n");
    std::fs::write(&path, text).unwrap();
    let changed = PolicyEngine::load(tmp.path()).unwrap();
    assert_ne!(a.policy_set_hash(), changed.policy_set_hash());
    // Decisions carry the hash.
    let decision = a.decide(&yot_request(&["activity"])).unwrap();
    assert_eq!(decision.policy_set_hash, a.policy_set_hash());
}

// (e) unknown names are errors, not silent denials.
#[test]
fn unknown_category_is_an_error() {
    let engine = engine();
    let err = engine
        .decide(&yot_request(&["activity", "shoe_size"]))
        .unwrap_err();
    assert!(
        matches!(&err, PolicyError::UnknownCategory { name, field } if name == "shoe_size" && field == "categories"),
        "{err}"
    );
    let mut req = yot_request(&["send"]);
    req.consent.young_person.insert("sned".into());
    let err = engine.decide(&req).unwrap_err();
    assert!(
        matches!(&err, PolicyError::UnknownCategory { field, .. } if field == "consent.young_person"),
        "{err}"
    );
    let mut req = yot_request(&["send"]);
    req.agreement.categories.insert("everything".into());
    assert!(engine.decide(&req).is_err());
    let mut req = yot_request(&["send"]);
    req.exchange = "school-census".into();
    assert!(matches!(
        engine.decide(&req),
        Err(PolicyError::UnknownExchange(_))
    ));
}

#[test]
fn decisions_follow_request_order_without_duplicates() {
    let engine = engine();
    let decision = engine
        .decide(&yot_request(&["send", "identity", "send", "activity"]))
        .unwrap();
    let names: Vec<_> = decision
        .categories
        .iter()
        .map(|c| c.category.as_str())
        .collect();
    assert_eq!(names, ["send", "identity", "activity"]);
    assert_eq!(decision.permitted_categories(), ["identity", "activity"]);
    assert_eq!(decision.withheld_categories(), ["send"]);
    let send = decision.category("send").unwrap();
    assert_eq!(
        send.determining_policies,
        ["forbid-consent-required-category"]
    );
    assert!(send.errors.is_empty());
    assert!(
        engine
            .decide(&yot_request(&[]))
            .unwrap()
            .categories
            .is_empty()
    );
}

#[test]
fn request_json_rejects_unknown_fields_and_defaults_to_restrictive_facts() {
    let minimal = serde_json::json!({
        "partner": {"id": "p", "agency_kind": "youth_offending_team"},
        "exchange": "eet-status",
        "categories": ["identity"],
        "purpose": "yjb_ete_monitoring",
        "role": "case_worker",
        "subject": {"known": true, "age": 17}
    });
    let req: DecisionRequest = serde_json::from_value(minimal.clone()).unwrap();
    assert!(!req.agreement.present);
    assert_eq!(req.agreement.lawful_basis, LawfulBasis::Consent);
    assert!(!req.break_glass.invoked);
    assert!(!engine().decide(&req).unwrap().any_permitted());

    let mut extra = minimal.clone();
    extra["subject"]["override"] = serde_json::json!(true);
    assert!(serde_json::from_value::<DecisionRequest>(extra).is_err());
    let mut extra = minimal.clone();
    extra["consent_everything"] = serde_json::json!(true);
    assert!(serde_json::from_value::<DecisionRequest>(extra).is_err());
    let mut basis = minimal;
    basis["agreement"] = serde_json::json!({"lawful_basis": "vital_interests"});
    assert!(serde_json::from_value::<DecisionRequest>(basis).is_err());
}

/// The request that the policies should answer as generously as they ever do.
fn most_generous(engine: &PolicyEngine, exchange: &str, agency_kind: &str) -> DecisionRequest {
    let all: BTreeSet<String> = engine
        .known_categories()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut req = yot_request(&[]);
    req.partner = PartnerInfo {
        id: "p".into(),
        agency_kind: agency_kind.into(),
        la_code: Some("887".into()),
    };
    req.exchange = exchange.into();
    req.categories = all.iter().cloned().collect();
    req.agreement.categories = all.clone();
    req.consent.young_person = all;
    req
}

// categories.json mirrors exchanges.cedar: the same categories and agency kind per exchange.
#[test]
fn catalogue_exchanges_agree_with_the_policies() {
    let engine = engine();
    let kinds: BTreeSet<&str> = engine
        .exchanges()
        .iter()
        .filter_map(|e| engine.exchange_agency_kind(e))
        .collect();
    assert_eq!(
        kinds.len(),
        engine.exchanges().len(),
        "one agency kind per exchange"
    );
    for exchange in engine.exchanges() {
        let listed: BTreeSet<&str> = engine
            .exchange_categories(exchange)
            .unwrap()
            .iter()
            .map(String::as_str)
            .collect();
        for kind in &kinds {
            let decision = engine
                .decide(&most_generous(&engine, exchange, kind))
                .unwrap();
            let permitted: BTreeSet<&str> = decision.permitted_categories().into_iter().collect();
            if Some(*kind) == engine.exchange_agency_kind(exchange) {
                assert_eq!(permitted, listed, "{exchange}: categories.json vs policies");
            } else {
                assert!(permitted.is_empty(), "{exchange} answered {kind}");
            }
        }
    }
}

// A partner without an agreement gets the same all-denied answer whether or not the subject
// is known, for every exchange and category.
#[test]
fn without_agreement_known_and_unknown_subjects_look_alike() {
    let engine = engine();
    for exchange in engine.exchanges() {
        let kind = engine.exchange_agency_kind(exchange).unwrap();
        let mut req = most_generous(&engine, exchange, kind);
        req.agreement = AgreementFacts::default();
        let known = engine.decide(&req).unwrap();
        req.subject = SubjectFacts::default();
        req.consent = ConsentFacts::default();
        let unknown = engine.decide(&req).unwrap();
        assert!(!known.any_permitted() && !unknown.any_permitted());
        assert_eq!(known.withheld_categories(), unknown.withheld_categories());
        for decision in [&known, &unknown] {
            for c in &decision.categories {
                assert!(
                    c.determining_policies
                        .contains(&"forbid-no-agreement-in-force".into())
                );
            }
        }
    }
}

#[test]
fn report_shows_a_readable_diff() {
    let tmp = tempfile::tempdir().unwrap();
    let case = serde_json::json!([{
        "name": "wrong on purpose",
        "request": yot_request(&["activity", "send"]),
        "expect": {"activity": "deny", "send": "deny"},
        "because": {"send": ["permit-statutory-basis"]}
    }, {
        "name": "unknown category",
        "request": yot_request(&["shoe_size"]),
        "expect": {"shoe_size": "deny"}
    }]);
    std::fs::write(tmp.path().join("a.json"), case.to_string()).unwrap();
    std::fs::write(tmp.path().join("b.json"), "[{\"name\": 1}]").unwrap();
    let report = run_cases(&policy_dir(), tmp.path()).unwrap();
    let text = report.to_string();
    assert!(!report.is_success());
    assert_eq!(report.failed(), 2);
    assert!(
        text.contains("activity: expected deny, got permit (determining: permit-statutory-basis)"),
        "{text}"
    );
    assert!(
        text.contains("send: expected determining permit-statutory-basis, got forbid-consent-required-category"),
        "{text}"
    );
    assert!(text.contains("unknown data category `shoe_size`"), "{text}");
    assert!(text.contains("ERROR b.json"), "{text}");
    assert!(text.contains("coverage: FAIL"), "{text}");
    assert!(text.contains("mutation: FAIL"), "{text}");
}

// The built-in set is the shipped directory, file for file: same hash (which covers every
// file's name and bytes), same policies, and its built-in cases are the directory's cases.
#[test]
fn the_built_in_policy_set_is_the_shipped_directory_with_its_cases() {
    let built_in = PolicyEngine::built_in().unwrap();
    let shipped = engine();
    assert_eq!(built_in.policy_set_hash(), shipped.policy_set_hash());
    assert_eq!(built_in.policy_ids(), shipped.policy_ids());

    let from_built_in = run_source_cases(&PolicySource::BuiltIn).unwrap();
    let from_directory = run_source_cases(&PolicySource::Directory(policy_dir())).unwrap();
    assert!(from_built_in.is_success(), "{from_built_in}");
    let names = |report: &gateway_policy::CaseReport| {
        report
            .results
            .iter()
            .map(|r| format!("{}: {}", r.file, r.name))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&from_built_in), names(&from_directory));
    assert!(from_built_in.results.len() >= 40, "{from_built_in}");
}

// A directory that is not there is named once, in one sentence, with no OS error chain.
#[test]
fn a_missing_policy_directory_is_one_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-policies-here");
    let err = PolicyEngine::load(&missing).unwrap_err();
    assert!(matches!(err, PolicyError::NoDirectory { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("policy directory {} does not exist", missing.display())
    );
    assert!(std::error::Error::source(&err).is_none());

    let err =
        run_source_cases(&PolicySource::Directory(copy_policies().path().to_owned())).unwrap_err();
    assert!(
        err.to_string().starts_with("case directory ")
            && err.to_string().ends_with(" does not exist"),
        "{err}"
    );
}
