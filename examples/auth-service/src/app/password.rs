//! `POST /password`: a session (its CSRF token checked by the layer), the
//! per-account limit, the current password (under its row's binding), the
//! policy for the new one; a successful change ends every other session of
//! the account, deletes its outstanding reset tokens and puts a notice in
//! the outbox. API keys stay: the caller proved the current password (a
//! reset, how an owner takes a stolen account back, deletes them).
//!
//! The change is a compare-and-swap on the credential epoch it read with
//! the hash: a concurrent change or reset that committed first makes this
//! one answer 409 `credential_changed` (its change stands); an upgrade
//! stored by a concurrent login of the same password (same epoch) does not.
//! The commit bumps the epoch, which ends every session made under the old
//! one, including a session a login in flight has not stored yet; the
//! caller's session moves to the new epoch.

use std::net::IpAddr;

use axum::{extract::State, http::StatusCode};
use guardrail::{
    axum::{
        Json, Problem, Session,
        limit::{AccountKey, ClientIp},
    },
    password::{Error as PasswordError, PasswordHash, Verification},
    secret::SecretString,
};
use serde::Deserialize;

use super::{Shared, internal};
use crate::{
    db::{self, SqliteSessions, User},
    hooks,
    outbox::{self, Notice},
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PasswordChange {
    current_password: SecretString,
    new_password: SecretString,
}

/// 403 for a wrong current password (the session itself is valid).
fn wrong_current_password() -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "invalid_credentials", "The current password is wrong.")
}

/// 409: the password was changed (or reset) by another request between
/// this one's check and its commit; that change stands.
fn credential_changed() -> Problem {
    Problem::new(StatusCode::CONFLICT, "credential_changed", "The password was changed by another request.")
}

pub(super) async fn change_password(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    session: Session<SqliteSessions>,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, Problem> {
    let id = session.user().id;
    // A stolen session must not become an unlimited password oracle.
    s.limit_account(&AccountKey::from_id(id), client)?;
    let user =
        s.db.call(move |c| db::user_by_id(c, id)).await.map_err(internal)?.ok_or_else(Problem::unauthenticated)?;
    check_current(&s, req.current_password, &user, client).await?;
    let new_hash = hash_new(&s, req.new_password, &user, client).await?;

    hooks::point(&s, "password.before_commit").await;
    // The new hash, the end of the other sessions and the owner's notice
    // in one transaction, if the epoch read above is still the account's.
    let (keyring, keep, epoch) = (s.keyring.clone(), session.digest().clone(), user.credential_epoch);
    let tag_key = s.sessions.store().tag_key().clone();
    let revoked =
        s.db.write(move |tx| {
            if !db::change_hash(tx, id, epoch, new_hash.as_str_for_storage())? {
                return Ok(None);
            }
            let revoked = db::end_sessions_after_change(tx, id, Some((&keep, &tag_key)), epoch + 1)?;
            // Outstanding reset tokens are dead (their epoch is past):
            // deleted, so they no longer count against the live-token cap.
            db::reset::delete_all(tx, id)?;
            outbox::notice(tx, &keyring, &user, Notice::PasswordChanged)?;
            Ok(Some(revoked))
        })
        .await
        .map_err(internal)?;
    let Some(revoked) = revoked else {
        tracing::info!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "credential_changed", %client);
        return Err(credential_changed());
    };
    tracing::info!(target: "security", event = "authn_password_change", user_id = id, other_sessions_revoked = revoked, %client);
    Ok(StatusCode::NO_CONTENT)
}

/// The current password, checked against the row's hash under its binding.
async fn check_current(s: &Shared, password: SecretString, user: &User, client: IpAddr) -> Result<(), Problem> {
    let id = user.id;
    match s.hasher.verify_bound_async(password, user.password_hash.clone(), db::binding(id)).await {
        Ok(Verification::Valid { .. }) => Ok(()),
        Ok(Verification::Invalid) | Err(PasswordError::PasswordTooLong) => {
            tracing::info!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "wrong_current_password", %client);
            Err(wrong_current_password())
        }
        Err(PasswordError::Unbound) => {
            // Not bound to this row (copied, or written into the database):
            // it proves nothing about the caller.
            tracing::error!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "unbound_hash", %client);
            Err(wrong_current_password())
        }
        Err(e) => Err(s.password_failed(&e)),
    }
}

/// The policy for the new password, its hash, sealed bound to the row.
async fn hash_new(s: &Shared, password: SecretString, user: &User, client: IpAddr) -> Result<PasswordHash, Problem> {
    let id = user.id;
    let checked = s
        .hasher
        .check_new_async(&s.policy, &[user.email.as_str(), user.username.as_str()], password)
        .await
        .map_err(|e| {
            if matches!(e, PasswordError::Policy(_)) {
                tracing::info!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "policy", %client);
            }
            s.password_failed(&e)
        })?;
    let hash = s.hasher.hash_checked_async(checked).await.map_err(|e| s.password_failed(&e))?;
    s.hasher.bind(hash.as_str_for_storage(), &db::binding(id)).map_err(|e| Problem::internal_logged(&e))
}
