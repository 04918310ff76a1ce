//! Configuration: environment variables, optionally a `KEY=VALUE` file
//! named by `AUTH_SERVICE_CONFIG` (the environment wins over the file).
//! Every setting has a safe default, so `cargo run --release -p
//! auth-service` needs no set-up; unknown `AUTH_SERVICE_*` names are
//! refused so a typo cannot silently fall back to a default.
//!
//! Secrets are never configuration values: the keyring lives in its own
//! owner-only file, and the optional master key that seals it is read from
//! a file through `guardrail::secret::load` (never from argv); the
//! configuration names that file, it never holds the key.
//!
//! The configuration file holds no secret, so anyone may read it; but it
//! can point the service at another keyring or database and weaken the
//! argon2 parameters and rate limits, so it is refused when group or
//! others may write it, when it belongs to another user than the
//! service's (root excepted), or when it sits in a directory others may
//! change — the checks of `guardrail::secret::load::FileLoader`, with
//! [`allow_others_to_read`](guardrail::secret::load::FileLoader::allow_others_to_read).
//! It is read through `guardrail::secret::read` with a cap of
//! [`MAX_CONFIG_BYTES`]: a larger file is refused whole, never cut short.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    num::NonZeroU32,
    path::{Path, PathBuf},
    time::Duration,
};

use guardrail::password::{Caps, Limits, LoginFloor, Params};

/// Every setting the service reads, with its default.
pub const SETTINGS: &[(&str, &str)] = &[
    ("AUTH_SERVICE_ADDR", "address to listen on (default 127.0.0.1:3000; port 0 = any free port)"),
    ("AUTH_SERVICE_DB", "SQLite database file (default ./auth-service.db)"),
    ("AUTH_SERVICE_KEYRING", "keyring file, created 0600 on first start (default ./auth-service.keyring.json)"),
    ("AUTH_SERVICE_MASTER_KEY_FILE", "optional: 32-byte hex master key file; the keyring file is then sealed under it"),
    ("AUTH_SERVICE_CONFIG", "optional: a file of KEY=VALUE lines for any of these settings"),
    ("AUTH_SERVICE_ARGON2", "argon2id m,t,p: memory in KiB, passes, lanes (default 19456,2,1 — OWASP)"),
    ("AUTH_SERVICE_HASH_MEMORY_MIB", "argon2 memory budget in MiB, 1..=1048576 (default 256; raised to one hash)"),
    ("AUTH_SERVICE_HASH_CONCURRENCY", "hashes at once (default: memory budget / m, at most the cores)"),
    ("AUTH_SERVICE_HASH_WAIT_MS", "longest wait for a hashing slot before 503, in milliseconds (default 1000)"),
    (
        "AUTH_SERVICE_HASH_MAX_MEMORY_MIB",
        "most memory one stored hash may ask for, MiB, 1..=1048576 (default 256: libsodium MODERATE in, SENSITIVE out)",
    ),
    (
        "AUTH_SERVICE_HASH_MAX_BLOCK_PASSES",
        "most work one stored hash may ask for, argon2 block passes (a 1 KiB block filled once), 1..=1000000000 (default 2097152, about 1 s)",
    ),
    (
        "AUTH_SERVICE_LOGIN_FLOOR_MS",
        "every login answers no earlier than this: off (default), auto (the slowest hash the caps admit) or milliseconds, 1..=60000",
    ),
    (
        "AUTH_SERVICE_ACCEPT_PLAINTEXT_NOOP",
        "optional: exactly accept-plaintext to verify plaintext stored passwords ({noop}, {CLEARTEXT}); any other value is refused",
    ),
    ("AUTH_SERVICE_LOGIN_PER_IP", "login/signup attempts per client address per minute (default 30)"),
    ("AUTH_SERVICE_LOGIN_PER_ACCOUNT", "login/password-check attempts per account per minute (default 10)"),
    ("AUTH_SERVICE_SESSION_TTL_SECS", "session lifetime in seconds (default 28800 = 8 h)"),
    ("AUTH_SERVICE_SESSION_IDLE_SECS", "idle timeout of a session in seconds, at most the lifetime (default 1800)"),
    ("AUTH_SERVICE_MAX_BODY_BYTES", "largest request body in bytes (default 16384)"),
    ("AUTH_SERVICE_MAX_BODY", "older name of AUTH_SERVICE_MAX_BODY_BYTES, read only when the new name is not set"),
    ("AUTH_SERVICE_API_KEY_PREFIX", "API key prefix (default authsvc_live)"),
    (
        "AUTH_SERVICE_HEADER_TIMEOUT_MS",
        "longest wait for a whole request head, also for the next request on a kept-alive connection, ms, 100..=120000 (default 10000)",
    ),
    (
        "AUTH_SERVICE_BODY_TIMEOUT_MS",
        "longest time a whole request body may take (total, not per read), ms, 100..=120000 (default 10000)",
    ),
    (
        "AUTH_SERVICE_IDLE_TIMEOUT_MS",
        "a connection with no byte read or written this long is closed, ms, 100..=600000 (default 30000)",
    ),
    (
        "AUTH_SERVICE_MAX_CONNECTIONS",
        "connections served at once, 1..=1000000 and at most the open-file limit - 64 (default 512)",
    ),
    (
        "AUTH_SERVICE_MAX_CONNECTIONS_PER_CLIENT",
        "connections one client address (IPv6: per IPV6_PREFIX network) may hold, more are closed at accept, 1..=MAX_CONNECTIONS (default 32; at MAX_CONNECTIONS, no per-client cap: behind a proxy)",
    ),
    (
        "AUTH_SERVICE_SHUTDOWN_GRACE_MS",
        "on SIGTERM/SIGINT, how long open connections may finish before they are dropped, ms, 0..=300000 (default 10000)",
    ),
    ("AUTH_SERVICE_IPV6_PREFIX", "IPv6 clients are limited per network of this prefix length, 32..=128 (default 64)"),
    ("AUTH_SERVICE_API_KEY_FAILS_PER_IP", "failed API-key attempts per client address per minute (default 20)"),
    ("AUTH_SERVICE_MAX_API_KEYS", "API keys one account may hold, 1..=1000 (default 25)"),
    ("AUTH_SERVICE_RESET_TTL_SECS", "lifetime of a password-reset token in seconds, 60..=1800 (default 1800)"),
    ("AUTH_SERVICE_RESET_PER_LOGIN", "password-reset requests per login name per hour (default 5)"),
    ("AUTH_SERVICE_RESET_MAX_LIVE", "unused, unexpired reset tokens one account may have, 1..=100 (default 3)"),
    (
        "AUTH_SERVICE_OUTBOX_MAX_AGE_SECS",
        "outbox rows older than this are deleted, seconds, 3600..=31536000 (default 604800 = 7 days)",
    ),
    (
        "AUTH_SERVICE_ACCEPT_UNSEALED_HASHES",
        "optional: exactly accept-unsealed to let unbound (unsealed or v1-sealed) stored hashes verify while migrating; any other value is refused",
    ),
];

/// The idle timeout of a session unless configured: 30 minutes.
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(30 * 60);

/// The service's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The SQLite database file.
    pub db: PathBuf,
    /// The keyring file.
    pub keyring: PathBuf,
    /// The file holding the master key the keyring file is sealed under.
    pub master_key_file: Option<PathBuf>,
    /// argon2id parameters for new hashes (memory in KiB, passes, lanes).
    pub params: Params,
    /// Admission control for hashing.
    pub hash_limits: Limits,
    /// The most a stored hash may cost (memory, work), checked before any
    /// work: the policy's defaults, with the `AUTH_SERVICE_HASH_MAX_*`
    /// settings applied.
    pub hash_caps: Caps,
    /// How long every login takes at least (imported accounts on a slower
    /// scheme cannot be told from unknown ones by time); off by default.
    pub login_floor: LoginFloor,
    /// Whether stored plaintext passwords (`{noop}`, `{CLEARTEXT}`) verify
    /// (`accept_plaintext_for_legacy_use_only`); off by default.
    pub accept_plaintext: bool,
    /// Login and signup attempts per client address per minute.
    pub per_ip_per_minute: NonZeroU32,
    /// Password checks per account per minute.
    pub per_account_per_minute: NonZeroU32,
    /// Absolute session lifetime (whole seconds; at most 30 days from the
    /// environment).
    pub session_ttl: Duration,
    /// A session unused this long ends (whole seconds). At most
    /// `session_ttl` from the environment; the service caps a larger one
    /// set here at `session_ttl`.
    pub session_idle: Duration,
    /// Largest request body in bytes.
    pub max_body: usize,
    /// Prefix of issued API keys.
    pub api_key_prefix: String,
    /// Longest wait for a whole request head, and for the next request on
    /// a kept-alive connection.
    pub header_timeout: Duration,
    /// Longest time a whole request body may take to arrive (total, not
    /// per read).
    pub body_timeout: Duration,
    /// A connection with no byte read or written this long is closed.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Connections one client (address; IPv6 network of `ipv6_prefix`)
    /// may hold at once; more are closed as they are accepted. At or
    /// above `max_connections` there is no per-client cap.
    pub max_connections_per_client: usize,
    /// On shutdown, how long open connections may finish before they are
    /// dropped.
    pub shutdown_grace: Duration,
    /// IPv6 clients share a rate-limit bucket per network of this prefix
    /// length (bits, 32..=128).
    pub ipv6_prefix: u8,
    /// Failed API-key attempts per client address per minute.
    pub api_key_fails_per_ip_per_minute: u32,
    /// API keys one account may hold.
    pub max_api_keys: usize,
    /// Lifetime of a password-reset token (whole seconds, at most 30
    /// minutes).
    pub reset_ttl: Duration,
    /// Password-reset requests per login name per hour.
    pub reset_per_login_per_hour: u32,
    /// Unused, unexpired reset tokens one account may have.
    pub reset_max_live: usize,
    /// Outbox rows older than this are deleted by maintenance (whole
    /// seconds).
    pub outbox_max_age: Duration,
    /// Whether unbound stored hashes (unsealed, or sealed by the previous
    /// release without their account's binding) verify, for a migration
    /// only; off by default.
    pub accept_unsealed_hashes: bool,
}

/// A configuration value that could not be used. Names the setting and
/// what was expected; values are not repeated (a misplaced secret would
/// otherwise end up in a log).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value did not parse.
    #[error("{name}: expected {expected}")]
    Invalid {
        /// The setting.
        name: String,
        /// What it should look like.
        expected: &'static str,
    },
    /// An `AUTH_SERVICE_*` name that is not a setting (a typo?).
    #[error("{name}: unknown setting (known: see `auth-service --help`)")]
    Unknown {
        /// The name.
        name: String,
    },
    /// The configuration file could not be read, or is refused (too large,
    /// another owner, in a directory others may change, not a regular
    /// file).
    #[error("configuration file {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why (names the file, a mode, an owner or the cap; never the
        /// contents).
        source: guardrail::secret::Error,
    },
    /// Group or others may write the configuration file.
    #[error(
        "configuration file {} has mode {mode:04o}: group or others may write it, and it decides which keyring and database the service uses and how strong its password hashes are (chmod go-w)",
        path.display()
    )]
    Writable {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
}

/// The largest configuration file read, in bytes (64 KiB): every setting
/// fits in a few hundred.
pub const MAX_CONFIG_BYTES: usize = 64 * 1024;

/// Reads the configuration file after the checks of the module docs, at
/// most [`MAX_CONFIG_BYTES`].
fn read_config_file(path: &Path) -> Result<String, ConfigError> {
    use guardrail::secret::{Error, load::FileLoader, read};
    let refused = |source| match source {
        Error::InsecurePermissions { mode, .. } => ConfigError::Writable { path: path.to_owned(), mode },
        source => ConfigError::File { path: path.to_owned(), source },
    };
    // No secret in it: others may read it; no one but its owner may change it.
    let file = FileLoader::new().allow_others_to_read().open(path).map_err(refused)?;
    let size_hint = file.metadata().map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
    let bytes = read::to_end_sized(file, size_hint, MAX_CONFIG_BYTES).map_err(refused)?;
    String::from_utf8(bytes.to_vec()).map_err(|_| invalid("AUTH_SERVICE_CONFIG", "a UTF-8 file of KEY=VALUE lines"))
}

fn invalid(name: &str, expected: &'static str) -> ConfigError {
    ConfigError::Invalid { name: name.to_owned(), expected }
}

impl Default for Config {
    fn default() -> Self {
        let params = Params::OWASP;
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            db: PathBuf::from("auth-service.db"),
            keyring: PathBuf::from("auth-service.keyring.json"),
            master_key_file: None,
            params,
            hash_limits: Limits::for_params(&params, Limits::DEFAULT_MEMORY_BUDGET),
            hash_caps: Caps::for_policy(&params),
            login_floor: LoginFloor::Off,
            accept_plaintext: false,
            per_ip_per_minute: NonZeroU32::new(30).unwrap_or(NonZeroU32::MIN),
            per_account_per_minute: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
            session_ttl: Duration::from_secs(8 * 3600),
            session_idle: DEFAULT_SESSION_IDLE,
            max_body: 16 * 1024,
            api_key_prefix: "authsvc_live".to_owned(),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: 512,
            max_connections_per_client: 32,
            shutdown_grace: Duration::from_secs(10),
            ipv6_prefix: 64,
            api_key_fails_per_ip_per_minute: 20,
            max_api_keys: 25,
            reset_ttl: Duration::from_secs(30 * 60),
            reset_per_login_per_hour: 5,
            reset_max_live: 3,
            outbox_max_age: Duration::from_secs(7 * 24 * 3600),
            accept_unsealed_hashes: false,
        }
    }
}

impl Config {
    /// Reads the process environment (and `AUTH_SERVICE_CONFIG`, if set).
    ///
    /// # Errors
    /// As [`Config::from_map`].
    pub fn from_env() -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> =
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
        Self::from_map(env)
    }

    /// Builds a configuration from `AUTH_SERVICE_*` variables; other names
    /// are ignored. A file named by `AUTH_SERVICE_CONFIG` is read first.
    ///
    /// # Errors
    /// [`ConfigError::Unknown`] for an `AUTH_SERVICE_*` name that is no
    /// setting, [`ConfigError::Invalid`] for a value that does not parse or
    /// is out of range (or a malformed file line), [`ConfigError::File`] or
    /// [`ConfigError::Writable`] when the file is refused.
    pub fn from_map(env: BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let mut vars = BTreeMap::new();
        if let Some(path) = env.get("AUTH_SERVICE_CONFIG") {
            vars.extend(parse_file(&read_config_file(Path::new(path))?)?);
        }
        vars.extend(env.into_iter().filter(|(k, _)| k.starts_with("AUTH_SERVICE_")));
        if let Some(name) = vars.keys().find(|k| !SETTINGS.iter().any(|(s, _)| s == k)) {
            return Err(ConfigError::Unknown { name: name.clone() });
        }

        let mut config = Self::default();
        let get = |name: &str| vars.get(name).map(String::as_str);
        if let Some(v) = get("AUTH_SERVICE_ADDR") {
            config.addr = v.parse().map_err(|_| invalid("AUTH_SERVICE_ADDR", "an address such as 127.0.0.1:3000"))?;
        }
        if let Some(v) = get("AUTH_SERVICE_DB") {
            config.db = non_empty_path("AUTH_SERVICE_DB", v)?;
        }
        if let Some(v) = get("AUTH_SERVICE_KEYRING") {
            config.keyring = non_empty_path("AUTH_SERVICE_KEYRING", v)?;
        }
        if let Some(v) = get("AUTH_SERVICE_MASTER_KEY_FILE") {
            config.master_key_file = Some(non_empty_path("AUTH_SERVICE_MASTER_KEY_FILE", v)?);
        }
        if let Some(v) = get("AUTH_SERVICE_ARGON2") {
            config.params = parse_params(v)?;
            config.hash_limits = Limits::for_params(&config.params, Limits::DEFAULT_MEMORY_BUDGET);
        }
        if let Some(v) = get("AUTH_SERVICE_HASH_MEMORY_MIB") {
            let mib = number::<usize>("AUTH_SERVICE_HASH_MEMORY_MIB", v, 1, 1 << 20)?;
            config.hash_limits =
                Limits { wait: config.hash_limits.wait, ..Limits::for_params(&config.params, mib << 20) };
        }
        if let Some(v) = get("AUTH_SERVICE_HASH_CONCURRENCY") {
            config.hash_limits.max_concurrent = number::<usize>("AUTH_SERVICE_HASH_CONCURRENCY", v, 1, 1024)?;
        }
        if let Some(v) = get("AUTH_SERVICE_HASH_WAIT_MS") {
            config.hash_limits.wait = Duration::from_millis(number("AUTH_SERVICE_HASH_WAIT_MS", v, 0, 60_000)?);
        }
        config.apply_migration_settings(get)?;
        if let Some(v) = get("AUTH_SERVICE_LOGIN_PER_IP") {
            config.per_ip_per_minute = rate("AUTH_SERVICE_LOGIN_PER_IP", v)?;
        }
        if let Some(v) = get("AUTH_SERVICE_LOGIN_PER_ACCOUNT") {
            config.per_account_per_minute = rate("AUTH_SERVICE_LOGIN_PER_ACCOUNT", v)?;
        }
        if let Some(v) = get("AUTH_SERVICE_SESSION_TTL_SECS") {
            config.session_ttl = Duration::from_secs(number("AUTH_SERVICE_SESSION_TTL_SECS", v, 1, 30 * 24 * 3600)?);
        }
        // Read after the lifetime it must not exceed; left out, the default
        // is capped at a shorter lifetime rather than refused.
        config.session_idle = match get("AUTH_SERVICE_SESSION_IDLE_SECS") {
            Some(v) => {
                Duration::from_secs(number("AUTH_SERVICE_SESSION_IDLE_SECS", v, 1, config.session_ttl.as_secs())?)
            }
            None => DEFAULT_SESSION_IDLE.min(config.session_ttl),
        };
        // The name with its unit wins: when it is set, the older name is
        // not parsed at all (an invalid leftover cannot stop the start).
        if let Some(v) = get("AUTH_SERVICE_MAX_BODY_BYTES") {
            config.max_body = number("AUTH_SERVICE_MAX_BODY_BYTES", v, 256, 1 << 20)?;
            if get("AUTH_SERVICE_MAX_BODY").is_some() {
                tracing::warn!("AUTH_SERVICE_MAX_BODY is ignored: AUTH_SERVICE_MAX_BODY_BYTES is set");
            }
        } else if let Some(v) = get("AUTH_SERVICE_MAX_BODY") {
            config.max_body = number("AUTH_SERVICE_MAX_BODY", v, 256, 1 << 20)?;
        }
        if let Some(v) = get("AUTH_SERVICE_API_KEY_PREFIX") {
            guardrail::token::api_key::ApiKeyIssuer::new(v)
                .map_err(|_| invalid("AUTH_SERVICE_API_KEY_PREFIX", "1..=32 of a-z, 0-9, _ starting with a letter"))?;
            v.clone_into(&mut config.api_key_prefix);
        }
        config.apply_connection_settings(get)?;
        config.apply_credential_settings(get)?;
        Ok(config)
    }
}

impl Config {
    /// Timeouts and bounds of the HTTP server (slow or idle clients, the
    /// number of connections, the shutdown deadline).
    fn apply_connection_settings<'a>(&mut self, get: impl Fn(&str) -> Option<&'a str>) -> Result<(), ConfigError> {
        let millis = |name: &str, v: &str, min: u64, max: u64| number(name, v, min, max).map(Duration::from_millis);
        if let Some(v) = get("AUTH_SERVICE_HEADER_TIMEOUT_MS") {
            self.header_timeout = millis("AUTH_SERVICE_HEADER_TIMEOUT_MS", v, 100, 120_000)?;
        }
        if let Some(v) = get("AUTH_SERVICE_BODY_TIMEOUT_MS") {
            self.body_timeout = millis("AUTH_SERVICE_BODY_TIMEOUT_MS", v, 100, 120_000)?;
        }
        if let Some(v) = get("AUTH_SERVICE_IDLE_TIMEOUT_MS") {
            self.idle_timeout = millis("AUTH_SERVICE_IDLE_TIMEOUT_MS", v, 100, 600_000)?;
        }
        if let Some(v) = get("AUTH_SERVICE_MAX_CONNECTIONS") {
            // The open-file limit is checked when the server starts.
            self.max_connections = number("AUTH_SERVICE_MAX_CONNECTIONS", v, 1, 1_000_000)?;
        }
        if let Some(v) = get("AUTH_SERVICE_MAX_CONNECTIONS_PER_CLIENT") {
            const NAME: &str = "AUTH_SERVICE_MAX_CONNECTIONS_PER_CLIENT";
            self.max_connections_per_client = number(NAME, v, 1, 1_000_000)?;
            if self.max_connections_per_client > self.max_connections {
                return Err(invalid(NAME, "a whole number no larger than AUTH_SERVICE_MAX_CONNECTIONS"));
            }
        }
        if let Some(v) = get("AUTH_SERVICE_SHUTDOWN_GRACE_MS") {
            self.shutdown_grace = millis("AUTH_SERVICE_SHUTDOWN_GRACE_MS", v, 0, 300_000)?;
        }
        if let Some(v) = get("AUTH_SERVICE_IPV6_PREFIX") {
            self.ipv6_prefix = number("AUTH_SERVICE_IPV6_PREFIX", v, 32, 128)?;
        }
        Ok(())
    }

    /// Limits on credentials: failed API keys, keys per account, password
    /// resets, the outbox, unbound stored hashes.
    fn apply_credential_settings<'a>(&mut self, get: impl Fn(&str) -> Option<&'a str>) -> Result<(), ConfigError> {
        if let Some(v) = get("AUTH_SERVICE_API_KEY_FAILS_PER_IP") {
            self.api_key_fails_per_ip_per_minute = rate("AUTH_SERVICE_API_KEY_FAILS_PER_IP", v)?.get();
        }
        if let Some(v) = get("AUTH_SERVICE_MAX_API_KEYS") {
            self.max_api_keys = number("AUTH_SERVICE_MAX_API_KEYS", v, 1, 1000)?;
        }
        if let Some(v) = get("AUTH_SERVICE_RESET_TTL_SECS") {
            self.reset_ttl = Duration::from_secs(number("AUTH_SERVICE_RESET_TTL_SECS", v, 60, 30 * 60)?);
        }
        if let Some(v) = get("AUTH_SERVICE_RESET_PER_LOGIN") {
            self.reset_per_login_per_hour = rate("AUTH_SERVICE_RESET_PER_LOGIN", v)?.get();
        }
        if let Some(v) = get("AUTH_SERVICE_RESET_MAX_LIVE") {
            self.reset_max_live = number("AUTH_SERVICE_RESET_MAX_LIVE", v, 1, 100)?;
        }
        if let Some(v) = get("AUTH_SERVICE_OUTBOX_MAX_AGE_SECS") {
            self.outbox_max_age =
                Duration::from_secs(number("AUTH_SERVICE_OUTBOX_MAX_AGE_SECS", v, 3600, 365 * 24 * 3600)?);
        }
        if let Some(v) = get("AUTH_SERVICE_ACCEPT_UNSEALED_HASHES") {
            // One spelling, as for the plaintext opt-in.
            if v != "accept-unsealed" {
                return Err(invalid("AUTH_SERVICE_ACCEPT_UNSEALED_HASHES", "accept-unsealed (or leave it unset)"));
            }
            self.accept_unsealed_hashes = true;
        }
        Ok(())
    }
}

impl Config {
    /// What a table imported from another system needs: the caps on a
    /// stored hash's cost (from the policy, after `AUTH_SERVICE_ARGON2`),
    /// the login floor and the plaintext opt-in.
    fn apply_migration_settings<'a>(&mut self, get: impl Fn(&str) -> Option<&'a str>) -> Result<(), ConfigError> {
        self.hash_caps = hash_caps(&self.params, &get)?;
        if let Some(v) = get("AUTH_SERVICE_LOGIN_FLOOR_MS") {
            self.login_floor = login_floor(v)?;
        }
        if let Some(v) = get("AUTH_SERVICE_ACCEPT_PLAINTEXT_NOOP") {
            // One spelling, saying what it does: a typo or `1` is refused,
            // never read as yes or no.
            if v != "accept-plaintext" {
                return Err(invalid("AUTH_SERVICE_ACCEPT_PLAINTEXT_NOOP", "accept-plaintext (or leave it unset)"));
            }
            self.accept_plaintext = true;
        }
        Ok(())
    }
}

/// `KEY=VALUE` lines; blank lines and `#` comments are skipped.
fn parse_file(text: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(invalid(&format!("AUTH_SERVICE_CONFIG line {}", n + 1), "KEY=VALUE"));
        };
        let k = k.trim();
        if !k.starts_with("AUTH_SERVICE_") {
            // Not echoed: whatever stands before `=` on a stray line could
            // be a value.
            return Err(invalid(&format!("AUTH_SERVICE_CONFIG line {}", n + 1), "an AUTH_SERVICE_* setting"));
        }
        out.insert(k.to_owned(), v.trim().to_owned());
    }
    Ok(out)
}

fn non_empty_path(name: &str, v: &str) -> Result<PathBuf, ConfigError> {
    if v.is_empty() { Err(invalid(name, "a file path")) } else { Ok(PathBuf::from(v)) }
}

fn number<T: std::str::FromStr + PartialOrd>(name: &str, v: &str, min: T, max: T) -> Result<T, ConfigError> {
    match v.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(invalid(name, "a whole number in range")),
    }
}

/// The policy's caps, with `AUTH_SERVICE_HASH_MAX_MEMORY_MIB` and
/// `AUTH_SERVICE_HASH_MAX_BLOCK_PASSES` applied.
fn hash_caps<'a>(params: &Params, get: &impl Fn(&str) -> Option<&'a str>) -> Result<Caps, ConfigError> {
    let mut caps = Caps::for_policy(params);
    if let Some(v) = get("AUTH_SERVICE_HASH_MAX_MEMORY_MIB") {
        caps.max_memory_bytes = number::<u64>("AUTH_SERVICE_HASH_MAX_MEMORY_MIB", v, 1, 1 << 20)? << 20;
    }
    if let Some(v) = get("AUTH_SERVICE_HASH_MAX_BLOCK_PASSES") {
        caps.max_block_passes = number("AUTH_SERVICE_HASH_MAX_BLOCK_PASSES", v, 1, 1_000_000_000)?;
    }
    Ok(caps)
}

/// `off`, `auto` (the slowest hash the caps admit) or whole milliseconds.
fn login_floor(v: &str) -> Result<LoginFloor, ConfigError> {
    const NAME: &str = "AUTH_SERVICE_LOGIN_FLOOR_MS";
    match v {
        "off" => Ok(LoginFloor::Off),
        "auto" => Ok(LoginFloor::SlowestAdmitted),
        ms => match ms.parse::<u64>() {
            Ok(ms @ 1..=60_000) => Ok(LoginFloor::Fixed(Duration::from_millis(ms))),
            _ => Err(invalid(NAME, "off, auto or milliseconds 1..=60000")),
        },
    }
}

fn rate(name: &str, v: &str) -> Result<NonZeroU32, ConfigError> {
    NonZeroU32::new(number(name, v, 1u32, 10_000_000)?).ok_or_else(|| invalid(name, "a positive number"))
}

fn parse_params(v: &str) -> Result<Params, ConfigError> {
    const EXPECTED: &str = "m,t,p such as 19456,2,1";
    let parts: Vec<u32> = v
        .split(',')
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid("AUTH_SERVICE_ARGON2", EXPECTED))?;
    match parts.as_slice() {
        [m, t, p] => Params::new(*m, *t, *p).map_err(|_| invalid("AUTH_SERVICE_ARGON2", EXPECTED)),
        _ => Err(invalid("AUTH_SERVICE_ARGON2", EXPECTED)),
    }
}

#[cfg(test)]
mod tests;
