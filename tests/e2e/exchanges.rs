//! The exchanges as partners see them: exactly which fields and categories leave, for whom,
//! and what everyone else is told; consent, objection and break-glass changing the answer;
//! the data protection officer's view of who saw a record.

use std::collections::BTreeSet;

use gateway_client::Response;
use gateway_disclosure::{Receipt, SignedDocument, sha256_hex, verify_document};
use gateway_domain::synthetic::cohort;
use gateway_domain::{
    Activity, ActivityCode, BenefitRegistration, CareLeaverStatus, InTouch, LaCode, SenProvision,
    YoungPerson,
};
use gateway_tests::scenario::{
    ADVISER, DPO, HOME_LA, Officer, PERSONAL_ADVISER, Partners, WORK_COACH, YOT_MANAGER,
    YOT_OFFICER,
};
use gateway_tests::{Backend, TestApp, TestPartner, on_both_backends, spawn_app};
use gateway_translog::TreeHeadVerifier;
use http::Method;
use serde_json::{Value, json};
use time::{Date, Duration, Month, OffsetDateTime};

use crate::{assert_problem, assert_refused_by_tls};

on_both_backends!(
    yot_learns_eet_status_by_upn_and_nothing_else_without_consent,
    jobcentre_learns_registration_of_16_and_17_year_olds_only,
    leaving_care_learns_care_leaver_status_and_nothing_for_others,
    lapsed_activity_is_reported_as_not_known_with_its_last_verified_date,
    objection_limits_release_to_identity_until_withdrawn,
    recorded_consent_releases_send_with_a_signed_receipt_until_withdrawn,
    consent_owner_changes_at_16_and_with_gillick_competence,
    requests_naming_nobody_or_twins_get_no_unique_match,
    partner_without_agreement_gets_the_same_403_for_known_and_unknown_people,
    break_glass_needs_an_authorised_role_and_a_justification_and_alerts_the_dpo,
    unknown_fields_and_invalid_identifiers_are_refused_without_echo,
    openapi_document_lists_every_route_without_a_token_over_mtls,
    dpo_sees_who_saw_a_record_under_a_pseudonym,
);

const SEED: u64 = 0x00CC_1500;
const COHORT: usize = 250;

const EET: &str = "eet-status";
const BENEFIT: &str = "benefit-registration";
const CARE: &str = "care-leaver-status";

const EET_KEYS: [&str; 5] = [
    "activity_code",
    "activity_group",
    "date_verified",
    "currency",
    "ete",
];
const GOOD_JUSTIFICATION: &str =
    "Section 47 enquiry opened today: risk of serious harm, need current placement";

async fn setup(backend: Backend) -> (TestApp, Partners, Vec<YoungPerson>) {
    let app = spawn_app(backend).await;
    let partners = app.scenario_partners().await;
    let people = app.load_cohort(SEED, COHORT).await;
    (app, partners, people)
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn iso(d: Date) -> String {
    let (y, m, day) = (d.year(), u8::from(d.month()), d.day());
    format!("{y:04}-{m:02}-{day:02}")
}

/// The same day `years` earlier (28 February for a 29 February).
fn years_before(d: Date, years: i32) -> Date {
    let year = d.year() - years;
    Date::from_calendar_date(year, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .unwrap()
}

/// The same day `months` earlier, clamped to the end of the month.
fn months_before(d: Date, months: u32) -> Date {
    let index = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 - i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).unwrap();
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).unwrap()).unwrap();
    Date::from_calendar_date(year, month, d.day().min(month.length(year))).unwrap()
}

fn age(p: &YoungPerson, today: Date) -> u32 {
    p.age_on(today).unwrap_or(0)
}

/// A copy of the `skip`-th person of the cohort that passes `test`, to be changed and stored.
fn pick(people: &[YoungPerson], skip: usize, test: impl Fn(&YoungPerson) -> bool) -> YoungPerson {
    people
        .iter()
        .filter(|p| test(p))
        .nth(skip)
        .cloned()
        .expect("the cohort has such a person")
}

/// One activity, started a month before it was last verified.
fn activity(code: ActivityCode, verified: Date) -> Activity {
    let start = verified - Duration::days(30);
    let mut a = Activity::new(code, start, start, verified);
    if code.is_neet() {
        a.neet_start_date = Some(start);
    }
    a
}

/// In an apprenticeship, verified `days` ago.
fn apprentice(p: &mut YoungPerson, today: Date, days: i64) -> Date {
    let verified = today - Duration::days(days);
    p.activities = vec![activity(ActivityCode::Apprenticeship, verified)];
    verified
}

fn by_upn(p: &YoungPerson) -> Value {
    json!({ "subject": { "identifier": { "upn": p.upn.as_ref().unwrap().as_str() } } })
}

fn by_ccis(p: &YoungPerson) -> Value {
    json!({ "subject": { "identifier": { "ccis_id": p.ccis_id.as_str() } } })
}

fn by_nino(p: &YoungPerson) -> Value {
    json!({ "subject": { "identifier": { "nino": p.nino.as_ref().unwrap().as_str() } } })
}

fn by_demographics(given: &str, p: &YoungPerson) -> Value {
    json!({ "subject": { "demographics": {
        "given_name": given,
        "family_name": p.family_name,
        "date_of_birth": iso(p.date_of_birth),
        "postcode": p.address.postcode().map(|pc| pc.formatted()),
    } } })
}

async fn ask(
    app: &TestApp,
    partner: &TestPartner,
    officer: Officer<'_>,
    exchange: &str,
    body: &Value,
) -> Response {
    app.call(
        partner,
        officer,
        Method::POST,
        &format!("/v1/exchanges/{exchange}"),
        Some(body),
    )
    .await
}

async fn yot_asks(app: &TestApp, partners: &Partners, body: &Value) -> Response {
    ask(app, &partners.yot, YOT_OFFICER, EET, body).await
}

/// The `disclosure` member of a 200 answer, after checking the envelope.
fn disclosure(response: &Response, exchange: &str) -> Value {
    assert_eq!(
        response.status.as_u16(),
        200,
        "body: {}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.content_type(), Some("application/json"));
    let body = response.json();
    let keys: BTreeSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, BTreeSet::from(["disclosure", "receipt"]), "{body}");
    let d = body["disclosure"].clone();
    assert_eq!(d["exchange"], exchange, "{d}");
    assert_eq!(d["subject"], "matched", "{d}");
    d
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn released(d: &Value) -> Vec<&str> {
    strings(&d["released"])
}

fn withheld(d: &Value) -> Vec<&str> {
    strings(&d["withheld"])
}

fn answer_keys(d: &Value) -> BTreeSet<&str> {
    d["answer"]
        .as_object()
        .unwrap_or_else(|| panic!("answer is not an object: {d}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn key_set<const N: usize>(keys: [&str; N]) -> BTreeSet<&str> {
    keys.into_iter().collect()
}

fn eet_keys_with_send() -> BTreeSet<&'static str> {
    let mut keys = key_set(EET_KEYS);
    keys.insert("send");
    keys
}

/// The log's public key, as a partner is given it.
fn log_verifier(app: &TestApp) -> TreeHeadVerifier {
    let pem = std::fs::read_to_string(app.pki.dir().join("log-keys/log-signing.pub.pem")).unwrap();
    TreeHeadVerifier::from_public_key_pem(&pem).unwrap()
}

/// The exact bytes of the `disclosure` member, as the gateway hashed them into the log.
fn disclosure_bytes(response: &Response) -> &[u8] {
    let body = &response.body[..];
    let prefix = b"{\"disclosure\":";
    assert!(body.starts_with(prefix));
    let marker = b",\"receipt\":";
    let end = body
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("a receipt member");
    &body[prefix.len()..end]
}

async fn record_objection(app: &TestApp, partners: &Partners, p: &YoungPerson) -> String {
    let response = app
        .call(
            &partners.home,
            ADVISER,
            Method::POST,
            &format!("/v1/subjects/{}/objections", p.ccis_id.as_str()),
            Some(&json!({ "raised_by": "young_person" })),
        )
        .await;
    assert_eq!(response.status.as_u16(), 201, "{:?}", response.body);
    let objection = response.json();
    assert_eq!(objection["raised_by"], "young_person");
    assert_eq!(objection["subject"], p.ccis_id.as_str());
    assert!(objection["withdrawn_at"].is_null(), "{objection}");
    objection["id"].as_str().unwrap().to_owned()
}

/// Records a consent to the YOT for case management; returns the whole 201 body.
async fn record_send_consent(
    app: &TestApp,
    partners: &Partners,
    p: &YoungPerson,
    given_by: &str,
) -> Value {
    let response = app
        .call(
            &partners.home,
            ADVISER,
            Method::POST,
            &format!("/v1/subjects/{}/consents", p.ccis_id.as_str()),
            Some(&json!({
                "given_by": given_by,
                "method": "written",
                "purposes": ["case_management"],
                "recipient": { "agency_kind": "youth_offending_team" },
                "categories": ["send"],
            })),
        )
        .await;
    assert_eq!(
        response.status.as_u16(),
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

fn break_glass(body: &Value, justification: &str) -> Value {
    let mut body = body.clone();
    body["break_glass"] = json!({
        "justification": justification,
        "statutory_basis": "children_act_1989_s47",
    });
    body
}

/// Problem bodies without the per-request `instance`.
fn without_instance(mut problem: Value) -> Value {
    problem.as_object_mut().unwrap().remove("instance");
    problem
}

// 1 ------------------------------------------------------------------------------------------

async fn yot_learns_eet_status_by_upn_and_nothing_else_without_consent(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let mut yp = pick(&people, 0, |p| {
        (16..=18).contains(&age(p, today))
            && p.upn.is_some()
            && p.nino.is_some()
            && p.address.postcode().is_some()
            && !p.address.lines().is_empty()
    });
    let verified = apprentice(&mut yp, today, 20);
    yp.send = SenProvision::EhcPlan;
    app.put_people(std::slice::from_ref(&yp)).await;

    let response = yot_asks(&app, &partners, &by_upn(&yp)).await;
    let d = disclosure(&response, EET);
    assert_eq!(answer_keys(&d), key_set(EET_KEYS), "{d}");
    assert_eq!(
        d["answer"],
        json!({
            "activity_code": 310,
            "activity_group": "employment",
            "date_verified": iso(verified),
            "currency": "current",
            "ete": "suitable",
        })
    );
    assert_eq!(released(&d), ["identity", "activity", "ete_suitability"]);
    assert_eq!(withheld(&d), ["send"]);
    assert_eq!(d["break_glass"], false);
    assert_eq!(
        d["request_id"].as_str(),
        response
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
    );
    assert_eq!(
        response
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );

    // Nothing that identifies the young person leaves, not even in the receipt.
    let text = String::from_utf8(response.body.to_vec()).unwrap();
    let postcode = yp.address.postcode().unwrap();
    let mut identifying = vec![
        yp.upn.as_ref().unwrap().as_str().to_owned(),
        yp.nino.as_ref().unwrap().as_str().to_owned(),
        yp.ccis_id.as_str().to_owned(),
        postcode.as_str().to_owned(),
        postcode.formatted(),
        iso(yp.date_of_birth),
        format!("\"{}\"", yp.given_name),
        format!("\"{}\"", yp.family_name),
    ];
    identifying.extend(yp.address.lines().iter().cloned());
    identifying.extend(yp.uln.as_ref().map(|u| u.as_str().to_owned()));
    for value in &identifying {
        assert!(!text.contains(value.as_str()), "the answer holds {value}");
    }
    let disclosed = d.to_string();
    for name in [&yp.given_name, &yp.family_name] {
        assert!(
            !disclosed.contains(name.as_str()),
            "the disclosure names {name}"
        );
    }
    for key in [
        "given_name",
        "family_name",
        "date_of_birth",
        "address",
        "postcode",
        "upn",
    ] {
        assert!(
            !text.contains(&format!("\"{key}\"")),
            "the answer has a {key} field"
        );
    }

    // The receipt proves the answer was logged before it left.
    let body = response.json();
    let receipt = &body["receipt"];
    assert!(receipt["log_index"].is_u64(), "{receipt}");
    assert!(receipt["signed_tree_head"].is_object(), "{receipt}");
    let receipt: Receipt = serde_json::from_value(receipt.clone()).unwrap();
    receipt.verify(&log_verifier(&app)).unwrap();
    assert!(receipt.log_index < receipt.signed_tree_head.head.tree_size);
    app.stop().await;
}

// 2 ------------------------------------------------------------------------------------------

async fn jobcentre_learns_registration_of_16_and_17_year_olds_only(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let with_nino = |p: &YoungPerson| p.nino.is_some() && (16..=19).contains(&age(p, today));

    // 17, 18 tomorrow: registered and seeking work.
    let mut claimant = pick(&people, 0, with_nino);
    claimant.date_of_birth = years_before(today, 18) + Duration::days(1);
    let registered_on = today - Duration::days(40);
    let verified = today - Duration::days(10);
    claimant.activities = vec![activity(ActivityCode::SeekingEet, verified)];
    claimant.benefit_registration = Some(BenefitRegistration { registered_on });
    // 16, not registered.
    let mut unregistered = pick(&people, 1, with_nino);
    unregistered.date_of_birth = years_before(today, 16) - Duration::days(100);
    unregistered.activities = vec![activity(ActivityCode::SeekingEet, verified)];
    unregistered.benefit_registration = None;
    // 18 today, registered: JCP no longer has a need to know.
    let mut adult = pick(&people, 2, with_nino);
    adult.date_of_birth = years_before(today, 18);
    adult.activities = vec![activity(ActivityCode::SeekingEet, verified)];
    adult.benefit_registration = Some(BenefitRegistration { registered_on });
    assert_eq!(age(&claimant, today), 17);
    assert_eq!(age(&adult, today), 18);
    app.put_people(&[claimant.clone(), unregistered.clone(), adult.clone()])
        .await;

    let response = ask(
        &app,
        &partners.jcp,
        WORK_COACH,
        BENEFIT,
        &by_nino(&claimant),
    )
    .await;
    let d = disclosure(&response, BENEFIT);
    assert_eq!(
        answer_keys(&d),
        key_set(["registered", "registration_date", "eet"])
    );
    assert_eq!(
        d["answer"],
        json!({
            "registered": "Y",
            "registration_date": iso(registered_on),
            "eet": "seeking_eet",
        })
    );
    assert_eq!(released(&d), ["identity", "registration", "activity"]);
    assert!(withheld(&d).is_empty(), "{d}");

    let response = ask(
        &app,
        &partners.jcp,
        WORK_COACH,
        BENEFIT,
        &by_nino(&unregistered),
    )
    .await;
    let d = disclosure(&response, BENEFIT);
    assert_eq!(
        d["answer"],
        json!({ "registered": "N", "registration_date": null, "eet": "seeking_eet" })
    );
    assert_eq!(released(&d), ["identity", "registration", "activity"]);

    // domain.md: in EET, seeking EET or neither; never the code. Custody (130/290/710),
    // illness, pregnancy and caring read like any other "neither" or "in EET".
    for (code, eet) in [
        (ActivityCode::Apprenticeship, "in_eet"),
        (ActivityCode::CustodialInstitutionJuvenile, "in_eet"),
        (ActivityCode::CustodyYoungAdultOffender, "neither"),
        (ActivityCode::YoungCarer, "neither"),
        (ActivityCode::Illness, "neither"),
        (ActivityCode::NotYetReady, "neither"),
        (ActivityCode::CannotBeContacted, "not_known"),
    ] {
        let mut doing = claimant.clone();
        doing.activities = vec![activity(code, verified)];
        app.put_people(std::slice::from_ref(&doing)).await;
        let response = ask(&app, &partners.jcp, WORK_COACH, BENEFIT, &by_nino(&doing)).await;
        let d = disclosure(&response, BENEFIT);
        assert_eq!(
            d["answer"],
            json!({
                "registered": "Y",
                "registration_date": iso(registered_on),
                "eet": eet,
            }),
            "{code}"
        );
    }

    // forbid-benefit-registration-outside-16-17 denies every category, identity included,
    // so nothing at all may be released: 403, as for any request nothing may answer.
    let response = ask(&app, &partners.jcp, WORK_COACH, BENEFIT, &by_nino(&adult)).await;
    assert_problem(&response, 403, "not-permitted");
    let text = String::from_utf8_lossy(&response.body);
    assert!(!text.contains("registered"), "{text}");
    app.stop().await;
}

// 3 ------------------------------------------------------------------------------------------

async fn leaving_care_learns_care_leaver_status_and_nothing_for_others(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let teen = |p: &YoungPerson| (16..=20).contains(&age(p, today));
    let care = |in_touch| CareLeaverStatus {
        in_touch,
        contact_date: Some(today - Duration::days(5)),
        responsible_la: None,
    };
    let mut in_touch = pick(&people, 0, teen);
    apprentice(&mut in_touch, today, 15);
    in_touch.care = Some(care(InTouch::Yes));
    let mut not_in_touch = pick(&people, 1, teen);
    apprentice(&mut not_in_touch, today, 15);
    not_in_touch.care = Some(care(InTouch::No));
    let mut not_a_care_leaver = pick(&people, 2, teen);
    apprentice(&mut not_a_care_leaver, today, 15);
    not_a_care_leaver.care = None;
    app.put_people(&[
        in_touch.clone(),
        not_in_touch.clone(),
        not_a_care_leaver.clone(),
    ])
    .await;

    let lc = &partners.leaving_care;
    let response = ask(&app, lc, PERSONAL_ADVISER, CARE, &by_ccis(&in_touch)).await;
    let d = disclosure(&response, CARE);
    assert_eq!(answer_keys(&d), key_set(["in_touch", "activ", "currency"]));
    assert_eq!(
        d["answer"],
        json!({ "in_touch": "YES", "activ": "F4", "currency": "current" })
    );
    assert_eq!(released(&d), ["identity", "care_status", "activity"]);
    assert!(withheld(&d).is_empty(), "{d}");

    let response = ask(&app, lc, PERSONAL_ADVISER, CARE, &by_ccis(&not_in_touch)).await;
    let d = disclosure(&response, CARE);
    assert_eq!(
        d["answer"],
        json!({ "in_touch": "NO", "activ": "0", "currency": "current" })
    );

    let response = ask(
        &app,
        lc,
        PERSONAL_ADVISER,
        CARE,
        &by_ccis(&not_a_care_leaver),
    )
    .await;
    assert_problem(&response, 404, "no-unique-match");
    app.stop().await;
}

// 4 ------------------------------------------------------------------------------------------

async fn lapsed_activity_is_reported_as_not_known_with_its_last_verified_date(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let eligible = |p: &YoungPerson| (16..=18).contains(&age(p, today)) && p.upn.is_some();

    // NEET stays current for 3 calendar months after its verification, and lapses the day
    // after: the latest lapsed verification date, and the day after it.
    let mut neet_lapsed_on = today - Duration::days(80);
    while gateway_domain::dates::add_months(neet_lapsed_on, 3).unwrap() >= today {
        neet_lapsed_on -= Duration::days(1);
    }
    let neet_current_on = neet_lapsed_on + Duration::days(1);
    let eet_lapsed_on = months_before(today, 13);

    let mut cases: Vec<(YoungPerson, Date, bool)> = Vec::new();
    let mut add = |n: usize, a: Activity, lapsed: bool| {
        let mut p = pick(&people, n, eligible);
        let verified = a.date_verified;
        p.activities = vec![a];
        cases.push((p, verified, lapsed));
    };
    add(0, activity(ActivityCode::SeekingEet, neet_lapsed_on), true);
    add(
        1,
        activity(ActivityCode::SeekingEet, neet_current_on),
        false,
    );
    add(
        2,
        activity(ActivityCode::Apprenticeship, eet_lapsed_on),
        true,
    );
    let mut due_today = activity(ActivityCode::Apprenticeship, today - Duration::days(30));
    due_today.due_to_lapse_date = Some(today);
    add(3, due_today, true);
    let mut due_tomorrow = activity(ActivityCode::Apprenticeship, today - Duration::days(30));
    due_tomorrow.due_to_lapse_date = Some(today + Duration::days(1));
    add(4, due_tomorrow, false);
    let stored: Vec<YoungPerson> = cases.iter().map(|(p, _, _)| p.clone()).collect();
    app.put_people(&stored).await;

    for (p, verified, lapsed) in &cases {
        let code = p.activities[0].code;
        let response = yot_asks(&app, &partners, &by_upn(p)).await;
        let d = disclosure(&response, EET);
        assert_eq!(answer_keys(&d), key_set(EET_KEYS));
        let ete = if code.is_neet() {
            "not_in_ete"
        } else {
            "suitable"
        };
        let expected = if *lapsed {
            json!({
                "activity_code": null,
                "activity_group": "not_known",
                "date_verified": iso(*verified),
                "currency": "lapsed",
                "ete": "not_known",
            })
        } else {
            json!({
                "activity_code": code.code(),
                "activity_group": serde_json::to_value(code.group()).unwrap(),
                "date_verified": iso(*verified),
                "currency": "current",
                "ete": ete,
            })
        };
        assert_eq!(
            d["answer"], expected,
            "activity {code} verified {verified}, due {:?}",
            p.activities[0].due_to_lapse_date
        );
        assert_eq!(released(&d), ["identity", "activity", "ete_suitability"]);
    }

    // The same for Jobcentre Plus: a lapsed activity is `null`, never the stale code.
    let mut claimant = pick(&people, 0, |p| {
        p.nino.is_some() && (16..=17).contains(&age(p, today))
    });
    claimant.activities = vec![activity(ActivityCode::SeekingEet, neet_lapsed_on)];
    claimant.benefit_registration = Some(BenefitRegistration {
        registered_on: neet_lapsed_on,
    });
    app.put_people(std::slice::from_ref(&claimant)).await;
    let response = ask(
        &app,
        &partners.jcp,
        WORK_COACH,
        BENEFIT,
        &by_nino(&claimant),
    )
    .await;
    let d = disclosure(&response, BENEFIT);
    assert_eq!(
        d["answer"],
        json!({
            "registered": "Y",
            "registration_date": iso(neet_lapsed_on),
            "eet": "not_known",
        })
    );
    app.stop().await;
}

// 5 ------------------------------------------------------------------------------------------

async fn objection_limits_release_to_identity_until_withdrawn(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let mut yp = pick(&people, 0, |p| {
        (16..=18).contains(&age(p, today)) && p.upn.is_some()
    });
    apprentice(&mut yp, today, 10);
    app.put_people(std::slice::from_ref(&yp)).await;

    // Only the authority's advisers record objections.
    let response = app
        .call(
            &partners.yot,
            YOT_MANAGER,
            Method::POST,
            &format!("/v1/subjects/{}/objections", yp.ccis_id.as_str()),
            Some(&json!({ "raised_by": "young_person" })),
        )
        .await;
    assert_problem(&response, 403, "role-not-permitted");

    let objection = record_objection(&app, &partners, &yp).await;
    let d = disclosure(&yot_asks(&app, &partners, &by_upn(&yp)).await, EET);
    assert_eq!(d["answer"], json!({}));
    assert_eq!(released(&d), ["identity"]);
    assert_eq!(withheld(&d), ["activity", "ete_suitability", "send"]);

    let response = app
        .call(
            &partners.home,
            ADVISER,
            Method::POST,
            &format!("/v1/objections/{objection}/withdraw"),
            None,
        )
        .await;
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    let withdrawn = response.json();
    assert_eq!(withdrawn["id"], objection.as_str());
    assert!(withdrawn["withdrawn_at"].is_string(), "{withdrawn}");
    assert_eq!(withdrawn["withdrawn_by"], ADVISER.id);

    let d = disclosure(&yot_asks(&app, &partners, &by_upn(&yp)).await, EET);
    assert_eq!(answer_keys(&d), key_set(EET_KEYS));
    assert_eq!(d["answer"]["activity_code"], 310);
    assert_eq!(released(&d), ["identity", "activity", "ete_suitability"]);
    assert_eq!(withheld(&d), ["send"]);
    app.stop().await;
}

// 6 ------------------------------------------------------------------------------------------

async fn recorded_consent_releases_send_with_a_signed_receipt_until_withdrawn(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let mut yp = pick(&people, 0, |p| {
        (16..=18).contains(&age(p, today)) && p.upn.is_some()
    });
    apprentice(&mut yp, today, 10);
    yp.send = SenProvision::SenSupport;
    app.put_people(std::slice::from_ref(&yp)).await;

    let before = yot_asks(&app, &partners, &by_upn(&yp)).await;
    let d = disclosure(&before, EET);
    assert_eq!(withheld(&d), ["send"]);
    assert_eq!(answer_keys(&d), key_set(EET_KEYS));

    let created = record_send_consent(&app, &partners, &yp, "young_person").await;
    let consent_id = created["consent"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["consent"]["subject"], yp.ccis_id.as_str());
    assert_eq!(created["consent"]["categories"], json!(["send"]));
    let receipt: SignedDocument = serde_json::from_value(created["receipt"].clone()).unwrap();
    let verifier = log_verifier(&app);
    assert!(verify_document(&receipt, &verifier.public_key_bytes()));
    assert_eq!(receipt.key_id, verifier.key_id().to_hex());
    let payload: Value = serde_json::from_str(&receipt.payload).unwrap();
    assert_eq!(payload["receipt_type"], "ccis-gateway-consent-receipt/1");
    assert_eq!(payload["consent_id"], consent_id.as_str());
    assert_eq!(payload["given_by"], "young_person");
    assert_eq!(payload["categories"], json!(["send"]));
    assert_eq!(payload["issuer"], format!("urn:ccis-gateway:la:{HOME_LA}"));
    assert!(payload["log_index"].is_u64(), "{payload}");
    let mut forged = receipt.clone();
    forged.payload = forged.payload.replace("\"send\"", "\"health\"");
    assert_ne!(forged.payload, receipt.payload);
    assert!(!verify_document(&forged, &verifier.public_key_bytes()));

    let d = disclosure(&yot_asks(&app, &partners, &by_upn(&yp)).await, EET);
    assert_eq!(answer_keys(&d), eet_keys_with_send());
    assert_eq!(d["answer"]["send"], true);
    assert_eq!(
        released(&d),
        ["identity", "activity", "ete_suitability", "send"]
    );
    assert!(withheld(&d).is_empty(), "{d}");

    let response = app
        .call(
            &partners.home,
            ADVISER,
            Method::POST,
            &format!("/v1/consents/{consent_id}/withdraw"),
            None,
        )
        .await;
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    assert!(response.json()["withdrawn_at"].is_string());

    let d = disclosure(&yot_asks(&app, &partners, &by_upn(&yp)).await, EET);
    assert_eq!(answer_keys(&d), key_set(EET_KEYS));
    assert_eq!(released(&d), ["identity", "activity", "ete_suitability"]);
    assert_eq!(withheld(&d), ["send"]);
    app.stop().await;
}

// 7 ------------------------------------------------------------------------------------------

async fn consent_owner_changes_at_16_and_with_gillick_competence(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let mut yp = pick(&people, 0, |p| (14..=17).contains(&age(p, today)));
    yp.date_of_birth = years_before(today, 16);
    yp.send = SenProvision::EhcPlan;
    apprentice(&mut yp, today, 10);
    assert_eq!(age(&yp, today), 16);
    app.put_people(std::slice::from_ref(&yp)).await;
    record_send_consent(&app, &partners, &yp, "parent_carer").await;

    // 16 today: the parent's consent no longer counts.
    let d = disclosure(&yot_asks(&app, &partners, &by_ccis(&yp)).await, EET);
    assert_eq!(answer_keys(&d), key_set(EET_KEYS));
    assert_eq!(withheld(&d), ["send"]);

    // 15, 16 tomorrow: the parent still decides.
    yp.date_of_birth += Duration::days(1);
    assert_eq!(age(&yp, today), 15);
    app.put_people(std::slice::from_ref(&yp)).await;
    let d = disclosure(&yot_asks(&app, &partners, &by_ccis(&yp)).await, EET);
    assert_eq!(answer_keys(&d), eet_keys_with_send());
    assert_eq!(d["answer"]["send"], true);
    assert_eq!(
        released(&d),
        ["identity", "activity", "ete_suitability", "send"]
    );

    // A 14 year old: the parent decides until the child is assessed Gillick-competent.
    let mut child = pick(&people, 1, |p| (14..=17).contains(&age(p, today)));
    child.date_of_birth = years_before(today, 14) - Duration::days(100);
    child.send = SenProvision::SenSupport;
    child.activities = vec![activity(
        ActivityCode::RegisteredAtSchool,
        today - Duration::days(10),
    )];
    assert_eq!(age(&child, today), 14);
    app.put_people(std::slice::from_ref(&child)).await;
    record_send_consent(&app, &partners, &child, "parent_carer").await;
    let d = disclosure(&yot_asks(&app, &partners, &by_ccis(&child)).await, EET);
    assert_eq!(d["answer"]["send"], true, "{d}");

    let response = app
        .call(
            &partners.home,
            ADVISER,
            Method::POST,
            &format!("/v1/subjects/{}/competence", child.ccis_id.as_str()),
            Some(&json!({ "competent": true, "assessed_on": iso(today) })),
        )
        .await;
    assert_eq!(response.status.as_u16(), 201, "{:?}", response.body);
    let d = disclosure(&yot_asks(&app, &partners, &by_ccis(&child)).await, EET);
    assert_eq!(answer_keys(&d), key_set(EET_KEYS));
    assert_eq!(withheld(&d), ["send"]);

    record_send_consent(&app, &partners, &child, "young_person").await;
    let d = disclosure(&yot_asks(&app, &partners, &by_ccis(&child)).await, EET);
    assert_eq!(answer_keys(&d), eet_keys_with_send());
    assert_eq!(d["answer"]["send"], true);
    assert_eq!(
        released(&d),
        ["identity", "activity", "ete_suitability", "send"]
    );
    app.stop().await;
}

// 8 ------------------------------------------------------------------------------------------

async fn requests_naming_nobody_or_twins_get_no_unique_match(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let with_ids = |p: &YoungPerson| {
        (16..=18).contains(&age(p, today)) && p.upn.is_some() && p.address.postcode().is_some()
    };
    let mut maja = pick(&people, 0, with_ids);
    maja.given_name = "Maja".into();
    apprentice(&mut maja, today, 10);
    app.put_people(std::slice::from_ref(&maja)).await;

    // Alone, Maja is found by her demographics.
    let d = disclosure(
        &yot_asks(&app, &partners, &by_demographics("Maja", &maja)).await,
        EET,
    );
    assert_eq!(answer_keys(&d), key_set(EET_KEYS));

    // Nobody.
    let nobody = json!({ "subject": { "demographics": {
        "given_name": "Zebedee", "family_name": "Quillfeather",
        "date_of_birth": "2009-05-17", "postcode": "ME14 1XQ" } } });
    let response = yot_asks(&app, &partners, &nobody).await;
    assert_problem(&response, 404, "no-unique-match");
    let nobody_problem = without_instance(response.json());

    // Her twin Maia: same family name, date of birth and address.
    let mut maia = pick(&people, 1, with_ids);
    maia.given_name = "Maia".into();
    maia.family_name = maja.family_name.clone();
    maia.date_of_birth = maja.date_of_birth;
    maia.address = maja.address.clone();
    apprentice(&mut maia, today, 10);
    app.put_people(std::slice::from_ref(&maia)).await;
    for given in ["Maja", "Maia"] {
        let response = yot_asks(&app, &partners, &by_demographics(given, &maja)).await;
        assert_problem(&response, 404, "no-unique-match");
        // The same answer whatever the reason.
        assert_eq!(without_instance(response.json()), nobody_problem);
    }

    // Exact identifiers still name each twin.
    for twin in [&maja, &maia] {
        for body in [by_upn(twin), by_ccis(twin)] {
            let d = disclosure(&yot_asks(&app, &partners, &body).await, EET);
            assert_eq!(answer_keys(&d), key_set(EET_KEYS));
        }
    }
    app.stop().await;
}

// 9 ------------------------------------------------------------------------------------------

async fn partner_without_agreement_gets_the_same_403_for_known_and_unknown_people(
    backend: Backend,
) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let known = pick(&people, 0, |p| {
        (16..=18).contains(&age(p, today)) && p.upn.is_some()
    });
    // A valid UPN the gateway does not hold: the next person of the same cohort.
    let unknown = cohort(SEED, COHORT + 100, today, LaCode::parse(HOME_LA).unwrap())
        .skip(COHORT)
        .find(|p| p.upn.is_some())
        .unwrap();
    assert!(!people.iter().any(|p| p.upn == unknown.upn));

    // The agreed YOT sees the difference; the stranger must not.
    assert_eq!(yot_asks(&app, &partners, &by_upn(&known)).await.status, 200);
    assert_problem(
        &yot_asks(&app, &partners, &by_upn(&unknown)).await,
        404,
        "no-unique-match",
    );

    let mut problems = Vec::new();
    for p in [&known, &unknown] {
        let response = ask(&app, &partners.stranger, YOT_OFFICER, EET, &by_upn(p)).await;
        assert_problem(&response, 403, "not-permitted");
        problems.push(response.json());
    }
    let (a, b) = (&problems[0], &problems[1]);
    for field in ["code", "title", "status", "type"] {
        assert_eq!(a[field], b[field], "{field} differs");
    }
    assert_ne!(a["instance"], b["instance"]);
    assert_eq!(without_instance(a.clone()), without_instance(b.clone()));
    app.stop().await;
}

// 10 -----------------------------------------------------------------------------------------

async fn break_glass_needs_an_authorised_role_and_a_justification_and_alerts_the_dpo(
    backend: Backend,
) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let mut yp = pick(&people, 0, |p| {
        (16..=18).contains(&age(p, today)) && p.upn.is_some()
    });
    apprentice(&mut yp, today, 10);
    yp.send = SenProvision::SenSupport;
    app.put_people(std::slice::from_ref(&yp)).await;
    record_objection(&app, &partners, &yp).await;
    let yot = &partners.yot;
    let body = by_upn(&yp);

    // The objection holds for an ordinary request, from a manager too.
    let d = disclosure(&ask(&app, yot, YOT_MANAGER, EET, &body).await, EET);
    assert_eq!(d["answer"], json!({}));
    assert_eq!(released(&d), ["identity"]);

    // Not an authorised role: refused outright.
    let response = ask(
        &app,
        yot,
        YOT_OFFICER,
        EET,
        &break_glass(&body, GOOD_JUSTIFICATION),
    )
    .await;
    assert_problem(&response, 403, "not-permitted");

    // Too short a justification (19 characters, padded): refused outright.
    let short = "  Risk of harm now!!!  ";
    assert_eq!(short.trim().chars().count(), 19);
    let response = ask(&app, yot, YOT_MANAGER, EET, &break_glass(&body, short)).await;
    assert_problem(&response, 403, "not-permitted");

    let response = ask(
        &app,
        yot,
        YOT_MANAGER,
        EET,
        &break_glass(&body, GOOD_JUSTIFICATION),
    )
    .await;
    let d = disclosure(&response, EET);
    assert_eq!(d["break_glass"], true);
    assert_eq!(answer_keys(&d), eet_keys_with_send());
    assert_eq!(d["answer"]["activity_code"], 310);
    assert_eq!(
        released(&d),
        ["identity", "activity", "ete_suitability", "send"]
    );
    assert!(withheld(&d).is_empty(), "{d}");

    // Only the data protection officer sees alerts.
    for (partner, officer) in [(&partners.home, ADVISER), (&partners.yot, YOT_MANAGER)] {
        let response = app
            .call(partner, officer, Method::GET, "/v1/alerts", None)
            .await;
        assert_problem(&response, 403, "role-not-permitted");
    }
    let response = app
        .call(
            &partners.home,
            DPO,
            Method::GET,
            "/v1/alerts?status=open",
            None,
        )
        .await;
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    let alerts = response.json();
    let alerts = alerts.as_array().unwrap();
    // The two refused claims raised alerts too, opening no window; the release one more.
    let refused: Vec<&Value> = alerts.iter().filter(|a| a["refused"] == true).collect();
    assert_eq!(refused.len(), 2, "{alerts:?}");
    for claim in &refused {
        assert_eq!(claim["window_ends_at"], claim["opened_at"], "{claim}");
        assert_eq!(
            claim["officer"],
            if claim["role"] == "yot_officer" {
                YOT_OFFICER.id
            } else {
                YOT_MANAGER.id
            }
        );
    }
    let alerts: Vec<&Value> = alerts.iter().filter(|a| a["refused"] == false).collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = alerts[0];
    assert_eq!(alert["partner"], "kent-yot");
    assert_eq!(alert["officer"], YOT_MANAGER.id);
    assert_eq!(alert["role"], "yot_manager");
    assert_eq!(alert["exchange"], EET);
    assert_eq!(alert["status"], "open");
    assert_eq!(alert["uses"], 1);
    assert_eq!(alert["justification"], GOOD_JUSTIFICATION);
    let pseudonym = alert["subject_pseudonym"].as_str().unwrap();
    assert!(pseudonym.starts_with("ps1:"), "{pseudonym}");
    assert!(
        !response
            .body
            .windows(13)
            .any(|w| w == yp.ccis_id.as_str().as_bytes())
    );
    let alert_id = alert["id"].as_str().unwrap().to_owned();

    let note = "Justified: s.47 enquiry confirmed with the social work manager";
    let response = app
        .call(
            &partners.home,
            DPO,
            Method::POST,
            &format!("/v1/alerts/{alert_id}/review"),
            Some(&json!({ "note": note })),
        )
        .await;
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    let reviewed = response.json();
    assert_eq!(reviewed["id"], alert_id.as_str());
    assert_eq!(reviewed["status"], "reviewed");
    assert_eq!(reviewed["reviewed_by"], DPO.id);
    assert_eq!(reviewed["review_note"], note);

    let open = app
        .call(
            &partners.home,
            DPO,
            Method::GET,
            "/v1/alerts?status=open",
            None,
        )
        .await
        .json();
    // Only the refused claims are still to be reviewed.
    let open = open.as_array().unwrap();
    assert_eq!(open.len(), 2, "{open:?}");
    assert!(open.iter().all(|a| a["refused"] == true), "{open:?}");
    let all = app
        .call(
            &partners.home,
            DPO,
            Method::GET,
            "/v1/alerts?status=reviewed",
            None,
        )
        .await
        .json();
    assert_eq!(all.as_array().map(Vec::len), Some(1), "{all}");

    // After the review, a short justification is still refused.
    let response = ask(&app, yot, YOT_MANAGER, EET, &break_glass(&body, short)).await;
    assert_problem(&response, 403, "not-permitted");
    app.stop().await;
}

// 11 -----------------------------------------------------------------------------------------

async fn unknown_fields_and_invalid_identifiers_are_refused_without_echo(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let yp = pick(&people, 0, |p| {
        (16..=18).contains(&age(p, today)) && p.upn.is_some()
    });
    let upn = yp.upn.as_ref().unwrap().as_str().to_owned();

    let secret = "Zebedee-Quillfeather-07700900123";
    let mut extra = by_upn(&yp);
    extra["home_phone"] = json!(secret);
    let response = yot_asks(&app, &partners, &extra).await;
    assert_problem(&response, 422, "invalid-body");
    let text = String::from_utf8_lossy(&response.body);
    assert!(!text.contains(secret), "{text}");
    assert!(!text.contains(&upn), "{text}");

    // A UPN whose check letter is wrong.
    let first = if upn.starts_with('A') { "B" } else { "A" };
    let bad = format!("{first}{}", &upn[1..]);
    let response = yot_asks(
        &app,
        &partners,
        &json!({ "subject": { "identifier": { "upn": bad } } }),
    )
    .await;
    assert_problem(&response, 422, "invalid-body");
    let text = String::from_utf8_lossy(&response.body);
    assert!(!text.contains(&bad), "{text}");
    assert!(!text.contains(&upn[1..]), "{text}");
    app.stop().await;
}

// 12 -----------------------------------------------------------------------------------------

async fn openapi_document_lists_every_route_without_a_token_over_mtls(backend: Backend) {
    let app = spawn_app(backend).await;
    let partners = app.scenario_partners().await;
    let mut conn = app.connect(&partners.yot).await;
    let response = conn.get("/openapi.json", None).await.unwrap();
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    assert_eq!(response.content_type(), Some("application/json"));
    let doc = response.json();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "{}",
        doc["openapi"]
    );
    let paths: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let exchanges: BTreeSet<&str> = paths
        .iter()
        .copied()
        .filter(|p| p.starts_with("/v1/exchanges/"))
        .collect();
    assert_eq!(
        exchanges,
        key_set([
            "/v1/exchanges/eet-status",
            "/v1/exchanges/benefit-registration",
            "/v1/exchanges/care-leaver-status",
        ])
    );
    for path in [
        "/v1/subjects/{id}/consents",
        "/v1/consents/{id}/withdraw",
        "/v1/subjects/{id}/objections",
        "/v1/objections/{id}/withdraw",
        "/v1/subjects/{id}/competence",
        "/v1/subjects/{id}/disclosures",
        "/v1/alerts",
        "/v1/alerts/{id}/review",
        "/v1/log/tree-head",
    ] {
        assert!(paths.contains(path), "{path} missing from {paths:?}");
    }
    assert!(doc["paths"]["/v1/exchanges/eet-status"]["post"].is_object());

    // Without a client certificate there is no document.
    let anonymous = app.pki.identity(None);
    let outcome = match app.connect_as(&anonymous).await {
        Ok(mut conn) => conn.get("/openapi.json", None).await,
        Err(err) => Err(err),
    };
    assert_refused_by_tls(outcome);
    app.stop().await;
}

// 13 -----------------------------------------------------------------------------------------

async fn dpo_sees_who_saw_a_record_under_a_pseudonym(backend: Backend) {
    let (app, partners, people) = setup(backend).await;
    let today = today();
    let eligible = |p: &YoungPerson| (16..=18).contains(&age(p, today)) && p.upn.is_some();
    let mut yp = pick(&people, 0, eligible);
    apprentice(&mut yp, today, 10);
    let mut other = pick(&people, 1, eligible);
    apprentice(&mut other, today, 10);
    app.put_people(&[yp.clone(), other.clone()]).await;

    let response = yot_asks(&app, &partners, &by_upn(&yp)).await;
    let d = disclosure(&response, EET);
    let receipt_index = response.json()["receipt"]["log_index"].clone();
    let response_hash = sha256_hex(disclosure_bytes(&response));
    let d_bytes: Value = serde_json::from_slice(disclosure_bytes(&response)).unwrap();
    assert_eq!(d_bytes, d);
    // Someone else's disclosure is not in this person's report.
    disclosure(&yot_asks(&app, &partners, &by_upn(&other)).await, EET);

    let path = format!("/v1/subjects/{}/disclosures", yp.ccis_id.as_str());
    for (partner, officer) in [(&partners.home, ADVISER), (&partners.yot, YOT_MANAGER)] {
        let response = app.call(partner, officer, Method::GET, &path, None).await;
        assert_problem(&response, 403, "role-not-permitted");
    }
    let response = app
        .call(&partners.home, DPO, Method::GET, &path, None)
        .await;
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    let text = String::from_utf8_lossy(&response.body).into_owned();
    assert!(!text.contains(yp.ccis_id.as_str()), "{text}");
    assert!(!text.contains(yp.upn.as_ref().unwrap().as_str()), "{text}");
    let report = response.json();
    let rows = report.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{report}");
    let row = &rows[0];
    assert_eq!(row["log_index"], receipt_index);
    let entry = &row["entry"];
    assert_eq!(entry["event"], "disclosure");
    assert_eq!(entry["outcome"], "partial_permit");
    assert_eq!(entry["partner"], "kent-yot");
    assert_eq!(entry["officer"], YOT_OFFICER.id);
    assert_eq!(entry["purpose"], "case_management");
    assert_eq!(entry["exchange"], EET);
    assert_eq!(
        strings(&entry["released"]),
        ["identity", "activity", "ete_suitability"]
    );
    assert_eq!(strings(&entry["withheld"]), ["send"]);
    assert_eq!(entry["lawful_basis"], "public_task");
    assert_eq!(entry["agreement"], "DSA-kent-yot-eet-status");
    assert_eq!(entry["request_id"], d["request_id"]);
    assert_eq!(entry["response_sha256"], response_hash.as_str());
    let subject = entry["subject"].as_str().unwrap();
    assert!(subject.starts_with("ps1:"), "{subject}");
    assert_ne!(subject, yp.ccis_id.as_str());
    app.stop().await;
}
