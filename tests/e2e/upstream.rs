//! An exchange answered by a partner's own HTTPS service (an upstream provider): the gateway
//! calls it over mutual TLS with its own certificate, and the partner asking still gets only
//! what the policy permits, minimised and logged, or a clear upstream error with nothing
//! released. The provider is a real rustls + hyper server on loopback
//! (`gateway_tests::TestProvider`).

use std::time::{Duration, Instant};

use gateway_api::upstream::{ProviderSettings, UpstreamSettings};
use gateway_client::Response;
use gateway_disclosure::{IndexedEntry, Outcome, Receipt, sha256_hex};
use gateway_domain::synthetic::cohort;
use gateway_domain::{Activity, ActivityCode, LaCode, YoungPerson};
use gateway_tests::scenario::{ADVISER, HOME_LA, PERSONAL_ADVISER, Partners};
use gateway_tests::{
    Backend, Reply, TestApp, TestProvider, on_both_backends, spawn_app_with_upstream,
};
use gateway_translog::TreeHeadVerifier;
use http::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::assert_problem;

on_both_backends!(
    the_answer_comes_from_the_provider_minimised_and_with_a_receipt,
    the_provider_sees_the_gateways_certificate_and_only_the_configured_identifiers,
    a_provider_slower_than_the_timeout_gets_504_and_a_logged_denial,
    a_5xx_is_retried_and_a_4xx_is_not,
    consecutive_failures_open_the_breaker_and_a_probe_closes_it,
    the_provider_is_not_called_when_nothing_could_be_released,
);

const CARE: &str = "care-leaver-status";

/// What the provider knows and the local record does not: an SSDA903 status, plus fields no
/// answer table names (they must never reach the partner).
fn provider_answer(activ: &str) -> Value {
    json!({
        "in_touch": "NREQ",
        "activ": activ,
        "currency": "current",
        "case_notes": "placement breakdown, see file",
        "given_name": "Provider-Only-Name",
    })
}

struct Scene {
    app: TestApp,
    provider: TestProvider,
    partners: Partners,
    person: YoungPerson,
}

/// A gateway whose care-leaver exchange is answered by `provider` with `settings` changed by
/// `tune`, the scenario's partners, and one young person aged 16-20 who is *not* a care
/// leaver in the local record (so any care-leaver answer can only come from the provider).
async fn scene(
    backend: Backend,
    default: Reply,
    tune: impl FnOnce(&mut ProviderSettings),
) -> Scene {
    let provider = TestProvider::start(default).await;
    let mut settings = provider.settings(CARE);
    tune(&mut settings);
    let app = spawn_app_with_upstream(
        backend,
        UpstreamSettings {
            providers: vec![settings],
        },
    )
    .await;
    let partners = app.scenario_partners().await;
    let today = OffsetDateTime::now_utc().date();
    let mut person = cohort(0x0ABC_DE00, 200, today, LaCode::parse(HOME_LA).unwrap())
        .find(|p| {
            p.age_on(today).is_some_and(|a| (16..=20).contains(&a))
                && p.upn.is_some()
                && p.address.postcode().is_some()
        })
        .expect("the cohort has a 16-20 year old with a UPN");
    let verified = today - time::Duration::days(10);
    person.activities = vec![Activity::new(
        ActivityCode::Apprenticeship,
        verified,
        verified,
        verified,
    )];
    person.care = None;
    app.put_people(std::slice::from_ref(&person)).await;
    Scene {
        app,
        provider,
        partners,
        person,
    }
}

impl Scene {
    async fn ask(&self) -> Response {
        let body =
            json!({ "subject": { "identifier": { "ccis_id": self.person.ccis_id.as_str() } } });
        self.app
            .call(
                &self.partners.leaving_care,
                PERSONAL_ADVISER,
                Method::POST,
                &format!("/v1/exchanges/{CARE}"),
                Some(&body),
            )
            .await
    }

    /// The last disclosure-log entry.
    async fn last_entry(&self) -> IndexedEntry {
        let size = self.app.store.log_size().await.unwrap();
        let row = self
            .app
            .store
            .log_entries(size - 1, 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        IndexedEntry::from_bytes(&row.entry).unwrap()
    }

    async fn stop(self) {
        self.app.stop().await;
    }
}

fn disclosure(response: &Response) -> Value {
    assert_eq!(
        response.status.as_u16(),
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["disclosure"].clone()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn log_verifier(app: &TestApp) -> TreeHeadVerifier {
    let pem = std::fs::read_to_string(app.pki.dir().join("log-keys/log-signing.pub.pem")).unwrap();
    TreeHeadVerifier::from_public_key_pem(&pem).unwrap()
}

/// Asserts an upstream error reached the partner with nothing released, and that the log
/// recorded the decision as a denial with a non-personal note.
async fn assert_denied_upstream(s: &Scene, response: &Response, status: u16, code: &str) {
    assert_problem(response, status, code);
    let text = String::from_utf8_lossy(&response.body);
    assert!(
        !text.contains("disclosure") && !text.contains("in_touch"),
        "{text}"
    );
    let entry = s.last_entry().await.entry;
    assert_eq!(entry.outcome, Outcome::Deny);
    assert_eq!(entry.exchange.as_deref(), Some(CARE));
    assert!(entry.released.is_empty(), "{entry:?}");
    assert!(entry.response_sha256.is_none(), "{entry:?}");
    let note = entry.note.unwrap();
    assert!(note.starts_with("upstream "), "{note}");
    assert!(!note.contains(s.person.ccis_id.as_str()), "{note}");
}

// (a) ----------------------------------------------------------------------------------------

async fn the_answer_comes_from_the_provider_minimised_and_with_a_receipt(backend: Backend) {
    let s = scene(backend, Reply::ok(provider_answer("P2")), |_| {}).await;

    let response = s.ask().await;
    let d = disclosure(&response);
    // The provider's values (the local record has no care-leaver status at all), and only
    // the fields the exchange's table names.
    assert_eq!(
        d["answer"],
        json!({ "in_touch": "NREQ", "activ": "P2", "currency": "current" })
    );
    assert_eq!(
        strings(&d["released"]),
        ["identity", "care_status", "activity"]
    );
    assert!(strings(&d["withheld"]).is_empty(), "{d}");
    let text = String::from_utf8_lossy(&response.body);
    assert!(
        !text.contains("case_notes") && !text.contains("Provider-Only-Name"),
        "{text}"
    );

    // The receipt proves this answer was logged before it left.
    let body = response.json();
    let receipt: Receipt = serde_json::from_value(body["receipt"].clone()).unwrap();
    receipt.verify(&log_verifier(&s.app)).unwrap();
    let entry = s.last_entry().await;
    assert_eq!(entry.index, receipt.log_index);
    assert_eq!(entry.entry.outcome, Outcome::Permit);
    // The log holds the hash of the exact bytes the partner received.
    let body = &response.body[..];
    let (start, end) = (
        b"{\"disclosure\":".len(),
        body.windows(11)
            .position(|w| w == b",\"receipt\":")
            .unwrap(),
    );
    assert_eq!(
        entry.entry.response_sha256.as_deref(),
        Some(sha256_hex(&body[start..end]).as_str())
    );

    // The provider says G6 (pregnancy or parenting) or G4 (illness or disability):
    // special-category data the policy withholds without explicit consent, so the answer
    // reads exactly as for G5 (NEET, other reasons), whoever supplied it, and no list names
    // the category.
    s.provider.answer_with(Reply::ok(provider_answer("G5")));
    let ordinary = disclosure(&s.ask().await);
    for special in ["G6", "G4"] {
        s.provider.answer_with(Reply::ok(provider_answer(special)));
        let d = disclosure(&s.ask().await);
        assert_eq!(
            d["answer"],
            json!({ "in_touch": "NREQ", "activ": "G5", "currency": "current" })
        );
        assert!(strings(&d["withheld"]).is_empty(), "{d}");
        for field in [
            "answer",
            "released",
            "withheld",
            "break_glass",
            "subject",
            "exchange",
        ] {
            assert_eq!(d[field], ordinary[field], "{special}: {field}");
        }
        assert!(!d.to_string().contains(special), "{d}");
    }

    // A provider answer outside the code lists is refused, not passed on.
    s.provider.answer_with(Reply::ok(provider_answer("Z9")));
    let response = s.ask().await;
    assert_denied_upstream(&s, &response, 502, "upstream-failed").await;

    // The provider has no answer for this young person: the partner hears what it hears for
    // a local not-applicable answer.
    s.provider.answer_with(Reply::status(404));
    let response = s.ask().await;
    assert_problem(&response, 404, "no-unique-match");
    s.stop().await;
}

// (b) ----------------------------------------------------------------------------------------

async fn the_provider_sees_the_gateways_certificate_and_only_the_configured_identifiers(
    backend: Backend,
) {
    let s = scene(backend, Reply::ok(provider_answer("F4")), |_| {}).await;
    disclosure(&s.ask().await);

    let seen = s.provider.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    // The TLS layer verified the gateway's own client certificate, not a partner's.
    assert_eq!(request.client_cert, s.provider.gateway_cert.cert_der);
    assert_eq!(
        request.host.as_deref(),
        Some(format!("127.0.0.1:{}", s.provider.addr.port()).as_str())
    );

    let p = &s.person;
    let mut subject = json!({
        "ccis_id": p.ccis_id.as_str(),
        "upn": p.upn.as_ref().unwrap().as_str(),
    });
    if let Some(uln) = &p.uln {
        subject["uln"] = json!(uln.as_str());
    }
    assert_eq!(request.body["exchange"], CARE);
    assert_eq!(request.body["subject"], subject);
    assert_eq!(
        strings(&request.body["categories"]),
        ["identity", "care_status", "activity"]
    );
    // Never a name, an address or a date of birth.
    let postcode = p.address.postcode().unwrap();
    let dob = p.date_of_birth;
    let mut personal = vec![
        p.given_name.clone(),
        p.family_name.clone(),
        postcode.as_str().to_owned(),
        postcode.formatted(),
        format!(
            "{:04}-{:02}-{:02}",
            dob.year(),
            u8::from(dob.month()),
            dob.day()
        ),
    ];
    personal.extend(p.address.lines().iter().cloned());
    personal.extend(p.nino.as_ref().map(|n| n.as_str().to_owned()));
    for value in personal {
        assert!(
            !request.raw.contains(&value),
            "the provider was sent {value}"
        );
    }
    s.stop().await;
}

// (c) ----------------------------------------------------------------------------------------

async fn a_provider_slower_than_the_timeout_gets_504_and_a_logged_denial(backend: Backend) {
    let slow = Reply::ok(provider_answer("F4")).after(Duration::from_secs(5));
    let s = scene(backend, slow, |settings| {
        settings.timeout_ms = 300;
        settings.retries = 1;
    })
    .await;

    let started = Instant::now();
    let response = s.ask().await;
    let took = started.elapsed();
    assert_denied_upstream(&s, &response, 504, "upstream-timeout").await;
    // The read was retried once (it is idempotent), and the partner was not kept waiting
    // for the slow provider.
    assert_eq!(s.provider.requests(), 2);
    assert!(took < Duration::from_secs(4), "took {took:?}");
    s.stop().await;
}

// (d) ----------------------------------------------------------------------------------------

async fn a_5xx_is_retried_and_a_4xx_is_not(backend: Backend) {
    let s = scene(backend, Reply::ok(provider_answer("F4")), |settings| {
        settings.retries = 2;
    })
    .await;

    s.provider.queue([Reply::status(503)]);
    let d = disclosure(&s.ask().await);
    assert_eq!(d["answer"]["activ"], "F4");
    assert_eq!(s.provider.requests(), 2, "one 503, then the answer");

    s.provider.queue([Reply::status(400)]);
    let response = s.ask().await;
    assert_denied_upstream(&s, &response, 502, "upstream-failed").await;
    assert_eq!(s.provider.requests(), 3, "a 400 is not asked again");

    // Retries are bounded: three 500s are the first attempt and both retries.
    s.provider
        .queue([Reply::status(500), Reply::status(500), Reply::status(500)]);
    let response = s.ask().await;
    assert_denied_upstream(&s, &response, 502, "upstream-failed").await;
    assert_eq!(s.provider.requests(), 6);
    s.stop().await;
}

// (e) ----------------------------------------------------------------------------------------

async fn consecutive_failures_open_the_breaker_and_a_probe_closes_it(backend: Backend) {
    let s = scene(backend, Reply::status(500), |settings| {
        settings.breaker_failures = 3;
        settings.breaker_open_secs = 1;
    })
    .await;

    for _ in 0..3 {
        let response = s.ask().await;
        assert_denied_upstream(&s, &response, 502, "upstream-failed").await;
    }
    assert_eq!(s.provider.connections(), 3);

    // Open: the gateway fails fast and does not even connect.
    let response = s.ask().await;
    assert_denied_upstream(&s, &response, 503, "upstream-unavailable").await;
    let retry_after = response
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert_eq!(retry_after, Some(1));
    assert_eq!(s.provider.connections(), 3);

    // The provider recovers. Once the open period is over, one probe goes through and its
    // success closes the breaker; until then every call still fails fast.
    s.provider.answer_with(Reply::ok(provider_answer("F4")));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = s.ask().await;
        if response.status.as_u16() == 200 {
            break;
        }
        assert_problem(&response, 503, "upstream-unavailable");
        assert_eq!(s.provider.connections(), 3, "an open breaker connected");
        assert!(
            Instant::now() < deadline,
            "the breaker never let a probe through"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(s.provider.connections(), 4, "exactly one probe");
    let d = disclosure(&s.ask().await);
    assert_eq!(d["answer"]["activ"], "F4");
    assert_eq!(
        s.provider.connections(),
        5,
        "closed again: calls go through"
    );
    s.stop().await;
}

// (f) ----------------------------------------------------------------------------------------

async fn the_provider_is_not_called_when_nothing_could_be_released(backend: Backend) {
    let s = scene(backend, Reply::ok(provider_answer("F4")), |_| {}).await;

    // An objection in force: only identity may pass, and no answer field is identity.
    let response = s
        .app
        .call(
            &s.partners.home,
            ADVISER,
            Method::POST,
            &format!("/v1/subjects/{}/objections", s.person.ccis_id.as_str()),
            Some(&json!({ "raised_by": "young_person" })),
        )
        .await;
    assert_eq!(response.status.as_u16(), 201, "{:?}", response.body);
    let d = disclosure(&s.ask().await);
    assert_eq!(d["answer"], json!({}));
    assert_eq!(strings(&d["released"]), ["identity"]);
    assert_eq!(strings(&d["withheld"]), ["care_status", "activity"]);

    // A partner with no agreement for the exchange.
    let body = json!({ "subject": { "identifier": { "ccis_id": s.person.ccis_id.as_str() } } });
    let response = s
        .app
        .call(
            &s.partners.stranger,
            PERSONAL_ADVISER,
            Method::POST,
            &format!("/v1/exchanges/{CARE}"),
            Some(&body),
        )
        .await;
    assert_problem(&response, 403, "not-permitted");

    // Nobody matched.
    let body = json!({ "subject": { "identifier": { "ccis_id": "9990000000001" } } });
    let response = s
        .app
        .call(
            &s.partners.leaving_care,
            PERSONAL_ADVISER,
            Method::POST,
            &format!("/v1/exchanges/{CARE}"),
            Some(&body),
        )
        .await;
    assert_eq!(response.status.as_u16(), 404, "{:?}", response.body);

    assert_eq!(s.provider.connections(), 0, "the provider was contacted");
    s.stop().await;
}
