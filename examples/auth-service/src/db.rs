//! Storage: one embedded SQLite file, created and migrated on start
//! (`db/migrate.rs`; the steps that need keys run once the keyring is
//! loaded, before the service serves anything).
//!
//! What is stored, and what is not:
//! - `users.password_hash`: an argon2id PHC string (or an imported legacy
//!   hash, until its owner's first login replaces it) sealed under the
//!   keyring (the pepper) and bound to its row ([`binding`]): copied into
//!   another row it does not open. A hash stored unsealed logs in only
//!   while `AUTH_SERVICE_ACCEPT_UNSEALED_HASHES` is on.
//! - `users.credential_epoch`: bumped by every password change or reset;
//!   `sessions.epoch` and `reset_tokens.epoch` are the account's epoch when
//!   they were made, and are dead once it moved on.
//! - `users.username_skeleton`: the name's confusable skeleton, unique, so
//!   a look-alike of a taken name cannot register.
//! - `sessions.digest`, `api_keys.digest`, `reset_tokens.digest`: keyed
//!   MACs (HMAC-SHA256 under `keys::CredentialKeys`, whose root is sealed
//!   under the keyring) of the token or key. The credential itself is only
//!   ever with its holder: a copy of the database logs no one in, and
//!   whoever can write it cannot mint a credential either.
//! - `sessions.tag`, `api_keys.tag`, `reset_tokens.tag`: a MAC under the
//!   same key binding the row to its account (and epoch, expiry):
//!   whoever can write the database cannot re-point a credential they hold
//!   at another account (`db/tag.rs`).
//! - `outbox.sealed`: notices and reset links for a mailer, sealed under
//!   the keyring.
//! - `service_keys`: the CSRF MAC key and the credential MAC root, sealed
//!   under the keyring; `meta`: the skeletons' Unicode version and the
//!   credential digest format.
//!
//! Every statement takes its values as parameters; no SQL is built from input.
//! The query functions are `pub(crate)`: the handlers, the import and the
//! key loader are their only callers, and each returns SQLite's error as
//! it came ([`Db::call`] wraps it in [`DbError::Sqlite`]). Every write that
//! depends on what was read (a hash, an epoch, a count) is one statement
//! or one [`Db::write`] (`BEGIN IMMEDIATE`) transaction.
//!
//! The file is treated like the keyring: it holds e-mail addresses and
//! usernames, and whoever can write it can delete or lock out accounts
//! (see SECURITY.md, "An attacker who can write the database", for what
//! they can and cannot do). See [`Db::open`].

use std::{
    path::Path,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use guardrail::{
    password::HashBinding,
    validate::{Username, UsernamePolicy},
};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

pub(crate) mod admin;
pub(crate) mod api_keys;
mod migrate;
pub(crate) mod outbox;
pub(crate) mod reset;
mod store;
mod tag;

pub use migrate::{MigrationKeys, finish_migrations, latest_version};
pub(crate) use store::end_sessions_after_change;
pub use store::{ApiKeys, SessionUser, SqliteSessions};

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
    /// The file's schema version is not this release's after migrating
    /// (a newer release wrote it, or a step that needs keys has not run).
    #[error("database schema version {found}, this release needs {expected}")]
    Version {
        /// `PRAGMA user_version` of the file.
        found: i64,
        /// [`latest_version`].
        expected: i64,
    },
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
    /// Bumped by every password change or reset: a session (or a login
    /// in flight) made under an older epoch is dead.
    pub credential_epoch: i64,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &"[REDACTED]")
            .field("username", &self.username)
            .field("password_hash", &"[REDACTED]")
            .field("credential_epoch", &self.credential_epoch)
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

impl Login {
    /// A login name as `POST /login`, password reset and the admin
    /// commands' users files read it: an e-mail address (by its normalised
    /// form, the unique column) if it has an `@`, else a username
    /// canonicalised as for an existing account ([`existing_username`]).
    /// `None` when it cannot name any account.
    pub fn parse(typed: &str) -> Option<Self> {
        if typed.contains('@') {
            guardrail::validate::Email::parse(typed).ok().map(|e| Self::Email(e.as_str().to_owned()))
        } else {
            existing_username(typed).map(|u| Self::Username(u.as_str().to_owned()))
        }
    }
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
        migrate::run_sql_steps(&mut conn)?;
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

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the blocking pool:
    /// the write lock is taken before the first read, so what `f` reads
    /// stays true until it commits (another process, e.g. an import,
    /// cannot slip a write in between). Commits when `f` returns `Ok`,
    /// rolls back otherwise.
    ///
    /// # Errors
    /// `f`'s error, or the failure to begin or commit, as
    /// [`DbError::Sqlite`]; [`DbError::Task`] when the blocking task
    /// panicked or was cancelled.
    pub async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f)).await.map_err(|_| DbError::Task)?
    }

    /// [`Db::write`] on the current thread (start-up and commands).
    ///
    /// # Errors
    /// As [`Db::write`], but for [`DbError::Task`].
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, DbError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
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

/// Seconds since the Unix epoch.
#[must_use]
pub fn now() -> i64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

/// Inserts a user; [`Inserted::Duplicate`] if the email, the username or
/// the username's skeleton (a look-alike of a taken name) is taken.
pub(crate) fn insert_user(
    conn: &Connection,
    email: &str,
    username: &str,
    skeleton: &str,
    hash: &str,
) -> rusqlite::Result<Inserted> {
    match conn.execute(
        "INSERT INTO users (email, username, username_skeleton, password_hash, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![email, username, skeleton, hash, now()],
    ) {
        Ok(_) => Ok(Inserted::Id(conn.last_insert_rowid())),
        Err(e) if is_unique_violation(&e) => Ok(Inserted::Duplicate),
        Err(e) => Err(e),
    }
}

const USER_COLUMNS: &str = "id, email, username, password_hash, credential_epoch";

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        username: row.get(2)?,
        password_hash: row.get(3)?,
        credential_epoch: row.get(4)?,
    })
}

/// The user a login names, if any.
pub(crate) fn find_user(conn: &Connection, login: &Login) -> rusqlite::Result<Option<User>> {
    let (column, value) = match login {
        Login::Email(e) => ("email", e),
        Login::Username(u) => ("username", u),
    };
    // `column` is one of two literals above, never input.
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = ?1");
    conn.prepare_cached(&sql)?.query_row([value], user_from_row).optional()
}

/// The user with this id.
pub(crate) fn user_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    conn.prepare_cached(&sql)?.query_row([id], user_from_row).optional()
}

/// A username as stored or typed for an account that already exists:
/// canonicalised and checked for confusables like a new name, but with no
/// reserved names and no length bounds beyond 1..=256 characters, so a
/// name registered before it became reserved (or before a bound moved)
/// still finds its account and keeps its skeleton. Sign-up and import
/// apply the full [`Username::parse`] policy.
#[must_use]
pub fn existing_username(name: &str) -> Option<Username> {
    UsernamePolicy::new(1, 256).parse(name).ok()
}

/// The binding every stored hash of `user_id` is sealed with: the service
/// and the row, so a sealed hash copied into another row (or another
/// service's database) does not open there.
#[must_use]
pub fn binding(user_id: i64) -> HashBinding {
    // Non-empty and far below the length bound: `new` cannot refuse it.
    HashBinding::new(format!("auth-service users.id={user_id}").as_bytes()).unwrap_or_else(|_| unreachable!())
}

/// Stores an upgraded hash (the same password, new parameters or a new
/// seal) only if the row still holds `old` under `epoch`: an upgrade never
/// replaces a hash changed since it was read. The epoch stays (an upgrade
/// ends no session). Returns whether it was stored.
pub(crate) fn upgrade_hash(conn: &Connection, id: i64, epoch: i64, old: &str, new: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "UPDATE users SET password_hash = ?4 WHERE id = ?1 AND credential_epoch = ?2 AND password_hash = ?3",
    )?
    .execute(params![id, epoch, old, new])
    .map(|n| n == 1)
}

/// Stores a new password's hash (change, reset) only if the account's
/// epoch is still `epoch_read`, and bumps it: every session and login in
/// flight made under the old epoch is dead from the commit on (end them in
/// the same transaction with [`end_sessions_after_change`]). An upgrade
/// in between (same epoch) does not make it fail. Returns whether it was
/// stored; the new epoch is `epoch_read + 1`.
pub(crate) fn change_hash(conn: &Connection, id: i64, epoch_read: i64, new: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "UPDATE users SET password_hash = ?3, credential_epoch = credential_epoch + 1 \
         WHERE id = ?1 AND credential_epoch = ?2",
    )?
    .execute(params![id, epoch_read, new])
    .map(|n| n == 1)
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
pub(crate) mod tests;
