//! `POST /login`: rate limits by address and by account before any
//! hashing, one login check whose outcome is matched (the same work and
//! the same answer for an unknown account and a wrong password),
//! upgrade-on-login, and a rotated session.

use axum::extract::State;
use guardrail::{
    axum::{
        Json, NewSession, Problem,
        limit::{AccountKey, ClientIp, LoginKey},
    },
    encode::log_line,
    password::{Error as PasswordError, Verification},
    secret::SecretString,
    validate::{Email, Username},
};
use serde::{Deserialize, Serialize};

use super::{AccountLimit, Shared, internal};
use crate::db::{self, Login};

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

/// An email address if it has an `@`, else a username; `None` if it is
/// neither (then no account can match, and the login costs the same).
fn parse_login(login: &str) -> Option<Login> {
    if login.contains('@') {
        Email::parse(login).ok().map(|e| Login::Email(e.as_str().to_owned()))
    } else {
        Username::parse(login).ok().map(|u| Login::Username(u.as_str().to_owned()))
    }
}

pub(super) async fn login(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    headers: axum::http::HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<(NewSession, Json<LoginResponse>), Problem> {
    s.limit_ip(client)?;
    let user = match parse_login(&req.login) {
        Some(l) => s.db.call(move |c| db::find_user(c, &l)).await.map_err(internal)?,
        None => None,
    };
    let account = match &user {
        Some(u) => AccountLimit::Account(AccountKey::from_id(u.id)),
        None => AccountLimit::Login(LoginKey::from_typed(&req.login)),
    };
    s.limit_account(account, client)?;

    // One check for both cases: the account's stored hash, or none (the
    // same work, then Invalid).
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let user_id = user.as_ref().map(|u| u.id);
    let upgrade = match s.hasher.verify_login_async(req.password, stored).await {
        Ok(Verification::Valid { upgrade }) => upgrade,
        Ok(Verification::Invalid) | Err(PasswordError::PasswordTooLong) => {
            tracing::info!(target: "security", event = "authn_login_fail", user_id, %client);
            return Err(Problem::invalid_credentials());
        }
        Err(e @ PasswordError::Busy) => return Err(s.password_failed(&e)),
        Err(e) => {
            // A stored hash this hasher refuses (out of policy, damaged,
            // sealed under a disabled key): the same answer as a wrong
            // password, and an error for the operators.
            tracing::error!(target: "security", event = "authn_login_fail", user_id, reason = "stored_hash_unusable", error = %e, %client);
            return Err(Problem::invalid_credentials());
        }
    };
    crate::hooks::point(&s, "login.after_verify").await;
    let Some(user) = user else {
        return Err(Problem::invalid_credentials()); // unreachable: without an account the check is Invalid
    };

    if let Some(new_hash) = upgrade {
        let (id, old) = (user.id, user.password_hash.clone());
        let replaced = s.db.call(move |c| db::replace_hash(c, id, &old, new_hash.as_str_for_storage()));
        if replaced.await.map_err(internal)? {
            tracing::info!(target: "security", event = "user_updated", user_id = user.id, reason = "password_hash_upgraded");
        }
    }

    // Rotate: the session this browser had (if any) ends; a new token is issued.
    // B1: None = the store refused the session (S1b: log it, credential epoch).
    let session = s.sessions.start(&headers, db::SessionUser { id: user.id, epoch: user.credential_epoch }, &s.csrf).await?.ok_or_else(Problem::invalid_credentials)?;
    tracing::info!(target: "security", event = "authn_login_success", user_id = user.id, user = %log_line(&user.username), %client);
    tracing::info!(target: "security", event = "session_created", user_id = user.id);
    let csrf_token = session.csrf_token().to_owned();
    Ok((session, Json(LoginResponse { username: user.username, csrf_token })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_parse_as_email_or_username() {
        assert!(matches!(parse_login("Alice@Example.com"), Some(Login::Email(_))));
        assert!(matches!(parse_login("alice"), Some(Login::Username(_))));
        assert!(parse_login("a b@").is_none());
        assert!(parse_login("").is_none());
    }
}
