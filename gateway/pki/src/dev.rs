//! A development PKI on disk: what `gateway certs init` writes and `gateway serve` uses when
//! no configuration is given.
//!
//! Layout of the folder (private keys are `*.key.pem`, written owner-only):
//!
//! ```text
//! ca.pem, ca.key.pem               the dev CA that issues partner and server certificates
//! crl.pem                          the CA's current CRL (empty at first, 30 days' validity)
//! server.pem, server.key.pem       the gateway's TLS certificate for localhost / 127.0.0.1
//! partners/<id>/client.pem         a partner's client certificate (SAN URI names the partner)
//! partners/<id>/client.key.pem
//! partners/<id>/token.key.pem      the key the partner's identity provider signs tokens with
//! partners/<id>/token.pub.pem      what the gateway verifies those tokens with
//! manifest.json                    the demo partners: ids, kinds, SAN URIs, token issuers
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::{CertificateAuthority, ClientCertSpec, PkiError, TokenKeyAlgorithm, TokenSigningKey};

/// A demo partner agency of the dev PKI.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DevPartner {
    pub id: String,
    pub display_name: String,
    pub agency_kind: String,
    pub la_code: Option<String>,
    pub san_uri: String,
    pub token_issuer: String,
    pub token_algorithm: String,
    /// Hex SHA-256 of the client certificate.
    pub fingerprint: String,
}

/// The demo partners of Kent County Council's gateway (LA 886): its Youth Offending Team,
/// a Jobcentre Plus office, its leaving-care team and neighbouring Medway (LA 887).
pub const DEMO_PARTNERS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "kent-yot",
        "Kent Youth Offending Team",
        "youth_offending_team",
        Some("886"),
    ),
    (
        "jcp-maidstone",
        "Jobcentre Plus Maidstone",
        "jobcentre_plus",
        None,
    ),
    (
        "kent-leaving-care",
        "Kent Leaving Care Service",
        "social_services",
        Some("886"),
    ),
    (
        "medway-la",
        "Medway Council Youth Support",
        "local_authority",
        Some("887"),
    ),
    (
        "kent-ccis",
        "Kent County Council Youth Support (own advisers and DPO)",
        "local_authority",
        Some("886"),
    ),
];

/// The URI a partner's client certificate carries as its subjectAltName.
pub fn partner_san_uri(id: &str) -> String {
    format!("urn:ccis-gateway:partner:{id}")
}

/// The `iss` a demo partner's identity provider puts in its tokens.
pub fn partner_token_issuer(id: &str) -> String {
    format!("urn:ccis-gateway:idp:{id}")
}

/// Paths and manifest of a dev PKI folder.
#[derive(Debug, Clone)]
pub struct DevPki {
    pub dir: PathBuf,
    pub partners: Vec<DevPartner>,
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    partners: Vec<DevPartner>,
}

impl DevPki {
    /// Creates the folder and everything in it. Refuses to overwrite an existing CA.
    pub fn create(dir: &Path) -> Result<Self, PkiError> {
        if dir.join("ca.pem").exists() {
            return Err(PkiError::Invalid(format!(
                "{} already holds a CA; remove it first or choose another folder",
                dir.display()
            )));
        }
        fs::create_dir_all(dir.join("partners")).map_err(|e| PkiError::io(dir, e))?;
        let ca = CertificateAuthority::generate("CCIS Gateway Dev CA", 3650)?;
        write_public(&dir.join("ca.pem"), ca.cert_pem())?;
        write_private(&dir.join("ca.key.pem"), ca.key_pem())?;

        let server = ca.issue_server(&["localhost", "127.0.0.1", "::1"], 825)?;
        write_public(&dir.join("server.pem"), &server.cert_pem)?;
        write_private(&dir.join("server.key.pem"), &server.key_pem)?;

        let now = OffsetDateTime::now_utc();
        let crl = ca.crl(&[], 1, now - Duration::minutes(5), now + Duration::days(30))?;
        write_public(&dir.join("crl.pem"), &crl)?;

        let mut partners = Vec::new();
        for (id, name, kind, la) in DEMO_PARTNERS {
            let pdir = dir.join("partners").join(id);
            fs::create_dir_all(&pdir).map_err(|e| PkiError::io(&pdir, e))?;
            let san_uri = partner_san_uri(id);
            let mut spec = ClientCertSpec::new(name, Some(&san_uri), 825);
            spec.organisation = Some((*name).to_owned());
            let client = ca.issue_client(&spec)?;
            write_public(&pdir.join("client.pem"), &client.cert_pem)?;
            write_private(&pdir.join("client.key.pem"), &client.key_pem)?;
            let token_key = TokenSigningKey::generate(TokenKeyAlgorithm::Es256)?;
            write_private(&pdir.join("token.key.pem"), &token_key.private_pem)?;
            write_public(&pdir.join("token.pub.pem"), &token_key.public_pem)?;
            partners.push(DevPartner {
                id: (*id).to_owned(),
                display_name: (*name).to_owned(),
                agency_kind: (*kind).to_owned(),
                la_code: la.map(str::to_owned),
                san_uri,
                token_issuer: partner_token_issuer(id),
                token_algorithm: token_key.algorithm.jose_name().to_owned(),
                fingerprint: hex::encode(client.thumbprint()),
            });
        }
        let manifest = serde_json::to_string_pretty(&Manifest {
            partners: partners.clone(),
        })
        .map_err(|e| PkiError::Invalid(e.to_string()))?;
        write_public(&dir.join("manifest.json"), &manifest)?;
        Ok(DevPki {
            dir: dir.to_owned(),
            partners,
        })
    }

    /// Reads an existing dev PKI folder's manifest.
    pub fn open(dir: &Path) -> Result<Self, PkiError> {
        let path = dir.join("manifest.json");
        let text = fs::read_to_string(&path).map_err(|e| PkiError::io(&path, e))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| PkiError::Invalid(format!("{}: {e}", path.display())))?;
        Ok(DevPki {
            dir: dir.to_owned(),
            partners: manifest.partners,
        })
    }

    /// Opens the folder, creating it first if it holds no dev PKI yet.
    pub fn open_or_create(dir: &Path) -> Result<(Self, bool), PkiError> {
        if dir.join("manifest.json").exists() {
            Ok((Self::open(dir)?, false))
        } else {
            Ok((Self::create(dir)?, true))
        }
    }

    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    pub fn ca_key(&self) -> PathBuf {
        self.dir.join("ca.key.pem")
    }
    pub fn crl(&self) -> PathBuf {
        self.dir.join("crl.pem")
    }
    pub fn server_cert(&self) -> PathBuf {
        self.dir.join("server.pem")
    }
    pub fn server_key(&self) -> PathBuf {
        self.dir.join("server.key.pem")
    }
    pub fn partner_dir(&self, id: &str) -> PathBuf {
        self.dir.join("partners").join(id)
    }
    pub fn partner(&self, id: &str) -> Option<&DevPartner> {
        self.partners.iter().find(|p| p.id == id)
    }
}

/// Writes a file anyone may read (certificates, CRLs, public keys).
pub fn write_public(path: &Path, contents: &str) -> Result<(), PkiError> {
    fs::write(path, contents).map_err(|e| PkiError::io(path, e))
}

/// Writes a private key readable by its owner only.
pub fn write_private(path: &Path, contents: &str) -> Result<(), PkiError> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| PkiError::io(path, e))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| PkiError::io(path, e))
}
