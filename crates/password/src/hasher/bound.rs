//! Sealed hashes bound to their row (feature `pepper`): [`HashBinding`]
//! names the row, [`PasswordHasher::bind`] seals a stored value for it
//! (`$guardrail-sealed$v2$`, see `sealing.rs`), and the bound verifies
//! accept only a value sealed for that row.
//!
//! Why the binding is in the associated data: the pepper stops an attacker
//! who *reads* the table from cracking it, but v1 seals are all alike, so
//! one who can *write* it copies their own account's sealed hash into the
//! victim's row and logs in as the victim with their own password (or
//! writes any plain hash they made). A v2 value opens only under the
//! binding it was sealed with, so a copy is a wrong password, and the
//! bound verifies refuse unbound values ([`Error::Unbound`]) unless
//! migration is explicitly on.

use std::fmt;

use guardrail_secret::{ExposeSecret, SecretString};

use super::{
    Mode, PasswordHash, PasswordHasher, Verification, ready,
    sealing::{BOUND_PREFIX, SEALED_PREFIX, open_bound, open_sealed, seal_bound},
};
use crate::Error;

/// The longest binding, in bytes.
pub const MAX_BINDING_BYTES: usize = 256;

/// What a sealed hash is bound to: the row (or account) it belongs to,
/// say `b"auth-service users.id=42"`. Put the table and the primary key in
/// it, never a value the user can change (an e-mail address): a hash
/// sealed under one binding verifies under no other.
///
/// Not secret, but `Debug` shows only its length: it is per-account data.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "pepper")))]
pub struct HashBinding(Vec<u8>);

impl HashBinding {
    /// A binding of `context` (1 to [`MAX_BINDING_BYTES`] bytes).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidBinding`] when `context` is empty or longer than
    /// [`MAX_BINDING_BYTES`].
    pub fn new(context: &[u8]) -> Result<Self, Error> {
        if context.is_empty() || context.len() > MAX_BINDING_BYTES {
            return Err(Error::InvalidBinding);
        }
        Ok(Self(context.to_vec()))
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for HashBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HashBinding({} bytes)", self.0.len())
    }
}

/// How a stored value is sealed, read from its text alone (no key, no
/// work): [`PasswordHasher::seal_state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "pepper")))]
pub enum SealState {
    /// `$guardrail-sealed$v2$`: sealed and bound to a row.
    Bound,
    /// `$guardrail-sealed$v1$`: sealed, but it would open in any row
    /// ([`PasswordHasher::bind`] it).
    SealedUnbound,
    /// Anything else: a plain PHC string, a legacy or wrapped hash, or
    /// text that is no hash at all.
    Unsealed,
}

impl PasswordHasher {
    /// Lets the bound verifies ([`PasswordHasher::verify_bound`], …)
    /// verify values that are not bound to their row — v1 seals and
    /// unsealed (plain, legacy, wrapped) hashes — instead of answering
    /// [`Error::Unbound`]; a valid password then always carries an upgrade
    /// sealed v2 under the row's binding. Off by default: while it is on,
    /// anyone who can write the table can still log in as any account by
    /// writing a hash they made (or copied from a v1 row). Turn it on only
    /// while migrating a table whose rows cannot all be bound offline
    /// ([`PasswordHasher::bind`] needs no password), and log the rows
    /// ([`PasswordHasher::seal_state`]).
    #[must_use]
    pub fn accept_unbound_for_migration_only(mut self) -> Self {
        self.unbound_ok = true;
        self
    }

    /// How `stored` is sealed, from its text alone: no key is used and
    /// nothing is verified (a `Bound` value may still be another row's).
    #[must_use]
    pub fn seal_state(&self, stored: &str) -> SealState {
        if stored.starts_with(BOUND_PREFIX) {
            SealState::Bound
        } else if stored.starts_with(SEALED_PREFIX) {
            SealState::SealedUnbound
        } else {
            SealState::Unsealed
        }
    }

    /// Binds a stored value to its row without its password (microseconds,
    /// no argon2): a v1 seal is opened and sealed v2 under `binding`; an
    /// unsealed value this hasher admits ([`PasswordHasher::check_stored`]:
    /// PHC, legacy, wrapped) is sealed v2 as it is; a v2 value is returned
    /// as it is when it opens under `binding`.
    ///
    /// Binding a value makes it verify for that row, so bind only what the
    /// previous release stored and trusted (its seals, and the unsealed
    /// hashes it wrote itself, e.g. imported legacy rows), once, in the
    /// migration; afterwards an unsealed value found in a row is one
    /// someone wrote there, and a bound verify refuses it. Two rows holding
    /// a byte-identical value are a copy (salts and nonces are random —
    /// except for unsalted legacy formats, where one password gives one
    /// text): leave those unbound.
    ///
    /// # Errors
    ///
    /// [`Error::PepperRequired`] without a pepper keyring; [`Error::Pepper`]
    /// for a sealed value that does not open (damaged, a disabled key, or a
    /// v2 value sealed under another binding); [`Error::Malformed`] or
    /// [`Error::OutOfPolicy`] for a damaged or oversized sealed value; for
    /// an unsealed value, what [`PasswordHasher::check_stored`] answers.
    pub fn bind(&self, stored: &str, binding: &HashBinding) -> Result<PasswordHash, Error> {
        let keyring = self.pepper.as_ref().ok_or(Error::PepperRequired)?;
        match self.seal_state(stored) {
            SealState::Bound => match open_bound(keyring, stored, binding)? {
                Some(_) => Ok(PasswordHash(stored.to_owned())),
                None => Err(Error::Pepper),
            },
            // The inner value was sealed by this service: authentic as it is.
            SealState::SealedUnbound => {
                seal_bound(keyring, &open_sealed(keyring, stored)?.0, binding).map(PasswordHash)
            }
            SealState::Unsealed => {
                self.classify(stored)?;
                seal_bound(keyring, stored, binding).map(PasswordHash)
            }
        }
    }

    /// [`PasswordHasher::verify`] for a value bound to its row: a v2 value
    /// verifies only under its own `binding` (under another one the answer
    /// is [`Verification::Invalid`], after the same work as a verify). A v1
    /// seal or an unsealed value is [`Error::Unbound`], also after the same
    /// work, unless the hasher was built with
    /// [`PasswordHasher::accept_unbound_for_migration_only`]. Every upgrade
    /// is sealed v2 under `binding` (a v2 value sealed under an older key
    /// asks for one). Blocking: async callers use `verify_bound_async`.
    ///
    /// # Errors
    ///
    /// [`Error::PepperRequired`] without a pepper keyring;
    /// [`Error::Unbound`] as above; otherwise as [`PasswordHasher::verify`].
    pub fn verify_bound(
        &self,
        password: &SecretString,
        stored: &str,
        binding: &HashBinding,
    ) -> Result<Verification, Error> {
        ready(self.verify_bound_in(password.expose_secret(), stored, binding, Mode::Blocking))
    }

    /// [`PasswordHasher::verify_login`] for values bound to their row:
    /// `stored` is the account's stored hash and its binding, or `None`
    /// when no account matched (the same work as
    /// [`PasswordHasher::verify_login`] does then, and
    /// [`Verification::Invalid`]). Otherwise as
    /// [`PasswordHasher::verify_bound`], under the login floor.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify_bound`] (also
    /// [`Error::PepperRequired`] for `None`).
    pub fn verify_login_bound(
        &self,
        password: &SecretString,
        stored: Option<(&str, &HashBinding)>,
    ) -> Result<Verification, Error> {
        ready(self.verify_login_bound_in(password.expose_secret(), stored, Mode::Blocking))
    }

    pub(super) async fn verify_login_bound_in(
        &self,
        password: &str,
        stored: Option<(&str, &HashBinding)>,
        mode: Mode,
    ) -> Result<Verification, Error> {
        self.pepper.as_ref().ok_or(Error::PepperRequired)?;
        match stored {
            Some((stored, binding)) => self.paced(mode, self.verify_bound_in(password, stored, binding, mode)).await,
            None => self.paced(mode, self.verify_login_in(password, None, mode)).await,
        }
    }

    pub(super) async fn verify_bound_in(
        &self,
        raw: &str,
        stored: &str,
        binding: &HashBinding,
        mode: Mode,
    ) -> Result<Verification, Error> {
        let keyring = self.pepper.as_ref().ok_or(Error::PepperRequired)?;
        let (inner, outcome, reseal) = match self.seal_state(stored) {
            SealState::Bound => match open_bound(keyring, stored, binding) {
                // Sealed under an older key: a valid password asks for a re-seal.
                Ok(Some((inner, current))) => {
                    let outcome = self.verify_inner(raw, &inner, mode).await?;
                    (inner, outcome, !current)
                }
                // Another row's seal (or a damaged one): a wrong password.
                Ok(None) => return self.after_dummy(raw, mode, Ok(Verification::Invalid)).await,
                Err(e) => return self.after_dummy(raw, mode, Err(e)).await,
            },
            _ if !self.unbound_ok => return self.after_dummy(raw, mode, Err(Error::Unbound)).await,
            // Migration: verified as the unbound API does, always upgraded bound.
            SealState::SealedUnbound => {
                let inner = open_sealed(keyring, stored)?.0;
                (inner, self.verify_in(raw, stored, mode).await?, true)
            }
            SealState::Unsealed => (stored.to_owned(), self.verify_in(raw, stored, mode).await?, true),
        };
        let upgrade = match outcome {
            Verification::Invalid => return Ok(Verification::Invalid),
            // The unbound flows seal an upgrade v1: open it, seal it v2.
            Verification::Valid { upgrade: Some(fresh) } => Some(self.rebound(fresh.as_str_for_storage(), binding)?),
            Verification::Valid { upgrade: None } if reseal => {
                Some(PasswordHash(seal_bound(keyring, &inner, binding)?))
            }
            Verification::Valid { upgrade: None } => None,
        };
        Ok(Verification::Valid { upgrade })
    }

    /// An upgrade the unbound flows made (sealed v1 under the pepper),
    /// sealed v2 under `binding` instead.
    fn rebound(&self, fresh: &str, binding: &HashBinding) -> Result<PasswordHash, Error> {
        let keyring = self.pepper.as_ref().ok_or(Error::PepperRequired)?;
        let inner = match self.seal_state(fresh) {
            SealState::SealedUnbound => open_sealed(keyring, fresh)?.0,
            _ => fresh.to_owned(),
        };
        seal_bound(keyring, &inner, binding).map(PasswordHash)
    }

    /// `answer`, after the work of a verify at the policy's parameters
    /// (the unknown-account dummy), so it comes no sooner than a verify's.
    async fn after_dummy(
        &self,
        raw: &str,
        mode: Mode,
        answer: Result<Verification, Error>,
    ) -> Result<Verification, Error> {
        let _always_invalid = self.verify_login_in(raw, None, mode).await?;
        answer
    }
}
