//! A TCP proxy on loopback that a test can cut and re-point: the network between two
//! gateways. Cutting closes every open connection and refuses new ones (accepted, then
//! dropped at once, as a broken path looks to TLS); restoring lets connections through to
//! the current target again.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

struct Inner {
    target: SocketAddr,
    cut: bool,
    links: JoinSet<()>,
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
                guard.links.spawn(link(client, target));
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

    pub fn restore(&self) {
        self.inner.lock().unwrap().cut = false;
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

async fn link(mut client: TcpStream, target: SocketAddr) {
    // As any proxy on a request/response path does: no Nagle delay on small writes.
    let _ = client.set_nodelay(true);
    if let Ok(mut server) = TcpStream::connect(target).await {
        let _ = server.set_nodelay(true);
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}
