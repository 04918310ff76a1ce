//! The operator's admin commands (`src/admin.rs`), run as the runbooks run
//! them: the real binary against the database and keyring of a server
//! running in this process (127.0.0.1 port 0), each command's effect
//! checked through the HTTP API and the database, and no secret in any
//! output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

mod common;

use std::{
    io::Write,
    path::Path,
    process::{Command, Stdio},
};

use auth_service::{Running, db::Db, keys, outbox};
use common::{PASSWORD, Session};
use guardrail::{
    keys::{Algorithm, Keyring},
    secret::{
        ExposeSecret,
        store::{Mode, write_private},
    },
};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_auth-service");

/// The bcrypt (cost 4) and Django PBKDF2 (3000 iterations) hashes of
/// [`PASSWORD`] (crates/password/tests/data/legacy.tsv).
const BCRYPT: &str = "$2b$04$NipeDIRgnjysBwA6NCTujOC.4AuCksnMIF6pJtBoaBgw0kOtpKmQ.";
const PBKDF2: &str = "pbkdf2_sha256$3000$UEDlfGulR5Wf$13MBbXComKgIOOAU0ZtbXudZ1t7p8y9J+M7F05OyDE0=";

/// What one run of the binary gave.
#[derive(Debug)]
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `auth-service ARGS` over `dir`'s database and keyring (the settings the
/// in-process server uses), `stdin` on its standard input.
fn admin(dir: &Path, args: &[&str], stdin: &str) -> Out {
    tokio::task::block_in_place(|| {
        let mut child = Command::new(BIN)
            .env_clear()
            .env("AUTH_SERVICE_DB", dir.join("auth.db"))
            .env("AUTH_SERVICE_KEYRING", dir.join("keyring.json"))
            .env("AUTH_SERVICE_ARGON2", "256,1,1")
            .env("RUST_LOG", "info")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Out { code: out.status.code(), stdout: text(&out.stdout), stderr: text(&out.stderr) }
    })
}

/// Asserts that no run printed any of `secrets`.
fn no_secret(outs: &[&Out], secrets: &[&str]) {
    for out in outs {
        for secret in secrets {
            assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret), "a secret was printed: {out:?}");
        }
    }
}

/// A server over `dir`'s files, and a client.
struct Server {
    running: Running,
    url: String,
    http: reqwest::Client,
}

impl Server {
    async fn start(dir: &Path) -> Self {
        let running = auth_service::start(common::config(dir)).await.unwrap();
        let url = format!("http://{}", running.addr);
        Self { running, url, http: reqwest::Client::new() }
    }

    async fn restart(self, dir: &Path) -> Self {
        self.running.stop().await.unwrap();
        Self::start(dir).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    async fn login(&self, login: &str, password: &str) -> reqwest::Response {
        let body = json!({ "login": login, "password": password });
        self.http.post(self.url("/login")).json(&body).send().await.unwrap()
    }

    async fn session(&self, login: &str, password: &str) -> Session {
        let r = self.login(login, password).await;
        assert_eq!(r.status(), StatusCode::OK, "{login}");
        Session::from_login(r).await
    }

    async fn signup(&self, username: &str) -> Session {
        let body = json!({ "email": format!("{username}@example.com"), "username": username, "password": PASSWORD });
        let r = self.http.post(self.url("/signup")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        self.session(username, PASSWORD).await
    }

    /// A new API key of `who`: `(key, lookup id)`.
    async fn api_key(&self, who: &Session, name: &str) -> (String, String) {
        let r = self
            .http
            .post(self.url("/api-keys"))
            .header(header::COOKIE, &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        (v["key"].as_str().unwrap().to_owned(), v["id"].as_str().unwrap().to_owned())
    }

    async fn me(&self, who: &Session) -> StatusCode {
        self.http.get(self.url("/me")).header(header::COOKIE, &who.cookie).send().await.unwrap().status()
    }

    async fn whoami(&self, key: &str) -> StatusCode {
        self.http.get(self.url("/whoami")).bearer_auth(key).send().await.unwrap().status()
    }
}

/// The `service_keys` rows of `dir`'s database, as stored.
fn service_keys(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let conn = rusqlite::Connection::open(dir.join("auth.db")).unwrap();
    let mut stmt = conn.prepare("SELECT name, sealed FROM service_keys ORDER BY name").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

/// The outbox kinds waiting for `dir`'s accounts, oldest first.
fn outbox_kinds(dir: &Path) -> Vec<(i64, String)> {
    let (keyring, _) = keys::load_or_create_keyring(&dir.join("keyring.json"), None).unwrap();
    let db = Db::open(&dir.join("auth.db")).unwrap();
    outbox::next_batch(&db, &keyring, 1000).unwrap().into_iter().map(|m| (m.user_id, m.kind)).collect()
}

/// `users.id` of `username`.
fn user_id(dir: &Path, username: &str) -> i64 {
    let db = Db::open(&dir.join("auth.db")).unwrap();
    let name = username.to_owned();
    db.call_blocking(move |c| c.query_row("SELECT id FROM users WHERE username = ?1", [name], |r| r.get(0))).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_count_and_end_touch_the_named_accounts_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let ada = s.signup("ada").await;
    let ada2 = s.session("ada@example.com", PASSWORD).await;
    let bob = s.signup("bob").await;
    // A typo'd line that may be a password: reported by number only.
    let users = "# accounts to end\nADA\n\nnot-a-user-hunter2\nada@example.com\n";

    let count = admin(dir.path(), &["sessions", "count", "--users", "-"], users);
    assert_eq!((count.code, count.stdout.as_str()), (Some(1), "ada\t2\n"), "{count:?}");
    assert!(count.stderr.contains("line 4: no such account"), "{count:?}");
    let all = admin(dir.path(), &["sessions", "count", "--all"], "");
    assert_eq!((all.code, all.stdout.as_str()), (Some(0), "live sessions: 3\n"), "{all:?}");

    let end = admin(dir.path(), &["sessions", "end", "--users", "-"], users);
    assert_eq!((end.code, end.stdout.as_str()), (Some(1), "ended 2 sessions of 1 accounts\n"), "{end:?}");
    assert!(end.stderr.contains("line 4: no such account") && end.stderr.contains("session_revoked"), "{end:?}");
    assert_eq!((s.me(&ada).await, s.me(&ada2).await), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(s.me(&bob).await, StatusCode::OK, "another account's session lives on");
    let after = admin(dir.path(), &["sessions", "count", "--users", "-"], "ada\nbob\n");
    assert_eq!((after.code, after.stdout.as_str()), (Some(0), "ada\t0\nbob\t1\n"), "{after:?}");
    let ada_id = user_id(dir.path(), "ada");
    assert!(outbox_kinds(dir.path()).contains(&(ada_id, "sessions_revoked".into())));
    no_secret(&[&count, &end, &after], &["hunter2", PASSWORD, &ada.cookie, &ada.csrf]);

    // Usage errors: exit 2.
    for args in [&["sessions", "end"][..], &["sessions", "end", "--all", "--users", "-"], &["census", "--all"]] {
        assert_eq!(admin(dir.path(), args, "").code, Some(2), "{args:?}");
    }
    s.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_reset_locks_the_old_password_out_and_the_reset_flow_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let ada = s.signup("ada").await;
    let (key, _) = s.api_key(&ada, "ci").await;
    let bob = s.signup("bob").await;

    let out = admin(dir.path(), &["force-reset", "--users", "-", "--api-keys"], "ada\n");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, "forced a password reset for 1 accounts (ended 1 sessions, deleted 1 API keys)\n");
    assert!(out.stderr.contains("authn_password_reset_forced"), "{out:?}");
    no_secret(&[&out], &[PASSWORD, &key, &ada.cookie]);
    assert_eq!((s.me(&ada).await, s.whoami(&key).await), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(s.me(&bob).await, StatusCode::OK);

    // The old password answers exactly what a wrong one does.
    let old = s.login("ada", PASSWORD).await;
    let (old_status, old_body) = (old.status(), old.bytes().await.unwrap());
    let wrong = s.login("ada", "not the password").await;
    assert_eq!((old_status, old_body), (wrong.status(), wrong.bytes().await.unwrap()));
    assert_eq!(old_status, StatusCode::UNAUTHORIZED);
    let ada_id = user_id(dir.path(), "ada");
    assert!(outbox_kinds(dir.path()).contains(&(ada_id, "password_reset_required".into())));

    // Recovery: the ordinary reset flow.
    let r = s.http.post(s.url("/password-reset")).json(&json!({ "login": "ada" })).send().await.unwrap();
    assert!(r.status().is_success());
    let (keyring, _) = keys::load_or_create_keyring(&dir.path().join("keyring.json"), None).unwrap();
    let db = Db::open(&dir.path().join("auth.db")).unwrap();
    let mut token = None;
    for _ in 0..500 {
        token = outbox::next_batch(&db, &keyring, 100)
            .unwrap()
            .into_iter()
            .find(|m| m.kind == outbox::PASSWORD_RESET && m.user_id == ada_id)
            .and_then(|m| m.token);
        if token.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let new_password = "a new passphrase after the forced reset";
    let confirm = json!({ "token": token.unwrap().expose_secret(), "new_password": new_password });
    let r = s.http.post(s.url("/password-reset/confirm")).json(&confirm).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    s.session("ada", new_password).await;
    s.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_listed_and_revoked_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let ada = s.signup("ada").await;
    let (key, id) = s.api_key(&ada, "deploy bot").await;
    let (other, _) = s.api_key(&ada, "ci").await;

    let list = admin(dir.path(), &["api-keys", "list", "--all"], "");
    assert_eq!(list.code, Some(0), "{list:?}");
    let first: Vec<&str> = list.stdout.lines().next().unwrap().split('\t').collect();
    assert_eq!(first.len(), 5, "{list:?}");
    assert_eq!((first[0], first[1], first[4]), ("ada", id.as_str(), "-"));
    assert!(first[3].len() == 20 && first[3].ends_with('Z'), "RFC 3339 UTC: {}", first[3]);

    let revoke = admin(dir.path(), &["api-keys", "revoke"], &format!("{key}\n"));
    assert_eq!(revoke.code, Some(0), "{revoke:?}");
    assert_eq!(revoke.stdout, format!("revoked API key {id} of ada\n"));
    assert_eq!((s.whoami(&key).await, s.whoami(&other).await), (StatusCode::UNAUTHORIZED, StatusCode::OK));
    let again = admin(dir.path(), &["api-keys", "revoke"], &format!("{key}\n"));
    assert_eq!((again.code, again.stdout.as_str()), (Some(1), ""), "{again:?}");
    assert!(again.stderr.contains("line 1: no such API key") && !again.stderr.contains("mistyped"), "{again:?}");
    let junk = admin(dir.path(), &["api-keys", "revoke"], "not a key\n");
    assert_eq!(junk.code, Some(1));
    let left = admin(dir.path(), &["api-keys", "list", "--users", "-"], "ada\n");
    assert_eq!(left.stdout.lines().count(), 1, "{left:?}");
    assert!(outbox_kinds(dir.path()).iter().any(|(_, kind)| kind == "api_key_deleted"));
    no_secret(&[&list, &revoke, &again, &junk, &left], &[&key, &other, PASSWORD]);
    s.running.stop().await.unwrap();
}

/// Every line of stdin is read: each key revoked or reported by number;
/// a key with a wrong checksum is told apart from a key that is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_revoke_reads_every_line_and_by_id_and_by_account() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let (ada, bob) = (s.signup("ada").await, s.signup("bob").await);
    let (k1, id1) = s.api_key(&ada, "one").await;
    let (k2, id2) = s.api_key(&bob, "two").await;
    // The last character changed: the shape of a key, a wrong checksum.
    let last = k1.chars().last().unwrap();
    let typo = format!("{}{}", &k1[..k1.len() - 1], if last == 'A' { 'B' } else { 'A' });
    let stdin = format!("{k1}\n\n{typo}\n{k2}\n{k1}\n");
    let out = admin(dir.path(), &["api-keys", "revoke"], &stdin);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, format!("revoked API key {id1} of ada\nrevoked API key {id2} of bob\n"));
    assert!(out.stderr.contains("line 3: not an API key (checksum)"), "{out:?}");
    assert!(out.stderr.contains("line 5: no such API key"), "{out:?}");
    assert_eq!((s.whoami(&k1).await, s.whoami(&k2).await), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));

    let (k3, id3) = s.api_key(&ada, "three").await;
    let by_id = admin(dir.path(), &["api-keys", "revoke", "--id", &id3], "");
    assert_eq!((by_id.code, by_id.stdout.clone()), (Some(0), format!("revoked API key {id3} of ada\n")));
    assert_eq!(s.whoami(&k3).await, StatusCode::UNAUTHORIZED);
    let unknown = admin(dir.path(), &["api-keys", "revoke", "--id", &id3], "");
    assert_eq!((unknown.code, unknown.stdout.as_str(), unknown.stderr.trim_end()), (Some(1), "", "no such API key"));

    let keys = [s.api_key(&ada, "a").await.0, s.api_key(&ada, "b").await.0, s.api_key(&bob, "c").await.0];
    let deleted_before = outbox_kinds(dir.path()).iter().filter(|(_, k)| k == "api_key_deleted").count();
    let users = admin(dir.path(), &["api-keys", "revoke", "--users", "-"], "ada\n");
    assert_eq!((users.code, users.stdout.as_str()), (Some(0), "revoked 2 API keys of 1 accounts\n"), "{users:?}");
    let left = admin(dir.path(), &["api-keys", "list", "--all"], "");
    assert!(left.stdout.starts_with("bob\t") && left.stdout.lines().count() == 1, "bob's key lives on: {left:?}");
    let all = admin(dir.path(), &["api-keys", "revoke", "--all"], "");
    assert_eq!((all.code, all.stdout.as_str()), (Some(0), "revoked 1 API keys of 2 accounts\n"), "{all:?}");
    let left = admin(dir.path(), &["api-keys", "list", "--all"], "");
    assert_eq!(left.stdout, "", "{left:?}");
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(s.whoami(key).await, StatusCode::UNAUTHORIZED, "key {i}");
    }
    let deleted_after = outbox_kinds(dir.path()).iter().filter(|(_, k)| k == "api_key_deleted").count();
    assert_eq!(deleted_after, deleted_before + 3, "one api_key_deleted notice per key");
    no_secret(&[&out, &by_id, &unknown, &users, &all], &[&k1, &k2, &k3, &typo, &keys[0], &keys[1], &keys[2]]);
    s.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_service_keys_end_old_credentials_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let ada = s.signup("ada").await;
    let (key, _) = s.api_key(&ada, "ci").await;

    // While a server runs: refused, nothing changed.
    let service_keys_before = service_keys(dir.path());
    for which in ["credentials", "csrf"] {
        let refused = admin(dir.path(), &["rotate-key", which], "");
        assert_eq!((refused.code, refused.stdout.as_str()), (Some(1), ""), "{refused:?}");
        let lock = dir.path().join("auth.db.lock");
        let expected = format!(
            "auth-service: the service is running on this database ({} is locked): stop it, then rotate",
            lock.display()
        );
        assert!(refused.stderr.contains(&expected), "{refused:?}");
    }
    assert_eq!(service_keys(dir.path()), service_keys_before);
    assert_eq!((s.me(&ada).await, s.whoami(&key).await), (StatusCode::OK, StatusCode::OK));
    s.running.stop().await.unwrap();

    let out = admin(dir.path(), &["rotate-key", "credentials"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        out.stdout,
        "rotated the credential key: ended 1 sessions, deleted 1 API keys and 0 reset tokens\nrestart the service to use it\n"
    );
    let s = Server::start(dir.path()).await;
    assert_eq!((s.me(&ada).await, s.whoami(&key).await), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    let fresh = s.session("ada", PASSWORD).await;
    assert_eq!(s.me(&fresh).await, StatusCode::OK);

    // CSRF: the old token is refused after the restart; a new login's works.
    s.running.stop().await.unwrap();
    let csrf = admin(dir.path(), &["rotate-key", "csrf"], "");
    assert_eq!(csrf.code, Some(0), "{csrf:?}");
    assert!(csrf.stdout.ends_with("clients fetch a new one at login\nrestart the service to use it\n"), "{csrf:?}");
    let s = Server::start(dir.path()).await;
    let post = |who: &Session| {
        s.http
            .post(s.url("/sessions/revoke-others"))
            .header(header::COOKIE, &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .send()
    };
    assert_eq!(post(&fresh).await.unwrap().status(), StatusCode::FORBIDDEN, "the old CSRF token");
    let renewed = s.session("ada", PASSWORD).await;
    assert!(post(&renewed).await.unwrap().status().is_success());
    no_secret(&[&out, &csrf], &[&key, PASSWORD]);
    s.running.stop().await.unwrap();
}

/// Imports one bcrypt and one Django PBKDF2 account (`import-legacy`).
fn import_legacy(dir: &Path) {
    let rows = [("bea", BCRYPT), ("dango", PBKDF2)].map(|(name, hash)| {
        json!({ "email": format!("{name}@example.com"), "username": name, "hash": hash }).to_string()
    });
    let out = admin(dir, &["import-legacy", "-"], &(rows.join("\n") + "\n"));
    assert_eq!(out.stdout, "imported 2 users, skipped 0\n", "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn census_wrap_reseal_and_key_usage_prove_the_old_key_unused() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    s.signup("ada").await;
    s.signup("bob").await;
    import_legacy(dir.path());

    let census = admin(dir.path(), &["census"], "");
    assert_eq!(census.code, Some(0), "{census:?}");
    assert_eq!(
        census.stdout,
        "argon2id m=256,t=1,p=1\t2\nbcrypt cost=4\t1\ndjango-pbkdf2-sha256 iterations=3000\t1\n\
         sealed and bound\t4\nsealed, unbound\t0\nunsealed\t0\ntotal\t4\n"
    );

    let wrap = admin(dir.path(), &["wrap-legacy"], "");
    assert_eq!((wrap.code, wrap.stdout.as_str()), (Some(0), "wrapped 2 legacy hashes (2 already argon2id)\n"));
    let again = admin(dir.path(), &["wrap-legacy"], "");
    assert_eq!(again.stdout, "wrapped 0 legacy hashes (4 already argon2id)\n", "idempotent");
    let census = admin(dir.path(), &["census"], "");
    assert!(census.stdout.contains("bcrypt cost=4 (wrapped in argon2id)\t1\n"), "{census:?}");
    assert!(census.stdout.contains("django-pbkdf2-sha256 iterations=3000 (wrapped in argon2id)\t1\n"));

    // Rotate the keyring (what `guardrail keyring rotate` does), re-seal,
    // prove the old key unused, disable it: everyone still logs in.
    let path = dir.path().join("keyring.json");
    let mut keyring = Keyring::from_json(std::fs::read_to_string(&path).unwrap().as_str()).unwrap();
    let old = keyring.primary_id();
    let new = keyring.add_key(Algorithm::Aes256Gcm).unwrap();
    keyring.promote(new).unwrap();
    write_private(&path, keyring.export_json_insecure_plaintext_keys().as_bytes(), Mode::Replace).unwrap();
    let before = admin(dir.path(), &["key-usage"], "");
    assert!(before.stdout.starts_with(&format!("key {old}\tenabled\t-\t")), "{before:?}");
    let reseal = admin(dir.path(), &["reseal"], "");
    assert_eq!(reseal.code, Some(0), "{reseal:?}");
    assert!(reseal.stdout.starts_with("resealed 4 password hashes, "), "{reseal:?}");
    assert!(reseal.stdout.ends_with(&format!(" under key {new}\n")), "{reseal:?}");
    let usage = admin(dir.path(), &["key-usage"], "");
    let rows = 4 + 2 + outbox_kinds(dir.path()).len();
    assert_eq!(usage.stdout, format!("key {old}\tenabled\t-\t0\nkey {new}\tenabled\tprimary\t{rows}\n"), "{usage:?}");

    keyring.disable(old).unwrap();
    write_private(&path, keyring.export_json_insecure_plaintext_keys().as_bytes(), Mode::Replace).unwrap();
    let s = s.restart(dir.path()).await;
    for user in ["ada", "bob", "bea", "dango"] {
        s.session(user, PASSWORD).await;
    }
    let usage = admin(dir.path(), &["key-usage"], "");
    assert!(usage.stdout.starts_with(&format!("key {old}\tdisabled\t-\t0\n")), "{usage:?}");
    no_secret(&[&census, &wrap, &reseal, &usage], &[BCRYPT, PBKDF2, PASSWORD, "$guardrail-sealed$", "$argon2id$"]);
    s.running.stop().await.unwrap();
}

/// Every admin command is in `--help`, one usage line each, indented as
/// the rest.
#[test]
fn help_lists_every_admin_command() {
    let out = Command::new(BIN).env_clear().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for command in [
        "sessions count",
        "sessions end",
        "force-reset",
        "census",
        "wrap-legacy",
        "reseal",
        "key-usage",
        "rotate-key (csrf | credentials)",
        "api-keys revoke",
        "api-keys list",
    ] {
        assert!(help.contains(&format!("\n  auth-service {command}")), "{command}: {help}");
    }
}

#[test]
fn commands_refuse_missing_files_and_create_none() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .env_clear()
        .env("AUTH_SERVICE_DB", dir.path().join("auth.db"))
        .env("AUTH_SERVICE_KEYRING", dir.path().join("keyring.json"))
        .args(["census"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!dir.path().join("keyring.json").exists() && !dir.path().join("auth.db").exists());
}

/// `auth-service ARGS` over the files in `dir`, with the keyring at `keyring`.
fn admin_with_keyring(dir: &Path, keyring: &Path, args: &[&str]) -> Out {
    let out = Command::new(BIN)
        .env_clear()
        .env("AUTH_SERVICE_DB", dir.join("auth.db"))
        .env("AUTH_SERVICE_KEYRING", keyring)
        .env("AUTH_SERVICE_ARGON2", "256,1,1")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Out { code: out.status.code(), stdout: text(&out.stdout), stderr: text(&out.stderr) }
}

/// The read-only commands, run with a rotated COPY of the keyring, write
/// nothing: the service keys stay byte-identical and the server still
/// starts with the original keyring.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_commands_reseal_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let ada = s.signup("ada").await;
    s.api_key(&ada, "ci").await;
    s.running.stop().await.unwrap();
    let copy = dir.path().join("rotated-copy.json");
    let mut keyring =
        Keyring::from_json(std::fs::read_to_string(dir.path().join("keyring.json")).unwrap().as_str()).unwrap();
    let new = keyring.add_key(Algorithm::Aes256Gcm).unwrap();
    keyring.promote(new).unwrap();
    write_private(&copy, keyring.export_json_insecure_plaintext_keys().as_bytes(), Mode::CreateNew).unwrap();

    let before = service_keys(dir.path());
    assert_eq!(before.len(), 2);
    for args in [&["census"][..], &["key-usage"], &["sessions", "count", "--all"], &["api-keys", "list", "--all"]] {
        let out = admin_with_keyring(dir.path(), &copy, args);
        assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
    }
    assert_eq!(service_keys(dir.path()), before, "no service key re-sealed");
    let s = Server::start(dir.path()).await;
    assert_eq!(s.me(&ada).await, StatusCode::OK);
    s.running.stop().await.unwrap();
}

/// A database an older release wrote is not migrated by an admin command.
#[test]
fn admin_commands_refuse_an_older_schema_and_migrate_nothing() {
    let dir = tempfile::tempdir().unwrap();
    keys::load_or_create_keyring(&dir.path().join("keyring.json"), None).unwrap();
    // The SQL steps only: the file stops before the first step that needs keys.
    drop(Db::open(&dir.path().join("auth.db")).unwrap());
    let version = || -> i64 {
        let conn = rusqlite::Connection::open(dir.path().join("auth.db")).unwrap();
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
    };
    let old = version();
    assert!(old < auth_service::db::latest_version());
    let out = admin_with_keyring(dir.path(), &dir.path().join("keyring.json"), &["census"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let expected =
        format!("auth-service: the database is at schema version {old}; start the service once to migrate it");
    assert!(out.stderr.contains(&expected), "{out:?}");
    assert_eq!(version(), old);
}

/// Users files: `#ops@example.com` is an address, `# ...` a comment; a long
/// line is reported and skipped; a device or a FIFO is refused at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_files_comments_long_lines_and_special_files() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let body = json!({ "email": "#ops@example.com", "username": "ops", "password": PASSWORD });
    let r = s.http.post(s.url("/signup")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    s.session("ops", PASSWORD).await;
    let users = dir.path().join("users.txt");
    let long = "x".repeat(5000);
    std::fs::write(&users, format!("# comment\n#\n#ops@example.com\n{long}\n")).unwrap();
    let file = users.to_str().unwrap();
    let out = admin(dir.path(), &["sessions", "count", "--users", file], "");
    assert_eq!((out.code, out.stdout.as_str()), (Some(1), "ops\t1\n"), "{out:?}");
    assert!(out.stderr.contains("line 4: too long") && !out.stderr.contains("line 1"), "{out:?}");
    let piped = admin(dir.path(), &["sessions", "count", "--users", "-"], &format!("{long}\n#ops@example.com\n"));
    assert_eq!((piped.code, piped.stdout.as_str()), (Some(1), "ops\t1\n"), "{piped:?}");
    assert!(piped.stderr.contains("line 1: too long"), "{piped:?}");

    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for special in ["/dev/zero", fifo.to_str().unwrap()] {
        let started = std::time::Instant::now();
        let out = admin(dir.path(), &["sessions", "count", "--users", special], "");
        assert_eq!(out.code, Some(1), "{special}: {out:?}");
        assert!(out.stderr.contains("not a regular file"), "{special}: {out:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }
    s.running.stop().await.unwrap();
}

#[test]
fn help_answers_before_the_settings_are_read() {
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--help", "-h"] {
        let out = Command::new(BIN)
            .env_clear()
            .env("AUTH_SERVICE_CONFIG", dir.path().join("missing.env"))
            .arg(flag)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{flag}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("auth-service api-keys revoke --id LOOKUP_ID") && help.contains(".lock"), "{help}");
    }
}
