//! `POST /signup`: rate limit by address, validated email address and
//! username, the password policy and hash on the hasher's workers, then
//! storage (a taken address or name is 409).

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

/// 409: the email address or username is taken.
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
    match s.db.call(move |c| db::insert_user(c, &e, &u, &sk, hash.as_str_for_storage())).await.map_err(internal)? {
        Inserted::Id(id) => {
            tracing::info!(target: "security", event = "user_created", user_id = id, user = %log_line(username.as_str()), %client);
            Ok((StatusCode::CREATED, Json(SignupResponse { id, username: username.as_str().to_owned() })))
        }
        Inserted::Duplicate => Err(already_exists()),
    }
}
