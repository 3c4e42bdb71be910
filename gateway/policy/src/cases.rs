//! Table-driven policy cases, with coverage and mutation checks.
//!
//! A case file is `policies/tests/*.json`: a JSON list of
//! `{ "name", "note"?, "request": <DecisionRequest>, "expect": { "<category>": "permit" | "deny" },
//! "because"?: { "<category>": ["<policy id>", ...] } }`. `expect` must name exactly the
//! requested categories; `because` lists policies that must be among the determining ones.
//!
//! Besides running the cases, [`PolicyEngine::run_cases`] checks two properties of the suite:
//! *coverage* (every policy is a determining policy in at least one case) and *mutation*
//! (removing any one policy changes at least one expected permit/deny: every rule has a case
//! that would fail without it). Only `expect` counts for mutation; `because` would make every
//! removal trivially detectable.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::PolicyEngine;
use crate::error::PolicyError;
use crate::request::DecisionRequest;
use crate::source::{PolicySource, built_in_cases};

/// An expected (or actual) outcome for one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Released.
    Permit,
    /// Withheld.
    Deny,
}

impl Outcome {
    fn of(permitted: bool) -> Outcome {
        if permitted {
            Outcome::Permit
        } else {
            Outcome::Deny
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Permit => "permit",
            Outcome::Deny => "deny",
        })
    }
}

/// One table-driven case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique, readable name.
    pub name: String,
    /// Why the case exists (rule, legal source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The request.
    pub request: DecisionRequest,
    /// Expected outcome for each requested category.
    pub expect: BTreeMap<String, Outcome>,
    /// Policies that must be among the determining policies of a category.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub because: BTreeMap<String, Vec<String>>,
}

/// The cases of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFile {
    /// File name (not the full path).
    pub file: String,
    /// Its cases, in file order.
    pub cases: Vec<Case>,
}

/// Reads every `*.json` file of `dir`, sorted by name. Unparseable files are reported as
/// `file: error` lines in the second element.
pub fn read_case_files(dir: &Path) -> Result<(Vec<CaseFile>, Vec<String>), PolicyError> {
    let mut paths = Vec::new();
    let listing =
        std::fs::read_dir(dir).map_err(|e| PolicyError::listing("case directory", dir, e))?;
    for entry in listing {
        let path = entry.map_err(|e| PolicyError::io(dir, e))?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut texts = Vec::new();
    for path in paths {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).map_err(|e| PolicyError::io(&path, e))?;
        texts.push((file, text));
    }
    Ok(parse_case_files(texts))
}

/// Parses (file name, contents) pairs, in the order given, as [`read_case_files`] does.
fn parse_case_files(
    texts: impl IntoIterator<Item = (String, String)>,
) -> (Vec<CaseFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in texts {
        match serde_json::from_str::<Vec<Case>>(&text) {
            Ok(cases) => files.push(CaseFile { file, cases }),
            Err(e) => errors.push(format!("{file}: {e}")),
        }
    }
    (files, errors)
}

/// A difference between what a case expects and what the policies decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The permit/deny outcome differs.
    Outcome {
        /// Category.
        category: String,
        /// Expected outcome.
        expected: Outcome,
        /// Actual outcome.
        got: Outcome,
        /// Policies that determined the actual outcome.
        determining_policies: Vec<String>,
    },
    /// A policy listed in `because` did not determine the category.
    Reason {
        /// Category.
        category: String,
        /// Expected among the determining policies.
        missing: Vec<String>,
        /// The actual determining policies.
        determining_policies: Vec<String>,
    },
    /// The case itself is malformed (expectations do not match the requested categories).
    Malformed(String),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Outcome {
                category,
                expected,
                got,
                determining_policies,
            } => write!(
                f,
                "{category}: expected {expected}, got {got} (determining: {})",
                list(determining_policies)
            ),
            Mismatch::Reason {
                category,
                missing,
                determining_policies,
            } => write!(
                f,
                "{category}: expected determining {}, got {}",
                missing.join(", "),
                list(determining_policies)
            ),
            Mismatch::Malformed(m) => write!(f, "malformed case: {m}"),
        }
    }
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "none, default deny".to_owned()
    } else {
        ids.join(", ")
    }
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The case file.
    pub file: String,
    /// The case name.
    pub name: String,
    /// Empty when the case passed.
    pub mismatches: Vec<Mismatch>,
    /// The request could not be decided (e.g. unknown category).
    pub error: Option<String>,
    /// Every policy that determined any category of this case.
    pub determining_policies: BTreeSet<String>,
}

impl CaseResult {
    /// No mismatch and no error.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.error.is_none()
    }

    /// Whether an expected permit/deny differs (ignores `because`).
    fn outcome_failed(&self) -> bool {
        self.error.is_some()
            || self
                .mismatches
                .iter()
                .any(|m| !matches!(m, Mismatch::Reason { .. }))
    }
}

/// The result of running a case directory against a policy directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReport {
    /// Hash of the policy set tested.
    pub policy_set_hash: String,
    /// Every case, in file then case order.
    pub results: Vec<CaseResult>,
    /// Case files that could not be read as a list of cases.
    pub file_errors: Vec<String>,
    /// Duplicate case names (`file: name`).
    pub duplicate_names: Vec<String>,
    /// Policies that never determined a category in any case.
    pub uncovered_policies: Vec<String>,
    /// Policies whose removal changes no expected outcome (no case would notice).
    pub untested_policies: Vec<String>,
}

impl CaseReport {
    /// Number of passing cases.
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    /// Number of failing cases.
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    /// Every case passed, every file parsed, and coverage and mutation checks hold.
    pub fn is_success(&self) -> bool {
        !self.results.is_empty()
            && self.failed() == 0
            && self.file_errors.is_empty()
            && self.duplicate_names.is_empty()
            && self.uncovered_policies.is_empty()
            && self.untested_policies.is_empty()
    }
}

impl fmt::Display for CaseReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "policy set {}", self.policy_set_hash)?;
        for error in &self.file_errors {
            writeln!(f, "ERROR {error}")?;
        }
        for r in &self.results {
            let status = if r.passed() { "ok  " } else { "FAIL" };
            writeln!(f, "{status} {}: {}", r.file, r.name)?;
            if let Some(error) = &r.error {
                writeln!(f, "       error: {error}")?;
            }
            for m in &r.mismatches {
                writeln!(f, "       {m}")?;
            }
        }
        for name in &self.duplicate_names {
            writeln!(f, "ERROR duplicate case name {name}")?;
        }
        if self.uncovered_policies.is_empty() {
            writeln!(f, "coverage: every policy determines at least one case")?;
        } else {
            writeln!(
                f,
                "coverage: FAIL, never a determining policy: {}",
                self.uncovered_policies.join(", ")
            )?;
        }
        if self.untested_policies.is_empty() {
            writeln!(
                f,
                "mutation: removing any one policy fails at least one case"
            )?;
        } else {
            writeln!(
                f,
                "mutation: FAIL, removing these changes no expected outcome: {}",
                self.untested_policies.join(", ")
            )?;
        }
        write!(
            f,
            "{} cases: {} passed, {} failed{}",
            self.results.len(),
            self.passed(),
            self.failed(),
            if self.is_success() { "" } else { " -- FAILED" }
        )
    }
}

/// Loads `policy_dir` and runs every case in `cases_dir` (usually `policy_dir/tests`).
/// Errors only when the policy directory is invalid or a directory cannot be read; failing
/// cases are in the report.
pub fn run_cases(policy_dir: &Path, cases_dir: &Path) -> Result<CaseReport, PolicyError> {
    PolicyEngine::load(policy_dir)?.run_cases(cases_dir)
}

/// Loads the policy set from `source` and runs its own cases: the built-in set's built-in
/// cases, or a directory's `tests/*.json` (what `gateway policy test` runs).
pub fn run_source_cases(source: &PolicySource) -> Result<CaseReport, PolicyError> {
    let engine = PolicyEngine::from_source(source)?;
    match source {
        PolicySource::BuiltIn => {
            let (files, file_errors) = parse_case_files(built_in_cases());
            Ok(engine.run_case_files(&files, file_errors))
        }
        PolicySource::Directory(dir) => engine.run_cases(&dir.join("tests")),
    }
}

impl PolicyEngine {
    /// Runs every case in `cases_dir` against this engine, with coverage and mutation checks.
    pub fn run_cases(&self, cases_dir: &Path) -> Result<CaseReport, PolicyError> {
        let (files, file_errors) = read_case_files(cases_dir)?;
        Ok(self.run_case_files(&files, file_errors))
    }

    /// Runs already-parsed cases, with coverage and mutation checks.
    pub fn run_case_files(&self, files: &[CaseFile], file_errors: Vec<String>) -> CaseReport {
        let results = self.check_all(files);
        let mut names = BTreeSet::new();
        let duplicate_names = files
            .iter()
            .flat_map(|f| {
                f.cases
                    .iter()
                    .map(move |c| (f.file.as_str(), c.name.as_str()))
            })
            .filter(|(_, name)| !names.insert(*name))
            .map(|(file, name)| format!("{file}: {name}"))
            .collect();
        let covered: BTreeSet<&String> = results
            .iter()
            .flat_map(|r| r.determining_policies.iter())
            .collect();
        let ids = self.policy_ids();
        let uncovered_policies = ids
            .iter()
            .filter(|id| !covered.contains(id))
            .cloned()
            .collect();
        let passing: Vec<bool> = results.iter().map(CaseResult::passed).collect();
        let untested_policies = ids
            .iter()
            .filter(|id| !self.removal_detected(id, files, &passing))
            .cloned()
            .collect();
        CaseReport {
            policy_set_hash: self.policy_set_hash().to_owned(),
            results,
            file_errors,
            duplicate_names,
            uncovered_policies,
            untested_policies,
        }
    }

    /// Whether removing policy `id` makes at least one case that passes with the full set
    /// (`passing[i]`, in file then case order) fail on an expected permit/deny.
    fn removal_detected(&self, id: &str, files: &[CaseFile], passing: &[bool]) -> bool {
        match self.without_policy(id) {
            Ok(mutant) => mutant
                .check_all(files)
                .iter()
                .zip(passing)
                .any(|(result, &passed)| passed && result.outcome_failed()),
            Err(_) => false,
        }
    }

    fn check_all(&self, files: &[CaseFile]) -> Vec<CaseResult> {
        files
            .iter()
            .flat_map(|f| f.cases.iter().map(|c| self.check_case(&f.file, c)))
            .collect()
    }

    /// Runs one case.
    pub fn check_case(&self, file: &str, case: &Case) -> CaseResult {
        let mut result = CaseResult {
            file: file.to_owned(),
            name: case.name.clone(),
            mismatches: Vec::new(),
            error: None,
            determining_policies: BTreeSet::new(),
        };
        let requested: BTreeSet<&String> = case.request.categories.iter().collect();
        let expected: BTreeSet<&String> = case.expect.keys().collect();
        for missing in requested.difference(&expected) {
            result.mismatches.push(Mismatch::Malformed(format!(
                "no expectation for requested category `{missing}`"
            )));
        }
        for extra in expected.difference(&requested) {
            result.mismatches.push(Mismatch::Malformed(format!(
                "expectation for `{extra}`, which is not requested"
            )));
        }
        for category in case.because.keys() {
            if !requested.contains(category) {
                result.mismatches.push(Mismatch::Malformed(format!(
                    "`because` names `{category}`, which is not requested"
                )));
            }
        }
        let decision = match self.decide(&case.request) {
            Ok(d) => d,
            Err(e) => {
                result.error = Some(e.to_string());
                return result;
            }
        };
        for d in &decision.categories {
            result
                .determining_policies
                .extend(d.determining_policies.iter().cloned());
            let got = Outcome::of(d.permitted);
            if let Some(&expected) = case.expect.get(&d.category)
                && expected != got
            {
                result.mismatches.push(Mismatch::Outcome {
                    category: d.category.clone(),
                    expected,
                    got,
                    determining_policies: d.determining_policies.clone(),
                });
            }
            if let Some(wanted) = case.because.get(&d.category) {
                let missing: Vec<String> = wanted
                    .iter()
                    .filter(|w| !d.determining_policies.contains(w))
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    result.mismatches.push(Mismatch::Reason {
                        category: d.category.clone(),
                        missing,
                        determining_policies: d.determining_policies.clone(),
                    });
                }
            }
        }
        result
    }
}
