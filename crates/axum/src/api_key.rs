//! API keys presented as `Authorization: Bearer <key>`.
//!
//! [`ApiKeyAuth<L>`] is an extractor: it reads the header, checks the
//! key's prefix, format and checksum (guardrail-token's
//! [`ApiKey::parse`], no I/O) **before** asking the application's
//! [`ApiKeyLookup`] for the stored record, then compares the digests in
//! constant time ([`StoredApiKey::verify`], guardrail-ct). The store only
//! ever sees the key's public lookup id.
//!
//! Every failure — no header, another scheme, a malformed key, a wrong
//! checksum, an unknown key, a wrong digest — answers the same
//! 401 [`Problem::invalid_api_key`] with `WWW-Authenticate: Bearer`, byte
//! for byte, and logs the security event `authz_fail` with a reason code
//! (`missing_api_key`, `malformed_api_key`, `unknown_api_key`,
//! `wrong_api_key`) and, when the server gives `ConnectInfo`, the client's
//! address. Those lines go through a [`LogThrottle`] (at most one a
//! second, each with the count of lines `suppressed` since the last), so
//! a flood of bad keys cannot fill the log. The key itself is never
//! logged or answered. A failing lookup (the store's own error) is a 500
//! `internal`.
//!
//! Store keys keyed ([`ApiKeyVerifier::with_digest_key`], with the
//! issuer's [`ApiKeyIssuer::with_digest_key`]): the stored digest is then
//! an HMAC under a key the database does not hold, and a row someone wrote
//! for a key of their own does not verify. Without it the records are
//! plain SHA-256 digests, which anyone who can write the key table can
//! make for a key they choose.
//!
//! [`ApiKeyVerifier::with_failure_limit`] limits failed attempts per
//! client ([`ClientKey`]: IPv4 address, IPv6 by /64 or
//! [`ApiKeyVerifier::with_ipv6_prefix`]): every refusal takes one cell of
//! the client's budget, a valid key takes none, and once the budget is
//! spent the client is answered 429 [`Problem::rate_limited`] with
//! `Retry-After` before its key is even parsed, valid or not.
//!
//! ```
//! use std::num::NonZeroU32;
//!
//! use axum::{Router, routing::get};
//! use guardrail_axum::{Limiter, api_key::{ApiKeyAuth, ApiKeyLookup, ApiKeyVerifier}};
//! use guardrail_token::{DigestKey, StoredApiKey};
//!
//! /// The application's key table (a database in a real service).
//! struct Keys(Vec<(StoredApiKey, String)>);
//!
//! impl ApiKeyLookup for Keys {
//!     type Principal = String;
//!     type Error = std::convert::Infallible;
//!     async fn find(&self, lookup_id: &str) -> Result<Option<(StoredApiKey, String)>, Self::Error> {
//!         Ok(self.0.iter().find(|(stored, _)| stored.lookup_id() == lookup_id).cloned())
//!     }
//! }
//!
//! async fn whoami(auth: ApiKeyAuth<Keys>) -> String {
//!     format!("{} ({})", auth.principal, auth.key_id)
//! }
//!
//! // The same DigestKey as the issuer's (a server secret: derive it from
//! // the service's root key, one per purpose).
//! let digest_key = DigestKey::generate().unwrap();
//! // The router's state, or a field of it with `FromRef`.
//! let verifier = ApiKeyVerifier::new("acme_live", Keys(Vec::new()))
//!     .unwrap()
//!     .with_digest_key(digest_key)
//!     .with_failure_limit(Limiter::per_minute(NonZeroU32::new(20).unwrap()));
//! // Serve with `into_make_service_with_connect_info::<SocketAddr>()`: the
//! // failure limit keys clients by address.
//! let app: Router = Router::new().route("/whoami", get(whoami)).with_state(verifier);
//! ```

use std::{
    fmt,
    future::Future,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};
use guardrail_token::{ApiKey, ApiKeyIssuer, DigestKey, StoredApiKey};

use crate::{
    limit::{ClientKey, Limiter, LogThrottle},
    problem::Problem,
};

/// Where an application keeps its API keys: the stored record (lookup id
/// and digest, never the key) and who the key belongs to, by lookup id.
///
/// Implemented by the application over its database; an in-memory one is
/// a `HashMap` behind a lock.
pub trait ApiKeyLookup: Send + Sync + 'static {
    /// Who a key acts for: an account id, a service name, scopes.
    type Principal: Send + 'static;
    /// The store's own failure (answered as 500 `internal`, its `Display`
    /// logged): it must hold no secret. The lookup id it was given is
    /// public.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The stored record and principal for `lookup_id`
    /// ([`ApiKey::lookup_id`] of a key that already passed its format and
    /// checksum check), or `None` when there is none (a revoked key too).
    ///
    /// # Errors
    ///
    /// The store's own failure; never "not found", which is `Ok(None)`.
    fn find(
        &self,
        lookup_id: &str,
    ) -> impl Future<Output = Result<Option<(StoredApiKey, Self::Principal)>, Self::Error>> + Send;
}

/// The API-key check of one service: the prefix its keys carry
/// (`acme_live`) and its [`ApiKeyLookup`]. Cheap to clone (one `Arc`).
///
/// [`ApiKeyAuth<L>`] takes it from the router's state through
/// [`FromRef`]; [`ApiKeyVerifier::verify_from`] does the same check on a
/// bare `HeaderMap`.
pub struct ApiKeyVerifier<L> {
    inner: Arc<Inner<L>>,
    /// `Some`: records are keyed ([`StoredApiKey::verify_keyed`]).
    digest_key: Option<DigestKey>,
    /// Failed attempts per client.
    failures: Option<Arc<Limiter<ClientKey>>>,
    /// The IPv6 prefix length a `ConnectInfo` address is keyed by.
    ipv6_prefix: u8,
    /// The refusal log lines' throttle (shared by clones).
    log: Arc<LogThrottle>,
}

struct Inner<L> {
    prefix: String,
    lookup: L,
}

/// One refusal log line a second at most.
const LOG_INTERVAL: Duration = Duration::from_secs(1);

impl<L> Clone for ApiKeyVerifier<L> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            digest_key: self.digest_key.clone(),
            failures: self.failures.clone(),
            ipv6_prefix: self.ipv6_prefix,
            log: Arc::clone(&self.log),
        }
    }
}

impl<L> fmt::Debug for ApiKeyVerifier<L> {
    /// The prefix and which options are on: the lookup may hold anything,
    /// and the digest key is a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyVerifier")
            .field("prefix", &self.inner.prefix)
            .field("keyed", &self.digest_key.is_some())
            .field("failure_limit", &self.failures.is_some())
            .field("ipv6_prefix", &self.ipv6_prefix)
            .finish_non_exhaustive()
    }
}

/// Who presented a key, as far as the verifier knows.
#[derive(Clone, Copy)]
struct Caller {
    /// The address to log (the full one when `ConnectInfo` gave it).
    addr: Option<IpAddr>,
    /// The failure-limit key.
    key: Option<ClientKey>,
}

/// A request authenticated by its API key: who the key acts for and the
/// key's public lookup id (for logs and audit; it reveals nothing of the
/// key). Holds no part of the key itself.
pub struct ApiKeyAuth<L: ApiKeyLookup> {
    /// What [`ApiKeyLookup::find`] returned with the stored record.
    pub principal: L::Principal,
    /// The key's public lookup id ([`ApiKey::lookup_id`]).
    pub key_id: String,
}

impl<L: ApiKeyLookup> fmt::Debug for ApiKeyAuth<L> {
    /// The lookup id only: the principal's type need not be `Debug`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyAuth").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

/// Why a presented key was refused: the reason code of the `authz_fail`
/// event. The client sees none of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No `Authorization` header, several, or another scheme.
    Missing,
    /// Wrong prefix, length, alphabet or checksum.
    Malformed,
    /// Well formed, but no key has this lookup id.
    Unknown,
    /// A stored key has this lookup id, but the digest differs.
    Wrong,
}

impl Refusal {
    const fn code(self) -> &'static str {
        match self {
            Self::Missing => "missing_api_key",
            Self::Malformed => "malformed_api_key",
            Self::Unknown => "unknown_api_key",
            Self::Wrong => "wrong_api_key",
        }
    }
}

impl<L: ApiKeyLookup> ApiKeyVerifier<L> {
    /// A verifier for keys issued with `prefix` (the
    /// [`ApiKeyIssuer`]'s), found through `lookup`.
    ///
    /// # Errors
    ///
    /// [`guardrail_token::Error::InvalidPrefix`] when `prefix` is not one
    /// an [`ApiKeyIssuer`] accepts (1..=32 of `a-z`, `0-9`, `_`, starting
    /// with a letter).
    pub fn new(prefix: &str, lookup: L) -> Result<Self, guardrail_token::Error> {
        ApiKeyIssuer::new(prefix)?;
        Ok(Self {
            inner: Arc::new(Inner { prefix: prefix.to_owned(), lookup }),
            digest_key: None,
            failures: None,
            ipv6_prefix: ClientKey::DEFAULT_V6_PREFIX,
            log: Arc::new(LogThrottle::new(LOG_INTERVAL)),
        })
    }

    /// This verifier, checking records keyed by `digest_key` (the
    /// issuer's [`ApiKeyIssuer::with_digest_key`]) with
    /// [`StoredApiKey::verify_keyed`]: an unkeyed record — one a database
    /// writer computed for a key of their own — is refused as
    /// `wrong_api_key`. Convert records of an unkeyed store with
    /// [`StoredApiKey::rekey`] first.
    #[must_use]
    pub fn with_digest_key(self, digest_key: DigestKey) -> Self {
        Self { digest_key: Some(digest_key), ..self }
    }

    /// This verifier, limiting failed attempts per client: each refusal
    /// (missing, malformed, unknown or wrong key) takes one cell of the
    /// client's budget in `limit`; a valid key takes none; a client with
    /// no cell left is answered 429 [`Problem::rate_limited`] with
    /// `Retry-After` before its key is parsed (and the throttled
    /// `excess_rate_limit_exceeded` event is logged).
    ///
    /// The client is the [`ClientKey`] of axum's `ConnectInfo<SocketAddr>`
    /// (IPv6 by [`ApiKeyVerifier::with_ipv6_prefix`]) for the extractor, or
    /// the one given to [`ApiKeyVerifier::verify_from`]. Without either
    /// the request is answered 500 and an error is logged: the limit must
    /// not key every client alike. Call
    /// [`ApiKeyVerifier::retain_recent`] periodically.
    #[must_use]
    pub fn with_failure_limit(self, limit: Limiter<ClientKey>) -> Self {
        Self { failures: Some(Arc::new(limit)), ..self }
    }

    /// The IPv6 prefix length ([`ClientKey::new`]) the extractor keys a
    /// `ConnectInfo` address by; [`ClientKey::DEFAULT_V6_PREFIX`] (64)
    /// unless set.
    #[must_use]
    pub fn with_ipv6_prefix(self, prefix: u8) -> Self {
        Self { ipv6_prefix: prefix, ..self }
    }

    /// This verifier, logging at most one refusal line per `interval`
    /// (each with the count of lines `suppressed` since the last); one a
    /// second unless set. `Duration::ZERO` logs every refusal: only where
    /// the log cannot be flooded (tests).
    #[must_use]
    pub fn with_log_interval(self, interval: Duration) -> Self {
        Self { log: Arc::new(LogThrottle::new(interval)), ..self }
    }

    /// Forgets clients whose failure budget is full again (call it
    /// periodically with the application's other limiters: the map
    /// otherwise grows with every client that ever failed).
    pub fn retain_recent(&self) {
        if let Some(limit) = &self.failures {
            limit.retain_recent();
        }
    }

    /// The prefix this verifier's keys carry.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The application's lookup.
    #[must_use]
    pub fn lookup(&self) -> &L {
        &self.inner.lookup
    }

    /// Checks the `Authorization: Bearer` key in `headers`, as
    /// [`ApiKeyAuth`] does, for a caller of unknown address; failures are
    /// logged as `authz_fail` without a client address. With a
    /// [failure limit](ApiKeyVerifier::with_failure_limit) this answers
    /// 500: use [`ApiKeyVerifier::verify_from`].
    ///
    /// # Errors
    ///
    /// 401 [`Problem::invalid_api_key`] (with `WWW-Authenticate: Bearer`)
    /// for every refused key, the same value whatever the reason; 500
    /// [`Problem::internal`] when the lookup fails or a failure limit is
    /// set.
    pub async fn verify(&self, headers: &HeaderMap) -> Result<ApiKeyAuth<L>, Problem> {
        self.check(headers, Caller { addr: None, key: None }).await
    }

    /// Checks the `Authorization: Bearer` key in `headers` for the client
    /// `client` (its failure budget, when a
    /// [failure limit](ApiKeyVerifier::with_failure_limit) is set, and the
    /// address logged with a refusal).
    ///
    /// # Errors
    ///
    /// 429 [`Problem::rate_limited`] (with `Retry-After`) when `client`'s
    /// failure budget is spent, before the key is parsed; otherwise as
    /// [`ApiKeyVerifier::verify`].
    pub async fn verify_from(&self, headers: &HeaderMap, client: ClientKey) -> Result<ApiKeyAuth<L>, Problem> {
        self.check(headers, Caller { addr: Some(client.ip()), key: Some(client) }).await
    }

    async fn check(&self, headers: &HeaderMap, caller: Caller) -> Result<ApiKeyAuth<L>, Problem> {
        let reserved = self.admit(caller)?;
        let outcome = self.authenticate(headers).await;
        // The cell taken at admission is the failure's; anything else
        // (a valid key, the store's own failure) gives it back.
        if let (Some(limit), Some(client)) = (reserved, caller.key)
            && !matches!(outcome, Err(Failure::Refused(_)))
        {
            limit.refund(&client);
        }
        outcome.map_err(|failure| match failure {
            Failure::Refused(refusal) => self.refuse(refusal, caller),
            Failure::Store(problem) => problem,
        })
    }

    /// The check itself: bearer, format, lookup, digest.
    async fn authenticate(&self, headers: &HeaderMap) -> Result<ApiKeyAuth<L>, Failure> {
        let presented = bearer(headers).ok_or(Failure::Refused(Refusal::Missing))?;
        // Format, alphabet and checksum first: junk never reaches the store.
        let key = ApiKey::parse(presented, &self.inner.prefix).map_err(|_| Failure::Refused(Refusal::Malformed))?;
        let key_id = key.lookup_id();
        let found = self.inner.lookup.find(&key_id).await.map_err(|e| Failure::Store(Problem::internal_logged(&e)))?;
        let (stored, principal) = found.ok_or(Failure::Refused(Refusal::Unknown))?;
        // Constant time (guardrail-ct); a stored record under another
        // lookup id cannot match, its digest being of another key.
        let checked = match &self.digest_key {
            Some(digest_key) => stored.verify_keyed(&key, digest_key),
            None => stored.verify(&key),
        };
        checked.map_err(|_| Failure::Refused(Refusal::Wrong))?;
        Ok(ApiKeyAuth { principal, key_id })
    }

    /// Lets `caller` try a key. With a failure limit, takes one cell of
    /// its budget up front (so concurrent requests of one client cannot
    /// all pass before any is charged) and returns the limit; `Err` (429,
    /// or 500 without a client key) when the budget is spent.
    fn admit(&self, caller: Caller) -> Result<Option<&Limiter<ClientKey>>, Problem> {
        let Some(limit) = &self.failures else { return Ok(None) };
        let Some(client) = caller.key else {
            tracing::error!("an API-key failure limit needs the client: use verify_from, or serve with ConnectInfo");
            return Err(Problem::internal());
        };
        limit.check(&client).map_err(|wait| {
            if let Some(suppressed) = self.log.admit() {
                let client = caller.addr.unwrap_or(client.ip());
                tracing::warn!(target: "security", event = "excess_rate_limit_exceeded", limit = "api_key_failures", %client, suppressed);
            }
            Problem::from(wait)
        })?;
        Ok(Some(limit))
    }

    /// The answer to a refused key (its cell stays taken): logs
    /// `authz_fail` (throttled) and gives the one 401.
    fn refuse(&self, refusal: Refusal, caller: Caller) -> Problem {
        if let Some(suppressed) = self.log.admit() {
            let reason = refusal.code();
            match caller.addr {
                Some(client) => tracing::info!(target: "security", event = "authz_fail", reason, %client, suppressed),
                None => tracing::info!(target: "security", event = "authz_fail", reason, suppressed),
            }
        }
        Problem::invalid_api_key()
    }
}

/// Why [`ApiKeyVerifier::authenticate`] failed.
enum Failure {
    /// The key was refused: the client's failure.
    Refused(Refusal),
    /// The lookup failed: the store's.
    Store(Problem),
}

/// The credentials of the one `Authorization` header if its scheme is
/// `Bearer` (any case, RFC 9110 §11.1), surrounding spaces trimmed; `None`
/// for no header, several, a value that is not visible ASCII, or another
/// scheme.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let (scheme, credentials) = value.to_str().ok()?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| credentials.trim())
}

impl<S, L> FromRequestParts<S> for ApiKeyAuth<L>
where
    S: Send + Sync,
    L: ApiKeyLookup,
    ApiKeyVerifier<L>: FromRef<S>,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let verifier = ApiKeyVerifier::<L>::from_ref(state);
        let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip());
        let key = addr.map(|ip| ClientKey::new(ip, verifier.ipv6_prefix));
        verifier.check(&parts.headers, Caller { addr, key }).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use axum::http::HeaderValue;

    use super::*;

    fn with(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn bearer_takes_exactly_one_bearer_header() {
        assert_eq!(bearer(&with(&["Bearer abc"])), Some("abc"));
        assert_eq!(bearer(&with(&["bEaReR   abc  "])), Some("abc"));
        assert_eq!(bearer(&with(&["Bearer"])), None);
        assert_eq!(bearer(&with(&["Basic YWRhOnB3"])), None);
        assert_eq!(bearer(&with(&["Bearer abc", "Bearer abc"])), None);
        assert_eq!(bearer(&with(&[])), None);
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_bytes(b"Bearer \xe9").unwrap());
        assert_eq!(bearer(&headers), None, "not visible ASCII");
    }

    #[test]
    fn refusal_codes_are_distinct() {
        let codes = [Refusal::Missing, Refusal::Malformed, Refusal::Unknown, Refusal::Wrong].map(Refusal::code);
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
    }
}
