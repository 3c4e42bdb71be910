//! The exchanges, each declared once ([`Declaration`], one file per exchange): its name and
//! route, the roles it accepts, its categories, every answer field with its category, the
//! field that carries a code and which codes are special-category data, how such a code is
//! concealed when its category is not released, how the answer is built from the record,
//! and how an upstream provider's answer is checked. Minimisation is then one rule for all
//! of them: a field leaves only if its category was permitted, and a field no table names
//! never leaves (fail closed).
//!
//! Adding an exchange: a file here with its [`Declaration`], a variant of [`Exchange`], an
//! action in `policies/schema.cedarschema`, its categories in `policies/categories.json`,
//! its lines in `policies/exchanges.cedar`, and a handler. [`check_declarations`] refuses to
//! start when the declarations and the policy set disagree.

mod benefit_registration;
mod care_leaver_status;
mod check;
mod eet_status;

use gateway_domain::{CurrencyWindows, YoungPerson};
use serde_json::{Map, Value};
use time::Date;

pub use check::{DeclarationMismatch, check_declarations};

/// The exchanges answered to partner agencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// YOT: is this young person in suitable education, employment or training?
    EetStatus,
    /// Jobcentre Plus: has this 16/17 year old registered with the LA?
    BenefitRegistration,
    /// Leaving-care team: what is this care leaver doing?
    CareLeaverStatus,
}

/// Why an exchange has no answer for a matched person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotApplicable {
    #[error("the young person is not recorded as a care leaver")]
    NotACareLeaver,
    #[error("the answer could not be built")]
    Unshapeable,
    /// An upstream provider answered that it has no answer for this young person.
    #[error("the provider has no answer for the young person")]
    NoAnswer,
}

/// Why a provider's answer was refused. Carries no value from the answer: it may be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the provider's answer is not a valid answer of this exchange")]
pub struct BadAnswer;

/// How an answer whose code reveals a special category that was not released is made to
/// read exactly like the answer for an ordinary code of the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concealment {
    /// The code field is dropped for every code whose `group_field` holds `group`, special
    /// or not: only the group is answered, and it is the same for all of them.
    CodeDroppedInGroup {
        group_field: &'static str,
        group: &'static str,
    },
    /// A special code is replaced by this neighbouring ordinary code.
    CodeGeneralisedTo(&'static str),
    /// The answer carries no code that could reveal a special category.
    NoCode,
}

/// Everything about one exchange, in one place.
#[derive(Debug)]
pub struct Declaration {
    /// The Cedar action id, the `categories.json` exchange and the path segment.
    pub name: &'static str,
    /// The route it is served on.
    pub route: &'static str,
    /// Token roles that may use it. Any other role is refused before anything is looked up.
    pub roles: &'static [&'static str],
    /// The categories it may release (the order answers list them in); the same list as
    /// `categories.json` and `exchanges.cedar`.
    pub categories: &'static [&'static str],
    /// Every answer field and the category it belongs to.
    pub fields: &'static [(&'static str, &'static str)],
    /// The field that carries a code (NCCIS activity, SSDA903 ACTIV), if any.
    pub code_field: Option<&'static str>,
    /// Codes of that field that are special-category data (UK GDPR Art. 9), with the
    /// category each reveals.
    pub special_codes: &'static [(&'static str, &'static str)],
    /// How such a code is hidden when its category is not released.
    pub concealment: Concealment,
    /// The whole answer for a record, before minimisation.
    pub build: fn(&YoungPerson, &CurrencyWindows, Date) -> Result<Value, NotApplicable>,
    /// A provider's answer parsed as the exchange's typed answer and serialised again, or
    /// refused (code lists, dates, invariants).
    pub check_provided: fn(Value) -> Result<Value, BadAnswer>,
}

/// An answer before minimisation, local or provided.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The answer in the gateway's own serialisation.
    pub fields: Map<String, Value>,
    /// The special category its code field reveals (`health`, `pregnancy`), if any.
    pub special: Option<&'static str>,
}

impl Exchange {
    pub const ALL: &'static [Exchange] = &[
        Exchange::EetStatus,
        Exchange::BenefitRegistration,
        Exchange::CareLeaverStatus,
    ];

    /// The exchange's declaration.
    pub fn declaration(self) -> &'static Declaration {
        match self {
            Exchange::EetStatus => &eet_status::DECLARATION,
            Exchange::BenefitRegistration => &benefit_registration::DECLARATION,
            Exchange::CareLeaverStatus => &care_leaver_status::DECLARATION,
        }
    }

    /// The Cedar action id and the path segment.
    pub fn name(self) -> &'static str {
        self.declaration().name
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Exchange::ALL.iter().copied().find(|e| e.name() == name)
    }

    /// Which category each answer field belongs to.
    pub fn field_categories(self) -> &'static [(&'static str, &'static str)] {
        self.declaration().fields
    }

    /// Whether a token role may use this exchange.
    pub fn accepts_role(self, role: &str) -> bool {
        self.declaration().roles.contains(&role)
    }

    /// Every special category this exchange's code field can reveal.
    pub fn special_categories(self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for &(_, category) in self.declaration().special_codes {
            if !out.contains(&category) {
                out.push(category);
            }
        }
        out
    }

    /// The whole answer for `person`, before minimisation.
    pub fn full_answer(
        self,
        person: &YoungPerson,
        windows: &CurrencyWindows,
        today: Date,
    ) -> Result<Answer, NotApplicable> {
        let value = (self.declaration().build)(person, windows, today)?;
        self.answer_of(value).ok_or(NotApplicable::Unshapeable)
    }

    /// Checks a provider's answer: fields no table names are dropped unread (they could
    /// never leave anyway); the rest must parse as the exchange's typed answer.
    pub fn provided_answer(self, raw: Map<String, Value>) -> Result<Answer, BadAnswer> {
        let table = self.field_categories();
        let known: Map<String, Value> = raw
            .into_iter()
            .filter(|(field, _)| table.iter().any(|(f, _)| f == field))
            .collect();
        let checked = (self.declaration().check_provided)(Value::Object(known))?;
        self.answer_of(checked).ok_or(BadAnswer)
    }

    fn answer_of(self, value: Value) -> Option<Answer> {
        let Value::Object(fields) = value else {
            return None;
        };
        let special = self.special_of(&fields);
        Some(Answer { fields, special })
    }

    /// The special category the answer's code reveals, from the declaration's table.
    fn special_of(self, fields: &Map<String, Value>) -> Option<&'static str> {
        let declaration = self.declaration();
        let code = code_text(fields.get(declaration.code_field?)?)?;
        declaration
            .special_codes
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, category)| *category)
    }

    /// The answer as it may leave: a special code whose category is not in `permitted` is
    /// concealed (so the answer reads as it would for an ordinary code), then only the
    /// fields of permitted categories are kept.
    pub fn minimise(self, answer: Answer, permitted: &[&str]) -> Map<String, Value> {
        let declaration = self.declaration();
        let mut fields = answer.fields;
        let special_released = answer.special.is_some_and(|s| permitted.contains(&s));
        if let Some(code_field) = declaration.code_field
            && !special_released
        {
            match declaration.concealment {
                Concealment::CodeDroppedInGroup { group_field, group } => {
                    if fields.get(group_field).and_then(Value::as_str) == Some(group) {
                        fields.remove(code_field);
                    }
                }
                Concealment::CodeGeneralisedTo(ordinary) => {
                    if answer.special.is_some() {
                        fields.insert(code_field.to_owned(), Value::String(ordinary.to_owned()));
                    }
                }
                Concealment::NoCode => {}
            }
        }
        let table = declaration.fields;
        fields
            .into_iter()
            .filter(|(field, _)| {
                table
                    .iter()
                    .find(|(f, _)| f == field)
                    .is_some_and(|(_, c)| permitted.contains(c))
            })
            .collect()
    }
}

/// A code field's value as text (NCCIS codes are numbers, SSDA903 codes strings).
fn code_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Serialises a typed answer (shared by the declarations' builders and checks).
fn to_answer<T: serde::Serialize>(typed: &T) -> Result<Value, NotApplicable> {
    serde_json::to_value(typed).map_err(|_| NotApplicable::Unshapeable)
}

/// Parses a provider's answer as `T` and serialises it again, or refuses it. The serde error
/// is dropped on purpose: its text can quote the provider's values.
fn retyped<T: serde::de::DeserializeOwned + serde::Serialize>(
    value: Value,
) -> Result<Value, BadAnswer> {
    let typed: T = serde_json::from_value(value).map_err(|_| BadAnswer)?;
    serde_json::to_value(&typed).map_err(|_| BadAnswer)
}

#[cfg(test)]
mod tests;
