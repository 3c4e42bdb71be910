//! The request body as the handlers read it: bounded, and still reachable after the handler
//! has given up on it, so an early answer can drain what the client is still sending.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use http_body_util::{BodyExt, Limited};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of one request, shared between the handler's reader and the layer that answers.
#[derive(Debug, Clone)]
pub(super) struct Upload(Arc<Mutex<State>>);

#[derive(Debug)]
struct State {
    /// `None` once drained or taken for draining.
    body: Option<Limited<Body>>,
    /// A handler has begun reading it.
    started: bool,
    finished: bool,
    /// The limit was passed (or the body broke): the rest of it will not be read.
    failed: bool,
}

impl Upload {
    /// The body, bounded to `limit` bytes, and the reader to give the handlers.
    pub(super) fn new(body: Body, limit: usize) -> (Self, Body) {
        let finished = http_body::Body::is_end_stream(&body);
        let upload = Upload(Arc::new(Mutex::new(State {
            body: Some(Limited::new(body, limit)),
            started: false,
            finished,
            failed: false,
        })));
        let reader = Body::new(Reader(upload.clone()));
        (upload, reader)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Every byte of the body has been read.
    pub(super) fn finished(&self) -> bool {
        self.lock().finished
    }

    /// A handler is reading the body and the client has not sent all of it yet.
    pub(super) fn waiting_for_client(&self) -> bool {
        let state = self.lock();
        state.started && !state.finished && !state.failed
    }

    /// Reading stopped on an error (too large, or the client broke off).
    pub(super) fn failed(&self) -> bool {
        self.lock().failed
    }

    /// Reads and discards the rest of the body (still bounded by the limit). `true` if it
    /// ended cleanly, so the connection can take the next request.
    pub(super) async fn drain(&self) -> bool {
        let body = {
            let mut state = self.lock();
            if state.finished {
                return true;
            }
            if state.failed {
                return false;
            }
            state.body.take()
        };
        let Some(mut body) = body else {
            return false;
        };
        loop {
            match body.frame().await {
                Some(Ok(_)) => {}
                Some(Err(_)) => return false,
                None => {
                    self.lock().finished = true;
                    return true;
                }
            }
        }
    }
}

struct Reader(Upload);

impl http_body::Body for Reader {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut state = self.0.lock();
        state.started = true;
        let Some(body) = state.body.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(body).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => state.finished = true,
            Poll::Ready(Some(Err(_))) => state.failed = true,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        let state = self.0.lock();
        state.finished
            || state
                .body
                .as_ref()
                .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        let state = self.0.lock();
        state
            .body
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), http_body::Body::size_hint)
    }
}
