//! An HTTP/1.1 server for a [`Router`] that slow, idle or numerous clients
//! cannot exhaust, with a shutdown that ends (feature `serve`).
//!
//! `axum::serve` gives hyper no timer, so a client holding half a request
//! head, a body that never arrives or an idle kept-alive connection holds
//! its socket for ever; it accepts every connection (each a file
//! descriptor), and its graceful shutdown waits for every connection
//! without a deadline. [`Server`] bounds each:
//!
//! | what | bound | setter | default |
//! |---|---|---|---|
//! | a request head, and the wait for the next request on a kept-alive connection | hyper's header read timeout: the connection is closed | [`header_timeout`](Server::header_timeout) | 10 s |
//! | a request body | a total deadline from the head's arrival (a body sent a byte at a time does not move it); [`Json`](crate::Json) answers 408 `request_timeout` | [`body_timeout`](Server::body_timeout) | 10 s |
//! | a connection with no byte read or written | closed | [`idle_timeout`](Server::idle_timeout) | 30 s |
//! | connections at once | a slot is taken before `accept`, so the rest wait in the kernel's backlog; at capacity one more is accepted, and the connection without a request at work for longest (at least 250 ms: an idle kept-alive connection or a slow head first, then a request still receiving its body) is closed to make room for it | [`max_connections`](Server::max_connections) | 512 |
//! | connections of one client at once | a connection over its client's cap is closed as it is accepted, before anything is read, and never makes room; a client is a [`ClientKey`] (an IPv6 address masked to [`ipv6_prefix`](Server::ipv6_prefix), 64 by default); no cap when it is at least `max_connections` | [`max_connections_per_client`](Server::max_connections_per_client) | 32 |
//! | shutdown | stop accepting, let every request in flight finish and close each connection; after the grace, drop the rest and report how many | [`shutdown_grace`](Server::shutdown_grace) | 10 s |
//!
//! A request still receiving its body has not reached its handler when
//! the handler takes the body whole (as [`Json`](crate::Json) and `Bytes`
//! do), so closing it at capacity loses no work; a handler that streams
//! its body while it works may be cancelled mid-body that way (at capacity
//! only, and only after every idle connection and slow head).
//!
//! The per-client cap keys by the peer address: behind a reverse proxy
//! every connection comes from the proxy, so set the cap to
//! `max_connections` there (no cap; the proxy must bound its clients).
//!
//! Every request carries [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo)
//! (what [`ClientIp`](crate::limit::ClientIp) reads). HTTP/2 and upgrades
//! are not served.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use guardrail_axum::serve::Server;
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let app = Router::new().route("/healthz", get(|| async { "ok" }));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = Server::new(listener, app)
//!     .header_timeout(Duration::from_secs(10))
//!     .max_connections(512)
//!     .run(async {
//!         let _ = stopped.await;
//!     })?;
//! let serving = tokio::spawn(server);
//! // ... later:
//! let _ = stop.send(());
//! let report = serving.await?;
//! println!("dropped {} connections at shutdown", report.dropped);
//! # Ok(())
//! # }
//! ```
//!
//! # Security
//!
//! Guaranteed (`tests/serve.rs`): a connection that sends half a head, a
//! body that stalls or drips, or nothing at all, is closed within its
//! timeout; the process holds at most `max_connections + 1` connection
//! sockets; one address holds at most `max_connections_per_client` of
//! them, and another address is still served; a body dripping at capacity
//! is closed to make room; a shutdown returns within the grace however stuck its
//! connections are. Not covered: a handler that runs for ever (the
//! runtime's shutdown, or a timeout layer, bounds that); a request in
//! flight whose handler does not read the body is not timed by the body
//! deadline (no read, no wait); a handler that takes longer than the idle
//! timeout while the client is silent loses its connection (keep the idle
//! timeout above the slowest handler).

mod body;
mod io;
mod slots;

use std::{convert::Infallible, future::Future, net::SocketAddr, pin::pin, sync::Arc, time::Duration};

use axum::{Router, extract::ConnectInfo};
use http_body::Body as _;
use hyper::{Request, body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::{GracefulShutdown, Watcher},
};
use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinSet,
};
use tower::Service as _;

use crate::{Error, limit::ClientKey};
use body::{DeadlineBody, InFlight, TrackedBody};
use slots::{Slot, Slots};

/// The default [`Server::header_timeout`]: 10 s.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`Server::body_timeout`]: 10 s.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`Server::idle_timeout`]: 30 s.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The default [`Server::max_connections`]: 512.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// The default [`Server::max_connections_per_client`]: 32 (a browser opens
/// up to 6 HTTP/1.1 connections per host, so a handful of users behind one
/// address fit; with the default bound, filling it takes 16 addresses).
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 32;
/// The default [`Server::shutdown_grace`]: 10 s.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// File descriptors kept for the process besides its connections: the
/// open-file limit must be at least `max_connections` plus this.
pub const RESERVED_FILES: u64 = 64;
/// A connection is closed to make room only after this long without a
/// request in flight (or the header timeout, if shorter).
const EVICT_AFTER: Duration = Duration::from_millis(250);

/// An HTTP/1.1 server with timeouts, a connection bound and a shutdown
/// deadline (see the [module docs](self)).
#[derive(Debug)]
#[must_use = "a server does nothing until `run` and its future is awaited or spawned"]
pub struct Server {
    listener: TcpListener,
    app: Router,
    limits: Limits,
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    header_timeout: Duration,
    body_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
    max_connections_per_client: usize,
    ipv6_prefix: u8,
    shutdown_grace: Duration,
}

/// What a shutdown did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Connections still open when the grace ran out, dropped.
    pub dropped: usize,
    /// Connections closed to make room while the server ran (at capacity,
    /// the one without a request at work for longest).
    pub evicted: u64,
    /// Connections closed as they were accepted, their client at
    /// [`Server::max_connections_per_client`].
    pub refused: u64,
}

impl Server {
    /// A server for `app` on `listener`, with the defaults of the module
    /// docs.
    pub fn new(listener: TcpListener, app: Router) -> Self {
        let limits = Limits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            ipv6_prefix: ClientKey::DEFAULT_V6_PREFIX,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
        };
        Self { listener, app, limits }
    }

    /// The longest wait for a whole request head, and for the next request
    /// on a kept-alive connection; then the connection is closed.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_timeout = timeout;
        self
    }

    /// The longest time a whole request body may take, from the head's
    /// arrival; then reading it fails with [`Error::BodyTimeout`]
    /// ([`Json`](crate::Json): 408 `request_timeout`).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_timeout = timeout;
        self
    }

    /// A connection with no byte read or written this long is closed.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// Connections served at once.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max;
        self
    }

    /// Connections one client ([`ClientKey`]) may hold at once; one more
    /// is closed as it is accepted. At or above `max_connections` there is
    /// no per-client cap (one address may then hold every slot: set it so
    /// only behind a proxy that bounds its clients).
    pub fn max_connections_per_client(mut self, max: usize) -> Self {
        self.limits.max_connections_per_client = max;
        self
    }

    /// The IPv6 prefix length, in bits, one client holds
    /// ([`ClientKey::new`]; 64 by default, above 128 is 128).
    pub fn ipv6_prefix(mut self, bits: u8) -> Self {
        self.limits.ipv6_prefix = bits;
        self
    }

    /// On shutdown, how long connections may finish before they are
    /// dropped.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.limits.shutdown_grace = grace;
        self
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// The listener's I/O error.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Checks the settings and returns the server's future: it serves
    /// until `signal` completes, then shuts down (see the module docs) and
    /// reports what it dropped. Spawn it or await it.
    ///
    /// # Errors
    /// [`Error::DurationOutOfRange`] for a zero header, body or idle
    /// timeout; [`Error::OutOfRange`] for zero `max_connections` or
    /// `max_connections_per_client`;
    /// [`Error::TooManyConnections`] when `max_connections` plus
    /// [`RESERVED_FILES`] is over the process's open-file limit (soft
    /// `RLIMIT_NOFILE`, on unix).
    pub fn run<F>(self, signal: F) -> Result<impl Future<Output = ShutdownReport> + Send + 'static, Error>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.limits.check()?;
        Ok(self.serve(signal))
    }

    async fn serve<F: Future<Output = ()> + Send>(self, signal: F) -> ShutdownReport {
        let Self { listener, app, limits } = self;
        let evict_after = EVICT_AFTER.min(limits.header_timeout);
        // At the bound in all, a per-client cap would refuse what the bound
        // lets wait or make room for: there is none.
        let per_client = if limits.max_connections_per_client >= limits.max_connections {
            usize::MAX
        } else {
            limits.max_connections_per_client
        };
        let slots = Slots::new(limits.max_connections, per_client, limits.ipv6_prefix, evict_after);
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
        let graceful = GracefulShutdown::new();
        let mut connections = JoinSet::new();
        let mut signal = pin!(signal);
        loop {
            while connections.try_join_next().is_some() {}
            let (stream, remote, slot) = tokio::select! {
                biased;
                () = &mut signal => break,
                next = admit(&listener, &slots) => next,
            };
            let connection = Connection { http: http.clone(), app: app.clone(), limits, remote, slot };
            connections.spawn(connection.serve(stream, graceful.watcher()));
        }
        // Stop accepting: connections still in the backlog are refused.
        drop(listener);
        let dropped = shut_down(graceful, connections, limits.shutdown_grace).await;
        ShutdownReport { dropped, evicted: slots.evicted(), refused: slots.refused() }
    }
}

impl Limits {
    fn check(&self) -> Result<(), Error> {
        for (name, value) in [
            ("header_timeout", self.header_timeout),
            ("body_timeout", self.body_timeout),
            ("idle_timeout", self.idle_timeout),
        ] {
            if value.is_zero() {
                return Err(Error::DurationOutOfRange { name });
            }
        }
        if self.max_connections == 0 {
            return Err(Error::OutOfRange { name: "max_connections" });
        }
        if self.max_connections_per_client == 0 {
            return Err(Error::OutOfRange { name: "max_connections_per_client" });
        }
        if let Some(open_files) = open_file_limit() {
            let wanted = u64::try_from(self.max_connections).unwrap_or(u64::MAX).saturating_add(RESERVED_FILES);
            if wanted > open_files {
                return Err(Error::TooManyConnections {
                    max_connections: self.max_connections,
                    open_files,
                    reserved: RESERVED_FILES,
                });
            }
        }
        Ok(())
    }
}

/// The soft limit on open files, if there is one.
#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// The next connection and its slot: with a slot free, the slot is taken
/// first and then a connection accepted; at capacity, whichever comes
/// first — a slot freed (then accept), or a connection waiting (accept
/// it, the one socket held beyond the bound, and make room for it). A
/// connection whose client is at its cap is closed at once, before
/// anything is read, and the next one is awaited (keeping any slot).
async fn admit(listener: &TcpListener, slots: &Arc<Slots>) -> (TcpStream, SocketAddr, Slot) {
    let mut held = slots.try_permit();
    loop {
        let (stream, remote, permit) = match held.take() {
            Some(permit) => {
                let (stream, remote) = accept(listener).await;
                (stream, remote, Some(permit))
            }
            None => tokio::select! {
                permit = slots.permit() => {
                    let (stream, remote) = accept(listener).await;
                    (stream, remote, Some(permit))
                }
                (stream, remote) = accept(listener) => (stream, remote, None),
            },
        };
        let Some(claim) = slots.claim(remote.ip()) else {
            drop(stream);
            tracing::debug!("connection closed at accept: its client is at its connection cap");
            held = permit;
            continue;
        };
        let permit = match permit {
            Some(permit) => permit,
            None => slots.make_room().await,
        };
        return (stream, remote, slots.admit(permit, claim));
    }
}

/// Accepts a connection; an error about one connection is skipped, any
/// other (out of file descriptors, ...) is logged and retried after a
/// second, as `axum::serve` does.
async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionRefused
                ) => {}
            Err(e) => {
                tracing::error!(error = %e, "accepting a connection failed; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Asks every connection to finish and close, waits at most `grace`,
/// then drops the rest; returns how many were dropped.
async fn shut_down(graceful: GracefulShutdown, mut connections: JoinSet<()>, grace: Duration) -> usize {
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_ok() {
        while connections.join_next().await.is_some() {}
        return 0;
    }
    connections.abort_all();
    let mut dropped = 0;
    while let Some(ended) = connections.join_next().await {
        if ended.is_err_and(|e| e.is_cancelled()) {
            dropped += 1;
        }
    }
    dropped
}

/// One accepted connection, to be served on its own task.
struct Connection {
    http: http1::Builder,
    app: Router,
    limits: Limits,
    remote: SocketAddr,
    slot: Slot,
}

impl Connection {
    async fn serve(self, stream: TcpStream, watcher: Watcher) {
        let Self { http, app, limits, remote, slot } = self;
        let state = Arc::clone(&slot.state);
        let service = service_fn(move |request: Request<Incoming>| {
            let (in_flight, receiving) = InFlight::begin(&state, !request.body().is_end_stream());
            let mut request = request.map(|body| DeadlineBody::new(body, limits.body_timeout, receiving));
            request.extensions_mut().insert(ConnectInfo(remote));
            let response = app.clone().call(request);
            async move {
                let response = response.await?;
                Ok::<_, Infallible>(response.map(|body| TrackedBody::new(body, in_flight)))
            }
        });
        let io = TokioIo::new(io::IdleIo::new(stream, limits.idle_timeout));
        let connection = watcher.watch(http.serve_connection(io, service));
        tokio::select! {
            ended = connection => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
            }
            () = slot.state.evict.notified() => tracing::debug!("connection closed to make room"),
        }
    }
}
