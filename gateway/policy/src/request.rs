//! The decision request and its translation into a Cedar context.
//!
//! A [`DecisionRequest`] carries facts the gateway has already computed: the agreement with
//! the partner, the subject's age, competence and objection, and the consents that are valid
//! now for this recipient and purpose, split by who gave them (Cedar cannot quantify over a set
//! of consent records, so filtering by recipient, purpose, period and withdrawal happens in
//! Rust). *Which* consents count, and everything else, is decided by the policies.
//!
//! Omitted `agreement`, `consent` and `break_glass` default to the most restrictive facts (no
//! agreement, no consent, no break-glass). Category names are checked against categories.json:
//! an unknown name anywhere in the request is an error, never a silent deny.

use std::collections::BTreeSet;

use cedar_policy::{Context, EntityTypeName, EntityUid, RestrictedExpression};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::error::PolicyError;

/// One question to the policy: may this partner, in this exchange, receive these categories?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// The partner agency asking (from its certificate).
    pub partner: PartnerInfo,
    /// The exchange (Cedar action id), e.g. `eet-status`.
    pub exchange: String,
    /// The data categories asked for; one decision is returned per distinct name, in order.
    pub categories: Vec<String>,
    /// The purpose stated by the officer (from the token).
    pub purpose: String,
    /// The officer's role (from the token).
    pub role: String,
    /// The data sharing agreement with this partner.
    #[serde(default)]
    pub agreement: AgreementFacts,
    /// Facts about the young person.
    pub subject: SubjectFacts,
    /// Consents valid now for this recipient and purpose.
    #[serde(default)]
    pub consent: ConsentFacts,
    /// Safeguarding override.
    #[serde(default)]
    pub break_glass: BreakGlassFacts,
}

/// The principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerInfo {
    /// Stable partner id (entity id of `Gateway::Partner`).
    pub id: String,
    /// `local_authority`, `youth_offending_team`, `jobcentre_plus` or `social_services`.
    pub agency_kind: String,
    /// Three-digit LA code, for local authorities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub la_code: Option<String>,
}

/// The lawful basis named in the agreement (UK GDPR Art. 6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LawfulBasis {
    /// Art. 6(1)(a): every category needs the consent owner's consent. The default, because
    /// it is the most restrictive.
    #[default]
    Consent,
    /// Art. 6(1)(e).
    PublicTask,
    /// Art. 6(1)(c).
    LegalObligation,
}

impl LawfulBasis {
    /// The string the policies compare against.
    pub fn as_str(self) -> &'static str {
        match self {
            LawfulBasis::Consent => "consent",
            LawfulBasis::PublicTask => "public_task",
            LawfulBasis::LegalObligation => "legal_obligation",
        }
    }
}

/// The data sharing agreement between this LA and the partner. `Default` is "no agreement".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgreementFacts {
    /// An agreement with this partner exists.
    pub present: bool,
    /// Signed, started, not expired, not suspended.
    pub in_force: bool,
    /// It names this exchange.
    pub covers_exchange: bool,
    /// The purposes it names.
    pub purposes: BTreeSet<String>,
    /// The data categories it names.
    pub categories: BTreeSet<String>,
    /// Its lawful basis.
    pub lawful_basis: LawfulBasis,
}

/// Facts about the young person. `known: false` means the gateway holds no record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectFacts {
    /// The gateway matched exactly one young person.
    pub known: bool,
    /// Age in whole years today.
    #[serde(default)]
    pub age: u32,
    /// Under 16 and assessed Gillick-competent.
    #[serde(default)]
    pub gillick_competent: bool,
    /// An objection by the person entitled to object is in force.
    #[serde(default)]
    pub objection: bool,
}

/// Category names consented to, valid now, for this recipient and purpose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsentFacts {
    /// Given by the young person.
    pub young_person: BTreeSet<String>,
    /// Given by a parent or carer.
    pub parent: BTreeSet<String>,
}

/// Safeguarding override facts, computed by the gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreakGlassFacts {
    /// The officer invoked break-glass for this request.
    pub invoked: bool,
    /// A justification was recorded.
    pub justification_given: bool,
    /// The request falls inside the break-glass time box.
    pub within_window: bool,
}

/// Builds `Gateway::DataCategory` references, checking names against the catalogue.
pub(crate) struct CategoryRefs<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) type_name: &'a EntityTypeName,
}

impl CategoryRefs<'_> {
    pub(crate) fn uid(&self, name: &str, field: &str) -> Result<EntityUid, PolicyError> {
        if !self.catalog.categories.contains_key(name) {
            return Err(PolicyError::UnknownCategory {
                name: name.to_owned(),
                field: field.to_owned(),
            });
        }
        Ok(category_uid(self.type_name, name))
    }

    fn set(
        &self,
        names: &BTreeSet<String>,
        field: &str,
    ) -> Result<RestrictedExpression, PolicyError> {
        let uids = names
            .iter()
            .map(|n| self.uid(n, field).map(RestrictedExpression::new_entity_uid))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RestrictedExpression::new_set(uids))
    }
}

pub(crate) fn category_uid(type_name: &EntityTypeName, name: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(type_name.clone(), cedar_policy::EntityId::new(name))
}

fn record(
    pairs: impl IntoIterator<Item = (&'static str, RestrictedExpression)>,
) -> Result<RestrictedExpression, PolicyError> {
    RestrictedExpression::new_record(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)))
        .map_err(|e| PolicyError::request(&e))
}

fn strings(values: &BTreeSet<String>) -> RestrictedExpression {
    RestrictedExpression::new_set(values.iter().cloned().map(RestrictedExpression::new_string))
}

/// The Cedar context for a request (see `ExchangeContext` in schema.cedarschema).
pub(crate) fn build_context(
    req: &DecisionRequest,
    refs: &CategoryRefs<'_>,
) -> Result<Context, PolicyError> {
    let a = &req.agreement;
    let agreement = record([
        ("present", RestrictedExpression::new_bool(a.present)),
        ("in_force", RestrictedExpression::new_bool(a.in_force)),
        (
            "covers_exchange",
            RestrictedExpression::new_bool(a.covers_exchange),
        ),
        ("purposes", strings(&a.purposes)),
        (
            "categories",
            refs.set(&a.categories, "agreement.categories")?,
        ),
        (
            "lawful_basis",
            RestrictedExpression::new_string(a.lawful_basis.as_str().to_owned()),
        ),
    ])?;
    let s = &req.subject;
    let subject = record([
        ("known", RestrictedExpression::new_bool(s.known)),
        ("age", RestrictedExpression::new_long(i64::from(s.age))),
        (
            "gillick_competent",
            RestrictedExpression::new_bool(s.gillick_competent),
        ),
        ("objection", RestrictedExpression::new_bool(s.objection)),
    ])?;
    let consent = record([
        (
            "young_person",
            refs.set(&req.consent.young_person, "consent.young_person")?,
        ),
        ("parent", refs.set(&req.consent.parent, "consent.parent")?),
    ])?;
    let b = &req.break_glass;
    let break_glass = record([
        ("invoked", RestrictedExpression::new_bool(b.invoked)),
        (
            "justification_given",
            RestrictedExpression::new_bool(b.justification_given),
        ),
        (
            "within_window",
            RestrictedExpression::new_bool(b.within_window),
        ),
    ])?;
    Context::from_pairs([
        (
            "purpose".to_owned(),
            RestrictedExpression::new_string(req.purpose.clone()),
        ),
        (
            "role".to_owned(),
            RestrictedExpression::new_string(req.role.clone()),
        ),
        ("agreement".to_owned(), agreement),
        ("subject".to_owned(), subject),
        ("consent".to_owned(), consent),
        ("break_glass".to_owned(), break_glass),
    ])
    .map_err(|e| PolicyError::request(&e))
}
