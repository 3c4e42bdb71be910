//! `gateway import nccis`, `gateway export nccis` and `gateway synth nccis`, run as the
//! operator runs them (the real binary) against a fresh SQLite file and a fresh PostgreSQL
//! database: the summary's counts, what is stored, the reject report, fatal files, re-runs
//! and the export/import round trip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
mod common;

use common::{gateway, succeed, text};

use gateway_adapters::nccis::{FileHeader, NccisWriter, WriterOptions};
use gateway_domain::{LaCode, YoungPerson, synthetic};
use gateway_tests::{Backend, TestDatabase, on_both_backends};
use serde_json::Value;
use time::macros::date;

const PERIOD_END: &str = "2025-03-31";
const LARGE: u64 = 100_000;

/// `import nccis FILE --json`, which must succeed; its summary.
fn import(db: &TestDatabase, file: &Path) -> Value {
    let output = succeed(
        gateway(&db.url)
            .args(["import", "nccis", "--json"])
            .arg(file),
    );
    serde_json::from_slice(&output.stdout).unwrap()
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

async fn stored(db: &TestDatabase) -> u64 {
    let store = gateway_store::connect(&db.url).await.unwrap();
    store.count_young_people().await.unwrap()
}

async fn fresh(backend: Backend, dir: &Path) -> TestDatabase {
    let db = TestDatabase::create(backend, dir).await;
    succeed(gateway(&db.url).arg("migrate"));
    db
}

/// A 100,000-record file made by `gateway synth nccis`.
fn large_file(dir: &Path) -> PathBuf {
    let file = dir.join("nccis-100k.xml");
    let output = succeed(
        gateway("sqlite://unused.db")
            .args(["synth", "nccis", "--count", &LARGE.to_string()])
            .args(["--period-end", PERIOD_END, "--out"])
            .arg(&file),
    );
    assert!(text(&output).contains("wrote 100000 synthetic records"));
    file
}

/// `n` synthetic young people that break no checker rule (not even with a warning) for the return ending
/// PERIOD_END, written as an NCCIS file by the adapters' writer (so the test knows each
/// record's names and identifiers), and the file's text split into its records.
fn small_file(n: usize) -> (Vec<YoungPerson>, String) {
    let la = LaCode::parse("886").unwrap();
    let header = FileHeader::single(
        886,
        la.clone(),
        date!(2025 - 04 - 02),
        date!(2025 - 03 - 31),
    );
    let mut probe =
        NccisWriter::new(std::io::sink(), header.clone(), WriterOptions::default()).unwrap();
    let mut writer = NccisWriter::new(Vec::new(), header, WriterOptions::default()).unwrap();
    let mut people = Vec::new();
    for p in synthetic::cohort(7, n * 10, date!(2025 - 03 - 31), la) {
        if people.len() == n {
            break;
        }
        // Only records the import's checker has nothing to say about: each test edit
        // then accounts for every line of the report.
        if probe.write(&p).is_ok() && probe.last_warnings().is_empty() {
            writer.write(&p).unwrap();
            people.push(p);
        }
    }
    assert_eq!(people.len(), n);
    (people, String::from_utf8(writer.finish().unwrap()).unwrap())
}

/// Applies `edit` to record `index` (0-based) of an NCCIS file's text.
fn edit_record(xml: &str, index: usize, edit: impl Fn(&str) -> String) -> String {
    const TAG: &str = "<YoungPersonsRecord>";
    let mut parts: Vec<String> = xml.split(TAG).map(str::to_owned).collect();
    let record = &mut parts[index + 1];
    let edited = edit(record);
    assert_ne!(
        &edited, record,
        "the edit of record {index} changed nothing"
    );
    *record = edited;
    parts.join(TAG)
}

/// Replaces the text of the first `<name>` element.
fn set_element(record: &str, name: &str, value: &str) -> String {
    let open = format!("<{name}>");
    let start = record.find(&open).unwrap_or_else(|| panic!("no {name}")) + open.len();
    let end = start + record[start..].find('<').unwrap();
    format!("{}{value}{}", &record[..start], &record[end..])
}

/// What must never appear in a report or in the command's output about a person.
fn secrets(p: &YoungPerson) -> Vec<String> {
    let mut s = vec![
        p.ccis_id.as_str().to_owned(),
        p.given_name.clone(),
        p.family_name.clone(),
    ];
    s.extend(p.uln.as_ref().map(|x| x.as_str().to_owned()));
    s.extend(p.upn.as_ref().map(|x| x.as_str().to_owned()));
    s.extend(p.address.postcode().map(|x| x.formatted()));
    s.extend(p.address.lines().first().cloned());
    s
}

/// Whether `value` occurs in `text` as a whole word (a short name such as "Eve" inside a
/// rule's description, "Even", is not a leak).
fn holds(text: &str, value: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(value).any(|(at, _)| {
        !alnum(text[..at].chars().next_back()) && !alnum(text[at + value.len()..].chars().next())
    })
}

async fn large_import_then_rerun(backend: Backend, file: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh(backend, dir.path()).await;

    let first = import(&db, file);
    assert_eq!(counts(&first), [LARGE, LARGE, 0, LARGE, 0, 0], "{first}");
    assert_eq!(first["completed"], true);
    assert!(first["records_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(stored(&db).await, LARGE);
    // The checker report exists beside the file; every record in it was imported (a
    // generated return breaks no priority 1 rule, only warnings: the 13-14 year olds (10),
    // SENSupportFlag, which the 2015 schema has no place for (303)).
    let report = file.with_file_name("nccis-100k.xml.rejects.jsonl");
    let report = std::fs::read_to_string(report).unwrap();
    assert!(
        report
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).unwrap()["imported"] == true),
        "a record of the generated return was not imported"
    );
    assert_eq!(first["rejected_by_rule"], serde_json::json!({}), "{first}");

    let again = import(&db, file);
    assert_eq!(counts(&again), [LARGE, LARGE, 0, 0, 0, LARGE], "{again}");
    assert_eq!(stored(&db).await, LARGE);
    db.drop_database().await;
}

/// One generated file (the slow part in a debug build), imported twice on each backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100k_record_file_imports_and_reimports_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let file = large_file(dir.path());
    large_import_then_rerun(Backend::Sqlite, &file).await;
    large_import_then_rerun(Backend::Postgres, &file).await;
}

async fn rejected_records_are_reported_without_personal_data(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh(backend, dir.path()).await;
    let (people, mut xml) = small_file(40);
    // A record with no TransferredToLACode, to be given its own lead LA as one.
    let no_transfer = (19..30)
        .find(|i| people[*i].transferred_to_la.is_none())
        .unwrap();
    // (record index, rule code, field, imported) of each record made to break one rule.
    let broken: [(usize, &str, &str, bool); 6] = [
        // Priority 2: imported, the gender held as unknown.
        (3, "NCCIS-5", "Gender", true),
        // The gateway's own check: a DOB it cannot read is no record.
        (7, "GW-008", "DOB", false),
        (11, "NCCIS-903", "YoungPersonsID", false),
        (no_transfer, "NCCIS-42", "TransferredToLACode", false),
        // An element outside the schema: a warning, the record is imported.
        // (The element is named in the message; the field is where it was found.)
        (no_transfer.max(23) + 1, "GW-001", "PersonalDetails", true),
        (
            no_transfer.max(23) + 5,
            "NCCIS-902",
            "YoungPersonsID",
            false,
        ),
    ];
    let with_unknown_element = broken[4].0;
    xml = edit_record(&xml, 3, |r| set_element(r, "Gender", "X"));
    xml = edit_record(&xml, 7, |r| {
        let dob = people[7].date_of_birth;
        set_element(
            r,
            "DOB",
            &format!(
                "{:02}/{:02}/{}",
                dob.day(),
                u8::from(dob.month()),
                dob.year()
            ),
        )
    });
    xml = edit_record(&xml, 11, |r| {
        let id = people[11].ccis_id.as_str();
        set_element(r, "YoungPersonsID", &format!("887{}", &id[3..]))
    });
    xml = edit_record(&xml, no_transfer, |r| {
        r.replacen(
            "<LeadLEA>886</LeadLEA>",
            "<LeadLEA>886</LeadLEA><TransferredToLACode>886</TransferredToLACode>",
            1,
        )
    });
    xml = edit_record(&xml, with_unknown_element, |r| {
        r.replacen("<Gender>", "<Nickname>Bo</Nickname><Gender>", 1)
    });
    xml = edit_record(&xml, broken[5].0, |r| {
        set_element(r, "YoungPersonsID", people[0].ccis_id.as_str())
    });
    let file = dir.path().join("return.xml");
    std::fs::write(&file, &xml).unwrap();
    let report_path = dir.path().join("report.jsonl");
    let html_path = dir.path().join("report.html");

    let output = succeed(
        gateway(&db.url)
            .args(["import", "nccis", "--rejects"])
            .arg(&report_path)
            .arg("--report")
            .arg(&html_path)
            .arg(&file),
    );
    // The output names the files, whose temporary folder's random name could happen to
    // spell a short name.
    let out = text(&output).replace(dir.path().to_str().unwrap(), "DIR");
    for line in [
        "records read",
        "imported",
        "of which with warnings",
        "not imported",
        "inserted",
        "unchanged",
    ] {
        assert!(out.contains(line), "{out}");
    }
    assert!(
        out.contains("SIGHUP"),
        "the final message says how to pick it up: {out}"
    );

    let report = std::fs::read_to_string(&report_path).unwrap();
    let lines: Vec<Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // One line per record with a problem, in file order.
    assert_eq!(lines.len(), broken.len(), "{report}");
    for (line, (index, rule, field, imported)) in lines.iter().zip(broken) {
        assert_eq!(line["record_index"], index as u64, "{line}");
        assert_eq!(line["imported"], imported, "{line}");
        let problem = line["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule} not in {line}"));
        assert_eq!(problem["field"], field, "{line}");
        assert!(problem["priority"].as_u64().is_some(), "{line}");
        let outcome = problem["outcome"].as_str().unwrap();
        assert_eq!(outcome != "reject", imported, "{line}");
        let offset = usize::try_from(line["byte_offset"].as_u64().unwrap()).unwrap();
        assert!(xml[offset..].starts_with("<YoungPersonsRecord>"), "{line}");
        // The YoungPersonsID as written names the record (the duplicate's is record 0's).
        let written = xml[offset..]
            .split("<YoungPersonsID>")
            .nth(1)
            .and_then(|t| t.split('<').next())
            .unwrap();
        assert_eq!(line["young_persons_id"], written, "{line}");
    }
    for (index, _, _, _) in broken {
        // The YoungPersonsID is in the report on purpose; nothing else of the record is.
        for secret in secrets(&people[index]).into_iter().skip(1) {
            assert!(
                !holds(&report, &secret),
                "record {index}: report holds a value"
            );
            assert!(
                !holds(&out, &secret),
                "record {index}: output holds a value"
            );
        }
    }
    // The table counts per rule, with its priority.
    for (_, rule, _, _) in broken {
        assert!(out.contains(rule), "{out}");
    }
    assert!(
        out.contains("not imported") && out.contains("priority"),
        "{out}"
    );

    // The HTML report: the counts by rule and the records by YoungPersonsID, and no other
    // value of any record of the file.
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    for (index, rule, _, _) in broken {
        assert!(
            html.contains(&format!("<td>{rule}</td>")),
            "{rule} not in the page"
        );
        let line = &lines[broken.iter().position(|b| b.0 == index).unwrap()];
        let id = line["young_persons_id"].as_str().unwrap();
        assert!(html.contains(id), "record {index} not named in the page");
    }
    for (index, p) in people.iter().enumerate() {
        let mut values = secrets(p).into_iter().skip(1).collect::<Vec<_>>();
        values.push(p.date_of_birth.to_string());
        values.extend(p.address.town().map(str::to_owned));
        for value in values {
            assert!(
                !holds(&html, &value),
                "record {index}: the page holds a value"
            );
        }
    }
    assert!(!html.contains("<script"), "the page runs nothing");

    let store = gateway_store::connect(&db.url).await.unwrap();
    assert_eq!(store.count_young_people().await.unwrap(), 36);
    for (i, p) in people.iter().enumerate() {
        let held = store.young_person(&p.ccis_id).await.unwrap();
        let rejected_here = broken
            .iter()
            .any(|(b, _, _, imported)| *b == i && !imported);
        // The duplicate took record 0's id; record 0 itself is good and stored as it was.
        if rejected_here {
            assert!(held.is_none(), "rejected record {i} was stored");
        } else if i == 3 {
            // Gender X is not a gender: held as unknown, the rest as read.
            let mut expected = gateway_adapters::nccis::carried(p);
            expected.gender = gateway_domain::Gender::NotKnown;
            assert!(
                held.unwrap() == expected,
                "record 3 stored without its gender"
            );
        } else {
            assert!(
                held.unwrap() == gateway_adapters::nccis::carried(p),
                "record {i} stored as read"
            );
        }
    }
    db.drop_database().await;
}

async fn fatal_files_stop_and_changes_are_updates(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh(backend, dir.path()).await;

    // Not an NCCIS return at all: non-zero, a message, nothing stored, no report.
    for (name, content) in [
        ("text.xml", "this is not XML"),
        (
            "ctf.xml",
            "<?xml version=\"1.0\"?><CTfile><Header/></CTfile>",
        ),
        ("noheader.xml", "<NCCIS><YoungPersonsRecord/></NCCIS>"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let output = gateway(&db.url)
            .args(["import", "nccis"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{name}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains("not a readable NCCIS return"), "{name}: {err}");
        assert!(
            !file
                .with_file_name(format!("{name}.rejects.jsonl"))
                .exists()
        );
    }
    assert_eq!(stored(&db).await, 0);

    // Broken XML in record 25 of 40: the 25 before are stored, none after.
    let (people, xml) = small_file(40);
    let broken = edit_record(&xml, 25, |r| r.replacen("</GivenName>", "</Given>", 1));
    let file = dir.path().join("broken.xml");
    std::fs::write(&file, &broken).unwrap();
    let output = gateway(&db.url)
        .args(["import", "nccis", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("not well-formed XML"), "{err}");
    assert!(err.contains("nothing after it was imported"), "{err}");
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["completed"], false);
    assert_eq!(summary["accepted"], 25);
    assert_eq!(summary["fatal"]["record_index"], 25);
    let store = gateway_store::connect(&db.url).await.unwrap();
    assert_eq!(store.count_young_people().await.unwrap(), 25);
    for (i, p) in people.iter().enumerate() {
        let held = store.young_person(&p.ccis_id).await.unwrap();
        assert_eq!(held.is_some(), i < 25, "record {i}");
    }

    // The whole file, then again with one family name changed: one update.
    let file = dir.path().join("good.xml");
    std::fs::write(&file, &xml).unwrap();
    assert_eq!(counts(&import(&db, &file)), [40, 40, 0, 15, 0, 25]);
    let changed = edit_record(&xml, 12, |r| set_element(r, "FamilyName", "Okonkwo-Test"));
    std::fs::write(&file, changed).unwrap();
    assert_eq!(counts(&import(&db, &file)), [40, 40, 0, 0, 1, 39]);
    let held = store
        .young_person(&people[12].ccis_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.family_name, "Okonkwo-Test");
    db.drop_database().await;
}

async fn export_reimports_unchanged(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh(backend, dir.path()).await;
    // Records as the gateway holds them from every source (NINO, NHS number, benefit
    // registration, care status: none of which NCCIS carries), of every age.
    let la = LaCode::parse("886").unwrap();
    let people: Vec<YoungPerson> = synthetic::cohort(11, 600, date!(2025 - 03 - 31), la).collect();
    let store = gateway_store::connect(&db.url).await.unwrap();
    store.upsert_young_people(&people).await.unwrap();
    let with_nino = people.iter().filter(|p| p.nino.is_some()).count();
    assert!(with_nino > 0);

    let file = dir.path().join("return.xml");
    succeed(
        gateway(&db.url)
            .env("GATEWAY_KEYS_DIR", dir.path().join("keys"))
            .args(["keys", "init"]),
    );
    let output = succeed(
        gateway(&db.url)
            .env("GATEWAY_KEYS_DIR", dir.path().join("keys"))
            .args(["export", "nccis", "--period-end", PERIOD_END])
            .args(["--date-of-send", "2025-04-02", "--out"])
            .arg(&file),
    );
    let out = text(&output);
    let written: u64 = out
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {out}"));
    // Some of the cohort is not of NCCIS age in this period: left out, and said so.
    assert!(written > 300 && written < 600, "{out}");
    assert!(out.contains("not in this return"), "{out}");

    let again = import(&db, &file);
    assert_eq!(
        counts(&again),
        [written, written, 0, 0, 0, written],
        "{again}"
    );
    // What NCCIS does not carry is still held; the only change is that the leavers in the
    // return are now known to have been reported (so the next month's return leaves them out).
    let mut held = store.young_people().await.unwrap();
    let reported = held
        .iter()
        .filter(|p| p.leaving_reported_in == Some(date!(2025 - 03 - 31)))
        .count();
    assert!(
        held.iter()
            .all(|p| p.leaving_reported_in.is_none() || !p.cohort_status.is_in_cohort()),
        "only leavers are marked reported"
    );
    assert!(
        reported > 0,
        "the cohort has leavers and they were reported"
    );
    for p in &mut held {
        p.leaving_reported_in = None;
    }
    assert!(
        held == people_sorted(people),
        "records unchanged by the round trip"
    );
    db.drop_database().await;
}

fn people_sorted(mut people: Vec<YoungPerson>) -> Vec<YoungPerson> {
    people.sort_by(|a, b| a.ccis_id.cmp(&b.ccis_id));
    people
}

on_both_backends!(
    rejected_records_are_reported_without_personal_data,
    fatal_files_stop_and_changes_are_updates,
    export_reimports_unchanged,
);
