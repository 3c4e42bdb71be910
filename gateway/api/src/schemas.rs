//! The OpenAPI schemas of answers whose bodies are other crates' types (the store's records,
//! the log's signed heads and proofs) or built in place: what the handlers serialise, named
//! for the document. `tests/e2e/surface.rs` compares every answer's fields with these.

use serde::Serialize;
use utoipa::ToSchema;

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// `GET /readyz` when ready.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`.
    pub status: String,
    pub checks: ReadinessChecks,
}

/// What `/readyz` checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessChecks {
    /// `ok` or `unreachable`.
    pub database: String,
    /// `ok` or `failing`.
    pub log_writable: String,
    /// `ok`, `stalled` or `stopped`.
    pub log_writer: String,
    /// The SHA-256 of the policy set in force.
    pub policy: String,
}

/// `GET /v1/whoami`: the caller as the gateway sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    pub partner: String,
    pub display_name: String,
    pub agency_kind: String,
    pub officer: String,
    pub role: String,
    pub purpose: String,
}

/// A consent as stored (the answer to a withdrawal).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = StoredConsent)]
pub struct ConsentView {
    #[schema(value_type = Uuid)]
    pub id: String,
    /// The young person's CCIS id.
    pub subject: String,
    pub given_by: String,
    pub method: String,
    /// RFC 3339.
    pub given_at: String,
    pub purposes: Vec<String>,
    /// `{"partner": id}` or `{"agency_kind": kind}`.
    #[schema(value_type = Object)]
    pub recipient: serde_json::Value,
    pub categories: Vec<String>,
    #[schema(format = Date)]
    pub valid_from: String,
    #[schema(format = Date)]
    pub valid_until: Option<String>,
    pub recorded_by: String,
    /// RFC 3339.
    pub recorded_at: String,
    /// RFC 3339.
    pub withdrawn_at: Option<String>,
    pub withdrawn_by: Option<String>,
}

/// An objection as stored.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Objection)]
pub struct ObjectionView {
    #[schema(value_type = Uuid)]
    pub id: String,
    /// The young person's CCIS id.
    pub subject: String,
    pub raised_by: String,
    /// RFC 3339.
    pub raised_at: String,
    pub recorded_by: String,
    /// RFC 3339.
    pub recorded_at: String,
    /// RFC 3339.
    pub withdrawn_at: Option<String>,
    pub withdrawn_by: Option<String>,
}

/// A competence assessment as stored.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CompetenceAssessment)]
pub struct CompetenceView {
    #[schema(value_type = Uuid)]
    pub id: String,
    /// The young person's CCIS id.
    pub subject: String,
    pub competent: bool,
    #[schema(format = Date)]
    pub assessed_on: String,
    pub assessed_by: String,
    /// RFC 3339.
    pub recorded_at: String,
}

/// A signed tree head (RFC 9162 style, Ed25519).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SignedTreeHead)]
pub struct SignedTreeHeadView {
    pub head: TreeHeadView,
    /// SHA-256 (hex) of the signer's SubjectPublicKeyInfo.
    pub key_id: String,
    /// Ed25519 signature, standard padded base64.
    pub signature: String,
}

/// The head that was signed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TreeHead)]
pub struct TreeHeadView {
    pub tree_size: u64,
    /// Hex SHA-256.
    pub root_hash: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
}

/// An inclusion proof (RFC 9162 §2.1.3).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = InclusionProof)]
pub struct InclusionProofView {
    pub log_index: u64,
    pub tree_size: u64,
    /// Hex SHA-256.
    pub leaf_hash: String,
    /// Hex SHA-256 hashes, leaf to root.
    pub audit_path: Vec<String>,
}

/// A consistency proof (RFC 9162 §2.1.4).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ConsistencyProof)]
pub struct ConsistencyProofView {
    pub from: u64,
    pub to: u64,
    /// Hex SHA-256 hashes.
    pub proof: Vec<String>,
}
