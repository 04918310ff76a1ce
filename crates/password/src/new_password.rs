//! A new password (sign-up, change, reset) that passed the policy: the
//! only thing [`PasswordHasher::hash_new`] hashes, so a sign-up path
//! cannot skip the check.

use std::fmt;

use guardrail_secret::SecretString;

use crate::{Error, PasswordHash, PasswordHasher, PasswordPolicy};

/// A password that passed [`PasswordPolicy::check_new`] (or
/// `PasswordHasher::check_new_async`, feature `tokio`), ready to hash.
///
/// Made only by those checks; not `Clone` (one check, one hash); `Debug`
/// prints `NewPassword([REDACTED])`; the password is wiped on drop.
pub struct NewPassword(pub(crate) SecretString);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([REDACTED])")
    }
}

impl PasswordPolicy {
    /// Checks a new password with [`PasswordPolicy::check`] and, if it
    /// passes, hands it back as a [`NewPassword`] for
    /// [`PasswordHasher::hash_new`]. `context` holds the user's own words
    /// (user name, e-mail address).
    ///
    /// Sync: for CLIs and batch jobs. The guessability estimate costs up
    /// to about one hash, so an async handler calls
    /// `PasswordHasher::hash_new_async` or `check_new_async` (feature
    /// `tokio`), which run it on the hasher's workers.
    ///
    /// # Errors
    ///
    /// [`Error::Policy`] with every violation, by code; never the password.
    pub fn check_new(&self, password: SecretString, context: &[&str]) -> Result<NewPassword, Error> {
        self.check(&password, context)?;
        Ok(NewPassword(password))
    }
}

impl PasswordHasher {
    /// Hashes a new password that passed the policy: the sign-up, change
    /// and reset path. ([`PasswordHasher::hash`] hashes any password, for
    /// imports and tests.)
    ///
    /// Sync: for CLIs and batch jobs. An async handler calls
    /// `hash_new_async` (feature `tokio`), which checks and hashes on the
    /// hasher's workers, or `hash_checked_async` for a [`NewPassword`] it
    /// already holds.
    ///
    /// ```
    /// use guardrail_password::{Params, PasswordHasher, PasswordPolicy};
    /// use guardrail_secret::SecretString;
    ///
    /// # let hasher = PasswordHasher::new(Params::new(64, 1, 1).unwrap()); // small for the doctest
    /// let policy = PasswordPolicy::default();
    /// let password = SecretString::from("correct horse battery staple");
    /// let checked = policy.check_new(password, &["ana", "ana@example.org"]).unwrap();
    /// let stored = hasher.hash_new(checked).unwrap();
    /// // INSERT INTO users (..., password_hash) VALUES (..., stored.as_str_for_storage())
    /// # assert!(stored.as_str_for_storage().starts_with("$argon2id$"));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::hash`].
    pub fn hash_new(&self, password: NewPassword) -> Result<PasswordHash, Error> {
        self.hash(&password.0)
    }
}
