//! Sessions, hand-written here: the `session` cookie (its token stored
//! only as a SHA-256 digest), rotation on login, expiry, the CSRF check on
//! cookie-authenticated changes; and the two handlers that need nothing
//! but a session, `POST /logout` and `GET /me`.

use std::{net::IpAddr, sync::Arc, time::Duration};

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use guardrail::{
    secret::{ExposeSecret, SecretString, Zeroizing},
    token::random,
};
use serde::Serialize;

use super::{AppState, Call, Problem, internal};
use crate::db;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "session";
/// Header carrying the CSRF token on cookie-authenticated changes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Bytes of randomness in a session token (256 bits).
const SESSION_TOKEN_BYTES: usize = 32;
/// Longest cookie value worth looking up, in bytes (a token is 43 characters).
const MAX_SESSION_COOKIE: usize = 128;

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    out
}

/// Ends the session this browser had (if any) and stores a new one for
/// `user_id`; returns its token, which only the cookie carries.
pub(super) async fn rotate(s: &AppState, headers: &HeaderMap, user_id: i64) -> Result<SecretString, Problem> {
    if let Some(old) = session_cookie(headers) {
        let digest = sha256(old.expose_secret().as_bytes());
        s.db.call(move |c| db::delete_session(c, &digest)).await.map_err(internal)?;
    }
    let token = random::token(SESSION_TOKEN_BYTES).map_err(|_| Problem::internal())?;
    let digest = sha256(token.expose_secret().as_bytes());
    let ttl = i64::try_from(s.session_ttl.as_secs()).unwrap_or(i64::MAX);
    let expires_at = db::now().saturating_add(ttl);
    s.db.call(move |c| db::insert_session(c, &digest, user_id, expires_at)).await.map_err(internal)?;
    Ok(token)
}

/// `Set-Cookie` for a new session: script cannot read it, it travels only
/// over HTTPS (browsers treat `localhost` as secure), and cross-site
/// sub-requests do not carry it.
pub(super) fn session_set_cookie(token: &SecretString, ttl: Duration) -> Result<HeaderValue, Problem> {
    let cookie = Zeroizing::new(format!(
        "{SESSION_COOKIE}={}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={}",
        token.expose_secret(),
        ttl.as_secs()
    ));
    let mut value = HeaderValue::from_str(&cookie).map_err(|_| Problem::internal())?;
    value.set_sensitive(true);
    Ok(value)
}

fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0")
}

/// The `session` cookie's value, if any (bounded; never logged).
fn session_cookie(headers: &HeaderMap) -> Option<SecretString> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty() && value.len() <= MAX_SESSION_COOKIE)
        .map(|(_, value)| SecretString::from(value.to_owned()))
}

/// A request's valid session.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) user_id: i64,
    token: SecretString,
    pub(super) digest: [u8; 32],
}

pub(super) async fn session(s: &AppState, headers: &HeaderMap) -> Result<Session, Problem> {
    let token = session_cookie(headers).ok_or_else(Problem::unauthenticated)?;
    let digest = sha256(token.expose_secret().as_bytes());
    let row = s.db.call(move |c| db::find_session(c, &digest)).await.map_err(internal)?;
    let Some((user_id, expires_at)) = row else {
        return Err(Problem::unauthenticated());
    };
    if expires_at <= db::now() {
        s.db.call(move |c| db::delete_session(c, &digest)).await.map_err(internal)?;
        tracing::info!(target: "security", event = "session_expired", user_id, reason = "expired");
        return Err(Problem::session_expired());
    }
    Ok(Session { user_id, token, digest })
}

/// The session, and its CSRF token in `X-CSRF-Token` (checked in constant time).
pub(super) async fn session_with_csrf(s: &AppState, headers: &HeaderMap, client: IpAddr) -> Result<Session, Problem> {
    let session = session(s, headers).await?;
    let presented = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if s.csrf.verify(&session.token, presented).is_err() {
        tracing::warn!(target: "security", event = "authz_fail", user_id = session.user_id, reason = "csrf", %client);
        return Err(Problem::csrf());
    }
    Ok(session)
}

pub(super) async fn logout(Call { s, client, headers }: Call) -> Result<Response, Problem> {
    let session = session_with_csrf(&s, &headers, client).await?;
    let digest = session.digest;
    s.db.call(move |c| db::delete_session(c, &digest)).await.map_err(internal)?;
    tracing::info!(target: "security", event = "session_expired", user_id = session.user_id, reason = "logout");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_cookie())]).into_response())
}

#[derive(Serialize)]
pub(super) struct MeResponse {
    id: i64,
    email: String,
    username: String,
}

/// Takes no `Call`: it needs no client address, so it answers even where
/// the router is served without connect info (as before the split).
pub(super) async fn me(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Result<Json<MeResponse>, Problem> {
    let session = session(&s, &headers).await?;
    let id = session.user_id;
    let user =
        s.db.call(move |c| db::user_by_id(c, id)).await.map_err(internal)?.ok_or_else(Problem::unauthenticated)?;
    Ok(Json(MeResponse { id: user.id, email: user.email, username: user.username }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

    use super::*;

    #[test]
    fn session_cookie_is_found_among_others_and_bounded() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("theme=dark; session=abc; x=y"));
        assert_eq!(session_cookie(&h).unwrap().expose_secret(), "abc");
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_str(&format!("session={}", "a".repeat(500))).unwrap());
        assert!(session_cookie(&h).is_none());
        assert!(session_cookie(&HeaderMap::new()).is_none());
    }
}
