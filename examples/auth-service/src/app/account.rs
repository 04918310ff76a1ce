//! The handlers that need nothing but a session: `POST /logout` and
//! `POST /sessions/revoke-others` (the CSRF layer has checked their
//! token) and `GET /me`.

use std::sync::Arc;

use axum::{extract::State, http::StatusCode};
use guardrail::axum::{Json, Problem, Session, limit::ClientIp, session::EndedSession};
use serde::Serialize;

use super::{Shared, internal};
use crate::{
    db::{self, SqliteSessions},
    outbox::{self, Notice},
};

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

/// Ends every other session of the account (the caller's stays), and
/// tells the owner through the outbox. The credential epoch stays: a login
/// in flight with the right password is the owner's own and may finish.
/// Limited per account with the API-key changes
/// ([`ACCOUNT_CHANGES_PER_MINUTE`](super::ACCOUNT_CHANGES_PER_MINUTE)).
pub(super) async fn revoke_others(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    session: Session<SqliteSessions>,
) -> Result<StatusCode, Problem> {
    let user_id = session.user().id;
    s.limit_account_change(user_id, client)?;
    let count = s.sessions.end_others(&session).await?;
    tracing::info!(target: "security", event = "session_expired", user_id, reason = "revoked_by_user", count);
    let keyring = Arc::clone(&s.keyring);
    s.db.write(move |tx| match db::user_by_id(tx, user_id)? {
        Some(user) => outbox::notice(tx, &keyring, &user, Notice::SessionsRevoked { count }),
        None => Ok(()),
    })
    .await
    .map_err(internal)?;
    Ok(StatusCode::NO_CONTENT)
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
