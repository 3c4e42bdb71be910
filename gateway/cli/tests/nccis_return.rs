//! The NCCIS return as an authority's data manager uses it, with the real binary on both
//! backends: `synth nccis --every-element` (every element and code value of the schema)
//! imports with no reject; `export nccis` writes a return that `xmllint --schema` accepts,
//! logs it as a disclosure to DfE (partner, period, count, file hash) and re-imports
//! unchanged; a leaver is reported once, not every month; a record this gateway transferred
//! stays transferred through a later import that still calls it current.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
mod common;

use common::{gateway_with_keys as gateway, succeed, text};
use std::process::Command;

use gateway_domain::{CohortStatus, LaCode, YoungPerson, synthetic};
use gateway_store::{NewOutboundTransfer, PartnerId, Store};
use gateway_tests::{Backend, TestDatabase, on_both_backends};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::date;

const PERIOD_END: &str = "2025-03-31";

struct Env {
    _dir: tempfile::TempDir,
    root: PathBuf,
    db: TestDatabase,
    store: std::sync::Arc<dyn Store>,
}

impl Env {
    async fn new(backend: Backend) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        let db = TestDatabase::create(backend, &root).await;
        let env = Env {
            _dir: dir,
            root,
            store: gateway_store::connect(&db.url).await.unwrap(),
            db,
        };
        succeed(env.gateway().arg("migrate"));
        // A new deployment: the explicit step that creates the log keys for its empty log.
        succeed(env.gateway().args(["keys", "init"]));
        env
    }

    fn gateway(&self) -> Command {
        gateway(&self.db.url, &self.root.join("keys"))
    }

    fn import(&self, file: &Path) -> Value {
        let output = succeed(self.gateway().args(["import", "nccis", "--json"]).arg(file));
        serde_json::from_slice(&output.stdout).unwrap()
    }

    fn export(&self, period_end: &str, name: &str) -> (PathBuf, String) {
        let file = self.root.join(name);
        let output = succeed(
            self.gateway()
                .args(["export", "nccis", "--period-end", period_end])
                .args(["--date-of-send", "2025-04-02", "--out"])
                .arg(&file),
        );
        (file, text(&output))
    }
}

fn counts(summary: &Value) -> [u64; 6] {
    [
        "records_read",
        "accepted",
        "rejected",
        "inserted",
        "updated",
        "unchanged",
    ]
    .map(|k| {
        summary[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {summary}"))
    })
}

fn xmllint(file: &Path) -> (bool, String) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/data/nccis-return.xsd");
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(schema)
        .arg(file)
        .output()
        .expect("xmllint must be installed (Debian package libxml2-utils)");
    (out.status.success(), text(&out))
}

fn written(out: &str) -> u64 {
    out.split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {out}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    gateway_disclosure::sha256_hex(bytes)
}

async fn every_element_file_imports_exports_valid_and_reimports_unchanged(backend: Backend) {
    let env = Env::new(backend).await;
    let file = env.root.join("every-element.xml");
    let n = 2 * synthetic::EVERY_VALUE_RECORDS;
    let output = succeed(
        env.gateway()
            .args([
                "synth",
                "nccis",
                "--every-element",
                "--count",
                &n.to_string(),
            ])
            .args(["--period-end", PERIOD_END, "--out"])
            .arg(&file),
    );
    assert!(text(&output).contains(&format!("wrote {n} synthetic records")));
    // The generated file is itself a valid return.
    let (valid, report) = xmllint(&file);
    assert!(valid, "{report}");

    let first = env.import(&file);
    let n = n as u64;
    assert_eq!(counts(&first), [n, n, 0, n, 0, 0], "{first}");
    let held = env.store.young_people().await.unwrap();

    let (export, out) = env.export(PERIOD_END, "return.xml");
    let (valid, report) = xmllint(&export);
    assert!(
        valid,
        "the export does not validate against nccis2015.xsd: {report}"
    );
    // Every record is in it: the leavers have not been reported before.
    assert_eq!(written(&out), n, "{out}");

    // The export is in the disclosure log as a disclosure to DfE.
    let bytes = std::fs::read(&export).unwrap();
    let rows = env.store.log_entries(0, 100).await.unwrap();
    let entries: Vec<gateway_disclosure::IndexedEntry> = rows
        .iter()
        .map(|r| gateway_disclosure::IndexedEntry::from_bytes(&r.entry).unwrap())
        .collect();
    let entry = entries
        .iter()
        .find(|e| e.entry.exchange.as_deref() == Some("nccis-return"))
        .expect("the return is logged");
    assert_eq!(entry.entry.partner.as_deref(), Some("dfe-nccis"));
    assert_eq!(
        entry.entry.response_sha256.as_deref(),
        Some(sha256_hex(&bytes).as_str())
    );
    let note = entry.entry.note.as_deref().unwrap();
    assert!(
        note.contains(PERIOD_END) && note.contains(&format!("{n} records")),
        "{note}"
    );
    assert!(
        out.contains(&format!("disclosure log entry {}", entry.index)),
        "{out}"
    );
    succeed(env.gateway().args(["audit", "verify"]));

    let again = env.import(&export);
    assert_eq!(counts(&again), [n, n, 0, 0, 0, n], "{again}");
    let after = env.store.young_people().await.unwrap();
    // Unchanged but for when each leaver was first reported.
    let strip = |people: Vec<YoungPerson>| -> Vec<YoungPerson> {
        people
            .into_iter()
            .map(|mut p| {
                p.leaving_reported_in = None;
                p
            })
            .collect()
    };
    assert!(
        strip(after) == strip(held),
        "records unchanged by the round trip"
    );
    env.db.drop_database().await;
}

async fn a_leaver_is_reported_once_not_in_every_return(backend: Backend) {
    let env = Env::new(backend).await;
    let la = LaCode::parse("886").unwrap();
    let people: Vec<YoungPerson> =
        synthetic::every_element(9, 40, date!(2025 - 03 - 31), la).collect();
    env.store.upsert_young_people(&people).await.unwrap();
    let leavers = people
        .iter()
        .filter(|p| !p.cohort_status.is_in_cohort())
        .count() as u64;
    assert!(leavers > 0);
    let (_, march) = env.export("2025-03-31", "march.xml");
    assert_eq!(written(&march), 40, "{march}");
    assert!(
        march.contains(&format!("{leavers} leavers reported")),
        "{march}"
    );
    let (april_file, april) = env.export("2025-04-30", "april.xml");
    assert_eq!(written(&april), 40 - leavers, "{april}");
    assert!(
        april.contains(&format!("{leavers} leavers left out")),
        "{april}"
    );
    let body = std::fs::read_to_string(&april_file).unwrap();
    for status in ["A", "T", "E", "M", "D", "L"] {
        assert!(
            !body.contains(&format!("<CohortStatus>{status}</CohortStatus>")),
            "{status} reported again"
        );
    }
    // Re-running March's return gives March's file again, leavers included.
    let (_, march_again) = env.export("2025-03-31", "march-again.xml");
    assert_eq!(written(&march_again), 40, "{march_again}");
    env.db.drop_database().await;
}

async fn a_transferred_record_stays_transferred_through_a_later_import(backend: Backend) {
    let env = Env::new(backend).await;
    let la = LaCode::parse("886").unwrap();
    let people: Vec<YoungPerson> = synthetic::every_element(4, 30, date!(2025 - 03 - 31), la)
        .filter(|p| p.cohort_status == CohortStatus::Primary)
        .collect();
    // This month's return from the CCIS, as the LA's supplier writes it.
    let file = env.root.join("march.xml");
    let header = gateway_adapters::nccis::FileHeader::single(
        886,
        LaCode::parse("886").unwrap(),
        date!(2025 - 04 - 02),
        date!(2025 - 03 - 31),
    );
    let mut writer = gateway_adapters::nccis::NccisWriter::new(
        Vec::new(),
        header,
        gateway_adapters::nccis::WriterOptions::nccis_return(),
    )
    .unwrap();
    for p in &people {
        writer.write(p).unwrap();
    }
    std::fs::write(&file, writer.finish().unwrap()).unwrap();
    env.import(&file);

    // The gateway transfers one of them to Medway, and Medway acknowledges.
    let moved = &people[0];
    let now = OffsetDateTime::now_utc();
    let queued = env
        .store
        .queue_outbound_transfer(&NewOutboundTransfer {
            id: uuid::Uuid::new_v4(),
            subject: moved.ccis_id.clone(),
            destination: PartnerId::parse("medway-la").unwrap(),
            destination_la: LaCode::parse("887").unwrap(),
            payload: "{}".into(),
            payload_sha256: "ab".repeat(32),
            released: vec!["identity".into()],
            withheld: Vec::new(),
            requested_by: "adviser-1".into(),
            log_entry: "{}".into(),
            created_at: now,
        })
        .await
        .unwrap();
    assert!(
        env.store
            .complete_outbound_transfer(queued.id, "{}", now)
            .await
            .unwrap()
    );

    // Next month the CCIS has not caught up: the same file says P.
    let summary = env.import(&file);
    assert_eq!(summary["rejected"].as_u64(), Some(0), "{summary}");
    let held = env
        .store
        .young_person(&moved.ccis_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.cohort_status, CohortStatus::Transferred);
    assert_eq!(held.transferred_to_la, Some(LaCode::parse("887").unwrap()));
    // Everyone else is as the return says.
    let other = env
        .store
        .young_person(&people[1].ccis_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.cohort_status, CohortStatus::Primary);
    env.db.drop_database().await;
}

on_both_backends!(
    every_element_file_imports_exports_valid_and_reimports_unchanged,
    a_leaver_is_reported_once_not_in_every_return,
    a_transferred_record_stays_transferred_through_a_later_import,
);
