//! Hostile input: random bytes and random mutations of valid documents fed
//! to every parser (no panic, bounded work, no values in errors), and
//! inputs built to exhaust memory (refused without being buffered).

// Helpers outside #[test] functions unwrap too: this is test code.
#![allow(clippy::unwrap_used)]

use std::io::{self, BufRead, Read};

use gateway_adapters::ctf::{CtfHeader, CtfPupil, CtfReader, CtfWriter};
use gateway_adapters::jcp::{DwpNotice, RegistrationConfirmation};
use gateway_adapters::nccis::{FileHeader, NccisReader, NccisWriter, WriterOptions};
use gateway_adapters::yot::{EetStatusAnswer, EetStatusRequest};
use gateway_adapters::{CheckerRule, FatalKind, Limits, ReadError};
use gateway_domain::{LaCode, YoungPerson, synthetic::cohort};
use proptest::prelude::*;
use time::Date;
use time::macros::{date, datetime};

const TODAY: Date = date!(2025 - 03 - 31);

fn people() -> Vec<YoungPerson> {
    cohort(99, 12, TODAY, LaCode::parse("886").unwrap()).collect()
}

fn nccis_doc(people: &[YoungPerson]) -> Vec<u8> {
    let h = FileHeader::single(
        886,
        LaCode::parse("886").unwrap(),
        date!(2025 - 04 - 02),
        TODAY,
    );
    let mut w = NccisWriter::new(Vec::new(), h, WriterOptions::default()).unwrap();
    for p in people {
        let _ = w.write(p);
    }
    w.finish().unwrap()
}

fn ctf_doc(people: &[YoungPerson]) -> Vec<u8> {
    let h = CtfHeader::transfer(
        LaCode::parse("886").unwrap(),
        LaCode::parse("887").unwrap(),
        datetime!(2025-04-02 09:00:00),
    );
    let mut w = CtfWriter::new(Vec::new(), &h, Limits::default()).unwrap();
    for p in people {
        w.write(&CtfPupil::from_record(p)).unwrap();
    }
    w.finish().unwrap()
}

/// Values that must never appear in an error message.
fn secrets(people: &[YoungPerson]) -> Vec<String> {
    let mut s = Vec::new();
    for p in people {
        s.push(p.ccis_id.as_str().to_owned());
        s.extend(p.uln.as_ref().map(|u| u.as_str().to_owned()));
        s.extend(p.upn.as_ref().map(|u| u.as_str().to_owned()));
        s.push(p.date_of_birth.to_string());
        s.extend(p.address.postcode().map(|pc| pc.formatted()));
    }
    s
}

fn check_messages(messages: &[String], secrets: &[String]) {
    for m in messages {
        for secret in secrets {
            assert!(
                !m.contains(secret.as_str()),
                "error message leaks a value: {m}"
            );
        }
    }
}

/// Drain a reader; return the error messages. Every reader ends: each item
/// consumes input and a fatal error ends the stream.
fn drain_nccis(bytes: &[u8], limits: Limits) -> Vec<String> {
    match NccisReader::new(bytes, limits) {
        Err(e) => vec![e.to_string()],
        Ok(r) => r.filter_map(|i| i.err().map(|e| e.to_string())).collect(),
    }
}

fn drain_ctf(bytes: &[u8], limits: Limits) -> Vec<String> {
    match CtfReader::new(bytes, limits) {
        Err(e) => vec![e.to_string()],
        Ok(r) => r.filter_map(|i| i.err().map(|e| e.to_string())).collect(),
    }
}

fn json_parsers(bytes: &[u8]) {
    let _ = DwpNotice::parse(bytes, TODAY);
    let _ = EetStatusRequest::from_json(bytes);
    let _ = EetStatusAnswer::from_json(bytes);
    let _ = RegistrationConfirmation::from_json(bytes);
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
    Snippet(usize, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 0usize..512).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                "<",
                ">",
                "&",
                "&amp;",
                "&#0;",
                "&#x110000;",
                "&lol;",
                "]]>",
                "<![CDATA[",
                "<!--",
                "-->",
                "<!DOCTYPE x [<!ENTITY lol \"lol\">]>",
                "<?pi x?>",
                "</YoungPersonsRecord>",
                "<YoungPersonsRecord>",
                "<Pupil>",
                "</Pupil>",
                "<x a='1'>",
                "</x>",
                "\u{0}",
                "\u{FFFF}",
                "<Cohort><ActivityCode>619</ActivityCode></Cohort>",
                "<?xml version=\"1.0\"?>",
            ]),
        )
            .prop_map(|(i, s)| Mutation::Snippet(i, s)),
    ]
}

fn mutate(mut doc: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        let len = doc.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if !doc.is_empty() {
                    let k = i % doc.len();
                    doc[k] ^= b;
                }
            }
            Mutation::Delete(i, n) => {
                let k = i % len;
                let end = (k + n).min(doc.len());
                if k < end {
                    doc.drain(k..end);
                }
            }
            Mutation::Insert(i, v) => {
                let k = (i % len).min(doc.len());
                doc.splice(k..k, v.iter().copied());
            }
            Mutation::Duplicate(i, n) => {
                let k = i % len;
                let end = (k + n).min(doc.len());
                if k < end {
                    let piece = doc[k..end].to_vec();
                    doc.splice(end..end, piece);
                }
            }
            Mutation::Snippet(i, s) => {
                let k = (i % len).min(doc.len());
                doc.splice(k..k, s.bytes());
            }
        }
    }
    doc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        drain_nccis(&bytes, Limits::default());
        drain_ctf(&bytes, Limits::default());
        json_parsers(&bytes);
    }

    #[test]
    fn random_xml_like_text_never_panics(s in "(<[A-Za-z/!?]{0,3}[A-Za-z]{0,12}[ =\"'a-z]{0,6}>|[^<]{0,12}|&[a-z#0-9]{0,5};){0,60}") {
        let doc = format!("<NCCIS><FileHeader>{s}</FileHeader>{s}</NCCIS>");
        drain_nccis(doc.as_bytes(), Limits::default());
        let doc = format!("<CTfile><Header>{s}</Header><CTFpupilData>{s}</CTFpupilData></CTfile>");
        drain_ctf(doc.as_bytes(), Limits::default());
    }

    #[test]
    fn mutated_documents_never_panic_or_leak(ms in proptest::collection::vec(mutation(), 1..8)) {
        let people = people();
        let secrets = secrets(&people);
        let small = Limits { max_event_bytes: 4096, max_text_len: 256, max_depth: 8, max_activities: 4, max_elements_per_record: 64, max_records: Some(50) };
        for limits in [Limits::default(), small] {
            check_messages(&drain_nccis(&mutate(nccis_doc(&people), &ms), limits), &secrets);
            check_messages(&drain_ctf(&mutate(ctf_doc(&people), &ms), limits), &secrets);
        }
        let notice = br#"{"young_person":{"given_name":"Amy","family_name":"Smith","date_of_birth":"2008-06-01","address":{"lines":["1 High St"],"postcode":"ME14 1XQ"}},"parent":{"given_name":"Sam","family_name":"Smith"}}"#;
        let mutated = mutate(notice.to_vec(), &ms);
        if let Err(e) = DwpNotice::parse(&mutated, TODAY) {
            let m = e.to_string();
            prop_assert!(!m.contains("Amy") && !m.contains("2008-06-01") && !m.contains("ME14"), "{}", m);
        }
        let request = br#"{"subject":{"identifier":{"upn":"H801200001001"}},"purpose":"case_management","case_reference":"YOT/1"}"#;
        if let Err(e) = EetStatusRequest::from_json(&mutate(request.to_vec(), &ms)) {
            prop_assert!(!e.to_string().contains("H801200001001"));
        }
    }
}

/// A source that yields `prefix`, then `fill` forever, and counts the bytes
/// handed out (what the parser could at most have buffered).
struct Endless {
    prefix: Vec<u8>,
    pos: usize,
    fill: [u8; 8192],
    fill_pos: usize,
    served: u64,
}

impl Endless {
    fn new(prefix: &str, fill: u8) -> Self {
        Endless {
            prefix: prefix.as_bytes().to_vec(),
            pos: 0,
            fill: [fill; 8192],
            fill_pos: 0,
            served: 0,
        }
    }
}

impl Read for Endless {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(out.len());
            out[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Endless {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos < self.prefix.len() {
            Ok(&self.prefix[self.pos..])
        } else {
            Ok(&self.fill[self.fill_pos..])
        }
    }
    fn consume(&mut self, n: usize) {
        self.served += n as u64;
        if self.pos < self.prefix.len() {
            self.pos = (self.pos + n).min(self.prefix.len());
        } else {
            self.fill_pos = (self.fill_pos + n) % self.fill.len();
        }
    }
}

const HEADER: &str = "<NCCIS><FileHeader><DatabaseID>886</DatabaseID><SourceLEA>886</SourceLEA>\
    <DateOfSend>2025-04-02</DateOfSend><PeriodEnd>2025-03-31</PeriodEnd><SupplierName>x</SupplierName>\
    <SupplierXMLVersion>1</SupplierXMLVersion><XMLSchemaVersion>1</XMLSchemaVersion></FileHeader>";

fn fatal_of(items: Vec<Result<YoungPerson, ReadError>>) -> gateway_adapters::FatalError {
    match items.into_iter().last() {
        Some(Err(ReadError::Fatal(f))) => f,
        other => panic!("expected a fatal error, got {other:?}"),
    }
}

#[test]
fn an_endless_text_node_is_refused_after_the_event_limit() {
    let mut src = Endless::new(
        &format!("{HEADER}<YoungPersonsRecord><PersonalDetails><GivenName>"),
        b'a',
    );
    let items: Vec<_> = NccisReader::new(&mut src, Limits::default())
        .unwrap()
        .collect();
    let f = fatal_of(items);
    assert!(matches!(f.kind, FatalKind::Limit { .. }), "{f}");
    assert_eq!(f.record_index, Some(0));
    // Header + one 64 KiB event budget, not the (infinite) node.
    assert!(src.served < 80_000, "read {} bytes", src.served);
}

#[test]
fn a_ten_megabyte_text_node_is_not_buffered_whole() {
    let mut doc = format!("{HEADER}<YoungPersonsRecord><PersonalDetails><GivenName>").into_bytes();
    doc.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    doc.extend_from_slice(b"</GivenName></PersonalDetails></YoungPersonsRecord></NCCIS>");
    let mut src = Endless {
        prefix: doc,
        pos: 0,
        fill: [b' '; 8192],
        fill_pos: 0,
        served: 0,
    };
    let items: Vec<_> = NccisReader::new(&mut src, Limits::default())
        .unwrap()
        .collect();
    let f = fatal_of(items);
    assert!(matches!(f.kind, FatalKind::Limit { .. }), "{f}");
    assert!(src.served < 200_000, "read {} of 10 MiB", src.served);
    // The same through the CTF reader.
    let mut ctf = b"<CTfile><Header><DocumentName>".to_vec();
    ctf.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    let mut src = Endless {
        prefix: ctf,
        pos: 0,
        fill: [b' '; 8192],
        fill_pos: 0,
        served: 0,
    };
    let e = CtfReader::new(&mut src, Limits::default()).unwrap_err();
    assert!(matches!(e.kind, FatalKind::Limit { .. }), "{e}");
    assert!(src.served < 200_000);
}

#[test]
fn a_long_value_within_the_event_limit_rejects_only_its_record() {
    let long = "y".repeat(5000);
    let record = |name: &str| {
        format!(
            "<YoungPersonsRecord><PersonalDetails><YoungPersonsID>8860000000001</YoungPersonsID><GivenName>{name}</GivenName></PersonalDetails></YoungPersonsRecord>"
        )
    };
    let doc = format!("{HEADER}{}{}</NCCIS>", record(&long), record("Ok"));
    let items: Vec<_> = NccisReader::new(doc.as_bytes(), Limits::default())
        .unwrap()
        .collect();
    assert_eq!(items.len(), 2);
    let r = items[0].as_ref().unwrap_err().as_reject().unwrap();
    assert!(r.broke(CheckerRule::TextTooLong), "{r:?}");
    assert!(
        items[1].as_ref().unwrap_err().as_reject().is_some(),
        "second record read (and rejected for other reasons)"
    );
}

#[test]
fn endless_nesting_and_markup_are_refused() {
    let mut src = Endless::new(&format!("{HEADER}<YoungPersonsRecord>"), b'<');
    // "<<<<..." is not well-formed: a syntax error, quickly.
    let items: Vec<_> = NccisReader::new(&mut src, Limits::default())
        .unwrap()
        .collect();
    assert!(fatal_of(items).byte_offset < 100_000);

    let deep = format!("{HEADER}<YoungPersonsRecord>{}", "<a>".repeat(100_000));
    let items: Vec<_> = NccisReader::new(deep.as_bytes(), Limits::default())
        .unwrap()
        .collect();
    let f = fatal_of(items);
    assert!(
        matches!(f.kind, FatalKind::Limit { limit } if limit.starts_with("max_depth")),
        "{f}"
    );

    let mut src = Endless::new(&format!("{HEADER}<YoungPersonsRecord><a b=\""), b'v');
    let items: Vec<_> = NccisReader::new(&mut src, Limits::default())
        .unwrap()
        .collect();
    assert!(matches!(fatal_of(items).kind, FatalKind::Limit { .. }));

    let mut src = Endless::new(&format!("{HEADER}<!--"), b'>');
    let items: Vec<_> = NccisReader::new(&mut src, Limits::default())
        .unwrap()
        .collect();
    assert!(matches!(fatal_of(items).kind, FatalKind::Limit { .. }));
    assert!(src.served < 80_000);

    // Many records of unknown elements still end at max_records.
    let mut src = Endless::new(HEADER, b' ');
    src.fill = [0; 8192];
    let rec = b"<YoungPersonsRecord/>";
    let mut fill = Vec::new();
    while fill.len() + rec.len() <= 8192 {
        fill.extend_from_slice(rec);
    }
    // Pad with whitespace between records: still a well-formed stream.
    fill.resize(8192, b' ');
    src.fill.copy_from_slice(&fill);
    let limits = Limits {
        max_records: Some(10_000),
        ..Limits::default()
    };
    let items: Vec<_> = NccisReader::new(&mut src, limits).unwrap().collect();
    assert_eq!(items.len(), 10_001);
    assert!(matches!(
        fatal_of(items).kind,
        FatalKind::Limit {
            limit: "max_records"
        }
    ));
}

#[test]
fn entities_are_never_expanded() {
    let doc = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE NCCIS [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\
         <!ENTITY ext SYSTEM \"file:///etc/passwd\">]>{}<YoungPersonsRecord><PersonalDetails><GivenName>&b;&ext;</GivenName>\
         </PersonalDetails></YoungPersonsRecord></NCCIS>",
        &HEADER
    );
    let items: Vec<_> = NccisReader::new(doc.as_bytes(), Limits::default())
        .unwrap()
        .collect();
    let r = items[0].as_ref().unwrap_err().as_reject().unwrap();
    assert!(r.broke(CheckerRule::InvalidText), "{r:?}");
}
