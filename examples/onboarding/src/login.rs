//! Task 2, login: `POST /login {login, password}` → 200 `{csrf_token}` and
//! the session cookie.

use axum::{extract::State, http::HeaderMap};
use guardrail::axum::{Json, NewSession, Problem, limit::ClientIp};
use guardrail::{password::Error as PasswordError, prelude::*};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;

/// The form. `login` stays text: it is an e-mail address or a user name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    login: String,
    password: SecretString,
}

/// Logs in. The limits come first (`Limits::check_login`: the client's,
/// then the typed login's, an unknown account keyed exactly as an existing
/// one); one `verify_login_async` hashes for both, so neither the status,
/// the body nor the time tells them apart. Only `Busy` (503) differs from
/// the one 401.
pub(crate) async fn login(
    State(app): State<App>,
    client: ClientIp,
    headers: HeaderMap,
    Json(form): Json<Login>,
) -> Result<(NewSession, Json<Value>), Problem> {
    app.limits.check_login(&client.key(), &form.login)?;
    let user = app.db.find_login(&form.login);
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let (upgrade, user) = match (app.hasher.verify_login_async(form.password, stored).await, user) {
        (Ok(Verification::Valid { upgrade }), Some(user)) => (upgrade, user),
        (Err(e @ PasswordError::Busy), _) => return Err(Problem::from_password_error(&e)), // 503
        // No account, a wrong or too long password: one 401. A stored hash
        // the hasher refuses (damaged, out of policy): the same 401, and an
        // error for the operators.
        (refused, _) => {
            tracing::info!(target: "security", event = "authn_login_fail");
            if let Some(e) = refused.err().filter(|e| !matches!(e, PasswordError::PasswordTooLong)) {
                tracing::error!(target: "security", event = "authn_login_fail", reason = "stored_hash_unusable", error = %e);
            }
            return Err(Problem::invalid_credentials());
        }
    };
    if let Some(upgrade) = upgrade {
        app.db.update(user.id, |u| u.password_hash = upgrade.into_string_for_storage());
    }
    // Rotation: the session the request's cookie named, if any, ends here.
    // `None` is a store refusing the session (a credential changed since the
    // check; see `SessionStore`): the one 401. The memory store never does.
    let session = app.sessions.start(&headers, user.id, &app.csrf).await?.ok_or_else(Problem::invalid_credentials)?;
    tracing::info!(target: "security", event = "authn_login_success", user = user.id);
    let body = Json(json!({ "csrf_token": session.csrf_token() }));
    Ok((session, body))
}
