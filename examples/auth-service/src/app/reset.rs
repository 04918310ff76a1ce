//! Password reset: `POST /password-reset` and
//! `POST /password-reset/confirm`. Neither takes a session, so both are
//! exempt from the CSRF check.
//!
//! A request is answered 202, with one fixed body, BEFORE anything is
//! looked up: the answer and its timing cannot tell an existing account
//! from an unknown one. The work (find the account, issue a token, put it
//! in the outbox) runs afterwards in a task, at most [`RESET_SLOTS`] at a
//! time; past that a request is dropped (and logged) and still answered
//! 202. The limit per client address comes first (429, as elsewhere: it
//! does not depend on the login); past the limit per login as typed the
//! request is answered the same 202 and nothing is done (a 429 there would
//! let anyone lock the owner out of their own reset).
//!
//! A token is `grr_` and 32 random bytes (base64url), stored only as its
//! keyed digest (`CredentialKeys.reset`) with the account's credential
//! epoch, for `AUTH_SERVICE_RESET_TTL_SECS`; an account holds at most
//! `AUTH_SERVICE_RESET_MAX_LIVE` live tokens. It reaches the mailer
//! sealed in the outbox and never a log line. A confirm checks the policy,
//! binds the new hash to the account, then in one transaction uses the
//! token (a concurrent confirm that used it first wins), changes the hash
//! on the epoch read (compare-and-swap), ends every session, deletes every
//! API key and every other reset token of the account (a reset is
//! recovery: whatever a thief minted with a stolen session goes), and
//! writes the notice, which names the deleted keys. A failed confirm logs
//! `authn_password_reset_fail` with its reason (at most one line a second).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use guardrail::{
    axum::{
        Json, Problem, RetryAfter,
        limit::{ClientIp, LogThrottle, LoginKey},
    },
    password::Error as PasswordError,
    secret::{ExposeSecret, SecretString},
    token::{DigestKey, random},
};
use serde::Deserialize;
use tokio::sync::Semaphore;

use super::{AppState, Shared, internal};
use crate::{
    db::{self, User, reset as tokens},
    outbox::{self, Notice},
};

/// Reset requests worked on at once; more are dropped (still 202).
pub(super) const RESET_SLOTS: usize = 64;
/// A reset token's prefix.
const TOKEN_PREFIX: &str = "grr_";
/// Random bytes in a reset token (256 bits; at least 128).
const TOKEN_BYTES: usize = 32;
/// Characters after the prefix: unpadded base64url of [`TOKEN_BYTES`].
const TOKEN_CHARS: usize = 43;

/// The window of the per-login limit.
const HOUR: Duration = Duration::from_secs(3600);

/// At most `n` requests per login as typed in each hour (a fixed window
/// per key: guardrail-axum's `Limiter` counts per minute, and a reset
/// budget is hourly). `Debug` shows the number of keys only.
struct PerLoginHourly {
    n: u32,
    windows: Mutex<HashMap<LoginKey, (Instant, u32)>>,
}

impl PerLoginHourly {
    fn check(&self, key: LoginKey) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let (start, count) = windows.entry(key).or_insert((now, 0));
        if now.duration_since(*start) >= HOUR {
            (*start, *count) = (now, 0);
        }
        if *count >= self.n {
            let left = HOUR.saturating_sub(now.duration_since(*start));
            return Err(RetryAfter(left.as_secs().max(1)));
        }
        *count += 1;
        Ok(())
    }
}

/// What password resets share: the digest key, the settings, the limit per
/// login, the background slots and the failure-log throttle. `Debug` shows
/// the settings only.
pub struct PasswordResets {
    key: DigestKey,
    ttl_secs: i64,
    max_live: usize,
    per_login: PerLoginHourly,
    slots: Arc<Semaphore>,
    fail_log: LogThrottle,
}

impl std::fmt::Debug for PasswordResets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResets")
            .field("ttl_secs", &self.ttl_secs)
            .field("max_live", &self.max_live)
            .field("per_login_per_hour", &self.per_login.n)
            .finish_non_exhaustive()
    }
}

impl PasswordResets {
    /// Tokens digested under `key`, live for `ttl`, at most `max_live` per
    /// account; at most `per_login_per_hour` requests per login as typed.
    #[must_use]
    pub fn new(key: DigestKey, ttl: Duration, max_live: usize, per_login_per_hour: u32) -> Self {
        let ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let per_login = PerLoginHourly { n: per_login_per_hour, windows: Mutex::default() };
        let (slots, fail_log) = (Arc::new(Semaphore::new(RESET_SLOTS)), LogThrottle::new(Duration::from_secs(1)));
        Self { key, ttl_secs, max_live, per_login, slots, fail_log }
    }

    /// Forgets per-login windows that ended (maintenance).
    pub fn retain_recent(&self) {
        let now = Instant::now();
        let mut windows = self.per_login.windows.lock().unwrap_or_else(PoisonError::into_inner);
        windows.retain(|_, (start, _)| now.duration_since(*start) < HOUR);
    }

    /// The stored digest of a token (the whole `grr_…` text).
    fn digest(&self, token: &str) -> [u8; 32] {
        self.key.digest(&[b"password-reset", token.as_bytes()])
    }

    /// Logs a failed confirm (at most one line a second: a flood of bad
    /// tokens must not fill the log). No token, no digest.
    fn failed(&self, reason: Failure, user_id: Option<i64>, client: IpAddr) {
        if let Some(suppressed) = self.fail_log.admit() {
            let reason = reason.as_str();
            tracing::info!(target: "security", event = "authn_password_reset_fail", reason, user_id, %client, suppressed);
        }
    }
}

/// Why a confirm failed (the `reason` of `authn_password_reset_fail`).
#[derive(Debug, Clone, Copy)]
enum Failure {
    /// Not of a token's form: nothing was looked up.
    Malformed,
    /// No live token has that digest.
    Unknown,
    /// Used or expired between its lookup and the commit.
    UsedOrExpired,
    /// The new password fails the policy.
    WeakPassword,
    /// The password changed since the token was issued or read.
    CredentialChanged,
}

impl Failure {
    fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Unknown => "unknown",
            Self::UsedOrExpired => "used_or_expired",
            Self::WeakPassword => "weak_password",
            Self::CredentialChanged => "credential_changed",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ResetRequest {
    login: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ResetConfirm {
    token: SecretString,
    new_password: SecretString,
}

/// The one answer to every reset request that passed the limits.
fn accepted() -> Response {
    let mut r = (StatusCode::ACCEPTED, r#"{"status":"accepted"}"#).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// 400: one answer for an unknown, used, expired or malformed token.
fn invalid_token() -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "invalid_token", "The reset token is not valid.")
}

pub(super) async fn request_reset(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    Json(req): Json<ResetRequest>,
) -> Result<Response, Problem> {
    s.limit_ip(client)?;
    if s.reset.per_login.check(LoginKey::from_typed(&req.login)).is_err() {
        // The same 202, no work: the owner is not locked out by others'
        // requests, and the answer says nothing about the limit.
        if let Some(suppressed) = s.limit_log.admit() {
            tracing::warn!(target: "security", event = "excess_rate_limit_exceeded", limit = "reset_per_login", %client, suppressed);
        }
        return Ok(accepted());
    }
    match Arc::clone(&s.reset.slots).try_acquire_owned() {
        Ok(permit) => {
            let state = Arc::clone(&s.0);
            tokio::spawn(async move {
                issue(&state, &req.login).await;
                drop(permit);
            });
        }
        Err(_) => {
            if let Some(suppressed) = s.limit_log.admit() {
                tracing::warn!(target: "security", event = "excess_rate_limit_exceeded", limit = "reset_slots", suppressed);
            }
        }
    }
    Ok(accepted())
}

/// Maintenance: forgets ended per-login windows, deletes used and expired
/// reset tokens and outbox rows older than `outbox_max_age`.
pub(crate) async fn clean_up(state: &AppState) {
    state.reset.retain_recent();
    let max_age = i64::try_from(state.outbox_max_age.as_secs()).unwrap_or(i64::MAX);
    let deleted =
        state.db.write(move |tx| Ok((tokens::delete_dead(tx, db::now())?, outbox::delete_old(tx, max_age)?))).await;
    match deleted {
        Ok((0, 0)) => {}
        Ok((tokens, messages)) => tracing::info!(reset_tokens = tokens, outbox_rows = messages, "cleanup"),
        Err(e) => tracing::error!(error = %e, "reset-token and outbox cleanup failed"),
    }
}

/// The work behind a reset request, after its answer: find the account,
/// store a token's digest under the cap, and the token in the outbox.
async fn issue(state: &Arc<AppState>, login: &str) {
    crate::hooks::point(state, "reset.background").await;
    let Some(login) = db::Login::parse(login) else { return };
    let user = match state.db.call(move |c| db::find_user(c, &login)).await {
        Ok(Some(user)) => user,
        Ok(None) => return,
        Err(e) => return tracing::error!(error = %e, "password reset: lookup failed"),
    };
    let token = match random::token(TOKEN_BYTES) {
        Ok(raw) => SecretString::from(format!("{TOKEN_PREFIX}{}", raw.expose_secret())),
        Err(e) => return tracing::error!(error = %e, "password reset: no random token"),
    };
    let (now, user_id) = (db::now(), user.id);
    let expires_at = now.saturating_add(state.reset.ttl_secs);
    let (digest, max_live, keyring) =
        (state.reset.digest(token.expose_secret()), state.reset.max_live, Arc::clone(&state.keyring));
    let key = state.reset.key.clone();
    let stored = state.db.write(move |tx| {
        if !tokens::insert_capped(tx, &key, &digest, user.id, user.credential_epoch, now, expires_at, max_live)? {
            return Ok(false);
        }
        outbox::reset_token(tx, &keyring, &user, &token, expires_at).map(|()| true)
    });
    match stored.await {
        Ok(true) => tracing::info!(target: "security", event = "authn_password_reset_requested", user_id, expires_at),
        Ok(false) => {
            tracing::info!(target: "security", event = "authn_password_reset_requested", user_id, reason = "too_many_live_tokens");
        }
        Err(e) => tracing::error!(error = %e, user_id, "password reset: storing the token failed"),
    }
}

/// The token's text if it has the form of one (`grr_` and 43 base64url
/// characters); nothing is looked up for any other value.
fn well_formed(token: &SecretString) -> Option<&str> {
    let text = token.expose_secret();
    let body = text.strip_prefix(TOKEN_PREFIX)?;
    (body.len() == TOKEN_CHARS && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then_some(text)
}

/// What the confirm's transaction found.
enum Confirmed {
    /// Done: this many sessions and API keys ended.
    Done(usize, usize),
    /// The token was used (or expired) meanwhile.
    TokenGone,
    /// The password changed since the token was read.
    Changed,
}

pub(super) async fn confirm_reset(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    Json(req): Json<ResetConfirm>,
) -> Result<StatusCode, Problem> {
    s.limit_ip(client)?;
    let Some(text) = well_formed(&req.token) else {
        s.reset.failed(Failure::Malformed, None, client);
        return Err(invalid_token());
    };
    let digest = s.reset.digest(text);
    let (user, token) = match find_token(&s, digest).await? {
        Ok(found) => found,
        Err((reason, user_id)) => {
            s.reset.failed(reason, user_id, client);
            return Err(invalid_token());
        }
    };
    let context = [user.email.as_str(), user.username.as_str()];
    let checked = s.hasher.check_new_async(&s.policy, &context, req.new_password).await.map_err(|e| {
        if matches!(e, PasswordError::Policy(_)) {
            s.reset.failed(Failure::WeakPassword, Some(user.id), client);
        }
        s.password_failed(&e)
    })?;
    let hash = s.hasher.hash_checked_async(checked).await.map_err(|e| s.password_failed(&e))?;
    let bound = s.hasher.bind(hash.as_str_for_storage(), &db::binding(user.id)).map_err(|e| s.password_failed(&e))?;
    crate::hooks::point(&s, "reset.before_commit").await;

    let (user_id, keyring) = (user.id, Arc::clone(&s.keyring));
    let outcome =
        s.db.write(move |tx| {
            let now = db::now();
            if !tokens::mark_used(tx, &digest, now)? {
                return Ok(Confirmed::TokenGone);
            }
            if !db::change_hash(tx, user.id, token.epoch, bound.as_str_for_storage())? {
                // The password changed since the token was read: the token
                // was dead already (its epoch is past), so it stays used.
                return Ok(Confirmed::Changed);
            }
            let ended = db::end_sessions_after_change(tx, user.id, None, token.epoch + 1)?;
            tokens::delete_others(tx, user.id, &digest)?;
            let api_keys_revoked = db::api_keys::delete_all(tx, user.id)?;
            let keys = api_keys_revoked.len();
            outbox::notice(tx, &keyring, &user, Notice::PasswordResetDone { api_keys_revoked })?;
            Ok(Confirmed::Done(ended, keys))
        })
        .await
        .map_err(internal)?;
    match outcome {
        Confirmed::Done(sessions_ended, api_keys_revoked) => {
            tracing::info!(target: "security", event = "authn_password_reset", user_id, sessions_ended, api_keys_revoked, %client);
            Ok(StatusCode::NO_CONTENT)
        }
        Confirmed::TokenGone => {
            s.reset.failed(Failure::UsedOrExpired, Some(user_id), client);
            Err(invalid_token())
        }
        Confirmed::Changed => {
            s.reset.failed(Failure::CredentialChanged, Some(user_id), client);
            Err(invalid_token())
        }
    }
}

/// A token's lookup that found nothing usable: why, and whose it was.
type NotFound = (Failure, Option<i64>);

/// The account of a live token whose epoch is still the account's.
async fn find_token(s: &Shared, digest: [u8; 32]) -> Result<Result<(User, tokens::ResetToken), NotFound>, Problem> {
    let key = s.reset.key.clone();
    s.db.call(move |c| {
        let Some(token) = tokens::find_live(c, &key, &digest, db::now())? else {
            return Ok(Err((Failure::Unknown, None)));
        };
        Ok(match db::user_by_id(c, token.user_id)? {
            Some(u) if u.credential_epoch == token.epoch => Ok((u, token)),
            Some(_) => Err((Failure::CredentialChanged, Some(token.user_id))),
            None => Err((Failure::Unknown, None)),
        })
    })
    .await
    .map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        let good = format!("grr_{}", "A".repeat(TOKEN_CHARS));
        assert!(well_formed(&SecretString::from(good.clone())).is_some());
        for bad in [
            String::new(),
            "grr_".to_owned(),
            good.replace("grr_", "grx_"),
            format!("{good}A"),
            good.replacen('A', "+", 1),
            good.replacen('A', "é", 1),
        ] {
            assert!(well_formed(&SecretString::from(bad)).is_none());
        }
    }
}
