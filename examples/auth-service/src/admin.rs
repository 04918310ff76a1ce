//! The operator's offline commands (`auth-service sessions …`,
//! `force-reset`, `census`, `wrap-legacy`, `reseal`, `key-usage`,
//! `rotate-key …`, `api-keys …`): what the runbooks in the guide run
//! against the database and keyring the server uses.
//!
//! Each command opens the files the server's settings name — never
//! creating them, never migrating the database (an older schema is
//! refused: start the service once) and, but for `reseal`, never
//! re-sealing a service key — and writes in `BEGIN IMMEDIATE`
//! transactions ([`Db::write_blocking`]), so it is safe while the server
//! runs; `rotate-key` refuses while a server runs ([`lock`]). Its result is a [`Report`]: one fact per line
//! for stdout, problems for stderr. Nothing secret (a hash, a key, a
//! token, a digest, sealed text) is ever in it, nor a name from a users
//! file that matched no account (it may be a mistyped password).
//!
//! [`Db::write_blocking`]: crate::db::Db::write_blocking

use std::{io::BufRead, path::PathBuf, sync::Arc};

use guardrail::secret;

use crate::{
    Config, StartError,
    app::AppState,
    db::{self, DbError, Login, User},
    keys,
};

mod accounts;
pub mod lock;
mod revoke;
mod rotate;
mod sealed;

/// The usage lines of the admin commands (`auth-service --help`).
pub const USAGE: &str =
    "  auth-service sessions count (--users FILE | --all)   live sessions per account (--all: in all)
  auth-service sessions end (--users FILE | --all)     end every session of those accounts
  auth-service force-reset (--users FILE | --all) [--api-keys]
                                                       old passwords stop working; users recover through password reset
  auth-service census                                  stored hashes per scheme and parameters, and how they are sealed
  auth-service wrap-legacy                             wrap every legacy (non-argon2) hash in argon2id
  auth-service reseal                                  re-seal every sealed value under the keyring's primary key
  auth-service key-usage                               rows sealed under each keyring key
  auth-service rotate-key (csrf | credentials)         replace the CSRF key or the credential MAC root
                                                       (refused while a server runs on the database: it holds
                                                       a shared lock on <AUTH_SERVICE_DB>.lock; stop it first)
  auth-service api-keys revoke                         revoke the API keys read from stdin (one a line)
  auth-service api-keys revoke --id LOOKUP_ID          revoke the API key `api-keys list` shows with that id
  auth-service api-keys revoke (--users FILE | --all)  revoke every API key of those accounts
  auth-service api-keys list (--users FILE | --all)    API keys of those accounts
  (FILE: a regular file of login names, one a line (at most 1 KiB; the file at most 16 MiB), - for stdin;
   blank lines and comments skipped: a comment is a line that is exactly `#` or starts with `# `)
  (no admin command migrates the database or, but for reseal, re-seals a key: start the service once)";

/// Which accounts a command is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// The accounts named in a file (`-`: stdin), one login name a line.
    Users(String),
    /// Every account.
    All,
}

/// An admin command, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `sessions count`.
    SessionsCount(Who),
    /// `sessions end`.
    SessionsEnd(Who),
    /// `force-reset`, and whether `--api-keys` was given.
    ForceReset(Who, bool),
    /// `census`.
    Census,
    /// `wrap-legacy`.
    WrapLegacy,
    /// `reseal`.
    Reseal,
    /// `key-usage`.
    KeyUsage,
    /// `rotate-key csrf`.
    RotateCsrf,
    /// `rotate-key credentials`.
    RotateCredentials,
    /// `api-keys revoke`: the keys on stdin.
    ApiKeysRevoke,
    /// `api-keys revoke --id LOOKUP_ID`.
    ApiKeysRevokeId(String),
    /// `api-keys revoke (--users FILE | --all)`.
    ApiKeysRevokeAccounts(Who),
    /// `api-keys list`.
    ApiKeysList(Who),
}

/// An admin command line that is not one (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("usage: {0}")]
pub struct UsageError(pub &'static str);

/// Why a command could not run or finish. Names files and settings,
/// never a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The keyring or the database could not be opened.
    #[error(transparent)]
    Start(#[from] StartError),
    /// Storage failed (the transaction was rolled back).
    #[error(transparent)]
    Db(#[from] DbError),
    /// A file the settings name does not exist: the commands create none.
    #[error("{} does not exist (an admin command opens the service's files; it creates none)", .0.display())]
    Missing(PathBuf),
    /// The users file (or stdin) could not be read.
    #[error("reading {what}: {source}")]
    Read {
        /// The file, or `stdin`.
        what: String,
        /// Why.
        source: std::io::Error,
    },
    /// The database's schema is older than this binary's: only the server
    /// migrates.
    #[error("the database is at schema version {0}; start the service once to migrate it")]
    Schema(i64),
    /// `rotate-key` while a server holds the lock file's shared lock.
    #[error("the service is running on this database ({} is locked): stop it, then rotate", .0.display())]
    Running(PathBuf),
    /// The lock file beside the database could not be created or locked.
    #[error("{}: {source}", .path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Hashing, sealing or the random number generator failed.
    #[error("{0}")]
    Crypto(&'static str),
}

/// What a command did: lines for stdout and for stderr, and whether some
/// input was unknown (exit status 1 although the rest was done).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// One fact a line.
    pub out: Vec<String>,
    /// Problems with the input (`line 3: no such account`).
    pub err: Vec<String>,
    /// Whether some input was unknown or some row left as it was.
    pub incomplete: bool,
}

/// Parses `args` (after the program name); `None` when they are no admin
/// command at all.
///
/// # Errors
/// [`UsageError`] for an admin command with missing or extra arguments.
pub fn parse(args: &[&str]) -> Option<Result<Command, UsageError>> {
    const WHO: &str = "exactly one of --users FILE and --all";
    let who = |rest: &[&str]| match rest {
        ["--users", file] => Ok(Who::Users((*file).to_owned())),
        ["--all"] => Ok(Who::All),
        _ => Err(UsageError(WHO)),
    };
    let bare = |rest: &[&str], command| if rest.is_empty() { Ok(command) } else { Err(UsageError("no arguments")) };
    Some(match args {
        ["sessions", "count", rest @ ..] => who(rest).map(Command::SessionsCount),
        ["sessions", "end", rest @ ..] => who(rest).map(Command::SessionsEnd),
        ["sessions", ..] => Err(UsageError("sessions (count | end) (--users FILE | --all)")),
        ["force-reset", rest @ ..] => match rest {
            [a @ .., "--api-keys"] | ["--api-keys", a @ ..] => who(a).map(|w| Command::ForceReset(w, true)),
            _ => who(rest).map(|w| Command::ForceReset(w, false)),
        },
        ["census", rest @ ..] => bare(rest, Command::Census),
        ["wrap-legacy", rest @ ..] => bare(rest, Command::WrapLegacy),
        ["reseal", rest @ ..] => bare(rest, Command::Reseal),
        ["key-usage", rest @ ..] => bare(rest, Command::KeyUsage),
        ["rotate-key", "csrf"] => Ok(Command::RotateCsrf),
        ["rotate-key", "credentials"] => Ok(Command::RotateCredentials),
        ["rotate-key", ..] => Err(UsageError("rotate-key (csrf | credentials)")),
        ["api-keys", "revoke"] => Ok(Command::ApiKeysRevoke),
        ["api-keys", "revoke", "--id", id] => Ok(Command::ApiKeysRevokeId((*id).to_owned())),
        ["api-keys", "revoke", rest @ ..] => who(rest).map(Command::ApiKeysRevokeAccounts),
        ["api-keys", "list", rest @ ..] => who(rest).map(Command::ApiKeysList),
        ["api-keys", ..] => {
            Err(UsageError("api-keys (revoke [--id LOOKUP_ID | --users FILE | --all] | list (--users FILE | --all))"))
        }
        _ => return None,
    })
}

/// Runs `command` against the database and keyring `config` names;
/// `stdin` is read by `--users -` and `api-keys revoke`.
///
/// # Errors
/// [`AdminError::Missing`] when the keyring or the database file does not
/// exist, [`AdminError::Start`] when they cannot be opened, otherwise as
/// each command's storage or key operations fail (nothing half-done: each
/// change is one transaction per account, or one in all).
pub fn run(config: &Config, command: &Command, stdin: &mut dyn BufRead) -> Result<Report, AdminError> {
    must_exist(&config.keyring)?;
    let db = open_db(config)?;
    // Held until the command returns: no server starts meanwhile.
    let _lock = match command {
        Command::RotateCsrf | Command::RotateCredentials => Some(exclusive_lock(config)?),
        _ => None,
    };
    // `reseal` counts the service keys it re-seals: their key ids are read
    // before they are loaded (and re-sealed).
    let (before, reseal) = match command {
        Command::Reseal => (Some(sealed::service_key_ids(&db)?), keys::Reseal::Yes),
        _ => (None, keys::Reseal::No),
    };
    let (keyring, _) =
        keys::load_or_create_keyring(&config.keyring, config.master_key_file.as_deref()).map_err(StartError::from)?;
    let state = crate::admin_state(config, Arc::new(keyring), db, reseal)?;
    let idle = config.session_idle.min(config.session_ttl);
    match command {
        Command::SessionsCount(who) => accounts::count(&state, &resolve(&state, who, stdin)?, idle),
        Command::SessionsEnd(who) => accounts::end(&state, &resolve(&state, who, stdin)?),
        Command::ForceReset(who, api_keys) => accounts::force_reset(&state, &resolve(&state, who, stdin)?, *api_keys),
        Command::ApiKeysList(who) => accounts::list_keys(&state, &resolve(&state, who, stdin)?),
        Command::ApiKeysRevoke => revoke::revoke_lines(&state, &config.api_key_prefix, stdin),
        Command::ApiKeysRevokeId(id) => revoke::revoke_id(&state, id),
        Command::ApiKeysRevokeAccounts(who) => revoke::revoke_all(&state, &resolve(&state, who, stdin)?),
        Command::Census => sealed::census(&state),
        Command::WrapLegacy => sealed::wrap_legacy(&state),
        Command::Reseal => sealed::reseal(&state, &before.unwrap_or_default()),
        Command::KeyUsage => sealed::key_usage(&state),
        Command::RotateCsrf => rotate::csrf(&state),
        Command::RotateCredentials => rotate::credentials(&state),
    }
}

fn must_exist(path: &std::path::Path) -> Result<(), AdminError> {
    if path.exists() { Ok(()) } else { Err(AdminError::Missing(path.to_path_buf())) }
}

/// The exclusive lock on `<db>.lock`, or [`AdminError::Running`].
fn exclusive_lock(config: &Config) -> Result<std::fs::File, AdminError> {
    let path = lock::path(&config.db);
    match lock::exclusive(&config.db) {
        Ok(Some(file)) => Ok(file),
        Ok(None) => Err(AdminError::Running(path)),
        Err(source) => Err(AdminError::Lock { path, source }),
    }
}

/// The existing database, at this binary's schema version: its version is
/// read on a read-only connection first, so an older file is refused
/// before [`db::Db::open`] could migrate it.
fn open_db(config: &Config) -> Result<db::Db, AdminError> {
    must_exist(&config.db)?;
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let found: i64 = rusqlite::Connection::open_with_flags(&config.db, flags)
        .and_then(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
        .map_err(DbError::from)?;
    let expected = db::latest_version();
    if found < expected {
        return Err(AdminError::Schema(found));
    }
    if found > expected {
        return Err(DbError::Version { found, expected }.into());
    }
    Ok(db::Db::open(&config.db)?)
}

/// Longest line of a users file, bytes (a login name is at most 256
/// characters; an e-mail address 254): a longer one is `line N: too long`,
/// skipped without being buffered whole.
const MAX_NAME_LINE: usize = 1024;

/// Largest users file, bytes (16 MiB: some 300,000 e-mail addresses).
const MAX_USERS_FILE: u64 = 16 << 20;

/// Whether a users-file line is a comment: exactly `#`, or `# ` and
/// anything (`#ops@example.com` is an e-mail address, not a comment).
fn is_comment(line: &str) -> bool {
    line == "#" || line.starts_with("# ")
}

/// Opens a users file: a regular file only (a FIFO or a device such as
/// `/dev/zero` is refused; opened with `O_NONBLOCK`, so a FIFO cannot hang
/// the open), at most [`MAX_USERS_FILE`] bytes (checked on the opened
/// file, and reads stop there).
fn open_users_file(file: &str) -> Result<impl std::io::Read, AdminError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let error = |source| AdminError::Read { what: file.to_owned(), source };
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(file)
        .map_err(error)?;
    let meta = opened.metadata().map_err(error)?;
    if !meta.is_file() {
        return Err(error(std::io::Error::other("not a regular file")));
    }
    if meta.len() > MAX_USERS_FILE {
        return Err(error(std::io::Error::other(format!("larger than {MAX_USERS_FILE} bytes"))));
    }
    Ok(std::io::Read::take(opened, MAX_USERS_FILE))
}

/// The accounts `who` names, each once, in the order first named; each
/// name that matches no account is a `line N: no such account` in
/// `Accounts::unknown` (never the name).
pub(crate) struct Accounts {
    pub(crate) users: Vec<User>,
    pub(crate) unknown: Vec<String>,
    /// `--all`: every account, no file.
    pub(crate) all: bool,
}

impl Accounts {
    /// A report starting with the unknown names' lines.
    pub(crate) fn report(&self) -> Report {
        Report { out: Vec::new(), err: self.unknown.clone(), incomplete: !self.unknown.is_empty() }
    }
}

fn resolve(state: &AppState, who: &Who, stdin: &mut dyn BufRead) -> Result<Accounts, AdminError> {
    let file = match who {
        Who::All => {
            let users = state.db.call_blocking(db::admin::all_users)?;
            return Ok(Accounts { users, unknown: Vec::new(), all: true });
        }
        Who::Users(file) => file,
    };
    let read_error =
        |source| AdminError::Read { what: if file == "-" { "stdin".into() } else { file.clone() }, source };
    let mut opened;
    let input: &mut dyn BufRead = if file == "-" {
        stdin
    } else {
        opened = std::io::BufReader::new(open_users_file(file)?);
        &mut opened
    };
    let mut lines = secret::read::Lines::new(input, MAX_NAME_LINE);
    let mut found = Accounts { users: Vec::new(), unknown: Vec::new(), all: false };
    loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => String::from_utf8_lossy(line).trim().to_owned(),
            Ok(None) => break,
            Err(secret::Error::LineTooLong { line, .. }) => {
                found.unknown.push(format!("line {line}: too long"));
                continue;
            }
            Err(secret::Error::Read(e)) => return Err(read_error(e)),
            Err(e) => return Err(read_error(std::io::Error::other(e))),
        };
        if line.is_empty() || is_comment(&line) {
            continue;
        }
        let number = lines.line_number();
        let user = match Login::parse(&line) {
            Some(login) => state.db.call_blocking(move |c| db::find_user(c, &login))?,
            None => None,
        };
        match user {
            Some(u) if !found.users.iter().any(|seen| seen.id == u.id) => found.users.push(u),
            Some(_) => {}
            None => found.unknown.push(format!("line {number}: no such account")),
        }
    }
    Ok(found)
}

/// `secs` (Unix seconds) as RFC 3339 UTC to the second,
/// `2026-11-30T09:44:27Z` (chrono; a time chrono cannot represent prints
/// as `-`, which no stored time is).
pub(crate) fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map_or_else(|| "-".to_owned(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_and_usage_errors_are_told_apart() {
        assert_eq!(parse(&["sessions", "count", "--all"]), Some(Ok(Command::SessionsCount(Who::All))));
        assert_eq!(
            parse(&["force-reset", "--users", "-", "--api-keys"]),
            Some(Ok(Command::ForceReset(Who::Users("-".into()), true)))
        );
        assert_eq!(parse(&["force-reset", "--api-keys", "--all"]), Some(Ok(Command::ForceReset(Who::All, true))));
        assert_eq!(parse(&["rotate-key", "credentials"]), Some(Ok(Command::RotateCredentials)));
        for bad in [&["sessions", "end"][..], &["sessions", "end", "--all", "--users", "f"], &["census", "x"]] {
            assert!(matches!(parse(bad), Some(Err(_))), "{bad:?}");
        }
        assert_eq!(parse(&["serve"]), None);
    }

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_031_867), "2026-11-30T09:44:27Z");
    }
}
