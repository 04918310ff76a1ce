//! Wrap now, upgrade later: [`PasswordHasher::wrap`] makes a legacy stored
//! hash memory-hard without its user's password (argon2id over the legacy
//! scheme's output, in the format of `wrap.rs`), and
//! [`PasswordHasher::verify_wrapped`] verifies such a hash at login and
//! answers with a plain argon2id upgrade.

use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::{Candidate, HASH_LEN, Mode, PasswordHasher, SALT_LEN, Verification, ready};
use crate::{
    Error, PasswordHash, cost,
    engine::{
        Job,
        core::{Algorithm, Input, Version},
    },
    legacy::{self, Scheme},
    phc,
    stored::Stored,
    wrap::{self, Wrapped},
};

impl PasswordHasher {
    /// Wraps a legacy stored hash in argon2id at this hasher's parameters,
    /// without the user's password: the legacy hash's output (its stored
    /// digest) becomes argon2id's input, and the legacy scheme's id, public
    /// parameters and salt are kept beside it in a versioned format
    /// (`$guardrail-wrap$v=1$…`, sealed under the pepper when one is set).
    /// [`PasswordHasher::verify`] reads it and, on the right password,
    /// answers with a plain argon2id hash to store instead. One argon2id
    /// computation.
    ///
    /// A stored hash that is already memory-hard — argon2 (PHC, Django's
    /// `argon2$`, Spring's `{argon2}`) or a wrapped hash, sealed or not — is
    /// returned unchanged: it upgrades on the next login as it is. Stored
    /// plaintext (`{noop}`) wraps only after
    /// [`PasswordHasher::accept_plaintext_for_legacy_use_only`].
    ///
    /// # Errors
    ///
    /// What [`PasswordHasher::verify`] answers for a stored hash it cannot
    /// use ([`Error::Malformed`], [`Error::Unsupported`] — also for a
    /// stored value no scheme recognises — [`Error::OutOfPolicy`] above the
    /// caps, [`Error::PlaintextRefused`] for plaintext without the opt-in),
    /// and the errors of [`PasswordHasher::hash_bytes`] for the
    /// argon2id computation ([`Error::Busy`], [`Error::Random`],
    /// [`Error::Pepper`], [`Error::Argon2`]).
    pub fn wrap(&self, stored: &str) -> Result<PasswordHash, Error> {
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|_| Error::Random)?;
        self.wrap_salted(stored, &salt)
    }

    /// [`PasswordHasher::wrap`] with a given argon2id salt: the golden
    /// vectors of the wrapped format (`tests/data/migrate/wrapped.tsv`).
    /// Test hook, not a stable API: a fixed salt defeats the point of one.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::wrap`]; [`Error::InvalidParams`] `{ name:
    /// "salt" }` for a salt shorter than 8 bytes.
    #[cfg(feature = "fuzzing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fuzzing")))]
    pub fn wrap_with_salt(&self, stored: &str, salt: &[u8]) -> Result<PasswordHash, Error> {
        if salt.len() < 8 || salt.len() > 64 {
            return Err(Error::InvalidParams { name: "salt" });
        }
        self.wrap_salted(stored, salt)
    }

    fn wrap_salted(&self, stored: &str, salt: &[u8]) -> Result<PasswordHash, Error> {
        let Some(inner) = self.legacy_to_wrap(stored)? else {
            return Ok(PasswordHash(stored.to_owned()));
        };
        let input = Input {
            algorithm: Algorithm::Argon2id,
            version: Version::V0x13,
            params: self.params,
            password: inner.digest(),
            salt,
            secret: &[],
            ad: &[],
        };
        let tag = ready(self.tag(&input, HASH_LEN, Mode::Blocking))?;
        let outer = phc::encode(Algorithm::Argon2id, Version::V0x13, &self.params, salt, &tag);
        self.finish(wrap::encode(inner.as_ref(), &outer)?)
    }

    /// The legacy scheme `stored` holds, parsed once and checked against
    /// the caps (`stored.rs`); `None` when it is already memory-hard
    /// (argon2 in any wrapping, wrapped, sealed) and is kept as it is.
    fn legacy_to_wrap(&self, stored: &str) -> Result<Option<legacy::Parsed>, Error> {
        #[cfg(feature = "pepper")]
        if stored.starts_with(super::SEALED_PREFIX) || stored.starts_with(super::BOUND_PREFIX) {
            return Ok(None);
        }
        match crate::stored::parse(stored, &self.caps, self.plaintext_ok)? {
            Stored::Legacy(parsed) => Ok(Some(parsed)),
            Stored::Phc { .. } | Stored::Wrapped(_) => Ok(None),
        }
    }

    /// Verifies a candidate against a wrapped hash: the inner scheme on the
    /// candidate (its NFKC form, then the raw bytes when they differ), then
    /// argon2id over that, compared in constant time; the inner scheme must
    /// read the candidate whole. Each computation is one engine job, queued
    /// only when the login's whole cost fits the caps ([`cost::login`]: the
    /// inner scheme for the longest candidate form plus the argon2id, twice
    /// when both forms run; [`Error::OutOfPolicy`] naming `work` or
    /// `memory` otherwise). A match is always answered with a plain
    /// argon2id upgrade of the NFKC password.
    pub(super) async fn verify_wrapped(
        &self,
        pw: Candidate<'_>,
        wrapped: Wrapped,
        mode: Mode,
    ) -> Result<Verification, Error> {
        cost::check_login(&self.caps, cost::login(wrapped.inner.as_ref(), wrapped.phc.cost(), pw.normalized, pw.raw))?;
        let inner: Arc<dyn Scheme> = Arc::from(wrapped.inner);
        let mut matched = self.wrapped_matches(&inner, &wrapped.phc, pw.normalized, mode).await?;
        if !matched && pw.normalized != pw.raw {
            matched = self.wrapped_matches(&inner, &wrapped.phc, pw.raw, mode).await?;
        }
        if matched {
            Ok(Verification::Valid { upgrade: Some(self.hash_bytes_in(pw.normalized, mode).await?) })
        } else {
            Ok(Verification::Invalid)
        }
    }

    /// Whether `password` gives `outer`'s tag: the inner computation (one
    /// task job declaring the inner scheme's memory), argon2id over its
    /// output (one argon2 job), a constant-time compare, then the inner
    /// scheme's whole-read rule.
    async fn wrapped_matches(
        &self,
        inner: &Arc<dyn Scheme>,
        outer: &phc::Phc,
        password: &[u8],
        mode: Mode,
    ) -> Result<bool, Error> {
        let digest: Arc<Mutex<Zeroizing<Vec<u8>>>> = Arc::default();
        let (scheme, slot, pw) = (Arc::clone(inner), Arc::clone(&digest), Zeroizing::new(password.to_vec()));
        let memory = usize::try_from(inner.cost().memory_bytes).unwrap_or(usize::MAX);
        let job = Job::task(memory, move || {
            let computed = scheme.compute(&pw)?;
            let mut slot = slot.lock().map_err(|_| Error::TaskFailed)?;
            *slot = computed;
            Ok(true)
        });
        self.run(job, mode).await?;
        let computed = std::mem::take(&mut *digest.lock().map_err(|_| Error::TaskFailed)?);
        let input = Input {
            algorithm: outer.algorithm,
            version: outer.version,
            params: outer.params,
            password: &computed,
            salt: &outer.salt,
            secret: &[],
            ad: &[],
        };
        let tag = self.tag(&input, outer.hash.len(), mode).await?;
        Ok(guardrail_ct::eq(&tag, &outer.hash) & inner.reads_whole(password))
    }
}
