//! `rotate-key csrf` and `rotate-key credentials`: a new random service
//! key, sealed under the keyring's primary key, replaces the stored one
//! (the `service_keys` row keeps its name: `csrf_mac_v1`,
//! `credential_mac_v1` name the format, not a generation). The running
//! server keeps the key it loaded until it restarts.

use guardrail::{secret::Zeroizing, token::random};

use super::{AdminError, Report};
use crate::{
    app::AppState,
    db::{self, User},
    keys,
    outbox::{self, Notice},
};

/// What both commands print last.
const RESTART: &str = "restart the service to use it";

/// 32 fresh random bytes sealed under the primary key with `aad`.
fn new_sealed_key(state: &AppState, aad: &[u8]) -> Result<Vec<u8>, AdminError> {
    let mut key = Zeroizing::new([0u8; 32]);
    random::fill(key.as_mut_slice()).map_err(|_| AdminError::Crypto("the random number generator failed"))?;
    state.keyring.seal(key.as_slice(), aad).map_err(|_| AdminError::Crypto("sealing the key failed"))
}

/// `rotate-key csrf`: CSRF tokens made under the old key are refused once
/// the server restarts; a client gets a new one (`csrf_token`) from its
/// next `POST /login`.
pub(super) fn csrf(state: &AppState) -> Result<Report, AdminError> {
    let sealed = new_sealed_key(state, keys::CSRF_KEY_AAD)?;
    state.db.write_blocking(|tx| db::replace_service_key(tx, keys::CSRF_KEY_NAME, &sealed))?;
    tracing::info!(target: "security", event = "sys_crypto_key_rotated", key = keys::CSRF_KEY_NAME, reason = "admin");
    let mut report = Report::default();
    report.out.push(
        "rotated the CSRF key: CSRF tokens issued before now are refused; clients fetch a new one at login".into(),
    );
    report.out.push(RESTART.into());
    Ok(report)
}

/// `rotate-key credentials`: a new credential MAC root; every session,
/// API key and reset token (their digests and tags were made under the
/// old root: they can no longer verify) is deleted in the same
/// transaction, and each deleted API key's owner told (`api_key_deleted`).
pub(super) fn credentials(state: &AppState) -> Result<Report, AdminError> {
    let sealed = new_sealed_key(state, keys::CREDENTIAL_ROOT_AAD)?;
    let keyring = state.keyring.clone();
    let (sessions, api_keys, resets) = state.db.write_blocking(|tx| {
        let counts = db::admin::credential_rows(tx)?;
        let owners: Vec<User> = db::admin::all_users(tx)?;
        for user in &owners {
            for key in db::api_keys::list(tx, user.id)? {
                outbox::notice(tx, &keyring, user, Notice::ApiKeyDeleted { id: key.id })?;
            }
        }
        db::admin::delete_all_credentials(tx)?;
        db::replace_service_key(tx, keys::CREDENTIAL_ROOT_NAME, &sealed)?;
        Ok(counts)
    })?;
    tracing::info!(target: "security", event = "sys_crypto_key_rotated", key = keys::CREDENTIAL_ROOT_NAME, reason = "admin", sessions, api_keys, reset_tokens = resets);
    let mut report = Report::default();
    report.out.push(format!(
        "rotated the credential key: ended {sessions} sessions, deleted {api_keys} API keys and {resets} reset tokens"
    ));
    report.out.push(RESTART.into());
    Ok(report)
}
