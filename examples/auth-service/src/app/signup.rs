//! `POST /signup`: rate limit by address, validated email address and
//! username, the password policy and hash on the hasher's workers, then
//! storage (a taken address or name is 409).

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use guardrail::{
    encode::log_line,
    secret::SecretString,
    validate::{Email, Username},
};
use serde::{Deserialize, Serialize};

use super::{Call, JsonBody, Problem, internal, password::new_password_failed};
use crate::db::{self, Inserted};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignupRequest {
    email: String,
    username: String,
    password: SecretString,
}

#[derive(Serialize)]
struct SignupResponse {
    id: i64,
    username: String,
}

pub(super) async fn signup(
    Call { s, client, .. }: Call,
    JsonBody(req): JsonBody<SignupRequest>,
) -> Result<Response, Problem> {
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
    let hash = s
        .hasher
        .hash_new_async(&s.policy, &[email.as_str(), username.as_str()], req.password)
        .await
        .map_err(|e| new_password_failed(&s, e))?;

    let (e, u) = (email.as_str().to_owned(), username.as_str().to_owned());
    match s.db.call(move |c| db::insert_user(c, &e, &u, hash.as_str())).await.map_err(internal)? {
        Inserted::Id(id) => {
            tracing::info!(target: "security", event = "user_created", user_id = id, user = %log_line(username.as_str()), %client);
            let body = SignupResponse { id, username: username.as_str().to_owned() };
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        Inserted::Duplicate => Err(Problem::already_exists()),
    }
}
