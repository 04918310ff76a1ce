//! Schema migrations, applied in order; `PRAGMA user_version` records how
//! many ran. Append, never edit: files written by every earlier release
//! open (`tests/upgrade.rs` builds them exactly as those releases did).
//!
//! A step is SQL, run by [`Db::open`](super::Db::open), or code that needs
//! the service's keys (rekeying stored digests, rebinding sealed hashes),
//! run by [`finish_migrations`] once the keyring is loaded. `Db::open`
//! stops before the first code step; the service serves nothing until
//! `finish_migrations` has brought the file to the latest version.

use guardrail::{password::PasswordHasher, token::DigestKey};
use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::{Db, DbError};

/// One schema step.
enum Migration {
    /// Plain SQL.
    Sql(&'static str),
    /// Code that needs the keys (one IMMEDIATE transaction with the version
    /// bump).
    #[allow(dead_code)] // migration 4 is the first; it lands with its keys
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
    // the notice outbox.
    Migration::Sql(
        "
    ALTER TABLE users ADD COLUMN credential_epoch INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN username_skeleton TEXT;
    ALTER TABLE sessions ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE api_keys ADD COLUMN last_used INTEGER;
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE reset_tokens (digest BLOB PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, epoch INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
    CREATE INDEX reset_tokens_user ON reset_tokens(user_id);
    CREATE TABLE outbox (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, kind TEXT NOT NULL, sealed BLOB NOT NULL, created_at INTEGER NOT NULL, sent_at INTEGER);
    CREATE INDEX outbox_unsent ON outbox(sent_at, id);
",
    ),
];

/// The schema version this release writes.
#[must_use]
pub fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// What the code steps need: the peppered hasher (to rebind sealed hashes
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
    Ok(())
}
