//! `POST /login`: rate limits by address and by the login name as typed
//! before any lookup or hashing, one login check whose outcome is matched
//! (the same work and the same answer for an unknown account, a wrong
//! password and a hash not bound to its row), upgrade-on-login, and a
//! rotated session that is stored only while the password it checked is
//! still the account's.
//!
//! The check and the session are tied by the account's credential epoch:
//! the epoch is read with the hash, the upgrade write is a compare-and-swap
//! on both, and the session insert happens only if the epoch is unchanged.
//! A password change that commits while this login is hashing bumps the
//! epoch, so the login answers the same 401 (`reason=credential_changed`).

use std::net::IpAddr;

use axum::extract::State;
use guardrail::{
    axum::{
        Json, NewSession, Problem,
        limit::{ClientIp, LoginKey},
    },
    encode::log_line,
    password::{Error as PasswordError, PasswordHash, SealState, Verification},
    secret::SecretString,
};
use serde::{Deserialize, Serialize};

use super::{Shared, internal};
use crate::{
    db::{self, Login, SessionUser, User},
    hooks,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LoginRequest {
    login: String,
    password: SecretString,
}

#[derive(Serialize)]
pub(super) struct LoginResponse {
    username: String,
    csrf_token: String,
}

pub(super) async fn login(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    headers: axum::http::HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<(NewSession, Json<LoginResponse>), Problem> {
    // Both limits before the lookup: what they answer cannot depend on
    // whether the login names an account.
    s.limit_ip(client)?;
    s.limit_login(&LoginKey::from_typed(&req.login), client)?;
    let user = match Login::parse(&req.login) {
        Some(l) => s.db.call(move |c| db::find_user(c, &l)).await.map_err(internal)?,
        None => None,
    };
    let upgrade = check_password(&s, req.password, user.as_ref(), client).await?;
    hooks::point(&s, "login.after_verify").await;
    let Some(user) = user else {
        return Err(Problem::invalid_credentials()); // unreachable: without an account the check is Invalid
    };

    hooks::point(&s, "login.before_commit").await;
    if let Some(new_hash) = upgrade {
        store_upgrade(&s, &user, new_hash).await?;
    }
    // Rotate: the session this browser had (if any) ends; a new token is
    // issued, stored only if the epoch read with the hash is still the
    // account's.
    let who = SessionUser { id: user.id, epoch: user.credential_epoch };
    let Some(session) = s.sessions.start(&headers, who, &s.csrf).await? else {
        tracing::info!(target: "security", event = "authn_login_fail", user_id = user.id, reason = "credential_changed", %client);
        return Err(Problem::invalid_credentials());
    };
    tracing::info!(target: "security", event = "authn_login_success", user_id = user.id, user = %log_line(&user.username), %client);
    tracing::info!(target: "security", event = "session_created", user_id = user.id);
    let csrf_token = session.csrf_token().to_owned();
    Ok((session, Json(LoginResponse { username: user.username, csrf_token })))
}

/// The one password check of a login: the account's stored hash under its
/// row's binding, or none (the same work, then `Invalid`). Answers the
/// upgrade to store, or the login's 401 (or 503 when hashing is busy).
async fn check_password(
    s: &Shared,
    password: SecretString,
    user: Option<&User>,
    client: IpAddr,
) -> Result<Option<PasswordHash>, Problem> {
    let user_id = user.map(|u| u.id);
    let unbound = user.is_some_and(|u| !matches!(s.hasher.seal_state(&u.password_hash), SealState::Bound));
    let stored = user.map(|u| (u.password_hash.clone(), db::binding(u.id)));
    let outcome = s.hasher.verify_login_bound_async(password, stored).await;
    if unbound && outcome.is_ok() {
        // Only with AUTH_SERVICE_ACCEPT_UNSEALED_HASHES: a row sealed by an
        // earlier release (not rebound) or written unsealed was checked.
        tracing::warn!(target: "security", event = "authn_unsealed_hash_seen", user_id, %client);
    }
    match outcome {
        Ok(Verification::Valid { upgrade }) => Ok(upgrade),
        Ok(Verification::Invalid) | Err(PasswordError::PasswordTooLong) => {
            tracing::info!(target: "security", event = "authn_login_fail", user_id, %client);
            Err(Problem::invalid_credentials())
        }
        Err(PasswordError::Unbound) => {
            // A hash not bound to this row: copied from another account,
            // or written by someone with access to the database. The same
            // answer as a wrong password; an error for the operators.
            tracing::error!(target: "security", event = "authn_login_fail", user_id, reason = "unbound_hash", %client);
            Err(Problem::invalid_credentials())
        }
        Err(e @ PasswordError::Busy) => Err(s.password_failed(&e)),
        Err(e) => {
            // A stored hash this hasher refuses (out of policy, damaged,
            // sealed under a disabled key): the same answer as a wrong
            // password, and an error for the operators.
            tracing::error!(target: "security", event = "authn_login_fail", user_id, reason = "stored_hash_unusable", error = %e, %client);
            Err(Problem::invalid_credentials())
        }
    }
}

/// Stores an upgraded hash (bound to the row) only if the row still holds
/// the hash this login read, under the same epoch: never over a password
/// changed since.
async fn store_upgrade(s: &Shared, user: &User, new_hash: PasswordHash) -> Result<(), Problem> {
    let (id, epoch, old) = (user.id, user.credential_epoch, user.password_hash.clone());
    let stored = s.db.call(move |c| db::upgrade_hash(c, id, epoch, &old, new_hash.as_str_for_storage()));
    if stored.await.map_err(internal)? {
        tracing::info!(target: "security", event = "user_updated", user_id = id, reason = "password_hash_upgraded");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_parse_as_email_or_username() {
        assert!(matches!(Login::parse("Alice@Example.com"), Some(Login::Email(_))));
        assert!(matches!(Login::parse("alice"), Some(Login::Username(_))));
        assert!(Login::parse("a b@").is_none());
        assert!(Login::parse("").is_none());
    }

    #[test]
    fn names_registered_before_they_became_reserved_still_log_in() {
        // Refused at sign-up since digit look-alikes of reserved names are
        // reserved (and `ab` is under today's 3-character minimum), but an
        // account that holds one still finds it, canonicalised the same way.
        for (typed, stored) in [("adm1n", "adm1n"), ("ＡＤＭ１Ｎ", "adm1n"), ("r00t", "r00t"), ("ab", "ab")] {
            assert!(guardrail::validate::Username::parse(typed).is_err(), "{typed}");
            assert!(matches!(Login::parse(typed), Some(Login::Username(u)) if u == stored), "{typed}");
        }
        // Confusables stay refused: they cannot have been registered.
        assert!(Login::parse("аdmin").is_none());
    }
}
