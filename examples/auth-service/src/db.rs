//! Storage: one embedded SQLite file, created and migrated on start.
//!
//! What is stored, and what is not:
//! - `users.password_hash`: an argon2id PHC string sealed under the keyring
//!   (the pepper), or a legacy hash imported as it was until its owner's
//!   first login replaces it.
//! - `sessions.digest`: SHA-256 of the session token. The token itself is
//!   only ever in the client's cookie: a copy of the database logs no one in.
//! - `api_keys.digest`: SHA-256 of the API key, found by its public lookup id.
//! - `service_keys`: the CSRF MAC key, sealed under the keyring.
//!
//! Every statement takes its values as parameters; no SQL is built from input.
//! The query functions are `pub(crate)`: the handlers, the import and the
//! key loader are their only callers, and each returns SQLite's error as
//! it came ([`Db::call`] wraps it in [`DbError::Sqlite`]).
//!
//! The file is treated like the keyring: it holds password hashes, session
//! and API-key digests and e-mail addresses, and whoever can write it can
//! add an account or a session. See [`Db::open`].

use std::{
    path::Path,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

mod store;

pub(crate) use store::delete_other_sessions;
pub use store::{ApiKeys, SqliteSessions};

/// Schema migrations, applied in order; `PRAGMA user_version` records how
/// many ran. Append, never edit: files written by every earlier release
/// open (`tests/upgrade.rs` builds one exactly as the first release did).
const MIGRATIONS: &[&str] = &[
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
    // 2: the idle timeout (guardrail-axum sessions). Rows of the first
    // release keep 0, read as `created_at` (`db/store.rs`).
    "ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;",
];

/// A storage failure. SQLite's messages name tables and constraints, not
/// the values bound to a statement.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused or failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file could not be created.
    #[error("creating the database file: {0}")]
    Create(std::io::Error),
    /// The database file, or a `-wal`, `-shm` or `-journal` file beside it,
    /// is refused: others may read or write it, another user owns it or a
    /// directory above it, or it is not a regular file.
    #[error("database: {0}")]
    Insecure(guardrail::secret::Error),
    /// The database path is a symlink (SQLite names its `-wal` and `-shm`
    /// files after the path it is given, so they would land beside the
    /// link, not the file).
    #[error("database file {} is a symlink: configure the real path", .0.display())]
    Symlink(std::path::PathBuf),
    /// The file SQLite opened is not the one that was checked.
    #[error("database file {} changed while it was being opened", .0.display())]
    Changed(std::path::PathBuf),
    /// The database task could not finish.
    #[error("database task failed")]
    Task,
    /// A stored value does not parse (named by table and column).
    #[error("database: malformed {0}")]
    Malformed(&'static str),
}

/// The connection, shared; every call runs on tokio's blocking pool so a
/// slow disk never stalls the executor.
#[derive(Debug, Clone)]
pub struct Db(Arc<Mutex<Connection>>);

/// A user row. Its `Debug` shows the id and the user name only: the stored
/// hash (salt and tag, or a legacy hash) and the e-mail address stay out
/// of logs (`debug!(?user)`).
#[derive(Clone)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Normalised email address.
    pub email: String,
    /// Normalised username.
    pub username: String,
    /// Stored hash (sealed argon2id or imported legacy).
    pub password_hash: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &"[REDACTED]")
            .field("username", &self.username)
            .field("password_hash", &"[REDACTED]")
            .finish()
    }
}

/// How a login names its account. `Debug` names the kind only, as
/// `Email`'s own `Debug` masks the address.
#[derive(Clone)]
pub enum Login {
    /// By (normalised) email address.
    Email(String),
    /// By (normalised) username.
    Username(String),
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Email(_) => "Login::Email([REDACTED])",
            Self::Username(_) => "Login::Username([REDACTED])",
        })
    }
}

/// Result of inserting a row with unique columns.
#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    /// The new row's id.
    Id(i64),
    /// A unique column already holds this value.
    Duplicate,
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`.
    ///
    /// An existing file is held to the keyring's rules before SQLite sees
    /// it: not a symlink, and through `guardrail::secret`'s
    /// [`FileLoader::open`](guardrail::secret::load::FileLoader::open) a
    /// regular file owned by this user (or root), neither readable nor
    /// writable by group or others, in directories only its owner or root
    /// can change; the same for a `-wal`, `-shm` or `-journal` file left
    /// beside it (SQLite would replay a planted `-wal`).
    ///
    /// SQLite opens the file by its path itself, so the check is made on
    /// our own descriptor of that path, which stays open while SQLite opens
    /// it with `SQLITE_OPEN_NOFOLLOW`; then both are compared (device and
    /// inode). Nobody else can swap the file in between: the checked
    /// directories are writable only by this user or root. SQLite creates
    /// its `-wal` and `-shm` files with the database file's mode (0600),
    /// whatever the process umask.
    ///
    /// # Errors
    /// [`DbError::Symlink`], [`DbError::Insecure`] or [`DbError::Changed`]
    /// when a check above fails, [`DbError::Create`] when the file cannot be
    /// created, [`DbError::Sqlite`] when SQLite cannot open or migrate it.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        create_owner_only(path)?;
        let checked = check_files(path)?;
        let flags = rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let mut conn = Connection::open_with_flags(path, flags)?;
        same_file(&checked, path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrate(&mut conn)?;
        Ok(Self(Arc::new(Mutex::new(conn))))
    }

    /// Runs `f` with the connection on the blocking pool.
    ///
    /// # Errors
    /// `f`'s error as [`DbError::Sqlite`]; [`DbError::Task`] when the
    /// blocking task panicked or was cancelled.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let db = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let conn = db.lock().unwrap_or_else(PoisonError::into_inner);
            f(&conn).map_err(DbError::from)
        })
        .await
        .map_err(|_| DbError::Task)?
    }

    /// Runs `f` with the connection on the current thread (start-up and
    /// commands, outside the executor).
    ///
    /// # Errors
    /// `f`'s error as [`DbError::Sqlite`].
    pub fn call_blocking<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, DbError> {
        let conn = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(&conn).map_err(DbError::from)
    }
}

/// Creates the database file readable by its owner only (it holds email
/// addresses); SQLite gives its `-wal` and `-shm` files the same mode.
fn create_owner_only(path: &Path) -> Result<(), DbError> {
    use guardrail::secret::store::{Mode, write_private};
    match write_private(path, b"", Mode::CreateNew) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(DbError::Create(e)),
    }
}

/// Checks the database file and any companion SQLite left beside it;
/// returns the checked database file, open.
fn check_files(path: &Path) -> Result<std::fs::File, DbError> {
    let checked = check_file(path)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut companion = path.as_os_str().to_owned();
        companion.push(suffix);
        let companion = std::path::PathBuf::from(companion);
        match std::fs::symlink_metadata(&companion) {
            Ok(_) => drop(check_file(&companion)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(DbError::Create(e)),
        }
    }
    Ok(checked)
}

fn check_file(path: &Path) -> Result<std::fs::File, DbError> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(DbError::Symlink(path.to_path_buf()));
    }
    guardrail::secret::load::FileLoader::new().open(path).map_err(DbError::Insecure)
}

/// Whether `path` (as SQLite just opened it) is still the checked file.
#[cfg(unix)]
fn same_file(checked: &std::fs::File, path: &Path) -> Result<(), DbError> {
    use std::os::unix::fs::MetadataExt;
    let (a, b) = (checked.metadata(), std::fs::symlink_metadata(path));
    match (a, b) {
        (Ok(a), Ok(b)) if (a.dev(), a.ino()) == (b.dev(), b.ino()) => Ok(()),
        _ => Err(DbError::Changed(path.to_path_buf())),
    }
}

#[cfg(not(unix))]
fn same_file(_checked: &std::fs::File, _path: &Path) -> Result<(), DbError> {
    Ok(())
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let done: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (n, sql) in (1i64..).zip(MIGRATIONS).skip(usize::try_from(done).unwrap_or(usize::MAX)) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", n)?;
        tx.commit()?;
    }
    Ok(())
}

/// Seconds since the Unix epoch.
#[must_use]
pub fn now() -> i64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

/// Inserts a user; [`Inserted::Duplicate`] if the email or username is taken.
pub(crate) fn insert_user(conn: &Connection, email: &str, username: &str, hash: &str) -> rusqlite::Result<Inserted> {
    match conn.execute(
        "INSERT INTO users (email, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![email, username, hash, now()],
    ) {
        Ok(_) => Ok(Inserted::Id(conn.last_insert_rowid())),
        Err(e) if is_unique_violation(&e) => Ok(Inserted::Duplicate),
        Err(e) => Err(e),
    }
}

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User { id: row.get(0)?, email: row.get(1)?, username: row.get(2)?, password_hash: row.get(3)? })
}

/// The user a login names, if any.
pub(crate) fn find_user(conn: &Connection, login: &Login) -> rusqlite::Result<Option<User>> {
    let (sql, value) = match login {
        Login::Email(e) => ("SELECT id, email, username, password_hash FROM users WHERE email = ?1", e),
        Login::Username(u) => ("SELECT id, email, username, password_hash FROM users WHERE username = ?1", u),
    };
    conn.prepare_cached(sql)?.query_row([value], user_from_row).optional()
}

/// The user with this id.
pub(crate) fn user_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<User>> {
    conn.query_row("SELECT id, email, username, password_hash FROM users WHERE id = ?1", [id], user_from_row).optional()
}

/// Replaces a stored hash only if it is still `old` (two concurrent
/// logins both asking for an upgrade store one of them, never a stale one
/// over a password change). Returns whether it was replaced.
pub(crate) fn replace_hash(conn: &Connection, id: i64, old: &str, new: &str) -> rusqlite::Result<bool> {
    conn.execute("UPDATE users SET password_hash = ?3 WHERE id = ?1 AND password_hash = ?2", params![id, old, new])
        .map(|n| n == 1)
}

/// Number of API keys `user_id` holds.
pub(crate) fn count_api_keys(conn: &Connection, user_id: i64) -> rusqlite::Result<usize> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM api_keys WHERE user_id = ?1", [user_id], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Stores an API key's lookup id and digest.
pub(crate) fn insert_api_key(
    conn: &Connection,
    lookup_id: &str,
    user_id: i64,
    name: &str,
    digest_hex: &str,
) -> rusqlite::Result<Inserted> {
    match conn.execute(
        "INSERT INTO api_keys (lookup_id, user_id, name, digest, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![lookup_id, user_id, name, digest_hex, now()],
    ) {
        Ok(_) => Ok(Inserted::Id(conn.last_insert_rowid())),
        Err(e) if is_unique_violation(&e) => Ok(Inserted::Duplicate),
        Err(e) => Err(e),
    }
}

/// A sealed service key by name.
pub(crate) fn service_key(conn: &Connection, name: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row("SELECT sealed FROM service_keys WHERE name = ?1", [name], |r| r.get(0)).optional()
}

/// Stores a sealed service key unless one exists; returns whether it was stored.
pub(crate) fn insert_service_key(conn: &Connection, name: &str, sealed: &[u8]) -> rusqlite::Result<bool> {
    conn.execute("INSERT OR IGNORE INTO service_keys (name, sealed) VALUES (?1, ?2)", params![name, sealed])
        .map(|n| n == 1)
}

/// Replaces a sealed service key (re-sealed after a rotation).
pub(crate) fn replace_service_key(conn: &Connection, name: &str, sealed: &[u8]) -> rusqlite::Result<()> {
    conn.execute("UPDATE service_keys SET sealed = ?2 WHERE name = ?1", params![name, sealed]).map(drop)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::print_stdout)] // test code

    use super::*;

    #[test]
    fn a_user_debug_shows_no_hash_and_no_address() {
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$dGFndGFndGFndGFndGFndGFndGFndGFndGFnZw";
        let user = User { id: 7, email: "ada@example.com".into(), username: "ada".into(), password_hash: hash.into() };
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
        db.call_blocking(|c| insert_user(c, "a@example.com", "alice", "$h")).unwrap();
        drop(db);
        let db = Db::open(&path).unwrap();
        let dup = db.call_blocking(|c| insert_user(c, "A@EXAMPLE.COM", "bob", "$h")).unwrap();
        assert_eq!(dup, Inserted::Duplicate, "email uniqueness ignores case");
        let user = db.call_blocking(|c| find_user(c, &Login::Username("alice".into()))).unwrap().unwrap();
        assert_eq!(user.email, "a@example.com");
        assert!(db.call_blocking(|c| replace_hash(c, user.id, "$h", "$new")).unwrap());
        assert!(!db.call_blocking(|c| replace_hash(c, user.id, "$h", "$stale")).unwrap(), "compare-and-swap");
        let version: i64 = db.call_blocking(|c| c.pragma_query_value(None, "user_version", |r| r.get(0))).unwrap();
        assert_eq!(version, i64::try_from(MIGRATIONS.len()).unwrap());
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

    #[tokio::test]
    async fn sessions_cascade_and_expire() {
        use guardrail::{
            axum::{
                SessionStore as _,
                session::{SessionDigest, SessionRecord},
            },
            secret::SecretString,
        };
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        let Inserted::Id(id) = db.call_blocking(|c| insert_user(c, "a@example.com", "alice", "$h")).unwrap() else {
            unreachable!()
        };
        let store = SqliteSessions(db.clone());
        let digest = |token: &str| SessionDigest::of(&SecretString::from(token.to_owned()));
        let (t, idle) = (now(), Duration::from_secs(600));
        let record = |created_at, last_seen, expires_at| SessionRecord { user: id, created_at, last_seen, expires_at };
        store.insert(&digest("keep"), &record(t, t, t + 60)).await.unwrap();
        store.insert(&digest("other"), &record(t, t, t + 60)).await.unwrap();
        store.insert(&digest("old"), &record(t - 120, t - 120, t - 1)).await.unwrap();
        store.insert(&digest("idle"), &record(t - 900, t - 700, t + 60)).await.unwrap();
        store.insert(&digest("touched"), &record(t - 900, t - 700, t + 60)).await.unwrap();
        store.touch(&digest("touched"), t).await.unwrap();
        assert_eq!(store.delete_expired(t, idle).await.unwrap(), 2, "past expires_at, and idle");
        assert_eq!(store.load(&digest("touched")).await.unwrap().unwrap().last_seen, t);
        assert_eq!(store.delete_others(&id, Some(&digest("keep"))).await.unwrap(), 2);
        assert!(store.load(&digest("keep")).await.unwrap().is_some());
        db.call_blocking(|c| c.execute("DELETE FROM users WHERE id = ?1", [id])).unwrap();
        assert!(store.load(&digest("keep")).await.unwrap().is_none(), "foreign keys cascade");
    }
}
