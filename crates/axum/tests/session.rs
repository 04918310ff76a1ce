//! Sessions end to end through a `Router` (no socket): the cookie's
//! attributes, rotation on login, idle and absolute expiry, refused
//! cookies, logout, what `Debug` shows, that a session is read on an
//! unsafe method only behind the `CsrfLayer`, that a store refusing an
//! insert leaves no session and no cookie, and that only a digest made
//! under the sessions' key names a session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    extract::{FromRef, State},
    http::{HeaderMap, Method, Request, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use guardrail_axum::{
    CsrfLayer, MemorySessionStore, Problem, Session, SessionConfig, SessionStore, Sessions,
    csrf::CSRF_HEADER,
    session::{COOKIE, SessionDigest, SessionRecord, UnixTime, now},
};
use guardrail_keys::MacKeyring;
use guardrail_secret::{ExposeSecret, SecretSlice, SecretString};
use guardrail_token::{DigestKey, csrf::Csrf};
use tower::ServiceExt as _;

type Store = MemorySessionStore<u64>;

struct App<St = Store> {
    sessions: Sessions<St>,
    csrf: Csrf,
}

impl<St> Clone for App<St> {
    fn clone(&self) -> Self {
        Self { sessions: self.sessions.clone(), csrf: self.csrf.clone() }
    }
}

impl<St: SessionStore> FromRef<App<St>> for Sessions<St> {
    fn from_ref(app: &App<St>) -> Self {
        app.sessions.clone()
    }
}

/// A store that refuses every insert while `open` is false (as a store
/// keyed to a credential epoch does once the epoch moved), over a map
/// that two `Sessions` can share.
#[derive(Clone)]
struct Gated {
    sessions: Arc<Store>,
    open: Arc<AtomicBool>,
}

impl SessionStore for Gated {
    type User = u64;
    type Error = Infallible;

    async fn insert(&self, digest: &SessionDigest, record: &SessionRecord<u64>) -> Result<bool, Infallible> {
        if !self.open.load(Ordering::SeqCst) {
            return Ok(false);
        }
        self.sessions.insert(digest, record).await
    }
    async fn load(&self, digest: &SessionDigest) -> Result<Option<SessionRecord<u64>>, Infallible> {
        self.sessions.load(digest).await
    }
    async fn touch(&self, digest: &SessionDigest, now: UnixTime) -> Result<(), Infallible> {
        self.sessions.touch(digest, now).await
    }
    async fn delete(&self, digest: &SessionDigest) -> Result<bool, Infallible> {
        self.sessions.delete(digest).await
    }
    async fn delete_others(&self, user: &u64, keep: Option<&SessionDigest>) -> Result<usize, Infallible> {
        self.sessions.delete_others(user, keep).await
    }
    async fn delete_expired(&self, now: UnixTime, idle: Duration) -> Result<usize, Infallible> {
        self.sessions.delete_expired(now, idle).await
    }
}

/// Login: 401 `invalid_credentials`, and no cookie, when the store refused.
async fn login<St: SessionStore<User = u64>>(
    State(app): State<App<St>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let new = app.sessions.start(&headers, 7, &app.csrf).await?.ok_or_else(Problem::invalid_credentials)?;
    let csrf = new.csrf_token().to_owned();
    Ok((new, csrf).into_response())
}

async fn me<St: SessionStore<User = u64>>(session: Session<St>) -> String {
    session.user().to_string()
}

async fn maybe(session: Option<Session<Store>>) -> &'static str {
    if session.is_some() { "in" } else { "out" }
}

async fn logout(State(app): State<App>, session: Session<Store>) -> Result<Response, Problem> {
    Ok((app.sessions.end(session).await?, "bye").into_response())
}

async fn others(State(app): State<App>, session: Session<Store>) -> Result<String, Problem> {
    Ok(app.sessions.end_others(&session).await?.to_string())
}

fn key(byte: u8) -> DigestKey {
    DigestKey::new(&SecretSlice::from(vec![byte; 32])).unwrap()
}

fn new_state_over<St: SessionStore>(store: St, key: DigestKey) -> App<St> {
    App {
        sessions: Sessions::new(store, SessionConfig::default(), key),
        csrf: Csrf::new(MacKeyring::generate().unwrap()),
    }
}

fn new_state(config: SessionConfig) -> App {
    let sessions = Sessions::new(Store::new(), config, DigestKey::generate().unwrap());
    App { sessions, csrf: Csrf::new(MacKeyring::generate().unwrap()) }
}

fn csrf_layer<St>(state: &App<St>) -> CsrfLayer {
    CsrfLayer::new(state.csrf.clone()).route_without_csrf_check(Method::POST, "/login")
}

fn app(config: SessionConfig) -> (Router, Sessions<Store>) {
    let state = new_state(config);
    let sessions = state.sessions.clone();
    let router = Router::new()
        .route("/login", post(login::<Store>))
        .route("/me", get(me::<Store>))
        .route("/maybe", get(maybe))
        .route("/logout", post(logout))
        .route("/others", post(others))
        .layer(csrf_layer(&state))
        .with_state(state);
    (router, sessions)
}

/// `/login` and `/me` over the gated store `store`, digested under `key`.
fn gated_app(store: &Gated, key: DigestKey) -> (Router, Sessions<Gated>, Csrf) {
    let state = new_state_over(store.clone(), key);
    let (sessions, csrf) = (state.sessions.clone(), state.csrf.clone());
    let router = Router::new()
        .route("/login", post(login::<Gated>))
        .route("/me", get(me::<Gated>))
        .layer(csrf_layer(&state))
        .with_state(state);
    (router, sessions, csrf)
}

fn gated() -> Gated {
    Gated { sessions: Arc::new(Store::new()), open: Arc::new(AtomicBool::new(true)) }
}

fn sha256(token: &SecretString) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, token.expose_secret().as_bytes()).as_ref());
    out
}

/// `POST path` with `cookie` and, if given, the CSRF token.
async fn post_as(router: &Router, path: &str, cookie: &str, csrf: Option<&str>) -> Response {
    let mut request = Request::post(path).header(header::COOKIE, cookie);
    if let Some(csrf) = csrf {
        request = request.header(CSRF_HEADER, csrf);
    }
    router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
}

async fn send(router: &Router, method: &str, path: &str, cookies: &[&str]) -> Response {
    let mut request = Request::builder().method(method).uri(path);
    for c in cookies {
        request = request.header(header::COOKIE, *c);
    }
    router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
}

async fn body(response: Response) -> String {
    String::from_utf8(axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap().to_vec()).unwrap()
}

/// Logs in (with `cookies` sent along) and returns `__Host-session=<token>`.
async fn log_in(router: &Router, cookies: &[&str]) -> String {
    log_in_with_csrf(router, cookies).await.0
}

/// Logs in and returns `__Host-session=<token>` and the session's CSRF token.
async fn log_in_with_csrf(router: &Router, cookies: &[&str]) -> (String, String) {
    let response = send(router, "POST", "/login", cookies).await;
    assert_eq!(response.status(), StatusCode::OK);
    let set = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_owned();
    (cookie, body(response).await)
}

fn token_of(cookie: &str) -> SecretString {
    SecretString::from(cookie.strip_prefix("__Host-session=").unwrap().to_owned())
}

fn digest_of(sessions: &Sessions<Store>, cookie: &str) -> SessionDigest {
    sessions.digest(&token_of(cookie))
}

async fn problem(response: Response) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    (status, serde_json::from_str(&body(response).await).unwrap())
}

#[tokio::test]
async fn the_cookie_has_exactly_the_safe_attributes() {
    let (router, _) = app(SessionConfig::default());
    let response = send(&router, "POST", "/login", &[]).await;
    let set = response.headers().get(header::SET_COOKIE).unwrap();
    assert!(set.is_sensitive(), "Set-Cookie is marked sensitive");
    let set = set.to_str().unwrap().to_owned();
    let (pair, attributes) = set.split_once("; ").unwrap();
    assert_eq!(attributes, "HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=28800");
    let token = pair.strip_prefix(&format!("{COOKIE}=")).unwrap();
    assert_eq!(token.len(), 43, "32 random bytes, base64url");
    assert!(!set.to_ascii_lowercase().contains("domain"));
    let csrf = body(response).await;
    assert!(!csrf.is_empty() && !csrf.contains(token));

    let strict = SessionConfig::new(Duration::from_secs(3600), Duration::from_secs(600)).unwrap().same_site_strict();
    let (router, _) = app(strict);
    let response = send(&router, "POST", "/login", &[]).await;
    let set = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(set.ends_with("; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600"));
}

#[tokio::test]
async fn a_session_is_found_by_its_cookie_only() {
    let (router, _) = app(SessionConfig::default());
    let cookie = log_in(&router, &[]).await;
    let response = send(&router, "GET", "/me", &[&cookie]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "7");
    assert_eq!(body(send(&router, "GET", "/maybe", &[&cookie]).await).await, "in");
    assert_eq!(body(send(&router, "GET", "/maybe", &[]).await).await, "out");

    for cookies in [&[][..], &["session=abc"], &["__Host-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]] {
        let (status, p) = problem(send(&router, "GET", "/me", cookies).await).await;
        assert_eq!((status, p["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    }
}

#[tokio::test]
async fn duplicate_and_oversized_cookies_are_refused() {
    let (router, _) = app(SessionConfig::default());
    let a = log_in(&router, &[]).await;
    let b = log_in(&router, &[]).await;
    let both = format!("{a}; {b}");
    let long = format!("{COOKIE}={}", "A".repeat(200));
    for cookies in
        [vec![both.as_str()], vec![a.as_str(), b.as_str()], vec![a.as_str(), a.as_str()], vec![long.as_str()]]
    {
        let (status, p) = problem(send(&router, "GET", "/me", &cookies).await).await;
        assert_eq!((status, p["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    }
    let (status, _) = problem(send(&router, "GET", "/maybe", &[&both]).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "Option<Session> refuses a duplicate too");
}

#[tokio::test]
async fn login_rotates_the_session_the_cookie_names() {
    let (router, sessions) = app(SessionConfig::default());
    let old = log_in(&router, &[]).await;
    let new = log_in(&router, &[&old]).await;
    assert_ne!(old, new);
    assert!(sessions.store().load(&digest_of(&sessions, &old)).await.unwrap().is_none(), "the old digest is deleted");
    assert!(sessions.store().load(&digest_of(&sessions, &new)).await.unwrap().is_some());
    assert_eq!(sessions.store().len(), 1);
    assert_eq!(send(&router, "GET", "/me", &[&old]).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(send(&router, "GET", "/me", &[&new]).await.status(), StatusCode::OK);
}

async fn age(sessions: &Sessions<Store>, cookie: &str, change: impl FnOnce(&mut SessionRecord<u64>)) {
    let digest = digest_of(sessions, cookie);
    let mut record = sessions.store().load(&digest).await.unwrap().unwrap();
    change(&mut record);
    assert!(sessions.store().insert(&digest, &record).await.unwrap());
}

#[tokio::test]
async fn idle_and_absolute_expiry_answer_session_expired_and_delete() {
    let config = SessionConfig::new(Duration::from_secs(3600), Duration::from_secs(600)).unwrap();
    let (router, sessions) = app(config);
    let idle = log_in(&router, &[]).await;
    age(&sessions, &idle, |r| r.last_seen -= 600).await;
    let absolute = log_in(&router, &[]).await;
    age(&sessions, &absolute, |r| r.expires_at = now()).await;
    let fresh = log_in(&router, &[]).await;
    age(&sessions, &fresh, |r| r.last_seen -= 599).await;

    for (cookie, reason) in [(&idle, "idle"), (&absolute, "expired")] {
        let (status, p) = problem(send(&router, "GET", "/me", &[cookie]).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!((p["code"].as_str(), p["reason"].as_str()), (Some("session_expired"), Some(reason)));
        assert!(sessions.store().load(&digest_of(&sessions, cookie)).await.unwrap().is_none(), "deleted on sight");
        let (_, again) = problem(send(&router, "GET", "/me", &[cookie]).await).await;
        assert_eq!(again["code"], "unauthenticated");
    }
    assert_eq!(send(&router, "GET", "/me", &[&fresh]).await.status(), StatusCode::OK);
    let touched = sessions.store().load(&digest_of(&sessions, &fresh)).await.unwrap().unwrap();
    assert!(touched.last_seen >= now() - 1, "a request refreshes last_seen");
}

#[tokio::test]
async fn delete_expired_removes_idle_and_expired_only() {
    let config = SessionConfig::new(Duration::from_secs(3600), Duration::from_secs(600)).unwrap();
    let (router, sessions) = app(config);
    let idle = log_in(&router, &[]).await;
    age(&sessions, &idle, |r| r.last_seen -= 601).await;
    let absolute = log_in(&router, &[]).await;
    age(&sessions, &absolute, |r| r.expires_at -= 3601).await;
    let fresh = log_in(&router, &[]).await;
    assert_eq!(sessions.delete_expired().await.unwrap(), 2);
    assert_eq!(sessions.store().len(), 1);
    assert_eq!(send(&router, "GET", "/me", &[&fresh]).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn logout_and_end_others() {
    let (router, sessions) = app(SessionConfig::default());
    let (a, a_csrf) = log_in_with_csrf(&router, &[]).await;
    let b = log_in(&router, &[]).await;
    let c = log_in(&router, &[]).await;
    assert_eq!(post_as(&router, "/others", &a, None).await.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let response = post_as(&router, "/others", &a, Some(&a_csrf)).await;
    assert_eq!(body(response).await, "2");
    assert_eq!(send(&router, "GET", "/me", &[&b]).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(send(&router, "GET", "/me", &[&c]).await.status(), StatusCode::UNAUTHORIZED);

    let response = post_as(&router, "/logout", &a, Some(&a_csrf)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let clear = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert_eq!(clear, "__Host-session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0");
    assert!(sessions.store().is_empty());
    assert_eq!(send(&router, "GET", "/me", &[&a]).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn nothing_prints_the_token() {
    let (router, sessions) = app(SessionConfig::default());
    let cookie = log_in(&router, &[]).await;
    let token = cookie.strip_prefix("__Host-session=").unwrap();
    let digest = digest_of(&sessions, &cookie);
    let record = sessions.store().load(&digest).await.unwrap().unwrap();
    let printed = format!("{digest:?} {record:?} {sessions:?} {:?}", sessions.store());
    assert!(!printed.contains(token));
    assert_eq!(format!("{digest:?}"), "SessionDigest(..)");
    assert_ne!(&digest.as_bytes()[..], token.as_bytes());
}

#[test]
fn config_is_checked() {
    let h = |s| Duration::from_secs(s);
    assert!(SessionConfig::new(h(3600), h(600)).is_ok());
    assert!(SessionConfig::new(h(3600), h(3600)).is_ok());
    assert!(SessionConfig::new(h(0), h(0)).is_err());
    assert!(SessionConfig::new(h(3600), h(0)).is_err());
    assert!(SessionConfig::new(h(600), h(3600)).is_err(), "idle longer than absolute");
    assert!(SessionConfig::new(SessionConfig::MAX_ABSOLUTE + h(1), h(600)).is_err());
    assert!(SessionConfig::new(Duration::from_millis(500), Duration::from_millis(500)).is_err());
    let d = SessionConfig::default();
    assert_eq!((d.absolute(), d.idle()), (SessionConfig::DEFAULT_ABSOLUTE, SessionConfig::DEFAULT_IDLE));
}

#[tokio::test]
async fn last_seen_is_written_at_most_every_touch_interval() {
    let config = SessionConfig::new(Duration::from_secs(3600), Duration::from_secs(600))
        .unwrap()
        .touch_every(Duration::from_secs(60));
    let (router, sessions) = app(config);
    let cookie = log_in(&router, &[]).await;
    let recent = now() - 30;
    age(&sessions, &cookie, |r| r.last_seen = recent).await;
    assert_eq!(send(&router, "GET", "/me", &[&cookie]).await.status(), StatusCode::OK);
    let record = sessions.store().load(&digest_of(&sessions, &cookie)).await.unwrap().unwrap();
    assert_eq!(record.last_seen, recent, "within the interval: no write");
    age(&sessions, &cookie, |r| r.last_seen = now() - 61).await;
    assert_eq!(send(&router, "GET", "/me", &[&cookie]).await.status(), StatusCode::OK);
    let record = sessions.store().load(&digest_of(&sessions, &cookie)).await.unwrap().unwrap();
    assert!(record.last_seen >= now() - 1, "past the interval: touched");
    assert!(record.created_at <= record.last_seen && record.expires_at == record.created_at + 3600);
}

/// A route added after `.layer(csrf)` is not wrapped by it: its `Session`
/// (plain or `Option`) refuses an unsafe method with 500 instead of
/// letting a cookie-authenticated change through without a token.
#[tokio::test]
async fn a_session_on_a_route_outside_the_csrf_layer_is_refused() {
    let state = new_state(SessionConfig::default());
    let late = Router::new()
        .route("/login", post(login::<Store>))
        .route("/a", post(me::<Store>))
        .layer(csrf_layer(&state))
        .route("/late", post(me::<Store>))
        .route("/late-maybe", post(maybe))
        .route("/late-get", get(me::<Store>))
        .with_state(state);
    let (cookie, csrf) = log_in_with_csrf(&late, &[]).await;
    assert_eq!(post_as(&late, "/a", &cookie, None).await.status(), StatusCode::FORBIDDEN);
    for path in ["/late", "/late-maybe"] {
        for token in [None, Some(csrf.as_str())] {
            let (status, problem) = problem(post_as(&late, path, &cookie, token).await).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (StatusCode::INTERNAL_SERVER_ERROR, Some("internal")),
                "{path}"
            );
        }
    }
    let no_cookie = Request::post("/late-maybe").body(Body::empty()).unwrap();
    let response = late.clone().oneshot(no_cookie).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "Option<Session> fails closed too");
    assert_eq!(
        send(&late, "GET", "/late-get", &[&cookie]).await.status(),
        StatusCode::OK,
        "safe methods need no layer"
    );

    let state = new_state(SessionConfig::default());
    let last = Router::new()
        .route("/login", post(login::<Store>))
        .route("/a", post(me::<Store>))
        .route("/late", post(me::<Store>))
        .layer(csrf_layer(&state))
        .with_state(state);
    let (cookie, csrf) = log_in_with_csrf(&last, &[]).await;
    assert_eq!(post_as(&last, "/late", &cookie, None).await.status(), StatusCode::FORBIDDEN);
    let response = post_as(&last, "/late", &cookie, Some(&csrf)).await;
    assert_eq!((response.status(), body(response).await.as_str()), (StatusCode::OK, "7"));
}

/// An exempt route is let through, so its `Session` works without a token.
#[tokio::test]
async fn a_session_on_an_exempt_route_needs_no_token() {
    let state = new_state(SessionConfig::default());
    let layer = csrf_layer(&state).route_without_csrf_check(Method::POST, "/hook");
    let router = Router::new()
        .route("/login", post(login::<Store>))
        .route("/hook", post(me::<Store>))
        .route("/maybe", post(maybe))
        .layer(layer)
        .with_state(state);
    let cookie = log_in(&router, &[]).await;
    let response = post_as(&router, "/hook", &cookie, None).await;
    assert_eq!((response.status(), body(response).await.as_str()), (StatusCode::OK, "7"));
    let response = router.clone().oneshot(Request::post("/maybe").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!((response.status(), body(response).await.as_str()), (StatusCode::OK, "out"), "no cookie: no check");
}

/// The credential-epoch refusal: the store answers `false`, `start` returns
/// `None`, nothing is stored and the login's answer has no `Set-Cookie`;
/// the session the request's cookie named is ended all the same.
#[tokio::test]
async fn a_refused_insert_stores_nothing_and_sets_no_cookie() {
    let store = gated();
    let (router, sessions, csrf) = gated_app(&store, DigestKey::generate().unwrap());
    let old = log_in(&router, &[]).await;
    assert_eq!(store.sessions.len(), 1);

    store.open.store(false, Ordering::SeqCst);
    assert!(sessions.start(&HeaderMap::new(), 7, &csrf).await.unwrap().is_none());
    assert_eq!(store.sessions.len(), 1, "nothing stored");
    let response = send(&router, "POST", "/login", &[&old]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get(header::SET_COOKIE).is_none(), "no cookie for a refused session");
    let (_, p) = problem(response).await;
    assert_eq!(p["code"], "invalid_credentials");
    assert!(store.sessions.is_empty(), "the old session ended (rotation), no new one");
    assert_eq!(send(&router, "GET", "/me", &[&old]).await.status(), StatusCode::UNAUTHORIZED);

    store.open.store(true, Ordering::SeqCst);
    let new = log_in(&router, &[]).await;
    assert_eq!(body(send(&router, "GET", "/me", &[&new]).await).await, "7");
}

/// What someone who can write the store but holds no key can plant for a
/// token they chose: its plain SHA-256 (what releases before keyed digests
/// stored) or a MAC under another key. Neither names a session; the same
/// SHA-256 rekeyed under the sessions' key (a store's one-time migration)
/// does.
#[tokio::test]
async fn only_a_digest_under_the_sessions_key_names_a_session() {
    let (store, k) = (gated(), key(1));
    let (router, sessions, _) = gated_app(&store, key(1));
    let token = SecretString::from("Y2hvc2VuLWJ5LXRoZS1kYXRhYmFzZS13cml0ZXItMDE".to_owned());
    let cookie = format!("{COOKIE}={}", token.expose_secret());
    let t = now();
    let record = SessionRecord { user: 7, created_at: t, last_seen: t, expires_at: t + 3600 };
    let old = sha256(&token);
    for planted in [SessionDigest::from_bytes(old), SessionDigest::of(&key(2), &token)] {
        assert!(store.sessions.insert(&planted, &record).await.unwrap());
        let (status, p) = problem(send(&router, "GET", "/me", &[&cookie]).await).await;
        assert_eq!((status, p["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    }
    let rekeyed = SessionDigest::rekey(&k, &old);
    assert_eq!(rekeyed, sessions.digest(&token));
    assert!(store.sessions.insert(&rekeyed, &record).await.unwrap());
    let response = send(&router, "GET", "/me", &[&cookie]).await;
    assert_eq!((response.status(), body(response).await.as_str()), (StatusCode::OK, "7"));
}

/// Two `Sessions` over one store with different keys (a service restarted
/// with a new key): a session started under one is unknown to the other.
#[tokio::test]
async fn a_session_does_not_open_under_another_key() {
    let store = gated();
    let (first, ..) = gated_app(&store, key(1));
    let (other_key, ..) = gated_app(&store, key(2));
    let (same_key, ..) = gated_app(&store, key(1));
    let cookie = log_in(&first, &[]).await;
    assert_eq!(store.sessions.len(), 1);
    assert_eq!(send(&other_key, "GET", "/me", &[&cookie]).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(send(&same_key, "GET", "/me", &[&cookie]).await.status(), StatusCode::OK);
}

/// `rekey` of a token's SHA-256 is `of` that token, and both are the
/// HMAC-SHA256 of the length-prefixed label and SHA-256 (a plain oracle
/// with ring's HMAC); neither is the SHA-256 itself, and keys differ.
#[test]
fn rekey_of_the_old_sha256_is_the_digest_of_the_token() {
    let (k, other) = (key(7), key(8));
    for text in ["a", "Y2hvc2VuLWJ5LXRoZS1kYXRhYmFzZS13cml0ZXItMDE", &"_".repeat(128)] {
        let token = SecretString::from(text.to_owned());
        let old = sha256(&token);
        let of = SessionDigest::of(&k, &token);
        assert_eq!(SessionDigest::rekey(&k, &old), of);
        let mut input = Vec::new();
        for part in [&b"session"[..], &old] {
            input.extend_from_slice(&(part.len() as u64).to_be_bytes());
            input.extend_from_slice(part);
        }
        let oracle = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[7u8; 32]), &input);
        assert_eq!(&of.as_bytes()[..], oracle.as_ref());
        assert_ne!(of.as_bytes(), &old);
        assert_ne!(SessionDigest::of(&other, &token), of);
        assert_eq!(SessionDigest::from_bytes(*of.as_bytes()), of);
    }
}
