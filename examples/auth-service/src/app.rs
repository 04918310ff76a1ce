//! The HTTP surface: routes, handlers and the checks around them.
//!
//! Each handler reads top to bottom in the order a reviewer wants to see:
//! rate limits before any hashing, validation before storage, CSRF before
//! any cookie-authenticated change, and one security event per outcome.

use std::{
    hash::Hash,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use guardrail::{
    encode::log_line,
    password::{Error as PasswordError, PasswordHasher, PasswordPolicy, Verification},
    secret::{ExposeSecret, SecretString, Zeroizing, ser::expose_secret},
    token::{
        api_key::{ApiKey, ApiKeyIssuer, StoredApiKey},
        csrf::Csrf,
        random,
    },
    validate::{Email, Label, Username},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use tower_http::{catch_panic::CatchPanicLayer, set_header::SetResponseHeaderLayer};

use crate::{
    db::{self, Db, DbError, Inserted, Login},
    problem::Problem,
};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "session";
/// Header carrying the CSRF token on cookie-authenticated changes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Bytes of randomness in a session token (256 bits).
const SESSION_TOKEN_BYTES: usize = 32;
/// Longest cookie value worth looking up (a token is 43 characters).
const MAX_SESSION_COOKIE: usize = 128;
/// API keys one account may hold.
const MAX_API_KEYS: usize = 25;
/// Longest API key name, in characters.
const MAX_KEY_NAME: usize = 64;
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
    /// Absolute session lifetime.
    pub session_ttl: Duration,
    /// At most one `excess_rate_limit_exceeded` line a second: a flood of
    /// 429s must not become a flood of log lines (a disk-filling DoS).
    pub limit_log: LogThrottle,
}

/// Lets one event through per interval and counts the ones it held back.
#[derive(Debug)]
pub struct LogThrottle {
    interval: Duration,
    last: std::sync::Mutex<Option<std::time::Instant>>,
    suppressed: std::sync::atomic::AtomicU64,
}

impl LogThrottle {
    /// One event per `interval`.
    #[must_use]
    pub fn new(interval: Duration) -> Self {
        Self { interval, last: std::sync::Mutex::new(None), suppressed: std::sync::atomic::AtomicU64::new(0) }
    }

    /// `Some(events held back since the last one)` if this event should be logged.
    pub fn admit(&self) -> Option<u64> {
        use std::sync::atomic::Ordering;
        let now = std::time::Instant::now();
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_some_and(|t| now.duration_since(t) < self.interval) {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        *last = Some(now);
        Some(self.suppressed.swap(0, Ordering::Relaxed))
    }
}

/// A per-minute limiter that allows the whole minute's budget as a burst.
#[must_use]
pub fn per_minute<K: Hash + Eq + Clone>(n: std::num::NonZeroU32) -> DefaultKeyedRateLimiter<K> {
    RateLimiter::keyed(Quota::per_minute(n))
}

/// The service's routes and middleware.
pub fn router(state: Arc<AppState>, max_body: usize) -> Router {
    Router::new()
        .route("/signup", post(signup))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/password", post(change_password))
        .route("/api-keys", post(create_api_key))
        .route("/whoami", get(whoami))
        .route("/healthz", get(healthz))
        .fallback(|| async { Problem::not_found() })
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() })
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body))
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

/// `Err(seconds to wait)` when `key` is over its limit.
fn check<K: Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), u64> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
    })
}

impl AppState {
    fn limit_ip(&self, client: IpAddr) -> Result<(), Problem> {
        check(&self.per_ip, &client).map_err(|secs| self.limited("per_ip", client, secs))
    }

    fn limit_account(&self, account: &[u8; 32], client: IpAddr) -> Result<(), Problem> {
        check(&self.per_account, account).map_err(|secs| self.limited("per_account", client, secs))
    }

    fn hashing_failed(&self, e: PasswordError) -> Problem {
        if matches!(e, PasswordError::Busy) {
            if let Some(suppressed) = self.limit_log.admit() {
                tracing::warn!(target: "security", event = "excess_rate_limit_exceeded", limit = "hashing_slots", suppressed);
            }
            Problem::busy()
        } else {
            tracing::error!(error = %e, "hashing failed");
            Problem::internal()
        }
    }

    fn limited(&self, limit: &'static str, client: IpAddr, secs: u64) -> Problem {
        if let Some(suppressed) = self.limit_log.admit() {
            tracing::warn!(target: "security", event = "excess_rate_limit_exceeded", limit, %client, suppressed);
        }
        Problem::rate_limited(secs)
    }
}

/// The rate-limit key of an account: a digest, so the limiter holds no
/// submitted text.
fn account_key(kind: &str, id: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(kind.as_bytes());
    ctx.update(&[0]);
    ctx.update(id.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    out
}

// ---------------------------------------------------------------- signup

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupRequest {
    email: String,
    username: String,
    password: SecretString,
}

#[derive(Serialize)]
struct SignupResponse {
    id: i64,
    username: String,
}

async fn signup(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(req): JsonBody<SignupRequest>,
) -> Result<Response, Problem> {
    let client = peer.ip();
    s.limit_ip(client)?;
    let email = Email::parse(&req.email).map_err(|e| {
        tracing::info!(target: "security", event = "input_validation_fail", field = "email", reason = e.code(), %client);
        Problem::invalid("invalid_email")
    })?;
    let username = Username::parse(&req.username).map_err(|e| {
        tracing::info!(target: "security", event = "input_validation_fail", field = "username", reason = e.code(), %client);
        Problem::invalid("invalid_username")
    })?;
    // The policy's guessability estimate costs up to one hash (9–20 ms at
    // 100 characters; at most ~50 ms, 63 ms measured when both the NFKC and
    // the folded form are scored at their floor): it runs with the hash, on
    // the hasher's workers and under their bound, never on the executor's
    // thread.
    let hash = s
        .hasher
        .hash_new_async(&s.policy, &[email.as_str(), username.as_str()], req.password)
        .await
        .map_err(|e| new_password_failed(&s, e))?;

    let (e, u) = (email.as_str().to_owned(), username.as_str().to_owned());
    match s.db.call(move |c| db::insert_user(c, &e, &u, hash.as_str())).await.map_err(internal)? {
        Inserted::Id(id) => {
            tracing::info!(target: "security", event = "user_created", user_id = id, user = %log_line(username.as_str()), %client);
            let body = SignupResponse { id, username: username.as_str().to_owned() };
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        Inserted::Duplicate => Err(Problem::already_exists()),
    }
}

/// A new password's policy check and hash failed: 422 `weak_password` with
/// the violation codes, or what any hashing failure answers (503 `Busy`).
fn new_password_failed(s: &AppState, e: PasswordError) -> Problem {
    match e {
        PasswordError::Policy(v) => Problem::weak_password(v.codes().collect()),
        e => s.hashing_failed(e),
    }
}

// ----------------------------------------------------------------- login

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    login: String,
    password: SecretString,
}

#[derive(Serialize)]
struct LoginResponse {
    username: String,
    csrf_token: String,
}

/// An email address if it has an `@`, else a username; `None` if it is
/// neither (then no account can match, and the login costs the same).
fn parse_login(login: &str) -> Option<Login> {
    if login.contains('@') {
        Email::parse(login).ok().map(|e| Login::Email(e.as_str().to_owned()))
    } else {
        Username::parse(login).ok().map(|u| Login::Username(u.as_str().to_owned()))
    }
}

async fn login(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<Response, Problem> {
    let client = peer.ip();
    s.limit_ip(client)?;
    let login = parse_login(&req.login);
    let user = match login.clone() {
        Some(l) => s.db.call(move |c| db::find_user(c, &l)).await.map_err(internal)?,
        None => None,
    };
    let account = match (&user, &login) {
        (Some(u), _) => account_key("user", &u.id.to_string()),
        (None, Some(Login::Email(e) | Login::Username(e))) => account_key("login", e),
        (None, None) => account_key("raw", &req.login),
    };
    s.limit_account(&account, client)?;

    // The same work whether or not the account exists (a dummy verify).
    let verification = match &user {
        Some(u) => s.hasher.verify_async(req.password, u.password_hash.clone()).await,
        None => s.hasher.verify_unknown_user_async(req.password).await,
    };
    let user_id = user.as_ref().map(|u| u.id);
    let upgrade = match verification {
        Ok(Verification::Valid { upgrade }) => upgrade,
        Ok(Verification::Invalid) | Err(PasswordError::PasswordTooLong) => {
            tracing::info!(target: "security", event = "authn_login_fail", user_id, %client);
            return Err(Problem::invalid_credentials());
        }
        Err(PasswordError::Busy) => return Err(s.hashing_failed(PasswordError::Busy)),
        Err(e) => {
            // A stored hash this hasher refuses (out of policy, damaged,
            // sealed under a disabled key): the same answer as a wrong
            // password, and an error for the operators.
            tracing::error!(target: "security", event = "authn_login_fail", user_id, reason = "stored_hash_unusable", error = %e, %client);
            return Err(Problem::invalid_credentials());
        }
    };
    let Some(user) = user else {
        return Err(Problem::invalid_credentials()); // unreachable: unknown users never verify
    };

    if let Some(new_hash) = upgrade {
        let (id, old) = (user.id, user.password_hash.clone());
        if s.db.call(move |c| db::replace_hash(c, id, &old, new_hash.as_str())).await.map_err(internal)? {
            tracing::info!(target: "security", event = "user_updated", user_id = user.id, reason = "password_hash_upgraded");
        }
    }

    // Rotate: the session this browser had (if any) ends; a new id is issued.
    if let Some(old) = session_cookie(&headers) {
        let digest = sha256(old.expose_secret().as_bytes());
        s.db.call(move |c| db::delete_session(c, &digest)).await.map_err(internal)?;
    }
    let token = random::token(SESSION_TOKEN_BYTES).map_err(|_| Problem::internal())?;
    let digest = sha256(token.expose_secret().as_bytes());
    let ttl = i64::try_from(s.session_ttl.as_secs()).unwrap_or(i64::MAX);
    let expires_at = db::now().saturating_add(ttl);
    let id = user.id;
    s.db.call(move |c| db::insert_session(c, &digest, id, expires_at)).await.map_err(internal)?;

    tracing::info!(target: "security", event = "authn_login_success", user_id = user.id, user = %log_line(&user.username), %client);
    tracing::info!(target: "security", event = "session_created", user_id = user.id);
    let body = LoginResponse { username: user.username, csrf_token: s.csrf.token_for(&token) };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_set_cookie(&token, s.session_ttl)?);
    Ok(response)
}

/// `Set-Cookie` for a new session: script cannot read it, it travels only
/// over HTTPS (browsers treat `localhost` as secure), and cross-site
/// sub-requests do not carry it.
fn session_set_cookie(token: &SecretString, ttl: Duration) -> Result<HeaderValue, Problem> {
    let cookie = Zeroizing::new(format!(
        "{SESSION_COOKIE}={}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={}",
        token.expose_secret(),
        ttl.as_secs()
    ));
    let mut value = HeaderValue::from_str(&cookie).map_err(|_| Problem::internal())?;
    value.set_sensitive(true);
    Ok(value)
}

fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0")
}

// -------------------------------------------------------------- sessions

/// The `session` cookie's value, if any (bounded; never logged).
fn session_cookie(headers: &HeaderMap) -> Option<SecretString> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty() && value.len() <= MAX_SESSION_COOKIE)
        .map(|(_, value)| SecretString::from(value.to_owned()))
}

/// A request's valid session.
#[derive(Debug)]
struct Session {
    user_id: i64,
    token: SecretString,
    digest: [u8; 32],
}

async fn session(s: &AppState, headers: &HeaderMap) -> Result<Session, Problem> {
    let token = session_cookie(headers).ok_or_else(Problem::unauthenticated)?;
    let digest = sha256(token.expose_secret().as_bytes());
    let row = s.db.call(move |c| db::find_session(c, &digest)).await.map_err(internal)?;
    let Some((user_id, expires_at)) = row else {
        return Err(Problem::unauthenticated());
    };
    if expires_at <= db::now() {
        s.db.call(move |c| db::delete_session(c, &digest)).await.map_err(internal)?;
        tracing::info!(target: "security", event = "session_expired", user_id, reason = "expired");
        return Err(Problem::session_expired());
    }
    Ok(Session { user_id, token, digest })
}

/// The session, and its CSRF token in `X-CSRF-Token` (checked in constant time).
async fn session_with_csrf(s: &AppState, headers: &HeaderMap, client: IpAddr) -> Result<Session, Problem> {
    let session = session(s, headers).await?;
    let presented = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if s.csrf.verify(&session.token, presented).is_err() {
        tracing::warn!(target: "security", event = "authz_fail", user_id = session.user_id, reason = "csrf", %client);
        return Err(Problem::csrf());
    }
    Ok(session)
}

async fn logout(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let session = session_with_csrf(&s, &headers, peer.ip()).await?;
    let digest = session.digest;
    s.db.call(move |c| db::delete_session(c, &digest)).await.map_err(internal)?;
    tracing::info!(target: "security", event = "session_expired", user_id = session.user_id, reason = "logout");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_cookie())]).into_response())
}

#[derive(Serialize)]
struct MeResponse {
    id: i64,
    email: String,
    username: String,
}

async fn me(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Result<Json<MeResponse>, Problem> {
    let session = session(&s, &headers).await?;
    let id = session.user_id;
    let user =
        s.db.call(move |c| db::user_by_id(c, id)).await.map_err(internal)?.ok_or_else(Problem::unauthenticated)?;
    Ok(Json(MeResponse { id: user.id, email: user.email, username: user.username }))
}

// -------------------------------------------------------------- password

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: SecretString,
    new_password: SecretString,
}

async fn change_password(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<PasswordChange>,
) -> Result<Response, Problem> {
    let client = peer.ip();
    let session = session_with_csrf(&s, &headers, client).await?;
    // A stolen session must not become an unlimited password oracle.
    s.limit_account(&account_key("user", &session.user_id.to_string()), client)?;
    let id = session.user_id;
    let user =
        s.db.call(move |c| db::user_by_id(c, id)).await.map_err(internal)?.ok_or_else(Problem::unauthenticated)?;

    match s.hasher.verify_async(req.current_password, user.password_hash.clone()).await {
        Ok(Verification::Valid { .. }) => {}
        Ok(Verification::Invalid) | Err(PasswordError::PasswordTooLong) => {
            tracing::info!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "wrong_current_password", %client);
            return Err(Problem::wrong_current_password());
        }
        Err(e) => return Err(s.hashing_failed(e)),
    }
    let new_hash = s
        .hasher
        .hash_new_async(&s.policy, &[user.email.as_str(), user.username.as_str()], req.new_password)
        .await
        .map_err(|e| {
            if matches!(e, PasswordError::Policy(_)) {
                tracing::info!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "policy", %client);
            }
            new_password_failed(&s, e)
        })?;

    let (old, keep) = (user.password_hash, session.digest);
    let revoked =
        s.db.call(move |c| {
            if db::replace_hash(c, id, &old, new_hash.as_str())? {
                db::delete_other_sessions(c, id, &keep).map(Some)
            } else {
                Ok(None)
            }
        })
        .await
        .map_err(internal)?;
    let Some(revoked) = revoked else {
        // Changed concurrently by another request: its change stands.
        return Err(Problem::wrong_current_password());
    };
    tracing::info!(target: "security", event = "authn_password_change", user_id = id, other_sessions_revoked = revoked, %client);
    Ok(StatusCode::NO_CONTENT.into_response())
}

// -------------------------------------------------------------- API keys

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewApiKey {
    name: String,
}

#[derive(Serialize)]
struct NewApiKeyResponse {
    id: String,
    /// Shown once: only its digest is stored.
    #[serde(serialize_with = "expose_secret")]
    key: SecretString,
}

async fn create_api_key(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<NewApiKey>,
) -> Result<Response, Problem> {
    let session = session_with_csrf(&s, &headers, peer.ip()).await?;
    // A name people read: NFC, at most MAX_KEY_NAME characters, no control
    // or hidden character (zero-width, bidi controls, no-break spaces,
    // U+2800, ...), so two keys cannot show the same name. The problem
    // names the code only, never the value.
    let name =
        Label::parse_with_max(&req.name, MAX_KEY_NAME).map_err(|_| Problem::invalid("invalid_name"))?.into_string();
    let id = session.user_id;
    if s.db.call(move |c| db::count_api_keys(c, id)).await.map_err(internal)? >= MAX_API_KEYS {
        return Err(Problem::too_many_keys());
    }
    let (key, stored) = s.issuer.issue().map_err(|_| Problem::internal())?;
    let (lookup, digest) = (stored.lookup_id().to_owned(), stored.digest_hex());
    match s.db.call(move |c| db::insert_api_key(c, &lookup, id, &name, &digest)).await.map_err(internal)? {
        Inserted::Id(_) => {}
        Inserted::Duplicate => return Err(Problem::internal()), // a lookup-id collision: 2^-60 per pair
    }
    tracing::info!(target: "security", event = "authn_token_created", user_id = id, key_id = stored.lookup_id());
    let body = NewApiKeyResponse { id: stored.lookup_id().to_owned(), key };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Serialize)]
struct WhoamiResponse {
    username: String,
    key_id: String,
}

async fn whoami(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Json<WhoamiResponse>, Problem> {
    let client = peer.ip();
    let fail = |reason: &'static str| {
        tracing::info!(target: "security", event = "authz_fail", reason, %client);
        Problem::invalid_api_key()
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim())
        .ok_or_else(|| fail("missing_api_key"))?;
    // Format, alphabet and checksum first: junk never reaches the database.
    let key = ApiKey::parse(presented, &s.api_key_prefix).map_err(|_| fail("malformed_api_key"))?;
    let lookup = key.lookup_id();
    let lookup_for_db = lookup.clone();
    let row = s.db.call(move |c| db::find_api_key(c, &lookup_for_db)).await.map_err(internal)?;
    let (digest, username) = row.ok_or_else(|| fail("unknown_api_key"))?;
    let stored = StoredApiKey::from_parts(&lookup, &digest).map_err(|_| Problem::internal())?;
    stored.verify(&key).map_err(|_| fail("wrong_api_key"))?;
    Ok(Json(WhoamiResponse { username, key_id: lookup }))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

    use super::*;

    #[test]
    fn session_cookie_is_found_among_others_and_bounded() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("theme=dark; session=abc; x=y"));
        assert_eq!(session_cookie(&h).unwrap().expose_secret(), "abc");
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_str(&format!("session={}", "a".repeat(500))).unwrap());
        assert!(session_cookie(&h).is_none());
        assert!(session_cookie(&HeaderMap::new()).is_none());
    }

    #[test]
    fn logins_parse_as_email_or_username() {
        assert!(matches!(parse_login("Alice@Example.com"), Some(Login::Email(_))));
        assert!(matches!(parse_login("alice"), Some(Login::Username(_))));
        assert!(parse_login("a b@").is_none());
        assert!(parse_login("").is_none());
    }

    #[test]
    fn log_throttle_lets_one_through_per_interval_and_counts_the_rest() {
        let t = LogThrottle::new(Duration::from_millis(50));
        assert_eq!(t.admit(), Some(0));
        assert_eq!(t.admit(), None);
        assert_eq!(t.admit(), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(t.admit(), Some(2));
    }

    #[test]
    fn limiter_reports_a_whole_second_wait() {
        let l = per_minute::<u8>(std::num::NonZeroU32::new(1).unwrap());
        assert!(check(&l, &1).is_ok());
        let wait = check(&l, &1).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(check(&l, &2).is_ok(), "keys are independent");
    }
}
