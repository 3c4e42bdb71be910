//! A demo partner: its client certificate and its token key, calling the gateway over
//! mutual TLS exactly as a partner's system would.

use std::net::SocketAddr;

use anyhow::Context;
use gateway_auth::mint::{TokenRequest, sign};
use gateway_client::{ClientIdentity, Response};
use gateway_pki::dev::DevPki;
use http::Method;
use serde_json::Value;

/// The audience the demo gateway expects (the dev default).
pub const AUDIENCE: &str = "urn:ccis-gateway:dev";

/// Who is calling: the officer behind the token.
#[derive(Debug, Clone, Copy)]
pub struct Officer<'a> {
    pub id: &'a str,
    pub role: &'a str,
    pub purpose: &'a str,
}

#[derive(Debug)]
pub struct DemoPartner {
    pub id: String,
    identity: ClientIdentity,
    token_key: String,
    token_algorithm: String,
    issuer: String,
    thumbprint: [u8; 32],
}

impl DemoPartner {
    pub fn load(pki: &DevPki, id: &str) -> anyhow::Result<Self> {
        let partner = pki
            .partner(id)
            .with_context(|| format!("the dev PKI has no partner {id}"))?;
        let dir = pki.partner_dir(id);
        let identity = ClientIdentity::from_files(
            &pki.ca_cert(),
            &dir.join("client.pem"),
            &dir.join("client.key.pem"),
        )?;
        let token_key = std::fs::read_to_string(dir.join("token.key.pem"))
            .with_context(|| format!("token key of {id}"))?;
        let thumbprint: [u8; 32] = hex::decode(&partner.fingerprint)
            .ok()
            .and_then(|b| b.try_into().ok())
            .context("certificate fingerprint in the manifest")?;
        Ok(DemoPartner {
            id: id.to_owned(),

            identity,
            token_key,
            token_algorithm: partner.token_algorithm.clone(),
            issuer: partner.token_issuer.clone(),
            thumbprint,
        })
    }

    /// One call on a fresh connection with a fresh token (its own `jti`).
    pub async fn call(
        &self,
        addr: SocketAddr,
        officer: Officer<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Response> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = TokenRequest {
            issuer: self.issuer.clone(),
            audience: AUDIENCE.into(),
            officer: officer.id.into(),
            role: officer.role.into(),
            purpose: officer.purpose.into(),
            case_reference: None,
            cert_thumbprint: self.thumbprint,
            issued_at: now,
            lifetime_secs: 300,
        }
        .claims();
        let token = sign(&claims, &self.token_key, &self.token_algorithm)?;
        let mut connection = self.identity.connect(addr, "localhost").await?;
        Ok(connection.send(method, path, Some(&token), body).await?)
    }
}
