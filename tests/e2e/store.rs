//! The storage contract, run against both backends.

use gateway_store::{
    AgencyKind, LawfulBasis, NewAgreement, NewPartner, PartnerId, PartnerStatus, StoreError,
    TokenAlgorithm, TokenUse,
};
use gateway_tests::{Backend, TestDatabase, TestPki, on_both_backends};
use time::macros::date;

on_both_backends!(
    partners_round_trip_and_identities_are_unique,
    agreements_round_trip,
    token_uses_detect_replay_and_are_purged,
    migrations_are_idempotent,
);

fn partner(id: &str) -> NewPartner {
    NewPartner {
        id: PartnerId::parse(id).unwrap(),
        display_name: format!("Partner {id}"),
        agency_kind: AgencyKind::SocialServices,
        la_code: Some("886".into()),
        cert_san_uri: Some(TestPki::san_uri(id)),
        cert_subject: None,
        cert_fingerprints: vec!["ab".repeat(32)],
        token_issuer: format!("https://idp.{id}.example"),
        token_algorithm: TokenAlgorithm::EdDsa,
        token_keys: "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n".into(),
    }
}

async fn partners_round_trip_and_identities_are_unique(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let store = gateway_store::connect(&db.url).await.unwrap();

    let added = store
        .add_partner(&partner("kent-leaving-care"))
        .await
        .unwrap();
    assert_eq!(added.status, PartnerStatus::Active);
    assert_eq!(added.cert_fingerprints, vec!["ab".repeat(32)]);
    let read = store.partner(&added.id).await.unwrap().unwrap();
    assert_eq!(read, added);

    let found = store
        .partner_by_certificate(
            &["urn:other".into(), TestPki::san_uri("kent-leaving-care")],
            "CN=whatever",
        )
        .await
        .unwrap();
    assert_eq!(found.map(|p| p.id), Some(added.id.clone()));
    assert!(
        store
            .partner_by_certificate(&[], "CN=nobody")
            .await
            .unwrap()
            .is_none()
    );

    // Same certificate identity under another id: refused, naming the field not the value.
    let mut clash = partner("someone-else");
    clash.cert_san_uri = added.cert_san_uri.clone();
    match store.add_partner(&clash).await {
        Err(StoreError::Conflict(what)) => assert_eq!(what, "certificate SAN URI"),
        other => panic!("expected a conflict, got {other:?}"),
    }

    assert!(
        store
            .set_partner_status(&added.id, PartnerStatus::Suspended)
            .await
            .unwrap()
    );
    let suspended = store.partner(&added.id).await.unwrap().unwrap();
    assert_eq!(suspended.status, PartnerStatus::Suspended);
    assert!(suspended.updated_at >= added.updated_at);
    let nobody = PartnerId::parse("nobody").unwrap();
    assert!(
        !store
            .set_partner_status(&nobody, PartnerStatus::Active)
            .await
            .unwrap()
    );
    assert_eq!(store.partners().await.unwrap().len(), 1);
    db.drop_database().await;
}

async fn agreements_round_trip(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let store = gateway_store::connect(&db.url).await.unwrap();
    let new = NewAgreement {
        reference: "DSA-2026-014".into(),
        title: "YOT EET status (Crime and Disorder Act 1998 s.115)".into(),
        parties: vec!["kent-yot".into()],
        exchanges: vec!["eet-status".into()],
        purposes: vec!["ete-support".into()],
        data_categories: vec!["identity".into(), "activity".into()],
        lawful_basis: LawfulBasis::PublicTask,
        starts_on: date!(2026 - 04 - 01),
        review_on: date!(2027 - 03 - 31),
        ends_on: None,
    };
    let added = store.add_agreement(&new).await.unwrap();
    assert_eq!(added.reference, new.reference);
    assert_eq!(added.data_categories, new.data_categories);
    assert!(added.in_force_on(date!(2026 - 11 - 24)));
    assert!(!added.in_force_on(date!(2026 - 03 - 31)));
    assert_eq!(store.agreements().await.unwrap(), vec![added]);
    assert!(matches!(
        store.add_agreement(&new).await,
        Err(StoreError::Conflict("agreement reference"))
    ));
    db.drop_database().await;
}

async fn token_uses_detect_replay_and_are_purged(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let store = gateway_store::connect(&db.url).await.unwrap();
    assert_eq!(
        store.record_token_use("iss-a", "j1", 1_000).await.unwrap(),
        TokenUse::First
    );
    assert_eq!(
        store.record_token_use("iss-a", "j1", 1_000).await.unwrap(),
        TokenUse::Replayed
    );
    // The same jti from another issuer is another token.
    assert_eq!(
        store.record_token_use("iss-b", "j1", 1_000).await.unwrap(),
        TokenUse::First
    );
    assert_eq!(
        store.record_token_use("iss-a", "j2", 5_000).await.unwrap(),
        TokenUse::First
    );
    assert_eq!(store.purge_token_uses(2_000).await.unwrap(), 2);
    assert_eq!(
        store.record_token_use("iss-a", "j2", 5_000).await.unwrap(),
        TokenUse::Replayed
    );
    db.drop_database().await;
}

async fn migrations_are_idempotent(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let first = gateway_store::connect(&db.url).await.unwrap();
    first
        .add_partner(&partner("kent-leaving-care"))
        .await
        .unwrap();
    drop(first);
    let again = gateway_store::connect(&db.url).await.unwrap();
    assert_eq!(again.partners().await.unwrap().len(), 1);
    again.ping().await.unwrap();
    db.drop_database().await;
}
