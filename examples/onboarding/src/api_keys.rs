//! Task 4, API keys: `POST /api-keys` (a logged-in user) → 201 `{key}`,
//! shown once; `GET /api/whoami` with `Authorization: Bearer <key>`.

use std::convert::Infallible;
use std::sync::{Mutex, PoisonError};

use axum::{extract::State, http::StatusCode};
use guardrail::axum::{ApiKeyAuth, ApiKeyLookup, Json, Problem, Session};
use guardrail::{prelude::*, token::StoredApiKey};
use serde_json::{Value, json};

use crate::{App, Store};

/// The prefix of this service's keys (`onb_live_…`).
pub const PREFIX: &str = "onb_live";

/// The key table: lookup id and digest (never the key), and the owner.
#[derive(Debug, Default)]
pub struct ApiKeys(Mutex<Vec<(StoredApiKey, u64)>>);

impl ApiKeys {
    /// Stores a key's record (keyed by the issuer's `DigestKey`: a row a
    /// database writer computes for a key of their own does not verify).
    pub fn insert(&self, stored: StoredApiKey, owner: u64) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push((stored, owner));
    }
}

impl ApiKeyLookup for ApiKeys {
    type Principal = u64;
    type Error = Infallible;

    async fn find(&self, lookup_id: &str) -> Result<Option<(StoredApiKey, u64)>, Infallible> {
        let keys = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(keys.iter().find(|(stored, _)| stored.lookup_id() == lookup_id).cloned())
    }
}

/// Issues a key for the session's user; only its digest is kept.
pub(crate) async fn issue(
    State(app): State<App>,
    session: Session<Store>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    let (key, stored) = app.issuer.issue().map_err(|e| Problem::internal_logged(&e))?;
    app.api_keys.lookup().insert(stored, *session.user());
    tracing::info!(target: "security", event = "authn_token_created", user = *session.user());
    Ok((StatusCode::CREATED, Json(json!({ "key": key.expose_secret() }))))
}

/// The key's owner. A missing, malformed or wrong key never gets here: 401
/// `invalid_api_key` with `WWW-Authenticate: Bearer`; a client past its
/// failure budget gets 429 with `Retry-After` (src/lib.rs `App::new`).
pub(crate) async fn whoami(auth: ApiKeyAuth<ApiKeys>) -> Json<Value> {
    Json(json!({ "user": auth.principal, "key_id": auth.key_id }))
}
