//! The gateway's edge: mutual TLS and the caller's certificate identity.
//!
//! Guarantees:
//! - no connection reaches HTTP without a client certificate that chains to the configured
//!   partner CA bundle, carries the clientAuth extended key usage (or none), is within its
//!   validity period and is not revoked by a configured CRL;
//! - TLS 1.2 and 1.3 only, ALPN `h2` and `http/1.1`, the `ring` crypto provider chosen
//!   explicitly;
//! - handshakes run concurrently, each under a timeout, so a slow or silent client cannot
//!   hold up anyone else's;
//! - the certificate is parsed once, at the handshake, into a [`PeerIdentity`] that handlers
//!   receive through axum's `ConnectInfo<ClientPeer>`; nothing downstream parses
//!   certificates again;
//! - certificates, CA bundle and CRLs can be reloaded while running ([`ReloadableTls`]): new
//!   handshakes use the new configuration, live connections keep the one they started with.
//!
//! Not guaranteed here: that the certificate belongs to a *registered, active* partner. That
//! is a registry question, answered per request by the API layer.

mod identity;
mod listener;
mod reload;
mod server_config;

pub use identity::{IdentityError, PeerIdentity};
pub use listener::{ClientPeer, TlsConnection, TlsListener};
pub use reload::{ReloadableTls, watch_for_changes};
pub use server_config::{CrlExpiry, TlsError, TlsSettings, build_server_config};
