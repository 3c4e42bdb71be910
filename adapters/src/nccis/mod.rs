//! NCCIS XML: the monthly CCIS return to DfE, read and written as a stream.
//!
//! # Layout
//!
//! The element layout is the DfE NCCIS 2015 schema (`gateway/domain/data/nccis2015.xsd`,
//! a copy of the published XSD; `nccis-return.xsd` beside it adds the root element so a
//! whole file can be validated):
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <NCCIS>                                  <!-- any root element name is read -->
//!   <FileHeader>
//!     <Databases><DatabaseId>886</DatabaseId></Databases>   <!-- 1+; DatabaseID too -->
//!     <SourceLEAs><LEACode>886</LEACode></SourceLEAs>       <!-- 1+ -->
//!     <DateOfSend/> <PeriodEnd/> <SupplierName/> <SupplierXMLVersion/> <XMLSchemaVersion/>
//!   </FileHeader>
//!   <YoungPersonsRecord>                                    <!-- 0+ -->
//!     <PersonalDetails>
//!       <YoungPersonsID/> <CohortStatus/> <GivenName/> <MiddleName/>? <FamilyName/>
//!       <AddressLine1/>? .. <AddressLine4/>? <Town/>? <County/>? <Postcode/>
//!       <Gender/> <DOB/> <Ethnicity/> <LeadLEA/> <EducatedLEA/> <TransferredToLACode/>?
//!       <LEACodeAtYear11/>? <UniqueLearnerNo/>? <UniquePupilNumber/>?
//!       <GuaranteeStatusIndicator/>? <YouthContractIndicator/>? <YouthContractStartDate/>?
//!       <PreviousYPIDIdentifier/>?
//!     </PersonalDetails>
//!     <SeptemberGuarantee>?                                 <!-- Year11?, Year12? -->
//!       <Year11><GuaranteeStatus/><LEACode/></Year11>
//!     </SeptemberGuarantee>
//!     <LevelOfNeed>
//!       <LevelOfNeedCode/> <SENDFlag>Y|N</SENDFlag> <SENSupportFlag/>?   <!-- 2019-20 -->
//!       <Characteristics><CharacteristicCode/>*</Characteristics>?
//!     </LevelOfNeed>
//!     <Activities>?
//!       <Cohort>                                            <!-- the current activity -->
//!         <ActivityCode/> <StartDate/> <DateAscertained/> <DateVerified/> <ReviewDate/>?
//!         <DueToLapseDate/>? <CurrencyLapsed/> <EstablishmentNumber/>? (7 digits)
//!         <EstablishmentName/>? <UKProviderReferenceNumber/>? <NEETStartDate/>?
//!         <PredictedEndDate/>?
//!       </Cohort>
//!     </Activities>
//!     <IntendedDestination><IntendedDestinationYr11/></IntendedDestination>?
//!   </YoungPersonsRecord>
//! </NCCIS>
//! ```
//!
//! **Reading** is tolerant the way real supplier files need (nccis-checker.md §6):
//! any root name, a name-only DOCTYPE (never loaded), no encoding declaration
//! (UTF-8), empty and self-closing elements and whitespace-only text mean
//! "absent", values are trimmed, element names match in any letter case and
//! through the aliases of `layout::RECORD_ALIASES` (`NeetStartDate`, `LDDFlag`,
//! `Characteristic`, `LevelofNeedCode`; `DatabaseID`/`DatabaseId`), `LEACode` is
//! resolved by its parent, a one- or two-digit LA code is zero-padded, and a `ZZ99`
//! placeholder postcode is kept as [`gateway_domain::PlaceholderPostcode`], apart from
//! the address so that nothing matches on it. An element outside the schema is a
//! *warning* on its record ([`NccisReader::warnings`], naming the element when its name
//! is a plain XML name of at most 64 characters, never its content) and is ignored; so is
//! an invalid optional identifier (ULN, UPN, UKPRN), which is dropped from the record.
//! Order inside a container is not significant. The reader also takes the gateway's own
//! earlier layout: several `Cohort`s (the activity history), SENDFlag N/K/E, a per-activity
//! `LevelOfNeedCode`, a four-digit `EstablishmentNumber` and `UKProviderReferenceNumber`
//! in `PersonalDetails`.
//!
//! **Writing**: [`WriterOptions::nccis_return`] writes a return valid against the 2015
//! XSD (what `gateway export nccis` sends): the current activity only, SENDFlag Y (EHC
//! plan) / N, the establishment and provider in `Cohort`, no Youth Contract elements
//! (dropped after 2015-16), the placeholder postcode where there is no postcode; a record
//! that cannot be written valid is refused with the reason. [`WriterOptions::default`]
//! writes the gateway's own layout, which keeps every field (history, N/K/E, the Youth
//! Contract pair). `supplier_habits` writes the way suppliers do, for tests of the reader.
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
//!   written records' [`carried`] projection ([`carried_by_return`] for a
//!   return).
//! - No error message contains a name, identifier, address or date from
//!   the input.
//!
//! Not guaranteed: that a LA code, UKPRN or establishment is in use (that is
//! reference data), nor any NCCIS checker rule not listed in
//! [`CheckerRule`](crate::CheckerRule).

pub mod checker;
pub(crate) mod layout;
mod read;
mod writable;
mod write;

use gateway_domain::{Characteristic, LaCode, YoungPerson};
use time::Date;

pub use checker::codes::{RuleSet, mi_year};
pub use checker::table::{NccisRule, Outcome, RULES};
pub use checker::{CheckerConfig, FileContext, academic_age};
pub use read::{NccisReader, ReaderStats, RecordNotes};
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
/// derived from it; free text is trimmed (the reader trims, §0.3 of the
/// reference); the person's establishment and provider are those of the
/// current activity when the person has none of their own.
pub fn carried(p: &YoungPerson) -> YoungPerson {
    let mut out = p.clone();
    out.nino = None;
    out.nhs_number = None;
    out.benefit_registration = None;
    out.care = None;
    out.leaving_reported_in = None;
    out.yot_supervised = p.has_characteristic(Characteristic::SupervisedByYot);
    out.given_name = p.given_name.trim().to_owned();
    out.family_name = p.family_name.trim().to_owned();
    out.middle_name = p.middle_name.as_deref().map(|m| m.trim().to_owned());
    out.previous_ypid = p.previous_ypid.as_deref().map(|m| m.trim().to_owned());
    for a in &mut out.activities {
        a.establishment_name = a.establishment_name.as_deref().map(|m| m.trim().to_owned());
    }
    establishment_from_activity(&mut out);
    out
}

/// What a return written with [`WriterOptions::nccis_return`] carries (and
/// so what reading it back gives): [`carried`], with only the current
/// activity and without what the 2015 schema has no place for — the
/// activity's own level of need, the Youth Contract pair, characteristics outside the XSD list (200
/// from 2019-20, the gateway's 210), and SEN support unless
/// SENSupportFlag is written (the 2015 SENDFlag is Y for an EHC plan, N
/// otherwise). The person's establishment and provider move to the
/// activity, where the schema puts them.
pub fn carried_by_return(p: &YoungPerson, options: &WriterOptions) -> YoungPerson {
    let mut out = carried(p);
    // Dropped from the requirement after 2015-16: a return does not carry them (§7).
    out.youth_contract_indicator = None;
    out.youth_contract_start_date = None;
    out.activities = p.current_activity().cloned().into_iter().collect();
    for a in &mut out.activities {
        a.level_of_need = None;
        a.establishment_name = a.establishment_name.as_deref().map(|m| m.trim().to_owned());
    }
    out.characteristics.retain(|c| c.in_schema_2015());
    out.yot_supervised = out.has_characteristic(Characteristic::SupervisedByYot);
    if !options.sen_support_flag && out.send == gateway_domain::SenProvision::SenSupport {
        out.send = gateway_domain::SenProvision::NoProvision;
    }
    activity_from_person(&mut out);
    // A return has only the activity's: reading it back derives the person's.
    out.establishment_number = None;
    out.ukprn = None;
    establishment_from_activity(&mut out);
    out
}

/// The person's establishment (4 digits) and UKPRN, when absent, from the
/// current activity's seven-digit DfE number and provider.
pub(crate) fn establishment_from_activity(p: &mut YoungPerson) {
    let Some(current) = p.current_activity() else {
        return;
    };
    let (estab, ukprn) = (current.establishment.clone(), current.ukprn.clone());
    if p.establishment_number.is_none() {
        p.establishment_number = estab.map(|d| d.establishment());
    }
    if p.ukprn.is_none() {
        p.ukprn = ukprn;
    }
}

/// The current activity's DfE number and UKPRN, when absent, from the
/// person's (the LA part is the LA where the young person is educated,
/// else the lead LA). A return has only the activity's.
pub(crate) fn activity_from_person(p: &mut YoungPerson) {
    let la = p.educated_la.clone().unwrap_or_else(|| p.lead_la.clone());
    let estab = p
        .establishment_number
        .as_ref()
        .map(|e| gateway_domain::DfeNumber::from_parts(&la, e));
    let ukprn = p.ukprn.clone();
    let Some(index) = p
        .activities
        .iter()
        .enumerate()
        .max_by_key(|(_, a)| (a.start_date, a.date_verified))
        .map(|(i, _)| i)
    else {
        return;
    };
    if let Some(a) = p.activities.get_mut(index) {
        if a.establishment.is_none() {
            a.establishment = estab;
        }
        if a.ukprn.is_none() {
            a.ukprn = ukprn;
        }
    }
}

/// Check one record against the NCCIS checker rules for a return with
/// `header`, without the file-wide rules (902, 907, 908), as the writer
/// does for a return (`WriterOptions::nccis_return`). `Ok(warnings)` when
/// the writer would write it and the reader import it (the warnings are
/// the lower-priority rules it breaks); `Err` with every problem otherwise.
pub fn check(
    p: &YoungPerson,
    header: &FileHeader,
    config: &CheckerConfig,
    limits: &crate::Limits,
) -> Result<Vec<crate::Violation>, Vec<crate::Violation>> {
    let context = FileContext::new(header, *config);
    let mut v = Vec::new();
    writable::check_writable(p, limits.max_text_len, limits.max_activities, &mut v);
    let carried = carried_by_return(p, &WriterOptions::nccis_return());
    let raw = checker::raw::RawRecord::from_person(&carried, header.period_end, false);
    let mut findings = checker::Findings::default();
    checker::check_record(&raw, &context, &mut findings);
    let mut all = findings.list;
    all.append(&mut v);
    let (rejects, warnings): (Vec<_>, Vec<_>) = checker::merge(all)
        .into_iter()
        .partition(|x| x.outcome == Outcome::Reject);
    if rejects.is_empty() {
        Ok(warnings)
    } else {
        Err(rejects)
    }
}
