//! One neighbouring authority's gateway, as this gateway calls it: over mutual TLS with this
//! gateway's own client certificate, with a short-lived token bound to that certificate
//! (RFC 8705), and with the peer's log key to check its signed acknowledgements.

use std::time::Duration;

use bytes::Bytes;
use gateway_auth::mint::{TokenRequest, sign};
use gateway_client::{ClientError, ClientIdentity, Response};
use gateway_disclosure::{SignedDocument, verify_document};
use gateway_store::PartnerId;
use gateway_translog::sth::TreeHeadVerifier;
use http::Method;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::{PeerSettings, TransferAck};

/// Why a peer's files could not be loaded. Names the file, never its content.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error("transfer peer {partner}: cannot read {path}")]
    Read { partner: String, path: String },
    #[error("transfer peer {partner}: {what}")]
    Invalid { partner: String, what: String },
}

/// Why one delivery attempt failed. The texts are stored as the transfer's `last_error`, so
/// they carry status codes and transport errors only.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("cannot resolve the peer's address")]
    Resolve,
    #[error("connection failed: {0}")]
    Transport(String),
    #[error("token could not be minted")]
    Token,
}

/// A loaded peer.
pub struct Peer {
    pub partner: PartnerId,
    address: String,
    server_name: String,
    identity: ClientIdentity,
    token_key: String,
    token_issuer: String,
    token_algorithm: String,
    token_audience: String,
    cert_thumbprint: [u8; 32],
    receipt_key: [u8; 32],
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("partner", &self.partner)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Peer {
    pub fn load(s: &PeerSettings) -> Result<Peer, PeerError> {
        let partner = s.partner.to_string();
        let read = |path: &std::path::Path| {
            std::fs::read(path).map_err(|_| PeerError::Read {
                partner: partner.clone(),
                path: path.display().to_string(),
            })
        };
        let invalid = |what: &str| PeerError::Invalid {
            partner: partner.clone(),
            what: what.to_owned(),
        };
        let cert_pem = read(&s.client_cert)?;
        let identity = ClientIdentity::from_pem(
            &read(&s.server_ca)?,
            Some((&cert_pem, &read(&s.client_key)?)),
        )
        .map_err(|e| invalid(&e.to_string()))?;
        let leaf = CertificateDer::pem_slice_iter(&cert_pem)
            .next()
            .and_then(Result::ok)
            .ok_or_else(|| invalid("the client certificate file holds no certificate"))?;
        let digest = ring::digest::digest(&ring::digest::SHA256, leaf.as_ref());
        let mut cert_thumbprint = [0u8; 32];
        cert_thumbprint.copy_from_slice(digest.as_ref());
        let token_key = String::from_utf8(read(&s.token_key)?)
            .map_err(|_| invalid("the token key is not PEM text"))?;
        let receipt_pem = String::from_utf8(read(&s.receipt_key)?)
            .map_err(|_| invalid("the receipt key is not PEM text"))?;
        let receipt_key = TreeHeadVerifier::from_public_key_pem(&receipt_pem)
            .map_err(|_| invalid("the receipt key is not an Ed25519 public key"))?
            .public_key_bytes();
        Ok(Peer {
            partner: s.partner.clone(),
            address: s.address.clone(),
            server_name: s.server_name.clone(),
            identity,
            token_key,
            token_issuer: s.token_issuer.clone(),
            token_algorithm: s.token_algorithm.clone(),
            token_audience: s.token_audience.clone(),
            cert_thumbprint,
            receipt_key,
        })
    }

    /// Sends `payload` to the peer's `POST /v1/transfers` once, within `timeout` for the
    /// whole attempt.
    pub async fn deliver(
        &self,
        payload: Bytes,
        officer: &str,
        timeout: Duration,
    ) -> Result<Response, DeliveryError> {
        let token = self.token(officer)?;
        let attempt = async {
            let addr = tokio::net::lookup_host(&self.address)
                .await
                .map_err(|_| DeliveryError::Resolve)?
                .next()
                .ok_or(DeliveryError::Resolve)?;
            let mut conn = self
                .identity
                .connect(addr, &self.server_name)
                .await
                .map_err(transport)?;
            conn.send_bytes(Method::POST, "/v1/transfers", Some(&token), Some(payload))
                .await
                .map_err(transport)
        };
        tokio::time::timeout(timeout, attempt)
            .await
            .map_err(|_| DeliveryError::Timeout(timeout))?
    }

    /// A token for one attempt: short-lived, bound to this gateway's certificate, naming the
    /// officer who asked for the transfer.
    fn token(&self, officer: &str) -> Result<String, DeliveryError> {
        let request = TokenRequest {
            issuer: self.token_issuer.clone(),
            audience: self.token_audience.clone(),
            officer: officer.to_owned(),
            role: "transfer".into(),
            purpose: "cross_border_transfer".into(),
            case_reference: None,
            cert_thumbprint: self.cert_thumbprint,
            issued_at: time::OffsetDateTime::now_utc().unix_timestamp(),
            lifetime_secs: 300,
        };
        sign(&request.claims(), &self.token_key, &self.token_algorithm)
            .map_err(|_| DeliveryError::Token)
    }

    /// The acknowledgement in `document`, if the peer's key signed it.
    pub fn verified_ack(&self, document: &SignedDocument) -> Option<TransferAck> {
        verify_document(document, &self.receipt_key)
            .then(|| serde_json::from_str(&document.payload).ok())
            .flatten()
    }
}

fn transport(err: ClientError) -> DeliveryError {
    DeliveryError::Transport(err.to_string())
}
