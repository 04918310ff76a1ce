//! The commands about named accounts: `sessions count`, `sessions end`,
//! `force-reset`, `api-keys list` and `api-keys revoke`.

use std::{io::BufRead, time::Duration};

use guardrail::{
    encode::log_line,
    secret::{ExposeSecret, SecretString, Zeroizing},
    token::{
        api_key::{ApiKey, StoredApiKey},
        random,
    },
};

use super::{Accounts, AdminError, Report, rfc3339};
use crate::{
    app::AppState,
    db::{self, User},
    keys,
    outbox::{self, Notice},
};

/// `sessions count`: `<username>\t<live>` per named account, or
/// `live sessions: N` for `--all`.
pub(super) fn count(state: &AppState, accounts: &Accounts, idle: Duration) -> Result<Report, AdminError> {
    let key = keys::credential_keys(&state.db, &state.keyring).map_err(crate::StartError::from)?.session;
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

/// Longest API key line read from stdin, bytes.
const MAX_KEY_LINE: usize = 1024;

/// `api-keys revoke`: the key on stdin (never argv) → its lookup id → the
/// row deleted and its owner told (`api_key_deleted`). The row is deleted
/// when the lookup id matches; the report says whether the key also
/// matched the stored digest (a mistyped key still names its row).
pub(super) fn revoke(state: &AppState, prefix: &str, stdin: &mut dyn BufRead) -> Result<Report, AdminError> {
    let mut report = Report::default();
    let mut line = Zeroizing::new(String::new());
    std::io::Read::take(stdin, MAX_KEY_LINE as u64)
        .read_line(&mut line)
        .map_err(|source| AdminError::Read { what: "stdin".into(), source })?;
    let typed = SecretString::from(line.trim().to_owned());
    let Ok(key) = ApiKey::parse(typed.expose_secret(), prefix) else {
        report.err.push("no such API key".into());
        report.incomplete = true;
        return Ok(report);
    };
    let lookup = key.lookup_id();
    let digest_key = keys::credential_keys(&state.db, &state.keyring).map_err(crate::StartError::from)?.api_key;
    let keyring = state.keyring.clone();
    let found = state.db.write_blocking(|tx| {
        let Some((user_id, digest)) = db::admin::api_key_owner(tx, &lookup)? else { return Ok(None) };
        let matched =
            StoredApiKey::from_parts(&lookup, &digest).is_ok_and(|s| s.verify_keyed(&key, &digest_key).is_ok());
        let Some(user) = db::user_by_id(tx, user_id)? else { return Ok(None) };
        db::api_keys::delete(tx, &lookup, user_id)?;
        outbox::notice(tx, &keyring, &user, Notice::ApiKeyDeleted { id: lookup.clone() })?;
        Ok(Some((user, matched)))
    })?;
    let Some((user, matched)): Option<(User, bool)> = found else {
        report.err.push("no such API key".into());
        report.incomplete = true;
        return Ok(report);
    };
    tracing::info!(target: "security", event = "authn_token_revoked", user_id = user.id, key_id = %lookup, reason = "admin", digest_matched = matched);
    report.out.push(format!("revoked API key {lookup} of {}", user.username));
    report.out.push(
        if matched {
            "the key matched its stored digest"
        } else {
            "the key did NOT match its stored digest (mistyped?): revoked by its lookup id"
        }
        .to_owned(),
    );
    Ok(report)
}
