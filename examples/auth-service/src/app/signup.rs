//! `POST /signup`: rate limit by address, validated email address and
//! username, the password policy and hash on the hasher's workers, then
//! storage (a taken address or name, or a look-alike of a taken name, is
//! 409; a look-alike of a reserved name is 422 like the name itself).
//!
//! The stored hash is sealed bound to the new row's id, which exists only
//! once the row does: one transaction inserts the row with a placeholder
//! that verifies nothing, binds the hash to the id and stores it. Nothing
//! else sees the placeholder (the transaction commits both or neither).

use axum::{extract::State, http::StatusCode};
use guardrail::{
    axum::{Json, Problem, limit::ClientIp},
    encode::log_line,
    secret::SecretString,
    validate::{Email, Username},
};
use serde::{Deserialize, Serialize};

use super::{Shared, internal};
use crate::db::{self, Inserted};

/// What the row holds until the bound hash replaces it in the same
/// transaction: no hasher accepts it.
const PLACEHOLDER_HASH: &str = "!";

/// The body. The address and the name are plain strings here and parsed
/// in the handler, after the rate limit: a flood of bad sign-ups costs a
/// limiter check, not a parse each.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignupRequest {
    email: String,
    username: String,
    password: SecretString,
}

#[derive(Serialize)]
pub(super) struct SignupResponse {
    id: i64,
    username: String,
}

/// 409: the email address or username (or a look-alike of it) is taken;
/// one body for every case, naming no column.
fn already_exists() -> Problem {
    Problem::new(StatusCode::CONFLICT, "already_exists", "An account with this email address or username exists.")
}

pub(super) async fn signup(
    State(s): State<Shared>,
    ClientIp(client): ClientIp,
    Json(req): Json<SignupRequest>,
) -> Result<(StatusCode, Json<SignupResponse>), Problem> {
    s.limit_ip(client)?;
    let email = Email::parse(&req.email).map_err(|e| {
        tracing::info!(target: "security", event = "input_validation_fail", field = "email", reason = e.code(), %client);
        Problem::invalid("invalid_email")
    })?;
    let username = Username::parse(&req.username).map_err(|e| {
        tracing::info!(target: "security", event = "input_validation_fail", field = "username", reason = e.code(), %client);
        Problem::invalid("invalid_username")
    })?;
    // The policy's guessability estimate costs up to one hash (9–20 ms at
    // 100 characters; at most ~50 ms, 63 ms measured when both the NFKC and
    // the folded form are scored at their floor): it runs with the hash, on
    // the hasher's workers and under their bound, never on the executor's
    // thread.
    let checked = s
        .hasher
        .check_new_async(&s.policy, &[email.as_str(), username.as_str()], req.password)
        .await
        .map_err(|e| s.password_failed(&e))?;
    let hash = s.hasher.hash_checked_async(checked).await.map_err(|e| s.password_failed(&e))?;

    let (e, u, sk) = (email.as_str().to_owned(), username.as_str().to_owned(), username.skeleton().into_string());
    let hasher = s.hasher.clone();
    let inserted = s.db.write(move |tx| {
        let Inserted::Id(id) = db::insert_user(tx, &e, &u, &sk, PLACEHOLDER_HASH)? else {
            return Ok(Inserted::Duplicate);
        };
        // Sealing is microseconds: fine inside the transaction. A failure
        // (no pepper keyring: never in this service) rolls the row back.
        let bound = hasher
            .bind(hash.as_str_for_storage(), &db::binding(id))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        // The row is this transaction's own: the swap from the placeholder
        // (epoch 0, unchanged) cannot miss.
        db::upgrade_hash(tx, id, 0, PLACEHOLDER_HASH, bound.as_str_for_storage())?;
        Ok(Inserted::Id(id))
    });
    match inserted.await.map_err(internal)? {
        Inserted::Id(id) => {
            tracing::info!(target: "security", event = "user_created", user_id = id, user = %log_line(username.as_str()), %client);
            Ok((StatusCode::CREATED, Json(SignupResponse { id, username: username.as_str().to_owned() })))
        }
        Inserted::Duplicate => Err(already_exists()),
    }
}
