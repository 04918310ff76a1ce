//! A database writer who holds a credential of their own (issue 15, fault
//! 5, row tags): re-pointing their session, API key or reset token row at
//! another account — the row's `user_id` and `epoch` changed to the
//! victim's — gets the answer an unknown credential gets, byte for byte,
//! and one `authz_fail reason=row_tag` error line without any secret. A
//! legitimate password change re-tags the caller's session, which lives on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

mod common;

use std::{sync::Arc, time::Duration};

use auth_service::{app::AppState, outbox};
use common::{PASSWORD, Service, logs, visible};
use guardrail::secret::ExposeSecret;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A service served from its state (the outbox is read through it).
async fn service() -> Service {
    logs();
    Service::with_hooks(|_| {}).await.0
}

/// A connection to the service's database: the writer's.
fn db(s: &Service) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

/// `(id, credential_epoch)` of `username`.
fn account(s: &Service, username: &str) -> (i64, i64) {
    db(s)
        .query_row("SELECT id, credential_epoch FROM users WHERE username = ?1", [username], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
}

/// The writer's move: every `table` row of `from` now names `to` (and,
/// for a table with an epoch, `to`'s epoch); exactly one row moved.
fn re_point(s: &Service, table: &str, from: i64, to: (i64, Option<i64>)) {
    let set_epoch = if to.1.is_some() { ", epoch = ?3" } else { "" };
    let sql = format!("UPDATE {table} SET user_id = ?2{set_epoch} WHERE user_id = ?1");
    let moved = match to.1 {
        Some(epoch) => db(s).execute(&sql, rusqlite::params![from, to.0, epoch]),
        None => db(s).execute(&sql, rusqlite::params![from, to.0]),
    };
    assert_eq!(moved.unwrap(), 1, "{table}: one row re-pointed");
}

/// The log lines mentioning `row_tag` and `table`.
fn row_tag_lines(table: &str) -> Vec<String> {
    let logs = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    let table = format!("table=\"{table}\"");
    logs.lines().filter(|l| l.contains("row_tag") && l.contains(&table)).map(str::to_owned).collect()
}

/// Asserts one new `authz_fail reason=row_tag` error line for `table`
/// since `before`, naming no `secret`.
fn assert_logged_once(table: &str, before: usize, secret: &str) {
    let lines = row_tag_lines(table);
    assert_eq!(lines.len(), before + 1, "one row_tag line for {table}: {lines:?}");
    let line = lines.last().unwrap();
    assert!(line.contains("ERROR") && line.contains("authz_fail"), "{line}");
    assert!(!line.contains(secret), "no secret in the line");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_re_pointed_at_another_account_is_unknown() {
    let s = service().await;
    s.user("alice@example.com", "alice").await;
    let mallory = s.user("mallory@example.com", "mallory").await;
    assert_eq!(mallory.get(&s, "/me").send().await.unwrap().status(), StatusCode::OK);
    let (alice, epoch) = account(&s, "alice");
    let (mallory_id, _) = account(&s, "mallory");
    let before = row_tag_lines("sessions").len();
    re_point(&s, "sessions", mallory_id, (alice, Some(epoch)));

    let first = visible(mallory.get(&s, "/me").send().await.unwrap()).await;
    assert_eq!(first.0, StatusCode::UNAUTHORIZED, "not alice");
    let unknown = visible(mallory.get(&s, "/me").send().await.unwrap()).await;
    assert_eq!(first, unknown, "the same bytes as an unknown session (the row is gone now)");
    let token = mallory.cookie.split_once('=').unwrap().1;
    assert_logged_once("sessions", before, token);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_re_pointed_at_another_account_is_unknown() {
    let s = service().await;
    s.user("alice@example.com", "alice").await;
    let mallory = s.user("mallory@example.com", "mallory").await;
    let r = mallory.post(&s, "/api-keys").json(&json!({"name": "mine"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let key = r.json::<Value>().await.unwrap()["key"].as_str().unwrap().to_owned();
    let whoami = || s.http.get(s.url("/whoami")).bearer_auth(&key).send();
    let who: Value = whoami().await.unwrap().json().await.unwrap();
    assert_eq!(who["username"], "mallory");
    let (alice, _) = account(&s, "alice");
    let before = row_tag_lines("api_keys").len();
    re_point(&s, "api_keys", account(&s, "mallory").0, (alice, None));

    let first = visible(whoami().await.unwrap()).await;
    assert_eq!(first.0, StatusCode::UNAUTHORIZED, "not alice");
    let unknown = visible(whoami().await.unwrap()).await;
    assert_eq!(first, unknown, "the same bytes as an unknown key (the row is gone now)");
    assert_logged_once("api_keys", before, &key);
    s.stop().await;
}

/// The reset token the outbox holds for `user_id` (issued in the
/// background after the 202).
async fn reset_token(state: &Arc<AppState>, user_id: i64) -> String {
    for _ in 0..500 {
        for m in outbox::next_batch(&state.db, &state.keyring, 100).unwrap() {
            if m.kind == outbox::PASSWORD_RESET && m.user_id == user_id {
                return m.token.unwrap().expose_secret().to_owned();
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no reset token reached the outbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_token_re_pointed_at_another_account_is_refused() {
    const TAKEOVER: &str = "mallory now owns this account";
    let s = service().await;
    assert_eq!(s.signup("alice@example.com", "alice", PASSWORD).await.status(), StatusCode::CREATED);
    assert_eq!(s.signup("mallory@example.com", "mallory", PASSWORD).await.status(), StatusCode::CREATED);
    let ((alice, epoch), (mallory, _)) = (account(&s, "alice"), account(&s, "mallory"));
    assert_eq!(s.post("/password-reset", json!({"login": "mallory"})).await.status(), StatusCode::ACCEPTED);
    let token = reset_token(s.state(), mallory).await;
    let before = row_tag_lines("reset_tokens").len();
    re_point(&s, "reset_tokens", mallory, (alice, Some(epoch)));

    let confirm = || s.post("/password-reset/confirm", json!({"token": token, "new_password": TAKEOVER}));
    let first = visible(confirm().await).await;
    assert_eq!(first.0, StatusCode::BAD_REQUEST);
    let unknown = visible(confirm().await).await;
    assert_eq!(first, unknown, "the same bytes as an unknown token (the row is gone now)");
    assert_logged_once("reset_tokens", before, &token);
    assert_eq!(s.login("alice", PASSWORD).await.status(), StatusCode::OK, "alice's password holds");
    assert_eq!(s.login("alice", TAKEOVER).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(account(&s, "alice").1, epoch, "nothing changed on alice's row");
    s.stop().await;
}

/// The caller's session moves to the new epoch with a new tag (the tag
/// covers the epoch: without it the session would be refused); every
/// other session ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_re_tags_the_callers_session() {
    let s = service().await;
    let ada = s.user("ada@example.com", "ada").await;
    let other = s.session("ada", PASSWORD).await;
    let change = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase for ada"});
    assert_eq!(ada.post(&s, "/password").json(&change).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(account(&s, "ada").1, 1, "the epoch moved");
    for _ in 0..3 {
        assert_eq!(ada.get(&s, "/me").send().await.unwrap().status(), StatusCode::OK, "the caller's session lives");
    }
    assert_eq!(other.get(&s, "/me").send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    s.stop().await;
}
