//! The whole NCCIS record in and out: a generated return that uses every element and every
//! code-list value of the 2015 schema validates against `nccis2015.xsd` (with a real
//! validator, xmllint), reads back with no reject and no warning and equals what was
//! written; the same records written the way suppliers write them read back the same;
//! supplier-style files (DOCTYPE, no encoding, empty and self-closing elements, each
//! element-name variant, a placeholder postcode, an unknown element, an invalid ULN) are
//! read with the young person kept and a warning that names the element.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use gateway_adapters::nccis::{
    FileHeader, NccisReader, NccisWriter, WriterOptions, carried_by_return,
};
use gateway_adapters::{CheckerRule, Limits, ReadError};
use gateway_domain::synthetic::{EVERY_VALUE_RECORDS, every_element};
use gateway_domain::{
    ActivityCode, CohortStatus, LaCode, PlaceholderPostcode, SenProvision, YoungPerson,
};
use time::macros::date;

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../gateway/domain/data/nccis-return.xsd")
}

/// Validate `xml` with `xmllint --schema` (libxml2-utils; `.ci/run` installs it).
/// Returns xmllint's report; panics if xmllint cannot be run, so the test cannot pass
/// without validating.
fn xmllint(xml: &[u8]) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(schema())
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("xmllint must be installed (Debian package libxml2-utils)");
    let mut stdin = child.stdin.take().unwrap();
    let input = xml.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), report)
}

/// Equality with the differing fields named (a record's `Debug` is redacted).
fn assert_same(back: &YoungPerson, expected: &YoungPerson) {
    if back == expected {
        return;
    }
    let a = serde_json::to_value(back).unwrap();
    let b = serde_json::to_value(expected).unwrap();
    let differing: Vec<String> = b
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| a.get(k.as_str()) != Some(v))
        .map(|(k, v)| format!("{k}: read {:?}, expected {v}", a.get(k.as_str())))
        .collect();
    panic!("{}: {differing:?}", expected.ccis_id);
}

fn la() -> LaCode {
    LaCode::parse("886").unwrap()
}

fn header() -> FileHeader {
    FileHeader::single(886, la(), date!(2025 - 04 - 02), date!(2025 - 03 - 31))
}

fn people() -> Vec<YoungPerson> {
    every_element(3, 2 * EVERY_VALUE_RECORDS, date!(2025 - 03 - 31), la()).collect()
}

fn write(people: &[YoungPerson], options: WriterOptions) -> Vec<u8> {
    let mut w = NccisWriter::new(Vec::new(), header(), options).unwrap();
    for p in people {
        if let Err(e) = w.write(p) {
            panic!("record {} refused: {e}", p.ccis_id);
        }
    }
    w.finish().unwrap()
}

/// Every record of `xml`, failing on any reject, with the warnings of each.
fn read_accepting_all(xml: &[u8]) -> Vec<(YoungPerson, Vec<String>)> {
    let mut reader = NccisReader::new(xml, Limits::default()).unwrap();
    let mut out = Vec::new();
    while let Some(item) = reader.next() {
        match item {
            Ok(p) => {
                let warnings = reader
                    .warnings()
                    .iter()
                    .map(|w| format!("{} {} {}", w.field, w.rule.code(), w.message))
                    .collect();
                out.push((p, warnings));
            }
            Err(ReadError::Rejected(r)) => panic!("record {} rejected: {r:?}", r.record_index),
            Err(ReadError::Fatal(e)) => panic!("fatal: {e}"),
        }
    }
    out
}

#[test]
fn a_return_with_every_element_and_code_validates_and_reads_back_unchanged() {
    let people = people();
    let options = WriterOptions::nccis_return();
    let xml = write(&people, options);
    let (valid, report) = xmllint(&xml);
    assert!(valid, "xmllint: {report}");

    // Every element of the schema is in the file.
    let text = String::from_utf8(xml.clone()).unwrap();
    for element in [
        "<FileHeader>",
        "<Databases>",
        "<DatabaseId>",
        "<SourceLEAs>",
        "<LEACode>",
        "<DateOfSend>",
        "<PeriodEnd>",
        "<SupplierName>",
        "<SupplierXMLVersion>",
        "<XMLSchemaVersion>",
        "<YoungPersonsID>",
        "<CohortStatus>",
        "<GivenName>",
        "<MiddleName>",
        "<FamilyName>",
        "<AddressLine1>",
        "<AddressLine2>",
        "<Town>",
        "<County>",
        "<Postcode>",
        "<Gender>",
        "<DOB>",
        "<Ethnicity>",
        "<LeadLEA>",
        "<EducatedLEA>",
        "<TransferredToLACode>",
        "<LEACodeAtYear11>",
        "<UniqueLearnerNo>",
        "<UniquePupilNumber>",
        "<GuaranteeStatusIndicator>",
        "<PreviousYPIDIdentifier>",
        "<SeptemberGuarantee>",
        "<Year11>",
        "<Year12>",
        "<GuaranteeStatus>",
        "<LevelOfNeed>",
        "<LevelOfNeedCode>",
        "<SENDFlag>",
        "<Characteristics>",
        "<CharacteristicCode>",
        "<Activities>",
        "<Cohort>",
        "<ActivityCode>",
        "<StartDate>",
        "<DateAscertained>",
        "<DateVerified>",
        "<ReviewDate>",
        "<DueToLapseDate>",
        "<CurrencyLapsed>",
        "<EstablishmentNumber>",
        "<EstablishmentName>",
        "<UKProviderReferenceNumber>",
        "<NEETStartDate>",
        "<PredictedEndDate>",
        "<IntendedDestination>",
        "<IntendedDestinationYr11>",
    ] {
        assert!(text.contains(element), "{element} missing from the return");
    }
    for flag in [
        "<CurrencyLapsed>Y<",
        "<CurrencyLapsed>N<",
        "<SENDFlag>Y<",
        "<SENDFlag>N<",
    ] {
        assert!(text.contains(flag), "{flag}");
    }
    // The Youth Contract elements were dropped from the requirement after 2015-16: a
    // return for a later year has none (nccis-checker.md §7).
    assert!(!text.contains("YouthContract"));

    let read = read_accepting_all(&xml);
    assert_eq!(read.len(), people.len());
    for ((back, warnings), p) in read.iter().zip(&people) {
        // Only 303 (the 2015 layout has no SENSupportFlag, which 2019-20 asks for) and
        // 19 for the LA codes the 2015 schema lists and 2019-20 no longer has (835-837):
        // warnings, the values kept.
        assert!(
            warnings
                .iter()
                .all(|w| w.contains("NCCIS-303") || w.contains("NCCIS-19 ")),
            "{warnings:?}"
        );
        assert_same(back, &carried_by_return(p, &options));
    }
    // The placeholder postcode came back as a placeholder, never as a postcode.
    let placeholder = read
        .iter()
        .find(|(p, _)| p.placeholder_postcode.is_some())
        .expect("a placeholder postcode");
    assert!(placeholder.0.address.postcode().is_none());

    // And a return read back is written again byte for byte.
    let again: Vec<YoungPerson> = read.into_iter().map(|(p, _)| p).collect();
    assert_eq!(write(&again, options), xml);
}

#[test]
fn the_same_records_written_with_supplier_habits_read_back_the_same() {
    let people = people();
    let options = WriterOptions {
        supplier_habits: true,
        ..WriterOptions::nccis_return()
    };
    let xml = write(&people, options);
    let text = String::from_utf8(xml.clone()).unwrap();
    for habit in [
        "standalone=\"no\"?>",
        "<!DOCTYPE NCCIS2015>",
        "<NCCIS2015>",
        "<DatabaseID>",
        "<MiddleName></MiddleName>",
        "<TransferredToLACode />",
        "<SeptemberGuarantee />",
        "<NeetStartDate>",
        "<CohortStatus> ",
    ] {
        assert!(text.contains(habit), "{habit}");
    }
    assert!(!text.contains("encoding="));
    let read = read_accepting_all(&xml);
    assert_eq!(read.len(), people.len());
    for ((back, warnings), p) in read.iter().zip(&people) {
        // Only 303 and 19, as above.
        assert!(
            warnings
                .iter()
                .all(|w| w.contains("NCCIS-303") || w.contains("NCCIS-19 ")),
            "{warnings:?}"
        );
        assert_same(back, &carried_by_return(p, &options));
    }
}

#[test]
fn youth_contract_fields_of_a_2015_return_are_carried() {
    let people = people();
    // The gateway's own layout keeps everything, the Youth Contract pair included.
    let xml = write(&people, WriterOptions::default());
    let read = read_accepting_all(&xml);
    let with = read
        .iter()
        .filter(|(p, _)| p.youth_contract_start_date.is_some())
        .count();
    assert!(with > 0);
    assert_eq!(
        with,
        people
            .iter()
            .filter(|p| p.youth_contract_start_date.is_some())
            .count()
    );
}

/// One record the way a 2015 supplier export has it: DOCTYPE, no encoding declaration,
/// root NCCIS2015, `DatabaseID`, empty and self-closing optional elements, values with
/// whitespace around them, and the element-name variants of nccis-checker.md §6.
fn supplier_file(record_edits: &[(&str, &str)]) -> String {
    let mut record = String::from(
        "<YoungPersonsRecord>
  <PersonalDetails>
    <YoungPersonsID> 8860000000001 </YoungPersonsID>
    <CohortStatus>P</CohortStatus>
    <GivenName>
      Amelia
    </GivenName>
    <MiddleName></MiddleName>
    <FamilyName>Smith</FamilyName>
    <AddressLine1>1 High Street</AddressLine1>
    <AddressLine2 />
    <Town>Maidstone</Town>
    <County></County>
    <Postcode>ZZ99 9ZZ</Postcode>
    <Gender>W</Gender>
    <DOB> 2008-05-01 </DOB>
    <Ethnicity>WBRI</Ethnicity>
    <LeadLEA>886</LeadLEA>
    <EducatedLEA>886</EducatedLEA>
    <TransferredToLACode />
    <LEACodeAtYear11></LEACodeAtYear11>
    <UniqueLearnerNo>1234</UniqueLearnerNo>
    <UniquePupilNumber></UniquePupilNumber>
    <GuaranteeStatusIndicator>Y</GuaranteeStatusIndicator>
    <PreviousYPIDIdentifier />
  </PersonalDetails>
  <SeptemberGuarantee>
    <Year11>
      <GuaranteeStatus>110</GuaranteeStatus>
      <LEACode>886</LEACode>
    </Year11>
  </SeptemberGuarantee>
  <LevelofNeed-placeholder/>
  <Activities>
    <Cohort>
      <ActivityCode> 619 </ActivityCode>
      <StartDate>2025-01-06</StartDate>
      <DateAscertained>2025-01-06</DateAscertained>
      <DateVerified>2025-02-20</DateVerified>
      <ReviewDate />
      <DueToLapseDate></DueToLapseDate>
      <CurrencyLapsed>N</CurrencyLapsed>
      <EstablishmentNumber />
      <UKProviderReferenceNumber></UKProviderReferenceNumber>
      <NeetStartDate>2024-12-01</NeetStartDate>
      <PredictedEndDate />
      <SupplierExtraField>anything</SupplierExtraField>
    </Cohort>
  </Activities>
  <IntendedDestination>
    <IntendedDestinationYr11>511</IntendedDestinationYr11>
  </IntendedDestination>
</YoungPersonsRecord>
",
    );
    record = record.replace(
        "  <LevelofNeed-placeholder/>\n",
        "  <LevelOfNeed>
    <LevelofNeedCode>2</LevelofNeedCode>
    <LDDFlag>N</LDDFlag>
    <Characteristics>
      <Characteristic>140</Characteristic>
    </Characteristics>
  </LevelOfNeed>\n",
    );
    for (from, to) in record_edits {
        assert!(record.contains(from), "edit does not apply: {from}");
        record = record.replacen(from, to, 1);
    }
    format!(
        "<?xml version=\"1.0\" standalone=\"no\"?>
<!DOCTYPE NCCIS2019>
<!-- Exported by Example CCIS 4.2 -->
<NCCIS2015>
<FileHeader>
  <Databases><DatabaseID>886</DatabaseID><DatabaseId> 887 </DatabaseId></Databases>
  <SourceLEAs><LEACode>886</LEACode><LEACode>4</LEACode></SourceLEAs>
  <DateOfSend>2025-04-02</DateOfSend>
  <PeriodEnd> 2025-03-31 </PeriodEnd>
  <SupplierName>Example CCIS</SupplierName>
  <SupplierXMLVersion>4.2</SupplierXMLVersion>
  <XMLSchemaVersion>NCCIS2015</XMLSchemaVersion>
</FileHeader>
{record}</NCCIS2015>
"
    )
}

fn read_one(xml: &str) -> (YoungPerson, Vec<(String, CheckerRule, String)>, FileHeader) {
    let mut reader = NccisReader::new(xml.as_bytes(), Limits::default()).unwrap();
    let header = reader.header().clone();
    let item = reader.next().expect("one record");
    let person = match item {
        Ok(p) => p,
        Err(e) => panic!("the young person was not imported: {e:?}"),
    };
    let warnings = reader
        .warnings()
        .iter()
        .map(|w| (w.field.to_owned(), w.rule, w.message.to_string()))
        .collect();
    assert!(reader.next().is_none());
    (person, warnings, header)
}

#[test]
fn a_supplier_style_record_is_imported_with_warnings_naming_the_element() {
    let (p, warnings, header) = read_one(&supplier_file(&[]));
    // Header: both spellings of DatabaseId, an unpadded LA code, whitespace.
    assert_eq!(header.database_ids, vec![886, 887]);
    assert_eq!(header.source_las[1], LaCode::unknown());
    assert_eq!(header.period_end, date!(2025 - 03 - 31));

    // Empty and self-closing elements are absent, not values.
    assert_eq!(p.middle_name, None);
    assert_eq!(p.upn, None);
    assert_eq!(p.transferred_to_la, None);
    assert_eq!(p.la_at_year_11, None);
    assert_eq!(p.previous_ypid, None);
    assert_eq!(p.address.county(), None);
    let a = &p.activities[0];
    assert_eq!(a.review_date, None);
    assert_eq!(a.due_to_lapse_date, None);
    assert_eq!(a.establishment, None);
    assert_eq!(a.ukprn, None);
    assert_eq!(a.predicted_end_date, None);
    // Whitespace around values is not part of them.
    assert_eq!(p.given_name, "Amelia");
    assert_eq!(p.ccis_id.as_str(), "8860000000001");
    assert_eq!(a.code, ActivityCode::SeekingEet);
    // The name variants.
    assert_eq!(a.neet_start_date, Some(date!(2024 - 12 - 01)));
    assert_eq!(p.send, SenProvision::NoProvision);
    assert_eq!(p.level_of_need, Some(gateway_domain::LevelOfNeed::Extra));
    assert_eq!(
        p.characteristics,
        vec![gateway_domain::Characteristic::Carer]
    );
    // The elements the reader used to reject.
    assert_eq!(p.gender, gateway_domain::Gender::Withheld);
    assert_eq!(p.guarantee_status_indicator, Some(true));
    assert!(p.september_guarantee.year_11.is_some());
    assert_eq!(
        p.intended_destination,
        Some(gateway_domain::IntendedDestination::Undecided)
    );
    // The placeholder postcode is kept, and flagged as one: never a postcode to match on.
    assert_eq!(
        p.placeholder_postcode,
        Some(PlaceholderPostcode::parse("ZZ99 9ZZ").unwrap())
    );
    assert!(p.address.postcode().is_none());

    // The invalid ULN is dropped from the record, with a warning naming it; the unknown
    // element is ignored with a warning naming it.
    assert_eq!(p.uln, None);
    assert!(
        warnings
            .iter()
            .any(|(field, rule, _)| field == "UniqueLearnerNo" && *rule == CheckerRule::Nccis(30)),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|(field, rule, message)| field == "Cohort"
                && *rule == CheckerRule::UnknownElement
                && message.contains("SupplierExtraField")),
        "{warnings:?}"
    );
    // And 303: a 2015-layout record has no SENSupportFlag.
    assert!(
        warnings
            .iter()
            .any(|(_, rule, _)| *rule == CheckerRule::Nccis(303)),
        "{warnings:?}"
    );
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    // No warning carries a value from the record.
    for (_, _, message) in &warnings {
        assert!(!message.contains("1234") && !message.contains("anything"));
    }
}

#[test]
fn each_name_variant_and_the_xsd_spellings_read_alike() {
    let variants = supplier_file(&[]);
    let xsd = supplier_file(&[
        (
            "<NeetStartDate>2024-12-01</NeetStartDate>",
            "<NEETStartDate>2024-12-01</NEETStartDate>",
        ),
        ("<LDDFlag>N</LDDFlag>", "<SENDFlag>N</SENDFlag>"),
        (
            "<LevelofNeedCode>2</LevelofNeedCode>",
            "<LevelOfNeedCode>2</LevelOfNeedCode>",
        ),
        (
            "<Characteristic>140</Characteristic>",
            "<CharacteristicCode>140</CharacteristicCode>",
        ),
    ]);
    assert_eq!(read_one(&variants).0, read_one(&xsd).0);
    // Letter case of element names does not matter either.
    let lower = supplier_file(&[("<Gender>W</Gender>", "<GENDER>W</GENDER>")]);
    assert_eq!(read_one(&lower).0, read_one(&variants).0);
}

#[test]
fn a_2019_record_with_sen_support_flag_reads_as_sen_support() {
    let xml = supplier_file(&[(
        "<LDDFlag>N</LDDFlag>",
        "<SENDFlag>N</SENDFlag><SENSupportFlag>Y</SENSupportFlag>",
    )]);
    let (p, warnings, _) = read_one(&xml);
    assert_eq!(p.send, SenProvision::SenSupport);
    assert!(!warnings.iter().any(|(f, _, _)| f.contains("SENSupport")));
}

#[test]
fn an_unknown_element_with_a_long_or_odd_name_is_reported_without_it() {
    let long = "X".repeat(80);
    let xml = supplier_file(&[(
        "<SupplierExtraField>anything</SupplierExtraField>",
        &format!("<{long}>anything</{long}>"),
    )]);
    let (_, warnings, _) = read_one(&xml);
    let unknown: Vec<_> = warnings
        .iter()
        .filter(|(_, rule, _)| *rule == CheckerRule::UnknownElement)
        .collect();
    assert_eq!(unknown.len(), 1);
    assert!(!unknown[0].2.contains(&long));
}

#[test]
fn a_transferred_record_keeps_its_destination_and_other_statuses_read() {
    for status in CohortStatus::ALL {
        let edits: Vec<(&str, String)> = match status {
            CohortStatus::Transferred => vec![
                (
                    "<CohortStatus>P</CohortStatus>",
                    "<CohortStatus>T</CohortStatus>".into(),
                ),
                (
                    "<TransferredToLACode />",
                    "<TransferredToLACode>887</TransferredToLACode>".into(),
                ),
            ],
            other => vec![(
                "<CohortStatus>P</CohortStatus>",
                format!("<CohortStatus>{}</CohortStatus>", other.code()),
            )],
        };
        let edits: Vec<(&str, &str)> = edits.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let (p, _, _) = read_one(&supplier_file(&edits));
        assert_eq!(p.cohort_status, *status);
    }
}
