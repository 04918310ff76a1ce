//! The two handlers that need nothing but a session: `POST /logout` (the
//! CSRF layer has checked its token) and `GET /me`.

use axum::{extract::State, http::StatusCode};
use guardrail::axum::{Json, Problem, Session, session::EndedSession};
use serde::Serialize;

use super::{Shared, internal};
use crate::db::{self, SqliteSessions};

/// Ends the session and clears the cookie.
pub(super) async fn logout(
    State(s): State<Shared>,
    session: Session<SqliteSessions>,
) -> Result<(EndedSession, StatusCode), Problem> {
    let user_id = session.user().id;
    let ended = s.sessions.end(session).await?;
    tracing::info!(target: "security", event = "session_expired", user_id, reason = "logout");
    Ok((ended, StatusCode::NO_CONTENT))
}

#[derive(Serialize)]
pub(super) struct MeResponse {
    id: i64,
    email: String,
    username: String,
}

pub(super) async fn me(State(s): State<Shared>, session: Session<SqliteSessions>) -> Result<Json<MeResponse>, Problem> {
    let id = session.user().id;
    let user =
        s.db.call(move |c| db::user_by_id(c, id)).await.map_err(internal)?.ok_or_else(Problem::unauthenticated)?;
    Ok(Json(MeResponse { id: user.id, email: user.email, username: user.username }))
}
