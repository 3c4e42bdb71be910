//! Reading a policy directory: the files, their hash, and readable diagnostics.
//!
//! The directory holds `schema.cedarschema`, `categories.json` and any number of `*.cedar`
//! files (not recursive; other files, such as the `tests/` folder, are ignored). The policy
//! set hash is SHA-256 over every one of those files, in byte order of their names, each
//! framed as `len(name) ‖ name ‖ len(content) ‖ content` with lengths as 8-byte big-endian
//! integers, so that no two different directories hash alike. Case files are not hashed: they
//! do not change any decision.

use std::collections::BTreeMap;
use std::path::Path;

use miette::Diagnostic;

use crate::error::PolicyError;

/// File name of the Cedar schema.
pub const SCHEMA_FILE: &str = "schema.cedarschema";
/// File name of the category and exchange catalogue.
pub const CATEGORIES_FILE: &str = "categories.json";

/// The raw contents of a policy directory.
#[derive(Debug, Clone)]
pub(crate) struct Sources {
    pub(crate) schema: String,
    pub(crate) categories: String,
    /// `*.cedar` file name → contents, sorted by name.
    pub(crate) policies: BTreeMap<String, String>,
}

impl Sources {
    pub(crate) fn read(dir: &Path) -> Result<Sources, PolicyError> {
        let entries = std::fs::read_dir(dir).map_err(|e| PolicyError::io(dir, e))?;
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
