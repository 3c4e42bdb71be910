//! The category and exchange catalogue, `categories.json`.
//!
//! Data categories are data, not code: their names and attributes (`special`,
//! `requires_consent`) become `Gateway::DataCategory` entities. Each exchange's agency kind and
//! category list mirror `exchanges.cedar` so that callers can ask which categories an exchange
//! may ever release without evaluating policies; a test checks that the two agree.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// One data category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryInfo {
    /// UK GDPR Art. 9 special category.
    pub special: bool,
    /// Released only with the consent owner's consent (or a valid break-glass, unless special).
    pub requires_consent: bool,
    /// What the category holds (documentation only; not visible to policies).
    #[serde(default)]
    pub description: String,
}

/// One exchange (a Cedar action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeInfo {
    /// The only agency kind the exchange answers.
    pub agency_kind: String,
    /// Every category the exchange may ever release (its minimisation list).
    pub categories: Vec<String>,
    /// What the exchange is for (documentation only).
    #[serde(default)]
    pub description: String,
}

/// The parsed `categories.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Categories by name.
    pub categories: BTreeMap<String, CategoryInfo>,
    /// Exchanges by name (the Cedar action id).
    pub exchanges: BTreeMap<String, ExchangeInfo>,
}

impl Catalog {
    /// Parses and checks the catalogue. Problems are pushed as readable lines; the catalogue
    /// is returned whenever the JSON parsed, so that later checks can report more problems.
    pub(crate) fn parse(file: &str, text: &str, problems: &mut Vec<String>) -> Option<Catalog> {
        let catalog: Catalog = match serde_json::from_str(text) {
            Ok(c) => c,
            Err(e) => {
                problems.push(format!("{file}: {e}"));
                return None;
            }
        };
        if catalog.categories.is_empty() {
            problems.push(format!("{file}: no categories defined"));
        }
        for name in catalog.categories.keys() {
            if name.trim().is_empty() || name.trim() != name {
                problems.push(format!("{file}: category name {name:?} is blank or padded"));
            }
        }
        for (exchange, info) in &catalog.exchanges {
            let mut seen = BTreeSet::new();
            for category in &info.categories {
                if !catalog.categories.contains_key(category) {
                    problems.push(format!(
                        "{file}: exchange `{exchange}` lists unknown category `{category}`"
                    ));
                }
                if !seen.insert(category) {
                    problems.push(format!(
                        "{file}: exchange `{exchange}` lists `{category}` twice"
                    ));
                }
            }
        }
        Some(catalog)
    }
}
