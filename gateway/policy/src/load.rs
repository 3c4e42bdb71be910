//! Loading a policy directory: parse, validate strictly, cross-check, or refuse.
//!
//! Every problem found is collected (not just the first), one line each, naming its file and,
//! where Cedar gives a span, line and column.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Entities, Entity, Policy, PolicyId, PolicySet, RestrictedExpression, Schema,
    ValidationMode, Validator,
};

use crate::catalog::Catalog;
use crate::engine::{NAMESPACE, PolicyEngine, TypeNames};
use crate::error::PolicyError;
use crate::request::{
    AgreementFacts, BreakGlassFacts, ConsentFacts, DecisionRequest, PartnerInfo, SubjectFacts,
    category_uid,
};
use crate::source::{CATEGORIES_FILE, PolicySource, SCHEMA_FILE, Sources, describe};

impl PolicyEngine {
    /// Loads the policy set from `source`, validated as [`PolicyEngine::load`] does.
    pub fn from_source(source: &PolicySource) -> Result<PolicyEngine, PolicyError> {
        match source {
            PolicySource::BuiltIn => PolicyEngine::built_in(),
            PolicySource::Directory(dir) => PolicyEngine::load(dir),
        }
    }

    /// The policy set shipped with the gateway (built into the binary), validated as
    /// [`PolicyEngine::load`] does. Its hash is the hash of the `policies/` directory it
    /// was built from.
    pub fn built_in() -> Result<PolicyEngine, PolicyError> {
        PolicyEngine::from_sources(&Sources::built_in())
    }

    /// Loads `schema.cedarschema`, every `*.cedar` file and `categories.json` from `dir`, and
    /// refuses the directory (listing every problem with its file) unless it is valid.
    pub fn load(dir: &Path) -> Result<PolicyEngine, PolicyError> {
        let sources = Sources::read(dir)?;
        PolicyEngine::from_sources(&sources)
    }

    fn from_sources(sources: &Sources) -> Result<PolicyEngine, PolicyError> {
        let names = TypeNames::new()?;
        let mut problems = Vec::new();

        let schema = match Schema::from_cedarschema_str(&sources.schema) {
            Ok((schema, warnings)) => {
                problems.extend(warnings.map(|w| describe(SCHEMA_FILE, &sources.schema, &w)));
                Some(schema)
            }
            Err(e) => {
                problems.push(describe(SCHEMA_FILE, &sources.schema, &e));
                None
            }
        };
        let catalog = Catalog::parse(CATEGORIES_FILE, &sources.categories, &mut problems);
        let (policies, policy_files) = parse_policies(sources, &mut problems);
        let (Some(schema), Some(catalog)) = (schema, catalog) else {
            return Err(PolicyError::Invalid { problems });
        };

        let validator = Validator::new(schema.clone());
        for (file, file_policies) in &policies {
            match PolicySet::from_policies(file_policies.iter().cloned()) {
                Ok(set) => {
                    let text = sources.policies.get(file).map_or("", String::as_str);
                    let result = validator.validate(&set, ValidationMode::Strict);
                    problems.extend(result.validation_errors().map(|e| describe(file, text, e)));
                    problems.extend(
                        result
                            .validation_warnings()
                            .map(|w| format!("{} (warning)", describe(file, text, w))),
                    );
                }
                Err(e) => problems.push(format!("{file}: {e}")),
            }
        }
        check_exchanges(&schema, &catalog, &names, &mut problems);
        check_category_literals(&policies, &catalog, &names, &mut problems);
        let category_entities = match category_entities(&catalog, &schema, &names) {
            Ok(e) => Some(e),
            Err(e) => {
                problems.push(format!("{CATEGORIES_FILE}: {e}"));
                None
            }
        };
        let policy_set = match PolicySet::from_policies(policies.into_values().flatten()) {
            Ok(set) => Some(set),
            Err(e) => {
                problems.push(format!("policy set: {e}"));
                None
            }
        };
        match (policy_set, category_entities) {
            (Some(policies), Some(category_entities)) if problems.is_empty() => {
                let engine = PolicyEngine {
                    schema,
                    policies,
                    policy_files,
                    catalog,
                    category_entities,
                    names,
                    hash: sources.hash(),
                    authorizer: Authorizer::new(),
                };
                engine.check_request_shape()?;
                Ok(engine)
            }
            _ => Err(PolicyError::Invalid { problems }),
        }
    }

    /// Checks, once, that the requests this crate builds conform to the schema: for every
    /// exchange, a request naming every category, with and without an LA code, and with every
    /// set non-empty so that element types are checked too.
    fn check_request_shape(&self) -> Result<(), PolicyError> {
        let all: BTreeSet<String> = self.catalog.categories.keys().cloned().collect();
        for (exchange, info) in &self.catalog.exchanges {
            for la_code in [None, Some("000".to_owned())] {
                let req = DecisionRequest {
                    partner: PartnerInfo {
                        id: "schema-check".into(),
                        agency_kind: info.agency_kind.clone(),
                        la_code,
                    },
                    exchange: exchange.clone(),
                    categories: all.iter().cloned().collect(),
                    purpose: "schema-check".into(),
                    role: "schema-check".into(),
                    agreement: AgreementFacts {
                        purposes: BTreeSet::from(["schema-check".to_owned()]),
                        categories: all.clone(),
                        ..AgreementFacts::default()
                    },
                    subject: SubjectFacts::default(),
                    consent: ConsentFacts {
                        young_person: all.clone(),
                        parent: all.clone(),
                    },
                    break_glass: BreakGlassFacts::default(),
                };
                self.decide_with(&req, Some(&self.schema)).map_err(|e| {
                    PolicyError::invalid(format!(
                        "{SCHEMA_FILE}: the request the gateway builds for `{exchange}` does not \
                         conform to the schema. It builds Partner {{ agency_kind, la_code? }} and \
                         context {{ purpose, role, agreement {{ present, in_force, \
                         covers_exchange, purposes, categories, lawful_basis }}, subject {{ \
                         known, age, gillick_competent, objection }}, consent {{ young_person, \
                         parent }}, break_glass {{ invoked, justification_given, within_window \
                         }} }}. Cedar says: {e}"
                    ))
                })?;
            }
        }
        Ok(())
    }
}

/// Parses every `*.cedar` file; gives each policy its `@id` as Cedar policy id.
/// Returns file → policies, and id → file.
fn parse_policies(
    sources: &Sources,
    problems: &mut Vec<String>,
) -> (BTreeMap<String, Vec<Policy>>, BTreeMap<String, String>) {
    let mut by_file = BTreeMap::new();
    let mut files_by_id: BTreeMap<String, String> = BTreeMap::new();
    for (file, text) in &sources.policies {
        let set = match PolicySet::from_str(text) {
            Ok(set) => set,
            Err(errors) => {
                problems.extend(errors.iter().map(|e| describe(file, text, e)));
                continue;
            }
        };
        if set.templates().next().is_some() {
            problems.push(format!(
                "{file}: templates are not supported; write static policies"
            ));
        }
        let mut policies = Vec::new();
        for policy in set.policies() {
            let Some(id) = policy.annotation("id") else {
                problems.push(format!(
                    "{file}: a policy has no @id(\"...\") annotation: {}",
                    first_line(&policy.to_string())
                ));
                continue;
            };
            if id.trim().is_empty() {
                problems.push(format!("{file}: empty @id"));
                continue;
            }
            if let Some(other) = files_by_id.get(id) {
                problems.push(format!("{file}: duplicate @id(\"{id}\") (also in {other})"));
                continue;
            }
            files_by_id.insert(id.to_owned(), file.clone());
            policies.push(policy.new_id(PolicyId::new(id)));
        }
        by_file.insert(file.clone(), policies);
    }
    (by_file, files_by_id)
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("//"))
        .unwrap_or_default()
        .to_owned()
}

/// The catalogue's exchanges must be exactly the schema's actions.
fn check_exchanges(
    schema: &Schema,
    catalog: &Catalog,
    names: &TypeNames,
    problems: &mut Vec<String>,
) {
    let mut actions = BTreeSet::new();
    for action in schema.actions() {
        if action.type_name() == &names.action {
            actions.insert(action.id().unescaped().to_owned());
        } else {
            problems.push(format!(
                "{SCHEMA_FILE}: action {action} is outside the {NAMESPACE} namespace"
            ));
        }
    }
    let exchanges: BTreeSet<String> = catalog.exchanges.keys().cloned().collect();
    for missing in actions.difference(&exchanges) {
        problems.push(format!(
            "{CATEGORIES_FILE}: action `{missing}` in the schema has no entry in `exchanges`"
        ));
    }
    for extra in exchanges.difference(&actions) {
        problems.push(format!(
            "{CATEGORIES_FILE}: exchange `{extra}` is not an action in {SCHEMA_FILE}"
        ));
    }
}

/// Every `Gateway::DataCategory::"..."` literal in a policy must name a catalogue category: a
/// typo would otherwise silently never match (strict validation checks types, not entity ids).
fn check_category_literals(
    policies: &BTreeMap<String, Vec<Policy>>,
    catalog: &Catalog,
    names: &TypeNames,
    problems: &mut Vec<String>,
) {
    for (file, file_policies) in policies {
        for policy in file_policies {
            for uid in policy.entity_literals() {
                let id = uid.id().unescaped();
                if uid.type_name() == &names.category && !catalog.categories.contains_key(id) {
                    problems.push(format!(
                        "{file}: policy `{}` names unknown category `{id}` (not in {CATEGORIES_FILE})",
                        policy.id()
                    ));
                }
            }
        }
    }
}

/// The `Gateway::DataCategory` entities, checked against the schema.
fn category_entities(
    catalog: &Catalog,
    schema: &Schema,
    names: &TypeNames,
) -> Result<BTreeMap<String, Entity>, String> {
    let entities = catalog
        .categories
        .iter()
        .map(|(name, info)| {
            let attrs = HashMap::from([
                (
                    "special".to_owned(),
                    RestrictedExpression::new_bool(info.special),
                ),
                (
                    "requires_consent".to_owned(),
                    RestrictedExpression::new_bool(info.requires_consent),
                ),
            ]);
            Entity::new(category_uid(&names.category, name), attrs, HashSet::new())
                .map(|entity| (name.clone(), entity))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    Entities::from_entities(entities.values().cloned(), Some(schema)).map_err(|e| e.to_string())?;
    Ok(entities)
}
