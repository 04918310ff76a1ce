//! API keys under hostile clients: the cap under parallel creates (trials
//! and the forced interleaving), list and delete (another account's key is
//! the same 404 as an unknown one), the `/whoami` failure limit per client
//! address; and `POST /sessions/revoke-others`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

mod common;

use std::{net::IpAddr, time::Duration};

use auth_service::outbox;
use common::{PASSWORD, Service, Session, problem, visible};
use reqwest::{Response, StatusCode, header};
use serde_json::{Value, json};

/// The cap the default configuration holds (`AUTH_SERVICE_MAX_API_KEYS`).
const CAP: usize = 25;

async fn create(s: &Service, a: &Session, name: &str) -> Response {
    a.post(s, "/api-keys").json(&json!({ "name": name })).send().await.unwrap()
}

async fn list(s: &Service, a: &Session) -> Vec<Value> {
    let r = a.get(s, "/api-keys").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

/// Creates `n` keys one by one.
async fn fill(s: &Service, a: &Session, n: usize) {
    for i in 0..n {
        assert_eq!(create(s, a, &format!("k{i}")).await.status(), StatusCode::CREATED);
    }
}

/// A create, sent on its own task.
fn spawn_create(s: &Service, a: &Session, name: &str) -> tokio::task::JoinHandle<StatusCode> {
    let req = a.post(s, "/api-keys").json(&json!({ "name": name }));
    tokio::spawn(async move { req.send().await.unwrap().status() })
}

/// Statuses of `n` creates sent at once.
async fn parallel_creates(s: &Service, a: &Session, n: usize) -> Vec<StatusCode> {
    let handles: Vec<_> = (0..n).map(|i| spawn_create(s, a, &format!("p{i}"))).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn api_key_cap_holds_under_40_parallel_creates() {
    let s = Service::start().await;
    for trial in 0..5 {
        let a = s.user(&format!("t{trial}@example.com"), &format!("trial{trial}")).await;
        fill(&s, &a, CAP - 1).await;
        let statuses = parallel_creates(&s, &a, 40).await;
        assert_eq!(count(&statuses, StatusCode::CREATED), 1, "trial {trial}: {statuses:?}");
        assert_eq!(count(&statuses, StatusCode::CONFLICT), 39, "trial {trial}: {statuses:?}");
        assert_eq!(list(&s, &a).await.len(), CAP, "trial {trial}");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_creates_parked_before_the_store_at_the_cap_minus_one_store_one() {
    let (s, hooks) = Service::with_hooks(|_| {}).await;
    let a = s.user("ada@example.com", "ada").await;
    fill(&s, &a, CAP - 1).await;
    // Both pass every check before the store, then store together.
    let gate = hooks.arm("api_keys.before_store", 2);
    let (x, y) = (spawn_create(&s, &a, "x"), spawn_create(&s, &a, "y"));
    tokio::time::timeout(Duration::from_secs(10), gate.reached(2)).await.expect("both creates parked");
    gate.release();
    let statuses = [x.await.unwrap(), y.await.unwrap()];
    assert_eq!(count(&statuses, StatusCode::CREATED), 1, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::CONFLICT), 1, "{statuses:?}");
    assert_eq!(list(&s, &a).await.len(), CAP);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_listed_without_secrets_and_deleted_by_their_owner_only() {
    let (s, _hooks) = Service::with_hooks(|_| {}).await;
    let a = s.user("ada@example.com", "ada").await;
    let b = s.user("bob@example.com", "bob").await;
    let first: Value = create(&s, &a, "ci").await.json().await.unwrap();
    let second: Value = create(&s, &a, "deploy").await.json().await.unwrap();
    let key = first["key"].as_str().unwrap().to_owned();

    // Listed oldest first; id, name, created, last_used and nothing else.
    assert_eq!(s.http.get(s.url("/whoami")).bearer_auth(&key).send().await.unwrap().status(), StatusCode::OK);
    let keys = list(&s, &a).await;
    assert_eq!(keys.len(), 2);
    assert_eq!((keys[0]["id"].clone(), keys[0]["name"].clone()), (first["id"].clone(), json!("ci")));
    assert_eq!(keys[1]["id"], second["id"]);
    for k in &keys {
        let mut fields: Vec<_> = k.as_object().unwrap().keys().cloned().collect();
        fields.sort();
        assert_eq!(fields, ["created", "id", "last_used", "name"]);
    }
    assert!(keys[0]["last_used"].is_i64(), "whoami stamped it");
    assert!(keys[1]["last_used"].is_null(), "never used");
    let shown = serde_json::to_string(&keys).unwrap();
    assert!(!shown.contains(&key) && !shown.contains(&key[key.len() - 20..]), "no key in the list");
    assert!(list(&s, &b).await.is_empty(), "bob sees none of ada's keys");

    // Another account's key and an unknown id: the same 404.
    let id = first["id"].as_str().unwrap();
    let theirs = b.delete(&s, &format!("/api-keys/{id}")).send().await.unwrap();
    let (status, headers, body) = visible(theirs).await;
    let unknown = visible(b.delete(&s, "/api-keys/AAAAAAAAAAAA").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!((status, body), (unknown.0, unknown.2), "another account's key is unknown");
    assert_eq!(headers, unknown.1);
    // A malformed id: 422 without echo, nothing looked up.
    let r = a.delete(&s, "/api-keys/%3Cscript%3Ealert(1)%3C%2Fscript%3E").send().await.unwrap();
    let text = r.text().await.unwrap();
    assert!(text.contains("invalid_id") && !text.contains("script"), "{text}");
    // Without the CSRF token: refused.
    let r = s.http.delete(s.url(&format!("/api-keys/{id}"))).header(header::COOKIE, &a.cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The owner deletes it: 204, then the key is dead and gone from the list.
    assert_eq!(a.delete(&s, &format!("/api-keys/{id}")).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(s.http.get(s.url("/whoami")).bearer_auth(&key).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(list(&s, &a).await.len(), 1);
    assert_eq!(a.delete(&s, &format!("/api-keys/{id}")).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Each change left a notice for ada, none for bob.
    let state = s.state();
    let kinds: Vec<(i64, String)> =
        outbox::next_batch(&state.db, &state.keyring, 100).unwrap().into_iter().map(|m| (m.user_id, m.kind)).collect();
    let ada_id = 1;
    assert_eq!(
        kinds,
        [
            (ada_id, "api_key_created".to_owned()),
            (ada_id, "api_key_created".to_owned()),
            (ada_id, "api_key_deleted".to_owned())
        ]
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_limits_failed_keys_per_client_address() {
    let s = Service::start_with(|c| c.api_key_fails_per_ip_per_minute = 20).await;
    let a = s.user("ada@example.com", "ada").await;
    let key: Value = create(&s, &a, "ci").await.json().await.unwrap();
    let key = key["key"].as_str().unwrap().to_owned();

    let bad = format!("{}x", &key[..key.len() - 1]);
    for i in 0..20 {
        let r = s.http.get(s.url("/whoami")).bearer_auth(&bad).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = s.http.get(s.url("/whoami")).bearer_auth(&bad).send().await.unwrap();
    assert!(r.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(problem(r).await, (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into()));
    // Even the right key, from this address: the limit is checked first.
    let r = s.http.get(s.url("/whoami")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // Another client address is not limited.
    let other: IpAddr = "127.0.0.2".parse().unwrap();
    let http = reqwest::Client::builder().local_address(other).build().unwrap();
    let r = http.get(s.url("/whoami")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_others_ends_every_other_session_of_the_account() {
    let (s, _hooks) = Service::with_hooks(|_| {}).await;
    let a = s.user("ada@example.com", "ada").await;
    let (b, c) = (s.session("ada", PASSWORD).await, s.session("ada@example.com", PASSWORD).await);
    let bob = s.user("bob@example.com", "bob").await;

    // Without the CSRF token: refused, nothing ended.
    let r = s.http.post(s.url("/sessions/revoke-others")).header(header::COOKIE, &b.cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.get(&s, "/me").send().await.unwrap().status(), StatusCode::OK);

    assert_eq!(b.post(&s, "/sessions/revoke-others").send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(b.get(&s, "/me").send().await.unwrap().status(), StatusCode::OK, "the caller's stays");
    for other in [&a, &c] {
        assert_eq!(
            problem(other.get(&s, "/me").send().await.unwrap()).await,
            (StatusCode::UNAUTHORIZED, "unauthenticated".into())
        );
    }
    assert_eq!(bob.get(&s, "/me").send().await.unwrap().status(), StatusCode::OK, "another account's stays");

    let state = s.state();
    let notices = outbox::next_batch(&state.db, &state.keyring, 100).unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!((notices[0].kind.as_str(), &notices[0].details), ("sessions_revoked", &json!({ "count": 2 })));
    assert!(notices[0].token.is_none());
    s.stop().await;
}

/// Sends `send` until it answers 429 (at most `tries` times); how many
/// were answered before, and the 429 (its Retry-After checked).
async fn until_limited<F: Future<Output = Response>>(tries: u32, mut send: impl FnMut() -> F) -> (u32, Response) {
    for done in 0..tries {
        let r = send().await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = r.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
            return (done, r);
        }
        assert!(!r.status().is_server_error(), "{}", r.status());
    }
    panic!("no 429 in {tries} requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_changes_are_limited_per_account() {
    let s = Service::start().await;
    let a = s.user("ada@example.com", "ada").await;
    let bob = s.user("bob@example.com", "bob").await;
    let budget = auth_service::app::ACCOUNT_CHANGES_PER_MINUTE.get();
    // The burst passes (a cell comes back every half second meanwhile).
    let (sr, ar) = (&s, &a);
    let revoke = move || async move { ar.post(sr, "/sessions/revoke-others").send().await.unwrap() };
    let (passed, refused) = until_limited(budget + 40, revoke).await;
    assert!(passed >= budget, "{passed} of a {budget} burst");
    assert_eq!(problem(refused).await, (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into()));
    // Creates and deletes share the budget: at most a cell or two came back.
    let (created, _) = until_limited(3, || create(&s, &a, "ci")).await;
    assert_eq!(list(&s, &a).await.len(), usize::try_from(created).unwrap(), "a refused create stores nothing");
    until_limited(3, move || async move { ar.delete(sr, "/api-keys/AAAAAAAAAAAA").send().await.unwrap() }).await;
    // Another account has its own budget.
    assert_eq!(create(&s, &bob, "ci").await.status(), StatusCode::CREATED);
    assert_eq!(bob.post(&s, "/sessions/revoke-others").send().await.unwrap().status(), StatusCode::NO_CONTENT);
    s.stop().await;
}
