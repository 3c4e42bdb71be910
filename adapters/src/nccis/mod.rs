//! NCCIS XML: the monthly CCIS return to DfE, read and written as a stream.
//!
//! # Layout
//!
//! The element layout follows the public NCCIS 2015 schema ("MI Return
//! NCCIS 2015.xsd": `PersonalDetails`, `LevelOfNeed`, `Activities/Cohort`),
//! with the field names of the gateway specification:
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <NCCIS>                                  <!-- any root named NCCIS[A-Za-z0-9]* is read -->
//!   <FileHeader>
//!     <Databases><DatabaseID>886</DatabaseID></Databases>   <!-- 1+ -->
//!     <SourceLEAs><LEACode>886</LEACode></SourceLEAs>       <!-- 1+ -->
//!     <DateOfSend>2025-04-02</DateOfSend>
//!     <PeriodEnd>2025-03-31</PeriodEnd>
//!     <SupplierName>..</SupplierName>
//!     <SupplierXMLVersion>..</SupplierXMLVersion>
//!     <XMLSchemaVersion>..</XMLSchemaVersion>
//!   </FileHeader>
//!   <YoungPersonsRecord>                                    <!-- 0+ -->
//!     <PersonalDetails>
//!       <YoungPersonsID>8860000000001</YoungPersonsID>
//!       <CohortStatus>P</CohortStatus>
//!       <GivenName/> <MiddleName/>? <FamilyName/>
//!       <AddressLine1/>? .. <AddressLine4/>? <Town/>? <County/>? <Postcode/>?
//!       <Gender/> <DOB/> <Ethnicity/>? <LeadLEA/> <EducatedLEA/>?
//!       <TransferredToLACode/>? <LEACodeAtYear11/>? <UniqueLearnerNo/>?
//!       <UniquePupilNumber/>? <EstablishmentNumber/>? <UKProviderReferenceNumber/>?
//!     </PersonalDetails>
//!     <LevelOfNeed>
//!       <LevelOfNeedCode/>? <SENDFlag>N|K|E</SENDFlag>
//!       <Characteristics><CharacteristicCode>140</CharacteristicCode>*</Characteristics>?
//!     </LevelOfNeed>
//!     <Activities>?
//!       <Cohort>*                                           <!-- one per activity -->
//!         <ActivityCode/> <StartDate/> <DateAscertained/> <DateVerified/>
//!         <ReviewDate/>? <DueToLapseDate/>? <CurrencyLapsed>Y|N</CurrencyLapsed>
//!         <LevelOfNeedCode/>? <NEETStartDate/>? <PredictedEndDate/>?
//!       </Cohort>
//!     </Activities>
//!   </YoungPersonsRecord>
//! </NCCIS>
//! ```
//!
//! Differences from the 2015 XSD, on purpose: `Activities` holds one
//! `Cohort` per activity of the history (the XSD allows exactly one: a
//! return for DfE should be written with
//! [`WriterOptions::current_activity_only`]); `SENDFlag` carries the domain's
//! three SEN codes N/K/E (the 2019-20 requirement splits them into SENDFlag
//! Y/N plus SENSupportFlag Y/N); `EstablishmentNumber` (4 digits) and
//! `UKProviderReferenceNumber` sit in `PersonalDetails` as the canonical
//! record holds them per person; `Cohort` carries its own `LevelOfNeedCode`.
//! The header lists may also be written flat (`<DatabaseID>`,
//! `<SourceLEA>` directly in `FileHeader`); both are read, the XSD form is
//! written. Element order inside a container is not significant on read;
//! the writer uses the order above. Elements of the XSD that the canonical
//! record does not carry (SeptemberGuarantee, IntendedDestination,
//! YouthContract*, EstablishmentName, ...) are not part of this layout: a
//! record containing one is rejected ([`CheckerRule::UnknownElement`]),
//! so nothing is silently dropped.
//!
//! [`CheckerRule::UnknownElement`]: crate::CheckerRule::UnknownElement
//!
//! # What is guaranteed
//!
//! - Reading is streaming: one record at a time, memory bounded by
//!   [`Limits`](crate::Limits) whatever the input (a 10 MB text node is
//!   refused after `max_event_bytes`, not buffered).
//! - Every record is checked against every [`CheckerRule`](crate::CheckerRule):
//!   a record is either returned whole and valid, or reported as a
//!   [`RecordReject`](crate::RecordReject) with its index, byte offset,
//!   field and rule; the stream then continues with the next record.
//! - Not well-formed XML or an exceeded limit ends the stream with a
//!   [`FatalError`](crate::FatalError) carrying the byte offset.
//! - [`NccisWriter`] runs the same rules and refuses (reports) a record that
//!   would be rejected, so writing then reading gives back exactly the
//!   written records' [`carried`] projection.
//! - No error message contains a name, identifier, address or date from
//!   the input.
//!
//! Not guaranteed: that a LA code, UKPRN or establishment is in use (that is
//! reference data), nor any NCCIS checker rule not listed in
//! [`CheckerRule`](crate::CheckerRule).

mod check;
pub(crate) mod layout;
mod read;
mod write;

use gateway_domain::{Characteristic, LaCode, YoungPerson};
use time::Date;

pub use check::{AgeReference, CheckerConfig, reference_date};
pub use read::{NccisReader, ReaderStats};
pub use write::{NccisWriter, WriterOptions};

/// The `FileHeader` of an NCCIS return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// NCCIS DatabaseIDs (0..=999, written as three digits) of the CCIS
    /// databases whose records the file holds.
    pub database_ids: Vec<u16>,
    /// The LAs whose cohort the return covers.
    pub source_las: Vec<LaCode>,
    pub date_of_send: Date,
    pub period_end: Date,
    pub supplier_name: String,
    pub supplier_xml_version: String,
    pub xml_schema_version: String,
}

impl FileHeader {
    /// A header for one database and one LA, the usual single-LA return.
    pub fn single(database_id: u16, la: LaCode, date_of_send: Date, period_end: Date) -> Self {
        FileHeader {
            database_ids: vec![database_id],
            source_las: vec![la],
            date_of_send,
            period_end,
            supplier_name: "ccis-gateway".to_owned(),
            supplier_xml_version: env!("CARGO_PKG_VERSION").to_owned(),
            xml_schema_version: "NCCIS2015-gateway".to_owned(),
        }
    }
}

/// The part of a record that NCCIS XML carries: what a write/read round
/// trip returns. NCCIS has no field for the NINO, NHS number, benefit
/// registration or care-leaver status, so those are cleared; YOT
/// supervision travels only as characteristic 170, so `yot_supervised` is
/// derived from it.
pub fn carried(p: &YoungPerson) -> YoungPerson {
    let mut out = p.clone();
    out.nino = None;
    out.nhs_number = None;
    out.benefit_registration = None;
    out.care = None;
    out.yot_supervised = p.has_characteristic(Characteristic::SupervisedByYot);
    out
}

/// Check one record against the NCCIS checker rules for a return with
/// `header`, without the file-wide uniqueness rules. `Ok(())` when the
/// writer would write it and the reader accept it.
pub fn check(
    p: &YoungPerson,
    header: &FileHeader,
    config: &CheckerConfig,
    limits: &crate::Limits,
) -> Result<(), Vec<crate::Violation>> {
    let mut v = Vec::new();
    check::check_writable(p, limits.max_text_len, limits.max_activities, &mut v);
    check::check_record(p, None, header, config, &mut v);
    if v.is_empty() { Ok(()) } else { Err(v) }
}
