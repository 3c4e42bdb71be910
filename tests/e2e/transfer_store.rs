//! The transfer outbox and inbox contract, on both backends: a claimed transfer is leased to
//! one worker; a log index is recorded once; a failed attempt is counted and rescheduled; an
//! acknowledgement completes a transfer once, together with CohortStatus T on the record; a
//! delivery is stored once per transfer id.

use gateway_domain::{CohortStatus, LaCode, YoungPerson, synthetic};
use gateway_store::{
    NewInboundTransfer, NewOutboundTransfer, OutboundState, PartnerId, Received, Store, StoreError,
};
use gateway_tests::{Backend, TestDatabase, on_both_backends};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

on_both_backends!(
    a_claimed_transfer_is_leased_to_one_worker,
    failed_attempts_are_counted_and_rescheduled,
    an_acknowledgement_completes_once_and_marks_the_record,
    a_delivery_is_stored_once_per_transfer_id,
);

fn person() -> YoungPerson {
    let today = OffsetDateTime::now_utc().date();
    synthetic::cohort(5, 20, today, LaCode::parse("886").unwrap())
        .find(|p| p.cohort_status.is_in_cohort())
        .unwrap()
}

fn outbound(subject: &YoungPerson, at: OffsetDateTime) -> NewOutboundTransfer {
    NewOutboundTransfer {
        id: Uuid::new_v4(),
        subject: subject.ccis_id.clone(),
        destination: PartnerId::parse("medway-la").unwrap(),
        destination_la: LaCode::parse("887").unwrap(),
        payload: r#"{"transfer_id":"x"}"#.into(),
        payload_sha256: "ab".repeat(32),
        released: vec!["identity".into()],
        withheld: vec!["send".into()],
        requested_by: "adviser-1".into(),
        log_entry: "{}".into(),
        created_at: at,
    }
}

async fn store(backend: Backend) -> (tempfile::TempDir, TestDatabase, std::sync::Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let store = gateway_store::connect(&db.url).await.unwrap();
    (dir, db, store)
}

async fn a_claimed_transfer_is_leased_to_one_worker(backend: Backend) {
    let (_dir, db, store) = store(backend).await;
    let now = OffsetDateTime::now_utc();
    let queued = store
        .queue_outbound_transfer(&outbound(&person(), now))
        .await
        .unwrap();
    assert_eq!(queued.state, OutboundState::Queued);
    assert_eq!(queued.log_index, None);

    let first = store
        .claim_due_outbound_transfers(now, now + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    let second = store
        .claim_due_outbound_transfers(now, now + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert!(second.is_empty(), "a leased transfer is not claimed again");
    // After the lease runs out (its worker died), another worker takes it.
    let later = now + Duration::seconds(61);
    let taken_over = store
        .claim_due_outbound_transfers(later, later + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(taken_over.len(), 1);

    store.set_outbound_log_index(queued.id, 7).await.unwrap();
    store.set_outbound_log_index(queued.id, 7).await.unwrap();
    assert!(matches!(
        store.set_outbound_log_index(queued.id, 8).await,
        Err(StoreError::Conflict(_))
    ));
    let stored = store.outbound_transfer(queued.id).await.unwrap().unwrap();
    assert_eq!(stored.log_index, Some(7));
    db.drop_database().await;
}

async fn failed_attempts_are_counted_and_rescheduled(backend: Backend) {
    let (_dir, db, store) = store(backend).await;
    let now = OffsetDateTime::now_utc();
    let queued = store
        .queue_outbound_transfer(&outbound(&person(), now))
        .await
        .unwrap();
    store
        .claim_due_outbound_transfers(now, now + Duration::seconds(60), 10)
        .await
        .unwrap();
    let retry_at = now + Duration::seconds(2);
    store
        .outbound_attempt_failed(queued.id, "connection failed", retry_at, false)
        .await
        .unwrap();
    let t = store.outbound_transfer(queued.id).await.unwrap().unwrap();
    assert_eq!(t.attempts, 1);
    assert_eq!(t.last_error.as_deref(), Some("connection failed"));
    assert_eq!(t.state, OutboundState::Queued);
    // Not due before its next attempt, due after (the failure released the lease).
    assert!(
        store
            .claim_due_outbound_transfers(now, now + Duration::seconds(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store
        .claim_due_outbound_transfers(retry_at, retry_at + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    store
        .outbound_attempt_failed(queued.id, "importer answered 422", retry_at, true)
        .await
        .unwrap();
    let t = store.outbound_transfer(queued.id).await.unwrap().unwrap();
    assert_eq!(t.state, OutboundState::Refused);
    assert_eq!(t.attempts, 2);
    assert!(t.finished_at.is_some());
    let later = retry_at + Duration::hours(1);
    assert!(
        store
            .claim_due_outbound_transfers(later, later, 10)
            .await
            .unwrap()
            .is_empty(),
        "a refused transfer is never sent again"
    );
    db.drop_database().await;
}

async fn an_acknowledgement_completes_once_and_marks_the_record(backend: Backend) {
    let (_dir, db, store) = store(backend).await;
    let p = person();
    store
        .upsert_young_people(std::slice::from_ref(&p))
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let queued = store
        .queue_outbound_transfer(&outbound(&p, now))
        .await
        .unwrap();
    assert!(
        store
            .complete_outbound_transfer(queued.id, r#"{"signed":true}"#, now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .complete_outbound_transfer(queued.id, r#"{"signed":"again"}"#, now)
            .await
            .unwrap(),
        "a second acknowledgement changes nothing"
    );
    let t = store.outbound_transfer(queued.id).await.unwrap().unwrap();
    assert_eq!(t.state, OutboundState::Acknowledged);
    assert_eq!(t.ack.as_deref(), Some(r#"{"signed":true}"#));
    let record = store.young_person(&p.ccis_id).await.unwrap().unwrap();
    assert_eq!(record.cohort_status, CohortStatus::Transferred);
    assert_eq!(
        record.transferred_to_la.as_ref().map(LaCode::as_str),
        Some("887")
    );
    // Everything else about the record is as it was.
    let mut expected = p.clone();
    expected.cohort_status = CohortStatus::Transferred;
    expected.transferred_to_la = Some(LaCode::parse("887").unwrap());
    assert_eq!(record, expected);
    db.drop_database().await;
}

async fn a_delivery_is_stored_once_per_transfer_id(backend: Backend) {
    let (_dir, db, store) = store(backend).await;
    let delivery = NewInboundTransfer {
        id: Uuid::new_v4(),
        source: PartnerId::parse("kent-gateway").unwrap(),
        source_la: LaCode::parse("886").unwrap(),
        payload: r#"{"a":1}"#.into(),
        payload_sha256: "cd".repeat(32),
        received_at: OffsetDateTime::now_utc(),
    };
    let Received::New(first) = store.receive_inbound_transfer(&delivery).await.unwrap() else {
        panic!("the first delivery is new");
    };
    let mut again = delivery.clone();
    again.payload = r#"{"a":2}"#.into();
    again.received_at += Duration::seconds(5);
    let Received::Existing(stored) = store.receive_inbound_transfer(&again).await.unwrap() else {
        panic!("a repeat is not stored again");
    };
    assert_eq!(stored, first, "the first delivery stands, unchanged");
    store.set_inbound_log_index(first.id, 3).await.unwrap();
    assert!(matches!(
        store.set_inbound_log_index(first.id, 4).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store
            .inbound_transfer(first.id)
            .await
            .unwrap()
            .unwrap()
            .log_index,
        Some(3)
    );
    db.drop_database().await;
}
