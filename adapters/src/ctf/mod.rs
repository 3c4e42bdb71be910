//! The DfE Common Transfer File (CTF), used here for cross-border transfers
//! of a young person's record between authorities.
//!
//! # The subset read and written
//!
//! No public XSD for the CTF was found, so this module reads and writes a
//! documented subset of its published element names:
//!
//! ```xml
//! <CTfile>
//!   <Header>
//!     <DocumentName>Common Transfer File</DocumentName>
//!     <CTFversion>23.0</CTFversion>
//!     <DateTime>2025-03-15T10:30:00</DateTime>          <!-- CCYY-MM-DDThh:mm:ss -->
//!     <DocumentQualifier>full|partial</DocumentQualifier>
//!     <SupplierID>..</SupplierID>
//!     <SourceSchool><LEA>886</LEA><Estab>0000</Estab><SchoolName/>?<AcademicYear>2024</AcademicYear>?</SourceSchool>
//!     <DestSchool><LEA>887</LEA><Estab>MMM</Estab></DestSchool>
//!   </Header>
//!   <CTFpupilData>
//!     <Pupil>                                           <!-- 0+ -->
//!       <UPN/>? <UniqueLearnerNumber/>? <Surname/> <Forename/> <DOB/> <Gender/>  (or <Sex/>)
//!       <BasicDetails><MiddleNames/>? <Ethnicity/>?</BasicDetails>?
//!       <LookedAfter><InCare>true|false</InCare><CareAuthority/>?</LookedAfter>?
//!       <SENhistory><SEN><StartDate/>?<SENprovision>N|K|E</SENprovision></SEN>*</SENhistory>?
//!       <Address><AddressLines><AddressLine1/>..<AddressLine5/></AddressLines>?<County/>?<PostCode/>?</Address>?
//!       <SchoolHistory><School><LEA/><Estab/><SchoolName/>?<EntryDate/>?<LeavingDate/>?</School>*</SchoolHistory>?
//!     </Pupil>
//!   </CTFpupilData>
//! </CTfile>
//! ```
//!
//! Elements outside the subset (assessments, attendance, contacts, phones,
//! medical flags, FSM history, ...) are **skipped, never stored**: a CTF is
//! a school-to-school file carrying far more than the gateway may hold, and
//! minimising at the boundary is the point. They are counted in
//! [`CtfReader::skipped_elements`]. Unlike NCCIS, an unknown element is not
//! a reason to refuse a pupil. Known elements in the wrong place, duplicates
//! and invalid values are, as for NCCIS.
//!
//! # Canonical record ⇄ CTF
//!
//! [`CtfPupil::from_record`] and [`CtfPupil::to_record`] translate. The
//! canonical fields CTF carries (see [`carried`]): UPN, ULN, given, middle
//! and family names, gender, date of birth, ethnicity, address (the town
//! travels as `AddressLine5`, CTF having no town element), SEN provision,
//! looked-after status (characteristic 110 ⇄ `InCare`) and the current
//! establishment (`SchoolHistory`; its LA gives `educated_la` when it is not
//! the lead LA).
//!
//! CTF **cannot carry**: the CCIS id, lead LA and cohort status (the
//! receiving authority supplies them, see [`Receiving`]), NINO, NHS number,
//! LA at Year 11, transferred-to LA, UKPRN, characteristics other than 110,
//! level of need, the activity history (so no currency), benefit
//! registration, care-leaver status (`CareAuthority` is written from the
//! care record's responsible LA but has no home on the way back), YOT
//! supervision.

mod read;
mod write;

use std::fmt;

use gateway_domain::{
    Address, CcisId, Characteristic, CohortStatus, EstablishmentNumber, Gender, LaCode,
    SenProvision, Uln, Upn, YoungPerson,
};
use time::{Date, PrimitiveDateTime};

pub use read::CtfReader;
pub use write::CtfWriter;

/// `full` (a complete transfer) or `partial`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentQualifier {
    Full,
    Partial,
}

impl DocumentQualifier {
    pub fn code(self) -> &'static str {
        match self {
            DocumentQualifier::Full => "full",
            DocumentQualifier::Partial => "partial",
        }
    }
}

/// A school or authority establishment code as CTF writes it: four digits,
/// or three capital letters for the DfE's special destinations (e.g. `MMM`
/// "missing", `XXX` "unknown").
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CtfEstab(String);

impl CtfEstab {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        let b = s.as_bytes();
        if (b.len() == 4 && b.iter().all(u8::is_ascii_digit))
            || (b.len() == 3 && b.iter().all(u8::is_ascii_uppercase))
        {
            Ok(CtfEstab(s.to_owned()))
        } else {
            Err("Estab must be four digits or three capital letters")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CtfEstab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CtfEstab({})", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSchool {
    pub la: LaCode,
    pub estab: CtfEstab,
    pub school_name: Option<String>,
    pub academic_year: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestSchool {
    pub la: LaCode,
    pub estab: CtfEstab,
}

/// The CTF `Header`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtfHeader {
    pub document_name: String,
    pub ctf_version: String,
    pub date_time: PrimitiveDateTime,
    pub document_qualifier: DocumentQualifier,
    pub supplier_id: String,
    pub source: SourceSchool,
    pub dest: DestSchool,
}

impl CtfHeader {
    /// A header for an authority-to-authority transfer (no school at
    /// either end: Estab `0000` from the sender, `MMM` to the receiver).
    pub fn transfer(from: LaCode, to: LaCode, at: PrimitiveDateTime) -> Self {
        CtfHeader {
            document_name: "Common Transfer File".to_owned(),
            ctf_version: "23.0".to_owned(),
            date_time: at,
            document_qualifier: DocumentQualifier::Partial,
            supplier_id: "ccis-gateway".to_owned(),
            source: SourceSchool {
                la: from,
                estab: CtfEstab("0000".to_owned()),
                school_name: None,
                academic_year: None,
            },
            dest: DestSchool {
                la: to,
                estab: CtfEstab("MMM".to_owned()),
            },
        }
    }
}

/// `LookedAfter`: whether the pupil is in care, and which authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookedAfter {
    pub in_care: bool,
    pub care_authority: Option<LaCode>,
}

/// One `SENhistory/SEN` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenEntry {
    pub start_date: Option<Date>,
    pub provision: SenProvision,
}

/// One `SchoolHistory/School` entry.
#[derive(Clone, PartialEq, Eq)]
pub struct SchoolEntry {
    pub la: LaCode,
    pub estab: EstablishmentNumber,
    pub school_name: Option<String>,
    pub entry_date: Option<Date>,
    pub leaving_date: Option<Date>,
}

impl fmt::Debug for SchoolEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchoolEntry")
            .field("la", &self.la.as_str())
            .finish_non_exhaustive()
    }
}

/// A pupil as the CTF subset carries it. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct CtfPupil {
    pub upn: Option<Upn>,
    pub uln: Option<Uln>,
    pub surname: String,
    pub forename: String,
    pub middle_names: Option<String>,
    pub date_of_birth: Date,
    pub gender: Gender,
    /// DfE four-letter ethnicity code.
    pub ethnicity: Option<String>,
    pub looked_after: Option<LookedAfter>,
    /// SEN history; an empty history means no SEN provision recorded.
    pub sen: Vec<SenEntry>,
    pub address: Address,
    pub schools: Vec<SchoolEntry>,
}

impl fmt::Debug for CtfPupil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CtfPupil")
            .field("sen", &self.sen.len())
            .field("schools", &self.schools.len())
            .finish_non_exhaustive()
    }
}

/// What the receiving authority supplies for the fields CTF cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiving {
    /// The id the receiving CCIS gives the young person.
    pub ccis_id: CcisId,
    /// The receiving authority (the new lead LA).
    pub lead_la: LaCode,
    pub cohort_status: CohortStatus,
}

impl CtfPupil {
    /// The CTF view of a canonical record.
    pub fn from_record(p: &YoungPerson) -> CtfPupil {
        let in_care = p.has_characteristic(Characteristic::LookedAfter);
        let care_authority = p.care.as_ref().and_then(|c| c.responsible_la.clone());
        CtfPupil {
            upn: p.upn.clone(),
            uln: p.uln.clone(),
            surname: p.family_name.clone(),
            forename: p.given_name.clone(),
            middle_names: p.middle_name.clone(),
            date_of_birth: p.date_of_birth,
            gender: p.gender,
            ethnicity: p.ethnicity.clone(),
            looked_after: (in_care || care_authority.is_some()).then_some(LookedAfter {
                in_care,
                care_authority,
            }),
            sen: vec![SenEntry {
                start_date: None,
                provision: p.send,
            }],
            address: p.address.clone(),
            schools: p
                .establishment_number
                .as_ref()
                .map(|estab| SchoolEntry {
                    la: p.educated_la.clone().unwrap_or_else(|| p.lead_la.clone()),
                    estab: estab.clone(),
                    school_name: None,
                    entry_date: None,
                    leaving_date: None,
                })
                .into_iter()
                .collect(),
        }
    }

    /// The current SEN provision: the entry with the latest start date
    /// (undated entries count as earliest; on a tie the later entry wins).
    /// No history means no provision (`N`), which is what an absent CTF
    /// `SENhistory` says.
    pub fn current_sen(&self) -> SenProvision {
        self.sen
            .iter()
            .enumerate()
            .max_by_key(|(i, e)| (e.start_date, *i))
            .map_or(SenProvision::NoProvision, |(_, e)| e.provision)
    }

    /// The current school: latest entry date, undated first, later entry on a tie.
    pub fn current_school(&self) -> Option<&SchoolEntry> {
        self.schools
            .iter()
            .enumerate()
            .max_by_key(|(i, s)| (s.entry_date, *i))
            .map(|(_, s)| s)
    }

    /// A canonical record from this pupil. Fields CTF cannot carry come
    /// from `receiving` or are left empty (no activities, no
    /// characteristics beyond 110, no care-leaver status).
    pub fn to_record(&self, receiving: Receiving) -> YoungPerson {
        let school = self.current_school();
        let in_care = self.looked_after.as_ref().is_some_and(|l| l.in_care);
        YoungPerson {
            ccis_id: receiving.ccis_id,
            upn: self.upn.clone(),
            uln: self.uln.clone(),
            nino: None,
            nhs_number: None,
            given_name: self.forename.clone(),
            middle_name: self.middle_names.clone(),
            family_name: self.surname.clone(),
            gender: self.gender,
            date_of_birth: self.date_of_birth,
            address: self.address.clone(),
            la_at_year_11: None,
            cohort_status: receiving.cohort_status,
            transferred_to_la: None,
            ethnicity: self.ethnicity.clone(),
            educated_la: school
                .map(|s| s.la.clone())
                .filter(|la| *la != receiving.lead_la),
            lead_la: receiving.lead_la,
            send: self.current_sen(),
            characteristics: if in_care {
                vec![Characteristic::LookedAfter]
            } else {
                Vec::new()
            },
            level_of_need: None,
            activities: Vec::new(),
            benefit_registration: None,
            care: None,
            yot_supervised: false,
            establishment_number: school.map(|s| s.estab.clone()),
            ukprn: None,
            placeholder_postcode: None,
            september_guarantee: gateway_domain::SeptemberGuarantee::default(),
            guarantee_status_indicator: None,
            youth_contract_indicator: None,
            youth_contract_start_date: None,
            previous_ypid: None,
            intended_destination: None,
            leaving_reported_in: None,
        }
    }
}

/// The part of a canonical record that survives record → CTF → record when
/// the receiver supplies the same id, lead LA and cohort status.
pub fn carried(p: &YoungPerson) -> YoungPerson {
    YoungPerson {
        ccis_id: p.ccis_id.clone(),
        upn: p.upn.clone(),
        uln: p.uln.clone(),
        nino: None,
        nhs_number: None,
        given_name: p.given_name.clone(),
        middle_name: p.middle_name.clone(),
        family_name: p.family_name.clone(),
        gender: p.gender,
        date_of_birth: p.date_of_birth,
        address: p.address.clone(),
        lead_la: p.lead_la.clone(),
        la_at_year_11: None,
        cohort_status: p.cohort_status,
        transferred_to_la: None,
        ethnicity: p.ethnicity.clone(),
        educated_la: p
            .establishment_number
            .as_ref()
            .and(p.educated_la.clone())
            .filter(|la| *la != p.lead_la),
        send: p.send,
        characteristics: if p.has_characteristic(Characteristic::LookedAfter) {
            vec![Characteristic::LookedAfter]
        } else {
            Vec::new()
        },
        level_of_need: None,
        activities: Vec::new(),
        benefit_registration: None,
        care: None,
        yot_supervised: false,
        establishment_number: p.establishment_number.clone(),
        ukprn: None,
        placeholder_postcode: None,
        september_guarantee: gateway_domain::SeptemberGuarantee::default(),
        guarantee_status_indicator: None,
        youth_contract_indicator: None,
        youth_contract_start_date: None,
        previous_ypid: None,
        intended_destination: None,
        leaving_reported_in: None,
    }
}
