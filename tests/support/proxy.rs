//! A TCP proxy on loopback that a test can cut and re-point: the network between two
//! gateways, or between a gateway and its database. Cutting closes every open connection
//! and refuses new ones (accepted, then dropped at once, as a broken path looks to TLS);
//! restoring lets connections through to the current target again.
//!
//! Holding is a partition: nothing passes in either direction any more, but no socket is
//! closed, so neither end hears a word (no FIN, no RST), as when a node's network vanishes.
//! [`Proxy::hold_when_sent`] arms it to start the moment the client sends given bytes, so a
//! test can freeze a connection exactly inside a transaction.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

struct Inner {
    target: SocketAddr,
    cut: bool,
    links: JoinSet<()>,
    hold: Arc<Hold>,
}

/// The partition switch shared by every link of one proxy.
struct Hold {
    /// Bytes that, once a client sends them, start the hold (after they were forwarded).
    trigger: Mutex<Option<Vec<u8>>>,
    held: watch::Sender<bool>,
}

impl Hold {
    fn is_held(&self) -> bool {
        *self.held.borrow()
    }

    /// Whether `chunk` (client to server) fires the armed trigger; if so the hold starts.
    fn fires(&self, chunk: &[u8]) -> bool {
        let mut trigger = self.trigger.lock().unwrap();
        let hit = trigger
            .as_deref()
            .is_some_and(|t| chunk.windows(t.len()).any(|w| w == t));
        if hit {
            *trigger = None;
            self.held.send_replace(true);
        }
        hit
    }

    /// Waits while the hold is on (forever, until the link is aborted by a cut).
    async fn wait_released(&self) {
        let mut held = self.held.subscribe();
        while *held.borrow_and_update() {
            if held.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

pub struct Proxy {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Mutex::new(Inner {
            target,
            cut: false,
            links: JoinSet::new(),
            hold: Arc::new(Hold {
                trigger: Mutex::new(None),
                held: watch::channel(false).0,
            }),
        }));
        let shared = inner.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut guard = shared.lock().unwrap();
                if guard.cut {
                    drop(client);
                    continue;
                }
                let target = guard.target;
                let hold = guard.hold.clone();
                guard.links.spawn(link(client, target, hold));
            }
        });
        Proxy {
            addr,
            inner,
            accept,
        }
    }

    /// Cuts the network: open connections die, new ones are dropped.
    pub fn cut(&self) {
        let mut guard = self.inner.lock().unwrap();
        guard.cut = true;
        guard.links.abort_all();
    }

    /// Ends a cut or a hold: connections pass again (held ones carry on where they stopped).
    pub fn restore(&self) {
        let mut guard = self.inner.lock().unwrap();
        guard.hold.held.send_replace(false);
        guard.cut = false;
    }

    /// Arms a partition: as soon as a client sends `bytes` (forwarded first), nothing
    /// passes any more on any link, and new connections hang after connecting.
    pub fn hold_when_sent(&self, bytes: &[u8]) {
        *self.inner.lock().unwrap().hold.trigger.lock().unwrap() = Some(bytes.to_vec());
    }

    /// Whether an armed hold has started.
    pub fn is_held(&self) -> bool {
        self.inner.lock().unwrap().hold.is_held()
    }

    /// Sends new connections to `target` (a restarted gateway listens on a new port).
    pub fn retarget(&self, target: SocketAddr) {
        let mut guard = self.inner.lock().unwrap();
        guard.target = target;
        guard.links.abort_all();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.inner.lock().unwrap().links.abort_all();
    }
}

async fn link(mut client: TcpStream, target: SocketAddr, hold: Arc<Hold>) {
    // As any proxy on a request/response path does: no Nagle delay on small writes.
    let _ = client.set_nodelay(true);
    hold.wait_released().await;
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upstream = pump(&mut client_read, &mut server_write, &hold, true);
    let downstream = pump(&mut server_read, &mut client_write, &hold, false);
    // As copy_bidirectional: an end that closes is passed on, the other direction goes on.
    tokio::join!(upstream, downstream);
}

/// Copies one direction, stopping (sockets open) while the proxy is held.
async fn pump(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    hold: &Hold,
    from_client: bool,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                // A partition passes no FIN either.
                hold.wait_released().await;
                let _ = to.shutdown().await;
                return;
            }
            Ok(n) => n,
        };
        let fired = from_client && hold.fires(&buf[..n]);
        if !fired {
            // Bytes read while held are forwarded only if the hold is lifted.
            hold.wait_released().await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
