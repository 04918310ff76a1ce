//! Stored formats are a promise: a database written by the release before
//! guardrail-axum (schema version 1, sessions without `last_seen`), or by
//! the one after it (schema version 2, unkeyed digests, unbound sealed
//! hashes), opens under this one, and what it holds keeps working — the
//! session (its token presented in today's `__Host-session` cookie), the
//! API key, the password (sealed or, as `import-legacy` and plain writes
//! left it, unsealed: both are bound to their row) — except what the
//! upgrade finds planted: a hash copied between rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

mod common;

use std::sync::Arc;

use auth_service::keys::CredentialKeys;
use common::{PASSWORD, Service, problem};
use guardrail::{
    axum::session::SessionDigest,
    password::{Params, PasswordHasher},
    secret::{ExposeSecret, SecretString},
    token::{
        api_key::{ApiKeyIssuer, StoredApiKey},
        random,
    },
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

/// The second release's migration 2, byte for byte; it left
/// `PRAGMA user_version = 2`.
const RELEASE_2_MIGRATION_2: &str = "ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;";

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
    // Stored-format move (migration 4): the row the first release keyed by
    // SHA-256(token) is now keyed by the service's MAC of that SHA-256 —
    // the same row, found under its new digest.
    let keys = credential_keys(&s);
    let rows = |token: &SecretString| {
        let c = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
        let count = |digest: &[u8]| {
            c.query_row("SELECT COUNT(*) FROM sessions WHERE digest = ?1", [digest], |r| r.get::<_, i64>(0)).unwrap()
        };
        let old = release_1_digest(token);
        let new = SessionDigest::rekey(&keys.session, &old.clone().try_into().unwrap());
        (count(&old), count(new.as_bytes()))
    };
    assert_eq!((rows(&live), rows(&idle)), ((0, 1), (0, 0)));

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
    assert_eq!(version, auth_service::db::latest_version(), "migrations 2, 3 and 4 ran");
    let _: i64 = c.query_row("SELECT last_seen FROM sessions LIMIT 1", [], |r| r.get(0)).unwrap();
    drop(c);
    s.stop().await;
}

/// The keys the running service digests credentials under (read from its
/// database, sealed under its keyring).
fn credential_keys(s: &Service) -> CredentialKeys {
    let (keyring, _) = auth_service::keys::load_or_create_keyring(&s.dir.path().join("keyring.json"), None).unwrap();
    let db = auth_service::db::Db::open(&s.dir.path().join("auth.db")).unwrap();
    auth_service::keys::credential_keys(&db, &Arc::new(keyring)).unwrap()
}

fn logged() -> String {
    String::from_utf8_lossy(&common::logs().lock().unwrap()).into_owned()
}

const BOB_PASSWORD: &str = "bob's own long passphrase";
/// Django's salted MD5 of [`PASSWORD`] (crates/password/tests/data/legacy.tsv),
/// as `import-legacy` stored it before hashes were bound.
const LEGACY_MD5: &str = "md5$uTEiRPOEYZhT$dbc47db7d74b72ec5adfdd3aaeb17e93";
/// A look-alike of "hello" (a digit one for an l) the second release let
/// register beside it.
const LOOK_ALIKE: &str = "he1lo";

/// What a release-2 file holds, for the assertions.
struct Release2 {
    live: SecretString,
    idle: SecretString,
    key: SecretString,
    stored_key: StoredApiKey,
    bob_sealed: String,
    ids: std::collections::HashMap<&'static str, i64>,
}

/// An argon2 hash far over the caps (m = 4 GiB): `bind` refuses it.
const OVER_CAPS: &str =
    "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$dGFndGFndGFndGFndGFndGFndGFndGFndGFnZw";

/// Writes `dir/auth.db` exactly as the second release left it (migrations
/// 1 and 2, `user_version = 2`): unsealed rows that release trusted (a
/// plain argon2 hash, a legacy one `import-legacy` stored), what an
/// attacker who could write it planted (bob's sealed hash copied into
/// alice's row, one plain hash in carol's and dave's), a hash over the
/// caps, and two look-alike usernames.
fn release_2_database(dir: &std::path::Path) -> Release2 {
    let path = dir.join("auth.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(RELEASE_1_SCHEMA).unwrap();
    c.execute_batch(RELEASE_2_MIGRATION_2).unwrap();
    c.pragma_update(None, "user_version", 2).unwrap();
    let (keyring, _) = auth_service::keys::load_or_create_keyring(&dir.join("keyring.json"), None).unwrap();
    let params = Params::new(256, 1, 1).unwrap();
    let sealing = PasswordHasher::new(params).with_pepper(Arc::new(keyring));
    let sealed = |password: &str| {
        let hash = sealing.hash(&SecretString::from(password)).unwrap().as_str_for_storage().to_owned();
        assert!(hash.starts_with("$guardrail-sealed$v1$"), "the second release sealed v1");
        hash
    };
    let plain = PasswordHasher::new(params).hash(&SecretString::from(PASSWORD)).unwrap();
    let bob_sealed = sealed(BOB_PASSWORD);
    let plain_copy = PasswordHasher::new(params).hash(&SecretString::from(BOB_PASSWORD)).unwrap();
    let rows = [
        ("ada", sealed(PASSWORD)),
        ("bob", bob_sealed.clone()),
        ("alice", bob_sealed.clone()),
        ("plain", plain.as_str_for_storage().to_owned()),
        ("legacy", LEGACY_MD5.to_owned()),
        ("carol", plain_copy.as_str_for_storage().to_owned()),
        ("dave", plain_copy.as_str_for_storage().to_owned()),
        ("overcaps", OVER_CAPS.to_owned()),
        ("hello", sealed(PASSWORD)),
        (LOOK_ALIKE, sealed(PASSWORD)),
    ];
    let mut ids = std::collections::HashMap::new();
    for (n, (name, hash)) in rows.into_iter().enumerate() {
        c.execute(
            "INSERT INTO users (email, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![format!("user{n}@example.com"), name, hash, now() - 7200],
        )
        .unwrap();
        ids.insert(name, c.last_insert_rowid());
    }
    let (live, idle) = (release_1_token(), release_1_token());
    for (token, last_seen) in [(&live, now() - 60), (&idle, now() - 3600)] {
        c.execute(
            "INSERT INTO sessions (digest, user_id, created_at, expires_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![release_1_digest(token), ids["ada"], now() - 3600, now() + 3600, last_seen],
        )
        .unwrap();
    }
    let (key, stored_key) = ApiKeyIssuer::new("authsvc_live").unwrap().issue().unwrap();
    c.execute(
        "INSERT INTO api_keys (lookup_id, user_id, name, digest, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![stored_key.lookup_id(), ids["ada"], "ci", stored_key.digest_hex(), now() - 3600],
    )
    .unwrap();
    drop(c);
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    Release2 { live, idle, key, stored_key, bob_sealed, ids }
}

/// Whether one `authn_hash_copied` line names both ids.
fn copy_logged(log: &str, a: i64, b: i64) -> bool {
    log.lines().any(|l| l.contains("authn_hash_copied") && l.contains(&a.to_string()) && l.contains(&b.to_string()))
}

fn stored_hash(s: &Service, id: i64) -> String {
    let c = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
    c.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_2_database_keeps_its_credentials_and_refuses_what_was_planted() {
    common::logs();
    let dir = tempfile::tempdir().unwrap();
    let old = release_2_database(dir.path());
    let config = common::config(dir.path());
    let s = Service::start_in(dir, config).await;
    let me = |token: &SecretString| {
        s.http.get(s.url("/me")).header(header::COOKIE, format!("__Host-session={}", token.expose_secret())).send()
    };

    // Sessions: the live one still works (its row rekeyed), the idle one not.
    let r = me(&old.live).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["username"], "ada");
    assert_eq!(me(&old.idle).await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // The API key works, and its row now holds the keyed digest.
    let r = s.http.get(s.url("/whoami")).bearer_auth(old.key.expose_secret()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let c = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
    let digest: String = c
        .query_row("SELECT digest FROM api_keys WHERE lookup_id = ?1", [old.stored_key.lookup_id()], |r| r.get(0))
        .unwrap();
    assert_ne!(digest, old.stored_key.digest_hex(), "the unkeyed digest is gone");
    assert_eq!(digest, old.stored_key.rekey(&credential_keys(&s).api_key).digest_hex());
    // Migration 4 tagged every row it kept to its account (db/tag.rs): the
    // key re-pointed at bob is refused.
    for table in ["sessions", "api_keys"] {
        let untagged: i64 =
            c.query_row(&format!("SELECT COUNT(*) FROM {table} WHERE tag IS NULL"), [], |r| r.get(0)).unwrap();
        assert_eq!(untagged, 0, "{table}: every row tagged");
    }
    c.execute("UPDATE api_keys SET user_id = ?1", [old.ids["bob"]]).unwrap();
    let r = s.http.get(s.url("/whoami")).bearer_auth(old.key.expose_secret()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a migrated key re-pointed at bob");

    // ada's v1 seal was rebound to her row: she logs in.
    assert_eq!(s.login("ada", PASSWORD).await.status(), StatusCode::OK);
    assert!(stored_hash(&s, old.ids["ada"]).starts_with("$guardrail-sealed$v2$"));

    // The copy: neither row holding bob's sealed text was rebound (which
    // is the original cannot be told), so bob's password opens neither;
    // logged with the ids, never the hash.
    for who in ["alice", "bob"] {
        let r = s.login(who, BOB_PASSWORD).await;
        assert_eq!(problem(r).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()), "{who}");
        assert_eq!(stored_hash(&s, old.ids[who]), old.bob_sealed, "{who}'s row left as it was");
    }
    let log = logged();
    assert!(copy_logged(&log, old.ids["bob"], old.ids["alice"]), "authn_hash_copied names bob and alice");
    assert!(!log.contains(&old.bob_sealed), "a sealed hash in the log");

    // The unsealed rows the second release trusted (a plain argon2 hash,
    // a legacy one `import-legacy` stored) were bound to their rows: they
    // log in without AUTH_SERVICE_ACCEPT_UNSEALED_HASHES.
    for who in ["plain", "legacy"] {
        assert!(stored_hash(&s, old.ids[who]).starts_with("$guardrail-sealed$v2$"), "{who} bound at upgrade");
        assert_eq!(s.login(who, PASSWORD).await.status(), StatusCode::OK, "{who}");
    }
    // An unsealed text two rows hold is a copy, like a sealed one.
    let plain_copy = stored_hash(&s, old.ids["carol"]);
    assert_eq!(plain_copy, stored_hash(&s, old.ids["dave"]), "carol's and dave's rows left as they were");
    for who in ["carol", "dave"] {
        let r = s.login(who, BOB_PASSWORD).await;
        assert_eq!(problem(r).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()), "{who}");
    }
    assert!(copy_logged(&log, old.ids["carol"], old.ids["dave"]), "authn_hash_copied names carol and dave");
    // A hash `bind` refuses stays as it is, logged by id and reason code.
    assert_eq!(stored_hash(&s, old.ids["overcaps"]), OVER_CAPS);
    let refused = log.lines().find(|l| l.contains("authn_hash_not_bound")).expect("authn_hash_not_bound logged");
    assert!(
        refused.contains(&format!("user_id={}", old.ids["overcaps"])) && refused.contains("hash_over_caps"),
        "{refused}"
    );
    assert!(!log.contains(&plain_copy) && !log.contains(OVER_CAPS), "a hash in the log");

    // Look-alikes stored before the skeleton index both still log in; a
    // third one cannot register.
    assert_eq!(s.login("hello", PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(s.login(LOOK_ALIKE, PASSWORD).await.status(), StatusCode::OK);
    let r = s.signup("third@example.com", "he11o", "a brand new passphrase").await;
    assert_eq!(problem(r).await, (StatusCode::CONFLICT, "already_exists".into()));
    assert!(log.contains("user_lookalike_existing"), "the existing look-alike is logged");

    let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, 4);
    for token in [&old.live, &old.idle, &old.key] {
        assert!(!log.contains(token.expose_secret()), "a credential in the log");
    }
    drop(c);

    // A plain hash written after the upgrade is refused as unbound (the
    // same 401, an error for the operators).
    let planted = PasswordHasher::new(Params::new(256, 1, 1).unwrap()).hash(&SecretString::from(PASSWORD)).unwrap();
    let c = rusqlite::Connection::open(s.dir.path().join("auth.db")).unwrap();
    c.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![old.ids["plain"], planted.as_str_for_storage()],
    )
    .unwrap();
    drop(c);
    let r = s.login("plain", PASSWORD).await;
    assert_eq!(problem(r).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));
    let log = logged();
    let unbound = format!("user_id={}", old.ids["plain"]);
    assert!(
        log.lines().any(|l| l.contains("authn_login_fail") && l.contains("unbound_hash") && l.contains(&unbound)),
        "the planted row logged as unbound_hash"
    );

    // With the migration setting on, an unsealed row logs in once and is
    // stored bound from then on.
    let mut s = s;
    let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().unwrap());
    s.stop().await;
    let mut config = common::config(dir.path());
    config.accept_unsealed_hashes = true;
    let s = Service::start_in(dir, config).await;
    assert_eq!(s.login("plain", PASSWORD).await.status(), StatusCode::OK);
    assert!(stored_hash(&s, old.ids["plain"]).starts_with("$guardrail-sealed$v2$"));
    s.stop().await;
}
