//! API keys: `POST /api-keys` issues one to a session (shown once, stored
//! as a digest; the CSRF layer has checked the session's token), and
//! `GET /whoami` answers for a presented `Authorization: Bearer` key,
//! checked by guardrail-axum's `ApiKeyAuth` (format and checksum before
//! any lookup, the digest in constant time, one 401 for every refusal).

use axum::{extract::State, http::StatusCode};
use guardrail::{
    axum::{ApiKeyAuth, Json, Problem, Session},
    secret::{SecretString, ser::expose_secret},
    validate::Label,
};
use serde::{Deserialize, Serialize};

use super::{Shared, internal};
use crate::db::{self, ApiKeys, Inserted, SqliteSessions};

/// API keys one account may hold.
const MAX_API_KEYS: usize = 25;
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
    session: Session<SqliteSessions>,
    Json(req): Json<NewApiKey>,
) -> Result<(StatusCode, Json<NewApiKeyResponse>), Problem> {
    // A name people read: NFC, at most MAX_KEY_NAME characters, no control
    // or hidden character (zero-width, bidi controls, no-break spaces,
    // U+2800, ...), so two keys cannot show the same name. The problem
    // names the code only, never the value.
    let name =
        Label::parse_with_max(&req.name, MAX_KEY_NAME).map_err(|_| Problem::invalid("invalid_name"))?.into_string();
    let id = session.user().id;
    if s.db.call(move |c| db::count_api_keys(c, id)).await.map_err(internal)? >= MAX_API_KEYS {
        return Err(too_many_keys());
    }
    let (key, stored) = s.issuer.issue().map_err(|e| Problem::internal_logged(&e))?;
    let (lookup, digest) = (stored.lookup_id().to_owned(), stored.digest_hex());
    match s.db.call(move |c| db::insert_api_key(c, &lookup, id, &name, &digest)).await.map_err(internal)? {
        Inserted::Id(_) => {}
        Inserted::Duplicate => return Err(Problem::internal()), // a lookup-id collision: 2^-60 per pair
    }
    tracing::info!(target: "security", event = "authn_token_created", user_id = id, key_id = stored.lookup_id());
    Ok((StatusCode::CREATED, Json(NewApiKeyResponse { id: stored.lookup_id().to_owned(), key })))
}

#[derive(Serialize)]
pub(super) struct WhoamiResponse {
    username: String,
    key_id: String,
}

pub(super) async fn whoami(auth: ApiKeyAuth<ApiKeys>) -> Json<WhoamiResponse> {
    Json(WhoamiResponse { username: auth.principal, key_id: auth.key_id })
}
