//! The declarations against the policy set, at start: an exchange the policies do not know,
//! a category list that differs from `categories.json`, a field of a category the exchange
//! does not have, or a special code whose category is not special would each make an answer
//! wrong in a way no request would show, so the gateway refuses to start instead.

use gateway_policy::PolicyEngine;

use super::{Declaration, Exchange};

/// The first disagreement found, as one sentence for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeclarationMismatch(pub String);

/// Checks every exchange's declaration against `categories.json` and the Cedar schema.
/// `handled_elsewhere` names actions of the schema that are not exchanges (a transfer).
pub fn check_declarations(
    policy: &PolicyEngine,
    handled_elsewhere: &[&str],
) -> Result<(), DeclarationMismatch> {
    let declarations: Vec<&Declaration> = Exchange::ALL.iter().map(|e| e.declaration()).collect();
    check(policy, &declarations, handled_elsewhere)
}

pub(super) fn check(
    policy: &PolicyEngine,
    declarations: &[&Declaration],
    handled_elsewhere: &[&str],
) -> Result<(), DeclarationMismatch> {
    let fail = |sentence: String| Err(DeclarationMismatch(sentence));
    let actions = policy.schema_actions();
    for d in declarations {
        let name = d.name;
        if !actions.iter().any(|a| a == name) {
            return fail(format!(
                "exchange {name} is declared but is not an action of the Cedar schema"
            ));
        }
        let Some(listed) = policy.exchange_categories(name) else {
            return fail(format!(
                "exchange {name} is declared but has no entry in categories.json"
            ));
        };
        let mut declared: Vec<&str> = d.categories.to_vec();
        let mut catalogued: Vec<&str> = listed.iter().map(String::as_str).collect();
        declared.sort_unstable();
        catalogued.sort_unstable();
        if declared != catalogued {
            return fail(format!(
                "exchange {name} declares the categories {} but categories.json lists {}",
                declared.join(", "),
                catalogued.join(", ")
            ));
        }
        if let Some(&(field, category)) = d.fields.iter().find(|(_, c)| !d.categories.contains(c)) {
            return fail(format!(
                "exchange {name} puts field {field} in category {category}, which it does not have"
            ));
        }
        if let Some(code) = d.code_field
            && !d.fields.iter().any(|(f, _)| *f == code)
        {
            return fail(format!(
                "exchange {name} names {code} as its code field but has no such field"
            ));
        }
        if let Some(&(code, category)) = d
            .special_codes
            .iter()
            .find(|(_, c)| !policy.category(c).is_some_and(|info| info.special))
        {
            return fail(format!(
                "exchange {name} treats code {code} as revealing {category}, which categories.json does not mark special"
            ));
        }
        if d.roles.is_empty() {
            return fail(format!("exchange {name} accepts no role"));
        }
    }
    for action in &actions {
        let declared = declarations.iter().any(|d| d.name == action);
        if !declared && !handled_elsewhere.contains(&action.as_str()) {
            return fail(format!(
                "the Cedar schema has an action {action} that no exchange declares"
            ));
        }
    }
    Ok(())
}
