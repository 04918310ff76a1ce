//! `POST /login`: rate limits by address and by account before any
//! hashing, the same work and the same answer for an unknown account and a
//! wrong password, upgrade-on-login, and a rotated session.

use axum::{
    Json,
    http::header,
    response::{IntoResponse, Response},
};
use guardrail::{
    encode::log_line,
    password::{Error as PasswordError, Verification},
    secret::SecretString,
    validate::{Email, Username},
};
use serde::{Deserialize, Serialize};

use super::{Call, JsonBody, Problem, internal, limits::account_key, session};
use crate::db::{self, Login};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LoginRequest {
    login: String,
    password: SecretString,
}

#[derive(Serialize)]
struct LoginResponse {
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
    Call { s, client, headers }: Call,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<Response, Problem> {
    s.limit_ip(client)?;
    let login = parse_login(&req.login);
    let user = match login.clone() {
        Some(l) => s.db.call(move |c| db::find_user(c, &l)).await.map_err(internal)?,
        None => None,
    };
    let account = match (&user, &login) {
        (Some(u), _) => account_key("user", &u.id.to_string()),
        (None, Some(Login::Email(e) | Login::Username(e))) => account_key("login", e),
        (None, None) => account_key("raw", &req.login),
    };
    s.limit_account(&account, client)?;

    // The same work whether or not the account exists (a dummy verify).
    let verification = match &user {
        Some(u) => s.hasher.verify_async(req.password, u.password_hash.clone()).await,
        None => s.hasher.verify_unknown_user_async(req.password).await,
    };
    let user_id = user.as_ref().map(|u| u.id);
    let upgrade = match verification {
        Ok(Verification::Valid { upgrade }) => upgrade,
        Ok(Verification::Invalid) | Err(PasswordError::PasswordTooLong) => {
            tracing::info!(target: "security", event = "authn_login_fail", user_id, %client);
            return Err(Problem::invalid_credentials());
        }
        Err(PasswordError::Busy) => return Err(s.hashing_failed(PasswordError::Busy)),
        Err(e) => {
            // A stored hash this hasher refuses (out of policy, damaged,
            // sealed under a disabled key): the same answer as a wrong
            // password, and an error for the operators.
            tracing::error!(target: "security", event = "authn_login_fail", user_id, reason = "stored_hash_unusable", error = %e, %client);
            return Err(Problem::invalid_credentials());
        }
    };
    let Some(user) = user else {
        return Err(Problem::invalid_credentials()); // unreachable: unknown users never verify
    };

    if let Some(new_hash) = upgrade {
        let (id, old) = (user.id, user.password_hash.clone());
        if s.db.call(move |c| db::replace_hash(c, id, &old, new_hash.as_str())).await.map_err(internal)? {
            tracing::info!(target: "security", event = "user_updated", user_id = user.id, reason = "password_hash_upgraded");
        }
    }

    // Rotate: the session this browser had (if any) ends; a new id is issued.
    let token = session::rotate(&s, &headers, user.id).await?;

    tracing::info!(target: "security", event = "authn_login_success", user_id = user.id, user = %log_line(&user.username), %client);
    tracing::info!(target: "security", event = "session_created", user_id = user.id);
    let body = LoginResponse { username: user.username, csrf_token: s.csrf.token_for(&token) };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::SET_COOKIE, session::session_set_cookie(&token, s.session_ttl)?);
    Ok(response)
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
