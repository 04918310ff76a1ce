//! Task 6, a user-supplied webhook: `PUT /webhook {url}`, `POST
//! /webhook/test`. The URL is parsed under the fetch client's policy and
//! fetched only through that client, which checks every resolved address
//! and redirect, ignores proxy variables and bounds time and size.

use axum::{extract::State, http::StatusCode};
use guardrail::axum::{Json, Problem, Session};
use guardrail::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{App, Store};

/// The form. A webhook URL often carries a token: `Pii` keeps it out of logs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Hook {
    url: Pii<String>,
}

/// Registers the webhook: 422 `invalid_url` with the reason
/// (`private_address`, `scheme`, ...) for a URL the policy refuses.
pub(crate) async fn register(
    State(app): State<App>,
    session: Session<Store>,
    Json(form): Json<Hook>,
) -> Result<StatusCode, Problem> {
    let url = app
        .fetch
        .policy()
        .parse(form.url.expose_secret())
        .map_err(|e| Problem::invalid("invalid_url").with_reason(e.code()))?;
    app.db.update(*session.user(), |u| u.webhook = Some(url));
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a test event to the webhook; the answer's status.
pub(crate) async fn test_fire(State(app): State<App>, session: Session<Store>) -> Result<Json<Value>, Problem> {
    let id = *session.user();
    let url = app.db.get(id).and_then(|u| u.webhook).ok_or_else(Problem::not_found)?;
    let sent = app.fetch.post(&url).json(&json!({ "event": "test", "user": id })).send().await;
    let fetched = sent.map_err(|e| {
        tracing::warn!(event = "webhook_failed", user = id, error = %e); // no URL in fetch errors
        Problem::new(StatusCode::BAD_GATEWAY, "webhook_failed", "The webhook could not be reached.")
    })?;
    Ok(Json(json!({ "status": fetched.status.as_u16() })))
}
