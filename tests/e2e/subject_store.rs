//! The subject store contract (young people, consents, objections, competence assessments,
//! break-glass alerts), run against both backends.

use gateway_domain::{CcisId, LaCode, YoungPerson};
use gateway_store::{
    AgencyKind, AlertStatus, ConsentMethod, ConsentRecipient, GivenBy, NewAlert,
    NewCompetenceAssessment, NewConsent, NewObjection, PartnerId, Store, UpsertCounts,
};
use gateway_tests::{Backend, TestDatabase, on_both_backends};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

on_both_backends!(
    young_people_upsert_counts_and_read_back,
    consents_round_trip_and_first_withdrawal_stands,
    objections_round_trip_and_first_withdrawal_stands,
    competence_assessments_oldest_first,
    break_glass_alerts_count_filter_and_first_review_stands,
);

async fn open(backend: Backend) -> (tempfile::TempDir, TestDatabase, std::sync::Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let store = gateway_store::connect(&db.url).await.unwrap();
    (dir, db, store)
}

fn cohort(n: usize) -> Vec<YoungPerson> {
    gateway_domain::synthetic::cohort(
        20_260_401,
        n,
        date!(2026 - 04 - 01),
        LaCode::parse("886").unwrap(),
    )
    .collect()
}

fn counts(inserted: u64, updated: u64, unchanged: u64) -> UpsertCounts {
    UpsertCounts {
        inserted,
        updated,
        unchanged,
    }
}

fn subject(local: u64) -> CcisId {
    CcisId::from_parts(886, local).unwrap()
}

/// Asserts a time the store set is close to now.
fn assert_recent(t: OffsetDateTime) {
    let now = OffsetDateTime::now_utc();
    assert!(t <= now && t > now - Duration::minutes(5), "not recent");
}

async fn young_people_upsert_counts_and_read_back(backend: Backend) {
    let (_dir, db, store) = open(backend).await;
    // More than one batch of the store's statements.
    let mut people = cohort(2_500);
    assert_eq!(store.count_young_people().await.unwrap(), 0);
    assert_eq!(
        store.upsert_young_people(&[]).await.unwrap(),
        counts(0, 0, 0)
    );

    assert_eq!(
        store.upsert_young_people(&people).await.unwrap(),
        counts(2_500, 0, 0)
    );
    assert_eq!(store.count_young_people().await.unwrap(), 2_500);
    // A re-run import changes nothing.
    assert_eq!(
        store.upsert_young_people(&people).await.unwrap(),
        counts(0, 0, 2_500)
    );

    // One record changed, one new: only those are written.
    people[1_234].family_name = "Okonkwo-Smith".into();
    people[1_234].yot_supervised = !people[1_234].yot_supervised;
    let mut extra = cohort(2_501).pop().unwrap();
    extra.ccis_id = CcisId::from_parts(999, 2).unwrap();
    people.push(extra.clone());
    assert_eq!(
        store.upsert_young_people(&people).await.unwrap(),
        counts(1, 1, 2_499)
    );
    assert_eq!(store.count_young_people().await.unwrap(), 2_501);

    let read = store
        .young_person(&people[1_234].ccis_id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        read == people[1_234],
        "the changed record reads back as written"
    );
    assert!(store.young_person(&extra.ccis_id).await.unwrap().unwrap() == extra);
    assert!(
        store
            .young_person(&CcisId::from_parts(999, 1).unwrap())
            .await
            .unwrap()
            .is_none()
    );
    // Several at once: the stored ones among the ids, an unknown id skipped.
    let mut some = store
        .young_people_by_id(&[
            extra.ccis_id.clone(),
            CcisId::from_parts(999, 1).unwrap(),
            people[1_234].ccis_id.clone(),
        ])
        .await
        .unwrap();
    some.sort_by(|a, b| a.ccis_id.cmp(&b.ccis_id));
    assert!(some == vec![people[1_234].clone(), extra.clone()]);

    let mut expected = people.clone();
    expected.sort_by(|a, b| a.ccis_id.cmp(&b.ccis_id));
    let all = store.young_people().await.unwrap();
    assert_eq!(all.len(), expected.len());
    assert!(all == expected, "every record, ordered by CCIS id");

    // The same id twice in one call: applied in order, the last one stands.
    let mut first = people[7].clone();
    first.given_name = "Test-Amara".into();
    let mut second = people[7].clone();
    second.given_name = "Test-Zainab".into();
    assert_eq!(
        store
            .upsert_young_people(&[first, people[8].clone(), second.clone()])
            .await
            .unwrap(),
        counts(0, 2, 1)
    );
    assert!(store.young_person(&second.ccis_id).await.unwrap().unwrap() == second);
    assert_eq!(store.count_young_people().await.unwrap(), 2_501);
    db.drop_database().await;
}

fn consent(subject: CcisId, given_at: OffsetDateTime, recipient: ConsentRecipient) -> NewConsent {
    NewConsent {
        subject,
        given_by: GivenBy::YoungPerson,
        method: ConsentMethod::Written,
        given_at,
        purposes: vec!["ete-support".into()],
        recipient,
        categories: vec!["identity".into(), "activity".into()],
        valid_from: date!(2026 - 03 - 01),
        valid_until: Some(date!(2027 - 02 - 28)),
        recorded_by: "adviser-17".into(),
    }
}

async fn consents_round_trip_and_first_withdrawal_stands(backend: Backend) {
    let (_dir, db, store) = open(backend).await;
    let who = subject(12_345);
    let partner = PartnerId::parse("kent-leaving-care").unwrap();

    // Recorded later but given earlier in the same second: listed first.
    let mut by_partner = consent(
        who.clone(),
        datetime!(2026-03-02 10:00:00.25 UTC),
        ConsentRecipient::Partner(partner.clone()),
    );
    by_partner.given_by = GivenBy::ParentCarer;
    by_partner.method = ConsentMethod::Verbal;
    by_partner.valid_until = None;
    let later = store.add_consent(&by_partner).await.unwrap();
    let earlier = store
        .add_consent(&consent(
            who.clone(),
            datetime!(2026-03-02 11:00:00 +01:00),
            ConsentRecipient::AgencyKind(AgencyKind::YouthOffendingTeam),
        ))
        .await
        .unwrap();
    let elsewhere = store
        .add_consent(&consent(
            subject(54_321),
            datetime!(2026-01-01 09:00 UTC),
            ConsentRecipient::AgencyKind(AgencyKind::JobcentrePlus),
        ))
        .await
        .unwrap();

    assert_eq!(later.subject, who);
    assert_eq!(later.given_by, GivenBy::ParentCarer);
    assert_eq!(later.method, ConsentMethod::Verbal);
    assert_eq!(later.recipient, ConsentRecipient::Partner(partner));
    assert_eq!(later.given_at, datetime!(2026-03-02 10:00:00.25 UTC));
    assert_eq!(later.valid_until, None);
    assert_eq!(later.purposes, vec!["ete-support".to_owned()]);
    assert_eq!(
        later.categories,
        vec!["identity".to_owned(), "activity".into()]
    );
    assert_eq!(later.recorded_by, "adviser-17");
    assert_recent(later.recorded_at);
    assert_eq!(
        (later.withdrawn_at, later.withdrawn_by.clone()),
        (None, None)
    );
    assert_eq!(
        earlier.recipient,
        ConsentRecipient::AgencyKind(AgencyKind::YouthOffendingTeam)
    );
    assert_eq!(earlier.given_at, datetime!(2026-03-02 10:00:00 UTC));
    assert_eq!(earlier.valid_until, Some(date!(2027 - 02 - 28)));
    assert_ne!(earlier.id, later.id);

    assert_eq!(store.consent(later.id).await.unwrap(), Some(later.clone()));
    assert_eq!(
        store.consents_for(&who).await.unwrap(),
        vec![earlier.clone(), later.clone()]
    );
    assert_eq!(
        store.consents_for(&subject(54_321)).await.unwrap(),
        vec![elsewhere]
    );
    assert!(store.consents_for(&subject(1)).await.unwrap().is_empty());

    let first_at = datetime!(2026-05-01 14:30:00.5 UTC);
    let withdrawn = store
        .withdraw_consent(earlier.id, first_at, "adviser-3")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(withdrawn.withdrawn_at, Some(first_at));
    assert_eq!(withdrawn.withdrawn_by.as_deref(), Some("adviser-3"));
    assert_eq!(withdrawn.given_at, earlier.given_at);
    // A second withdrawal changes nothing: the first time stands.
    let again = store
        .withdraw_consent(earlier.id, first_at + Duration::days(3), "adviser-9")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, withdrawn);
    assert_eq!(
        store.consent(earlier.id).await.unwrap(),
        Some(withdrawn.clone())
    );
    // Withdrawn consents are still listed.
    assert_eq!(
        store.consents_for(&who).await.unwrap(),
        vec![withdrawn, later]
    );

    let nobody = Uuid::new_v4();
    assert_eq!(store.consent(nobody).await.unwrap(), None);
    assert_eq!(
        store
            .withdraw_consent(nobody, first_at, "adviser-3")
            .await
            .unwrap(),
        None
    );
    db.drop_database().await;
}

async fn objections_round_trip_and_first_withdrawal_stands(backend: Backend) {
    let (_dir, db, store) = open(backend).await;
    let who = subject(777);
    let parent = store
        .add_objection(&NewObjection {
            subject: who.clone(),
            raised_by: GivenBy::ParentCarer,
            raised_at: datetime!(2026-02-10 16:00:00.75 UTC),
            recorded_by: "adviser-2".into(),
        })
        .await
        .unwrap();
    let own = store
        .add_objection(&NewObjection {
            subject: who.clone(),
            raised_by: GivenBy::YoungPerson,
            raised_at: datetime!(2026-02-10 16:00:00 UTC),
            recorded_by: "adviser-5".into(),
        })
        .await
        .unwrap();
    assert_eq!(parent.raised_by, GivenBy::ParentCarer);
    assert_eq!(parent.raised_at, datetime!(2026-02-10 16:00:00.75 UTC));
    assert_eq!(parent.recorded_by, "adviser-2");
    assert_recent(parent.recorded_at);
    assert_eq!(parent.withdrawn_at, None);
    assert_eq!(own.raised_by, GivenBy::YoungPerson);

    // Oldest first, by when raised.
    assert_eq!(
        store.objections_for(&who).await.unwrap(),
        vec![own.clone(), parent.clone()]
    );
    assert!(
        store
            .objections_for(&subject(778))
            .await
            .unwrap()
            .is_empty()
    );

    let at = datetime!(2026-06-01 09:00 UTC);
    let withdrawn = store
        .withdraw_objection(parent.id, at, "adviser-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(withdrawn.withdrawn_at, Some(at));
    assert_eq!(withdrawn.withdrawn_by.as_deref(), Some("adviser-2"));
    let again = store
        .withdraw_objection(parent.id, at + Duration::hours(1), "adviser-8")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, withdrawn);
    assert_eq!(
        store.objections_for(&who).await.unwrap(),
        vec![own, withdrawn]
    );
    assert_eq!(
        store
            .withdraw_objection(Uuid::new_v4(), at, "adviser-2")
            .await
            .unwrap(),
        None
    );
    db.drop_database().await;
}

async fn competence_assessments_oldest_first(backend: Backend) {
    let (_dir, db, store) = open(backend).await;
    let who = subject(4_242);
    let assess = |competent, assessed_on, assessed_by: &str| NewCompetenceAssessment {
        subject: who.clone(),
        competent,
        assessed_on,
        assessed_by: assessed_by.into(),
    };
    let march = store
        .add_competence_assessment(&assess(true, date!(2026 - 03 - 10), "adviser-1"))
        .await
        .unwrap();
    let january = store
        .add_competence_assessment(&assess(false, date!(2026 - 01 - 05), "adviser-2"))
        .await
        .unwrap();
    // Same day as `march`, recorded later: it governs.
    let march_again = store
        .add_competence_assessment(&assess(false, date!(2026 - 03 - 10), "adviser-3"))
        .await
        .unwrap();
    store
        .add_competence_assessment(&NewCompetenceAssessment {
            subject: subject(4_243),
            ..assess(true, date!(2026 - 02 - 01), "adviser-1")
        })
        .await
        .unwrap();

    assert!(march.competent);
    assert_eq!(march.assessed_on, date!(2026 - 03 - 10));
    assert_eq!(march.assessed_by, "adviser-1");
    assert_eq!(march.subject, who);
    assert_recent(march.recorded_at);
    assert!(march_again.recorded_at >= march.recorded_at);

    let listed = store.competence_assessments_for(&who).await.unwrap();
    assert_eq!(listed, vec![january, march, march_again.clone()]);
    assert_eq!(listed.last(), Some(&march_again));
    assert!(!listed.last().unwrap().competent);
    assert!(
        store
            .competence_assessments_for(&subject(1))
            .await
            .unwrap()
            .is_empty()
    );
    db.drop_database().await;
}

async fn break_glass_alerts_count_filter_and_first_review_stands(backend: Backend) {
    let (_dir, db, store) = open(backend).await;
    let partner = PartnerId::parse("kent-social-care").unwrap();
    let t0 = datetime!(2026-04-20 02:10:00 UTC);
    let alert = |officer: &str, opened_at: OffsetDateTime| NewAlert {
        partner: partner.clone(),
        officer: officer.into(),
        role: "duty-social-worker".into(),
        exchange: "s47-enquiry".into(),
        subject_pseudonym: "ps-3f9a".into(),
        justification: "s.47 strategy discussion, child not at home address".into(),
        opened_at,
        window_ends_at: opened_at + Duration::hours(4),
        refused: false,
    };

    let first = store.add_alert(&alert("officer-1", t0)).await.unwrap();
    let other_officer = store
        .add_alert(&alert("officer-2", t0 + Duration::hours(1)))
        .await
        .unwrap();
    let second = store
        .add_alert(&alert("officer-1", t0 + Duration::hours(5)))
        .await
        .unwrap();

    assert_eq!(first.partner, partner);
    assert_eq!(first.officer, "officer-1");
    assert_eq!(first.role, "duty-social-worker");
    assert_eq!(first.exchange, "s47-enquiry");
    assert_eq!(first.subject_pseudonym, "ps-3f9a");
    assert_eq!(first.opened_at, t0);
    assert_eq!(first.window_ends_at, t0 + Duration::hours(4));
    assert_eq!(first.uses, 1);
    assert_eq!(first.status, AlertStatus::Open);
    assert_eq!(
        (
            first.reviewed_by.clone(),
            first.reviewed_at,
            first.review_note.clone()
        ),
        (None, None, None)
    );

    assert_eq!(
        store
            .latest_alert_for(&partner, "officer-1", "ps-3f9a")
            .await
            .unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        store
            .latest_alert_for(&partner, "officer-2", "ps-3f9a")
            .await
            .unwrap(),
        Some(other_officer.clone())
    );
    assert_eq!(
        store
            .latest_alert_for(&partner, "officer-1", "ps-0000")
            .await
            .unwrap(),
        None
    );
    let stranger = PartnerId::parse("kent-yot").unwrap();
    assert_eq!(
        store
            .latest_alert_for(&stranger, "officer-1", "ps-3f9a")
            .await
            .unwrap(),
        None
    );

    store.count_alert_use(second.id).await.unwrap();
    store.count_alert_use(second.id).await.unwrap();
    let used = store
        .latest_alert_for(&partner, "officer-1", "ps-3f9a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.uses, 3);
    store.count_alert_use(Uuid::new_v4()).await.unwrap();
    // An undone use is taken back; the first use never is.
    store
        .undo(gateway_store::Undo::AlertUse(second.id))
        .await
        .unwrap();
    let undone = store
        .latest_alert_for(&partner, "officer-1", "ps-3f9a")
        .await
        .unwrap();
    assert_eq!(undone.map(|a| a.uses), Some(2));
    // A refused claim is an alert for the DPO, never the window a later claim rides on.
    let refused = store
        .add_alert(&NewAlert {
            refused: true,
            ..alert("officer-1", t0 + Duration::hours(6))
        })
        .await
        .unwrap();
    assert!(refused.refused && !second.refused);
    let latest = store
        .latest_alert_for(&partner, "officer-1", "ps-3f9a")
        .await
        .unwrap();
    assert_eq!(latest.map(|a| a.id), Some(second.id));
    store
        .undo(gateway_store::Undo::Alert(refused.id))
        .await
        .unwrap();

    let ids =
        |alerts: Vec<gateway_store::Alert>| alerts.into_iter().map(|a| a.id).collect::<Vec<_>>();
    // Newest first.
    assert_eq!(
        ids(store.alerts(None).await.unwrap()),
        vec![second.id, other_officer.id, first.id]
    );

    let reviewed_at = datetime!(2026-04-21 09:30:00.125 UTC);
    let reviewed = store
        .review_alert(
            first.id,
            "dpo",
            "Proportionate; strategy meeting minuted.",
            reviewed_at,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reviewed.status, AlertStatus::Reviewed);
    assert_eq!(reviewed.reviewed_by.as_deref(), Some("dpo"));
    assert_eq!(reviewed.reviewed_at, Some(reviewed_at));
    assert_eq!(
        reviewed.review_note.as_deref(),
        Some("Proportionate; strategy meeting minuted.")
    );
    assert_eq!(reviewed.uses, 1);
    // A second review changes nothing: the first stands.
    let again = store
        .review_alert(
            first.id,
            "deputy-dpo",
            "Overruled",
            reviewed_at + Duration::days(1),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, reviewed);

    assert_eq!(
        ids(store.alerts(Some(AlertStatus::Open)).await.unwrap()),
        vec![second.id, other_officer.id]
    );
    assert_eq!(
        store.alerts(Some(AlertStatus::Reviewed)).await.unwrap(),
        vec![reviewed]
    );
    assert_eq!(store.alerts(None).await.unwrap().len(), 3);
    assert_eq!(
        store
            .review_alert(Uuid::new_v4(), "dpo", "n/a", reviewed_at)
            .await
            .unwrap(),
        None
    );
    db.drop_database().await;
}
