//! API keys: `POST /api-keys` issues one to a session (shown once, stored
//! as a keyed digest; at most `AUTH_SERVICE_MAX_API_KEYS` per account,
//! counted and inserted in one statement), `GET /api-keys` lists the
//! session's keys (never a key or digest), `DELETE /api-keys/{id}` deletes
//! one (the CSRF layer has checked the session's token for both changes),
//! and `GET /whoami` answers for a presented `Authorization: Bearer` key,
//! checked by guardrail-axum's `ApiKeyAuth` (failed attempts limited per
//! client address, format and checksum before any lookup, the digest in
//! constant time, one 401 for every refusal). Each change puts a notice in
//! the owner's outbox, in the transaction that makes it; creates and
//! deletes are limited per account (with `POST /sessions/revoke-others`,
//! [`ACCOUNT_CHANGES_PER_MINUTE`](super::ACCOUNT_CHANGES_PER_MINUTE)).
//! A password reset deletes every key of the account; a password change
//! keeps them.

use std::sync::Arc;

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::StatusCode,
};
use guardrail::{
    axum::{ApiKeyAuth, Json, Problem, Session, limit::ClientIp},
    secret::{SecretString, ser::expose_secret},
    validate::Label,
};
use serde::{Deserialize, Serialize};

use super::{Shared, internal};
use crate::{
    db::{
        self, ApiKeys, SqliteSessions,
        api_keys::{Created, KeyInfo},
    },
    outbox::{self, Notice},
};

/// Longest API key name, in characters.
const MAX_KEY_NAME: usize = 64;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewApiKey {
    name: String,
}

#[derive(Serialize)]
pub(super) struct NewApiKeyResponse {
    id: String,
    /// Shown once: only its digest is stored.
    #[serde(serialize_with = "expose_secret")]
    key: SecretString,
}

/// 409: the account holds as many API keys as it may.
fn too_many_keys() -> Problem {
    Problem::new(StatusCode::CONFLICT, "too_many_api_keys", "This account holds the most API keys allowed.")
}

pub(super) async fn create_api_key(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    session: Session<SqliteSessions>,
    Json(req): Json<NewApiKey>,
) -> Result<(StatusCode, Json<NewApiKeyResponse>), Problem> {
    let user_id = session.user().id;
    s.limit_account_change(user_id, client)?;
    // A name people read: NFC, at most MAX_KEY_NAME characters, no control
    // or hidden character (zero-width, bidi controls, no-break spaces,
    // U+2800, ...), so two keys cannot show the same name. The problem
    // names the code only, never the value.
    let name =
        Label::parse_with_max(&req.name, MAX_KEY_NAME).map_err(|_| Problem::invalid("invalid_name"))?.into_string();
    let (key, stored) = s.issuer.issue().map_err(|e| Problem::internal_logged(&e))?;
    let lookup = stored.lookup_id().to_owned();
    crate::hooks::point(&s, "api_keys.before_store").await;
    let (cap, keyring, id) = (s.max_api_keys, Arc::clone(&s.keyring), lookup.clone());
    let tag_key = s.api_keys.lookup().tag_key().clone();
    let created =
        s.db.write(move |tx| {
            let created = db::api_keys::insert_capped(tx, &tag_key, &id, user_id, &name, &stored.digest_hex(), cap)?;
            if created == Created::Stored
                && let Some(user) = db::user_by_id(tx, user_id)?
            {
                outbox::notice(tx, &keyring, &user, Notice::ApiKeyCreated { id, name })?;
            }
            Ok(created)
        })
        .await
        .map_err(internal)?;
    match created {
        Created::Stored => {}
        Created::Full => return Err(too_many_keys()),
        Created::Duplicate => return Err(Problem::internal()), // a lookup-id collision: 2^-72 per pair
    }
    tracing::info!(target: "security", event = "authn_token_created", user_id, key_id = lookup);
    Ok((StatusCode::CREATED, Json(NewApiKeyResponse { id: lookup, key })))
}

pub(super) async fn list_api_keys(
    State(s): State<Shared>,
    session: Session<SqliteSessions>,
) -> Result<Json<Vec<KeyInfo>>, Problem> {
    let user_id = session.user().id;
    Ok(Json(s.db.call(move |c| db::api_keys::list(c, user_id)).await.map_err(internal)?))
}

/// Whether `id` has the form of a lookup id (12 base64url characters):
/// anything else is refused without a lookup and without being echoed.
fn is_lookup_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(super) async fn delete_api_key(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    session: Session<SqliteSessions>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Problem> {
    s.limit_account_change(session.user().id, client)?;
    let id = match id {
        Ok(Path(id)) if is_lookup_id(&id) => id,
        _ => return Err(Problem::invalid("invalid_id")),
    };
    let (user_id, keyring, key_id) = (session.user().id, Arc::clone(&s.keyring), id.clone());
    let deleted =
        s.db.write(move |tx| {
            let deleted = db::api_keys::delete(tx, &id, user_id)?;
            if deleted && let Some(user) = db::user_by_id(tx, user_id)? {
                outbox::notice(tx, &keyring, &user, Notice::ApiKeyDeleted { id })?;
            }
            Ok(deleted)
        })
        .await
        .map_err(internal)?;
    if !deleted {
        // Unknown, or another account's: the same answer.
        return Err(Problem::not_found());
    }
    tracing::info!(target: "security", event = "authn_token_revoked", user_id, key_id);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub(super) struct WhoamiResponse {
    username: String,
    key_id: String,
}

/// Answers for the key and stamps its `last_used` (at most once a minute;
/// a failed stamp is logged, the answer stands).
pub(super) async fn whoami(State(s): State<Shared>, auth: ApiKeyAuth<ApiKeys>) -> Json<WhoamiResponse> {
    let key_id = auth.key_id.clone();
    if let Err(e) = s.db.call(move |c| db::api_keys::touch(c, &key_id, db::now())).await {
        tracing::error!(error = %e, "api key last_used stamp failed");
    }
    Json(WhoamiResponse { username: auth.principal, key_id: auth.key_id })
}
