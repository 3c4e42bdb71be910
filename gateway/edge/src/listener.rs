//! The TLS listener: accepts TCP, completes mutual TLS handshakes concurrently, and yields
//! verified connections.
//!
//! The accept loop only accepts; each handshake runs in its own task. Limits, so that
//! connections that never finish a handshake cannot keep partners out:
//! - at most `max_concurrent_handshakes` connections between accept and the end of their
//!   handshake. At the cap the loop waits for a slot before accepting again: new
//!   connections queue in the kernel's accept queue instead of being closed, and a slot
//!   frees within `first_byte_timeout` (silent) or `handshake_timeout` (slow);
//! - at most `max_handshakes_per_source` of them from one source address (it alone could
//!   otherwise fill the cap); the source's further connections wait in its own bounded
//!   line, holding no global slot, and beyond that line they are closed (`sources.rs`);
//! - the first byte of the ClientHello within `first_byte_timeout` (about 2 s), then the
//!   whole handshake within `handshake_timeout`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::sources::{SourcePlace, SourceSlots};
use crate::trust::PeerTrust;
use crate::{PeerIdentity, ReloadableTls};

/// A TLS connection whose client certificate has been verified, with the identity in it.
#[derive(Debug)]
pub struct TlsConnection {
    pub(crate) stream: TlsStream<TcpStream>,
    pub(crate) remote: SocketAddr,
    pub(crate) identity: Arc<PeerIdentity>,
    pub(crate) trust: Arc<PeerTrust>,
}

impl TlsConnection {
    pub fn remote(&self) -> SocketAddr {
        self.remote
    }

    pub fn identity(&self) -> &Arc<PeerIdentity> {
        &self.identity
    }
}

/// Accepts TCP, completes mutual TLS handshakes concurrently, yields verified connections.
#[derive(Debug)]
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<TlsConnection>,
    accept_task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

/// What a handshake task needs besides its connection.
#[derive(Debug, Clone)]
struct Handshakes {
    tls: Arc<ReloadableTls>,
    first_byte_timeout: Duration,
    handshake_timeout: Duration,
    ready: mpsc::Sender<TlsConnection>,
}

impl TlsListener {
    /// Starts accepting on an already bound TCP listener.
    pub fn new(tcp: TcpListener, tls: Arc<ReloadableTls>) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let settings = tls.settings();
        let slots = Arc::new(Semaphore::new(settings.max_concurrent_handshakes.max(1)));
        let sources = SourceSlots::new(settings.max_handshakes_per_source);
        let (tx, ready) = mpsc::channel(64);
        let handshakes = Handshakes {
            first_byte_timeout: settings.first_byte_timeout,
            handshake_timeout: settings.handshake_timeout,
            tls,
            ready: tx,
        };
        let accept_task = tokio::spawn(accept_loop(tcp, slots, sources, handshakes));
        Ok(TlsListener {
            local,
            ready,
            accept_task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The next verified connection; `None` once the accept loop has ended.
    pub async fn accept(&mut self) -> Option<TlsConnection> {
        self.ready.recv().await
    }
}

async fn accept_loop(
    tcp: TcpListener,
    slots: Arc<Semaphore>,
    sources: Arc<SourceSlots>,
    handshakes: Handshakes,
) {
    let mut refusals = Refusals::default();
    loop {
        // Queue rather than drop: with every slot taken, stop accepting until one frees.
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            () = handshakes.ready.closed() => return,
        };
        let (tcp_stream, remote) = tokio::select! {
            accepted = tcp.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = handshakes.ready.closed() => return,
        };
        let Some(place) = sources.enter(remote.ip()) else {
            refusals.note(remote);
            continue;
        };
        let _ = tcp_stream.set_nodelay(true);
        match place.try_slot() {
            Some(source_slot) => {
                let handshakes = handshakes.clone();
                tokio::spawn(async move {
                    handshakes
                        .run(tcp_stream, remote, (place, source_slot), permit)
                        .await
                });
            }
            None => {
                // Over its share: wait in the source's line without a global slot.
                drop(permit);
                tokio::spawn(handshakes.clone().wait_then_run(
                    tcp_stream,
                    remote,
                    place,
                    slots.clone(),
                ));
            }
        }
    }
}

/// Connections closed for their source's share, reported at most once per
/// [`Refusals::EVERY`] so that a flood cannot flood the log too.
#[derive(Debug, Default)]
struct Refusals {
    since_report: u64,
    reported: Option<std::time::Instant>,
}

impl Refusals {
    const EVERY: Duration = Duration::from_secs(10);

    fn note(&mut self, remote: SocketAddr) {
        self.since_report += 1;
        tracing::debug!(%remote, "too many handshakes from this source; connection closed");
        if self.reported.is_none_or(|at| at.elapsed() >= Self::EVERY) {
            tracing::warn!(
                %remote,
                closed = self.since_report,
                "connections closed because their source was over its handshake share"
            );
            self.since_report = 0;
            self.reported = Some(std::time::Instant::now());
        }
    }
}

impl Handshakes {
    /// A connection over its source's share: waits (at most `handshake_timeout`) for one of
    /// its source's slots, then for a global slot, then shakes hands.
    async fn wait_then_run(
        self,
        tcp: TcpStream,
        remote: SocketAddr,
        place: SourcePlace,
        slots: Arc<Semaphore>,
    ) {
        let Ok(Some(source_slot)) =
            tokio::time::timeout(self.handshake_timeout, place.slot()).await
        else {
            tracing::debug!(%remote, "waited too long for its source's handshake slot; closed");
            return;
        };
        let permit = tokio::select! {
            permit = slots.acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            () = self.ready.closed() => return,
        };
        self.run(tcp, remote, (place, source_slot), permit).await;
    }

    async fn run(
        self,
        tcp: TcpStream,
        remote: SocketAddr,
        source: (SourcePlace, OwnedSemaphorePermit),
        permit: OwnedSemaphorePermit,
    ) {
        let outcome = self.handshake(tcp, remote).await;
        // The slots are free once the handshake is over, before the connection is served.
        drop(source);
        drop(permit);
        if let Some(conn) = outcome {
            let _ = self.ready.send(conn).await;
        }
    }

    async fn handshake(&self, tcp: TcpStream, remote: SocketAddr) -> Option<TlsConnection> {
        let mut first = [0u8; 1];
        match tokio::time::timeout(self.first_byte_timeout, tcp.peek(&mut first)).await {
            Ok(Ok(n)) if n > 0 => {}
            Ok(_) => return None,
            Err(_) => {
                tracing::debug!(%remote, "no ClientHello within the first-byte timeout; closed");
                return None;
            }
        }
        // The configuration current now serves this whole handshake.
        let loaded = self.tls.loaded();
        let acceptor = TlsAcceptor::from(loaded.config.clone());
        match tokio::time::timeout(self.handshake_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => verified(stream, remote, &self.tls, &loaded),
            Ok(Err(err)) => {
                tracing::info!(%remote, error = %err, "TLS handshake refused");
                None
            }
            Err(_) => {
                tracing::info!(%remote, "TLS handshake timed out");
                None
            }
        }
    }
}

fn verified(
    stream: TlsStream<TcpStream>,
    remote: SocketAddr,
    tls: &Arc<ReloadableTls>,
    loaded: &crate::reload::Loaded,
) -> Option<TlsConnection> {
    let (_, session) = stream.get_ref();
    // The verifier requires a client certificate, so its absence here would be a bug.
    let chain: Vec<_> = session
        .peer_certificates()?
        .iter()
        .map(|c| c.clone().into_owned())
        .collect();
    match PeerIdentity::from_der(chain.first()?.as_ref()) {
        Ok(identity) => {
            let trust = PeerTrust::new(chain, identity.not_after, tls.clone(), loaded);
            Some(TlsConnection {
                stream,
                remote,
                identity: Arc::new(identity),
                trust: Arc::new(trust),
            })
        }
        Err(err) => {
            tracing::warn!(%remote, error = %err, "verified certificate could not be parsed");
            None
        }
    }
}
