//! The one error type of the API's handlers. Each variant is one problem code with its
//! status and title, so a code is spelled in one place; `IntoResponse` renders it as
//! problem+json through [`Problem`].
//!
//! Store failures are `503 unavailable` with `Retry-After` (never 500): the database is the
//! one dependency that comes back by itself, and every wait on it is bounded, so the caller
//! should try again shortly. The cause goes to the application log when the error is made
//! ([`ApiError::store`]), naming the operation, never a value.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;
use crate::upstream::UpstreamError;

const NOT_PERMITTED: &str = "not-permitted";

/// Why a request was not answered.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("nothing may be disclosed to this partner for this request")]
    NotPermitted,
    /// A partner that is not a neighbouring authority with a transfer agreement delivered a
    /// transfer (`not-permitted`, said from the receiving side).
    #[error("this partner may not send transfers to this authority")]
    TransferNotPermitted,
    /// Carries which check failed (a fixed sentence, never a value from the envelope).
    #[error("invalid transfer: {detail}")]
    InvalidTransfer { detail: &'static str },
    #[error("transfer id reused with other content")]
    TransferIdReused,
    #[error("the request does not identify exactly one young person")]
    NoUniqueMatch,
    /// Carries the categories the exchange answers (no value from the request).
    #[error("a requested category is not one this operation knows")]
    UnknownCategory { known: String },
    #[error("the caller's role may not use this operation")]
    RoleNotPermitted { title: &'static str },
    #[error("the disclosure log could not be written")]
    LogUnavailable { title: &'static str },
    #[error("{what}")]
    StoreUnavailable { what: &'static str },
    #[error("upstream provider: {0}")]
    Upstream(UpstreamError),
    #[error("invalid subject id")]
    InvalidSubjectId,
    #[error("subject not found")]
    SubjectNotFound,
    #[error("not found")]
    NotFound,
    #[error("{title}")]
    InvalidBody { title: &'static str },
    #[error("invalid period")]
    InvalidPeriod,
    #[error("invalid recipient")]
    InvalidRecipient,
    #[error("unknown destination")]
    UnknownDestination,
    #[error("already transferred")]
    AlreadyTransferred,
    /// Carries the open transfer's id (the gateway's own, not personal).
    #[error("transfer in progress")]
    TransferInProgress { transfer: uuid::Uuid },
    #[error("{what}")]
    Internal { what: &'static str },
}

impl ApiError {
    /// A store call failed: logged here (the operation, never a value), 503 to the caller.
    pub fn store(err: impl std::fmt::Display, what: &'static str) -> ApiError {
        tracing::error!(error = %err, "{what}");
        ApiError::StoreUnavailable { what }
    }

    /// A failure the caller cannot act on: logged here, 500 to the caller.
    pub fn internal(err: impl std::fmt::Display, what: &'static str) -> ApiError {
        tracing::error!(error = %err, "{what}");
        ApiError::Internal { what }
    }

    /// The disclosure log refused the entry: nothing was released.
    pub fn log(err: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %err, "disclosure log append failed; nothing released");
        ApiError::LogUnavailable {
            title: "The disclosure could not be recorded, so nothing was released",
        }
    }

    /// The problem a partner sees.
    pub fn problem(&self) -> Problem {
        use StatusCode as S;
        match self {
            ApiError::NotPermitted => Problem::new(
                S::FORBIDDEN,
                NOT_PERMITTED,
                "Nothing may be disclosed to this partner for this request",
            ),
            ApiError::TransferNotPermitted => Problem::new(
                S::FORBIDDEN,
                NOT_PERMITTED,
                "This partner may not send transfers to this authority",
            ),
            ApiError::InvalidTransfer { detail } => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "invalid-transfer",
                "The transfer does not fit what it says it is",
            )
            .with_detail(*detail),
            ApiError::TransferIdReused => Problem::new(
                S::CONFLICT,
                "transfer-id-reused",
                "This transfer id was delivered before with other content",
            ),
            ApiError::NoUniqueMatch => Problem::new(
                S::NOT_FOUND,
                "no-unique-match",
                "The request does not identify exactly one young person",
            ),
            ApiError::UnknownCategory { known } => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "unknown-category",
                "A requested category is not one this operation knows",
            )
            .with_detail(format!("known categories: {known}")),
            ApiError::RoleNotPermitted { title } => {
                Problem::new(S::FORBIDDEN, "role-not-permitted", title)
            }
            ApiError::LogUnavailable { title } => {
                Problem::new(S::SERVICE_UNAVAILABLE, "log-unavailable", title)
            }
            ApiError::StoreUnavailable { what } => Problem::unavailable(what),
            ApiError::Upstream(err) => match err {
                UpstreamError::Timeout => Problem::new(
                    S::GATEWAY_TIMEOUT,
                    "upstream-timeout",
                    "The service that answers this exchange did not answer in time; nothing was released",
                ),
                UpstreamError::Failed(_) => Problem::new(
                    S::BAD_GATEWAY,
                    "upstream-failed",
                    "The service that answers this exchange failed or gave an invalid answer; nothing was released",
                ),
                UpstreamError::Unavailable { .. } => Problem::new(
                    S::SERVICE_UNAVAILABLE,
                    "upstream-unavailable",
                    "The service that answers this exchange is unavailable; nothing was released",
                ),
            },
            ApiError::InvalidSubjectId => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "invalid-subject-id",
                "The subject id must be a CCIS YoungPersonsID (13 digits)",
            ),
            ApiError::SubjectNotFound => Problem::new(
                S::NOT_FOUND,
                "subject-not-found",
                "No young person with this id",
            ),
            ApiError::NotFound => Problem::not_found(),
            ApiError::InvalidBody { title } => {
                Problem::new(S::UNPROCESSABLE_ENTITY, "invalid-body", title)
            }
            ApiError::InvalidPeriod => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "invalid-period",
                "valid_until is before valid_from",
            ),
            ApiError::InvalidRecipient => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "invalid-recipient",
                "The recipient must be an agency kind or a partner id",
            ),
            ApiError::UnknownDestination => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "unknown-destination",
                "The destination is not a neighbouring authority this gateway can send to",
            ),
            ApiError::AlreadyTransferred => Problem::new(
                S::CONFLICT,
                "already-transferred",
                "This young person's record has been transferred already",
            ),
            ApiError::TransferInProgress { transfer } => Problem::new(
                S::CONFLICT,
                "transfer-in-progress",
                "A transfer of this young person's record is under way",
            )
            .with_detail(format!("transfer {transfer}")),
            ApiError::Internal { .. } => Problem::internal(),
        }
    }
}

impl From<ApiError> for Problem {
    /// For handlers that answer `Problem` directly (no upstream errors there).
    fn from(err: ApiError) -> Problem {
        err.problem()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.problem().into_response();
        if let ApiError::Upstream(UpstreamError::Unavailable { retry_after }) = &self {
            // The breaker knows when it will let a probe through: say that, not the default.
            let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs.max(1)),
            );
        }
        response
    }
}
