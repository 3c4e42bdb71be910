//! From what is recorded to what the policy is told: the facts of one request.
//!
//! The policies (policies/*.cedar) decide; this module only establishes facts, and keeps
//! the few rules Cedar cannot express over sets of records:
//! - a consent counts for this request when it is not withdrawn, today is inside its
//!   validity period, it names the officer's purpose, and its recipient is this partner or
//!   this partner's agency kind. Consents are passed split by who gave them; *which* giver
//!   counts (parent under 16 unless Gillick-competent, the young person from the 16th
//!   birthday) is decided in consent.cedar from `age` and `gillick_competent`, so nothing
//!   has to happen on the 16th birthday: the age changes and the other set counts;
//! - competence is the latest assessment (by date assessed, then recorded), and only
//!   matters under 16;
//! - an objection is in force when not withdrawn and raised by someone entitled to object
//!   now: the young person (at any age: a refusal by the person the record is about only
//!   ever narrows sharing), or a parent while the young person is under 16, whether or
//!   not the child has been assessed Gillick-competent (competence lets the child consent;
//!   it does not cancel the parent's refusal under the Connexions guidance). From the 16th
//!   birthday a parent's objection no longer governs, again with no migration step;
//! - the agreement is the partner's agreement in force today that covers the exchange (if
//!   several, the one that names the officer's purpose, then the most recent).

use std::collections::BTreeSet;

use gateway_domain::YoungPerson;
use gateway_policy::{AgreementFacts, ConsentFacts, LawfulBasis, SubjectFacts};
use gateway_store::{
    AgencyKind, Agreement, CompetenceAssessment, Consent, ConsentRecipient, GivenBy, Objection,
    Partner,
};
use time::Date;

/// Everything recorded about one young person's decisions.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub consents: Vec<Consent>,
    pub objections: Vec<Objection>,
    pub competence: Vec<CompetenceAssessment>,
}

/// Facts about a matched young person, for the policy and for the log.
#[derive(Debug, Clone)]
pub struct PersonFacts {
    pub subject: SubjectFacts,
    pub consent: ConsentFacts,
    /// Who owns consent today.
    pub consent_owner: GivenBy,
    /// The consents that count for this request, by id, with their giver and categories.
    pub applicable: Vec<(String, GivenBy, Vec<String>)>,
}

impl PersonFacts {
    /// Consent ids the released categories relied on: the owner's consents naming a released
    /// category that needs consent.
    pub fn consents_relied_on(&self, released_needing_consent: &[&str]) -> Vec<String> {
        let mut ids: Vec<String> = self
            .applicable
            .iter()
            .filter(|(_, by, cats)| {
                *by == self.consent_owner
                    && cats
                        .iter()
                        .any(|c| released_needing_consent.contains(&c.as_str()))
            })
            .map(|(id, _, _)| id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Whether the young person (rather than a parent) decides today.
pub fn young_person_decides(age: u32, gillick_competent: bool) -> bool {
    age >= 16 || gillick_competent
}

/// The latest competence assessment's verdict.
pub fn latest_competence(assessments: &[CompetenceAssessment]) -> bool {
    assessments
        .iter()
        .max_by_key(|a| (a.assessed_on, a.recorded_at))
        .is_some_and(|a| a.competent)
}

/// Does this consent count for `partner` asking for `purpose` on `today`?
pub fn consent_applies(consent: &Consent, partner: &Partner, purpose: &str, today: Date) -> bool {
    let recipient_matches = match &consent.recipient {
        ConsentRecipient::AgencyKind(kind) => *kind == partner.agency_kind,
        ConsentRecipient::Partner(id) => *id == partner.id,
    };
    consent.withdrawn_at.is_none()
        && consent.valid_from <= today
        && consent.valid_until.is_none_or(|end| today <= end)
        && consent.purposes.iter().any(|p| p == purpose)
        && recipient_matches
}

/// The facts about `person` for `partner` asking for `purpose` on `today`.
pub fn person_facts(
    person: &YoungPerson,
    recorded: &Recorded,
    partner: &Partner,
    purpose: &str,
    today: Date,
) -> PersonFacts {
    let age = person.age_on(today).unwrap_or(0);
    let gillick_competent = age < 16 && latest_competence(&recorded.competence);
    let young_person_governs = young_person_decides(age, gillick_competent);
    let objection = recorded.objections.iter().any(|o| {
        o.withdrawn_at.is_none()
            && match o.raised_by {
                GivenBy::YoungPerson => true,
                // Until the 16th birthday, competent or not.
                GivenBy::ParentCarer => age < 16,
            }
    });
    let mut consent = ConsentFacts::default();
    let mut applicable = Vec::new();
    for c in recorded
        .consents
        .iter()
        .filter(|c| consent_applies(c, partner, purpose, today))
    {
        let set = match c.given_by {
            GivenBy::YoungPerson => &mut consent.young_person,
            GivenBy::ParentCarer => &mut consent.parent,
        };
        set.extend(c.categories.iter().cloned());
        applicable.push((c.id.to_string(), c.given_by, c.categories.clone()));
    }
    PersonFacts {
        subject: SubjectFacts {
            known: true,
            age,
            gillick_competent,
            objection,
        },
        consent,
        consent_owner: if young_person_governs {
            GivenBy::YoungPerson
        } else {
            GivenBy::ParentCarer
        },
        applicable,
    }
}

/// The agreement relied on for `exchange`, and the facts the policy sees about it.
pub fn agreement_facts<'a>(
    partner: &Partner,
    agreements: &'a [Agreement],
    exchange: &str,
    purpose: &str,
    today: Date,
) -> (AgreementFacts, Option<&'a Agreement>) {
    let with_partner: Vec<&Agreement> = agreements
        .iter()
        .filter(|a| a.parties.iter().any(|p| p == partner.id.as_str()))
        .collect();
    let best = with_partner
        .iter()
        .copied()
        .filter(|a| a.in_force_on(today) && a.exchanges.iter().any(|e| e == exchange))
        .max_by_key(|a| (a.purposes.iter().any(|p| p == purpose), a.starts_on));
    let Some(agreement) = best.or_else(|| with_partner.first().copied()) else {
        return (AgreementFacts::default(), None);
    };
    let facts = AgreementFacts {
        present: true,
        in_force: agreement.in_force_on(today),
        covers_exchange: agreement.exchanges.iter().any(|e| e == exchange),
        purposes: agreement.purposes.iter().cloned().collect::<BTreeSet<_>>(),
        categories: agreement.data_categories.iter().cloned().collect(),
        lawful_basis: match agreement.lawful_basis {
            gateway_store::LawfulBasis::Consent => LawfulBasis::Consent,
            gateway_store::LawfulBasis::PublicTask => LawfulBasis::PublicTask,
            gateway_store::LawfulBasis::LegalObligation => LawfulBasis::LegalObligation,
        },
    };
    (facts, Some(agreement))
}

/// The agency kind as the policy names it.
pub fn agency_kind_name(kind: AgencyKind) -> &'static str {
    kind.as_str()
}

#[cfg(test)]
#[path = "facts_tests.rs"]
mod tests;
