//! What a partner must not learn, tried the way a partner (or an attacker) would: a special
//! category through the shape of an answer, who is known through timing without an
//! agreement, an exchange through a role it was not made for; and a change in force or an
//! alert raised without its log entry.

use std::time::{Duration, Instant};

use gateway_client::Response;
use gateway_disclosure::IndexedEntry;
use gateway_domain::synthetic::cohort;
use gateway_domain::{
    Activity, ActivityCode, BenefitRegistration, CareLeaverStatus, InTouch, LaCode, YoungPerson,
};
use gateway_tests::scenario::{
    ADVISER, HOME_LA, Officer, PERSONAL_ADVISER, WORK_COACH, YOT_MANAGER, YOT_OFFICER,
};
use gateway_tests::{Backend, TestApp, TestPartner, on_both_backends, spawn_app};
use http::Method;
use serde_json::{Value, json};
use sqlx::Connection;
use time::{Date, OffsetDateTime};

use crate::assert_problem;

on_both_backends!(
    a_special_activity_answers_like_another_inactive_one_on_every_exchange,
    without_an_agreement_known_and_unknown_people_answer_in_the_same_time,
    a_role_an_exchange_does_not_accept_is_refused_before_anything_is_read,
    a_log_failure_leaves_no_consent_objection_competence_or_alert,
);

const JUSTIFICATION: &str =
    "Section 47 enquiry opened today: risk of serious harm, need current placement";

/// A leaving-care manager who may claim break-glass (`forbid-break-glass-unauthorised-role`).
const SOCIAL_WORK_MANAGER: Officer<'static> = Officer {
    id: "social-work-manager-1",
    role: "social_work_manager",
    purpose: "pathway_planning",
};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn by_ccis(p: &YoungPerson) -> Value {
    json!({ "subject": { "identifier": { "ccis_id": p.ccis_id.as_str() } } })
}

fn with_break_glass(mut body: Value) -> Value {
    body["break_glass"] = json!({
        "justification": JUSTIFICATION,
        "statutory_basis": "children_act_1989_s47",
    });
    body
}

async fn ask(
    app: &TestApp,
    partner: &TestPartner,
    officer: Officer<'_>,
    exchange: &str,
    body: &Value,
) -> Response {
    let path = format!("/v1/exchanges/{exchange}");
    app.call(partner, officer, Method::POST, &path, Some(body))
        .await
}

/// What a partner receives, with the per-request parts (request id, receipt, problem
/// instance) blanked: every other byte is compared.
fn comparable(response: &Response) -> (u16, String) {
    let text = String::from_utf8(response.body.to_vec()).unwrap();
    let status = response.status.as_u16();
    if status != 200 {
        let instance = response.json()["instance"].as_str().unwrap().to_owned();
        return (status, text.replace(&instance, "INSTANCE"));
    }
    let start = "{\"disclosure\":".len();
    let end = text.find(",\"receipt\":").unwrap();
    let disclosure = &text[start..end];
    let request_id = response.json()["disclosure"]["request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (status, disclosure.replace(&request_id, "REQUEST-ID"))
}

/// A 16/17-year-old care leaver in touch, registered with the LA, with UPN and NINO.
fn subject(people: &[YoungPerson]) -> YoungPerson {
    let today = today();
    let mut p = people
        .iter()
        .find(|p| {
            p.upn.is_some()
                && p.nino.is_some()
                && p.age_on(today).is_some_and(|a| (16..=17).contains(&a))
        })
        .cloned()
        .expect("a 16/17-year-old with UPN and NINO");
    p.care = Some(CareLeaverStatus {
        in_touch: InTouch::Yes,
        contact_date: Some(today - time::Duration::days(20)),
        responsible_la: None,
    });
    p.benefit_registration = Some(BenefitRegistration {
        registered_on: today - time::Duration::days(40),
    });
    p
}

fn doing(mut p: YoungPerson, code: ActivityCode) -> YoungPerson {
    let verified = today() - time::Duration::days(10);
    let start = verified - time::Duration::days(30);
    let mut activity = Activity::new(code, start, start, verified);
    activity.neet_start_date = Some(start);
    p.activities = vec![activity];
    p
}

// 1 ------------------------------------------------------------------------------------------

/// 640 illness and 650 pregnancy (SSDA903 G4/G6) are special-category data, released to no
/// exchange without explicit consent. The answer about a young person doing one of them must
/// be the same, byte for byte, as the answer about them being a teenage parent (630),
/// otherwise the shape of the answer (a missing code, a category in `withheld`) says it.
/// Every exchange, as an ordinary request and under break-glass.
async fn a_special_activity_answers_like_another_inactive_one_on_every_exchange(backend: Backend) {
    let app = spawn_app(backend).await;
    let partners = app.scenario_partners().await;
    let people = app.load_cohort(0x5EC1A1, 120).await;
    let base = subject(&people);
    let askers: [(&TestPartner, Officer<'_>, &str, bool); 6] = [
        (&partners.yot, YOT_OFFICER, "eet-status", false),
        (&partners.jcp, WORK_COACH, "benefit-registration", false),
        (
            &partners.leaving_care,
            PERSONAL_ADVISER,
            "care-leaver-status",
            false,
        ),
        (&partners.yot, YOT_MANAGER, "eet-status", true),
        (&partners.jcp, WORK_COACH, "benefit-registration", true),
        (
            &partners.leaving_care,
            SOCIAL_WORK_MANAGER,
            "care-leaver-status",
            true,
        ),
    ];
    let mut answers: Vec<Vec<(u16, String)>> = vec![Vec::new(); askers.len()];
    for code in [
        ActivityCode::TeenageParent,
        ActivityCode::Pregnancy,
        ActivityCode::Illness,
    ] {
        app.put_people(&[doing(base.clone(), code)]).await;
        for (i, (partner, officer, exchange, break_glass)) in askers.iter().enumerate() {
            let body = if *break_glass {
                with_break_glass(by_ccis(&base))
            } else {
                by_ccis(&base)
            };
            let response = ask(&app, partner, *officer, exchange, &body).await;
            answers[i].push(comparable(&response));
        }
    }
    for (i, (_, officer, exchange, break_glass)) in askers.iter().enumerate() {
        let [parent, pregnant, ill] = &answers[i][..] else {
            unreachable!()
        };
        let what = format!(
            "{exchange} as {} (break-glass: {break_glass})",
            officer.role
        );
        assert_eq!(pregnant, parent, "650 differs from 630 on {what}");
        assert_eq!(ill, parent, "640 differs from 630 on {what}");
        for special in ["health", "pregnancy", "650", "640", "G4", "G6"] {
            assert!(!pregnant.1.contains(special), "{what}: {}", pregnant.1);
        }
    }
    // The shape chosen: the group only (YOT), "neither" (JCP), G5 (leaving care); and the
    // break-glass answers really were releases.
    let disclosure = |i: usize| -> Value {
        let (status, text) = &answers[i][1];
        assert_eq!(*status, 200, "{text}");
        serde_json::from_str(text).unwrap()
    };
    let yot = disclosure(0);
    assert_eq!(yot["answer"]["activity_group"], "neet_inactive", "{yot}");
    assert!(yot["answer"].get("activity_code").is_none(), "{yot}");
    assert_eq!(yot["withheld"], json!(["send"]), "{yot}");
    assert_eq!(disclosure(1)["answer"]["eet"], "neither");
    assert_eq!(disclosure(2)["answer"]["activ"], "G5");
    assert_eq!(disclosure(3)["break_glass"], true);
    assert_eq!(disclosure(5)["break_glass"], true);
    // Jobcentre Plus has no break-glass role: refused, the same way for every code.
    assert_eq!(answers[4][1].0, 403);
    app.stop().await;
}

// 2 ------------------------------------------------------------------------------------------

/// A partner without an agreement gets `403 not-permitted` for everyone, and must not be able
/// to tell from the time it takes whether the gateway knows the person: the refusal reads
/// nothing about the person from the store (the stage that builds it takes no store,
/// `disclose::facts::without_agreement`). Known and unknown requests alternate in a random
/// order over one connection; a Mann-Whitney U test on the two sets of times must find no
/// difference. The log still names the known person's pseudonym.
async fn without_an_agreement_known_and_unknown_people_answer_in_the_same_time(backend: Backend) {
    const PAIRS: usize = 300;
    let app = spawn_app(backend).await;
    let partners = app.scenario_partners().await;
    // Half the cohort is stored (known), the other half's valid UPNs are nobody's here.
    let everyone: Vec<YoungPerson> =
        cohort(0x71_3E, 2 * PAIRS, today(), LaCode::parse(HOME_LA).unwrap())
            .filter(|p| p.upn.is_some())
            .collect();
    let (known, unknown) = everyone.split_at(everyone.len() / 2);
    app.put_people(known).await;
    let pairs = PAIRS.min(known.len()).min(unknown.len());
    let by_upn = |p: &YoungPerson| json!({ "subject": { "identifier": { "upn": p.upn.as_ref().unwrap().as_str() } } });
    let stranger = &partners.stranger;
    let mut conn = app.connect(stranger).await;
    let path = "/v1/exchanges/eet-status";
    let mut send = async |body: &Value| {
        let token = stranger.token_as(YOT_OFFICER);
        let started = Instant::now();
        let response = conn
            .send(Method::POST, path, Some(&token), Some(body))
            .await
            .unwrap();
        (started.elapsed(), response)
    };
    for p in known.iter().take(20) {
        send(&by_upn(p)).await;
    }
    let log_start = app.store.log_size().await.unwrap();
    // A fixed xorshift sequence decides the order inside each pair.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut known_times = Vec::with_capacity(pairs);
    let mut unknown_times = Vec::with_capacity(pairs);
    let mut order = Vec::with_capacity(2 * pairs);
    let mut first_body = None;
    for i in 0..pairs {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let known_first = state & 1 == 0;
        for is_known in [known_first, !known_first] {
            let person = if is_known { &known[i] } else { &unknown[i] };
            let (took, response) = send(&by_upn(person)).await;
            assert_problem(&response, 403, "not-permitted");
            let mut body = response.json();
            body["instance"] = Value::Null;
            let first = first_body.get_or_insert_with(|| body.clone());
            assert_eq!(*first, body);
            if is_known {
                known_times.push(took);
            } else {
                unknown_times.push(took);
            }
            order.push(is_known);
        }
    }
    let z = mann_whitney_z(&known_times, &unknown_times);
    let median = |t: &mut Vec<Duration>| {
        t.sort();
        t[t.len() / 2]
    };
    println!(
        "no agreement, {pairs} pairs: median known {:?}, unknown {:?}, Mann-Whitney z = {z:.2}",
        median(&mut known_times),
        median(&mut unknown_times)
    );
    // |z| < 3.29 is p > 0.001 two-sided: no difference a partner could rely on.
    assert!(
        z.abs() < 3.29,
        "known and unknown differ in time: z = {z:.2}"
    );

    // Each refusal is logged, naming the known person's pseudonym and nobody for the others.
    let rows = app
        .store
        .log_entries(log_start, u64::try_from(order.len()).unwrap())
        .await
        .unwrap();
    assert_eq!(rows.len(), order.len());
    for (row, is_known) in rows.iter().zip(&order) {
        let entry = IndexedEntry::from_bytes(&row.entry).unwrap().entry;
        assert_eq!(
            entry.note.as_deref(),
            Some("no agreement covers this exchange")
        );
        assert_eq!(entry.subject.is_some(), *is_known, "{:?}", entry.subject);
    }
    drop(conn);
    app.stop().await;
}

/// The normal approximation of the Mann-Whitney U statistic of `a` against `b` (ties take
/// their average rank; tie correction omitted, which only makes |z| smaller).
fn mann_whitney_z(a: &[Duration], b: &[Duration]) -> f64 {
    let mut all: Vec<(Duration, bool)> = a
        .iter()
        .map(|t| (*t, true))
        .chain(b.iter().map(|t| (*t, false)))
        .collect();
    all.sort_by_key(|(t, _)| *t);
    let mut rank_sum_a = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean.
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_a += rank * all[i..=j].iter().filter(|(_, in_a)| *in_a).count() as f64;
        i = j + 1;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let sd = (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt();
    (u - mean) / sd
}

// 3 ------------------------------------------------------------------------------------------

/// Each exchange names the roles it accepts; any other role in a token is refused with `403
/// role-not-permitted`, before the subject is looked up or anything is logged.
async fn a_role_an_exchange_does_not_accept_is_refused_before_anything_is_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let partners = app.scenario_partners().await;
    let people = app.load_cohort(0x201E, 40).await;
    let body = by_ccis(&people[0]);
    let before = app.store.log_size().await.unwrap();
    let intern = Officer {
        id: "intern-1",
        role: "intern",
        purpose: "case_management",
    };
    for (partner, officer, exchange) in [
        (&partners.yot, intern, "eet-status"),
        (&partners.yot, WORK_COACH, "eet-status"),
        (&partners.jcp, YOT_OFFICER, "benefit-registration"),
        (&partners.leaving_care, WORK_COACH, "care-leaver-status"),
    ] {
        let response = ask(&app, partner, officer, exchange, &body).await;
        assert_problem(&response, 403, "role-not-permitted");
        let text = String::from_utf8_lossy(&response.body);
        assert!(
            !text.contains(officer.role),
            "the role is not echoed: {text}"
        );
    }
    assert_eq!(app.store.log_size().await.unwrap(), before);
    // The accepted roles still work.
    let response = ask(&app, &partners.yot, YOT_OFFICER, "eet-status", &body).await;
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    app.stop().await;
}

// 4 ------------------------------------------------------------------------------------------

/// The database refuses every new log row (a trigger, as a broken disk or a revoked grant
/// would): consent, objection, competence and break-glass all answer `503 log-unavailable`,
/// and none of them is left in force, nor any alert. Once the log takes rows again, the same
/// requests are recorded exactly once.
async fn a_log_failure_leaves_no_consent_objection_competence_or_alert(backend: Backend) {
    let app = spawn_app(backend).await;
    let partners = app.scenario_partners().await;
    let people = app.load_cohort(0xA70, 40).await;
    let yp = people
        .iter()
        .find(|p| p.age_on(today()).is_some_and(|a| (13..=15).contains(&a)))
        .cloned()
        .expect("an under-16");
    let id = yp.ccis_id.as_str();
    let consent = json!({
        "given_by": "parent_carer",
        "method": "written",
        "purposes": ["case_management"],
        "recipient": { "agency_kind": "youth_offending_team" },
        "categories": ["send"],
    });
    let changes = [
        (format!("/v1/subjects/{id}/consents"), consent),
        (
            format!("/v1/subjects/{id}/objections"),
            json!({ "raised_by": "parent_carer" }),
        ),
        (
            format!("/v1/subjects/{id}/competence"),
            json!({ "competent": true, "assessed_on": today().to_string() }),
        ),
    ];
    let glass = with_break_glass(by_ccis(&yp));

    refuse_log_rows(&app, backend, true).await;
    for (path, body) in &changes {
        let response = app
            .call(&partners.home, ADVISER, Method::POST, path, Some(body))
            .await;
        assert_problem(&response, 503, "log-unavailable");
    }
    let response = ask(&app, &partners.yot, YOT_MANAGER, "eet-status", &glass).await;
    assert_problem(&response, 503, "log-unavailable");
    let store = &app.store;
    assert!(store.consents_for(&yp.ccis_id).await.unwrap().is_empty());
    assert!(store.objections_for(&yp.ccis_id).await.unwrap().is_empty());
    assert!(
        store
            .competence_assessments_for(&yp.ccis_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.alerts(None).await.unwrap().is_empty());

    refuse_log_rows(&app, backend, false).await;
    for (path, body) in &changes {
        let response = app
            .call(&partners.home, ADVISER, Method::POST, path, Some(body))
            .await;
        assert_eq!(response.status.as_u16(), 201, "{:?}", response.body);
    }
    let response = ask(&app, &partners.yot, YOT_MANAGER, "eet-status", &glass).await;
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    assert_eq!(store.consents_for(&yp.ccis_id).await.unwrap().len(), 1);
    assert_eq!(store.objections_for(&yp.ccis_id).await.unwrap().len(), 1);
    assert_eq!(
        store
            .competence_assessments_for(&yp.ccis_id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.alerts(None).await.unwrap().len(), 1);
    app.stop().await;
}

/// Makes the database refuse (or accept again) every insert into the disclosure log.
async fn refuse_log_rows(app: &TestApp, backend: Backend, refuse: bool) {
    let sql = match (backend, refuse) {
        (Backend::Sqlite, true) => {
            "CREATE TRIGGER refuse_log_rows BEFORE INSERT ON disclosure_log \
             BEGIN SELECT RAISE(ABORT, 'log rows refused'); END;"
        }
        (Backend::Sqlite, false) => "DROP TRIGGER refuse_log_rows;",
        (Backend::Postgres, true) => {
            "CREATE FUNCTION refuse_log_rows() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'log rows refused'; END $$; \
             CREATE TRIGGER refuse_log_rows BEFORE INSERT ON disclosure_log \
             FOR EACH ROW EXECUTE FUNCTION refuse_log_rows();"
        }
        (Backend::Postgres, false) => {
            "DROP TRIGGER refuse_log_rows ON disclosure_log; DROP FUNCTION refuse_log_rows();"
        }
    };
    match backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
    }
}
