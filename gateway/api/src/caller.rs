//! Who is calling: the registered partner behind the client certificate, and the officer
//! behind the token. Runs before every `/v1` handler.

use axum::extract::{Extension, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gateway_adapters::yot::CaseReference;
use gateway_auth::TokenError;
use gateway_edge::ClientPeer;
use gateway_store::{Partner, PartnerStatus, TokenUse};

use crate::AppState;
use crate::problem::Problem;

/// The authenticated caller, available to handlers as an extension.
#[derive(Debug, Clone)]
pub struct Caller {
    pub partner: Partner,
    pub officer: String,
    pub role: String,
    pub purpose: String,
    pub case_reference: Option<String>,
}

impl Caller {
    /// A disclosure-log entry of this request, naming who acted: request id, partner,
    /// officer, role and purpose.
    pub fn log_entry(
        &self,
        time: time::OffsetDateTime,
        event: gateway_disclosure::Event,
        outcome: gateway_disclosure::Outcome,
    ) -> gateway_disclosure::LogEntry {
        let mut entry = gateway_disclosure::LogEntry::new(time, event, outcome);
        entry.request_id = crate::request_id::current().map(|id| id.to_string());
        entry.partner = Some(self.partner.id.to_string());
        entry.officer = Some(self.officer.clone());
        entry.role = Some(self.role.clone());
        entry.purpose = Some(self.purpose.clone());
        entry
    }
}

fn forbidden() -> Problem {
    // The same answer for unknown and suspended: a caller learns nothing about the registry.
    Problem::new(
        StatusCode::FORBIDDEN,
        "partner-not-authorised",
        "This certificate does not belong to an active partner of this gateway",
    )
}

fn unauthorised(err: TokenError) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, err.code(), "Access token refused")
        .with_detail(err.to_string())
}

fn ambiguous_authorization() -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "authorization-ambiguous",
        "The request carries more than one Authorization header",
    )
}

/// Resolves the partner (403) and verifies the token (401), then runs the handler.
pub async fn authenticate(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientPeer>,
    mut request: Request,
    next: Next,
) -> Response {
    // Two tokens: which one the caller meant is not for the gateway to guess (a proxy that
    // adds its own header in front of the partner's would otherwise decide who acts).
    if request
        .headers()
        .get_all(header::AUTHORIZATION)
        .iter()
        .nth(1)
        .is_some()
    {
        return ambiguous_authorization().into_response();
    }
    // Owned before any await: a borrowed request body is not Send.
    let token = bearer_token(&request).map(str::to_owned);
    match identify(&state, &peer, token.as_deref()).await {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(problem) => problem.into_response(),
    }
}

async fn identify(
    state: &AppState,
    peer: &ClientPeer,
    token: Option<&str>,
) -> Result<Caller, Problem> {
    let identity = &peer.identity;
    let partner = state
        .store
        .partner_by_certificate(&identity.san_uris, &identity.subject)
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "partner registry unavailable");
            Problem::unavailable("partner registry unavailable")
        })?;
    let fingerprint = identity.fingerprint_hex();
    let Some(partner) = partner else {
        tracing::warn!(
            cert_fingerprint = %fingerprint,
            reason = "unknown",
            "refused a valid certificate of no registered partner"
        );
        return Err(forbidden());
    };
    if partner.status != PartnerStatus::Active {
        tracing::warn!(
            partner = %partner.id,
            cert_fingerprint = %fingerprint,
            reason = "suspended",
            "refused a suspended partner"
        );
        return Err(forbidden());
    }
    if !partner.cert_fingerprints.is_empty()
        && !partner
            .cert_fingerprints
            .iter()
            .any(|f| f.eq_ignore_ascii_case(&fingerprint))
    {
        tracing::warn!(
            partner = %partner.id,
            cert_fingerprint = %fingerprint,
            reason = "fingerprint-not-pinned",
            "refused a certificate not among the partner's pinned fingerprints"
        );
        return Err(forbidden());
    }

    let token = token.ok_or(TokenError::Missing);
    let verified = token.and_then(|token| {
        let keys = state.issuer_keys(&partner).map_err(|err| {
            tracing::error!(partner = %partner.id, error = %err, "partner token keys unusable");
            TokenError::Invalid
        })?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        gateway_auth::verify(token, &keys, &state.tokens, &identity.fingerprint, now)
    });
    // The token's case reference obeys the rule of the request body's, so no identifier
    // (a UPN, a NINO) reaches the log through it.
    let verified = verified.and_then(|v| {
        let case_ok = v
            .case_reference
            .as_ref()
            .is_none_or(|case| CaseReference::try_from(case.clone()).is_ok());
        if case_ok {
            Ok(v)
        } else {
            Err(TokenError::ClaimsInvalid)
        }
    });
    let verified = match verified {
        Ok(v) => v,
        Err(err) => {
            tracing::info!(partner = %partner.id, code = err.code(), "token refused");
            return Err(unauthorised(err));
        }
    };
    let first_use = state
        .store
        .record_token_use(&partner.token_issuer, &verified.jti, verified.expires_at)
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "token replay store unavailable");
            Problem::unavailable("token replay store unavailable")
        })?;
    if first_use == TokenUse::Replayed {
        tracing::warn!(partner = %partner.id, code = "token-replayed", "token refused");
        return Err(unauthorised(TokenError::Replayed));
    }
    Ok(Caller {
        partner,
        officer: verified.officer,
        role: verified.role,
        purpose: verified.purpose,
        case_reference: verified.case_reference,
    })
}

fn bearer_token(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}
