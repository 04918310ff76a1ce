//! Task 3, session and CSRF: `GET /me`, `POST /logout`. The `CsrfLayer`
//! (src/lib.rs) has already checked `X-CSRF-Token` on the logout.

use axum::{extract::State, http::StatusCode};
use guardrail::axum::{Json, Problem, Session, session::EndedSession};
use serde_json::{Value, json};

use crate::{App, Store};

/// Who is logged in, and the session's CSRF token (for a page reload).
pub(crate) async fn me(State(app): State<App>, session: Session<Store>) -> Result<Json<Value>, Problem> {
    let user = app.db.get(*session.user()).ok_or_else(Problem::unauthenticated)?;
    let csrf_token = session.csrf_token(&app.csrf);
    Ok(Json(json!({ "id": user.id, "username": user.username.as_str(), "csrf_token": csrf_token })))
}

/// Ends the session and clears the cookie.
pub(crate) async fn logout(
    State(app): State<App>,
    session: Session<Store>,
) -> Result<(EndedSession, StatusCode), Problem> {
    Ok((app.sessions.end(session).await?, StatusCode::NO_CONTENT))
}
