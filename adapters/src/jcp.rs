//! Jobcentre Plus exchanges.
//!
//! (a) [`RegistrationConfirmation`]: the LA's answer to "has this 16/17 year
//! old registered with the LA for employment and training?" (JSA Regs 1996
//! reg.62): registered Y/N, the registration date, and whether the young
//! person is in EET, seeking EET (619) or neither ([`EetState`]). Never the
//! activity code itself: it would reveal custody (130, 290, 710), illness
//! (640), pregnancy (650) or caring (620, 630) to DWP. A lapsed or unknown
//! activity is `not_known`, never the stale state.
//!
//! (b) [`DwpNotice`]: the inbound notice DWP sends about a 16/17-year-old
//! claimant. Education and Skills Act 2008 s.15 limits what DWP may supply
//! to the young person's name, address and date of birth and their parent's
//! name and address. [`DwpNotice::parse`] accepts exactly those fields and
//! **refuses the whole notice** if it carries anything else (a NINO, benefit
//! details, health information, a phone number...), naming every offending
//! field path (never its value), so nothing beyond s.15 can be stored. A
//! value that is itself a National Insurance or NHS number (an identifier
//! smuggled into a name or address line) is refused the same way.
//!
//! Notice schema (all other keys are refused):
//!
//! ```json
//! {
//!   "young_person": {
//!     "given_name": "..", "middle_name": ".." (optional), "family_name": "..",
//!     "date_of_birth": "CCYY-MM-DD",
//!     "address": {"lines": [".."] (0-4), "town": ".."?, "county": ".."?, "postcode": ".."?}
//!   },
//!   "parent": {                                   (optional)
//!     "given_name": "..", "family_name": "..",
//!     "address": { as above } (optional)
//!   }
//! }
//! ```

use std::fmt;

use gateway_domain::{
    ActivityCode, Address, CurrencyWindows, NhsNumber, Nino, Postcode, YoungPerson, dates,
};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use time::Date;

use crate::json::{JsonError, MAX_JSON_BYTES, from_slice, map_error, printable_key};
use crate::xml::text::{check_text, parse_date};

// ---------------------------------------------------------------- (a) ----

/// `Y` or `N` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum YesNo {
    #[serde(rename = "Y")]
    Yes,
    #[serde(rename = "N")]
    No,
}

/// Whether the young person is in education, employment or training, as Jobcentre Plus
/// may learn it: three states from domain.md, and `not_known` for a lapsed, missing or
/// not-known activity (currency: a lapsed status is reported as not known, never as the
/// stale value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EetState {
    /// Any education, employment, training or re-engagement code (2xx-4xx, 530, 550).
    InEet,
    /// 619: seeking employment, education or training.
    SeekingEet,
    /// Every other current code: NEET (other than 619), custody, pre-16 codes.
    Neither,
    /// No current activity: none recorded, lapsed, or an 8xx / 150 not-known code.
    NotKnown,
}

impl EetState {
    /// The state a current activity code reports.
    pub fn of(code: Option<ActivityCode>) -> Self {
        match code {
            None => EetState::NotKnown,
            Some(ActivityCode::SeekingEet) => EetState::SeekingEet,
            Some(c) if c.is_eet() => EetState::InEet,
            Some(c) if c.group() == gateway_domain::ActivityGroup::NotKnown => EetState::NotKnown,
            Some(ActivityCode::NotKnownPre16) => EetState::NotKnown,
            Some(_) => EetState::Neither,
        }
    }
}

/// The registration confirmation sent to Jobcentre Plus.
///
/// Invariant (checked when deserialising): `registered = Y` exactly when a
/// `registration_date` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawConfirmation")]
pub struct RegistrationConfirmation {
    pub registered: YesNo,
    #[serde(with = "dates::iso::option")]
    pub registration_date: Option<Date>,
    /// In EET, seeking EET, neither, or not known.
    pub eet: EetState,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfirmation {
    registered: YesNo,
    #[serde(default, with = "dates::iso::option")]
    registration_date: Option<Date>,
    eet: EetState,
}

/// Why a confirmation is inconsistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmationError {
    #[error("registered = Y requires registration_date")]
    RegisteredWithoutDate,
    #[error("registration_date given with registered = N")]
    DateWithoutRegistration,
}

impl TryFrom<RawConfirmation> for RegistrationConfirmation {
    type Error = ConfirmationError;
    fn try_from(r: RawConfirmation) -> Result<Self, Self::Error> {
        match (r.registered, r.registration_date) {
            (YesNo::Yes, None) => Err(ConfirmationError::RegisteredWithoutDate),
            (YesNo::No, Some(_)) => Err(ConfirmationError::DateWithoutRegistration),
            _ => Ok(RegistrationConfirmation {
                registered: r.registered,
                registration_date: r.registration_date,
                eet: r.eet,
            }),
        }
    }
}

impl RegistrationConfirmation {
    /// The answer for `p` on `today`.
    pub fn from_record(p: &YoungPerson, windows: &CurrencyWindows, today: Date) -> Self {
        let registration = p.benefit_registration.as_ref();
        RegistrationConfirmation {
            registered: if registration.is_some() {
                YesNo::Yes
            } else {
                YesNo::No
            },
            registration_date: registration.map(|r| r.registered_on),
            eet: EetState::of(
                p.current_currency(windows, today)
                    .and_then(|c| c.reported_code()),
            ),
        }
    }

    /// Registered and currently seeking employment, education or training (619).
    pub fn is_seeking_eet(&self) -> bool {
        self.registered == YesNo::Yes && self.eet == EetState::SeekingEet
    }

    /// Parse a confirmation (as a partner would), refusing unknown fields.
    pub fn from_json(bytes: &[u8]) -> Result<Self, JsonError> {
        from_slice(bytes)
    }
}

// ---------------------------------------------------------------- (b) ----

/// The young person as a DWP notice may describe them. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct NoticeSubject {
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub date_of_birth: Date,
    pub address: Address,
}

/// The parent as a DWP notice may describe them. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct NoticeParent {
    pub given_name: String,
    pub family_name: String,
    pub address: Option<Address>,
}

/// A DWP notice reduced to what ESA 2008 s.15 allows.
#[derive(Clone, PartialEq, Eq)]
pub struct DwpNotice {
    pub young_person: NoticeSubject,
    pub parent: Option<NoticeParent>,
}

impl fmt::Debug for DwpNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DwpNotice")
            .field("parent", &self.parent.is_some())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for NoticeSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NoticeSubject(<redacted>)")
    }
}

impl fmt::Debug for NoticeParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NoticeParent(<redacted>)")
    }
}

/// Why a notice was refused. Field paths only, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoticeError {
    /// Fields beyond ESA 2008 s.15 (name, address, DOB, parent's name and
    /// address). The whole notice is refused; nothing of it may be stored.
    #[error("fields beyond ESA 2008 s.15 (refused, not stored): {}", fields.join(", "))]
    BeyondSection15 { fields: Vec<String> },
    /// A value is itself an identifier DWP may not send (NINO, NHS number).
    #[error("{field}: value is an identifier beyond ESA 2008 s.15 (refused, not stored)")]
    IdentifierInValue { field: String },
    #[error("{field}: required field is missing")]
    Missing { field: String },
    #[error("{field}: given more than once")]
    Duplicate { field: String },
    #[error("{field}: {problem}")]
    Invalid {
        field: String,
        problem: &'static str,
    },
    /// ESA 2008 s.15 concerns 16 and 17 year olds.
    #[error("date_of_birth: the young person is not 16 or 17 on the date of the notice")]
    AgeOutOfScope,
    #[error(transparent)]
    Json(#[from] JsonError),
}

/// A JSON value that keeps duplicate keys and their order.
enum J {
    Null,
    Bool,
    Number,
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool => "a boolean",
            J::Number => "a number",
            J::Str(_) => "a string",
            J::Arr(_) => "an array",
            J::Obj(_) => "an object",
        }
    }
}

struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<J, E> {
        Ok(J::Bool)
    }
    fn visit_i64<E>(self, _: i64) -> Result<J, E> {
        Ok(J::Number)
    }
    fn visit_u64<E>(self, _: u64) -> Result<J, E> {
        Ok(J::Number)
    }
    fn visit_f64<E>(self, _: f64) -> Result<J, E> {
        Ok(J::Number)
    }
    fn visit_str<E>(self, v: &str) -> Result<J, E> {
        Ok(J::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<J, E> {
        Ok(J::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(JSeed)? {
            out.push(v);
        }
        Ok(J::Arr(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(JSeed)?;
            out.push((k, v));
        }
        Ok(J::Obj(out))
    }
}

struct JSeed;

impl<'de> DeserializeSeed<'de> for JSeed {
    type Value = J;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

fn path(parent: &str, key: &str) -> String {
    let key = printable_key(key);
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

/// Walk an object: record every key not in `allowed` (at this level) and
/// every duplicate, return the allowed entries.
fn entries<'j>(
    value: &'j J,
    at: &str,
    allowed: &[&str],
    beyond: &mut Vec<String>,
) -> Result<Vec<(&'j str, &'j J)>, NoticeError> {
    let J::Obj(fields) = value else {
        return Err(NoticeError::Invalid {
            field: if at.is_empty() {
                "notice".to_owned()
            } else {
                at.to_owned()
            },
            problem: "must be an object",
        });
    };
    let mut out: Vec<(&str, &J)> = Vec::new();
    for (k, v) in fields {
        if !allowed.contains(&k.as_str()) {
            beyond.push(path(at, k));
        } else if out.iter().any(|(seen, _)| *seen == k) {
            return Err(NoticeError::Duplicate { field: path(at, k) });
        } else {
            out.push((k, v));
        }
    }
    Ok(out)
}

fn get<'j>(e: &[(&str, &'j J)], key: &str) -> Option<&'j J> {
    e.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// A free-text value: a string, no control characters, not an identifier.
fn text(v: &J, field: String) -> Result<Option<String>, NoticeError> {
    match v {
        J::Null => Ok(None),
        J::Str(s) => {
            let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            if Nino::parse(&compact).is_ok() || NhsNumber::parse(&compact).is_ok() {
                return Err(NoticeError::IdentifierInValue { field });
            }
            match check_text(s, 256) {
                Ok(()) => Ok(Some(s.clone())),
                Err(crate::xml::text::TextProblem::Blank) => Ok(None),
                Err(p) => Err(NoticeError::Invalid {
                    field,
                    problem: p.message(),
                }),
            }
        }
        other => Err(NoticeError::Invalid {
            field,
            problem: if matches!(other, J::Number) {
                "must be a string, not a number"
            } else {
                "must be a string"
            },
        }),
    }
}

fn req_text(e: &[(&str, &J)], at: &str, key: &str) -> Result<String, NoticeError> {
    match get(e, key) {
        None => Err(NoticeError::Missing {
            field: path(at, key),
        }),
        Some(v) => text(v, path(at, key))?.ok_or(NoticeError::Missing {
            field: path(at, key),
        }),
    }
}

fn opt_text(e: &[(&str, &J)], at: &str, key: &str) -> Result<Option<String>, NoticeError> {
    get(e, key).map_or(Ok(None), |v| text(v, path(at, key)))
}

const ADDRESS_KEYS: &[&str] = &["lines", "town", "county", "postcode"];

fn address(v: &J, at: &str, beyond: &mut Vec<String>) -> Result<Address, NoticeError> {
    let e = entries(v, at, ADDRESS_KEYS, beyond)?;
    let mut lines = Vec::new();
    if let Some(l) = get(&e, "lines") {
        let J::Arr(items) = l else {
            return Err(NoticeError::Invalid {
                field: path(at, "lines"),
                problem: "must be an array of strings",
            });
        };
        if items.len() > gateway_domain::record::MAX_ADDRESS_LINES {
            return Err(NoticeError::Invalid {
                field: path(at, "lines"),
                problem: "at most four address lines",
            });
        }
        for item in items {
            if let Some(line) = text(item, path(at, "lines"))? {
                lines.push(line);
            }
        }
    }
    let town = opt_text(&e, at, "town")?;
    let county = opt_text(&e, at, "county")?;
    let postcode = match get(&e, "postcode") {
        None | Some(J::Null) => None,
        Some(J::Str(s)) => Some(Postcode::parse(s).map_err(|_| NoticeError::Invalid {
            field: path(at, "postcode"),
            problem: "not a valid postcode",
        })?),
        Some(other) => {
            return Err(NoticeError::Invalid {
                field: path(at, "postcode"),
                problem: if other.kind() == "a number" {
                    "must be a string, not a number"
                } else {
                    "must be a string"
                },
            });
        }
    };
    Address::new(lines, town, county, postcode).map_err(|_| NoticeError::Invalid {
        field: path(at, "lines"),
        problem: "at most four address lines",
    })
}

impl DwpNotice {
    /// Parse and check a notice received on `today`.
    pub fn parse(bytes: &[u8], today: Date) -> Result<DwpNotice, NoticeError> {
        if bytes.len() > MAX_JSON_BYTES {
            return Err(JsonError::TooLarge {
                max: MAX_JSON_BYTES,
            }
            .into());
        }
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let root = JSeed.deserialize(&mut de).map_err(|e| map_error(&e))?;
        de.end().map_err(|e| map_error(&e))?;

        // First pass: collect everything beyond s.15 at every level we know.
        let mut beyond = Vec::new();
        let top = entries(&root, "", &["young_person", "parent"], &mut beyond)?;
        let yp = get(&top, "young_person");
        let yp_entries = match yp {
            Some(v) => Some(entries(
                v,
                "young_person",
                &[
                    "given_name",
                    "middle_name",
                    "family_name",
                    "date_of_birth",
                    "address",
                ],
                &mut beyond,
            )?),
            None => None,
        };
        let parent_entries = match get(&top, "parent") {
            None | Some(J::Null) => None,
            Some(v) => Some(entries(
                v,
                "parent",
                &["given_name", "family_name", "address"],
                &mut beyond,
            )?),
        };
        // Address objects are walked for unknown keys before anything else
        // is reported, so the sender learns every offending field at once.
        let yp_address = yp_entries
            .as_ref()
            .and_then(|e| get(e, "address"))
            .map(|a| address(a, "young_person.address", &mut beyond));
        let parent_address = match parent_entries.as_ref().and_then(|e| get(e, "address")) {
            None | Some(J::Null) => None,
            Some(a) => Some(address(a, "parent.address", &mut beyond)),
        };
        if !beyond.is_empty() {
            return Err(NoticeError::BeyondSection15 { fields: beyond });
        }

        let Some(e) = yp_entries else {
            return Err(NoticeError::Missing {
                field: "young_person".to_owned(),
            });
        };
        let given_name = req_text(&e, "young_person", "given_name")?;
        let middle_name = opt_text(&e, "young_person", "middle_name")?;
        let family_name = req_text(&e, "young_person", "family_name")?;
        let date_of_birth = match get(&e, "date_of_birth") {
            None => {
                return Err(NoticeError::Missing {
                    field: "young_person.date_of_birth".to_owned(),
                });
            }
            Some(J::Str(s)) => parse_date(s).ok_or(NoticeError::Invalid {
                field: "young_person.date_of_birth".to_owned(),
                problem: "must be a date CCYY-MM-DD",
            })?,
            Some(_) => {
                return Err(NoticeError::Invalid {
                    field: "young_person.date_of_birth".to_owned(),
                    problem: "must be a date CCYY-MM-DD",
                });
            }
        };
        let address = match yp_address {
            Some(a) => a?,
            None => {
                return Err(NoticeError::Missing {
                    field: "young_person.address".to_owned(),
                });
            }
        };
        if !dates::age_on(date_of_birth, today).is_some_and(|age| (16..=17).contains(&age)) {
            return Err(NoticeError::AgeOutOfScope);
        }
        let parent = match parent_entries {
            None => None,
            Some(pe) => Some(NoticeParent {
                given_name: req_text(&pe, "parent", "given_name")?,
                family_name: req_text(&pe, "parent", "family_name")?,
                address: parent_address.transpose()?,
            }),
        };
        Ok(DwpNotice {
            young_person: NoticeSubject {
                given_name,
                middle_name,
                family_name,
                date_of_birth,
                address,
            },
            parent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_domain::{Activity, BenefitRegistration, LaCode, synthetic::cohort};
    use time::macros::date;

    const TODAY: Date = date!(2025 - 03 - 15);

    const GOOD: &str = r#"{
        "young_person": {
            "given_name": "Amy", "family_name": "O'Neil", "date_of_birth": "2008-06-01",
            "address": {"lines": ["1 High St"], "town": "Maidstone", "postcode": "ME14 1XQ"}
        },
        "parent": {"given_name": "Sam", "family_name": "O'Neil"}
    }"#;

    #[test]
    fn accepts_section_15_fields_only() {
        let n = DwpNotice::parse(GOOD.as_bytes(), TODAY).unwrap();
        assert_eq!(n.young_person.family_name, "O'Neil");
        assert_eq!(
            n.young_person.address.postcode().unwrap().as_str(),
            "ME141XQ"
        );
        assert!(n.parent.unwrap().address.is_none());
        assert!(
            !format!("{:?}", DwpNotice::parse(GOOD.as_bytes(), TODAY).unwrap()).contains("Amy")
        );
    }

    #[test]
    fn refuses_anything_beyond_section_15_naming_fields_not_values() {
        let bad = r#"{
            "young_person": {
                "given_name": "Amy", "family_name": "Smith", "date_of_birth": "2008-06-01",
                "address": {"lines": ["1 High St"], "phone": "07700900123"},
                "nino": "AB123456C", "benefit": {"type": "UC"}, "health": "asthma"
            },
            "claim_reference": "X1"
        }"#;
        let e = DwpNotice::parse(bad.as_bytes(), TODAY).unwrap_err();
        let NoticeError::BeyondSection15 { fields } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            fields,
            &[
                "claim_reference",
                "young_person.nino",
                "young_person.benefit",
                "young_person.health",
                "young_person.address.phone"
            ]
        );
        let msg = e.to_string();
        for value in [
            "AB123456C",
            "asthma",
            "07700900123",
            "UC",
            "X1",
            "Amy",
            "Smith",
        ] {
            assert!(!msg.contains(value), "{msg}");
        }
    }

    #[test]
    fn refuses_identifiers_smuggled_into_values_and_bad_shapes() {
        let smuggled = GOOD.replace("1 High St", "AB 12 34 56 C");
        assert!(matches!(
            DwpNotice::parse(smuggled.as_bytes(), TODAY),
            Err(NoticeError::IdentifierInValue { field }) if field == "young_person.address.lines"
        ));
        let dup = r#"{"young_person": {"given_name": "A", "given_name": "B"}}"#;
        assert!(matches!(
            DwpNotice::parse(dup.as_bytes(), TODAY),
            Err(NoticeError::Duplicate { .. })
        ));
        let key_is_id = r#"{"AB123456C": 1}"#;
        let e = DwpNotice::parse(key_is_id.as_bytes(), TODAY).unwrap_err();
        assert!(!e.to_string().contains("AB123456C"), "{e}");
        let too_old = GOOD.replace("2008-06-01", "2000-06-01");
        assert_eq!(
            DwpNotice::parse(too_old.as_bytes(), TODAY),
            Err(NoticeError::AgeOutOfScope)
        );
        for junk in ["", "[]", "null", "{", "{\"young_person\": 5}", "\u{0}"] {
            assert!(
                DwpNotice::parse(junk.as_bytes(), TODAY).is_err(),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn registration_confirmation() {
        let mut p = cohort(2, 1, TODAY, LaCode::parse("886").unwrap())
            .next()
            .unwrap();
        p.activities = vec![Activity::new(
            ActivityCode::SeekingEet,
            date!(2025 - 03 - 01),
            date!(2025 - 03 - 01),
            date!(2025 - 03 - 01),
        )];
        p.benefit_registration = Some(BenefitRegistration {
            registered_on: date!(2025 - 03 - 01),
        });
        let w = CurrencyWindows::default();
        let c = RegistrationConfirmation::from_record(&p, &w, TODAY);
        assert!(c.is_seeking_eet());
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"registered":"Y","registration_date":"2025-03-01","eet":"seeking_eet"}"#
        );
        assert_eq!(
            RegistrationConfirmation::from_json(json.as_bytes()).unwrap(),
            c
        );
        // Lapsed: reported as not known.
        let later = RegistrationConfirmation::from_record(&p, &w, date!(2025 - 07 - 01));
        assert_eq!(later.eet, EetState::NotKnown);
        for bad in [
            r#"{"registered":"Y","registration_date":null,"eet":"seeking_eet"}"#,
            r#"{"registered":"N","registration_date":"2025-03-01","eet":"seeking_eet"}"#,
            r#"{"registered":"Y","registration_date":"2025-03-01","eet":"seeking_eet","nino":"AB123456C"}"#,
            r#"{"registered":"maybe","eet":"seeking_eet"}"#,
            r#"{"registered":"N","eet":"maybe"}"#,
            r#"{"registered":"N","eet":619}"#,
        ] {
            let e = RegistrationConfirmation::from_json(bad.as_bytes()).unwrap_err();
            assert!(
                !e.to_string().contains("AB123456C") && !e.to_string().contains("maybe"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_eet_state_never_says_more_than_three_states() {
        use ActivityCode as A;
        // Custody, illness, pregnancy and caring all read the same: neither.
        for code in [
            A::CustodialSentence,
            A::CustodyYoungAdultOffender,
            A::Illness,
            A::Pregnancy,
            A::YoungCarer,
            A::TeenageParent,
            A::NotYetReady,
        ] {
            assert_eq!(EetState::of(Some(code)), EetState::Neither, "{code}");
        }
        // 290 is education in a juvenile custodial institution: in EET like any 2xx code.
        for code in [
            A::CustodialInstitutionJuvenile,
            A::Apprenticeship,
            A::FurtherEducation,
        ] {
            assert_eq!(EetState::of(Some(code)), EetState::InEet, "{code}");
        }
        assert_eq!(EetState::of(Some(A::SeekingEet)), EetState::SeekingEet);
        for code in [A::NotKnown, A::CannotBeContacted, A::RefusedToDisclose] {
            assert_eq!(EetState::of(Some(code)), EetState::NotKnown, "{code}");
        }
        assert_eq!(EetState::of(None), EetState::NotKnown);
    }
}
