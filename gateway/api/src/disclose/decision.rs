//! Stage 4, the decision: one Cedar decision per category, and what follows from it for the
//! answer and the log. The one decision function of the gateway: exchanges and outbound
//! transfers both call [`decide`].

use gateway_exchange::PersonFacts;
use gateway_policy::{
    AgreementFacts, BreakGlassFacts, ConsentFacts, Decision, DecisionRequest, PartnerInfo,
    PolicyEngine, SubjectFacts,
};
use gateway_store::Partner;

use crate::error::ApiError;

/// Everything the policy is asked.
pub(crate) struct Question<'a> {
    pub partner: &'a Partner,
    pub exchange: &'a str,
    /// Categories a requester is told about: each is either released or withheld.
    pub categories: &'a [String],
    /// Special categories an answer's code would reveal: decided, so the code can be
    /// released when they are permitted, but never named as withheld (naming them would
    /// say what the code is).
    pub concealed: Vec<&'static str>,
    pub purpose: &'a str,
    pub role: &'a str,
    pub agreement: &'a AgreementFacts,
    /// An agreement in force covering the exchange. Without one nothing is released,
    /// whatever the policies say.
    pub usable: bool,
    /// `None` when no one person is known (or nothing about them was read).
    pub person: Option<&'a PersonFacts>,
    pub break_glass: BreakGlassFacts,
}

/// What may be released.
pub(crate) struct Verdict {
    pub decision: Decision,
    /// Of `Question::categories`, those permitted (none without a usable agreement).
    pub released: Vec<String>,
    /// Of `Question::categories`, those not released.
    pub withheld: Vec<String>,
    /// Of `Question::concealed`, those permitted.
    pub concealed_released: Vec<&'static str>,
    /// Consent ids the released categories rely on.
    pub consents: Vec<String>,
    /// Released under a valid safeguarding override.
    pub break_glass_used: bool,
}

impl Verdict {
    /// Every category whose fields may leave.
    pub fn permitted(&self) -> Vec<&str> {
        self.released
            .iter()
            .map(String::as_str)
            .chain(self.concealed_released.iter().copied())
            .collect()
    }
}

pub(crate) fn decide(policy: &PolicyEngine, q: &Question<'_>) -> Result<Verdict, ApiError> {
    let mut categories: Vec<String> = q.categories.to_vec();
    for special in &q.concealed {
        if !categories.iter().any(|c| c == special) {
            categories.push((*special).to_owned());
        }
    }
    let request = DecisionRequest {
        partner: PartnerInfo {
            id: q.partner.id.to_string(),
            agency_kind: q.partner.agency_kind.as_str().to_owned(),
            la_code: q.partner.la_code.clone(),
        },
        exchange: q.exchange.to_owned(),
        categories,
        purpose: q.purpose.to_owned(),
        role: q.role.to_owned(),
        agreement: q.agreement.clone(),
        subject: q
            .person
            .map_or_else(SubjectFacts::default, |f| f.subject.clone()),
        consent: q
            .person
            .map_or_else(ConsentFacts::default, |f| f.consent.clone()),
        break_glass: q.break_glass.clone(),
    };
    let decision = policy
        .decide(&request)
        .map_err(|e| ApiError::internal(e, "policy decision failed"))?;
    let permitted = |c: &str| q.usable && decision.category(c).is_some_and(|d| d.permitted);
    let released: Vec<String> = q
        .categories
        .iter()
        .filter(|c| permitted(c))
        .cloned()
        .collect();
    let withheld: Vec<String> = q
        .categories
        .iter()
        .filter(|c| !released.contains(c))
        .cloned()
        .collect();
    let concealed_released: Vec<&'static str> = q
        .concealed
        .iter()
        .copied()
        .filter(|c| !q.categories.iter().any(|l| l == c) && permitted(c))
        .collect();
    let needing_consent: Vec<&str> = released
        .iter()
        .map(String::as_str)
        .chain(concealed_released.iter().copied())
        .filter(|c| policy.category(c).is_some_and(|i| i.requires_consent))
        .collect();
    let consents = q
        .person
        .map(|f| f.consents_relied_on(&needing_consent))
        .unwrap_or_default();
    let break_glass_used = q.break_glass.invoked
        && decision.categories.iter().any(|c| {
            c.permitted
                && c.determining_policies
                    .iter()
                    .any(|p| p == "permit-break-glass")
        });
    Ok(Verdict {
        decision,
        released,
        withheld,
        concealed_released,
        consents,
        break_glass_used,
    })
}
