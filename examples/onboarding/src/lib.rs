//! The onboarding service: the seven things a product service needs, one
//! file each, on guardrail — sign-up (`src/signup.rs`), login
//! (`src/login.rs`), session and CSRF (`src/session.rs`), API keys
//! (`src/api_keys.rs`), a field sealed at rest (`src/profile.rs`), a
//! user-supplied webhook (`src/webhook.rs`) and output encoding
//! (`src/render.rs`). Storage is in memory ([`store`]); this file is the
//! wiring: the state, the layer order and the periodic maintenance.
#![forbid(unsafe_code)]

mod api_keys;
mod login;
mod profile;
mod render;
mod session;
mod signup;
pub mod store;
mod webhook;

use std::{convert::Infallible, io, net::SocketAddr, num::NonZeroU32, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::FromRef,
    http::Method,
    routing::{get, post, put},
};
use guardrail::{
    axum::{
        ApiKeyVerifier, ClientKey, CsrfLayer, Limiter, LoginKey, MemorySessionStore, Problem, RetryAfter,
        SecurityHeadersLayer, SessionConfig, Sessions, catch_panic_layer,
    },
    fetch::FetchClient,
    keys::{Algorithm, Keyring, MacKeyring},
    password::{PasswordHasher, PasswordPolicy},
    token::{ApiKeyIssuer, DigestKey, csrf::Csrf},
    validate::FetchPolicy,
};
use tokio::net::TcpListener;

pub use api_keys::{ApiKeys, PREFIX as API_KEY_PREFIX};
pub use store::{Db, User};

/// The session store: user ids by session digest.
pub type Store = MemorySessionStore<u64>;

/// Logins a minute for one typed login (existing account or not).
pub const LOGINS_PER_MINUTE: u32 = 5;
/// Logins a minute from one client (an IPv4 address or an IPv6 /64).
pub const CLIENT_LOGINS_PER_MINUTE: u32 = 20;
/// Sign-ups a minute from one client: each one costs an argon2id hash.
pub const SIGNUPS_PER_MINUTE: u32 = 5;
/// Refused API keys a minute from one client (an IPv4 address or an IPv6
/// /64); past it, 429 before the key is even parsed.
pub const API_KEY_FAILURES_PER_MINUTE: u32 = 20;
/// How often [`serve`] runs [`App::maintain`].
pub const MAINTENANCE_EVERY: Duration = Duration::from_secs(60);

/// What the service is started with.
#[derive(Debug)]
pub struct Config {
    /// The password hasher (tests use small parameters).
    pub hasher: PasswordHasher,
    /// Where webhooks may point (tests allow 127.0.0.1).
    pub fetch_policy: FetchPolicy,
    /// Session lifetimes.
    pub sessions: SessionConfig,
}

impl Config {
    /// The recommended settings: default argon2id parameters, `https`
    /// webhooks to public addresses, 8-hour sessions idle for 30 minutes.
    #[must_use]
    pub fn production() -> Self {
        Self {
            hasher: PasswordHasher::default(),
            fetch_policy: FetchPolicy::default().https_only(),
            sessions: SessionConfig::default(),
        }
    }
}

/// The rate limiters of the sign-up and the login.
#[derive(Debug)]
pub struct Limits {
    /// Logins by client address (IPv6 by /64).
    pub clients: Limiter<ClientKey>,
    /// By the login as typed: the same key for an existing and an unknown account.
    pub logins: Limiter<LoginKey>,
    /// Sign-ups by client address (IPv6 by /64).
    pub signups: Limiter<ClientKey>,
}

impl Limits {
    /// A login's limits, before any account is looked up: the client's
    /// budget, then the typed login's (the same key for an existing and an
    /// unknown account, `LoginKey::from_typed`).
    ///
    /// # Errors
    ///
    /// [`RetryAfter`] (a 429 problem) when either budget is spent.
    pub fn check_login(&self, client: &ClientKey, login: &str) -> Result<(), RetryAfter> {
        self.clients.check(client)?;
        self.logins.check(&LoginKey::from_typed(login))
    }
}

/// The router's state: every handler takes `State<App>`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    /// Accounts, sealed phones, webhooks.
    pub db: Arc<Db>,
    /// argon2id on its own worker threads.
    pub hasher: Arc<PasswordHasher>,
    /// The new-password policy (NIST SP 800-63B-4).
    pub policy: Arc<PasswordPolicy>,
    /// Sessions over the in-memory store, digested under a key generated
    /// at start.
    pub sessions: Sessions<Store>,
    /// CSRF tokens bound to sessions (the same `Csrf` as the `CsrfLayer`).
    pub csrf: Csrf,
    /// Issues API keys, their stored digests keyed by a key generated at
    /// start (not the session-digest key: one key per purpose).
    pub issuer: ApiKeyIssuer,
    /// Checks presented API keys against [`ApiKeys`] under the issuer's
    /// digest key; refusals limited per client.
    pub api_keys: ApiKeyVerifier<ApiKeys>,
    /// Seals personal data at rest.
    pub keyring: Arc<Keyring>,
    /// The one pooled client for webhooks.
    pub fetch: FetchClient,
    /// Login rate limits.
    pub limits: Arc<Limits>,
}

/// An error while starting (key generation, the fetch client).
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

impl App {
    /// A service with fresh keys — the CSRF keyring, the session-digest
    /// key, the API-key digest key, the sealing keyring (an in-memory
    /// service forgets everything on restart; a real one loads its keys,
    /// `guardrail::secret`, or its sessions and API keys end with every
    /// restart).
    ///
    /// # Errors
    ///
    /// The random generator failing, or the fetch client not building.
    pub fn new(config: Config) -> Result<Self, StartError> {
        let per_minute = |n| NonZeroU32::new(n).ok_or("a limit of zero");
        // API-key digests get their own key: never the session key.
        let api_key_digest = DigestKey::generate()?;
        Ok(Self {
            db: Arc::default(),
            hasher: Arc::new(config.hasher),
            policy: Arc::default(),
            sessions: Sessions::new(Store::new(), config.sessions, DigestKey::generate()?),
            csrf: Csrf::new(MacKeyring::generate()?),
            issuer: ApiKeyIssuer::new(api_keys::PREFIX)?.with_digest_key(api_key_digest.clone()),
            api_keys: ApiKeyVerifier::new(api_keys::PREFIX, ApiKeys::default())?
                .with_digest_key(api_key_digest)
                .with_failure_limit(Limiter::per_minute(per_minute(API_KEY_FAILURES_PER_MINUTE)?)),
            keyring: Arc::new(Keyring::generate(Algorithm::Aes256Gcm)?),
            fetch: FetchClient::new(config.fetch_policy)?,
            limits: Arc::new(Limits {
                clients: Limiter::per_minute(per_minute(CLIENT_LOGINS_PER_MINUTE)?),
                logins: Limiter::per_minute(per_minute(LOGINS_PER_MINUTE)?),
                signups: Limiter::per_minute(per_minute(SIGNUPS_PER_MINUTE)?),
            }),
        })
    }

    /// One maintenance pass: the limiters forget keys whose budget is full
    /// again (else their maps keep every key ever seen) and the expired or
    /// idle sessions are deleted; how many were. A database-backed store
    /// returns its error here: log it and try again at the next pass.
    ///
    /// # Errors
    ///
    /// None with the in-memory store (`Infallible`).
    pub async fn maintain(&self) -> Result<usize, Infallible> {
        self.limits.clients.retain_recent();
        self.limits.logins.retain_recent();
        self.limits.signups.retain_recent();
        self.api_keys.retain_recent();
        self.sessions.delete_expired().await
    }
}

/// Serves the router on `listener` (the peer address as `ConnectInfo`,
/// which `ClientIp` reads) and runs [`App::maintain`] every
/// [`MAINTENANCE_EVERY`] beside it, in the same future: one pass at a time,
/// and the maintenance stops when the server stops or is dropped.
///
/// # Errors
///
/// The server's I/O error.
pub async fn serve(listener: TcpListener, app: App) -> io::Result<()> {
    let service = router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let maintenance = async {
        let mut tick = tokio::time::interval(MAINTENANCE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Ok(n) = app.maintain().await;
            if n > 0 {
                tracing::info!(target: "security", event = "session_expired", count = n, reason = "expired_cleanup");
            }
        }
    };
    tokio::select! {
        served = axum::serve(listener, service) => served,
        () = maintenance => Ok(()), // never: the loop does not end
    }
}

impl FromRef<App> for Sessions<Store> {
    fn from_ref(app: &App) -> Self {
        app.sessions.clone()
    }
}

impl FromRef<App> for ApiKeyVerifier<ApiKeys> {
    fn from_ref(app: &App) -> Self {
        app.api_keys.clone()
    }
}

/// The service. Layers run outside in: `catch_panic_layer` (a panic is a
/// 500 problem), the security headers (on every response, refusals
/// included), then CSRF — added last among the route layers so it wraps
/// every route and the fallbacks; the two routes a visitor without a
/// session uses are exempt by name. An unknown path or a method a path does
/// not take is a problem too (404, 405), not an empty body.
pub fn router(app: App) -> Router {
    let csrf = CsrfLayer::new(app.csrf.clone())
        .route_without_csrf_check(Method::POST, "/signup")
        .route_without_csrf_check(Method::POST, "/login");
    Router::new()
        .route("/signup", post(signup::signup))
        .route("/login", post(login::login))
        .route("/me", get(session::me))
        .route("/logout", post(session::logout))
        .route("/api-keys", post(api_keys::issue))
        .route("/api/whoami", get(api_keys::whoami))
        .route("/profile/phone", put(profile::set_phone).get(profile::phone))
        .route("/webhook", put(webhook::register))
        .route("/webhook/test", post(webhook::test_fire))
        .route("/welcome", get(render::welcome))
        .fallback(|| async { Problem::not_found() })
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() })
        .with_state(app)
        .layer(csrf)
        .layer(SecurityHeadersLayer::json_api())
        .layer(catch_panic_layer())
}
