//! Task 1, sign-up: `POST /signup {email, username, password}` → 201 `{id}`.

use axum::{extract::State, http::StatusCode};
use guardrail::axum::{Json, Problem, limit::ClientIp};
use guardrail::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;

/// The form. The types check the fields as the JSON is read: a bad
/// address is a 422 `invalid_email` problem pointing at `#/email`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Signup {
    email: Email,
    username: Username,
    password: SecretString,
}

/// Creates the account: a per-client limit first (each sign-up costs a
/// hash), the password checked against the policy (with the user's own
/// words) and hashed on the hasher's workers, never on the executor; one
/// account per `Email::uniqueness_key` (`Ada@x` is `ada@x`).
pub(crate) async fn signup(
    State(app): State<App>,
    client: ClientIp,
    Json(form): Json<Signup>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    app.limits.signups.check(&client.key())?;
    let refused = |e: guardrail::password::Error| Problem::from_password_error(&e);
    let context = [form.username.as_str(), form.email.as_str()];
    let checked: NewPassword =
        app.hasher.check_new_async(&app.policy, &context, form.password).await.map_err(refused)?;
    let hash = app.hasher.hash_checked_async(checked).await.map_err(refused)?;
    let key = form.email.uniqueness_key();
    let id = app.db.insert(form.email, key, form.username, hash.into_string_for_storage()).ok_or_else(|| {
        Problem::new(StatusCode::CONFLICT, "already_exists", "An account with this e-mail address or user name exists.")
    })?;
    tracing::info!(target: "security", event = "user_created", user = id);
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}
