//! Element names of the NCCIS layout (see the module documentation).

pub(crate) const ROOT: &str = "NCCIS";
/// The root of the 2015 supplier files.
pub(crate) const ROOT_2015: &str = "NCCIS2015";
pub(crate) const FILE_HEADER: &str = "FileHeader";
pub(crate) const DATABASES: &str = "Databases";
pub(crate) const DATABASE_ID: &str = "DatabaseID";
/// The 2015 XSD spells it `DatabaseId`; accepted on read.
pub(crate) const DATABASE_ID_XSD: &str = "DatabaseId";
pub(crate) const SOURCE_LEAS: &str = "SourceLEAs";
pub(crate) const LEA_CODE: &str = "LEACode";
pub(crate) const SOURCE_LEA: &str = "SourceLEA";
pub(crate) const DATE_OF_SEND: &str = "DateOfSend";
pub(crate) const PERIOD_END: &str = "PeriodEnd";
pub(crate) const SUPPLIER_NAME: &str = "SupplierName";
pub(crate) const SUPPLIER_XML_VERSION: &str = "SupplierXMLVersion";
pub(crate) const XML_SCHEMA_VERSION: &str = "XMLSchemaVersion";

pub(crate) const RECORD: &str = "YoungPersonsRecord";
pub(crate) const PERSONAL_DETAILS: &str = "PersonalDetails";
pub(crate) const YOUNG_PERSONS_ID: &str = "YoungPersonsID";
pub(crate) const COHORT_STATUS: &str = "CohortStatus";
pub(crate) const GIVEN_NAME: &str = "GivenName";
pub(crate) const MIDDLE_NAME: &str = "MiddleName";
pub(crate) const FAMILY_NAME: &str = "FamilyName";
pub(crate) const ADDRESS_LINES: [&str; 4] = [
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "AddressLine4",
];
pub(crate) const TOWN: &str = "Town";
pub(crate) const COUNTY: &str = "County";
pub(crate) const POSTCODE: &str = "Postcode";
pub(crate) const GENDER: &str = "Gender";
pub(crate) const DOB: &str = "DOB";
pub(crate) const ETHNICITY: &str = "Ethnicity";
pub(crate) const LEAD_LEA: &str = "LeadLEA";
pub(crate) const EDUCATED_LEA: &str = "EducatedLEA";
pub(crate) const TRANSFERRED_TO: &str = "TransferredToLACode";
pub(crate) const LEA_AT_YEAR_11: &str = "LEACodeAtYear11";
pub(crate) const ULN: &str = "UniqueLearnerNo";
pub(crate) const UPN: &str = "UniquePupilNumber";
pub(crate) const ESTABLISHMENT: &str = "EstablishmentNumber";
pub(crate) const UKPRN: &str = "UKProviderReferenceNumber";
pub(crate) const GUARANTEE_INDICATOR: &str = "GuaranteeStatusIndicator";
pub(crate) const YOUTH_CONTRACT_INDICATOR: &str = "YouthContractIndicator";
pub(crate) const YOUTH_CONTRACT_START: &str = "YouthContractStartDate";
pub(crate) const PREVIOUS_YPID: &str = "PreviousYPIDIdentifier";
pub(crate) const SEPTEMBER_GUARANTEE: &str = "SeptemberGuarantee";
pub(crate) const YEAR_11: &str = "Year11";
pub(crate) const YEAR_12: &str = "Year12";
pub(crate) const GUARANTEE_STATUS: &str = "GuaranteeStatus";
pub(crate) const SEN_SUPPORT_FLAG: &str = "SENSupportFlag";
pub(crate) const ESTABLISHMENT_NAME: &str = "EstablishmentName";
pub(crate) const INTENDED_DESTINATION: &str = "IntendedDestination";
pub(crate) const INTENDED_DESTINATION_YR11: &str = "IntendedDestinationYr11";
pub(crate) const LEVEL_OF_NEED: &str = "LevelOfNeed";
pub(crate) const LEVEL_OF_NEED_CODE: &str = "LevelOfNeedCode";
pub(crate) const SEND_FLAG: &str = "SENDFlag";
pub(crate) const CHARACTERISTICS: &str = "Characteristics";
pub(crate) const CHARACTERISTIC_CODE: &str = "CharacteristicCode";
pub(crate) const ACTIVITIES: &str = "Activities";
pub(crate) const ACTIVITY: &str = "Cohort";
pub(crate) const ACTIVITY_CODE: &str = "ActivityCode";
pub(crate) const START_DATE: &str = "StartDate";
pub(crate) const DATE_ASCERTAINED: &str = "DateAscertained";
pub(crate) const DATE_VERIFIED: &str = "DateVerified";
pub(crate) const REVIEW_DATE: &str = "ReviewDate";
pub(crate) const DUE_TO_LAPSE: &str = "DueToLapseDate";
pub(crate) const CURRENCY_LAPSED: &str = "CurrencyLapsed";
pub(crate) const NEET_START: &str = "NEETStartDate";
pub(crate) const PREDICTED_END: &str = "PredictedEndDate";

pub(crate) const HEADER_NAMES: &[&str] = &[
    FILE_HEADER,
    DATABASES,
    DATABASE_ID,
    DATABASE_ID_XSD,
    SOURCE_LEAS,
    LEA_CODE,
    SOURCE_LEA,
    DATE_OF_SEND,
    PERIOD_END,
    SUPPLIER_NAME,
    SUPPLIER_XML_VERSION,
    XML_SCHEMA_VERSION,
];

pub(crate) const PERSONAL_FIELDS: &[&str] = &[
    YOUNG_PERSONS_ID,
    COHORT_STATUS,
    GIVEN_NAME,
    MIDDLE_NAME,
    FAMILY_NAME,
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "AddressLine4",
    TOWN,
    COUNTY,
    POSTCODE,
    GENDER,
    DOB,
    ETHNICITY,
    LEAD_LEA,
    EDUCATED_LEA,
    TRANSFERRED_TO,
    LEA_AT_YEAR_11,
    ULN,
    UPN,
    GUARANTEE_INDICATOR,
    YOUTH_CONTRACT_INDICATOR,
    YOUTH_CONTRACT_START,
    PREVIOUS_YPID,
    // The gateway's own earlier layout held these per person.
    ESTABLISHMENT,
    UKPRN,
];

pub(crate) const LEVEL_OF_NEED_FIELDS: &[&str] = &[
    LEVEL_OF_NEED_CODE,
    SEND_FLAG,
    SEN_SUPPORT_FLAG,
    CHARACTERISTICS,
];

pub(crate) const GUARANTEE_BLOCK_FIELDS: &[&str] = &[GUARANTEE_STATUS, LEA_CODE];

pub(crate) const ACTIVITY_FIELDS: &[&str] = &[
    ACTIVITY_CODE,
    START_DATE,
    DATE_ASCERTAINED,
    DATE_VERIFIED,
    REVIEW_DATE,
    DUE_TO_LAPSE,
    CURRENCY_LAPSED,
    ESTABLISHMENT,
    ESTABLISHMENT_NAME,
    UKPRN,
    // The gateway's own extension (not in the XSD; never in a return).
    LEVEL_OF_NEED_CODE,
    NEET_START,
    PREDICTED_END,
];

/// Every name that may appear inside a `YoungPersonsRecord`.
pub(crate) const RECORD_NAMES: &[&str] = &[
    RECORD,
    PERSONAL_DETAILS,
    YOUNG_PERSONS_ID,
    COHORT_STATUS,
    GIVEN_NAME,
    MIDDLE_NAME,
    FAMILY_NAME,
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "AddressLine4",
    TOWN,
    COUNTY,
    POSTCODE,
    GENDER,
    DOB,
    ETHNICITY,
    LEAD_LEA,
    EDUCATED_LEA,
    TRANSFERRED_TO,
    LEA_AT_YEAR_11,
    ULN,
    UPN,
    GUARANTEE_INDICATOR,
    YOUTH_CONTRACT_INDICATOR,
    YOUTH_CONTRACT_START,
    PREVIOUS_YPID,
    ESTABLISHMENT,
    ESTABLISHMENT_NAME,
    UKPRN,
    SEPTEMBER_GUARANTEE,
    YEAR_11,
    YEAR_12,
    GUARANTEE_STATUS,
    LEA_CODE,
    LEVEL_OF_NEED,
    LEVEL_OF_NEED_CODE,
    SEND_FLAG,
    SEN_SUPPORT_FLAG,
    CHARACTERISTICS,
    CHARACTERISTIC_CODE,
    INTENDED_DESTINATION,
    INTENDED_DESTINATION_YR11,
    ACTIVITIES,
    ACTIVITY,
    ACTIVITY_CODE,
    START_DATE,
    DATE_ASCERTAINED,
    DATE_VERIFIED,
    REVIEW_DATE,
    DUE_TO_LAPSE,
    CURRENCY_LAPSED,
    NEET_START,
    PREDICTED_END,
];

/// Spellings suppliers write for an element of the schema
/// (nccis-checker.md §6), `(variant, name)`. Names also match in any
/// letter case (`DatabaseID`/`DatabaseId`, `LevelofNeedCode`).
pub(crate) const RECORD_ALIASES: &[(&str, &str)] = &[
    ("NeetStartDate", NEET_START),
    ("LDDFlag", SEND_FLAG),
    ("Characteristic", CHARACTERISTIC_CODE),
    ("LevelofNeedCode", LEVEL_OF_NEED_CODE),
];

pub(crate) const HEADER_ALIASES: &[(&str, &str)] = &[];

/// The DfE ethnicity codes of the NCCIS schema (2015 XSD `EthnicityType`).
pub(crate) const ETHNICITY_CODES: &[&str] = &[
    "WBRI", "WIRI", "WROM", "WOTH", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH",
    "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "OARA", "REFU", "NOBT",
];

/// Whether `name` is an NCCIS root element: `NCCIS` optionally followed by
/// letters and digits (suppliers write e.g. `NCCIS2015`).
pub(crate) fn root_name(name: &str) -> Option<&'static str> {
    let rest = name.strip_prefix(ROOT)?;
    rest.bytes()
        .all(|b| b.is_ascii_alphanumeric())
        .then_some(ROOT)
}
