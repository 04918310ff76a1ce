//! The HTTP surface: the shared state and the router. The handlers live
//! in one module per thing served:
//!
//! - `app/signup.rs`: `POST /signup`;
//! - `app/login.rs`: `POST /login`;
//! - `app/session.rs`: the session cookie and the CSRF check (hand-written
//!   here), `POST /logout`, `GET /me`;
//! - `app/password.rs`: `POST /password`;
//! - `app/api_keys.rs`: `POST /api-keys`, `GET /whoami`;
//! - `app/limits.rs`: rate limits and the throttle on their log lines.
//!
//! Every handler that logs or limits by client address starts from a
//! `Call` (state, client address, headers), then its JSON body if it takes
//! one; `GET /me` and `/healthz` need no address and take no `Call`, so
//! they answer even where the router is served without connect info. Each
//! handler reads top to bottom in the order a reviewer wants to see: rate
//! limits before any hashing, validation before storage, CSRF before any
//! cookie-authenticated change, and one security event per outcome.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Request},
    http::{HeaderMap, HeaderName, HeaderValue, header, request::Parts},
    response::IntoResponse,
    routing::{get, post},
};
use governor::DefaultKeyedRateLimiter;
use guardrail::{
    password::{PasswordHasher, PasswordPolicy},
    token::{api_key::ApiKeyIssuer, csrf::Csrf},
};
use serde::de::DeserializeOwned;
use tower_http::{catch_panic::CatchPanicLayer, set_header::SetResponseHeaderLayer};

use crate::{
    db::{Db, DbError},
    problem::Problem,
};

mod api_keys;
mod limits;
mod login;
mod password;
mod session;
mod signup;

pub use limits::{LogThrottle, per_minute};
pub use session::{CSRF_HEADER, SESSION_COOKIE};

/// Words no password of this service may contain.
pub const SERVICE_WORDS: [&str; 3] = ["auth-service", "authsvc", "guardrail"];

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// Storage.
    pub db: Db,
    /// argon2id with the pepper and admission control.
    pub hasher: Arc<PasswordHasher>,
    /// Rules for new passwords.
    pub policy: PasswordPolicy,
    /// CSRF tokens bound to the session.
    pub csrf: Csrf,
    /// Issues API keys.
    pub issuer: ApiKeyIssuer,
    /// The prefix presented keys must carry.
    pub api_key_prefix: String,
    /// Login and signup attempts per client address.
    pub per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Password checks per account (by user id, or by the digest of an
    /// unknown login, so unknown accounts are limited alike).
    pub per_account: DefaultKeyedRateLimiter<[u8; 32]>,
    /// Absolute session lifetime (sent in whole seconds as `Max-Age`).
    pub session_ttl: Duration,
    /// At most one `excess_rate_limit_exceeded` line a second: a flood of
    /// 429s must not become a flood of log lines (a disk-filling DoS).
    pub limit_log: LogThrottle,
}

/// The service's routes and middleware; bodies larger than
/// `max_body_bytes` are refused with 413.
pub fn router(state: Arc<AppState>, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/signup", post(signup::signup))
        .route("/login", post(login::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/password", post(password::change_password))
        .route("/api-keys", post(api_keys::create_api_key))
        .route("/whoami", get(api_keys::whoami))
        .route("/healthz", get(healthz))
        .fallback(|| async { Problem::not_found() })
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() })
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(header_layer(header::CACHE_CONTROL, "no-store"))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!(target: "security", event = "sys_crash", "handler panicked");
            Problem::internal().into_response()
        }))
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// What every handler starts from: the shared state, the client's address
/// (for rate limits and security events) and the request's headers
/// (session cookie, CSRF token, API key). Extracted as `State`,
/// `ConnectInfo` and `HeaderMap` are, so it refuses only what
/// `ConnectInfo` would.
struct Call {
    s: Arc<AppState>,
    client: IpAddr,
    headers: HeaderMap,
}

impl FromRequestParts<Arc<AppState>> for Call {
    type Rejection = <ConnectInfo<SocketAddr> as FromRequestParts<Arc<AppState>>>::Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await?;
        Ok(Self { s: Arc::clone(state), client: peer.ip(), headers: parts.headers.clone() })
    }
}

/// `Json<T>` whose rejections are problems without axum's messages (which
/// quote the input).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<T>::from_request(req, state).await?;
        Ok(Self(value))
    }
}

fn internal(e: DbError) -> Problem {
    tracing::error!(error = %e, "storage failed");
    Problem::internal()
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}
