//! Request bodies with a total deadline that mark their request at work
//! once they end, response bodies that mark their request finished when
//! they are dropped.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::time::{Instant, Sleep};

use super::slots::ConnState;
use crate::Error;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request body that fails with [`Error::BodyTimeout`] once its deadline
/// has passed: the deadline is fixed when the head arrives and never
/// moves, so a body sent a byte at a time cannot extend it (a per-read
/// timeout, as tower-http's, restarts at every byte). While it has not
/// ended it holds its request's [`Receiving`] mark.
#[derive(Debug)]
pub(super) struct DeadlineBody {
    inner: Incoming,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
    receiving: Option<Receiving>,
}

impl DeadlineBody {
    pub(super) fn new(inner: Incoming, timeout: Duration, receiving: Option<Receiving>) -> Self {
        Self { inner, deadline: Instant::now() + timeout, timer: None, receiving }
    }

    fn poll_inner(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if Instant::now() >= self.deadline {
            return timed_out();
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                let deadline = self.deadline;
                let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.as_mut().poll(cx).is_ready() { timed_out() } else { Poll::Pending }
            }
        }
    }
}

fn timed_out() -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
    Poll::Ready(Some(Err(Box::new(Error::BodyTimeout))))
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = this.poll_inner(cx);
        let ended = match &polled {
            Poll::Pending => false,
            Poll::Ready(Some(Ok(_))) => this.inner.is_end_stream(),
            Poll::Ready(None | Some(Err(_))) => true,
        };
        if ended {
            this.receiving = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// While alive, the connection has a request in flight (once its body has
/// ended, the connection is not a candidate to be closed to make room);
/// dropped with the response body, once the response is written or the
/// connection ends.
#[derive(Debug)]
pub(super) struct InFlight(Arc<ConnState>);

impl InFlight {
    /// Marks a request begun; with `receiving` (its body has not ended)
    /// also the mark its body holds until it ends.
    pub(super) fn begin(state: &Arc<ConnState>, receiving: bool) -> (Self, Option<Receiving>) {
        state.begin_request(receiving);
        (Self(Arc::clone(state)), receiving.then(|| Receiving(Arc::clone(state))))
    }
}

/// While alive, a request's body is still arriving: its handler has not
/// got it, so the connection may be closed to make room at capacity.
#[derive(Debug)]
pub(super) struct Receiving(Arc<ConnState>);

impl Drop for Receiving {
    fn drop(&mut self) {
        self.0.body_done();
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.end_request();
    }
}

/// A response body carrying its request's [`InFlight`] mark.
#[derive(Debug)]
pub(super) struct TrackedBody {
    inner: axum::body::Body,
    _in_flight: InFlight,
}

impl TrackedBody {
    pub(super) fn new(inner: axum::body::Body, in_flight: InFlight) -> Self {
        Self { inner, _in_flight: in_flight }
    }
}

impl Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
