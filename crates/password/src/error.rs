use crate::PolicyViolations;

/// What went wrong. No variant holds a password, a salt or a tag, and a
/// wrong password is not an error (it is [`crate::Verification::Invalid`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The stored hash is not a well-formed PHC string; names the part.
    #[error("malformed stored hash: {part}")]
    Malformed {
        /// Which part: `algorithm`, `version`, `params`, `salt`, `hash`, ...
        part: &'static str,
    },
    /// The stored hash uses an algorithm or option this hasher does not verify.
    #[error("unsupported stored hash: {what}")]
    Unsupported {
        /// What is unsupported.
        what: &'static str,
    },
    /// The stored hash is plaintext (Spring's `{noop}`, LDAP's
    /// `{CLEARTEXT}`) and the hasher did not opt in with
    /// [`crate::PasswordHasher::accept_plaintext_for_legacy_use_only`]
    /// (needed to verify or wrap a raw plaintext row; a wrapped one
    /// verifies without it).
    #[error("stored plaintext refused: see PasswordHasher::accept_plaintext_for_legacy_use_only")]
    PlaintextRefused,
    /// A stored hash's parameter is above the hasher's caps ([`crate::Caps`]);
    /// refused before any memory is allocated or any work is queued (the
    /// database may hold attacker-written rows). Names the parameter and its
    /// largest admitted value with the others as stored, never the stored
    /// value.
    #[error("stored hash out of policy: {param} above the cap of {cap} {unit}")]
    OutOfPolicy {
        /// Which stored parameter: argon2 `m` (memory) or `t` (work), `p`,
        /// `salt`, `hash`, `length`; scrypt `ln`, PBKDF2 `iterations`,
        /// bcrypt `cost`, sha-crypt `rounds`, …
        param: &'static str,
        /// The largest value of `param` the caps admit, in `unit`.
        cap: u64,
        /// The unit of `cap`: `KiB`, `passes`, `lanes`, `bytes`,
        /// `iterations`, `rounds`, `log2 rounds`, …
        unit: &'static str,
    },
    /// Parameters given to a constructor are invalid.
    #[error("invalid argon2 parameter: {name}")]
    InvalidParams {
        /// Which parameter.
        name: &'static str,
    },
    /// The password is longer than [`crate::MAX_PASSWORD_BYTES`].
    #[error("password longer than {max} bytes", max = crate::MAX_PASSWORD_BYTES)]
    PasswordTooLong,
    /// A new password breaks the policy; every violation, by code.
    #[error("password refused by policy: {0}")]
    Policy(PolicyViolations),
    /// Every hashing slot stayed busy for the whole wait: answer 503 with
    /// Retry-After rather than queueing without bound.
    #[error("password hashing is busy; retry later")]
    Busy,
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// A peppered (sealed) stored hash could not be opened: another
    /// keyring, a disabled key, or a damaged value (for
    /// `PasswordHasher::bind`, also a value sealed for another row).
    #[error("sealed stored hash could not be opened")]
    Pepper,
    /// The operation needs a pepper keyring (`PasswordHasher::with_pepper`):
    /// binding a hash to its row, and the bound verifies.
    #[error("this operation needs a pepper keyring: see PasswordHasher::with_pepper")]
    PepperRequired,
    /// A bound verify met a stored value that is not bound to its row (a
    /// v1 seal, a plain PHC string, a legacy or wrapped hash) and the
    /// hasher was not built with
    /// `PasswordHasher::accept_unbound_for_migration_only`. Answered after
    /// the same work as a verify. Treat it as a failed login (the same
    /// response), and log it: someone may have written the row.
    #[error("stored hash is not bound to its row: see PasswordHasher::accept_unbound_for_migration_only")]
    Unbound,
    /// A `HashBinding` must be 1 to 256 bytes.
    #[error("hash binding must be 1 to 256 bytes")]
    InvalidBinding,
    /// The hashing job failed to run: the job panicked (a bug, never an
    /// input), or an async call found no worker thread could be started.
    #[error("password hashing task failed")]
    TaskFailed,
    /// Argon2 refused its inputs (not expected with checked parameters).
    #[error("argon2 failed")]
    Argon2,
}
