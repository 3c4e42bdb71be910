//! An axum listener that terminates mutual TLS.
//!
//! The accept loop only accepts TCP connections; each handshake runs in its own task under
//! a timeout, and finished connections are handed to axum through a channel. At most
//! `max_concurrent_handshakes` handshakes run at once; beyond that new connections are
//! closed straight away rather than queued, so a flood cannot grow memory without bound.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::{PeerIdentity, ReloadableTls};

/// A TLS connection whose client certificate has been verified, with the identity in it.
#[derive(Debug)]
pub struct TlsConnection {
    stream: TlsStream<TcpStream>,
    remote: SocketAddr,
    peer: Arc<PeerIdentity>,
}

/// What handlers see of the connection: `ConnectInfo<ClientPeer>`.
#[derive(Debug, Clone)]
pub struct ClientPeer {
    pub remote: SocketAddr,
    pub identity: Arc<PeerIdentity>,
}

impl Connected<IncomingStream<'_, TlsListener>> for ClientPeer {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        let conn = stream.io();
        ClientPeer {
            remote: conn.remote,
            identity: conn.peer.clone(),
        }
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

impl TlsListener {
    /// Starts accepting on an already bound TCP listener.
    pub fn new(tcp: TcpListener, tls: Arc<ReloadableTls>) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let settings = tls.settings();
        let timeout = settings.handshake_timeout;
        let slots = Arc::new(Semaphore::new(settings.max_concurrent_handshakes.max(1)));
        let (tx, ready) = mpsc::channel(64);
        let accept_task = tokio::spawn(async move {
            loop {
                let (tcp_stream, remote) = tokio::select! {
                    accepted = tcp.accept() => match accepted {
                        Ok(pair) => pair,
                        Err(err) => {
                            // EMFILE and friends: back off instead of spinning.
                            tracing::warn!(error = %err, "accept failed");
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                    () = tx.closed() => return,
                };
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    tracing::warn!(%remote, "too many handshakes in progress; connection closed");
                    continue;
                };
                let _ = tcp_stream.set_nodelay(true);
                let acceptor = TlsAcceptor::from(tls.current());
                let tx = tx.clone();
                tokio::spawn(async move {
                    let outcome = tokio::time::timeout(timeout, acceptor.accept(tcp_stream)).await;
                    drop(permit);
                    match outcome {
                        Ok(Ok(stream)) => {
                            if let Some(conn) = verified(stream, remote) {
                                let _ = tx.send(conn).await;
                            }
                        }
                        Ok(Err(err)) => {
                            tracing::info!(%remote, error = %err, "TLS handshake refused");
                        }
                        Err(_) => tracing::info!(%remote, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener {
            local,
            ready,
            accept_task,
        })
    }
}

fn verified(stream: TlsStream<TcpStream>, remote: SocketAddr) -> Option<TlsConnection> {
    let (_, session) = stream.get_ref();
    // The verifier requires a client certificate, so its absence here would be a bug.
    let der = session.peer_certificates()?.first()?;
    match PeerIdentity::from_der(der.as_ref()) {
        Ok(identity) => Some(TlsConnection {
            stream,
            remote,
            peer: Arc::new(identity),
        }),
        Err(err) => {
            tracing::warn!(%remote, error = %err, "verified certificate could not be parsed");
            None
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsConnection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => {
                let remote = conn.remote;
                (conn, remote)
            }
            // The accept task has ended (it only does when the listener is dropped): behave
            // as a listener with nothing more to accept.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

impl AsyncRead for TlsConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
