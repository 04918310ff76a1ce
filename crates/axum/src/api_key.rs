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
//! address. The key itself is never logged or answered. A failing lookup
//! (the store's own error) is a 500 `internal`.
//!
//! ```
//! use axum::{Router, routing::get};
//! use guardrail_axum::api_key::{ApiKeyAuth, ApiKeyLookup, ApiKeyVerifier};
//! use guardrail_token::StoredApiKey;
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
//! // The router's state, or a field of it with `FromRef`.
//! let verifier = ApiKeyVerifier::new("acme_live", Keys(Vec::new())).unwrap();
//! let app: Router = Router::new().route("/whoami", get(whoami)).with_state(verifier);
//! ```

use std::{fmt, future::Future, net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};
use guardrail_token::{ApiKey, ApiKeyIssuer, StoredApiKey};

use crate::problem::Problem;

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
/// [`FromRef`]; [`ApiKeyVerifier::verify`] does the same check on a bare
/// `HeaderMap`.
pub struct ApiKeyVerifier<L> {
    inner: Arc<Inner<L>>,
}

struct Inner<L> {
    prefix: String,
    lookup: L,
}

impl<L> Clone for ApiKeyVerifier<L> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<L> fmt::Debug for ApiKeyVerifier<L> {
    /// The prefix only: the lookup may hold anything.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyVerifier").field("prefix", &self.inner.prefix).finish_non_exhaustive()
    }
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
        Ok(Self { inner: Arc::new(Inner { prefix: prefix.to_owned(), lookup }) })
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
    /// [`ApiKeyAuth`] does; failures are logged as `authz_fail` (without a
    /// client address: the extractor adds it).
    ///
    /// # Errors
    ///
    /// 401 [`Problem::invalid_api_key`] (with `WWW-Authenticate: Bearer`)
    /// for every refused key, the same value whatever the reason; 500
    /// [`Problem::internal`] when the lookup fails.
    pub async fn verify(&self, headers: &HeaderMap) -> Result<ApiKeyAuth<L>, Problem> {
        self.check(headers, None).await
    }

    async fn check(&self, headers: &HeaderMap, client: Option<SocketAddr>) -> Result<ApiKeyAuth<L>, Problem> {
        let refuse = |refusal: Refusal| {
            let reason = refusal.code();
            match client {
                Some(peer) => tracing::info!(target: "security", event = "authz_fail", reason, client = %peer.ip()),
                None => tracing::info!(target: "security", event = "authz_fail", reason),
            }
            Problem::invalid_api_key()
        };
        let presented = bearer(headers).ok_or_else(|| refuse(Refusal::Missing))?;
        // Format, alphabet and checksum first: junk never reaches the store.
        let key = ApiKey::parse(presented, &self.inner.prefix).map_err(|_| refuse(Refusal::Malformed))?;
        let key_id = key.lookup_id();
        let found = self.inner.lookup.find(&key_id).await.map_err(|e| Problem::internal_logged(&e))?;
        let (stored, principal) = found.ok_or_else(|| refuse(Refusal::Unknown))?;
        // Constant time (guardrail-ct); a stored record under another
        // lookup id cannot match, its digest being of another key.
        stored.verify(&key).map_err(|_| refuse(Refusal::Wrong))?;
        Ok(ApiKeyAuth { principal, key_id })
    }
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
        let client = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| *peer);
        verifier.check(&parts.headers, client).await
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
