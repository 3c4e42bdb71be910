//! The policy engine: load and validate a policy directory, then decide requests.
//!
//! Guarantees: a `PolicyEngine` only exists for a directory whose schema parses, whose every
//! policy carries a unique `@id`, whose policy set validates against the schema in Cedar's
//! strict mode with no errors and no warnings, whose categories.json conforms to the schema,
//! and whose exchanges are exactly the schema's actions. `decide` never panics; it errors on
//! an unknown exchange or category name and otherwise returns one decision per category.
//!
//! Not guaranteed here: that the facts in the request are true (the caller computes them), or
//! that the policies say what the law says (the table-driven cases in `policies/tests/` and
//! their coverage and mutation checks are the evidence for that).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
    RestrictedExpression, Schema,
};

use crate::catalog::{Catalog, CategoryInfo};
use crate::decision::{CategoryDecision, Decision};
use crate::error::PolicyError;
use crate::request::{CategoryRefs, DecisionRequest, build_context};

/// The Cedar namespace of the gateway's schema.
pub const NAMESPACE: &str = "Gateway";

/// Entity type names used by the engine, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct TypeNames {
    pub(crate) partner: EntityTypeName,
    pub(crate) category: EntityTypeName,
    pub(crate) action: EntityTypeName,
}

impl TypeNames {
    pub(crate) fn new() -> Result<TypeNames, PolicyError> {
        let parse = |name: &str| {
            EntityTypeName::from_str(&format!("{NAMESPACE}::{name}"))
                .map_err(|e| PolicyError::invalid(format!("entity type {name}: {e}")))
        };
        Ok(TypeNames {
            partner: parse("Partner")?,
            category: parse("DataCategory")?,
            action: parse("Action")?,
        })
    }
}

/// A loaded, validated policy directory.
#[derive(Clone)]
pub struct PolicyEngine {
    pub(crate) schema: Schema,
    pub(crate) policies: PolicySet,
    /// policy id → the file it came from.
    pub(crate) policy_files: BTreeMap<String, String>,
    pub(crate) catalog: Catalog,
    /// `Gateway::DataCategory` entities by name (checked against the schema at load).
    pub(crate) category_entities: BTreeMap<String, Entity>,
    pub(crate) names: TypeNames,
    pub(crate) hash: String,
    pub(crate) authorizer: Authorizer,
}

impl fmt::Debug for PolicyEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyEngine")
            .field("policy_set_hash", &self.hash)
            .field("policies", &self.policy_files)
            .field("categories", &self.catalog.categories.keys())
            .field("exchanges", &self.catalog.exchanges.keys())
            .finish_non_exhaustive()
    }
}

impl PolicyEngine {
    /// Hex SHA-256 over the sorted file names and contents of the policy directory (schema,
    /// categories.json and every `*.cedar` file): which policy version decided.
    pub fn policy_set_hash(&self) -> &str {
        &self.hash
    }

    /// Every policy `@id`, sorted.
    pub fn policy_ids(&self) -> Vec<String> {
        self.policy_files.keys().cloned().collect()
    }

    /// The file a policy came from.
    pub fn policy_file(&self, id: &str) -> Option<&str> {
        self.policy_files.get(id).map(String::as_str)
    }

    /// Every data category name, sorted.
    pub fn known_categories(&self) -> Vec<&str> {
        self.catalog.categories.keys().map(String::as_str).collect()
    }

    /// The attributes of a category.
    pub fn category(&self, name: &str) -> Option<&CategoryInfo> {
        self.catalog.categories.get(name)
    }

    /// Every exchange name, sorted.
    pub fn exchanges(&self) -> Vec<&str> {
        self.catalog.exchanges.keys().map(String::as_str).collect()
    }

    /// The categories an exchange may ever release (its minimisation list), or `None` for an
    /// unknown exchange.
    pub fn exchange_categories(&self, exchange: &str) -> Option<&[String]> {
        self.catalog
            .exchanges
            .get(exchange)
            .map(|e| e.categories.as_slice())
    }

    /// The agency kind an exchange answers, or `None` for an unknown exchange.
    pub fn exchange_agency_kind(&self, exchange: &str) -> Option<&str> {
        self.catalog
            .exchanges
            .get(exchange)
            .map(|e| e.agency_kind.as_str())
    }

    /// The actions of the Cedar schema's `Gateway` namespace, sorted (`load` has checked
    /// that they are exactly the catalogue's exchanges).
    pub fn schema_actions(&self) -> Vec<String> {
        let mut actions: Vec<String> = self
            .schema
            .actions()
            .filter(|a| a.type_name() == &self.names.action)
            .map(|a| a.id().unescaped().to_owned())
            .collect();
        actions.sort();
        actions
    }

    /// The parsed categories.json.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The same engine without the policy `id` (for mutation testing: proves a case depends on
    /// the policy). The hash is unchanged; do not use the result to decide real requests.
    pub fn without_policy(&self, id: &str) -> Result<PolicyEngine, PolicyError> {
        if !self.policy_files.contains_key(id) {
            return Err(PolicyError::UnknownPolicy(id.to_owned()));
        }
        let kept = self
            .policies
            .policies()
            .filter(|p| AsRef::<str>::as_ref(p.id()) != id)
            .cloned();
        let policies =
            PolicySet::from_policies(kept).map_err(|e| PolicyError::invalid(e.to_string()))?;
        let mut engine = self.clone();
        engine.policies = policies;
        engine.policy_files.remove(id);
        Ok(engine)
    }

    /// Decides every requested category. Unknown exchange or category names (anywhere in
    /// the request) are errors, not silent denials.
    pub fn decide(&self, req: &DecisionRequest) -> Result<Decision, PolicyError> {
        self.decide_with(req, None)
    }

    /// `decide`, optionally checking the Cedar request and partner entity against the schema.
    /// The shape of both is fixed by this crate (only values vary), so `load` checks it once
    /// per exchange (`check_request_shape`) and `decide` skips the per-request check, which
    /// would otherwise dominate decision time.
    pub(crate) fn decide_with(
        &self,
        req: &DecisionRequest,
        schema: Option<&Schema>,
    ) -> Result<Decision, PolicyError> {
        if !self.catalog.exchanges.contains_key(&req.exchange) {
            return Err(PolicyError::UnknownExchange(req.exchange.clone()));
        }
        let refs = CategoryRefs {
            catalog: &self.catalog,
            type_name: &self.names.category,
        };
        let mut seen = BTreeSet::new();
        let mut resources = Vec::with_capacity(req.categories.len());
        for name in &req.categories {
            let uid = refs.uid(name, "categories")?;
            if seen.insert(name.as_str()) {
                resources.push((name, uid));
            }
        }
        let context = build_context(req, &refs)?;
        let principal = EntityUid::from_type_name_and_id(
            self.names.partner.clone(),
            EntityId::new(&req.partner.id),
        );
        let entities = self.entities_for(req, &principal, &resources, schema)?;
        let action = EntityUid::from_type_name_and_id(
            self.names.action.clone(),
            EntityId::new(&req.exchange),
        );

        let mut categories = Vec::with_capacity(resources.len());
        for (name, resource) in resources {
            let request = Request::new(
                principal.clone(),
                action.clone(),
                resource,
                context.clone(),
                schema,
            )
            .map_err(|e| PolicyError::request(&e))?;
            let response = self
                .authorizer
                .is_authorized(&request, &self.policies, &entities);
            let diagnostics = response.diagnostics();
            let errors: Vec<String> = diagnostics.errors().map(ToString::to_string).collect();
            let mut determining: Vec<String> =
                diagnostics.reason().map(ToString::to_string).collect();
            determining.sort_unstable();
            categories.push(CategoryDecision {
                category: name.clone(),
                permitted: response.decision() == cedar_policy::Decision::Allow
                    && errors.is_empty(),
                determining_policies: determining,
                errors,
            });
        }
        Ok(Decision {
            exchange: req.exchange.clone(),
            policy_set_hash: self.hash.clone(),
            categories,
        })
    }

    /// The entity store for one request: the partner and the requested categories only (the
    /// policies dereference nothing else; category references in sets are compared, not read).
    fn entities_for(
        &self,
        req: &DecisionRequest,
        principal: &EntityUid,
        resources: &[(&String, EntityUid)],
        schema: Option<&Schema>,
    ) -> Result<Entities, PolicyError> {
        let mut attrs = HashMap::from([(
            "agency_kind".to_owned(),
            RestrictedExpression::new_string(req.partner.agency_kind.clone()),
        )]);
        if let Some(code) = &req.partner.la_code {
            attrs.insert(
                "la_code".to_owned(),
                RestrictedExpression::new_string(code.clone()),
            );
        }
        let partner = Entity::new(principal.clone(), attrs, HashSet::new())
            .map_err(|e| PolicyError::request(&e))?;
        let categories = resources
            .iter()
            .filter_map(|(name, _)| self.category_entities.get(name.as_str()).cloned());
        Entities::from_entities(categories.chain([partner]), schema)
            .map_err(|e| PolicyError::request(&e))
    }
}
