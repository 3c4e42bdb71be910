use anyhow::Context;
use gateway_auth::mint::{TokenRequest, sign};
use gateway_pki::dev::DevPki;
use rustls_pem::read_certificate_der;

use crate::cli::TokenCommand;
use crate::config::GatewayConfig;

pub fn run(config: &GatewayConfig, cmd: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Mint(args) = cmd;
    let pki = DevPki::open(&args.pki).context("cannot open the dev PKI")?;
    let partner = pki
        .partner(&args.partner)
        .with_context(|| format!("no demo partner {} in {}", args.partner, args.pki.display()))?;
    let dir = pki.partner_dir(&partner.id);
    let cert_path = args.cert.unwrap_or_else(|| dir.join("client.pem"));
    let cert_der = read_certificate_der(&cert_path)?;
    let key_path = dir.join("token.key.pem");
    let key = std::fs::read_to_string(&key_path)
        .with_context(|| format!("cannot read {}", key_path.display()))?;
    let request = TokenRequest {
        issuer: partner.token_issuer.clone(),
        audience: args
            .audience
            .unwrap_or_else(|| config.tokens.audience.clone()),
        officer: args.officer,
        role: args.role,
        purpose: args.purpose,
        case_reference: None,
        cert_thumbprint: gateway_pki::certificate_thumbprint(&cert_der),
        issued_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        lifetime_secs: args.lifetime,
    };
    println!(
        "{}",
        sign(&request.claims(), &key, &partner.token_algorithm)?
    );
    Ok(())
}

mod rustls_pem {
    use std::path::Path;

    use anyhow::Context;

    /// The first certificate of a PEM file, as DER.
    pub fn read_certificate_der(path: &Path) -> anyhow::Result<Vec<u8>> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        gateway_pki::pem_certificate_der(&text)
            .with_context(|| format!("{} holds no PEM certificate", path.display()))
    }
}
