//! CSRF as a layer: every request with an unsafe method (anything but
//! `GET`, `HEAD`, `OPTIONS`, `TRACE`) that carries a session cookie must
//! carry that session's token in `X-CSRF-Token`, or it is answered 403
//! `csrf` before any handler runs. Apply it last, with `Router::layer`,
//! so it wraps every route and the fallback: a route cannot forget it.
//!
//! A route opts out only by name, on the layer:
//! [`CsrfLayer::route_without_csrf_check`]`(Method::POST, "/login")`. The
//! name is compared with the route's [`MatchedPath`] (the pattern given
//! to `Router::route`, nested prefixes included), so a misspelt path
//! matches nothing and the check stays on.
//!
//! The token is an HMAC of the session token
//! ([`guardrail_token::csrf::Csrf`]): checked in constant time, with no
//! store lookup. A request without a session cookie passes: it changes
//! nothing as a logged-in user (the handler's `Session` answers 401).
//!
//! A refusal logs the security event `authz_fail` (`reason="csrf"`, the
//! route) through a [`LogThrottle`]: at most one line a second
//! ([`CsrfLayer::with_log_interval`]), each with the count of lines
//! `suppressed` since the last, so a flood of forged requests cannot fill
//! the log.
//!
//! Fail closed: the layer marks every request it lets through (exempt
//! routes included), and the [`Session`](crate::Session) extractor, plain
//! or as `Option`, refuses an unsafe-method request without that mark
//! with 500 `internal` and an error log line: a route added to the router
//! after `.layer(csrf)` (which the layer does not wrap) cannot read a
//! session on `POST` without a CSRF check.

use std::{
    fmt,
    future::{Future, ready},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    extract::{MatchedPath, Request},
    http::{Method, request::Parts},
    response::{IntoResponse, Response},
};
use guardrail_token::csrf::Csrf;
use tower::{Layer, Service};

use crate::{
    Problem,
    limit::LogThrottle,
    session::{SessionCookie, read_cookie},
};

/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF check as a tower layer (see the [module](self) docs).
#[derive(Clone)]
pub struct CsrfLayer {
    tokens: Arc<Csrf>,
    exempt: Arc<Vec<(Method, &'static str)>>,
    /// The refusal lines' throttle, shared by every route the layer wraps.
    log: Arc<LogThrottle>,
}

impl CsrfLayer {
    /// Checks tokens issued by `tokens` (the same `Csrf` that
    /// [`Sessions::start`](crate::Sessions::start) was given).
    #[must_use]
    pub fn new(tokens: Csrf) -> Self {
        Self {
            tokens: Arc::new(tokens),
            exempt: Arc::new(Vec::new()),
            log: Arc::new(LogThrottle::new(Duration::from_secs(1))),
        }
    }

    /// At most one refusal log line per `interval` (one a second unless
    /// set). `Duration::ZERO` logs every refusal: only where the log
    /// cannot be flooded (tests).
    #[must_use]
    pub fn with_log_interval(mut self, interval: Duration) -> Self {
        self.log = Arc::new(LogThrottle::new(interval));
        self
    }

    /// This route takes no cookie-authenticated change (log-in, sign-up,
    /// a webhook with its own signature): `method` and `path` exactly as
    /// given to `Router::route` (with a nested router's prefix). A path
    /// that matches no route leaves every route checked.
    #[must_use]
    pub fn route_without_csrf_check(mut self, method: Method, path: &'static str) -> Self {
        Arc::make_mut(&mut self.exempt).push((method, path));
        self
    }
}

impl fmt::Debug for CsrfLayer {
    /// The exempt routes; not the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfLayer").field("exempt", &self.exempt).finish_non_exhaustive()
    }
}

impl<S> Layer<S> for CsrfLayer {
    type Service = CsrfService<S>;

    fn layer(&self, inner: S) -> CsrfService<S> {
        CsrfService { inner, layer: self.clone() }
    }
}

/// The service [`CsrfLayer`] wraps around a route.
#[derive(Clone)]
pub struct CsrfService<S> {
    inner: S,
    layer: CsrfLayer,
}

impl<S> fmt::Debug for CsrfService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfService").field("layer", &self.layer).finish_non_exhaustive()
    }
}

/// `GET`, `HEAD`, `OPTIONS` and `TRACE` change nothing (RFC 9110 §9.2.1).
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

impl CsrfLayer {
    /// `Err` when the request must be refused.
    fn check(&self, request: &Request) -> Result<(), Problem> {
        let method = request.method();
        if is_safe(method) {
            return Ok(());
        }
        let matched = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
        if matched.is_some_and(|path| self.exempt.iter().any(|(m, p)| m == method && *p == path)) {
            return Ok(());
        }
        let token = match read_cookie(request.headers()) {
            SessionCookie::Absent => return Ok(()),
            SessionCookie::One(token) => Some(token),
            SessionCookie::Refused => None,
        };
        let mut presented = request.headers().get_all(CSRF_HEADER).iter();
        let verified = match (token, presented.next(), presented.next()) {
            (Some(token), Some(value), None) => {
                value.to_str().is_ok_and(|value| self.tokens.verify(&token, value).is_ok())
            }
            _ => false,
        };
        if verified {
            return Ok(());
        }
        if let Some(suppressed) = self.log.admit() {
            let route = matched.unwrap_or("-");
            tracing::warn!(target: "security", event = "authz_fail", reason = "csrf", route, suppressed);
        }
        Err(Problem::csrf())
    }
}

/// The mark [`CsrfService`] leaves on every request it let through.
#[derive(Debug, Clone, Copy)]
struct Vetted;

/// `Err` (500 `internal`, logged) when `parts` has an unsafe method and
/// no [`CsrfLayer`] let it through: the route is outside the layer, so a
/// session must not be read for it.
pub(crate) fn require_layer(parts: &Parts) -> Result<(), Problem> {
    if is_safe(&parts.method) || parts.extensions.get::<Vetted>().is_some() {
        return Ok(());
    }
    let route = parts.extensions.get::<MatchedPath>().map_or("-", MatchedPath::as_str);
    tracing::error!(
        target: "security",
        route,
        "the CsrfLayer does not cover this route: a session is refused on an unsafe method without it (apply the layer after every route)"
    );
    Err(Problem::internal())
}

/// The future of [`CsrfService`]: the route's, or the refusal.
pub type CsrfFuture<E> = Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>;

impl<S> Service<Request> for CsrfService<S>
where
    S: Service<Request, Response = Response>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = CsrfFuture<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        match self.layer.check(&request) {
            Ok(()) => {
                request.extensions_mut().insert(Vetted);
                Box::pin(self.inner.call(request))
            }
            Err(problem) => Box::pin(ready(Ok(problem.into_response()))),
        }
    }
}
