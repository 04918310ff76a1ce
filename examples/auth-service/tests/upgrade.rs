//! Stored formats are a promise: a database written by the release before
//! guardrail-axum (schema version 1, sessions without `last_seen`) opens
//! under this one, and what it holds keeps working — the session (its
//! token presented in today's `__Host-session` cookie), the API key, the
//! password.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

mod common;

use std::sync::Arc;

use common::{PASSWORD, Service, problem};
use guardrail::{
    password::{Params, PasswordHasher},
    secret::{ExposeSecret, SecretString},
    token::{api_key::ApiKeyIssuer, random},
};
use reqwest::{StatusCode, header};
use rusqlite::params;
use serde_json::Value;

/// The first release's one migration, byte for byte (`db.rs` at the
/// release before this one); it left `PRAGMA user_version = 1`.
const RELEASE_1_SCHEMA: &str = "
    CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
        username      TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at    INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        digest     BLOB PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE TABLE api_keys (
        lookup_id  TEXT PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name       TEXT NOT NULL,
        digest     TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX api_keys_user ON api_keys(user_id);
    CREATE TABLE service_keys (
        name   TEXT PRIMARY KEY,
        sealed BLOB NOT NULL
    );
";

fn now() -> i64 {
    i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

/// The digest the first release stored: SHA-256 of the token's text
/// (computed here with ring, as that release did, not with today's code).
fn release_1_digest(token: &SecretString) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.expose_secret().as_bytes()).as_ref().to_vec()
}

/// A first-release session token: 32 random bytes, base64url.
fn release_1_token() -> SecretString {
    random::token(32).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_1_database_keeps_its_sessions_api_keys_and_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.db");
    let (live, idle) = (release_1_token(), release_1_token());
    let (key, stored_key) = ApiKeyIssuer::new("authsvc_live").unwrap().issue().unwrap();
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(RELEASE_1_SCHEMA).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        // The password hash as that release stored it: argon2id sealed
        // under the service's keyring (the pepper), which it created.
        let (keyring, _) = auth_service::keys::load_or_create_keyring(&dir.path().join("keyring.json"), None).unwrap();
        let hasher = PasswordHasher::new(Params::new(256, 1, 1).unwrap()).with_pepper(Arc::new(keyring));
        let hash = hasher.hash(&SecretString::from(PASSWORD)).unwrap();
        assert!(hash.as_str_for_storage().starts_with("$guardrail-sealed$v1$"));
        c.execute(
            "INSERT INTO users (email, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params!["ada@example.com", "ada", hash.as_str_for_storage(), now() - 7200],
        )
        .unwrap();
        let id = c.last_insert_rowid();
        // Ten minutes old (within the 30-minute idle timeout), and an hour
        // old (idle by today's rule: its last use is its creation).
        for (token, age) in [(&live, 600), (&idle, 3600)] {
            c.execute(
                "INSERT INTO sessions (digest, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![release_1_digest(token), id, now() - age, now() - age + 8 * 3600],
            )
            .unwrap();
        }
        c.execute(
            "INSERT INTO api_keys (lookup_id, user_id, name, digest, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![stored_key.lookup_id(), id, "ci", stored_key.digest_hex(), now() - 3600],
        )
        .unwrap();
    }
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();

    let config = common::config(dir.path());
    let s = Service::start_in(dir, config).await;
    let me = |cookie: String| s.http.get(s.url("/me")).header(header::COOKIE, cookie).send();

    // The live session: its token in today's cookie authenticates.
    let r = me(format!("__Host-session={}", live.expose_secret())).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["username"], "ada");
    // The same token under the first release's cookie name is not read: a
    // browser still holding `session=` is logged out (401, DESIGN's "no
    // session"), and logs in again.
    let r = me(format!("session={}", live.expose_secret())).await.unwrap();
    assert_eq!(problem(r).await, (StatusCode::UNAUTHORIZED, "unauthenticated".into()));
    // The hour-old row was last seen when it was created: idle, so gone —
    // removed by the maintenance task's first run at start, or by this
    // request (`session_expired`, reason `idle`).
    let r = me(format!("__Host-session={}", idle.expose_secret())).await.unwrap();
    let body: Value = r.json().await.unwrap();
    let answer = (body["code"].as_str(), body["reason"].as_str());
    assert!(matches!(answer, (Some("unauthenticated"), None) | (Some("session_expired"), Some("idle"))), "{body}");
    let rows = |digest: Vec<u8>| {
        let c = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
        c.query_row("SELECT COUNT(*) FROM sessions WHERE digest = ?1", [digest], |r| r.get::<_, i64>(0)).unwrap()
    };
    assert_eq!((rows(release_1_digest(&live)), rows(release_1_digest(&idle))), (1, 0));

    // The API key.
    let r = s.http.get(s.url("/whoami")).bearer_auth(key.expose_secret()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let who: Value = r.json().await.unwrap();
    assert_eq!((who["username"].as_str(), who["key_id"].as_str()), (Some("ada"), Some(stored_key.lookup_id())));

    // The password (and, logged in, the new session's CSRF token works).
    let r = s.login("ada", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    let session = common::Session::from_login(r).await;
    assert_eq!(session.post(&s, "/logout").send().await.unwrap().status(), StatusCode::NO_CONTENT);

    let c = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
    let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, 2, "migration 2 ran");
    let _: i64 = c.query_row("SELECT last_seen FROM sessions LIMIT 1", [], |r| r.get(0)).unwrap();
    drop(c);
    s.stop().await;
}
