//! The gateway's edge: mutual TLS and the caller's certificate identity.
//!
//! Guarantees:
//! - no connection reaches HTTP without a client certificate that chains to the configured
//!   partner CA bundle, carries the clientAuth extended key usage (or none), is within its
//!   validity period and is not revoked by a configured CRL;
//! - TLS 1.2 and 1.3 only, ALPN `h2` and `http/1.1`, the `ring` crypto provider chosen
//!   explicitly;
//! - handshakes run concurrently under a global cap and a per-source cap, a silent
//!   connection is closed after a short first-byte timeout and a slow handshake after the
//!   handshake timeout, so connections that never finish cannot keep partners out
//!   ([`TlsListener`]);
//! - every stage of an HTTP connection has a time limit (request head, keep-alive idle,
//!   connection age) and request heads a size limit ([`serve`], [`HttpLimits`]);
//! - the certificate is parsed once, at the handshake, into a [`PeerIdentity`] that handlers
//!   receive in the [`ClientPeer`] request extension; nothing downstream parses
//!   certificates again;
//! - certificates, CA bundle and CRLs can be reloaded while running ([`ReloadableTls`]): new
//!   handshakes use the new configuration, and [`ClientPeer::still_trusted`] checks a live
//!   connection's certificate against it, so a revocation reaches open connections too.
//!
//! Not guaranteed here: that the certificate belongs to a *registered, active* partner. That
//! is a registry question, answered per request by the API layer.

mod identity;
mod listener;
mod reload;
mod serve;
mod server_config;
mod sources;
mod trust;

pub use identity::{IdentityError, PeerIdentity};
pub use listener::{TlsConnection, TlsListener};
pub use reload::{ReloadableTls, watch_for_changes};
pub use serve::{ClientPeer, HttpLimits, serve};
pub use server_config::{CrlExpiry, TlsError, TlsSettings, build_server_config};
pub use trust::NoLongerTrusted;
