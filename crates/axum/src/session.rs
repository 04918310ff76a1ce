//! Sessions: a random 256-bit token in the `__Host-session` cookie, stored
//! only as a keyed digest of it (HMAC-SHA256 under a [`DigestKey`] the
//! store does not hold), rotated on login, with an idle and an absolute
//! expiry, behind the small [`SessionStore`] trait.
//!
//! A handler takes [`Session<St>`] (401 without a valid one); login calls
//! [`Sessions::start`] and returns the [`NewSession`] among its response
//! parts; logout calls [`Sessions::end`]. The state provides
//! [`Sessions<St>`] through `FromRef`.

mod cookie;
mod memory;

use std::{fmt, future::Future, sync::Arc, time::Duration};

use axum::{
    extract::{FromRef, FromRequestParts, OptionalFromRequestParts},
    http::{HeaderMap, HeaderValue, header, request::Parts},
    response::{IntoResponseParts, ResponseParts},
};
use guardrail_secret::{ExposeSecret, SecretString};
use guardrail_token::{DigestKey, csrf::Csrf, random};

pub use cookie::MAX_COOKIE_BYTES;
pub(crate) use cookie::{SessionCookie, read as read_cookie};
pub use memory::MemorySessionStore;

use crate::{Error, Problem};

/// The session cookie's name. The `__Host-` prefix makes the browser keep
/// it only when it is `Secure`, `Path=/` and has no `Domain`.
pub const COOKIE: &str = "__Host-session";
/// Bytes of randomness in a session token: 32 (256 bits; at least 128).
pub const TOKEN_BYTES: usize = 32;

/// Seconds since the Unix epoch.
pub type UnixTime = i64;

/// The current time in [`UnixTime`] (0 for a clock before 1970).
#[must_use]
pub fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// When a session last seen at `last_seen` times out for being idle.
pub(crate) fn idle_deadline(last_seen: UnixTime, idle: Duration) -> UnixTime {
    last_seen.saturating_add(secs(idle))
}

/// How long sessions live: an absolute lifetime from login and an idle
/// timeout since the last request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    absolute: Duration,
    idle: Duration,
    touch_every: Duration,
    strict: bool,
}

impl SessionConfig {
    /// The default absolute lifetime: 8 hours (a working day).
    pub const DEFAULT_ABSOLUTE: Duration = Duration::from_secs(8 * 3600);
    /// The default idle timeout: 30 minutes.
    pub const DEFAULT_IDLE: Duration = Duration::from_secs(30 * 60);
    /// The longest absolute lifetime accepted: 30 days.
    pub const MAX_ABSOLUTE: Duration = Duration::from_secs(30 * 24 * 3600);
    /// How often, at most, a request writes its session's last-seen time
    /// by default: 60 seconds (the idle timeout is that coarse).
    pub const DEFAULT_TOUCH_EVERY: Duration = Duration::from_secs(60);

    /// Sessions that end `absolute` after login, or `idle` after the last
    /// request, whichever comes first. Whole seconds count.
    ///
    /// # Errors
    ///
    /// [`Error::DurationOutOfRange`] unless `1 s ≤ idle ≤ absolute ≤`
    /// [`Self::MAX_ABSOLUTE`].
    pub fn new(absolute: Duration, idle: Duration) -> Result<Self, Error> {
        if absolute.as_secs() == 0 || absolute > Self::MAX_ABSOLUTE {
            return Err(Error::DurationOutOfRange { name: "absolute" });
        }
        if idle.as_secs() == 0 || idle > absolute {
            return Err(Error::DurationOutOfRange { name: "idle" });
        }
        Ok(Self { absolute, idle, touch_every: Self::DEFAULT_TOUCH_EVERY.min(idle / 2), strict: false })
    }

    /// `SameSite=Strict` instead of `Lax`: a link from another site
    /// arrives logged out.
    #[must_use]
    pub fn same_site_strict(self) -> Self {
        Self { strict: true, ..self }
    }

    /// Writes the last-seen time at most once per `every`, capped at half
    /// the idle timeout: a session in use is refreshed before it can
    /// time out (capped at the idle timeout itself, a session used without
    /// pause was never refreshed and ended `idle` anyway).
    #[must_use]
    pub fn touch_every(self, every: Duration) -> Self {
        Self { touch_every: every.min(self.idle / 2), ..self }
    }

    /// The absolute lifetime.
    #[must_use]
    pub fn absolute(&self) -> Duration {
        self.absolute
    }

    /// The idle timeout.
    #[must_use]
    pub fn idle(&self) -> Duration {
        self.idle
    }

    fn same_site(&self) -> &'static str {
        if self.strict { "Strict" } else { "Lax" }
    }
}

impl Default for SessionConfig {
    /// [`Self::DEFAULT_ABSOLUTE`], [`Self::DEFAULT_IDLE`], `SameSite=Lax`.
    fn default() -> Self {
        Self {
            absolute: Self::DEFAULT_ABSOLUTE,
            idle: Self::DEFAULT_IDLE,
            touch_every: Self::DEFAULT_TOUCH_EVERY,
            strict: false,
        }
    }
}

/// What a store keeps of a session token: HMAC-SHA256, under the
/// [`Sessions`]' [`DigestKey`], of the label `session` and the token's
/// SHA-256. A leaked table opens no session, and one written by someone
/// without the key (a plain SHA-256 of a token they chose, or a MAC under
/// another key) names no token. `Debug` prints no byte of it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionDigest([u8; 32]);

impl SessionDigest {
    /// The digest of `token` under `key` (the one place a session token is
    /// digested): `key.digest(&[b"session", &sha256(token)])`.
    #[must_use]
    pub fn of(key: &DigestKey, token: &SecretString) -> Self {
        let sha256 = ring::digest::digest(&ring::digest::SHA256, token.expose_secret().as_bytes());
        let mut old = [0u8; 32];
        old.copy_from_slice(sha256.as_ref());
        Self::rekey(key, &old)
    }

    /// The digest under `key` of the token whose plain SHA-256 is
    /// `old_sha256` — what releases before keyed digests stored — without
    /// the token: equal to [`Self::of`] for that token. A store converts
    /// its rows once, when it starts keying them, and no session ends.
    #[must_use]
    pub fn rekey(key: &DigestKey, old_sha256: &[u8; 32]) -> Self {
        Self(key.digest(&[b"session", old_sha256]))
    }

    /// A digest read back from a store's key column (to act on a row the
    /// store listed). It names a session only if [`Self::of`] made those
    /// bytes under the same key.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The bytes, for a store's key column.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SessionDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionDigest(..)")
    }
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord<U> {
    /// Whose session it is.
    pub user: U,
    /// When it started.
    pub created_at: UnixTime,
    /// The last request that used it (written at most every
    /// [`SessionConfig::touch_every`]).
    pub last_seen: UnixTime,
    /// The end of its absolute lifetime.
    pub expires_at: UnixTime,
}

/// Where sessions live. Every method gets the digest, never the token.
///
/// # Credential epochs: why `insert` may refuse
///
/// A login checks a password, then starts a session; a password change
/// between the two must not leave the login a session made from a password
/// that is no longer the account's. Nothing in [`Sessions`] can see that:
/// the store can. A store whose `User` carries the account's *credential
/// epoch* as the login read it with the hash (a counter every credential
/// change bumps, in the same write that replaces the hash and ends the
/// other sessions) stores a session only while the account's epoch is
/// still that one, in one atomic step (in SQL, `INSERT … SELECT … WHERE
/// EXISTS (SELECT 1 FROM users WHERE id = ? AND credential_epoch = ?)`),
/// and answers `Ok(false)` otherwise; [`Sessions::start`] then returns
/// `None` (nothing stored, no cookie) and the login answers as for a wrong
/// password. `load` answering `None` for a record whose epoch is not the
/// account's closes the same race a second time. The crate's README shows
/// the pattern ("Credential epochs").
pub trait SessionStore: Send + Sync + 'static {
    /// Whose sessions (an account id, with its credential epoch if the
    /// store keys sessions to one).
    type User: Clone + Send + Sync + 'static;
    /// The store's error: logged (its `Display`) and answered 500.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Stores a new session: `true` when stored, `false` when the store's
    /// precondition failed and nothing was stored (the credential the
    /// login checked has changed since: see the trait docs).
    ///
    /// # Errors
    ///
    /// The store failing (the database unreachable, a write refused).
    /// [`Sessions::start`] logs the error's `Display` and answers 500
    /// `internal`; no cookie is set.
    fn insert(
        &self,
        digest: &SessionDigest,
        record: &SessionRecord<Self::User>,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;
    /// The session stored under `digest`, expired or not; `None` if there is
    /// none (not an error: the extractor answers 401 `unauthenticated`).
    ///
    /// # Errors
    ///
    /// The store failing, or a stored record that does not parse. The
    /// [`Session`] extractor logs the error's `Display` and answers 500
    /// `internal`, never 401: a store outage does not look like a logout.
    fn load(
        &self,
        digest: &SessionDigest,
    ) -> impl Future<Output = Result<Option<SessionRecord<Self::User>>, Self::Error>> + Send;
    /// Sets the session's `last_seen` to `now`.
    ///
    /// # Errors
    ///
    /// The store failing. The [`Session`] extractor logs it and answers 500
    /// `internal` (the request does not run on an unrefreshed session).
    fn touch(&self, digest: &SessionDigest, now: UnixTime) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// Removes the session; `true` if there was one (`false` is not an
    /// error).
    ///
    /// # Errors
    ///
    /// The store failing. [`Sessions::end`], the rotation in
    /// [`Sessions::start`] and the [`Session`] extractor (removing an
    /// expired session) log it and answer 500 `internal`; the session is not
    /// reported ended.
    fn delete(&self, digest: &SessionDigest) -> impl Future<Output = Result<bool, Self::Error>> + Send;
    /// Removes every session of `user` but `keep`; how many.
    ///
    /// # Errors
    ///
    /// The store failing. [`Sessions::end_others`] logs it and answers 500
    /// `internal`: the caller must not report the other sessions ended.
    fn delete_others(
        &self,
        user: &Self::User,
        keep: Option<&SessionDigest>,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send;
    /// Removes the sessions past `expires_at`, or idle for `idle` since
    /// `last_seen`, at `now`; how many.
    ///
    /// # Errors
    ///
    /// The store failing. [`Sessions::delete_expired`] returns it as it came
    /// (no request is waiting: the maintenance task logs it and tries again
    /// at its next pass); expired sessions are refused on use regardless.
    fn delete_expired(&self, now: UnixTime, idle: Duration) -> impl Future<Output = Result<usize, Self::Error>> + Send;
}

/// Starts, checks and ends sessions: a store, its [`SessionConfig`] and
/// the [`DigestKey`] its digests are made with. Cheap to clone (one
/// `Arc`); put it in the router's state.
pub struct Sessions<St> {
    inner: Arc<Inner<St>>,
}

struct Inner<St> {
    store: St,
    config: SessionConfig,
    key: DigestKey,
}

impl<St> Clone for Sessions<St> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<St> fmt::Debug for Sessions<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

fn store_failed(e: &dyn std::error::Error) -> Problem {
    Problem::internal_logged(e)
}

impl<St: SessionStore> Sessions<St> {
    /// Sessions kept in `store`, digested under `key` (one secret for this
    /// purpose only, loaded from the service's keys: a new key ends every
    /// session stored under the old one).
    #[must_use]
    pub fn new(store: St, config: SessionConfig, key: DigestKey) -> Self {
        Self { inner: Arc::new(Inner { store, config, key }) }
    }

    /// The store (for maintenance and tests).
    #[must_use]
    pub fn store(&self) -> &St {
        &self.inner.store
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &SessionConfig {
        &self.inner.config
    }

    /// The digest a store keeps for `token` (a session cookie's value).
    #[must_use]
    pub fn digest(&self, token: &SecretString) -> SessionDigest {
        SessionDigest::of(&self.inner.key, token)
    }

    /// Login: ends the session the request's cookie names (rotation: a
    /// token planted before login is worth nothing after it), then stores
    /// a fresh token's digest for `user`. Return the [`NewSession`] among
    /// the response parts; its [`NewSession::csrf_token`] goes in the body.
    ///
    /// `Ok(None)` when the store refused the insert ([`SessionStore::insert`]
    /// answered `false`: the credential the login checked changed since).
    /// Nothing is stored and there is no cookie; answer as for a wrong
    /// password. The session the cookie named is ended either way.
    ///
    /// # Errors
    ///
    /// 500 `internal` when the store or the random generator fails.
    pub async fn start(&self, headers: &HeaderMap, user: St::User, csrf: &Csrf) -> Result<Option<NewSession>, Problem> {
        if let SessionCookie::One(old) = read_cookie(headers) {
            self.store().delete(&self.digest(&old)).await.map_err(|e| store_failed(&e))?;
        }
        let token = random::token(TOKEN_BYTES).map_err(|e| store_failed(&e))?;
        let now = now();
        let config = self.config();
        let record = SessionRecord {
            user,
            created_at: now,
            last_seen: now,
            expires_at: now.saturating_add(secs(config.absolute)),
        };
        let cookie =
            cookie::set(&token, config.same_site(), config.absolute.as_secs()).ok_or_else(Problem::internal)?;
        if !self.store().insert(&self.digest(&token), &record).await.map_err(|e| store_failed(&e))? {
            return Ok(None);
        }
        Ok(Some(NewSession { csrf_token: csrf.token_for(&token), cookie }))
    }

    /// Logout: deletes the session and clears the cookie.
    ///
    /// # Errors
    ///
    /// 500 `internal` when the store fails.
    pub async fn end(&self, session: Session<St>) -> Result<EndedSession, Problem> {
        self.store().delete(&session.digest).await.map_err(|e| store_failed(&e))?;
        Ok(EndedSession { cookie: cookie::clear(self.config().same_site()) })
    }

    /// Ends every other session of the same user (after a password
    /// change); how many.
    ///
    /// # Errors
    ///
    /// 500 `internal` when the store fails.
    pub async fn end_others(&self, session: &Session<St>) -> Result<usize, Problem> {
        self.store().delete_others(&session.user, Some(&session.digest)).await.map_err(|e| store_failed(&e))
    }

    /// Removes expired and idle sessions (a periodic maintenance task).
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn delete_expired(&self) -> Result<usize, St::Error> {
        self.store().delete_expired(now(), self.config().idle).await
    }

    /// The valid session the cookie names, refreshing its last-seen time.
    async fn check(&self, token: SecretString) -> Result<Session<St>, Problem> {
        let digest = self.digest(&token);
        let Some(record) = self.store().load(&digest).await.map_err(|e| store_failed(&e))? else {
            return Err(Problem::unauthenticated());
        };
        let now = now();
        let reason = if record.expires_at <= now {
            Some("expired")
        } else if idle_deadline(record.last_seen, self.config().idle) <= now {
            Some("idle")
        } else {
            None
        };
        if let Some(reason) = reason {
            self.store().delete(&digest).await.map_err(|e| store_failed(&e))?;
            tracing::info!(target: "security", event = "session_expired", reason);
            return Err(Problem::session_expired().with_reason(reason));
        }
        if now.saturating_sub(record.last_seen) >= secs(self.config().touch_every) {
            self.store().touch(&digest, now).await.map_err(|e| store_failed(&e))?;
        }
        Ok(Session { user: record.user, digest, token })
    }
}

/// A session just started: the `Set-Cookie` (sensitive) and the CSRF
/// token for the response body. Not `Clone`; `Debug` shows neither.
pub struct NewSession {
    csrf_token: String,
    cookie: HeaderValue,
}

impl NewSession {
    /// The CSRF token bound to the new session: the client sends it back
    /// in [`CSRF_HEADER`](crate::csrf::CSRF_HEADER) on every change.
    #[must_use]
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewSession(..)")
    }
}

impl IntoResponseParts for NewSession {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.headers_mut().append(header::SET_COOKIE, self.cookie);
        Ok(res)
    }
}

/// A session just ended: the `Set-Cookie` that clears the cookie.
#[derive(Debug)]
pub struct EndedSession {
    cookie: HeaderValue,
}

impl IntoResponseParts for EndedSession {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.headers_mut().append(header::SET_COOKIE, self.cookie);
        Ok(res)
    }
}

/// A request's valid session, as an extractor: no cookie, a duplicate,
/// empty or oversized one, or an unknown token answer 401
/// `unauthenticated`; an expired or idle one is deleted and answers 401
/// `session_expired` with reason `expired` or `idle`. On an unsafe method
/// (`POST`, `PUT`, ...) a request the [`CsrfLayer`](crate::CsrfLayer) did
/// not let through (a route outside the layer) answers 500 `internal`, with
/// an error log line, cookie or not. `Debug` shows no token, digest or
/// user.
pub struct Session<St: SessionStore> {
    user: St::User,
    digest: SessionDigest,
    token: SecretString,
}

impl<St: SessionStore> Session<St> {
    /// Whose session it is.
    #[must_use]
    pub fn user(&self) -> &St::User {
        &self.user
    }

    /// The session's digest (to key data by session).
    #[must_use]
    pub fn digest(&self) -> &SessionDigest {
        &self.digest
    }

    /// The CSRF token bound to this session (for a page or `GET /me`).
    #[must_use]
    pub fn csrf_token(&self, csrf: &Csrf) -> String {
        csrf.token_for(&self.token)
    }
}

impl<St: SessionStore> fmt::Debug for Session<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Session(..)")
    }
}

impl<S, St> FromRequestParts<S> for Session<St>
where
    S: Send + Sync,
    St: SessionStore,
    Sessions<St>: FromRef<S>,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        crate::csrf::require_layer(parts)?;
        match read_cookie(&parts.headers) {
            SessionCookie::One(token) => Sessions::<St>::from_ref(state).check(token).await,
            SessionCookie::Absent | SessionCookie::Refused => Err(Problem::unauthenticated()),
        }
    }
}

impl<S, St> OptionalFromRequestParts<S> for Session<St>
where
    S: Send + Sync,
    St: SessionStore,
    Sessions<St>: FromRef<S>,
{
    type Rejection = Problem;

    /// `None` without a session cookie; a cookie that names no valid
    /// session, or an unsafe method outside the `CsrfLayer`, is refused as
    /// for `Session<St>`.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Problem> {
        crate::csrf::require_layer(parts)?;
        match read_cookie(&parts.headers) {
            SessionCookie::Absent => Ok(None),
            SessionCookie::One(token) => Sessions::<St>::from_ref(state).check(token).await.map(Some),
            SessionCookie::Refused => Err(Problem::unauthenticated()),
        }
    }
}
