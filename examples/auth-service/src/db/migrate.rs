//! Schema migrations, applied in order; `PRAGMA user_version` records how
//! many ran. Append, never edit: files written by every earlier release
//! open (`tests/upgrade.rs` builds them exactly as those releases did).
//!
//! A step is SQL, run by [`Db::open`](super::Db::open), or code that needs
//! the service's keys (rekeying stored digests, binding stored hashes),
//! run by [`finish_migrations`] once the keyring is loaded. `Db::open`
//! stops before the first code step; the service serves nothing until
//! `finish_migrations` has brought the file to the latest version.

use std::collections::HashMap;

use guardrail::{
    axum::session::SessionDigest,
    password::{Error as PasswordError, PasswordHasher, SealState},
    token::{DigestKey, api_key::StoredApiKey},
    validate::SKELETON_UNICODE_VERSION,
};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{Db, DbError, binding, tag};

/// One schema step.
enum Migration {
    /// Plain SQL.
    Sql(&'static str),
    /// Code that needs the keys (one IMMEDIATE transaction with the version
    /// bump).
    Code(fn(&Transaction<'_>, &MigrationKeys<'_>) -> rusqlite::Result<()>),
}

const MIGRATIONS: &[Migration] = &[
    Migration::Sql(
        "
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
",
    ),
    // 2: the idle timeout (guardrail-axum sessions). Rows of the first
    // release keep 0, read as `created_at` (`db/store.rs`).
    Migration::Sql("ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;"),
    // 3: the credential epoch (a session lives only while its epoch is the
    // account's), look-alike usernames, API-key use, password reset and
    // the notice outbox. Also the row tags (`db/tag.rs`: a credential row
    // bound to its account under the credential keys; migration 4 tags the
    // rows earlier releases wrote) — added to this step's text before any
    // release shipped it (issue 15), never after.
    Migration::Sql(
        "
    ALTER TABLE users ADD COLUMN credential_epoch INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN username_skeleton TEXT;
    ALTER TABLE sessions ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN tag BLOB;
    ALTER TABLE api_keys ADD COLUMN last_used INTEGER;
    ALTER TABLE api_keys ADD COLUMN tag BLOB;
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE reset_tokens (digest BLOB PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, epoch INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER, tag BLOB NOT NULL);
    CREATE INDEX reset_tokens_user ON reset_tokens(user_id);
    CREATE TABLE outbox (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, kind TEXT NOT NULL, sealed BLOB NOT NULL, created_at INTEGER NOT NULL, sent_at INTEGER);
    CREATE INDEX outbox_unsent ON outbox(sent_at, id);
",
    ),
    // 4: stored credentials move under the service's keys (a database
    // writer can no longer mint one, or make another row's hash log in),
    // and usernames get their skeleton's unique index.
    Migration::Code(key_credentials),
];

/// The schema version this release writes.
#[must_use]
pub fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// What the code steps need: the peppered hasher (to bind stored hashes
/// to their rows) and the digest keys stored credentials move under.
#[derive(Debug, Clone, Copy)]
pub struct MigrationKeys<'a> {
    /// The service's hasher, with its pepper keyring.
    pub hasher: &'a PasswordHasher,
    /// The session digest key (`keys::CredentialKeys::session`).
    pub session: &'a DigestKey,
    /// The API-key digest key (`keys::CredentialKeys::api_key`).
    pub api_key: &'a DigestKey,
}

fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Runs the SQL steps not yet applied, up to the first code step.
pub(super) fn run_sql_steps(conn: &mut Connection) -> rusqlite::Result<()> {
    run(conn, None)
}

/// Runs every step not yet applied, each in its own IMMEDIATE transaction
/// with its version bump (a crash rolls the step back whole).
fn run(conn: &mut Connection, keys: Option<&MigrationKeys<'_>>) -> rusqlite::Result<()> {
    let done = version(conn)?;
    for (n, step) in (1i64..).zip(MIGRATIONS).skip(usize::try_from(done).unwrap_or(usize::MAX)) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if version(&tx)? >= n {
            continue; // another process ran it meanwhile
        }
        match (step, keys) {
            (Migration::Sql(sql), _) => tx.execute_batch(sql)?,
            (Migration::Code(f), Some(keys)) => f(&tx, keys)?,
            (Migration::Code(_), None) => return Ok(()),
        }
        tx.pragma_update(None, "user_version", n)?;
        tx.commit()?;
    }
    Ok(())
}

/// Runs the migrations [`Db::open`](super::Db::open) left (the steps that
/// need keys), bringing the file to [`latest_version`].
///
/// # Errors
/// [`DbError::Sqlite`] when a step fails (it is rolled back whole; the
/// file stays at the version before it), [`DbError::Version`] when the
/// file is still not at the latest version afterwards (a newer release
/// wrote it).
pub fn finish_migrations(db: &Db, keys: &MigrationKeys<'_>) -> Result<(), DbError> {
    let mut conn = db.lock();
    run(&mut conn, Some(keys))?;
    let found = version(&conn)?;
    if found != latest_version() {
        return Err(DbError::Version { found, expected: latest_version() });
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stored: Option<String> =
        tx.query_row("SELECT value FROM meta WHERE name = 'skeleton_unicode_version'", [], |r| r.get(0)).optional()?;
    if stored.as_deref() != Some(SKELETON_UNICODE_VERSION) {
        tracing::warn!(
            target: "security",
            from = stored.as_deref().unwrap_or("none"),
            to = SKELETON_UNICODE_VERSION,
            "username skeletons recomputed: the confusables data changed"
        );
        tx.execute("UPDATE users SET username_skeleton = NULL", [])?;
        fill_skeletons(&tx)?;
    }
    tx.commit()?;
    Ok(())
}

/// Migration 4, one transaction: session and API-key digests rekeyed and
/// their rows tagged to their accounts, stored hashes bound to their rows,
/// skeletons and their unique index, the `meta` rows.
fn key_credentials(tx: &Transaction<'_>, keys: &MigrationKeys<'_>) -> rusqlite::Result<()> {
    rekey_sessions(tx, keys.session)?;
    rekey_api_keys(tx, keys.api_key)?;
    bind_hashes(tx, keys.hasher)?;
    fill_skeletons(tx)?;
    tx.execute_batch("CREATE UNIQUE INDEX users_skeleton ON users(username_skeleton);")?;
    tx.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('credential_mac', 'v1')", [])?;
    Ok(())
}

/// `sessions.digest`: SHA-256 of the token → the keyed digest of that
/// SHA-256 (`SessionDigest::rekey`), the value `SessionDigest::of` gives
/// the same token now, and the row tagged to the account, epoch and expiry
/// it has (`db/tag.rs`); no session ends. A row that is not 32 bytes never
/// matched a token: deleted.
fn rekey_sessions(tx: &Transaction<'_>, key: &DigestKey) -> rusqlite::Result<()> {
    let rows: Vec<(Vec<u8>, i64, i64, i64)> = tx
        .prepare("SELECT digest, user_id, epoch, expires_at FROM sessions")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE sessions SET digest = ?2, tag = ?3 WHERE digest = ?1")?;
    let mut malformed = 0usize;
    for (old, user_id, epoch, expires_at) in rows {
        match <[u8; 32]>::try_from(old.as_slice()) {
            Ok(sha) => {
                let new = SessionDigest::rekey(key, &sha);
                let tag = tag::session(key, new.as_bytes(), user_id, epoch, expires_at);
                update.execute(params![old, new.as_bytes(), tag])?
            }
            Err(_) => {
                malformed += 1;
                tx.execute("DELETE FROM sessions WHERE digest = ?1", [&old])?
            }
        };
    }
    if malformed > 0 {
        tracing::warn!(target: "security", count = malformed, "malformed session rows deleted");
    }
    Ok(())
}

/// `api_keys.digest`: the unkeyed `gk-d1` digest → the keyed one
/// (`StoredApiKey::rekey`), the row tagged to its owner (`db/tag.rs`). A
/// malformed row stays (it never verified; untagged, it never will).
fn rekey_api_keys(tx: &Transaction<'_>, key: &DigestKey) -> rusqlite::Result<()> {
    let rows: Vec<(String, String, i64)> = tx
        .prepare("SELECT lookup_id, digest, user_id FROM api_keys")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE api_keys SET digest = ?2, tag = ?3 WHERE lookup_id = ?1")?;
    for (lookup, digest, user_id) in rows {
        match StoredApiKey::from_parts(&lookup, &digest) {
            Ok(stored) => {
                let digest = stored.rekey(key).digest_hex();
                let tag = tag::api_key(key, &lookup, &digest, user_id);
                update.execute(params![lookup, digest, tag])?
            }
            Err(_) => {
                tracing::warn!(target: "security", key_id = %lookup, "malformed api_keys.digest left as it is");
                0
            }
        };
    }
    Ok(())
}

/// Legacy schemes without a salt: the same password gives the same text in
/// every row, so two rows holding one such text are no evidence of a copy
/// (and someone who could write the table could have stored a digest of a
/// password they know without copying anything). Every other scheme is
/// salted at random — or, for Spring's digest encoder whose salt may be
/// empty, treated as if it were (a shared text is then left unbound).
const UNSALTED_SCHEMES: &[&str] = &[
    "django-unsalted-md5",
    "django-unsalted-sha1",
    "ldap-md5",
    "ldap-sha1",
    "ldap-hex-md5",
    "ldap-hex-sha1",
    "spring-ldap-sha",
    "plaintext",
];

/// Every stored hash not yet bound is bound to its row: a first-release
/// seal is opened and re-sealed, and an unsealed value the hasher admits
/// (a plain PHC string, a legacy hash `import-legacy` stored, a wrapped
/// one) is sealed as it is — the previous release wrote and trusted both.
/// Except a text two or more rows hold byte for byte: salts and nonces are
/// random, so all but one are copies and which is the original cannot be
/// told. They stay unbound (none of them logs in) and are logged
/// (`authn_hash_copied`, the ids only) — unless the text is of an unsalted
/// legacy scheme ([`UNSALTED_SCHEMES`]: the same password), bound in each
/// row. A value `bind` refuses (over the caps, malformed, plaintext not
/// opted in, a seal that does not open) stays as it is, logged by id and
/// reason code. After this step an unsealed row logs in only while
/// `AUTH_SERVICE_ACCEPT_UNSEALED_HASHES` is on.
fn bind_hashes(tx: &Transaction<'_>, hasher: &PasswordHasher) -> rusqlite::Result<()> {
    let mut texts: HashMap<String, Vec<i64>> = HashMap::new();
    let mut rows = tx.prepare("SELECT id, password_hash FROM users ORDER BY id")?;
    for row in rows.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (id, hash) = row?;
        if !matches!(hasher.seal_state(&hash), SealState::Bound) {
            texts.entry(hash).or_default().push(id);
        }
    }
    let mut update = tx.prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1")?;
    let mut unbound = 0usize;
    for (hash, ids) in texts {
        if ids.len() > 1 && !unsalted(hasher, &hash) {
            tracing::error!(target: "security", event = "authn_hash_copied", user_ids = ?ids, "one stored hash in several rows: left unbound, none of them logs in");
            unbound += ids.len();
            continue;
        }
        for id in ids {
            match hasher.bind(&hash, &binding(id)) {
                Ok(bound) => update.execute(params![id, bound.as_str_for_storage()])?,
                Err(e) => {
                    tracing::error!(target: "security", event = "authn_hash_not_bound", user_id = id, reason = refusal(&e), "stored hash left unbound");
                    unbound += 1;
                    0
                }
            };
        }
    }
    if unbound > 0 {
        tracing::warn!(target: "security", count = unbound, "password hashes left unbound: they log in only with AUTH_SERVICE_ACCEPT_UNSEALED_HASHES=accept-unsealed");
    }
    Ok(())
}

/// Whether `stored` is an unsealed hash of a scheme without a salt.
fn unsalted(hasher: &PasswordHasher, stored: &str) -> bool {
    matches!(hasher.seal_state(stored), SealState::Unsealed)
        && hasher.inspect(stored).is_ok_and(|info| !info.wrapped && UNSALTED_SCHEMES.contains(&info.scheme))
}

/// The reason code logged for a value `bind` refuses (never the value).
fn refusal(e: &PasswordError) -> &'static str {
    match e {
        PasswordError::OutOfPolicy { .. } => "hash_over_caps",
        PasswordError::PlaintextRefused => "plaintext_refused",
        PasswordError::Malformed { .. } => "malformed_hash",
        PasswordError::Unsupported { .. } => "unsupported_hash",
        PasswordError::Pepper => "seal_does_not_open",
        _ => "hash_unusable",
    }
}

/// Fills `username_skeleton` for every row without one, in id order: the
/// lowest id keeps a skeleton; a later look-alike keeps NULL (it still logs
/// in; no new look-alike can register) and is logged with both ids. Then
/// records the confusables' Unicode version.
fn fill_skeletons(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let mut taken: HashMap<String, i64> = tx
        .prepare("SELECT username_skeleton, id FROM users WHERE username_skeleton IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT id, username FROM users WHERE username_skeleton IS NULL ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE users SET username_skeleton = ?2 WHERE id = ?1")?;
    for (id, name) in rows {
        let Some(name) = super::existing_username(&name) else {
            tracing::warn!(target: "security", user_id = id, "stored username no longer parses: no skeleton");
            continue;
        };
        let skeleton = name.skeleton().into_string();
        if let Some(&first) = taken.get(&skeleton) {
            tracing::warn!(target: "security", event = "user_lookalike_existing", user_id = id, lookalike_of = first);
            continue;
        }
        update.execute(params![id, skeleton])?;
        taken.insert(skeleton, id);
    }
    tx.execute(
        "INSERT OR REPLACE INTO meta (name, value) VALUES ('skeleton_unicode_version', ?1)",
        [SKELETON_UNICODE_VERSION],
    )?;
    Ok(())
}
