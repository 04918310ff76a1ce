//! The HTTP surface: the shared state and the router. The handlers live
//! in one module per thing served:
//!
//! - `app/signup.rs`: `POST /signup`;
//! - `app/login.rs`: `POST /login`;
//! - `app/account.rs`: `POST /logout`, `POST /sessions/revoke-others`,
//!   `GET /me`;
//! - `app/password.rs`: `POST /password`;
//! - `app/reset.rs`: `POST /password-reset`, `POST /password-reset/confirm`;
//! - `app/api_keys.rs`: `POST /api-keys`, `GET /api-keys`,
//!   `DELETE /api-keys/{id}`, `GET /whoami`.
//!
//! What every service needs around them comes from guardrail-axum
//! (`guardrail::axum`): the value-free `Json` extractor and `Problem`
//! responses, the `__Host-session` cookie and its store (`Session`,
//! `Sessions`, over `db/store.rs`), the CSRF layer, the API-key extractor,
//! the limiter keys, the security headers and the panic layer. The CSRF
//! layer wraps every route: only `POST /signup`, `POST /login` and the two
//! password-reset routes, which take no session, are named as exempt.
//!
//! Each handler reads top to bottom in the order a reviewer wants to see:
//! rate limits before any hashing, validation before storage, and one
//! security event per outcome. `GET /me`, `POST /logout` and `/healthz`
//! take no client address, so they answer even where the router is served
//! without connect info (`GET /whoami` needs it: its failures are limited
//! per client address).

use std::{net::IpAddr, num::NonZeroU32, ops::Deref, sync::Arc};

use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRef},
    http::Method,
    routing::{delete, get, post},
};
use guardrail::{
    axum::{
        ApiKeyVerifier, CsrfLayer, Json, Limiter, Problem, RetryAfter, SecurityHeadersLayer, Sessions,
        catch_panic_layer,
        limit::{AccountKey, ClientKey, LogThrottle, LoginKey},
    },
    password::{Error as PasswordError, PasswordHasher, PasswordPolicy},
    token::{api_key::ApiKeyIssuer, csrf::Csrf},
};

use crate::db::{ApiKeys, Db, SqliteSessions};

mod account;
mod api_keys;
mod login;
mod password;
mod reset;
mod signup;

pub use reset::PasswordResets;
pub(crate) use reset::clean_up as clean_up_resets;

/// Account changes that write a notice (`POST /sessions/revoke-others`,
/// API-key create and delete), together, per account per minute (a burst
/// of this many, then one every half second): more than an owner filling
/// the API-key cap needs, far less than a loop that floods the outbox and
/// the log. Past it: 429 with `Retry-After`.
pub const ACCOUNT_CHANGES_PER_MINUTE: NonZeroU32 = match NonZeroU32::new(120) {
    Some(n) => n,
    None => NonZeroU32::MIN,
};

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
    /// CSRF tokens bound to the session (issued at login, checked by the layer).
    pub csrf: Csrf,
    /// Sessions: the `__Host-session` cookie, stored as a digest.
    pub sessions: Sessions<SqliteSessions>,
    /// Issues API keys.
    pub issuer: ApiKeyIssuer,
    /// Checks presented API keys (`GET /whoami`).
    pub api_keys: ApiKeyVerifier<ApiKeys>,
    /// Login and signup attempts per client address (IPv6 grouped by
    /// `ipv6_prefix`).
    pub per_ip: Limiter<ClientKey>,
    /// Login attempts per login name as typed, after the same
    /// normalisation for existing and unknown names ([`LoginKey`]), checked
    /// before any lookup: its answers never depend on whether an account
    /// exists. An account's e-mail address and username are two budgets.
    pub per_login: Limiter<LoginKey>,
    /// Current-password checks per account (`POST /password`: the caller is
    /// authenticated, so keying by account id tells nothing new).
    pub per_account: Limiter<AccountKey>,
    /// Account changes that write a notice (`POST /sessions/revoke-others`,
    /// API-key create and delete) per account, together
    /// ([`ACCOUNT_CHANGES_PER_MINUTE`]): one account cannot loop them.
    pub account_changes: Limiter<AccountKey>,
    /// The IPv6 prefix length client addresses are grouped by
    /// (`AUTH_SERVICE_IPV6_PREFIX`, 64 by default): one /64 is one client.
    pub ipv6_prefix: u8,
    /// At most one `excess_rate_limit_exceeded` line a second: a flood of
    /// 429s must not become a flood of log lines (a disk-filling DoS).
    pub limit_log: LogThrottle,
    /// The service keyring: seals the pepper, service keys and outbox rows.
    pub keyring: Arc<guardrail::keys::Keyring>,
    /// Password reset: the token digest key, settings and limits.
    pub reset: PasswordResets,
    /// API keys one account may hold (`AUTH_SERVICE_MAX_API_KEYS`).
    pub max_api_keys: usize,
    /// Outbox rows older than this are deleted (`AUTH_SERVICE_OUTBOX_MAX_AGE_SECS`).
    pub outbox_max_age: std::time::Duration,
    /// The race tests' pause points (`crate::hooks`); `None` unless a test
    /// built the state through `auth_service::testing`.
    #[cfg(feature = "test-hooks")]
    pub hooks: Option<Arc<crate::hooks::Hooks>>,
}

/// The router's state: the shared [`AppState`] (one `Arc`), from which
/// guardrail-axum's extractors take their part.
#[derive(Debug, Clone)]
pub struct Shared(pub Arc<AppState>);

impl Deref for Shared {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.0
    }
}

impl FromRef<Shared> for Sessions<SqliteSessions> {
    fn from_ref(s: &Shared) -> Self {
        s.sessions.clone()
    }
}

impl FromRef<Shared> for ApiKeyVerifier<ApiKeys> {
    fn from_ref(s: &Shared) -> Self {
        s.api_keys.clone()
    }
}

/// The service's routes and middleware; bodies larger than
/// `max_body_bytes` are refused with 413. The layers come last, so they
/// wrap every route and the fallbacks.
pub fn router(state: Arc<AppState>, max_body_bytes: usize) -> Router {
    let csrf = CsrfLayer::new(state.csrf.clone())
        .route_without_csrf_check(Method::POST, "/signup")
        .route_without_csrf_check(Method::POST, "/login")
        .route_without_csrf_check(Method::POST, "/password-reset")
        .route_without_csrf_check(Method::POST, "/password-reset/confirm");
    Router::new()
        .route("/signup", post(signup::signup))
        .route("/login", post(login::login))
        .route("/logout", post(account::logout))
        .route("/me", get(account::me))
        .route("/password", post(password::change_password))
        .route("/api-keys", post(api_keys::create_api_key).get(api_keys::list_api_keys))
        .route("/api-keys/{id}", delete(api_keys::delete_api_key))
        .route("/sessions/revoke-others", post(account::revoke_others))
        .route("/password-reset", post(reset::request_reset))
        .route("/password-reset/confirm", post(reset::confirm_reset))
        .route("/whoami", get(api_keys::whoami))
        .route("/healthz", get(healthz))
        .fallback(|| async { Problem::not_found() })
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() })
        .with_state(Shared(state))
        .layer(csrf)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(SecurityHeadersLayer::json_api())
        .layer(catch_panic_layer())
}

impl AppState {
    /// The limiter key of `client`: IPv6 grouped by the configured prefix.
    pub(crate) fn client_key(&self, client: IpAddr) -> ClientKey {
        ClientKey::new(client, self.ipv6_prefix)
    }

    /// Counts a login or sign-up attempt from `client`.
    fn limit_ip(&self, client: IpAddr) -> Result<(), Problem> {
        self.per_ip.check(&self.client_key(client)).map_err(|wait| self.limited("per_ip", client, wait))
    }

    /// Counts a login attempt for the login name as typed.
    fn limit_login(&self, login: &LoginKey, client: IpAddr) -> Result<(), Problem> {
        self.per_login.check(login).map_err(|wait| self.limited("per_login", client, wait))
    }

    /// Counts a current-password check against `account`.
    fn limit_account(&self, account: &AccountKey, client: IpAddr) -> Result<(), Problem> {
        self.per_account.check(account).map_err(|wait| self.limited("per_account", client, wait))
    }

    /// Counts a change that writes a notice for account `user_id`.
    fn limit_account_change(&self, user_id: i64, client: IpAddr) -> Result<(), Problem> {
        let key = AccountKey::from_id(user_id);
        self.account_changes.check(&key).map_err(|wait| self.limited("account_changes", client, wait))
    }

    fn limited(&self, limit: &'static str, client: IpAddr, wait: RetryAfter) -> Problem {
        if let Some(suppressed) = self.limit_log.admit() {
            tracing::warn!(target: "security", event = "excess_rate_limit_exceeded", limit, %client, suppressed);
        }
        wait.into()
    }

    /// What a hashing failure answers ([`Problem::from_password_error`]),
    /// and the throttled `excess_rate_limit_exceeded` event when every
    /// hashing slot stayed busy.
    fn password_failed(&self, e: &PasswordError) -> Problem {
        if matches!(e, PasswordError::Busy)
            && let Some(suppressed) = self.limit_log.admit()
        {
            tracing::warn!(target: "security", event = "excess_rate_limit_exceeded", limit = "hashing_slots", suppressed);
        }
        Problem::from_password_error(e)
    }
}

/// A failed database call: logged, answered 500.
fn internal(e: crate::db::DbError) -> Problem {
    Problem::internal_logged(&e)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}
