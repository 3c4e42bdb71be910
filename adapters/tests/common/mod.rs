//! Shared builders for the adapter tests: small NCCIS files assembled from
//! a valid base record and textual edits.
#![allow(dead_code)]

use gateway_adapters::nccis::NccisReader;
use gateway_adapters::{FatalError, Limits, ReadError};
use gateway_domain::{Uln, YoungPerson};

pub const PERIOD_END: &str = "2025-03-31";

pub fn header() -> String {
    format!(
        "<FileHeader>\n  <Databases><DatabaseID>886</DatabaseID></Databases>\n  \
         <SourceLEAs><LEACode>886</LEACode></SourceLEAs>\n  <DateOfSend>2025-04-02</DateOfSend>\n  \
         <PeriodEnd>{PERIOD_END}</PeriodEnd>\n  <SupplierName>test</SupplierName>\n  \
         <SupplierXMLVersion>1</SupplierXMLVersion>\n  <XMLSchemaVersion>1</XMLSchemaVersion>\n</FileHeader>\n"
    )
}

pub fn ccis_id(i: u64) -> String {
    format!("886{:010}", i + 1)
}

pub fn uln(i: u64) -> String {
    let base = 100_000_000 + 2 * u32::try_from(i).expect("small index");
    Uln::from_base(base)
        .or_else(|| Uln::from_base(base + 1))
        .expect("a ULN exists for one of two bases")
        .as_str()
        .to_owned()
}

/// A valid record (academic age 17 on the reference date 2024-08-31, in
/// further education, current; no NCCIS rule broken but 908 when several
/// records share its names), with `edits` applied as (from, to) text
/// replacements. Panics if an edit does not match, so no case is a no-op.
pub fn record(i: u64, edits: &[(&str, &str)]) -> String {
    let mut r = format!(
        "<YoungPersonsRecord>
  <PersonalDetails>
    <YoungPersonsID>{}</YoungPersonsID>
    <CohortStatus>P</CohortStatus>
    <GivenName>Amelia</GivenName>
    <FamilyName>O&apos;Brien-Smith</FamilyName>
    <AddressLine1>1 High Street</AddressLine1>
    <Town>Maidstone</Town>
    <County>Kent</County>
    <Postcode>ME14 1XQ</Postcode>
    <Gender>F</Gender>
    <DOB>2007-05-01</DOB>
    <Ethnicity>WBRI</Ethnicity>
    <LeadLEA>886</LeadLEA>
    <EducatedLEA>886</EducatedLEA>
    <UniqueLearnerNo>{}</UniqueLearnerNo>
  </PersonalDetails>
  <LevelOfNeed>
    <LevelOfNeedCode>2</LevelOfNeedCode>
    <SENDFlag>N</SENDFlag>
    <SENSupportFlag>N</SENSupportFlag>
    <Characteristics><CharacteristicCode>210</CharacteristicCode></Characteristics>
  </LevelOfNeed>
  <Activities>
    <Cohort>
      <ActivityCode>230</ActivityCode>
      <StartDate>2024-09-01</StartDate>
      <DateAscertained>2024-09-05</DateAscertained>
      <DateVerified>2025-01-10</DateVerified>
      <DueToLapseDate>2026-01-10</DueToLapseDate>
      <CurrencyLapsed>N</CurrencyLapsed>
      <PredictedEndDate>2026-07-31</PredictedEndDate>
    </Cohort>
  </Activities>
</YoungPersonsRecord>
",
        ccis_id(i),
        uln(i)
    );
    for (from, to) in edits {
        assert!(r.contains(from), "edit does not apply: {from}");
        r = r.replacen(from, to, 1);
    }
    r
}

pub fn file(records: &[String]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NCCIS>\n");
    s.push_str(&header());
    for r in records {
        s.push_str(r);
    }
    s.push_str("</NCCIS>\n");
    s
}

/// Read a whole file: the header error, or every item the reader yields.
pub fn read_all(
    xml: &[u8],
    limits: Limits,
) -> Result<Vec<Result<YoungPerson, ReadError>>, FatalError> {
    Ok(NccisReader::new(xml, limits)?.collect())
}
