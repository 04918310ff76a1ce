//! API keys: `POST /api-keys` issues one to a session (shown once, stored
//! as a digest), `GET /whoami` checks a presented `Authorization: Bearer`
//! key — format and checksum before any lookup, the digest in constant
//! time.

use axum::{
    Json,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use guardrail::{
    secret::{SecretString, ser::expose_secret},
    token::api_key::{ApiKey, StoredApiKey},
    validate::Label,
};
use serde::{Deserialize, Serialize};

use super::{Call, JsonBody, Problem, internal, session::session_with_csrf};
use crate::db::{self, Inserted};

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
struct NewApiKeyResponse {
    id: String,
    /// Shown once: only its digest is stored.
    #[serde(serialize_with = "expose_secret")]
    key: SecretString,
}

pub(super) async fn create_api_key(
    Call { s, client, headers }: Call,
    JsonBody(req): JsonBody<NewApiKey>,
) -> Result<Response, Problem> {
    let session = session_with_csrf(&s, &headers, client).await?;
    // A name people read: NFC, at most MAX_KEY_NAME characters, no control
    // or hidden character (zero-width, bidi controls, no-break spaces,
    // U+2800, ...), so two keys cannot show the same name. The problem
    // names the code only, never the value.
    let name =
        Label::parse_with_max(&req.name, MAX_KEY_NAME).map_err(|_| Problem::invalid("invalid_name"))?.into_string();
    let id = session.user_id;
    if s.db.call(move |c| db::count_api_keys(c, id)).await.map_err(internal)? >= MAX_API_KEYS {
        return Err(Problem::too_many_keys());
    }
    let (key, stored) = s.issuer.issue().map_err(|_| Problem::internal())?;
    let (lookup, digest) = (stored.lookup_id().to_owned(), stored.digest_hex());
    match s.db.call(move |c| db::insert_api_key(c, &lookup, id, &name, &digest)).await.map_err(internal)? {
        Inserted::Id(_) => {}
        Inserted::Duplicate => return Err(Problem::internal()), // a lookup-id collision: 2^-60 per pair
    }
    tracing::info!(target: "security", event = "authn_token_created", user_id = id, key_id = stored.lookup_id());
    let body = NewApiKeyResponse { id: stored.lookup_id().to_owned(), key };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Serialize)]
pub(super) struct WhoamiResponse {
    username: String,
    key_id: String,
}

pub(super) async fn whoami(Call { s, client, headers }: Call) -> Result<Json<WhoamiResponse>, Problem> {
    let fail = |reason: &'static str| {
        tracing::info!(target: "security", event = "authz_fail", reason, %client);
        Problem::invalid_api_key()
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim())
        .ok_or_else(|| fail("missing_api_key"))?;
    // Format, alphabet and checksum first: junk never reaches the database.
    let key = ApiKey::parse(presented, &s.api_key_prefix).map_err(|_| fail("malformed_api_key"))?;
    let lookup = key.lookup_id();
    let lookup_for_db = lookup.clone();
    let row = s.db.call(move |c| db::find_api_key(c, &lookup_for_db)).await.map_err(internal)?;
    let (digest, username) = row.ok_or_else(|| fail("unknown_api_key"))?;
    let stored = StoredApiKey::from_parts(&lookup, &digest).map_err(|_| Problem::internal())?;
    stored.verify(&key).map_err(|_| fail("wrong_api_key"))?;
    Ok(Json(WhoamiResponse { username, key_id: lookup }))
}
