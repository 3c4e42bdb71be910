//! Where a policy set comes from (the built-in set or a directory), its files, their hash,
//! and readable diagnostics.
//!
//! The built-in set is the repository's `policies/` folder as it was when the crate was
//! built (see `build.rs`), so the binary needs no files beside it; a directory given by the
//! operator replaces it. A directory holds `schema.cedarschema`, `categories.json` and any number of `*.cedar`
//! files (not recursive; other files, such as the `tests/` folder, are ignored). The policy
//! set hash is SHA-256 over every one of those files, in byte order of their names, each
//! framed as `len(name) ‖ name ‖ len(content) ‖ content` with lengths as 8-byte big-endian
//! integers, so that no two different directories hash alike. Case files are not hashed: they
//! do not change any decision.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use miette::Diagnostic;

use crate::error::PolicyError;

/// File name of the Cedar schema.
pub const SCHEMA_FILE: &str = "schema.cedarschema";
/// File name of the category and exchange catalogue.
pub const CATEGORIES_FILE: &str = "categories.json";

/// The shipped policy set, embedded at build time by `build.rs`.
mod built_in {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// Where a policy set (and its table-driven cases) comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// The set shipped with the gateway, built into the binary, with its cases.
    BuiltIn,
    /// A directory given by the operator, with its cases in `tests/`.
    Directory(PathBuf),
}

impl PolicySource {
    /// `Directory(dir)` when a directory is configured, else `BuiltIn`.
    pub fn configured(dir: Option<&Path>) -> PolicySource {
        dir.map_or(PolicySource::BuiltIn, |dir| {
            PolicySource::Directory(dir.to_owned())
        })
    }
}

impl fmt::Display for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySource::BuiltIn => f.write_str("the built-in policy set"),
            PolicySource::Directory(dir) => write!(f, "the policy directory {}", dir.display()),
        }
    }
}

/// The cases shipped with the built-in set: (file name, contents), sorted by name.
pub(crate) fn built_in_cases() -> impl Iterator<Item = (String, String)> {
    built_in::CASES
        .iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
}

/// The raw contents of a policy set.
#[derive(Debug, Clone)]
pub(crate) struct Sources {
    pub(crate) schema: String,
    pub(crate) categories: String,
    /// `*.cedar` file name → contents, sorted by name.
    pub(crate) policies: BTreeMap<String, String>,
}

impl Sources {
    /// The set built into the binary.
    pub(crate) fn built_in() -> Sources {
        Sources {
            schema: built_in::SCHEMA.to_owned(),
            categories: built_in::CATEGORIES.to_owned(),
            policies: built_in::POLICIES
                .iter()
                .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
                .collect(),
        }
    }

    pub(crate) fn read(dir: &Path) -> Result<Sources, PolicyError> {
        let entries = std::fs::read_dir(dir).map_err(|e| PolicyError::dir(dir, e))?;
        let mut policies = BTreeMap::new();
        for entry in entries {
            let entry = entry.map_err(|e| PolicyError::io(dir, e))?;
            let path = entry.path();
            let is_file = entry
                .file_type()
                .map_err(|e| PolicyError::io(&path, e))?
                .is_file();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if is_file && name.ends_with(".cedar") {
                policies.insert(name.to_owned(), read_text(&path)?);
            }
        }
        if policies.is_empty() {
            return Err(PolicyError::invalid(format!(
                "{}: no *.cedar policy files",
                dir.display()
            )));
        }
        Ok(Sources {
            schema: read_text(&dir.join(SCHEMA_FILE))?,
            categories: read_text(&dir.join(CATEGORIES_FILE))?,
            policies,
        })
    }

    /// Hex SHA-256 of the directory's files (see the module documentation).
    pub(crate) fn hash(&self) -> String {
        let mut files: Vec<(&str, &str)> = vec![
            (SCHEMA_FILE, self.schema.as_str()),
            (CATEGORIES_FILE, self.categories.as_str()),
        ];
        files.extend(self.policies.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        files.sort_unstable();
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for (name, content) in files {
            for part in [name.as_bytes(), content.as_bytes()] {
                ctx.update(&(part.len() as u64).to_be_bytes());
                ctx.update(part);
            }
        }
        hex::encode(ctx.finish().as_ref())
    }
}

fn read_text(path: &Path) -> Result<String, PolicyError> {
    std::fs::read_to_string(path).map_err(|e| PolicyError::io(path, e))
}

/// `file:line:col: message (help: ...)` for a Cedar diagnostic whose spans point into `text`.
pub(crate) fn describe(file: &str, text: &str, diag: &dyn Diagnostic) -> String {
    let position = diag
        .labels()
        .and_then(|mut labels| labels.next())
        .and_then(|label| line_col(text, label.offset()))
        .map(|(line, col)| format!(":{line}:{col}"))
        .unwrap_or_default();
    let help = diag
        .help()
        .map(|h| format!(" (help: {h})"))
        .unwrap_or_default();
    format!("{file}{position}: {diag}{help}")
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> Option<(usize, usize)> {
    let before = text.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, col))
}
