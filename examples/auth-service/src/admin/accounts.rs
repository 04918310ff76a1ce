//! The commands about named accounts: `sessions count`, `sessions end`,
//! `force-reset` and `api-keys list` (`api-keys revoke`: `revoke.rs`).

use std::time::Duration;

use guardrail::{encode::log_line, secret::Zeroizing, token::random};

use super::{Accounts, AdminError, Report, rfc3339};
use crate::{
    app::AppState,
    db, keys,
    outbox::{self, Notice},
};

/// `sessions count`: `<username>\t<live>` per named account, or
/// `live sessions: N` for `--all`.
pub(super) fn count(state: &AppState, accounts: &Accounts, idle: Duration) -> Result<Report, AdminError> {
    let key = keys::credential_keys_with(&state.db, &state.keyring, keys::Reseal::No)
        .map_err(crate::StartError::from)?
        .session;
    let idle = i64::try_from(idle.as_secs()).unwrap_or(i64::MAX);
    let now = db::now();
    let ids: Vec<(i64, String)> = accounts.users.iter().map(|u| (u.id, u.username.clone())).collect();
    let counts = state.db.call_blocking(|c| {
        ids.iter().map(|(id, _)| db::admin::live_sessions(c, &key, *id, now, idle)).collect::<Result<Vec<_>, _>>()
    })?;
    let mut report = accounts.report();
    if accounts.all {
        report.out.push(format!("live sessions: {}", counts.iter().sum::<usize>()));
    } else {
        report.out.extend(ids.iter().zip(&counts).map(|((_, name), n)| format!("{name}\t{n}")));
    }
    Ok(report)
}

/// `sessions end`: every session of the accounts, in one transaction,
/// each account that had one told (`sessions_revoked`).
pub(super) fn end(state: &AppState, accounts: &Accounts) -> Result<Report, AdminError> {
    let (users, keyring) = (accounts.users.clone(), state.keyring.clone());
    let ended = state.db.write_blocking(|tx| {
        let mut ended = Vec::with_capacity(users.len());
        for user in &users {
            let count = db::admin::end_sessions(tx, user.id)?;
            if count > 0 {
                outbox::notice(tx, &keyring, user, Notice::SessionsRevoked { count })?;
            }
            ended.push(count);
        }
        Ok(ended)
    })?;
    for (user, count) in users.iter().zip(&ended) {
        tracing::info!(target: "security", event = "session_revoked", user_id = user.id, count, reason = "admin");
    }
    let mut report = accounts.report();
    report.out.push(format!("ended {} sessions of {} accounts", ended.iter().sum::<usize>(), users.len()));
    Ok(report)
}

/// A hash of 32 random bytes nobody keeps, at the configured parameters,
/// bound to `user_id`'s row: no password verifies against it, after the
/// same work as the account's real hash.
fn unknowable_hash(state: &AppState, user_id: i64) -> Result<String, AdminError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    random::fill(bytes.as_mut_slice()).map_err(|_| AdminError::Crypto("the random number generator failed"))?;
    let hash = state.hasher.hash_bytes(bytes.as_slice()).map_err(|_| AdminError::Crypto("hashing failed"))?;
    let bound = state
        .hasher
        .bind(hash.as_str_for_storage(), &db::binding(user_id))
        .map_err(|_| AdminError::Crypto("sealing the hash failed"))?;
    Ok(bound.into_string_for_storage())
}

/// `force-reset`: per account, one transaction that replaces the hash by
/// one nobody knows, bumps the credential epoch (compare-and-swap), ends
/// every session and reset token (and with `--api-keys` deletes every API
/// key) and tells the owner (`password_reset_required`).
pub(super) fn force_reset(state: &AppState, accounts: &Accounts, api_keys: bool) -> Result<Report, AdminError> {
    let (mut done, mut sessions, mut keys_deleted) = (0usize, 0usize, 0usize);
    let mut report = accounts.report();
    for user in &accounts.users {
        let hash = unknowable_hash(state, user.id)?;
        let (id, keyring) = (user.id, state.keyring.clone());
        let outcome = state.db.write_blocking(|tx| {
            let Some(current) = db::user_by_id(tx, id)? else { return Ok(None) };
            if !db::change_hash(tx, id, current.credential_epoch, &hash)? {
                return Ok(None);
            }
            let ended = db::admin::end_sessions(tx, id)?;
            db::reset::delete_all(tx, id)?;
            let api_keys_revoked = if api_keys { db::api_keys::delete_all(tx, id)? } else { Vec::new() };
            let deleted = api_keys_revoked.len();
            outbox::notice(tx, &keyring, &current, Notice::PasswordResetRequired { api_keys_revoked })?;
            Ok(Some((ended, deleted)))
        })?;
        match outcome {
            Some((ended, deleted)) => {
                tracing::info!(target: "security", event = "authn_password_reset_forced", user_id = id);
                (done, sessions, keys_deleted) = (done + 1, sessions + ended, keys_deleted + deleted);
            }
            None => {
                report.err.push(format!("{}: deleted while being reset", log_line(&user.username)));
                report.incomplete = true;
            }
        }
    }
    report.out.push(format!(
        "forced a password reset for {done} accounts (ended {sessions} sessions, deleted {keys_deleted} API keys)"
    ));
    Ok(report)
}

/// `api-keys list`: `<username>\t<lookup id>\t<name>\t<created>\t<last used or ->`.
pub(super) fn list_keys(state: &AppState, accounts: &Accounts) -> Result<Report, AdminError> {
    let mut report = accounts.report();
    for user in &accounts.users {
        let id = user.id;
        for key in state.db.call_blocking(move |c| db::api_keys::list(c, id))? {
            let last = key.last_used.map_or_else(|| "-".to_owned(), rfc3339);
            let name = log_line(&key.name).replace('\t', "\\t");
            report.out.push(format!("{}\t{}\t{name}\t{}\t{last}", user.username, key.id, rfc3339(key.created)));
        }
    }
    Ok(report)
}
