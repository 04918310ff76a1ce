//! Password reset over HTTP: one answer for every login (given before any
//! lookup), a single-use expiring token that ends every session, races
//! (two confirms, a confirm and a login), the sealed outbox, and no token
//! or new password in any log line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

mod common;

use std::{sync::Arc, time::Duration};

use auth_service::{app::AppState, outbox};
use common::{PASSWORD, Service, Session, logs, problem, visible};
use guardrail::secret::{ExposeSecret, SecretString};
use reqwest::{Response, StatusCode, header};
use serde_json::json;

const NEW_PASSWORD: &str = "a fresh reset passphrase for ada";

/// A service whose pause points can be armed; at most `per_login` reset
/// requests per login an hour.
async fn service(per_login: u32) -> (Service, Arc<auth_service::testing::Hooks>) {
    logs();
    Service::with_hooks(|c| c.reset_per_login_per_hour = per_login).await
}

async fn request(s: &Service, login: &str) -> Response {
    s.post("/password-reset", json!({ "login": login })).await
}

async fn confirm(s: &Service, token: &str, new_password: &str) -> Response {
    s.post("/password-reset/confirm", json!({ "token": token, "new_password": new_password })).await
}

/// The next reset token the outbox holds for `user_id` (the background
/// work runs after the answer: wait for it), marked sent.
async fn next_token(state: &Arc<AppState>, user_id: i64) -> SecretString {
    for _ in 0..500 {
        for m in outbox::next_batch(&state.db, &state.keyring, 100).unwrap() {
            if m.kind == outbox::PASSWORD_RESET && m.user_id == user_id {
                outbox::mark_sent(&state.db, m.id).unwrap();
                assert!(m.expires_at.is_some());
                return m.token.unwrap();
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no reset token reached the outbox");
}

/// Requests a reset for `login` and returns the token the outbox got.
async fn token_for(s: &Service, login: &str, user_id: i64) -> String {
    assert_eq!(request(s, login).await.status(), StatusCode::ACCEPTED);
    next_token(s.state(), user_id).await.expose_secret().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_answers_the_same_for_every_login() {
    let (s, hooks) = service(5).await;
    s.user("ada@example.com", "ada").await;
    let logins = ["ada@example.com", "ADA@Example.com", "ada", "nobody@example.com", "nobody", "not a login!", ""];
    // Every background task parks before its lookup: the answers below were
    // all given before any account was looked up.
    let gate = hooks.arm("reset.background", logins.len());
    let mut answers = Vec::new();
    for login in logins {
        let r = tokio::time::timeout(Duration::from_secs(5), request(&s, login)).await.expect("answered at once");
        answers.push(visible(r).await);
    }
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    for (login, answer) in logins.iter().zip(&answers) {
        assert_eq!(answer, &answers[0], "{login:?}");
    }
    gate.reached(logins.len()).await;
    let state = s.state();
    assert!(outbox::next_batch(&state.db, &state.keyring, 100).unwrap().is_empty(), "nothing issued yet");
    gate.release();
    // Three spellings of ada's account: three tokens (the cap is 3), none for the others.
    for _ in 0..3 {
        next_token(state, 1).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(outbox::next_batch(&state.db, &state.keyring, 100).unwrap().is_empty(), "no token for an unknown login");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_token_is_single_use_expiring_and_ends_every_session() {
    let (s, _hooks) = service(10).await;
    let a = s.user("ada@example.com", "ada").await;
    let b = s.session("ada@example.com", PASSWORD).await;
    let first = token_for(&s, "ada", 1).await;
    let second = token_for(&s, "ada@example.com", 1).await;

    // Malformed, unknown: the same 400 as a used one below.
    assert_eq!(
        problem(confirm(&s, "grr_nope", NEW_PASSWORD).await).await,
        (StatusCode::BAD_REQUEST, "invalid_token".into())
    );
    let unknown = format!("grr_{}", "A".repeat(43));
    let unknown = visible(confirm(&s, &unknown, NEW_PASSWORD).await).await;
    // A weak password: 422, and the token still works after.
    assert_eq!(confirm(&s, &first, "ada").await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    assert_eq!(confirm(&s, &first, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(visible(confirm(&s, &first, "another passphrase entirely").await).await, unknown, "single use");
    assert_eq!(
        visible(confirm(&s, &second, "another passphrase entirely").await).await,
        unknown,
        "the others are dead"
    );
    for session in [&a, &b] {
        assert_eq!(session.get(&s, "/me").send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(s.login("ada", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(s.login("ada", NEW_PASSWORD).await.status(), StatusCode::OK);

    // Expired: its expires_at moved into the past.
    let third = token_for(&s, "ada", 1).await;
    let db = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(db.execute("UPDATE reset_tokens SET expires_at = ?1 WHERE used_at IS NULL", [1]).unwrap(), 1);
    assert_eq!(visible(confirm(&s, &third, "another passphrase entirely").await).await, unknown, "expired");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_lives_at_most_its_ttl() {
    logs();
    let (s, _hooks) = Service::with_hooks(|c| c.reset_ttl = Duration::from_secs(60)).await;
    s.user("ada@example.com", "ada").await;
    assert_eq!(request(&s, "ada").await.status(), StatusCode::ACCEPTED);
    let state = s.state();
    let before = auth_service::db::now();
    let m = loop {
        if let Some(m) = outbox::next_batch(&state.db, &state.keyring, 1).unwrap().pop() {
            break m;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let expires = m.expires_at.unwrap();
    assert!((before + 59..=before + 62).contains(&expires), "{expires} vs {before}");
    s.stop().await;
}

/// Two confirms of `token` at once; their statuses.
async fn two_confirms(s: &Service, token: &str) -> [StatusCode; 2] {
    let send = |pw: &str| {
        let r = s.http.post(s.url("/password-reset/confirm")).json(&json!({ "token": token, "new_password": pw }));
        tokio::spawn(async move { r.send().await.unwrap().status() })
    };
    let (x, y) = (send("first racing passphrase here"), send("second racing passphrase here"));
    [x.await.unwrap(), y.await.unwrap()]
}

fn one_won(statuses: [StatusCode; 2]) {
    let mut sorted = statuses;
    sorted.sort();
    assert_eq!(sorted, [StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST], "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_confirms_with_one_token_change_the_password_once() {
    let (s, hooks) = service(100).await;
    s.user("ada@example.com", "ada").await;
    for trial in 0..20 {
        let token = token_for(&s, "ada", 1).await;
        let statuses = two_confirms(&s, &token).await;
        assert!(statuses.contains(&StatusCode::NO_CONTENT), "trial {trial}: {statuses:?}");
        one_won(statuses);
    }
    // Forced: both pass every check, then commit one after the other.
    let token = token_for(&s, "ada", 1).await;
    let gate = hooks.arm("reset.before_commit", 2);
    let both = {
        let (url, token) = (s.url("/password-reset/confirm"), token.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let send = |pw: &'static str| http.post(&url).json(&json!({ "token": token, "new_password": pw })).send();
            let (x, y) = tokio::join!(send("first racing passphrase here"), send("second racing passphrase here"));
            [x.unwrap().status(), y.unwrap().status()]
        })
    };
    tokio::time::timeout(Duration::from_secs(10), gate.reached(2)).await.expect("both confirms parked");
    gate.release();
    one_won(both.await.unwrap());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_login_racing_a_reset_gets_no_session() {
    let (s, hooks) = service(5).await;
    s.user("ada@example.com", "ada").await;
    let token = token_for(&s, "ada", 1).await;
    // The login checks the old password, then waits while the reset commits.
    let gate = hooks.arm("login.after_verify", 1);
    let login = {
        let r = s.http.post(s.url("/login")).json(&json!({ "login": "ada", "password": PASSWORD }));
        tokio::spawn(async move { r.send().await.unwrap() })
    };
    tokio::time::timeout(Duration::from_secs(10), gate.reached(1)).await.expect("login parked");
    assert_eq!(confirm(&s, &token, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
    gate.release();
    let r = login.await.unwrap();
    assert!(r.headers().get(header::SET_COOKIE).is_none(), "no session cookie");
    assert_eq!(problem(r).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));
    let rows = rusqlite::Connection::open(s.dir.path().join("auth.db"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get::<_, i64>(0))
        .unwrap();
    assert_eq!(rows, 0, "the reset ended the signup login's session and the racing login stored none");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_payloads_are_sealed_to_their_row() {
    let (s, _hooks) = service(5).await;
    s.user("ada@example.com", "ada").await;
    s.user("bob@example.com", "bob").await;
    let token = token_for(&s, "ada", 1).await;
    token_for(&s, "bob", 2).await;
    let db = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
    let rows: Vec<(i64, String, Vec<u8>, i64)> = db
        .prepare("SELECT user_id, kind, sealed, created_at FROM outbox ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    let raw = &rows[0].2;
    for needle in [token.as_bytes(), &token.as_bytes()[4..24], b"ada@example.com"] {
        assert!(!raw.windows(needle.len()).any(|w| w == needle), "plaintext in the sealed row");
    }
    let keyring = &s.state().keyring;
    let ad = |(user, kind, _, created): &(i64, String, Vec<u8>, i64)| format!("outbox:{user}:{kind}:{created}");
    assert!(keyring.open(raw, ad(&rows[0]).as_bytes()).is_ok(), "opens under its own row");
    assert!(keyring.open(raw, ad(&rows[1]).as_bytes()).is_err(), "not under bob's");
    let moved = (2, rows[0].1.clone(), Vec::new(), rows[0].3);
    assert!(keyring.open(raw, ad(&moved).as_bytes()).is_err(), "not moved to another account");
    // A row moved to bob is skipped by the mailer's batch, not sent to him.
    db.execute("UPDATE outbox SET user_id = 2 WHERE id = 1", []).unwrap();
    let batch = outbox::next_batch(&s.state().db, keyring, 100).unwrap();
    assert!(batch.is_empty(), "{batch:?}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_or_new_password_reaches_a_log_line() {
    let (s, _hooks) = service(5).await;
    let a: Session = s.user("ada@example.com", "ada").await;
    let token = token_for(&s, "ada", 1).await;
    let debug = format!("{:?}", outbox::next_batch(&s.state().db, &s.state().keyring, 100).unwrap());
    assert_eq!(confirm(&s, &token, "weak").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(confirm(&s, &token, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(confirm(&s, &token, NEW_PASSWORD).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(s.login("ada", NEW_PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(a.get(&s, "/me").send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let logged = String::from_utf8(logs().lock().unwrap().clone()).unwrap();
    assert!(logged.contains("authn_password_reset"), "the capture works");
    for secret in [token.as_str(), &token[4..20], NEW_PASSWORD] {
        assert!(!logged.contains(secret), "a secret in the logs");
        assert!(!debug.contains(secret));
    }
    s.stop().await;
}

/// `POST /password` for `a`: `current` to `new`.
async fn change(s: &Service, a: &Session, current: &str, new: &str) -> StatusCode {
    let body = json!({ "current_password": current, "new_password": new });
    a.post(s, "/password").json(&body).send().await.unwrap().status()
}

/// Rows of `table` for `user_id` (`extra` narrows them).
fn rows(s: &Service, table: &str, user_id: i64, extra: &str) -> i64 {
    let db = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.query_row(&format!("SELECT COUNT(*) FROM {table} WHERE user_id = ?1 {extra}"), [user_id], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_deletes_every_api_key_and_a_change_keeps_them() {
    let (s, _hooks) = service(5).await;
    let a = s.user("ada@example.com", "ada").await;
    let created: serde_json::Value =
        a.post(&s, "/api-keys").json(&json!({ "name": "ci" })).send().await.unwrap().json().await.unwrap();
    let (id, key) = (created["id"].as_str().unwrap().to_owned(), created["key"].as_str().unwrap().to_owned());
    let whoami = || s.http.get(s.url("/whoami")).bearer_auth(&key).send();

    // A change: the owner proved the current password; the key stays.
    assert_eq!(change(&s, &a, PASSWORD, "a changed passphrase for ada").await, StatusCode::NO_CONTENT);
    assert_eq!(whoami().await.unwrap().status(), StatusCode::OK, "a change keeps API keys");

    // A reset: recovery, the key goes with the sessions.
    let token = token_for(&s, "ada", 1).await;
    assert_eq!(confirm(&s, &token, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(whoami().await.unwrap().status(), StatusCode::UNAUTHORIZED, "a reset deletes API keys");
    assert_eq!(rows(&s, "api_keys", 1, ""), 0);
    let state = s.state();
    let done: Vec<_> = outbox::next_batch(&state.db, &state.keyring, 100)
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "password_reset_done")
        .collect();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].details, json!({ "api_keys_revoked": [{ "key_id": id, "name": "ci" }] }));
    assert!(!done[0].details.to_string().contains(&key[key.len() - 20..]), "no key in the notice");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_per_login_limit_the_answer_is_the_same_202_and_nothing_is_issued() {
    let (s, _hooks) = service(2).await;
    s.user("ada@example.com", "ada").await;
    let first = visible(request(&s, "ada").await).await;
    assert_eq!(first.0, StatusCode::ACCEPTED);
    for i in 0..4 {
        assert_eq!(visible(request(&s, "ada").await).await, first, "request {i}: the same 202, no Retry-After");
    }
    next_token(s.state(), 1).await;
    next_token(s.state(), 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rows(&s, "reset_tokens", 1, ""), 2, "no work past the limit");
    let unsent = outbox::next_batch(&s.state().db, &s.state().keyring, 100).unwrap();
    assert!(unsent.is_empty(), "{unsent:?}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_deletes_reset_tokens_so_a_new_request_is_issued() {
    let (s, _hooks) = service(10).await;
    let a = s.user("ada@example.com", "ada").await;
    let mut old = Vec::new();
    for _ in 0..3 {
        old.push(token_for(&s, "ada", 1).await); // the live-token cap is 3
    }
    assert_eq!(change(&s, &a, PASSWORD, "a changed passphrase for ada").await, StatusCode::NO_CONTENT);
    assert_eq!(rows(&s, "reset_tokens", 1, ""), 0, "the change deleted the dead tokens");
    let fresh = token_for(&s, "ada", 1).await;
    for dead in &old {
        assert_eq!(confirm(&s, dead, NEW_PASSWORD).await.status(), StatusCode::BAD_REQUEST);
    }
    assert_eq!(confirm(&s, &fresh, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsent_notices_are_capped_per_account_but_reset_messages_and_notices_go_in() {
    let (s, _hooks) = service(5).await;
    let a = s.user("ada@example.com", "ada").await;
    let cap = i64::try_from(outbox::MAX_UNSENT_NOTICES).unwrap();
    for i in 0..cap + 10 {
        let r = a.post(&s, "/sessions/revoke-others").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "revoke {i}");
    }
    assert_eq!(rows(&s, "outbox", 1, "AND sent_at IS NULL"), cap, "{} notices: {cap} rows", cap + 10);
    // A reset token and the reset's notice still reach the owner past the cap.
    let token = token_for(&s, "ada", 1).await;
    assert_eq!(rows(&s, "outbox", 1, "AND kind = 'password_reset'"), 1);
    assert_eq!(confirm(&s, &token, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(rows(&s, "outbox", 1, "AND kind = 'password_reset_done'"), 1);
    assert_eq!(rows(&s, "outbox", 1, "AND kind = 'sessions_revoked'"), cap);
    let logged = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    assert!(logged.lines().any(|l| l.contains("outbox_notice_dropped") && l.contains("WARN")), "the drop is logged");
    s.stop().await;
}

/// Lines of `authn_password_reset_fail` with `reason` from 127.0.0.3 (the
/// address only the test below sends from: other tests log too).
fn fail_lines(reason: &str) -> usize {
    let logged = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    let reason = format!("reason=\"{reason}\"");
    logged
        .lines()
        .filter(|l| l.contains("authn_password_reset_fail") && l.contains(&reason) && l.contains("client=127.0.0.3"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_confirms_log_their_reason_at_most_once_a_second() {
    let (s, _hooks) = service(5).await;
    s.user("ada@example.com", "ada").await;
    let token = token_for(&s, "ada", 1).await;
    let http =
        reqwest::Client::builder().local_address("127.0.0.3".parse::<std::net::IpAddr>().unwrap()).build().unwrap();
    let confirm = |token: &str, password: &str| {
        http.post(s.url("/password-reset/confirm")).json(&json!({ "token": token, "new_password": password })).send()
    };
    let unknown = format!("grr_{}", "B".repeat(43));
    for (value, password, reason) in [
        ("grr_short", NEW_PASSWORD, "malformed"),
        (&*unknown, NEW_PASSWORD, "unknown"),
        (&*token, "ada", "weak_password"),
    ] {
        tokio::time::sleep(Duration::from_millis(1100)).await; // past the throttle's second
        assert!(confirm(value, password).await.unwrap().status().is_client_error());
        assert_eq!(fail_lines(reason), 1, "{reason} logged once");
    }
    // A flood of bad tokens: a line a second, not one per request.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..20 {
        assert_eq!(confirm("grr_short", NEW_PASSWORD).await.unwrap().status(), StatusCode::BAD_REQUEST);
    }
    let flood = fail_lines("malformed") - 1;
    assert!((1..=4).contains(&flood), "{flood} lines for 20 failures");
    let logged = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    assert!(!logged.contains(&token) && !logged.contains(&unknown), "no token in the log");
    s.stop().await;
}
