//! `POST /password`: a session (its CSRF token checked by the layer), the
//! per-account limit, the current password, the policy for the new one; a
//! successful change ends every other session of the account.

use axum::{extract::State, http::StatusCode};
use guardrail::{
    axum::{
        Json, Problem, Session,
        limit::{AccountKey, ClientIp},
    },
    password::{Error as PasswordError, Verification},
    secret::SecretString,
};
use serde::Deserialize;

use super::{AccountLimit, Shared, internal};
use crate::db::{self, SqliteSessions};

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

pub(super) async fn change_password(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    session: Session<SqliteSessions>,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, Problem> {
    let id = session.user().id;
    // A stolen session must not become an unlimited password oracle.
    s.limit_account(AccountLimit::Account(AccountKey::from_id(id)), client)?;
    let user =
        s.db.call(move |c| db::user_by_id(c, id)).await.map_err(internal)?.ok_or_else(Problem::unauthenticated)?;

    match s.hasher.verify_async(req.current_password, user.password_hash.clone()).await {
        Ok(Verification::Valid { .. }) => {}
        Ok(Verification::Invalid) | Err(PasswordError::PasswordTooLong) => {
            tracing::info!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "wrong_current_password", %client);
            return Err(wrong_current_password());
        }
        Err(e) => return Err(s.password_failed(&e)),
    }
    let checked = s
        .hasher
        .check_new_async(&s.policy, &[user.email.as_str(), user.username.as_str()], req.new_password)
        .await
        .map_err(|e| {
            if matches!(e, PasswordError::Policy(_)) {
                tracing::info!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "policy", %client);
            }
            s.password_failed(&e)
        })?;
    let new_hash = s.hasher.hash_checked_async(checked).await.map_err(|e| s.password_failed(&e))?;

    // The new hash and the end of the other sessions in one transaction.
    let (old, keep) = (user.password_hash, *session.digest().as_bytes());
    let revoked =
        s.db.call(move |c| {
            let tx = c.unchecked_transaction()?;
            let revoked = if db::replace_hash(&tx, id, &old, new_hash.as_str_for_storage())? {
                Some(db::delete_other_sessions(&tx, id, &keep)?)
            } else {
                None
            };
            tx.commit().map(|()| revoked)
        })
        .await
        .map_err(internal)?;
    let Some(revoked) = revoked else {
        // Changed concurrently by another request: its change stands.
        return Err(wrong_current_password());
    };
    tracing::info!(target: "security", event = "authn_password_change", user_id = id, other_sessions_revoked = revoked, %client);
    Ok(StatusCode::NO_CONTENT)
}
