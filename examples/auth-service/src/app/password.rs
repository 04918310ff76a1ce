//! `POST /password`: a session with its CSRF token, the per-account limit,
//! the current password, the policy for the new one; a successful change
//! ends every other session of the account.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use guardrail::{
    password::{Error as PasswordError, Verification},
    secret::SecretString,
};
use serde::Deserialize;

use super::{AppState, Call, JsonBody, Problem, internal, limits::account_key, session::session_with_csrf};
use crate::db;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PasswordChange {
    current_password: SecretString,
    new_password: SecretString,
}

/// A new password's policy check and hash failed: 422 `weak_password` with
/// the violation codes, or what any hashing failure answers (503 `Busy`).
pub(super) fn new_password_failed(s: &AppState, e: PasswordError) -> Problem {
    match e {
        PasswordError::Policy(v) => Problem::weak_password(v.codes().collect()),
        e => s.hashing_failed(e),
    }
}

pub(super) async fn change_password(
    Call { s, client, headers }: Call,
    JsonBody(req): JsonBody<PasswordChange>,
) -> Result<Response, Problem> {
    let session = session_with_csrf(&s, &headers, client).await?;
    // A stolen session must not become an unlimited password oracle.
    s.limit_account(&account_key("user", &session.user_id.to_string()), client)?;
    let id = session.user_id;
    let user =
        s.db.call(move |c| db::user_by_id(c, id)).await.map_err(internal)?.ok_or_else(Problem::unauthenticated)?;

    match s.hasher.verify_async(req.current_password, user.password_hash.clone()).await {
        Ok(Verification::Valid { .. }) => {}
        Ok(Verification::Invalid) | Err(PasswordError::PasswordTooLong) => {
            tracing::info!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "wrong_current_password", %client);
            return Err(Problem::wrong_current_password());
        }
        Err(e) => return Err(s.hashing_failed(e)),
    }
    let new_hash = s
        .hasher
        .hash_new_async(&s.policy, &[user.email.as_str(), user.username.as_str()], req.new_password)
        .await
        .map_err(|e| {
            if matches!(e, PasswordError::Policy(_)) {
                tracing::info!(target: "security", event = "authn_password_change_fail", user_id = id, reason = "policy", %client);
            }
            new_password_failed(&s, e)
        })?;

    let (old, keep) = (user.password_hash, session.digest);
    let revoked =
        s.db.call(move |c| {
            if db::replace_hash(c, id, &old, new_hash.as_str())? {
                db::delete_other_sessions(c, id, &keep).map(Some)
            } else {
                Ok(None)
            }
        })
        .await
        .map_err(internal)?;
    let Some(revoked) = revoked else {
        // Changed concurrently by another request: its change stands.
        return Err(Problem::wrong_current_password());
    };
    tracing::info!(target: "security", event = "authn_password_change", user_id = id, other_sessions_revoked = revoked, %client);
    Ok(StatusCode::NO_CONTENT.into_response())
}
