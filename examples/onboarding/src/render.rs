//! Task 7, output encoding: `GET /welcome`, an HTML page naming the user.

use axum::{extract::State, response::Html};
use guardrail::axum::{Problem, Session};
use guardrail::encode;

use crate::{App, Store};

/// The page: the user name encoded for HTML text (user names may hold
/// `<`, `&`, quotes), and encoded for one log line in the event.
pub(crate) async fn welcome(State(app): State<App>, session: Session<Store>) -> Result<Html<String>, Problem> {
    let user = app.db.get(*session.user()).ok_or_else(Problem::unauthenticated)?;
    let name = user.username.as_str();
    tracing::info!(event = "page_view", page = "welcome", user = %encode::log_line(name));
    Ok(Html(format!("<!doctype html><title>Welcome</title><h1>Welcome, {}!</h1>", encode::html(name))))
}
