//! Decision latency: a typical YOT eet-status request (4 categories) and one category at a
//! time. Run: `cargo bench -p gateway-policy --bench decide -- --quick`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use gateway_policy::{DecisionRequest, PolicyEngine};

fn yot_request(categories: &[&str]) -> DecisionRequest {
    serde_json::from_value(serde_json::json!({
        "partner": {"id": "yot-north-kent", "agency_kind": "youth_offending_team"},
        "exchange": "eet-status",
        "categories": categories,
        "purpose": "yjb_ete_monitoring",
        "role": "case_worker",
        "agreement": {
            "present": true, "in_force": true, "covers_exchange": true,
            "purposes": ["yjb_ete_monitoring", "safeguarding"],
            "categories": ["identity", "activity", "ete_suitability", "send"],
            "lawful_basis": "public_task"
        },
        "subject": {"known": true, "age": 17, "gillick_competent": false, "objection": false},
        "consent": {"young_person": ["send"], "parent": []}
    }))
    .expect("benchmark request")
}

fn decide(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let engine = PolicyEngine::load(&dir).expect("policy directory");
    let categories = ["identity", "activity", "ete_suitability", "send"];

    let typical = yot_request(&categories);
    c.bench_function("decide/yot-eet-status-4-categories", |b| {
        b.iter(|| engine.decide(black_box(&typical)))
    });

    let mut group = c.benchmark_group("decide/one-category");
    for category in categories {
        let request = yot_request(&[category]);
        group.bench_function(category, |b| b.iter(|| engine.decide(black_box(&request))));
    }
    group.finish();

    // The largest request: a cross-border transfer of every category.
    let mut transfer = yot_request(&[]);
    transfer.partner.agency_kind = "local_authority".into();
    transfer.partner.la_code = Some("887".into());
    transfer.exchange = "transfer".into();
    transfer.purpose = "cross_border_transfer".into();
    transfer.categories = engine
        .known_categories()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    transfer.agreement.purposes = ["cross_border_transfer".to_owned()].into();
    transfer.agreement.categories = transfer.categories.iter().cloned().collect();
    c.bench_function("decide/transfer-15-categories", |b| {
        b.iter(|| engine.decide(black_box(&transfer)))
    });

    c.bench_function("load/policy-directory", |b| {
        b.iter(|| PolicyEngine::load(black_box(&dir)))
    });
}

/// Cedar alone, for comparison: one prebuilt request (YOT, `send`) against the same policies,
/// entities and context, so the difference to `decide/one-category` is this crate's overhead
/// (building the context and entity store, collecting reasons).
fn cedar_only(c: &mut Criterion) {
    use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, Request, Schema};
    use std::str::FromStr;

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("policy file");
    let (schema, _) = Schema::from_cedarschema_str(&read("schema.cedarschema")).expect("schema");
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir).expect("policy directory") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "cedar") {
            text.push_str(&std::fs::read_to_string(path).expect("policy file"));
        }
    }
    let policies = PolicySet::from_str(&text).expect("policies");
    let entities = Entities::from_json_value(
        serde_json::json!([
            {"uid": {"type": "Gateway::Partner", "id": "yot"},
             "attrs": {"agency_kind": "youth_offending_team"}, "parents": []},
            {"uid": {"type": "Gateway::DataCategory", "id": "send"},
             "attrs": {"special": false, "requires_consent": true}, "parents": []}
        ]),
        Some(&schema),
    )
    .expect("entities");
    let cat =
        |id: &str| serde_json::json!({"__entity": {"type": "Gateway::DataCategory", "id": id}});
    let action = EntityUid::from_str(r#"Gateway::Action::"eet-status""#).expect("action");
    let context = Context::from_json_value(
        serde_json::json!({
            "purpose": "yjb_ete_monitoring", "role": "case_worker",
            "agreement": {"present": true, "in_force": true, "covers_exchange": true,
                "purposes": ["yjb_ete_monitoring"],
                "categories": [cat("identity"), cat("activity"), cat("ete_suitability"), cat("send")],
                "lawful_basis": "public_task"},
            "subject": {"known": true, "age": 17, "gillick_competent": false, "objection": false},
            "consent": {"young_person": [cat("send")], "parent": []},
            "break_glass": {"invoked": false, "justification_given": false, "within_window": false}
        }),
        Some((&schema, &action)),
    )
    .expect("context");
    let request = Request::new(
        EntityUid::from_str(r#"Gateway::Partner::"yot""#).expect("principal"),
        action,
        EntityUid::from_str(r#"Gateway::DataCategory::"send""#).expect("resource"),
        context,
        Some(&schema),
    )
    .expect("request");
    let authorizer = Authorizer::new();
    c.bench_function("cedar/is_authorized-one-category", |b| {
        b.iter(|| authorizer.is_authorized(black_box(&request), &policies, &entities))
    });
}

criterion_group!(benches, decide, cedar_only);
criterion_main!(benches);
