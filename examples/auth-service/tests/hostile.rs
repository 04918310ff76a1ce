//! Hostile clients and a hostile database writer (issue 15, faults 5, 6,
//! 7 and 8a): copied and planted password hashes, minted session rows,
//! shadowing session cookies, look-alike usernames, and IPv6 neighbours
//! sharing one rate-limit budget.
//!
//! Where a test reads the service's log lines or forges the client
//! address, it drives the router in the test's own task
//! (`tower::ServiceExt::oneshot`, the address given as `ConnectInfo`), so
//! a thread-local subscriber sees every line the handlers write.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

mod common;

use std::{
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use auth_service::{Config, app::AppState};
use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Request, StatusCode, header},
};
use common::{PASSWORD, Service, problem, visible};
use guardrail::{
    axum::session::SessionDigest,
    password::{Params, PasswordHasher},
    secret::SecretString,
    token::DigestKey,
};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// The service's router and state on a temporary database, driven without
/// a socket.
struct App {
    router: Router,
    state: Arc<AppState>,
    dir: tempfile::TempDir,
}

/// What the router answered.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl App {
    fn new(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = common::config(dir.path());
        tweak(&mut config);
        let (state, _) = auth_service::build_state(&config).unwrap();
        let router = auth_service::app::router(Arc::clone(&state), config.max_body);
        Self { router, state, dir }
    }

    async fn post(&self, from: IpAddr, path: &str, body: &Value) -> Answer {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .extension(ConnectInfo(SocketAddr::new(from, 50_000)))
            .body(Body::from(serde_json::to_vec(body).unwrap()))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap().to_vec();
        Answer { status: parts.status, headers: parts.headers, body }
    }

    async fn login(&self, from: IpAddr, login: &str, password: &str) -> Answer {
        self.post(from, "/login", &json!({"login": login, "password": password})).await
    }

    async fn signup(&self, from: IpAddr, email: &str, username: &str) -> Answer {
        self.post(from, "/signup", &json!({"email": email, "username": username, "password": PASSWORD})).await
    }

    fn db(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.dir.path().join("auth.db")).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn
    }

    fn hash_of(&self, username: &str) -> (i64, String) {
        self.db()
            .query_row("SELECT id, password_hash FROM users WHERE username = ?1", [username], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
    }

    fn write_hash(&self, id: i64, hash: &str) {
        let n = self
            .db()
            .execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", rusqlite::params![id, hash])
            .unwrap();
        assert_eq!(n, 1);
    }
}

const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// The log lines written in this thread while the guard lives.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let logs = Self::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
        let guard = tracing::subscriber::set_default(subscriber);
        // A callsite another test thread hit with no subscriber while this
        // one was being registered may stay cached as "no interest": ask
        // every callsite again now that this subscriber exists.
        tracing::callsite::rebuild_interest_cache();
        (logs, guard)
    }

    /// Takes the lines written so far.
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))).unwrap()
    }
}

/// A password hash of "password" as Django's `MD5PasswordHasher` stores it
/// (crates/password/tests/data, django-md5).
const DJANGO_MD5_OF_PASSWORD: &str = "md5$ytWW9S0CFzSD$b2aa37df47b1e3523b07950962c21aad";

/// Someone who can write the users table but holds no key: copying bob's
/// sealed hash into alice's row does not let bob's password log in as
/// alice (the seal is bound to bob's row); a plain argon2 hash or a Django
/// `md5$…` they wrote is refused by default with the same 401 and an
/// `unbound_hash` error line. With `AUTH_SERVICE_ACCEPT_UNSEALED_HASHES`
/// (a migration) those rows log in, each sighting is logged as
/// `authn_unsealed_hash_seen`, and the row is stored bound from then on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_writer_cannot_log_in_as_another_account() {
    let (logs, _guard) = Logs::capture();
    let plain = PasswordHasher::new(Params::new(256, 1, 1).unwrap());
    let plain_argon2 = plain.hash(&SecretString::from("a password of my own choosing".to_owned())).unwrap();
    let planted = [
        (plain_argon2.as_str_for_storage().to_owned(), "a password of my own choosing"),
        (DJANGO_MD5_OF_PASSWORD.to_owned(), "password"),
    ];

    let app = App::new(|_| {});
    assert_eq!(app.signup(LOCAL, "alice@example.com", "alice").await.status, StatusCode::CREATED);
    let bob = json!({"email": "bob@example.com", "username": "bob", "password": "bob's own long passphrase"});
    assert_eq!(app.post(LOCAL, "/signup", &bob).await.status, StatusCode::CREATED);
    let wrong = app.login(LOCAL, "alice", "not the password at all").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let (alice_id, alice_hash) = app.hash_of("alice");
    let (_, bob_hash) = app.hash_of("bob");
    assert!(bob_hash.starts_with("$guardrail-sealed$v2$"), "stored bound");
    app.write_hash(alice_id, &bob_hash);
    let copied = app.login(LOCAL, "alice", "bob's own long passphrase").await;
    assert_eq!((copied.status, &copied.body), (wrong.status, &wrong.body), "a copied hash is a wrong password");
    logs.take();
    for (hash, password) in &planted {
        app.write_hash(alice_id, hash);
        let r = app.login(LOCAL, "alice", password).await;
        assert_eq!((r.status, &r.body), (wrong.status, &wrong.body), "a planted hash is a wrong password");
        let lines = logs.take();
        assert!(lines.contains("authn_login_fail") && lines.contains("unbound_hash"), "{lines}");
        assert_eq!(app.hash_of("alice").1, *hash, "nothing stored");
    }
    app.write_hash(alice_id, &alice_hash);
    assert_eq!(app.login(LOCAL, "alice", PASSWORD).await.status, StatusCode::OK, "the real row still works");

    // With the migration setting on, the same rows log in and are rebound.
    let app = App::new(|c| c.accept_unsealed_hashes = true);
    assert_eq!(app.signup(LOCAL, "alice@example.com", "alice").await.status, StatusCode::CREATED);
    let (alice_id, _) = app.hash_of("alice");
    for (hash, password) in &planted {
        app.write_hash(alice_id, hash);
        logs.take();
        assert_eq!(app.login(LOCAL, "alice", password).await.status, StatusCode::OK);
        let lines = logs.take();
        assert!(lines.contains("authn_unsealed_hash_seen") && lines.contains("WARN"), "{lines}");
        assert!(app.hash_of("alice").1.starts_with("$guardrail-sealed$v2$"), "stored bound after the login");
        logs.take();
        assert_eq!(app.login(LOCAL, "alice", password).await.status, StatusCode::OK);
        assert!(!logs.take().contains("authn_unsealed_hash_seen"), "a bound row is not a sighting");
    }
}

/// A session row a database writer inserts for alice — the SHA-256 of a
/// token they hold (what the previous release stored), or a MAC under a
/// key of their own, or even the service's MAC without the row's tag —
/// logs no one in; the row the service's store writes (MAC and tag under
/// keys the writer does not have) would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_writer_cannot_mint_a_session() {
    let app = App::new(|_| {});
    assert_eq!(app.signup(LOCAL, "alice@example.com", "alice").await.status, StatusCode::CREATED);
    assert_eq!(app.signup(LOCAL, "mallory@example.com", "mallory").await.status, StatusCode::CREATED);
    // A well-formed token the writer knows: their own, then logged out.
    let login = app.login(LOCAL, "mallory", PASSWORD).await;
    let cookie = login.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let token = cookie.strip_prefix("__Host-session=").unwrap().to_owned();
    app.db().execute("DELETE FROM sessions", []).unwrap();
    let (alice_id, _) = app.hash_of("alice");
    let me = |app: &App| {
        let request = Request::get("/me").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
        let router = app.router.clone();
        async move { router.oneshot(request).await.unwrap().status() }
    };

    let secret = SecretString::from(token.clone());
    let sha256: [u8; 32] = ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref().try_into().unwrap();
    let foreign_key = DigestKey::generate().unwrap();
    let rows: [(&str, Vec<u8>); 3] = [
        ("sha-256 of the token", sha256.to_vec()),
        ("a MAC under another key", SessionDigest::of(&foreign_key, &secret).as_bytes().to_vec()),
        // Without the row tag (db/tag.rs), which needs the key too.
        ("the service's MAC, untagged", app.state.sessions.digest(&secret).as_bytes().to_vec()),
    ];
    for (what, digest) in rows {
        app.db().execute("DELETE FROM sessions", []).unwrap();
        let now = auth_service::db::now();
        app.db()
            .execute(
                "INSERT INTO sessions (digest, user_id, epoch, created_at, last_seen, expires_at) \
                 SELECT ?1, id, credential_epoch, ?2, ?2, ?3 FROM users WHERE id = ?4",
                rusqlite::params![digest, now, now + 600, alice_id],
            )
            .unwrap();
        assert_eq!(me(&app).await, StatusCode::UNAUTHORIZED, "{what}");
    }
    // Control: the same session stored by the service's own store (tagged) logs in.
    app.db().execute("DELETE FROM sessions", []).unwrap();
    let now = auth_service::db::now();
    let user = auth_service::db::SessionUser { id: alice_id, epoch: 0 };
    let record =
        guardrail::axum::session::SessionRecord { user, created_at: now, last_seen: now, expires_at: now + 600 };
    let store = app.state.sessions.store();
    assert!(guardrail::axum::SessionStore::insert(store, &app.state.sessions.digest(&secret), &record).await.unwrap());
    assert_eq!(me(&app).await, StatusCode::OK, "the service's own row (control)");
}

/// The session cookie is `__Host-session` (Secure, Path=/, no Domain: a
/// sibling subdomain cannot set one), a request carrying two session
/// cookies — in one `Cookie` header or two — is refused with the same
/// bytes as no cookie at all, and a plain `session=` cookie (what a
/// sibling could plant) is ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_session_cookies_are_refused() {
    let s = Service::start().await;
    assert_eq!(s.signup("alice@example.com", "alice", PASSWORD).await.status(), StatusCode::CREATED);
    assert_eq!(s.signup("bob@example.com", "bob", PASSWORD).await.status(), StatusCode::CREATED);
    let r = s.login("alice", PASSWORD).await;
    let set_cookie = r.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("__Host-session="), "prefix");
    let attributes: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
    assert!(attributes.contains(&"Secure") && attributes.contains(&"Path=/"), "attributes");
    assert!(!set_cookie.to_ascii_lowercase().contains("domain"), "no Domain");
    let alice = common::Session::from_login(r).await;
    let bob = s.session("bob", PASSWORD).await;
    let value = |c: &str| c.strip_prefix("__Host-session=").unwrap().to_owned();
    let me = |cookies: &[String]| {
        let mut request = s.http.get(s.url("/me"));
        for c in cookies {
            request = request.header(header::COOKIE, c);
        }
        request.send()
    };
    let none = visible(me(&[]).await.unwrap()).await;
    assert_eq!(none.0, StatusCode::UNAUTHORIZED);
    let refused = [
        vec![format!("{}; {}", alice.cookie, bob.cookie)],
        vec![alice.cookie.clone(), bob.cookie.clone()],
        vec![format!("{}; {}", alice.cookie, alice.cookie)],
        vec![format!("session={}", value(&alice.cookie))],
    ];
    for cookies in &refused {
        assert_eq!(visible(me(cookies).await.unwrap()).await, none, "refused like no cookie");
    }
    // A planted plain cookie beside the real one changes nothing.
    let r = me(&[format!("session={}; {}", value(&bob.cookie), alice.cookie)]).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["username"], "alice");
    s.stop().await;
}

/// A name whose skeleton is a taken name's (`app1e` for `apple`, `paypa1`
/// for `paypal`) is 409 with the same bytes as the taken name itself. The
/// all-Cyrillic `аррӏе` and a look-alike of a reserved name (`аdmin`,
/// Cyrillic а) are 422 `invalid_username` whether or not the name they
/// imitate exists (the validator refuses whole-script confusables and
/// reserved skeletons): stronger than 409, and no existence signal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_alike_usernames_are_409_and_reserved_ones_422() {
    let s = Service::start().await;
    let cyrillic_apple = "\u{430}\u{440}\u{440}\u{4cf}\u{435}";
    let r = s.signup("x@example.com", cyrillic_apple, PASSWORD).await;
    assert_eq!(problem(r).await, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_username".into()), "before apple");
    for (n, (name, look_alike)) in [("apple", "app1e"), ("paypal", "paypa1")].into_iter().enumerate() {
        assert_eq!(s.signup(&format!("a{n}@example.com"), name, PASSWORD).await.status(), StatusCode::CREATED);
        let taken = visible(s.signup(&format!("b{n}@example.com"), name, PASSWORD).await).await;
        assert_eq!(taken.0, StatusCode::CONFLICT);
        let r = s.signup(&format!("c{n}@example.com"), look_alike, PASSWORD).await;
        assert_eq!(visible(r).await, taken, "{look_alike} answers as the taken {name}");
    }
    for refused in [cyrillic_apple, "admin", "\u{430}dmin"] {
        let r = s.signup("d@example.com", refused, PASSWORD).await;
        assert_eq!(problem(r).await, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_username".into()), "{refused:?}");
    }
    let count: i64 = rusqlite::Connection::open(s.dir.path().join("auth.db"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 2);
    s.stop().await;
}

/// Sign-ups of a name and its look-alike racing each other: the skeleton
/// is a unique key (never a select-then-insert), so in each of ten
/// concurrent trials exactly one is 201 and the other 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_look_alike_sign_ups_store_one() {
    let s = Arc::new(Service::start().await);
    for trial in 0..10 {
        let spawn = |email: String, name: String| {
            let s = Arc::clone(&s);
            tokio::spawn(async move { s.signup(&email, &name, PASSWORD).await.status() })
        };
        let one = spawn(format!("a{trial}@example.com"), format!("apple{trial}"));
        let other = spawn(format!("b{trial}@example.com"), format!("app1e{trial}"));
        let mut statuses = [one.await.unwrap(), other.await.unwrap()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "trial {trial}");
    }
    Arc::into_inner(s).unwrap().stop().await;
}

/// IPv6 clients are limited per /64 by default (one host owns 2^64
/// addresses): logins and sign-ups from neighbours in one /64 share the
/// per-address budget, another /64 has its own; with
/// `AUTH_SERVICE_IPV6_PREFIX=128` every address is its own client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_neighbours_share_one_budget() {
    let neighbour = |n: u16| IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, n));
    let other_net = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1));
    let app = App::new(|c| c.per_ip_per_minute = 3.try_into().unwrap());
    for n in 1..=3 {
        assert_eq!(app.login(neighbour(n), &format!("nobody{n}"), "x").await.status, StatusCode::UNAUTHORIZED);
    }
    let limited = app.login(neighbour(4), "nobody4", "x").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    let signup = app.signup(neighbour(0xffff), "n@example.com", "neighbour").await;
    assert_eq!(signup.status, StatusCode::TOO_MANY_REQUESTS, "sign-up shares the budget");
    assert_eq!(app.login(other_net, "nobody5", "x").await.status, StatusCode::UNAUTHORIZED, "another /64");

    let app = App::new(|c| {
        c.per_ip_per_minute = 3.try_into().unwrap();
        c.ipv6_prefix = 128;
    });
    for n in 1..=6 {
        assert_eq!(app.login(neighbour(n), &format!("nobody{n}"), "x").await.status, StatusCode::UNAUTHORIZED);
    }
}
