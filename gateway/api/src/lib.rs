//! The gateway's HTTP API and the server that runs it.
//!
//! A request's path: the TLS edge ([`gateway_edge`]) has verified the client certificate and
//! attached its identity; [`caller`] finds the registered partner for that identity (403
//! when unknown or suspended), verifies the bearer token against that partner's issuer and
//! this connection's certificate (401), and records the token id against replay; only then
//! do handlers run, with a typed [`caller::Caller`]. Every error is RFC 9457
//! `application/problem+json` with a stable code ([`problem`]).

pub mod caller;
pub mod consents;
pub mod crash;
pub mod disclose;
pub mod error;
mod json_body;
pub mod limits;
pub mod openapi;
mod ops;
pub mod oversight;
pub mod problem;
pub mod request_id;
mod routes;
pub mod schemas;
pub mod server;
mod state;
pub mod transfers;
pub mod upstream;

pub use routes::{route_table, router};
pub use state::{AppState, DisclosureSettings, Services};
