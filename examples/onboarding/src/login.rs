//! Task 2, login: `POST /login {login, password}` → 200 `{csrf_token}` and
//! the session cookie.

use axum::{extract::State, http::HeaderMap};
use guardrail::axum::{Json, LoginKey, NewSession, Problem, limit::ClientIp};
use guardrail::prelude::*;
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

/// Logs in. The limits come first and key an unknown account exactly as
/// an existing one; one `verify_login_async` hashes for both, so neither
/// the status, the body nor the time tells them apart.
pub(crate) async fn login(
    State(app): State<App>,
    client: ClientIp,
    headers: HeaderMap,
    Json(form): Json<Login>,
) -> Result<(NewSession, Json<Value>), Problem> {
    app.limits.clients.check(&client.key())?;
    app.limits.logins.check(&LoginKey::from_typed(&form.login))?;
    let user = app.db.find_login(&form.login);
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = app.hasher.verify_login_async(form.password, stored).await;
    let (Verification::Valid { upgrade }, Some(user)) = (verified.map_err(|e| Problem::from_password_error(&e))?, user)
    else {
        tracing::info!(target: "security", event = "authn_login_fail");
        return Err(Problem::invalid_credentials());
    };
    if let Some(upgrade) = upgrade {
        app.db.update(user.id, |u| u.password_hash = upgrade.into_string_for_storage());
    }
    // Rotation: the session the request's cookie named, if any, ends here.
    let session = app.sessions.start(&headers, user.id, &app.csrf).await?;
    tracing::info!(target: "security", event = "authn_login_success", user = user.id);
    let body = Json(json!({ "csrf_token": session.csrf_token() }));
    Ok((session, body))
}
