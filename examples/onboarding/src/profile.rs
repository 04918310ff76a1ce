//! Task 5, a field encrypted at rest: `PUT /profile/phone {phone}`, `GET
//! /profile/phone`. The column holds the number sealed under associated
//! data naming its cell, so a copy in another row or column does not open.

use axum::{extract::State, http::StatusCode};
use guardrail::axum::{Json, Problem, Session};
use guardrail::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{App, Store};

/// The form: `Pii` logs as a mask (`+4***`) and reads the real value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Phone {
    phone: Pii<String>,
}

/// The associated data of the phone cell of user `id`.
fn cell(id: u64) -> String {
    format!("users:{id}:phone")
}

/// Seals and stores the number.
pub(crate) async fn set_phone(
    State(app): State<App>,
    session: Session<Store>,
    Json(form): Json<Phone>,
) -> Result<StatusCode, Problem> {
    let (id, phone) = (*session.user(), form.phone.expose_secret());
    if !(6..=20).contains(&phone.len()) || !phone.chars().all(|c| c.is_ascii_digit() || c == '+' || c == ' ') {
        return Err(Problem::invalid("invalid_phone"));
    }
    let sealed = app.keyring.seal(phone.as_bytes(), cell(id).as_bytes()).map_err(|e| Problem::internal_logged(&e))?;
    app.db.update(id, |u| u.phone_sealed = Some(sealed));
    tracing::info!(event = "phone_updated", user = id, phone = %form.phone);
    Ok(StatusCode::NO_CONTENT)
}

/// Opens the number with the same cell name and hands it back in `Pii`.
pub(crate) async fn phone(State(app): State<App>, session: Session<Store>) -> Result<Json<Value>, Problem> {
    let id = *session.user();
    let sealed = app.db.get(id).and_then(|u| u.phone_sealed).ok_or_else(Problem::not_found)?;
    let opened = app.keyring.open(&sealed, cell(id).as_bytes()).map_err(|e| Problem::internal_logged(&e))?;
    let text = String::from_utf8(opened.expose_secret().to_vec()).map_err(|e| Problem::internal_logged(&e))?;
    let phone = Pii::new(text);
    tracing::info!(event = "phone_read", user = id, phone = %phone);
    Ok(Json(json!({ "phone": phone.expose_secret() })))
}
