//! A PKI made at test time: the trusted partner CA, an untrusted one, the server
//! certificate, and a CRL the tests can rewrite.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use gateway_client::ClientIdentity;
use gateway_pki::dev::{write_private, write_public};
use gateway_pki::{CertificateAuthority, ClientCertSpec, IssuedCert, Revocation};
use time::{Duration, OffsetDateTime};

pub struct TestPki {
    dir: tempfile::TempDir,
    pub ca: CertificateAuthority,
    pub other_ca: CertificateAuthority,
    revoked: Mutex<(u64, Vec<Revocation>)>,
}

impl TestPki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = CertificateAuthority::generate("Test Partner CA", 30).unwrap();
        let other_ca = CertificateAuthority::generate("Some Other CA", 30).unwrap();
        let server = ca.issue_server(&["localhost", "127.0.0.1"], 30).unwrap();
        let pki = TestPki {
            dir,
            ca,
            other_ca,
            revoked: Mutex::new((0, vec![])),
        };
        write_public(&pki.path("ca.pem"), pki.ca.cert_pem()).unwrap();
        write_public(&pki.path("server.pem"), &server.cert_pem).unwrap();
        write_private(&pki.path("server.key.pem"), &server.key_pem).unwrap();
        pki.write_crl();
        pki
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn san_uri(id: &str) -> String {
        format!("urn:ccis-gateway:partner:{id}")
    }

    pub fn client_spec(id: &str) -> ClientCertSpec {
        ClientCertSpec::new(&format!("Partner {id}"), Some(&Self::san_uri(id)), 30)
    }

    /// A valid client certificate for partner `id` from the trusted CA.
    pub fn client_cert(&self, id: &str) -> IssuedCert {
        self.ca.issue_client(&Self::client_spec(id)).unwrap()
    }

    /// A client identity trusting the test server, presenting `cert` (or none).
    pub fn identity(&self, cert: Option<&IssuedCert>) -> ClientIdentity {
        ClientIdentity::from_pem(
            self.ca.cert_pem().as_bytes(),
            cert.map(|c| (c.cert_pem.as_bytes(), c.key_pem.as_bytes())),
        )
        .unwrap()
    }

    /// Adds `cert` to the CRL and rewrites the CRL file (atomically, as a CA's publisher
    /// would, so the watcher never reads half a file).
    pub fn revoke(&self, cert: &IssuedCert) {
        {
            let mut revoked = self.revoked.lock().unwrap();
            revoked.1.push(Revocation {
                serial: cert.serial.clone(),
                revoked_at: OffsetDateTime::now_utc() - Duration::minutes(1),
            });
        }
        self.write_crl();
    }

    /// Publishes a CRL whose nextUpdate has passed, as a CA that stopped publishing would
    /// leave behind.
    pub fn publish_stale_crl(&self) {
        let now = OffsetDateTime::now_utc();
        self.write_crl_dated(now - Duration::days(8), now - Duration::days(1));
    }

    fn write_crl(&self) {
        let now = OffsetDateTime::now_utc();
        self.write_crl_dated(now - Duration::minutes(5), now + Duration::days(7));
    }

    fn write_crl_dated(&self, this_update: OffsetDateTime, next_update: OffsetDateTime) {
        let mut revoked = self.revoked.lock().unwrap();
        revoked.0 += 1;
        let crl = self
            .ca
            .crl(&revoked.1, revoked.0, this_update, next_update)
            .unwrap();
        let tmp = self.path("crl.pem.tmp");
        write_public(&tmp, &crl).unwrap();
        std::fs::rename(&tmp, self.path("crl.pem")).unwrap();
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}
