//! guardrail's reference auth service: what secure sign-up, login,
//! sessions, CSRF, API keys and rate limits look like when every piece
//! comes from guardrail. New engineers read it; product teams copy it.
//!
//! Start it with `cargo run --release -p auth-service` (see the README
//! beside this crate for the endpoints, configuration and curl lines).
//!
//! ## Why each dependency is here
//! - `guardrail` (features `tokio`, `pepper`, `axum`): argon2id with
//!   upgrade-on-login and admission control on its own worker threads, the
//!   keyring-sealed pepper, validated `Email`/`Username`, API keys, CSRF,
//!   log encoding — the point of the example — and, as `guardrail::axum`,
//!   what an axum service would otherwise hand-write: sessions in a
//!   `__Host-` cookie stored as a digest, the CSRF layer, the API-key
//!   extractor, the value-free `Json` extractor and RFC 9457 problems,
//!   rate-limit keys and limiters, security headers, the panic layer.
//! - `axum` + `tokio`: the HTTP server and runtime most Rust services use.
//! - `rusqlite` (bundled SQLite): storage with nothing to install.
//! - `serde`/`serde_json`: request and response bodies.
//! - `tracing`/`tracing-subscriber`: security events with OWASP logging
//!   vocabulary names.
//! - `thiserror`: error enums; `reqwest`: the HTTP client of the
//!   `load-test` command and of the integration tests.

#![forbid(unsafe_code)]

pub mod admin;
pub mod app;
pub mod config;
pub mod db;
mod hooks;
pub mod import;
pub mod keys;
pub mod outbox;
#[cfg(feature = "test-hooks")]
pub mod testing;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use guardrail::{
    axum::{ApiKeyVerifier, Limiter, SessionConfig, Sessions, limit::LogThrottle},
    password::{PasswordHasher, PasswordPolicy},
    token::{api_key::ApiKeyIssuer, csrf::Csrf},
};
use guardrail_axum::serve::{Server, ShutdownReport};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub use config::Config;
pub use keys::KeyringOrigin;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Key material.
    #[error(transparent)]
    Keys(#[from] keys::KeyError),
    /// The database.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// The listening socket.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A configured value the token crate refused.
    #[error("invalid API key prefix")]
    Prefix,
    /// Session lifetimes guardrail-axum refused.
    #[error("session settings: {0}")]
    Sessions(#[from] guardrail::axum::Error),
    /// Server settings guardrail-axum refused (more connections than the
    /// open-file limit allows).
    #[error("AUTH_SERVICE_MAX_CONNECTIONS: {0}")]
    Server(guardrail_axum::Error),
    /// The lock file beside the database (`<AUTH_SERVICE_DB>.lock`) could
    /// not be created or locked.
    #[error("the lock file beside AUTH_SERVICE_DB: {0}")]
    Lock(std::io::Error),
}

/// Opens the database and the keyring (creating either on first start)
/// and builds the shared state.
///
/// # Errors
/// [`StartError::Keys`] when the keyring, its master key or the CSRF key
/// cannot be loaded or created, [`StartError::Db`] when the database is
/// refused or cannot be opened, [`StartError::Prefix`] when the API key
/// prefix is not one the token crate accepts, [`StartError::Sessions`]
/// when the session lifetime is out of range (the idle timeout is capped
/// at the lifetime).
pub fn build_state(config: &Config) -> Result<(Arc<app::AppState>, KeyringOrigin), StartError> {
    let (keyring, origin) = keys::load_or_create_keyring(&config.keyring, config.master_key_file.as_deref())?;
    let keyring = Arc::new(keyring);
    let db = db::Db::open(&config.db)?;
    let csrf = Csrf::new(keys::csrf_keyring(&db, &keyring)?);
    let credential = keys::credential_keys(&db, &keyring)?;
    let hasher = hasher(config, &keyring);
    // The steps that need the keys (rekeyed digests, bound hashes): the
    // service serves nothing before the file is at the latest version.
    let migration_keys =
        db::MigrationKeys { hasher: &hasher, session: &credential.session, api_key: &credential.api_key };
    db::finish_migrations(&db, &migration_keys)?;
    Ok((Arc::new(assemble(config, db, keyring, hasher, csrf, &credential)?), origin))
}

/// The state an admin command works on: the keyring and the database
/// (already opened, at the latest schema version) with the service keys
/// loaded as `reseal` says — nothing migrated, and with [`keys::Reseal::No`]
/// nothing written.
///
/// # Errors
/// As [`build_state`].
pub(crate) fn admin_state(
    config: &Config,
    keyring: Arc<guardrail::keys::Keyring>,
    db: db::Db,
    reseal: keys::Reseal,
) -> Result<Arc<app::AppState>, StartError> {
    let csrf = Csrf::new(keys::csrf_keyring_with(&db, &keyring, reseal)?);
    let credential = keys::credential_keys_with(&db, &keyring, reseal)?;
    let hasher = hasher(config, &keyring);
    Ok(Arc::new(assemble(config, db, keyring, hasher, csrf, &credential)?))
}

fn hasher(config: &Config, keyring: &Arc<guardrail::keys::Keyring>) -> PasswordHasher {
    let mut hasher = PasswordHasher::with_limits(config.params, config.hash_limits)
        .caps(config.hash_caps)
        .login_floor(config.login_floor)
        .with_pepper(Arc::clone(keyring));
    if config.accept_plaintext {
        tracing::warn!(
            "AUTH_SERVICE_ACCEPT_PLAINTEXT_NOOP: stored plaintext passwords verify (and are upgraded on login)"
        );
        hasher = hasher.accept_plaintext_for_legacy_use_only();
    }
    if config.accept_unsealed_hashes {
        tracing::warn!(
            "AUTH_SERVICE_ACCEPT_UNSEALED_HASHES: hashes not bound to their row verify (each sighting is logged as authn_unsealed_hash_seen and upgraded to a bound seal on login)"
        );
        hasher = hasher.accept_unbound_for_migration_only();
    }
    hasher
}

fn assemble(
    config: &Config,
    db: db::Db,
    keyring: Arc<guardrail::keys::Keyring>,
    hasher: PasswordHasher,
    csrf: Csrf,
    credential: &keys::CredentialKeys,
) -> Result<app::AppState, StartError> {
    let sessions = SessionConfig::new(config.session_ttl, config.session_idle.min(config.session_ttl))?;
    let prefix = &config.api_key_prefix;
    Ok(app::AppState {
        hasher: Arc::new(hasher),
        policy: PasswordPolicy::single_factor().service_words(app::SERVICE_WORDS),
        csrf,
        sessions: Sessions::new(
            db::SqliteSessions::new(db.clone(), credential.session.clone()),
            sessions,
            credential.session.clone(),
        ),
        issuer: ApiKeyIssuer::new(prefix).map_err(|_| StartError::Prefix)?.with_digest_key(credential.api_key.clone()),
        api_keys: ApiKeyVerifier::new(prefix, db::ApiKeys::new(db.clone(), credential.api_key.clone()))
            .map_err(|_| StartError::Prefix)?
            .with_digest_key(credential.api_key.clone())
            .with_failure_limit(Limiter::per_minute(
                std::num::NonZeroU32::new(config.api_key_fails_per_ip_per_minute).unwrap_or(std::num::NonZeroU32::MIN),
            ))
            .with_ipv6_prefix(config.ipv6_prefix),
        db,
        per_ip: Limiter::per_minute(config.per_ip_per_minute),
        per_login: Limiter::per_minute(config.per_account_per_minute),
        per_account: Limiter::per_minute(config.per_account_per_minute),
        account_changes: Limiter::per_minute(app::ACCOUNT_CHANGES_PER_MINUTE),
        ipv6_prefix: config.ipv6_prefix,
        limit_log: LogThrottle::new(Duration::from_secs(1)),
        keyring,
        reset: app::PasswordResets::new(
            credential.reset.clone(),
            config.reset_ttl,
            config.reset_max_live,
            config.reset_per_login_per_hour,
        ),
        max_api_keys: config.max_api_keys,
        outbox_max_age: config.outbox_max_age,
        #[cfg(feature = "test-hooks")]
        hooks: None,
    })
}

/// A running service.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on (the real port when configured with 0).
    pub addr: SocketAddr,
    /// Whether this start created the keyring file.
    pub keyring_origin: KeyringOrigin,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<ShutdownReport>,
    maintenance: JoinHandle<()>,
    /// The shared lock on `<db>.lock` (`admin::lock`): `rotate-key`
    /// refuses while it is held. Released when this is dropped.
    _lock: std::fs::File,
}

impl Running {
    /// Stops accepting connections, lets requests in flight finish for at
    /// most the shutdown grace (`AUTH_SERVICE_SHUTDOWN_GRACE_MS`), drops
    /// the connections still open then, and reports how many.
    ///
    /// # Errors
    /// The server task's panic, as an I/O error.
    pub async fn stop(self) -> std::io::Result<ShutdownReport> {
        let _ = self.shutdown.send(());
        let result = self.server.await.map_err(std::io::Error::other);
        self.maintenance.abort();
        result
    }
}

/// Starts the service: state, listener, server and the maintenance task
/// (expired and idle sessions and full rate-limit entries are dropped
/// every minute). The server is guardrail-axum's `serve::Server` with the
/// configuration's header, body and idle timeouts, connection bounds (in
/// all and per client, IPv6 by `ipv6_prefix`) and shutdown grace.
///
/// # Errors
/// [`StartError::Lock`] when the shared lock on `<AUTH_SERVICE_DB>.lock`
/// (held while the service runs; `rotate-key` refuses while it is held)
/// cannot be taken, what [`build_state`] refuses, [`StartError::Bind`] when the address
/// cannot be listened on, [`StartError::Server`] when
/// `AUTH_SERVICE_MAX_CONNECTIONS` does not fit in the open-file limit.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let db_path = config.db.clone();
    let lock = tokio::task::spawn_blocking(move || admin::lock::shared(&db_path))
        .await
        .map_err(|_| StartError::Lock(std::io::Error::other("the lock task failed")))?
        .map_err(StartError::Lock)?;
    let (state, keyring_origin) = build_state(&config)?;
    let listener =
        TcpListener::bind(config.addr).await.map_err(|source| StartError::Bind { addr: config.addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.addr, source })?;
    let app = app::router(Arc::clone(&state), config.max_body);
    let (shutdown, signal) = oneshot::channel::<()>();
    let server = Server::new(listener, app)
        .header_timeout(config.header_timeout)
        .body_timeout(config.body_timeout)
        .idle_timeout(config.idle_timeout)
        .max_connections(config.max_connections)
        .max_connections_per_client(config.max_connections_per_client)
        .ipv6_prefix(config.ipv6_prefix)
        .shutdown_grace(config.shutdown_grace)
        .run(async {
            let _ = signal.await;
        })
        .map_err(StartError::Server)?;
    let server = tokio::spawn(server);
    let maintenance = tokio::spawn(maintain(state));
    tracing::info!(target: "security", event = "sys_startup", %addr);
    Ok(Running { addr, keyring_origin, shutdown, server, maintenance, _lock: lock })
}

async fn maintain(state: Arc<app::AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        state.per_ip.retain_recent();
        state.per_login.retain_recent();
        state.per_account.retain_recent();
        state.account_changes.retain_recent();
        state.api_keys.retain_recent();
        app::clean_up_resets(&state).await;
        match state.sessions.delete_expired().await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(target: "security", event = "session_expired", count = n, reason = "expired_cleanup")
            }
            Err(e) => tracing::error!(error = %e, "expired-session cleanup failed"),
        }
    }
}
