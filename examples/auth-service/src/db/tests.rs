//! The storage functions' unit tests.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::print_stdout)] // test code

use std::sync::Arc;

use guardrail::{
    keys::{Algorithm, Keyring},
    password::{Params, PasswordHasher},
    token::DigestKey,
    validate::Username,
};

use super::*;

/// A fast hasher peppered with a new keyring.
pub(crate) fn peppered_hasher() -> PasswordHasher {
    let keyring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    PasswordHasher::new(Params::new(64, 1, 1).unwrap()).with_pepper(Arc::new(keyring))
}

/// Opens `path` and runs every migration, the keyed steps under new keys.
pub(crate) fn migrated(path: &Path) -> Db {
    let db = Db::open(path).unwrap();
    let (session, api_key) = (DigestKey::generate().unwrap(), DigestKey::generate().unwrap());
    let hasher = peppered_hasher();
    finish_migrations(&db, &MigrationKeys { hasher: &hasher, session: &session, api_key: &api_key }).unwrap();
    db
}

#[test]
fn a_user_debug_shows_no_hash_and_no_address() {
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$dGFndGFndGFndGFndGFndGFndGFndGFndGFnZw";
    let user = User {
        id: 7,
        email: "ada@example.com".into(),
        username: "ada".into(),
        password_hash: hash.into(),
        credential_epoch: 3,
    };
    let shown = format!("{user:?}");
    for secret in ["c2FsdHNhbHRz", "dGFndGFn", "argon2id", "ada@example.com"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("id: 7") && shown.contains("password_hash: \"[REDACTED]\""), "{shown}");
    assert_eq!(format!("{:?}", Login::Email("ada@example.com".into())), "Login::Email([REDACTED])");
}

/// A temporary directory holding a new, closed database `t.db`.
fn closed_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    drop(Db::open(&path).unwrap());
    (dir, path)
}

#[test]
fn migrates_once_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let db = Db::open(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let version =
        |db: &Db| -> i64 { db.call_blocking(|c| c.pragma_query_value(None, "user_version", |r| r.get(0))).unwrap() };
    assert_eq!(version(&db), 3, "open stops before the first step that needs keys");
    drop(db);
    let db = migrated(&path);
    assert_eq!(version(&db), latest_version());
    db.call_blocking(|c| insert_user(c, "a@example.com", "alice", "alice", "$h")).unwrap();
    drop(db);
    let db = migrated(&path);
    let dup = db.call_blocking(|c| insert_user(c, "A@EXAMPLE.COM", "bob", "bob", "$h")).unwrap();
    assert_eq!(dup, Inserted::Duplicate, "email uniqueness ignores case");
    let dup = db.call_blocking(|c| insert_user(c, "b@example.com", "bob", "alice", "$h")).unwrap();
    assert_eq!(dup, Inserted::Duplicate, "a taken skeleton");
    let user = db.call_blocking(|c| find_user(c, &Login::Username("alice".into()))).unwrap().unwrap();
    assert_eq!((user.email.as_str(), user.credential_epoch), ("a@example.com", 0));
    assert_eq!(version(&db), latest_version());
}

/// The skeletons' Unicode version is checked at every start: when the
/// stored one is not this build's, every skeleton is recomputed (lowest
/// id wins a collision, the later look-alike keeps none) and the version
/// stored.
#[test]
fn skeletons_are_recomputed_when_their_unicode_version_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let db = migrated(&path);
    for (email, name) in [("a@example.com", "apple"), ("b@example.com", "pear")] {
        db.call_blocking(|c| insert_user(c, email, name, name, "$h")).unwrap();
    }
    // As if an older confusables table had given "pear" a skeleton that
    // this one gives "apple".
    db.call_blocking(|c| {
        c.execute("UPDATE users SET username_skeleton = 'old' WHERE username = 'apple'", [])?;
        c.execute("UPDATE users SET username_skeleton = 'apple', username = 'app1e' WHERE username = 'pear'", [])?;
        c.execute("UPDATE meta SET value = '1.0.0' WHERE name = 'skeleton_unicode_version'", [])
    })
    .unwrap();
    drop(db);
    let db = migrated(&path);
    let rows: Vec<(String, Option<String>)> = db
        .call_blocking(|c| {
            c.prepare("SELECT username, username_skeleton FROM users ORDER BY id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .unwrap();
    let apple = Username::parse("apple").unwrap().skeleton().into_string();
    assert_eq!(rows, [("apple".into(), Some(apple)), ("app1e".into(), None)]);
    let stored: String = db
        .call_blocking(|c| {
            c.query_row("SELECT value FROM meta WHERE name = 'skeleton_unicode_version'", [], |r| r.get(0))
        })
        .unwrap();
    assert_eq!(stored, guardrail::validate::SKELETON_UNICODE_VERSION);
}

#[cfg(unix)]
#[test]
fn refuses_database_files_others_may_read_or_write() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = closed_db();
    for mode in [0o644, 0o666, 0o640, 0o660, 0o622, 0o602, 0o604] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        match Db::open(&path) {
            Err(e @ DbError::Insecure(_)) => {
                let msg = e.to_string();
                assert!(msg.contains("t.db") && msg.contains(&format!("{mode:04o}")), "{msg}");
            }
            other => panic!("mode {mode:o}: {:?}", other.map(|_| ())),
        }
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    drop(Db::open(&path).unwrap());

    // A companion SQLite would replay is held to the same rules.
    let wal = dir.path().join("t.db-wal");
    std::fs::write(&wal, b"").unwrap();
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o666)).unwrap();
    assert!(matches!(Db::open(&path), Err(DbError::Insecure(_))));
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o600)).unwrap();
    drop(Db::open(&path).unwrap());

    // A symlink, even to a good file, is refused by name.
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    assert!(matches!(Db::open(&link), Err(DbError::Symlink(p)) if p == link));
    // And a directory others may write.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    assert!(matches!(Db::open(&path), Err(DbError::Insecure(_))));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[cfg(unix)]
#[test]
fn refuses_a_database_file_another_user_owns() {
    use std::os::unix::fs::MetadataExt;
    let (_dir, path) = closed_db();
    if std::fs::metadata(&path).unwrap().uid() != 0 {
        println!("skipped: giving a file to another user needs root");
        return;
    }
    std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    let err = Db::open(&path).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("t.db") && err.contains("uid 65534"), "{err}");
}

/// A new database with one user, `alice`, and a session store over it.
fn with_alice() -> (tempfile::TempDir, Db, i64, SqliteSessions) {
    let dir = tempfile::tempdir().unwrap();
    let db = migrated(&dir.path().join("t.db"));
    let Inserted::Id(id) = db.call_blocking(|c| insert_user(c, "a@example.com", "alice", "alice", "$h")).unwrap()
    else {
        unreachable!()
    };
    let store = SqliteSessions::new(db.clone(), DigestKey::generate().unwrap());
    (dir, db, id, store)
}

/// The digest of a session token under a test key.
fn digest_of(key: &DigestKey, token: &str) -> guardrail::axum::session::SessionDigest {
    guardrail::axum::session::SessionDigest::of(key, &guardrail::secret::SecretString::from(token.to_owned()))
}

#[tokio::test]
async fn sessions_cascade_and_expire() {
    use guardrail::axum::{SessionStore as _, session::SessionRecord};
    let (_dir, db, id, store) = with_alice();
    let key = DigestKey::generate().unwrap();
    let digest = |token: &str| digest_of(&key, token);
    let (t, idle) = (now(), Duration::from_secs(600));
    let user = SessionUser { id, epoch: 0 };
    let record = |created_at, last_seen, expires_at| SessionRecord { user, created_at, last_seen, expires_at };
    for (token, r) in [
        ("keep", record(t, t, t + 60)),
        ("other", record(t, t, t + 60)),
        ("old", record(t - 120, t - 120, t - 1)),
        ("idle", record(t - 900, t - 700, t + 60)),
        ("touched", record(t - 900, t - 700, t + 60)),
    ] {
        assert!(store.insert(&digest(token), &r).await.unwrap(), "{token} stored");
    }
    store.touch(&digest("touched"), t).await.unwrap();
    assert_eq!(store.delete_expired(t, idle).await.unwrap(), 2, "past expires_at, and idle");
    assert_eq!(store.load(&digest("touched")).await.unwrap().unwrap().last_seen, t);
    assert_eq!(store.delete_others(&user, Some(&digest("keep"))).await.unwrap(), 2);
    assert!(store.load(&digest("keep")).await.unwrap().is_some());
    db.call_blocking(|c| c.execute("DELETE FROM users WHERE id = ?1", [id])).unwrap();
    assert!(store.load(&digest("keep")).await.unwrap().is_none(), "foreign keys cascade");
}

/// Fault 1 of issue 15: a session lives only under the credential epoch it
/// was made under. A change bumps the epoch; a login that checked the old
/// password and inserts afterwards stores nothing, and a row some other
/// writer put in under the old epoch is not found (and is deleted).
#[tokio::test]
async fn a_session_lives_only_under_its_credential_epoch() {
    use guardrail::axum::{SessionStore as _, session::SessionRecord};
    let (_dir, db, id, store) = with_alice();
    let key = DigestKey::generate().unwrap();
    let t = now();
    let record =
        |epoch| SessionRecord { user: SessionUser { id, epoch }, created_at: t, last_seen: t, expires_at: t + 60 };
    assert!(store.insert(&digest_of(&key, "mine"), &record(0)).await.unwrap());
    assert!(store.insert(&digest_of(&key, "other"), &record(0)).await.unwrap());
    assert!(!store.insert(&digest_of(&key, "future"), &record(1)).await.unwrap(), "an epoch the account is not at");

    // The change, as the handlers make it: hash and epoch, then the sessions.
    let keep = digest_of(&key, "mine");
    let ended = db
        .write_blocking(|tx| {
            assert!(change_hash(tx, id, 0, "$new")?);
            end_sessions_after_change(tx, id, Some((&keep, store.tag_key())), 1)
        })
        .unwrap();
    assert_eq!(ended, 1);
    assert_eq!(store.load(&keep).await.unwrap().unwrap().user, SessionUser { id, epoch: 1 }, "the changer's stays");
    assert!(store.load(&digest_of(&key, "other")).await.unwrap().is_none());

    // A login that read epoch 0 before the change inserts after it: refused.
    assert!(!store.insert(&digest_of(&key, "late login"), &record(0)).await.unwrap());
    assert!(store.load(&digest_of(&key, "late login")).await.unwrap().is_none());

    // A row written behind the store's back under the old epoch (tagged
    // as the store would) is dead, and gone once looked at.
    let planted = *digest_of(&key, "planted").as_bytes();
    let tag = tag::session(store.tag_key(), &planted, id, 0, t + 60);
    db.call_blocking(|c| {
        c.execute(
            "INSERT INTO sessions (digest, user_id, epoch, created_at, last_seen, expires_at, tag) \
             VALUES (?1, ?2, 0, ?3, ?3, ?4, ?5)",
            params![planted, id, t, t + 60, tag],
        )
    })
    .unwrap();
    assert!(store.load(&digest_of(&key, "planted")).await.unwrap().is_none());
    let left: i64 = db
        .call_blocking(|c| c.query_row("SELECT COUNT(*) FROM sessions WHERE digest = ?1", [planted], |r| r.get(0)))
        .unwrap();
    assert_eq!(left, 0, "the stale row is deleted");
    assert!(store.insert(&digest_of(&key, "new login"), &record(1)).await.unwrap(), "a login under the new epoch");
}

/// Every hash write is a compare-and-swap on what was read: an upgrade on
/// the hash and the epoch (the epoch stays), a change on the epoch (bumped).
#[test]
fn hash_writes_are_compare_and_swap() {
    let (_dir, db, id, _store) = with_alice();
    let row = || db.call_blocking(|c| user_by_id(c, id)).unwrap().unwrap();
    assert!(db.call_blocking(|c| upgrade_hash(c, id, 0, "$h", "$up")).unwrap());
    assert_eq!((row().password_hash.as_str(), row().credential_epoch), ("$up", 0), "an upgrade keeps the epoch");
    assert!(!db.call_blocking(|c| upgrade_hash(c, id, 0, "$h", "$stale")).unwrap(), "a stale hash loses");
    // A change made after an upgrade it did not see still wins: it read the epoch.
    assert!(db.call_blocking(|c| change_hash(c, id, 0, "$changed")).unwrap());
    assert_eq!((row().password_hash.as_str(), row().credential_epoch), ("$changed", 1));
    assert!(!db.call_blocking(|c| change_hash(c, id, 0, "$second")).unwrap(), "a stale epoch loses");
    assert!(
        !db.call_blocking(|c| upgrade_hash(c, id, 0, "$changed", "$old-login-upgrade")).unwrap(),
        "an upgrade read before the change loses even when the text matches"
    );
    assert_eq!((row().password_hash.as_str(), row().credential_epoch), ("$changed", 1));
}

/// Adds `bob` to a database `with_alice`; his id.
fn add_bob(db: &Db) -> i64 {
    let Inserted::Id(bob) = db.call_blocking(|c| insert_user(c, "b@example.com", "bob", "bob", "$b")).unwrap() else {
        unreachable!()
    };
    bob
}

/// How many rows of `table` match `filter` (`?1` bound to `value`).
fn count(db: &Db, table: &str, filter: &str, value: impl rusqlite::ToSql + Send + 'static) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {filter}");
    db.call_blocking(move |c| c.query_row(&sql, [value], |r| r.get(0))).unwrap()
}

/// Issue 15 fault 5 (row tags): a database writer who holds a session
/// cannot point its row at another account, keep it alive across a
/// password change by moving its epoch along, or extend its expiry; such
/// a row is not loaded, and is deleted. An untouched row still loads.
#[tokio::test]
async fn a_session_row_edited_by_a_database_writer_is_not_loaded() {
    use guardrail::axum::{SessionStore as _, session::SessionRecord};
    let (_dir, db, alice, store) = with_alice();
    let bob = add_bob(&db);
    let key = DigestKey::generate().unwrap();
    let t = now();
    let record =
        SessionRecord { user: SessionUser { id: alice, epoch: 0 }, created_at: t, last_seen: t, expires_at: t + 60 };
    let edits: [(&str, &str); 3] = [
        ("re-pointed", "UPDATE sessions SET user_id = ?2 WHERE digest = ?1"),
        (
            "epoch moved",
            "UPDATE users SET credential_epoch = 1 WHERE id = ?2 AND ?1 = ?1; \
             UPDATE sessions SET epoch = 1 WHERE digest = ?1 AND ?2 = ?2",
        ),
        ("extended", "UPDATE sessions SET expires_at = expires_at + 86400 WHERE digest = ?1 AND ?2 = ?2"),
    ];
    for (name, edit) in edits {
        let digest = digest_of(&key, name);
        db.call_blocking(|c| c.execute("UPDATE users SET credential_epoch = 0", [])).unwrap();
        assert!(store.insert(&digest, &record).await.unwrap());
        let target = if name == "re-pointed" { bob } else { alice };
        let raw = *digest.as_bytes();
        db.call_blocking(move |c| {
            for statement in edit.split("; ") {
                c.execute(statement, params![raw, target])?;
            }
            Ok(())
        })
        .unwrap();
        assert!(store.load(&digest).await.unwrap().is_none(), "{name}: not loaded");
        assert_eq!(count(&db, "sessions", "digest = ?1", raw.to_vec()), 0, "{name}: deleted");
    }
    db.call_blocking(|c| c.execute("UPDATE users SET credential_epoch = 0", [])).unwrap();
    let untouched = digest_of(&key, "untouched");
    assert!(store.insert(&untouched, &record).await.unwrap());
    db.call_blocking(|c| c.execute("UPDATE sessions SET last_seen = last_seen + 5", [])).unwrap();
    assert_eq!(store.load(&untouched).await.unwrap().unwrap().user.id, alice, "last_seen is not covered");
}

/// Issue 15 fault 5 (row tags): an API-key row pointed at another account
/// is refused (and deleted); its owner's untouched key is found.
#[tokio::test]
async fn an_api_key_row_re_pointed_by_a_database_writer_is_refused() {
    use guardrail::{axum::ApiKeyLookup as _, token::api_key::ApiKeyIssuer};
    let (_dir, db, alice, _store) = with_alice();
    let bob = add_bob(&db);
    let key = DigestKey::generate().unwrap();
    let keys = ApiKeys::new(db.clone(), key.clone());
    let issuer = ApiKeyIssuer::new("gk").unwrap().with_digest_key(key.clone());
    let mut ids = Vec::new();
    for name in ["mine", "moved"] {
        let (_key, stored) = issuer.issue().unwrap();
        let (id, digest, tag_key) = (stored.lookup_id().to_owned(), stored.digest_hex(), key.clone());
        let created =
            db.call_blocking(move |c| api_keys::insert_capped(c, &tag_key, &id, alice, name, &digest, 25)).unwrap();
        assert_eq!(created, api_keys::Created::Stored);
        ids.push(stored.lookup_id().to_owned());
    }
    let (mine, moved) = (ids[0].clone(), ids[1].clone());
    let target = moved.clone();
    db.call_blocking(move |c| c.execute("UPDATE api_keys SET user_id = ?2 WHERE lookup_id = ?1", params![target, bob]))
        .unwrap();
    assert!(keys.find(&moved).await.unwrap().is_none(), "the re-pointed key is unknown");
    assert_eq!(count(&db, "api_keys", "lookup_id = ?1", moved), 0, "and deleted");
    assert_eq!(keys.find(&mine).await.unwrap().unwrap().1, "alice", "the untouched key is found");
}

/// Issue 15 fault 5 (row tags): a reset token pointed at another account
/// (or kept across its owner's epoch, or extended) is not live.
#[test]
fn a_reset_token_row_edited_by_a_database_writer_is_refused() {
    let (_dir, db, alice, _store) = with_alice();
    let bob = add_bob(&db);
    let key = DigestKey::generate().unwrap();
    let t = now();
    let edits = [
        "UPDATE reset_tokens SET user_id = ?2 WHERE digest = ?1",
        "UPDATE reset_tokens SET epoch = epoch + 1 WHERE digest = ?1 AND ?2 = ?2",
        "UPDATE reset_tokens SET expires_at = expires_at + 3600 WHERE digest = ?1 AND ?2 = ?2",
    ];
    for (n, edit) in (0u8..).zip(edits) {
        let digest = [n; 32];
        db.call_blocking(|c| reset::insert_capped(c, &key, &digest, alice, 0, t, t + 600, 10)).unwrap();
        assert!(db.call_blocking(|c| reset::find_live(c, &key, &digest, t)).unwrap().is_some(), "stored live");
        db.call_blocking(|c| c.execute(edit, params![digest, bob])).unwrap();
        assert!(db.call_blocking(|c| reset::find_live(c, &key, &digest, t)).unwrap().is_none(), "{edit}");
        assert_eq!(count(&db, "reset_tokens", "digest = ?1", digest.to_vec()), 0, "deleted: {edit}");
    }
}

/// Migration 4 binds every stored hash the previous release trusted — its
/// v1 seals and the unsealed values `import-legacy` or a plain write left —
/// except a salted text found in two rows (a copy) and what the hasher
/// refuses; identical unsalted legacy digests (the same password) are bound
/// in each row.
#[test]
fn migration_4_binds_what_the_previous_release_trusted() {
    use guardrail::{password::Verification, secret::SecretString};
    const PW: &str = "correct horse battery staple";
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("t.db")).unwrap();
    let hasher = peppered_hasher();
    let plain = PasswordHasher::new(Params::new(64, 1, 1).unwrap());
    let hash = |h: &PasswordHasher| h.hash(&SecretString::from(PW)).unwrap().as_str_for_storage().to_owned();
    let copied = hash(&plain);
    let unsalted = "md5$$9cc2ae8a1ba7a93da39b46fc1019c481"; // Django's unsalted MD5 of PW
    let over_caps = "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$dGFndGFndGFndGFndGFndGFndGFndGFndGFnZw";
    let rows = [
        ("sealed", hash(&hasher)),
        ("plain", hash(&plain)),
        ("legacy", "md5$uTEiRPOEYZhT$dbc47db7d74b72ec5adfdd3aaeb17e93".into()), // Django's salted MD5 of PW
        ("unsalted1", unsalted.into()),
        ("unsalted2", unsalted.into()),
        ("copy1", copied.clone()),
        ("copy2", copied.clone()),
        ("overcaps", over_caps.into()),
        ("noop", format!("{{noop}}{PW}")),
    ];
    let ids: Vec<i64> = rows
        .iter()
        .map(|(name, hash)| {
            let (name, hash) = ((*name).to_owned(), hash.clone());
            db.call_blocking(move |c| {
                c.execute(
                    "INSERT INTO users (email, username, password_hash, created_at) VALUES (?1, ?1, ?2, 0)",
                    params![name, hash],
                )?;
                Ok(c.last_insert_rowid())
            })
            .unwrap()
        })
        .collect();
    let (session, api_key) = (DigestKey::generate().unwrap(), DigestKey::generate().unwrap());
    finish_migrations(&db, &MigrationKeys { hasher: &hasher, session: &session, api_key: &api_key }).unwrap();
    for ((name, before), id) in rows.iter().zip(ids) {
        let stored: String = db
            .call_blocking(move |c| c.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| r.get(0)))
            .unwrap();
        let bound = !matches!(*name, "copy1" | "copy2" | "overcaps" | "noop");
        if bound {
            assert!(stored.starts_with("$guardrail-sealed$v2$"), "{name} bound");
            let ok = hasher.verify_bound(&SecretString::from(PW), &stored, &binding(id)).unwrap();
            assert!(matches!(ok, Verification::Valid { .. }), "{name} verifies under its own row");
            let other = hasher.verify_bound(&SecretString::from(PW), &stored, &binding(id + 100)).unwrap();
            assert!(matches!(other, Verification::Invalid), "{name} does not verify under another row");
        } else {
            assert_eq!(&stored, before, "{name} left as it was");
        }
    }
}
