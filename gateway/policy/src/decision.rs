//! The answer: one permit/deny per requested category, with the policies that decided it.

use serde::{Deserialize, Serialize};

/// The decision for one data category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryDecision {
    /// The category name.
    pub category: String,
    /// Whether the category may be released.
    pub permitted: bool,
    /// `@id`s of the policies that determined the decision, sorted: the permits that granted
    /// it, or the forbids that cut it back. Empty for a default deny (no permit applied).
    pub determining_policies: Vec<String>,
    /// Policy evaluation errors. Cedar skips a policy that errors, so any error makes the
    /// category denied (fail closed). Strict validation makes this empty in practice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The decision for a whole request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The exchange asked for.
    pub exchange: String,
    /// The policy set that decided (see `PolicyEngine::policy_set_hash`).
    pub policy_set_hash: String,
    /// One entry per distinct requested category, in request order.
    pub categories: Vec<CategoryDecision>,
}

impl Decision {
    /// Names of the categories that may be released, in request order.
    pub fn permitted_categories(&self) -> Vec<&str> {
        self.names(true)
    }

    /// Names of the categories that must be withheld, in request order.
    pub fn withheld_categories(&self) -> Vec<&str> {
        self.names(false)
    }

    /// The decision for one category, if it was requested.
    pub fn category(&self, name: &str) -> Option<&CategoryDecision> {
        self.categories.iter().find(|c| c.category == name)
    }

    /// Every policy id that determined some category's decision, sorted and once each (what
    /// a disclosure log entry records).
    pub fn determining_policies(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .categories
            .iter()
            .flat_map(|c| c.determining_policies.iter().cloned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// True if any category is permitted.
    pub fn any_permitted(&self) -> bool {
        self.categories.iter().any(|c| c.permitted)
    }

    fn names(&self, permitted: bool) -> Vec<&str> {
        self.categories
            .iter()
            .filter(|c| c.permitted == permitted)
            .map(|c| c.category.as_str())
            .collect()
    }
}
