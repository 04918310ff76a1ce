//! Races between a login and a password change (issue 15, fault 1), each
//! both as repeated concurrent trials that must never fail and through a
//! pause point (`auth_service::testing`) that forces the bad interleaving.
//!
//! The accounts' stored hashes are planted at lower argon2 parameters than
//! the service's, so every successful login of the old password also
//! carries an upgrade write racing the change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

mod common;

use std::{sync::Arc, time::Duration};

use auth_service::testing::{Gate, Hooks};
use common::{PASSWORD, Service, Session, problem};
use guardrail::{
    password::{Limits, Params, PasswordHasher},
    secret::SecretString,
};
use reqwest::{StatusCode, header};
use serde_json::json;

const NEW_PASSWORD: &str = "a brand new passphrase after the change";

/// The service hashes at 512 KiB; planted hashes are at 256 KiB.
fn upgrading(c: &mut auth_service::Config) {
    c.params = Params::new(512, 1, 1).unwrap();
    c.hash_limits = Limits::for_params(&c.params, Limits::DEFAULT_MEMORY_BUDGET);
}

/// As [`upgrading`], at 8 MiB and two passes: a change (current password,
/// policy, new hash) takes long enough that logins started 0–50 ms after
/// it overlap it.
fn upgrading_slowly(c: &mut auth_service::Config) {
    c.params = Params::new(8 * 1024, 2, 1).unwrap();
    c.hash_limits = Limits::for_params(&c.params, Limits::DEFAULT_MEMORY_BUDGET);
}

fn db(s: &Service) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

fn user_id(s: &Service, username: &str) -> i64 {
    db(s).query_row("SELECT id FROM users WHERE username = ?1", [username], |r| r.get(0)).unwrap()
}

fn stored_hash(s: &Service, id: i64) -> String {
    db(s).query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| r.get(0)).unwrap()
}

fn session_rows(s: &Service, id: i64) -> i64 {
    db(s).query_row("SELECT COUNT(*) FROM sessions WHERE user_id = ?1", [id], |r| r.get(0)).unwrap()
}

/// Replaces `id`'s hash by one of `password` at lower parameters, sealed
/// bound to the row under the service's keyring (what an earlier, cheaper
/// configuration stored): the next login of `password` upgrades it.
fn plant_cheaper_hash(s: &Service, id: i64, password: &str) {
    let low = PasswordHasher::new(Params::new(256, 1, 1).unwrap()).with_pepper(Arc::clone(&s.state().keyring));
    let hash = low.hash(&SecretString::from(password.to_owned())).unwrap();
    let bound = low.bind(hash.as_str_for_storage(), &auth_service::db::binding(id)).unwrap();
    let n = db(s)
        .execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", rusqlite::params![id, bound.as_str_for_storage()])
        .unwrap();
    assert_eq!(n, 1);
}

/// Signs `name` up, logs in (the victim's session), and plants a cheaper
/// hash of the same password.
async fn victim(s: &Service, name: &str) -> (i64, Session) {
    assert_eq!(s.signup(&format!("{name}@example.com"), name, PASSWORD).await.status(), StatusCode::CREATED);
    let session = s.session(name, PASSWORD).await;
    let id = user_id(s, name);
    plant_cheaper_hash(s, id, PASSWORD);
    (id, session)
}

fn change(s: &Service, session: &Session) -> reqwest::RequestBuilder {
    session.post(s, "/password").json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
}

fn cookie_of(r: &reqwest::Response) -> Option<String> {
    let set = r.headers().get(header::SET_COOKIE)?.to_str().unwrap();
    Some(set.split(';').next().unwrap().to_owned())
}

async fn me_with(s: &Service, cookie: &str) -> StatusCode {
    s.http.get(s.url("/me")).header(header::COOKIE, cookie).send().await.unwrap().status()
}

/// `current` logs `name` in and `old` does not.
async fn assert_password(s: &Service, name: &str, current: &str, old: &str) {
    assert_eq!(s.login(name, current).await.status(), StatusCode::OK, "{name}: the current password");
    assert_eq!(s.login(name, old).await.status(), StatusCode::UNAUTHORIZED, "{name}: the old password");
}

/// Starts ada's login of [`PASSWORD`] and waits until it is parked at
/// `point`.
async fn park_login(
    s: &Arc<Service>,
    hooks: &Hooks,
    point: &'static str,
) -> (Arc<Gate>, tokio::task::JoinHandle<reqwest::Response>) {
    let gate = hooks.arm(point, 1);
    let login = {
        let s = Arc::clone(s);
        tokio::spawn(async move { s.login("ada", PASSWORD).await })
    };
    tokio::time::timeout(Duration::from_secs(10), gate.reached(1)).await.unwrap();
    (gate, login)
}

/// 24 trials: the victim changes the password while an attacker logs in
/// with the old one, started 0–50 ms later. After the change answered
/// 204, no session the attacker's login returned answers `/me`; the old
/// password no longer logs in and the new one does (no upgrade write of
/// the old password replaced the change); the change never answers
/// 403/409 because of the login's upgrade.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_racing_a_password_change_never_keeps_a_session() {
    let (s, _hooks) = Service::with_hooks(upgrading_slowly).await;
    let s = Arc::new(s);
    let (mut kept, mut logged_in) = (Vec::new(), 0);
    for trial in 0..24u64 {
        let name = format!("victim{trial}");
        let (_, session) = victim(&s, &name).await;
        let delay = Duration::from_millis(trial * 50 / 23);
        let attacker = {
            let (s, name) = (Arc::clone(&s), name.clone());
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                s.login(&name, PASSWORD).await
            })
        };
        let changed = change(&s, &session).send().await.unwrap().status();
        let login = attacker.await.unwrap();
        assert_eq!(changed, StatusCode::NO_CONTENT, "trial {trial}: the change must win");
        if let Some(cookie) = cookie_of(&login) {
            logged_in += 1;
            if me_with(&s, &cookie).await != StatusCode::UNAUTHORIZED {
                kept.push(trial);
            }
        } else {
            assert_eq!(login.status(), StatusCode::UNAUTHORIZED, "trial {trial}");
        }
        assert_eq!(s.login(&name, PASSWORD).await.status(), StatusCode::UNAUTHORIZED, "trial {trial}: old password");
        assert_eq!(s.login(&name, NEW_PASSWORD).await.status(), StatusCode::OK, "trial {trial}: new password");
        assert_eq!(session.get(&s, "/me").send().await.unwrap().status(), StatusCode::OK, "the changer's session");
    }
    assert!(kept.is_empty(), "sessions kept after the change in trials {kept:?} ({logged_in} logins answered 200)");
    Arc::into_inner(s).unwrap().stop().await;
}

/// The bad interleaving forced: the login has checked the old password and
/// is parked; the change commits; the login, released, answers the same
/// 401 as a wrong password and stores nothing: only the changer's session
/// row is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_parked_after_its_check_loses_to_a_change() {
    let (s, hooks) = Service::with_hooks(|_| {}).await;
    let s = Arc::new(s);
    let a = s.user("ada@example.com", "ada").await;
    let id = user_id(&s, "ada");
    let wrong = common::visible(s.login("ada", "not the password at all").await).await;

    let (gate, login) = park_login(&s, &hooks, "login.after_verify").await;
    assert_eq!(change(&s, &a).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    gate.release();
    let login = login.await.unwrap();
    assert_eq!(common::visible(login).await, wrong, "the same 401 as a wrong password");
    assert_eq!(session_rows(&s, id), 1, "only the changer's session");
    assert_eq!(a.get(&s, "/me").send().await.unwrap().status(), StatusCode::OK);
    Arc::into_inner(s).unwrap().stop().await;
}

/// A login of the old password with an upgrade pending, parked before its
/// upgrade write and its session; the change commits; released, the login
/// stores neither: the stored hash is the change's, the new password
/// logs in and the old one does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_write_never_replaces_a_changed_password() {
    let (s, hooks) = Service::with_hooks(upgrading).await;
    let s = Arc::new(s);
    // The planted hash does ask for an upgrade: a login stores a new one.
    let (bob, _) = victim(&s, "bob").await;
    let planted = stored_hash(&s, bob);
    assert_eq!(s.login("bob", PASSWORD).await.status(), StatusCode::OK);
    assert_ne!(stored_hash(&s, bob), planted, "the login upgraded the planted hash");

    let (id, a) = victim(&s, "ada").await;
    let (gate, login) = park_login(&s, &hooks, "login.before_commit").await;
    assert_eq!(change(&s, &a).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let changed = stored_hash(&s, id);
    gate.release();
    assert_eq!(problem(login.await.unwrap()).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));
    assert_eq!(stored_hash(&s, id), changed, "the stored hash is the change's");
    assert_password(&s, "ada", NEW_PASSWORD, PASSWORD).await;
    Arc::into_inner(s).unwrap().stop().await;
}

/// A change parked before its commit while a login of the same (current)
/// password stores its upgrade: the change still answers 204 (an upgrade
/// is not a change: no 403, no 409), and the login's session, made under
/// the old epoch, ends with the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_is_not_refused_because_a_login_upgraded_the_hash() {
    let (s, hooks) = Service::with_hooks(upgrading).await;
    let s = Arc::new(s);
    let (id, a) = victim(&s, "ada").await;
    let planted = stored_hash(&s, id);

    let gate = hooks.arm("password.before_commit", 1);
    let changing = {
        let (s, a) = (Arc::clone(&s), a.clone());
        tokio::spawn(async move { change(&s, &a).send().await.unwrap().status() })
    };
    tokio::time::timeout(Duration::from_secs(10), gate.reached(1)).await.unwrap();
    let login = s.login("ada", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_ne!(stored_hash(&s, id), planted, "the login stored its upgrade");
    let cookie = cookie_of(&login).unwrap();
    gate.release();
    assert_eq!(changing.await.unwrap(), StatusCode::NO_CONTENT);
    assert_eq!(me_with(&s, &cookie).await, StatusCode::UNAUTHORIZED, "the login's session ended with the change");
    assert_eq!(a.get(&s, "/me").send().await.unwrap().status(), StatusCode::OK);
    assert_password(&s, "ada", NEW_PASSWORD, PASSWORD).await;
    Arc::into_inner(s).unwrap().stop().await;
}

/// Two sessions of one account change its password at once: exactly one
/// change answers 204 and its password is the account's; the other never
/// 204 (409 `credential_changed` when it lost at the commit, 401 when its
/// session had already ended, 403 when it read the new hash). Twelve
/// concurrent trials, then the commit-time loss forced: a change parked
/// before its commit while the other commits answers 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_changes_never_both_succeed() {
    let (s, hooks) = Service::with_hooks(|_| {}).await;
    let s = Arc::new(s);
    let to = |new: &str| json!({"current_password": PASSWORD, "new_password": new});
    let (first, second) = ("the first new passphrase here", "the second new passphrase here");
    for trial in 0..12 {
        let name = format!("user{trial}");
        assert_eq!(s.signup(&format!("{name}@example.com"), &name, PASSWORD).await.status(), StatusCode::CREATED);
        let (a, b) = (s.session(&name, PASSWORD).await, s.session(&name, PASSWORD).await);
        let other = {
            let (s, b, body) = (Arc::clone(&s), b.clone(), to(second));
            tokio::spawn(async move { b.post(&s, "/password").json(&body).send().await.unwrap().status() })
        };
        let one = a.post(&s, "/password").json(&to(first)).send().await.unwrap().status();
        let other = other.await.unwrap();
        let (won, lost) = match (one, other) {
            (StatusCode::NO_CONTENT, lost) => ((first, second), lost),
            (lost, StatusCode::NO_CONTENT) => ((second, first), lost),
            both => panic!("trial {trial}: {both:?}"),
        };
        assert!([StatusCode::CONFLICT, StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&lost), "{lost}");
        assert_eq!(s.login(&name, won.0).await.status(), StatusCode::OK, "trial {trial}: the winner's password");
        assert_eq!(s.login(&name, won.1).await.status(), StatusCode::UNAUTHORIZED, "trial {trial}");
    }

    let a = s.user("ada@example.com", "ada").await;
    let b = s.session("ada", PASSWORD).await;
    let gate = hooks.arm("password.before_commit", 1);
    let parked = {
        let (s, a, body) = (Arc::clone(&s), a.clone(), to(first));
        tokio::spawn(async move { a.post(&s, "/password").json(&body).send().await.unwrap() })
    };
    tokio::time::timeout(Duration::from_secs(10), gate.reached(1)).await.unwrap();
    assert_eq!(b.post(&s, "/password").json(&to(second)).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    gate.release();
    assert_eq!(problem(parked.await.unwrap()).await, (StatusCode::CONFLICT, "credential_changed".into()));
    assert_password(&s, "ada", second, first).await;
    Arc::into_inner(s).unwrap().stop().await;
}
