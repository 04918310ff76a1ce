//! The one login check: the account's stored hash, or none when no
//! account matched — the same work either way, one outcome to match.

use guardrail_secret::{ExposeSecret, SecretString};

use super::{Mode, PasswordHasher, Verification, ready};
use crate::Error;

impl PasswordHasher {
    /// The login check. `stored` is the account's stored hash, or `None`
    /// when no account matched the login name: then the password is
    /// verified against a hash made at the current parameters (sealed
    /// when a pepper is set) and the answer is [`Verification::Invalid`],
    /// so the response time does not tell which accounts exist.
    ///
    /// Match the outcome: [`Verification::Valid`] may carry an upgraded
    /// hash to store in place of the old one. For checks that are not a
    /// login (re-entering the password before a change, say),
    /// [`PasswordHasher::verify`] takes the stored hash directly.
    ///
    /// With a [`crate::LoginFloor`] set ([`PasswordHasher::login_floor`]),
    /// the answer comes no earlier than the floor after the call (this
    /// thread sleeps the rest), whatever the outcome except
    /// [`Error::Busy`]: imported accounts with slower schemes cannot be
    /// told from unknown users by the time.
    ///
    /// Sync: for CLIs and batch jobs. An async handler calls
    /// `verify_login_async` (feature `tokio`), which runs the hash on the
    /// hasher's workers instead of blocking the executor's thread.
    ///
    /// ```
    /// use guardrail_password::{Params, PasswordHasher, Verification};
    /// use guardrail_secret::SecretString;
    ///
    /// # let hasher = PasswordHasher::new(Params::new(64, 1, 1).unwrap()); // small for the doctest
    /// # let stored_hash = hasher.hash(&SecretString::from("correct horse battery staple")).unwrap();
    /// # let account = Some(stored_hash.as_str_for_storage());
    /// let password = SecretString::from("correct horse battery staple");
    /// // `account`: the stored hash of the user with that login name, if any.
    /// match hasher.verify_login(&password, account).unwrap() {
    ///     Verification::Valid { upgrade } => {
    ///         if let Some(new_hash) = upgrade { /* store new_hash */ }
    ///         /* log in */
    ///     }
    ///     Verification::Invalid => { /* 401, the same for a wrong password and no account */ }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify`]: [`Error::Busy`] (answer 503, do not
    /// treat it as a wrong password), [`Error::PasswordTooLong`], errors
    /// for a damaged or out-of-policy stored hash, and an upgrade's hash
    /// errors; never for a wrong password or a missing account.
    pub fn verify_login(&self, password: &SecretString, stored: Option<&str>) -> Result<Verification, Error> {
        ready(self.verify_login_paced(password.expose_secret(), stored, Mode::Blocking))
    }

    pub(crate) async fn verify_login_in(
        &self,
        password: &str,
        stored: Option<&str>,
        mode: Mode,
    ) -> Result<Verification, Error> {
        match stored {
            Some(stored) => self.verify_in(password, stored, mode).await,
            // The dummy never matches (a random tag); were it ever to, the
            // answer is still Invalid: there is no account to log in to.
            None => match self.verify_in(password, &self.dummy, mode).await? {
                Verification::Invalid | Verification::Valid { .. } => Ok(Verification::Invalid),
            },
        }
    }
}
