//! Errors of the policy crate.
//!
//! Loading errors name the file (and, where Cedar reports one, the line and column) so that a
//! policy author can fix them without reading Rust. Decision errors are caller mistakes
//! (an unknown category or exchange) or, in principle, a request the schema rejects.

use std::path::PathBuf;

/// Everything that can go wrong loading a policy directory or deciding a request.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A directory that was named does not exist.
    #[error("{what} {} does not exist", path.display())]
    NoDirectory {
        /// `policy directory` or `case directory`.
        what: &'static str,
        /// The directory as given.
        path: PathBuf,
    },
    /// A file or directory could not be read. The message is the whole story (the I/O
    /// error is part of it, not a separate cause), so that it reads as one sentence
    /// however the caller prints its error chain.
    #[error("cannot read {}: {error}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// The schema, a policy file or categories.json is malformed, or the policy set does not
    /// validate against the schema in strict mode. Each problem is one line naming its file.
    #[error("invalid policy set:\n{}", problems.join("\n"))]
    Invalid {
        /// One readable line per problem, `file[:line:col]: message`.
        problems: Vec<String>,
    },
    /// A request named a data category that categories.json does not define.
    #[error("unknown data category `{name}` in {field}")]
    UnknownCategory {
        /// The category name as given.
        name: String,
        /// Where in the request it was found (`categories`, `consent.parent`, ...).
        field: String,
    },
    /// A request named an exchange that categories.json does not define.
    #[error("unknown exchange `{0}`")]
    UnknownExchange(String),
    /// The request could not be turned into a Cedar request (should not happen for a request
    /// that deserialised; reported rather than panicking).
    #[error("cannot build the authorisation request: {0}")]
    Request(String),
    /// `without_policy` was asked to remove a policy id that is not in the set.
    #[error("no policy with id `{0}`")]
    UnknownPolicy(String),
}

impl PolicyError {
    pub(crate) fn invalid(problem: impl Into<String>) -> Self {
        PolicyError::Invalid {
            problems: vec![problem.into()],
        }
    }

    /// A request-building error with Cedar's help text and causes, which name the offending
    /// attribute where the top-level message does not.
    pub(crate) fn request(e: &dyn miette::Diagnostic) -> Self {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        if let Some(help) = e.help() {
            message.push_str(&format!(" (help: {help})"));
        }
        PolicyError::Request(message)
    }

    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        PolicyError::Io {
            path: path.into(),
            error,
        }
    }

    /// Listing a policy directory failed: `NoDirectory` when it is not there.
    pub(crate) fn dir(path: &std::path::Path, error: std::io::Error) -> Self {
        Self::listing("policy directory", path, error)
    }

    /// Listing a directory (`what` names it) failed: `NoDirectory` when it is not there.
    pub(crate) fn listing(
        what: &'static str,
        path: &std::path::Path,
        error: std::io::Error,
    ) -> Self {
        if error.kind() == std::io::ErrorKind::NotFound {
            PolicyError::NoDirectory {
                what,
                path: path.to_owned(),
            }
        } else {
            PolicyError::io(path, error)
        }
    }
}
