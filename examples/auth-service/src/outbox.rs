//! The outbox: what the service has to tell an account's owner (a reset
//! token, a notice that a credential changed), for a mailer to send. The
//! service sends no e-mail itself.
//!
//! Each message is one `outbox` row whose payload (JSON: the address, the
//! token or the notice's details) is sealed under the service keyring,
//! with the associated data `outbox:{user_id}:{kind}:{created_at}`: a row
//! copied to another account or kind does not open. A message is written
//! in the same transaction as the change it reports. A mailer reads
//! [`next_batch`], sends, then calls [`mark_sent`]; maintenance deletes
//! rows older than `AUTH_SERVICE_OUTBOX_MAX_AGE_SECS`. An account holds at
//! most [`MAX_UNSENT_NOTICES`] unsent notices (counted and inserted in one
//! statement; past it an API-key or revoke-others notice is dropped and a
//! throttled `outbox_notice_dropped` warning logged); reset-token messages
//! and password change/reset notices are never dropped by it (their own
//! limits bound them, and the owner must learn of them).

use std::{sync::LazyLock, time::Duration};

use guardrail::{
    axum::limit::LogThrottle,
    keys::Keyring,
    secret::{ExposeSecret, SecretString},
};
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::db::{self, Db, DbError, User, outbox as rows};

/// A notice for an account's owner: a credential of theirs changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// The password was changed (`POST /password`).
    PasswordChanged,
    /// The password was set through a reset token; every API key of the
    /// account was deleted with it (a reset is recovery: assume the
    /// account was in someone else's hands).
    PasswordResetDone {
        /// The deleted keys' `(lookup id, name)` (no key, no digest).
        api_keys_revoked: Vec<(String, String)>,
    },
    /// An API key was created.
    ApiKeyCreated {
        /// Its public lookup id.
        id: String,
        /// Its name.
        name: String,
    },
    /// An API key was deleted.
    ApiKeyDeleted {
        /// Its public lookup id.
        id: String,
    },
    /// The owner ended every other session (or an administrator ended
    /// them all: `auth-service sessions end`).
    SessionsRevoked {
        /// How many ended.
        count: usize,
    },
    /// An administrator required a new password (`auth-service
    /// force-reset`): the old one no longer logs in, every session and
    /// reset token ended, and (with `--api-keys`) every API key was
    /// deleted. The owner sets a new one through password reset.
    PasswordResetRequired {
        /// The deleted keys' `(lookup id, name)` (empty without
        /// `--api-keys`; no key, no digest).
        api_keys_revoked: Vec<(String, String)>,
    },
}

/// What a [`Notice::PasswordResetRequired`] tells its owner.
pub const RESET_REQUIRED_TEXT: &str = "an administrator required a new password; use password reset";

impl Notice {
    /// The row's `kind`.
    fn kind(&self) -> &'static str {
        match self {
            Self::PasswordChanged => "password_changed",
            Self::PasswordResetDone { .. } => "password_reset_done",
            Self::ApiKeyCreated { .. } => "api_key_created",
            Self::ApiKeyDeleted { .. } => "api_key_deleted",
            Self::SessionsRevoked { .. } => "sessions_revoked",
            Self::PasswordResetRequired { .. } => "password_reset_required",
        }
    }

    /// Whether the notice reports a password change or reset: never
    /// dropped by [`MAX_UNSENT_NOTICES`] (the owner must learn of it, and
    /// its own limits bound it), though it counts towards the cap.
    fn about_the_password(&self) -> bool {
        matches!(self, Self::PasswordChanged | Self::PasswordResetDone { .. } | Self::PasswordResetRequired { .. })
    }

    fn details(&self) -> Value {
        match self {
            Self::PasswordChanged => json!({}),
            Self::PasswordResetDone { api_keys_revoked } => {
                let keys: Vec<Value> =
                    api_keys_revoked.iter().map(|(id, name)| json!({ "key_id": id, "name": name })).collect();
                json!({ "api_keys_revoked": keys })
            }
            Self::ApiKeyCreated { id, name } => json!({ "key_id": id, "name": name }),
            Self::ApiKeyDeleted { id } => json!({ "key_id": id }),
            Self::SessionsRevoked { count } => json!({ "count": count }),
            Self::PasswordResetRequired { api_keys_revoked } => {
                let keys: Vec<Value> =
                    api_keys_revoked.iter().map(|(id, name)| json!({ "key_id": id, "name": name })).collect();
                json!({ "message": RESET_REQUIRED_TEXT, "api_keys_revoked": keys })
            }
        }
    }
}

/// The `kind` of a reset-token message.
pub const PASSWORD_RESET: &str = "password_reset";

/// An opened outbox message. `Debug` shows neither the address nor the
/// token.
pub struct OutboxMessage {
    /// Row id (for [`mark_sent`]).
    pub id: i64,
    /// The account.
    pub user_id: i64,
    /// `password_reset`, `password_changed`, `password_reset_done`,
    /// `api_key_created`, `api_key_deleted`, `sessions_revoked` or
    /// `password_reset_required`.
    pub kind: String,
    /// When it was written, Unix seconds.
    pub created_at: i64,
    /// The account's e-mail address.
    pub to: String,
    /// The account's username.
    pub username: String,
    /// A reset message's token (`grr_…`): send it, never log it.
    pub token: Option<SecretString>,
    /// When a reset message's token expires, Unix seconds.
    pub expires_at: Option<i64>,
    /// A notice's details (`key_id`, `name`, `count`): no secret.
    pub details: Value,
}

impl std::fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("created_at", &self.created_at)
            .field("to", &"[REDACTED]")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The associated data a row is sealed with.
fn associated_data(user_id: i64, kind: &str, created_at: i64) -> String {
    format!("outbox:{user_id}:{kind}:{created_at}")
}

/// Unsent notices one account may hold (reset-token messages apart):
/// past it an API-key or revoke-others notice is dropped, so one account
/// looping over its own changes cannot grow the table without bound. A
/// password change or reset notice is still written (the owner must learn
/// of it; it has its own limits).
pub const MAX_UNSENT_NOTICES: usize = 50;

/// At most one `outbox_notice_dropped` line a second.
static DROP_LOG: LazyLock<LogThrottle> = LazyLock::new(|| LogThrottle::new(Duration::from_secs(1)));

/// Seals `payload`; the plaintext buffer is wiped after. Returns the
/// sealed bytes and the `created_at` they are bound to.
fn seal(keyring: &Keyring, user_id: i64, kind: &str, payload: &Value) -> rusqlite::Result<(Vec<u8>, i64)> {
    let created_at = db::now();
    let mut plain = serde_json::to_vec(payload).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let sealed = keyring.seal(&plain, associated_data(user_id, kind, created_at).as_bytes());
    plain.fill(0);
    Ok((sealed.map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?, created_at))
}

/// Puts `kind` for `user` in the outbox (call it inside the transaction
/// that makes the change, so the notice exists exactly when the change
/// does).
///
/// # Errors
/// SQLite's error; a sealing failure as
/// [`rusqlite::Error::ToSqlConversionFailure`] (nothing is stored).
pub fn notice(conn: &Connection, keyring: &Keyring, user: &User, kind: Notice) -> rusqlite::Result<()> {
    let payload = json!({ "to": user.email, "username": user.username, "details": kind.details() });
    let (sealed, created_at) = seal(keyring, user.id, kind.kind(), &payload)?;
    if kind.about_the_password() {
        return rows::insert(conn, user.id, kind.kind(), &sealed, created_at);
    }
    if !rows::insert_capped(conn, user.id, kind.kind(), &sealed, created_at, MAX_UNSENT_NOTICES)?
        && let Some(suppressed) = DROP_LOG.admit()
    {
        tracing::warn!(target: "security", event = "outbox_notice_dropped", user_id = user.id, kind = kind.kind(), max_unsent = MAX_UNSENT_NOTICES, suppressed);
    }
    Ok(())
}

/// Puts a reset token for `user` in the outbox.
pub(crate) fn reset_token(
    conn: &Connection,
    keyring: &Keyring,
    user: &User,
    token: &SecretString,
    expires_at: i64,
) -> rusqlite::Result<()> {
    let payload = json!({ "to": user.email, "username": user.username, "token": token.expose_secret(), "expires_at": expires_at });
    let (sealed, created_at) = seal(keyring, user.id, PASSWORD_RESET, &payload)?;
    rows::insert(conn, user.id, PASSWORD_RESET, &sealed, created_at)
}

/// Re-seals one row under the keyring's primary key with its own
/// associated data (`auth-service reseal`); `None` when it does not open.
pub(crate) fn reseal_row(keyring: &Keyring, row: &rows::OutboxRow) -> Option<Vec<u8>> {
    let ad = associated_data(row.user_id?, &row.kind, row.created_at);
    let opened = keyring.open(&row.sealed, ad.as_bytes()).ok()?;
    keyring.seal(opened.expose_secret(), ad.as_bytes()).ok()
}

/// Whether one row opens under `keyring` with its own associated data.
pub(crate) fn opens(keyring: &Keyring, row: &rows::OutboxRow) -> bool {
    row.user_id
        .is_some_and(|id| keyring.open(&row.sealed, associated_data(id, &row.kind, row.created_at).as_bytes()).is_ok())
}

/// Opens one row; `None` when it does not open under its own associated
/// data (tampered, moved, or sealed under a key no longer enabled).
fn open(keyring: &Keyring, row: &rows::OutboxRow) -> Option<OutboxMessage> {
    let user_id = row.user_id?;
    let opened = keyring.open(&row.sealed, associated_data(user_id, &row.kind, row.created_at).as_bytes()).ok()?;
    let mut payload: Value = serde_json::from_slice(opened.expose_secret()).ok()?;
    let text = |v: &mut Value, name: &str| v.get_mut(name).map(Value::take).and_then(|v| v.as_str().map(str::to_owned));
    Some(OutboxMessage {
        id: row.id,
        user_id,
        kind: row.kind.clone(),
        created_at: row.created_at,
        to: text(&mut payload, "to")?,
        username: text(&mut payload, "username")?,
        token: text(&mut payload, "token").map(SecretString::from),
        expires_at: payload.get("expires_at").and_then(Value::as_i64),
        details: payload.get_mut("details").map(Value::take).unwrap_or(Value::Null),
    })
}

/// Up to `n` unsent messages, oldest first, opened. Nothing is marked:
/// a mailer calls [`mark_sent`] for each message once it is sent (a crash
/// in between sends it again, never loses it). A row that does not open
/// is skipped and logged by id. Blocking (a mailer's loop, or
/// `spawn_blocking`).
///
/// # Errors
/// [`DbError`] when the rows cannot be read.
pub fn next_batch(db: &Db, keyring: &Keyring, n: usize) -> Result<Vec<OutboxMessage>, DbError> {
    let stored = db.call_blocking(|c| rows::unsent(c, n))?;
    Ok(stored
        .iter()
        .filter_map(|row| {
            let opened = open(keyring, row);
            if opened.is_none() {
                tracing::error!(target: "security", event = "outbox_unreadable", outbox_id = row.id);
            }
            opened
        })
        .collect())
}

/// Marks message `id` sent; whether it was still unsent. Blocking.
///
/// # Errors
/// [`DbError`] when the row cannot be written.
pub fn mark_sent(db: &Db, id: i64) -> Result<bool, DbError> {
    db.call_blocking(|c| rows::mark_sent(c, id, db::now()))
}

/// Deletes messages older than `max_age_secs`; returns how many.
pub(crate) fn delete_old(conn: &Connection, max_age_secs: i64) -> rusqlite::Result<usize> {
    rows::delete_older_than(conn, db::now().saturating_sub(max_age_secs))
}
