//! The seven tasks end to end, through the router as the binary serves it
//! (`tower::ServiceExt::oneshot`, the client address given as
//! `ConnectInfo`), with a real 127.0.0.1 server receiving the webhook.
//! Every security event and log line goes to one captured log, which the
//! tests search for values that must never be written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

use std::{
    io,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::{Arc, Mutex, OnceLock, PoisonError},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::ConnectInfo,
    http::{HeaderMap, Method, Request, StatusCode, header, request::Builder},
    routing::post,
};
use guardrail::{
    axum::SessionConfig,
    password::{Params, PasswordHasher},
    prelude::*,
    token::{ApiKey, ApiKeyIssuer},
    validate::{Email, FetchPolicy, Username},
};
use guardrail_onboarding::{
    API_KEY_FAILURES_PER_MINUTE, API_KEY_PREFIX, App, Config, Db, LOGINS_PER_MINUTE, SIGNUPS_PER_MINUTE, router,
};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const PASSWORD: &str = "correct horse battery staple";
const ADA: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));

// ---- the captured log -------------------------------------------------

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        LOG.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Everything logged so far, by every test of this binary.
fn log() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
}

// ---- the service and a client -------------------------------------------

fn service(fetch_policy: FetchPolicy) -> (App, Router) {
    service_with(fetch_policy, SessionConfig::default())
}

fn service_with(fetch_policy: FetchPolicy, sessions: SessionConfig) -> (App, Router) {
    static SUBSCRIBER: OnceLock<()> = OnceLock::new();
    SUBSCRIBER.get_or_init(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::fmt().with_writer(|| Capture).finish()).unwrap();
    });
    // Small argon2 parameters: the tests hash dozens of times.
    let hasher = PasswordHasher::new(Params::new(64, 1, 1).unwrap());
    let app = App::new(Config { hasher, fetch_policy, sessions }).unwrap();
    (app.clone(), router(app))
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// `__Host-session=<token>` from the `Set-Cookie`.
    fn cookie(&self) -> String {
        let set = self.headers[header::SET_COOKIE].to_str().unwrap();
        set.split(';').next().unwrap().to_owned()
    }
}

fn req(method: Method, path: &str, from: IpAddr) -> Builder {
    Request::builder().method(method).uri(path).extension(ConnectInfo(SocketAddr::new(from, 50_000)))
}

/// With the session `cookie` and, if given, the CSRF token.
fn authed(method: Method, path: &str, cookie: &str, csrf: Option<&str>) -> Builder {
    let r = req(method, path, ADA).header(header::COOKIE, cookie);
    match csrf {
        Some(token) => r.header("x-csrf-token", token),
        None => r,
    }
}

async fn send(app: &Router, r: Builder, body: Option<Value>) -> Reply {
    let request = match body {
        Some(b) => r.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
        None => r.body(Body::empty()),
    };
    let response = app.clone().oneshot(request.unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    Reply { status: parts.status, headers: parts.headers, body: axum::body::to_bytes(body, 1 << 20).await.unwrap() }
}

async fn signup(app: &Router, email: &str, username: &str, password: Value) -> Reply {
    let body = json!({ "email": email, "username": username, "password": password });
    send(app, req(Method::POST, "/signup", ADA), Some(body)).await
}

async fn login_from(app: &Router, from: IpAddr, login: &str, password: &str) -> Reply {
    send(app, req(Method::POST, "/login", from), Some(json!({ "login": login, "password": password }))).await
}

/// Signs `ada` up and logs her in: (cookie, CSRF token).
async fn ada(app: &Router) -> (String, String) {
    assert_eq!(signup(app, "ada@example.com", "ada", json!(PASSWORD)).await.status, StatusCode::CREATED);
    let reply = login_from(app, ADA, "ada@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    (reply.cookie(), reply.json()["csrf_token"].as_str().unwrap().to_owned())
}

// ---- tasks 1–3: sign-up, login, session + CSRF ---------------------------

#[tokio::test]
async fn signup_login_session_and_logout() {
    let (_, app) = service(FetchPolicy::default());
    let created = signup(&app, "Ada@example.com", "Ada", json!(PASSWORD)).await;
    assert_eq!((created.status, created.json()["id"].as_u64()), (StatusCode::CREATED, Some(1)));

    // One account per uniqueness key: the local part's case does not count.
    let taken = signup(&app, "ADA@example.com", "lovelace", json!(PASSWORD)).await;
    assert_eq!((taken.status, taken.json()["code"].as_str()), (StatusCode::CONFLICT, Some("already_exists")));
    let weak = signup(&app, "bob@example.com", "bob", json!("password")).await;
    assert_eq!((weak.status, weak.json()["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("weak_password")));

    // A wrong type or a refused address: a problem naming the field, never the value.
    let number = signup(&app, "bob@example.com", "bob", json!(90_210_773_u64)).await;
    assert_eq!(number.status, StatusCode::BAD_REQUEST);
    assert_eq!(number.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(number.json()["reason"], "invalid_type");
    assert_eq!(number.json()["pointer"], "#/password");
    assert!(!number.text().contains("90210773"), "{}", number.text());
    let email = signup(&app, "bob@@example.com", "bob", json!(PASSWORD)).await;
    assert_eq!(
        (email.status, email.json()["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_email"))
    );
    assert_eq!(email.json()["pointer"], "#/email");
    assert!(!email.text().contains("bob@@"), "{}", email.text());

    // Log in: by e-mail address in any case of the local part, or by user name.
    let first = login_from(&app, ADA, "ADA@example.com", PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let set_cookie = first.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.starts_with("__Host-session=") && set_cookie.contains("HttpOnly; Secure"), "{set_cookie}");
    let old = first.cookie();
    let me = send(&app, authed(Method::GET, "/me", &old, None), None).await;
    assert_eq!((me.status, me.json()["username"].as_str()), (StatusCode::OK, Some("ada")));
    assert_eq!(me.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(me.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

    // Logging in again with the old cookie rotates: the old token is dead.
    let again =
        send(&app, authed(Method::POST, "/login", &old, None), Some(json!({"login": "ada", "password": PASSWORD})));
    let again = again.await;
    assert_eq!(again.status, StatusCode::OK, "login is exempt from CSRF by name");
    let (cookie, csrf) = (again.cookie(), again.json()["csrf_token"].as_str().unwrap().to_owned());
    assert_ne!(cookie, old);
    assert_eq!(send(&app, authed(Method::GET, "/me", &old, None), None).await.status, StatusCode::UNAUTHORIZED);

    // Logout needs this session's CSRF token.
    let forged = send(&app, authed(Method::POST, "/logout", &cookie, None), None).await;
    assert_eq!((forged.status, forged.json()["code"].as_str()), (StatusCode::FORBIDDEN, Some("csrf")));
    let other =
        send(&app, authed(Method::POST, "/logout", &cookie, Some(first.json()["csrf_token"].as_str().unwrap())), None);
    assert_eq!(other.await.status, StatusCode::FORBIDDEN, "the old session's token");
    let out = send(&app, authed(Method::POST, "/logout", &cookie, Some(&csrf)), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let me = send(&app, authed(Method::GET, "/me", &cookie, None), None).await;
    assert_eq!((me.status, me.json()["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    assert!(!log().contains(PASSWORD));
}

#[tokio::test]
async fn wrong_password_and_unknown_account_are_limited_alike() {
    let (_, app) = service(FetchPolicy::default());
    assert_eq!(signup(&app, "ada@example.com", "ada", json!(PASSWORD)).await.status, StatusCode::CREATED);
    let mut refusals = Vec::new();
    for login in ["ada@example.com", "nobody@example.com"] {
        for _ in 0..LOGINS_PER_MINUTE {
            let reply = login_from(&app, ADA, login, "not the password at all").await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
            assert!(reply.headers.get(header::SET_COOKIE).is_none());
            refusals.push(reply.body);
        }
        // Case of the local part folded: the same key, so the same budget.
        let limited = login_from(&app, ADA, &login.to_uppercase().replace("EXAMPLE.COM", "example.com"), "x").await;
        assert_eq!(
            (limited.status, limited.json()["code"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
        );
        assert!(limited.headers[header::RETRY_AFTER].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    }
    assert!(refusals.windows(2).all(|w| w[0] == w[1]), "one 401 body for a wrong password and no account");

    // Per client: an IPv6 /64 is one client, whatever the address inside it.
    let (_, app) = service(FetchPolicy::default());
    let in_64 = |i: u16| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, i));
    for i in 0..20 {
        let reply = login_from(&app, in_64(i), &format!("user{i}"), "x").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login_from(&app, in_64(999), "user999", "x").await.status, StatusCode::TOO_MANY_REQUESTS);
    let next_64 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1));
    assert_eq!(login_from(&app, next_64, "user999", "x").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_unsafe_route_checks_csrf() {
    let (_, app) = service(FetchPolicy::default());
    let (cookie, csrf) = ada(&app).await;
    let routes = [
        (Method::POST, "/logout"),
        (Method::POST, "/api-keys"),
        (Method::PUT, "/profile/phone"),
        (Method::PUT, "/webhook"),
        (Method::POST, "/webhook/test"),
        (Method::DELETE, "/me"),
        (Method::POST, "/no-such-route"),
    ];
    for (method, path) in routes {
        let reply = send(&app, authed(method.clone(), path, &cookie, None), Some(json!({}))).await;
        assert_eq!(
            (reply.status, reply.json()["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("csrf")),
            "{method} {path}"
        );
    }
    // With the token, the same requests reach their handlers.
    let reply = send(&app, authed(Method::PUT, "/webhook", &cookie, Some(&csrf)), Some(json!({}))).await;
    assert_eq!(reply.json()["code"], "malformed_request", "the handler answered");
    // A method the path does not take: a 405 problem, not an empty body.
    let reply = send(&app, authed(Method::DELETE, "/me", &cookie, Some(&csrf)), None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(reply.json()["code"], "method_not_allowed", "{}", reply.text());
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store", "the header preset covers the fallback");
}

#[tokio::test]
async fn an_unusable_stored_hash_or_a_too_long_password_answers_the_one_401() {
    let (state, app) = service(FetchPolicy::default());
    assert_eq!(signup(&app, "ada@example.com", "ada", json!(PASSWORD)).await.status, StatusCode::CREATED);
    let unknown = login_from(&app, ADA, "nobody@example.com", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let damaged = "$argon2id$v=19$m=64,t=1,p=1$not base64!$c2FsdA";
    let out_of_policy =
        "$argon2id$v=19$m=4000000000,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$dGFndGFndGFndGFndGFndGFndGFndGFndGFnZw";
    for stored in [damaged, out_of_policy] {
        state.db.update(1, |u| u.password_hash = stored.to_owned());
        let reply = login_from(&app, ADA, "ada@example.com", PASSWORD).await;
        assert_eq!((reply.status, &reply.body), (unknown.status, &unknown.body), "{stored}: {}", reply.text());
        assert!(reply.headers.get(header::SET_COOKIE).is_none());
    }
    assert!(log().contains("stored_hash_unusable"), "the operators see the damaged row");
    // Longer than MAX_PASSWORD_BYTES: not a 422 that says so, the same 401.
    let long = login_from(&app, ADA, "nobody@example.com", &"x".repeat(5000)).await;
    assert_eq!((long.status, &long.body), (unknown.status, &unknown.body), "{}", long.text());
}

#[tokio::test]
async fn sign_ups_are_limited_per_client() {
    let (_, app) = service(FetchPolicy::default());
    for i in 0..SIGNUPS_PER_MINUTE {
        assert_eq!(
            signup(&app, &format!("user{i}@example.com"), &format!("user{i}"), json!(PASSWORD)).await.status,
            201
        );
    }
    let limited = signup(&app, "late@example.com", "late", json!(PASSWORD)).await;
    assert_eq!(
        (limited.status, limited.json()["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    assert!(limited.headers[header::RETRY_AFTER].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    // Another client has its own budget.
    let other = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9));
    let body = json!({ "email": "late@example.com", "username": "late", "password": PASSWORD });
    assert_eq!(send(&app, req(Method::POST, "/signup", other), Some(body)).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn maintenance_deletes_idle_sessions() {
    let sessions = SessionConfig::new(Duration::from_secs(60), Duration::from_secs(1)).unwrap();
    let (state, app) = service_with(FetchPolicy::default(), sessions);
    let (cookie, _) = ada(&app).await;
    assert_eq!(state.maintain().await, Ok(0), "a fresh session stays");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(state.maintain().await, Ok(1), "idle for longer than a second: deleted");
    assert_eq!(send(&app, authed(Method::GET, "/me", &cookie, None), None).await.status, StatusCode::UNAUTHORIZED);
}

#[test]
fn a_user_debug_shows_no_hash_and_no_local_part() {
    let db = Db::default();
    let email = Email::parse("Lovelace.Private@example.com").unwrap();
    let (key, name) = (email.uniqueness_key(), Username::parse("ada").unwrap());
    let hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$dGFndGFndGFndGFndGFndGFndGFndGFndGFnZw";
    let id = db.insert(email, key, name, hash.to_owned()).unwrap();
    db.update(id, |u| u.phone_sealed = Some(b"sealed-bytes".to_vec()));
    let shown = format!("{:?} {:?}", db.get(id).unwrap(), db);
    for secret in ["c2FsdHNhbHRzYWx0c2FsdA", "dGFndGFn", "argon2id", "lovelace", "Lovelace", "sealed-bytes", "115"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("password_hash: \"[REDACTED]\"") && shown.contains("id: 1"), "{shown}");
}

// ---- task 4: API keys -------------------------------------------------------

/// `GET /api/whoami` from `from` with `Authorization: Bearer <key>`.
fn bearer(from: IpAddr, key: &str) -> Builder {
    req(Method::GET, "/api/whoami", from).header(header::AUTHORIZATION, format!("Bearer {key}"))
}

/// A key issued to the session's user.
async fn issue_key(app: &Router, cookie: &str, csrf: &str) -> String {
    let issued = send(app, authed(Method::POST, "/api-keys", cookie, Some(csrf)), None).await;
    assert_eq!(issued.status, StatusCode::CREATED);
    issued.json()["key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn api_keys_are_issued_once_and_checked() {
    let (_, app) = service(FetchPolicy::default());
    let (cookie, csrf) = ada(&app).await;
    let key = issue_key(&app, &cookie, &csrf).await;
    assert!(key.starts_with("onb_live_"), "{key}");

    let me = send(&app, bearer(ADA, &key), None).await;
    assert_eq!((me.status, me.json()["user"].as_u64()), (StatusCode::OK, Some(1)));

    let mut tampered = key.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let refusals = [
        send(&app, bearer(ADA, &tampered), None).await,
        send(&app, bearer(ADA, "onb_live_nonsense"), None).await,
        send(&app, req(Method::GET, "/api/whoami", ADA), None).await,
    ];
    for reply in &refusals {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.headers[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(reply.body, refusals[0].body);
    }
    assert!(!log().contains(&key[9..]), "no key in the log");
}

/// A database writer can insert rows but does not hold the service's
/// API-key digest key: the unkeyed digest of a key they made (what an
/// issuer without a `DigestKey` stores) names no key here.
#[tokio::test]
async fn a_planted_unkeyed_api_key_row_is_refused() {
    let (service, app) = service(FetchPolicy::default());
    let (cookie, csrf) = ada(&app).await;
    let (planted, unkeyed) = ApiKeyIssuer::new(API_KEY_PREFIX).unwrap().issue().unwrap();
    // The row is right for an unkeyed verifier: only the key refuses it.
    assert!(unkeyed.verify(&ApiKey::parse(planted.expose_secret(), API_KEY_PREFIX).unwrap()).is_ok());
    service.api_keys.lookup().insert(unkeyed, 1);
    let refused = send(&app, bearer(ADA, planted.expose_secret()), None).await;
    assert_eq!((refused.status, refused.json()["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_api_key")));
    assert_eq!(refused.headers[header::WWW_AUTHENTICATE], "Bearer");
    // The service's own keys, keyed, still verify.
    let key = issue_key(&app, &cookie, &csrf).await;
    assert_eq!(send(&app, bearer(ADA, &key), None).await.status, StatusCode::OK);
}

/// Refused API keys spend the client's budget: past it, 429 with
/// `Retry-After` even for a valid key; another client is not affected.
#[tokio::test]
async fn failed_api_keys_are_limited_per_client() {
    let (_, app) = service(FetchPolicy::default());
    let (cookie, csrf) = ada(&app).await;
    let key = issue_key(&app, &cookie, &csrf).await;
    let mallory = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9));
    for _ in 0..API_KEY_FAILURES_PER_MINUTE {
        assert_eq!(send(&app, bearer(mallory, "onb_live_guess"), None).await.status, StatusCode::UNAUTHORIZED);
    }
    for k in ["onb_live_guess", key.as_str()] {
        let limited = send(&app, bearer(mallory, k), None).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = limited.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "Retry-After {wait}");
    }
    // Ada's address has its own budget: her wrong key is a 401, her key a 200.
    assert_eq!(send(&app, bearer(ADA, "onb_live_guess"), None).await.status, StatusCode::UNAUTHORIZED);
    let me = send(&app, bearer(ADA, &key), None).await;
    assert_eq!((me.status, me.json()["user"].as_u64()), (StatusCode::OK, Some(1)));
}

// ---- task 5: a field sealed at rest --------------------------------------

#[tokio::test]
async fn the_phone_is_sealed_at_rest_read_back_and_masked_in_logs() {
    let (state, app) = service(FetchPolicy::default());
    let (cookie, csrf) = ada(&app).await;
    let phone = "+44 20 7946 0958";
    let bad =
        send(&app, authed(Method::PUT, "/profile/phone", &cookie, Some(&csrf)), Some(json!({"phone": "call me"})));
    let bad = bad.await;
    assert_eq!((bad.status, bad.json()["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_phone")));
    assert!(!bad.text().contains("call me"));
    let set = send(&app, authed(Method::PUT, "/profile/phone", &cookie, Some(&csrf)), Some(json!({"phone": phone})));
    assert_eq!(set.await.status, StatusCode::NO_CONTENT);

    let sealed = state.db.get(1).unwrap().phone_sealed.unwrap();
    assert!(!sealed.windows(7).any(|w| w == b"20 7946"), "the column is not the plaintext");
    // The associated data names the row: a copy in another row does not open.
    assert!(state.keyring.open(&sealed, b"users:2:phone").is_err());
    assert!(state.keyring.open(&sealed, b"users:1:phone").is_ok());

    let read = send(&app, authed(Method::GET, "/profile/phone", &cookie, None), None).await;
    assert_eq!((read.status, read.json()["phone"].as_str()), (StatusCode::OK, Some(phone)));
    let log = log();
    assert!(log.contains("phone_updated") && log.contains("phone_read") && log.contains("+4***"), "{log}");
    assert!(!log.contains("7946"), "the number is masked in every line");
}

// ---- task 6: the webhook ---------------------------------------------------

/// A webhook receiver on 127.0.0.1: its port and the bodies it received.
async fn hook_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&received);
    let hook = post(move |body: String| async move {
        seen.lock().unwrap().push(body);
        "ok"
    });
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, Router::new().route("/hook", hook)).await.unwrap() });
    (port, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_is_checked_and_fired_through_the_fetch_client() {
    let (port, received) = hook_server().await;
    let url = format!("http://127.0.0.1:{port}/hook?token=hook-secret-71");

    // The production policy refuses a loopback address.
    let (_, production) = service(Config::production().fetch_policy);
    let (cookie, csrf) = ada(&production).await;
    let put = authed(Method::PUT, "/webhook", &cookie, Some(&csrf));
    let refused = send(&production, put, Some(json!({ "url": url }))).await;
    assert_eq!(
        (refused.status, refused.json()["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_url"))
    );

    // A test policy allows exactly this server's address and port.
    let policy = FetchPolicy::default().ports([port]).dangerous_allow_addresses([IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    let (_, app) = service(policy);
    let (cookie, csrf) = ada(&app).await;
    let metadata = json!({ "url": format!("http://169.254.169.254:{port}/latest") });
    let refused = send(&app, authed(Method::PUT, "/webhook", &cookie, Some(&csrf)), Some(metadata)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "metadata stays refused");
    let put = send(&app, authed(Method::PUT, "/webhook", &cookie, Some(&csrf)), Some(json!({ "url": url }))).await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text());
    let fired = send(&app, authed(Method::POST, "/webhook/test", &cookie, Some(&csrf)), None).await;
    assert_eq!((fired.status, fired.json()["status"].as_u64()), (StatusCode::OK, Some(200)), "{}", fired.text());

    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "exactly one delivery");
    assert_eq!(serde_json::from_str::<Value>(&received[0]).unwrap(), json!({ "event": "test", "user": 1 }));
    assert!(!log().contains("hook-secret-71"));
}

// ---- task 7: output encoding -----------------------------------------------

#[tokio::test]
async fn the_welcome_page_encodes_the_user_name() {
    let (_, app) = service(FetchPolicy::default());
    let name = r#"ada<b>&"co""#;
    assert_eq!(signup(&app, "ada@example.com", name, json!(PASSWORD)).await.status, StatusCode::CREATED);
    let cookie = login_from(&app, ADA, "ada@example.com", PASSWORD).await.cookie();
    let page = send(&app, authed(Method::GET, "/welcome", &cookie, None), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let html = page.text();
    assert!(html.contains("Welcome, ada&lt;b&gt;&amp;&#34;co&#34;!"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(log().contains("page_view"));
}
