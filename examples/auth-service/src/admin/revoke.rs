//! `api-keys revoke`: by the keys themselves (stdin, one a line), by
//! lookup id (`--id`, what `api-keys list` prints) or every key of some
//! accounts (`--users FILE | --all`). Each deleted key's owner is told
//! (`api_key_deleted`).

use std::io::BufRead;

use guardrail::{
    secret::{self, ExposeSecret, SecretString},
    token::api_key::{ApiKey, CHECKSUM_CHARS, RANDOM_CHARS},
};

use super::{Accounts, AdminError, Report};
use crate::{
    app::AppState,
    db::{self, User},
    outbox::{self, Notice},
};

/// Longest API key line read from stdin, bytes.
const MAX_KEY_LINE: usize = 1024;

/// What an unknown key or id is called (never the key).
const NO_SUCH_KEY: &str = "no such API key";

/// Deletes key `lookup` whoever owns it and tells the owner, in one
/// transaction; its owner, `None` when no such key.
fn delete_by_id(state: &AppState, lookup: &str) -> Result<Option<User>, AdminError> {
    let (keyring, lookup) = (state.keyring.clone(), lookup.to_owned());
    let user = state.db.write_blocking(move |tx| {
        let Some((user_id, _)) = db::admin::api_key_owner(tx, &lookup)? else { return Ok(None) };
        let Some(user) = db::user_by_id(tx, user_id)? else { return Ok(None) };
        db::api_keys::delete(tx, &lookup, user_id)?;
        outbox::notice(tx, &keyring, &user, Notice::ApiKeyDeleted { id: lookup.clone() })?;
        Ok(Some(user))
    })?;
    Ok(user)
}

fn revoked(report: &mut Report, user: &User, lookup: &str) {
    tracing::info!(target: "security", event = "authn_token_revoked", user_id = user.id, key_id = %lookup, reason = "admin");
    report.out.push(format!("revoked API key {lookup} of {}", user.username));
}

/// `api-keys revoke --id LOOKUP_ID`.
pub(super) fn revoke_id(state: &AppState, lookup: &str) -> Result<Report, AdminError> {
    let mut report = Report::default();
    match delete_by_id(state, lookup)? {
        Some(user) => revoked(&mut report, &user, lookup),
        None => {
            report.err.push(NO_SUCH_KEY.into());
            report.incomplete = true;
        }
    }
    Ok(report)
}

/// Whether `line` has the shape of a key with `prefix` (`<prefix>_` and 36
/// letters and digits), whatever its checksum.
fn shaped_like_key(line: &str, prefix: &str) -> bool {
    line.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')).is_some_and(|rest| {
        rest.len() == RANDOM_CHARS + CHECKSUM_CHARS && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// `api-keys revoke` (no flag): every line of stdin (never argv) is a key,
/// blank lines skipped; each is revoked by its lookup id (a digest of the
/// whole key, whose checksum is verified: a mistyped key matches no row)
/// or reported by its line number.
pub(super) fn revoke_lines(state: &AppState, prefix: &str, stdin: &mut dyn BufRead) -> Result<Report, AdminError> {
    let mut report = Report::default();
    let mut lines = secret::read::Lines::new(stdin, MAX_KEY_LINE);
    loop {
        let problem = match lines.next_line() {
            Ok(None) => break,
            Err(secret::Error::LineTooLong { line, .. }) => format!("line {line}: too long"),
            Err(secret::Error::Read(source)) => return Err(AdminError::Read { what: "stdin".into(), source }),
            Err(e) => return Err(AdminError::Read { what: "stdin".into(), source: std::io::Error::other(e) }),
            Ok(Some(bytes)) => {
                let typed = SecretString::from(String::from_utf8_lossy(bytes).trim().to_owned());
                if typed.expose_secret().is_empty() {
                    continue;
                }
                let number = lines.line_number();
                match ApiKey::parse(typed.expose_secret(), prefix) {
                    Ok(key) => {
                        let lookup = key.lookup_id();
                        match delete_by_id(state, &lookup)? {
                            Some(user) => {
                                revoked(&mut report, &user, &lookup);
                                continue;
                            }
                            None => format!("line {number}: {NO_SUCH_KEY}"),
                        }
                    }
                    Err(_) if shaped_like_key(typed.expose_secret(), prefix) => {
                        format!("line {number}: not an API key (checksum)")
                    }
                    Err(_) => format!("line {number}: {NO_SUCH_KEY}"),
                }
            }
        };
        report.err.push(problem);
        report.incomplete = true;
    }
    Ok(report)
}

/// `api-keys revoke (--users FILE | --all)`: every key of the accounts,
/// one transaction per account; `M accounts` counts the accounts named
/// that exist (as `sessions end` does).
pub(super) fn revoke_all(state: &AppState, accounts: &Accounts) -> Result<Report, AdminError> {
    let mut report = accounts.report();
    let mut keys = 0usize;
    for user in &accounts.users {
        let (id, keyring) = (user.id, state.keyring.clone());
        let deleted = state.db.write_blocking(move |tx| {
            let Some(current) = db::user_by_id(tx, id)? else { return Ok(Vec::new()) };
            let deleted = db::api_keys::delete_all(tx, id)?;
            for (lookup, _) in &deleted {
                outbox::notice(tx, &keyring, &current, Notice::ApiKeyDeleted { id: lookup.clone() })?;
            }
            Ok(deleted)
        })?;
        for (lookup, _) in &deleted {
            tracing::info!(target: "security", event = "authn_token_revoked", user_id = id, key_id = %lookup, reason = "admin");
        }
        keys += deleted.len();
    }
    report.out.push(format!("revoked {keys} API keys of {} accounts", accounts.users.len()));
    Ok(report)
}
