use std::{future::Future, pin::pin, task};

use guardrail_secret::{ExposeSecret, SecretString};
use unicode_normalization::{UnicodeNormalization, is_nfkc};
use zeroize::Zeroizing;

use crate::{
    Caps, Error, Limits, MAX_PASSWORD_BYTES, Params, PasswordHash,
    engine::{
        Engine, Job, Output,
        core::{Algorithm, Input, Version},
    },
    phc,
    stored::{self, Stored, StoredInfo},
};

#[cfg(feature = "pepper")]
pub(crate) mod bound;
mod login;
#[cfg(feature = "pepper")]
mod offline;
#[cfg(feature = "tokio")]
mod on_workers;
mod paced;
#[cfg(feature = "pepper")]
mod sealing;
#[cfg(feature = "legacy")]
mod verify_stored;
#[cfg(feature = "legacy")]
mod wrapping;

#[cfg(feature = "pepper")]
use sealing::{BOUND_PREFIX, SEALED_PREFIX, open_sealed, seal};

/// Salt length for new hashes (RFC 9106 recommends 16 bytes).
pub(crate) const SALT_LEN: usize = 16;
/// Tag length for new hashes.
pub(crate) const HASH_LEN: usize = 32;

/// The outcome of [`PasswordHasher::verify_login`] (and
/// [`PasswordHasher::verify`]). A wrong password is not an error, so `?`
/// cannot skip the check: match on this, and store the upgrade when
/// [`Verification::Valid`] carries one. Dropping it is a warning
/// (`unused_must_use`), an error where that lint is denied:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// # use guardrail_password::{Error, PasswordHasher};
/// # use guardrail_secret::SecretString;
/// fn login(hasher: &PasswordHasher, password: &SecretString, stored: &str) -> Result<(), Error> {
///     hasher.verify_login(password, Some(stored))?; // the outcome (and its upgrade) is dropped
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "match it: Valid may carry an upgraded hash to store"]
pub enum Verification {
    /// The password does not match (or the account does not exist).
    Invalid,
    /// The password matches. When `upgrade` is `Some`, store it in place of
    /// the old hash: the old one is weaker than the current policy (older
    /// parameters, argon2i/d, version 0x10, a short salt or tag, or a hash
    /// of the un-normalised password).
    Valid {
        /// The re-hash to store, if the stored hash should be replaced.
        upgrade: Option<PasswordHash>,
    },
}

/// argon2id hashing and verification under one policy. Async handlers
/// use the `*_async` calls (feature `tokio`: every hash a job on the
/// hasher's workers); the sync calls are for CLIs and batch jobs.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::Arc;
/// use guardrail_password::{Params, PasswordHasher, PasswordPolicy, Verification};
/// use guardrail_secret::SecretString;
///
/// # let hasher = Arc::new(PasswordHasher::new(Params::new(64, 1, 1).unwrap())); // small for the doctest
/// // let hasher = Arc::new(PasswordHasher::default()); // OWASP: m=19456 KiB, t=2, p=1
/// let password = SecretString::from("correct horse battery staple");
/// let stored = hasher.hash_new_async(&PasswordPolicy::default(), &["ana"], password.clone()).await.unwrap();
/// match hasher.verify_login_async(password, Some(stored.into_string_for_storage())).await.unwrap() {
///     Verification::Valid { upgrade: Some(new_hash) } => { /* store new_hash, then log in */ }
///     Verification::Valid { upgrade: None } => { /* log in */ }
///     Verification::Invalid => { /* 401, as for an unknown user (stored: None) */ }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct PasswordHasher {
    params: Params,
    caps: Caps,
    /// Every hash, verify and policy check runs here (`engine.rs`).
    pub(crate) engine: Engine,
    /// A hash of a random password at the policy's parameters: what
    /// [`PasswordHasher::verify_login`] verifies against when no account matched.
    dummy: String,
    /// Stored plaintext (`{noop}`) is verified only when the caller opted in.
    plaintext_ok: bool,
    /// The pepper keyring: stored hashes are sealed under it.
    #[cfg(feature = "pepper")]
    pepper: Option<std::sync::Arc<guardrail_keys::Keyring>>,
    /// The bound verifies accept v1 seals and unsealed values (migration).
    #[cfg(feature = "pepper")]
    unbound_ok: bool,
}

/// A candidate password: its NFKC form is tried first, the raw bytes only
/// when they differ (a hash another system made from un-normalised input).
#[derive(Clone, Copy)]
struct Candidate<'a> {
    raw: &'a [u8],
    normalized: &'a [u8],
}

impl Default for PasswordHasher {
    /// [`Params::OWASP`] with its default caps and limits.
    fn default() -> Self {
        Self::new(Params::OWASP)
    }
}

impl PasswordHasher {
    /// A hasher for `params`, with [`Caps::for_policy`] and [`Limits::for_params`].
    #[must_use]
    pub fn new(params: Params) -> Self {
        Self::with_limits(params, Limits::for_params(&params, Limits::DEFAULT_MEMORY_BUDGET))
    }

    /// A hasher with explicit admission limits. A
    /// [`Limits::memory_budget`] below one hash at `params` is raised to
    /// it (as [`Limits::for_params`] does), so the hasher never refuses its
    /// own hashes. The caps on a stored hash's memory are at most the
    /// budget ([`Caps::for_policy`] otherwise): what [`PasswordHasher::inspect`]
    /// admits, a verify can run. [`PasswordHasher::caps`] raises them above
    /// the budget, into the engine's large lane.
    #[must_use]
    pub fn with_limits(params: Params, limits: Limits) -> Self {
        let limits = Limits { memory_budget: limits.memory_budget.max(params.memory_bytes()), ..limits };
        let mut caps = Caps::for_policy(&params);
        caps.max_memory_bytes = caps.max_memory_bytes.min(limits.memory_budget as u64);
        let mut dummy_salt = [0u8; SALT_LEN];
        let mut dummy_hash = [0u8; HASH_LEN];
        // Not secret and never matched: random only so no two services share it.
        let _ = getrandom::fill(&mut dummy_salt);
        let _ = getrandom::fill(&mut dummy_hash);
        Self {
            params,
            caps,
            engine: Engine::new(limits, params.memory_bytes()),
            dummy: phc::encode(Algorithm::Argon2id, Version::V0x13, &params, &dummy_salt, &dummy_hash),
            plaintext_ok: false,
            #[cfg(feature = "pepper")]
            pepper: None,
            #[cfg(feature = "pepper")]
            unbound_ok: false,
        }
    }

    /// Seals every new hash under `keyring` (a pepper the database never
    /// sees: a stolen table cannot be cracked without the key). Verify
    /// opens sealed hashes first; plain hashes still verify and ask for an
    /// upgrade (which is sealed); hashes sealed under a non-primary key ask
    /// for a re-seal. Rotate with the keyring, then [`PasswordHasher::reseal`]
    /// stored values offline — no user's password is needed.
    #[cfg(feature = "pepper")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pepper")))]
    #[must_use]
    pub fn with_pepper(mut self, keyring: std::sync::Arc<guardrail_keys::Keyring>) -> Self {
        // The dummy is sealed too, so unknown users cost the same open.
        if let Ok(sealed) = seal(&keyring, &self.dummy) {
            self.dummy = sealed;
        }
        self.pepper = Some(keyring);
        self
    }

    /// Re-seals a stored value under the pepper keyring's primary key
    /// (offline rotation). Plain values are sealed; sealed values are opened
    /// (under any enabled key) and sealed again under the primary.
    ///
    /// # Errors
    ///
    /// [`Error::Pepper`] when the hasher has no pepper keyring, a sealed
    /// value does not open, or sealing fails; [`Error::Malformed`] or
    /// [`Error::OutOfPolicy`] for a damaged or oversized sealed value;
    /// [`Error::Unsupported`] for a value bound to its row
    /// (`$guardrail-sealed$v2$`: it is re-sealed under the primary key by
    /// its next login, `verify_bound`).
    #[cfg(feature = "pepper")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pepper")))]
    pub fn reseal(&self, stored: &str) -> Result<PasswordHash, Error> {
        let keyring = self.pepper.as_ref().ok_or(Error::Pepper)?;
        if stored.starts_with(BOUND_PREFIX) {
            return Err(BOUND_REFUSED);
        }
        let inner = match stored.strip_prefix(SEALED_PREFIX) {
            Some(_) => open_sealed(keyring, stored)?.0,
            None => stored.to_owned(),
        };
        seal(keyring, &inner).map(PasswordHash)
    }

    /// Wraps a plain PHC string for storage (sealed when a pepper is set).
    fn finish(&self, phc: String) -> Result<PasswordHash, Error> {
        #[cfg(feature = "pepper")]
        if let Some(keyring) = &self.pepper {
            return seal(keyring, &phc).map(PasswordHash);
        }
        Ok(PasswordHash(phc))
    }

    /// Replaces the caps on stored hashes' cost, for every scheme (argon2,
    /// wrapped and legacy): checked while parsing, before any job is queued.
    /// A stored hash needing more memory than [`Limits::memory_budget`] but
    /// within `caps` runs in the engine's large lane, one at a time.
    #[must_use]
    pub fn caps(mut self, caps: Caps) -> Self {
        self.caps = caps;
        self.engine.set_large_cap(caps.max_memory_bytes);
        self
    }

    /// Verifies stored plaintext (Spring's `{noop}`, LDAP's `{CLEARTEXT}`)
    /// — compared in constant time and always upgraded to argon2id on a
    /// successful login. Off by default: such a row is refused with
    /// [`Error::PlaintextRefused`]. Opt in only to migrate a table that
    /// holds plaintext, and only until its rows are wrapped
    /// ([`PasswordHasher::wrap`]; a wrapped plaintext row verifies without
    /// the opt-in) or its users have logged in once.
    #[must_use]
    pub fn accept_plaintext_for_legacy_use_only(mut self) -> Self {
        self.plaintext_ok = true;
        self
    }

    /// The parameters new hashes get.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// How many hashes may run at once (the hashing threads).
    #[must_use]
    pub fn max_concurrent(&self) -> usize {
        self.engine.max_concurrent()
    }

    /// The most jobs (hashes, verifies, legacy verifies, policy checks)
    /// that ever ran at once: never above [`PasswordHasher::max_concurrent`]
    /// plus one (a stored hash needing more than half the memory budget
    /// runs in the engine's large lane, one at a time, beside the others).
    #[must_use]
    pub fn peak_in_flight(&self) -> usize {
        self.engine.peak_in_flight()
    }

    /// How many jobs run right now.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.engine.in_flight()
    }

    /// The memory budget of [`Limits::memory_budget`], in bytes.
    #[must_use]
    pub fn memory_budget(&self) -> usize {
        self.engine.memory_budget()
    }

    /// Memory the running jobs declared (argon2: m × 1024 each), in bytes.
    #[must_use]
    pub fn in_flight_bytes(&self) -> usize {
        self.engine.in_flight_bytes()
    }

    /// The most memory running jobs ever held at once, in bytes: never
    /// above [`PasswordHasher::memory_budget`] plus one large-lane job
    /// (at most [`Caps::max_memory_bytes`], set by [`PasswordHasher::caps`]).
    #[must_use]
    pub fn peak_in_flight_bytes(&self) -> usize {
        self.engine.peak_in_flight_bytes()
    }

    /// Hashes a password (NFKC-normalised first, NIST SP 800-63B-4 §3.1.1.2)
    /// with a fresh 16-byte salt. Does not check the policy: new passwords
    /// (sign-up, change, reset) go through [`crate::PasswordPolicy::check_new`]
    /// and [`PasswordHasher::hash_new`] (async callers: `hash_new_async`,
    /// feature `tokio`, does both on the workers).
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::hash_bytes`], and [`Error::PasswordTooLong`]
    /// past [`crate::MAX_PASSWORD_BYTES`] bytes.
    pub fn hash(&self, password: &SecretString) -> Result<PasswordHash, Error> {
        ready(self.hash_in(password.expose_secret(), Mode::Blocking))
    }

    pub(crate) async fn hash_in(&self, password: &str, mode: Mode) -> Result<PasswordHash, Error> {
        let normalized = normalize(password)?;
        self.hash_bytes_in(normalized.as_bytes(), mode).await
    }

    /// Hashes raw bytes as they are (no normalisation), for passwords that
    /// are not text.
    ///
    /// # Errors
    ///
    /// [`Error::PasswordTooLong`] past [`crate::MAX_PASSWORD_BYTES`] bytes;
    /// [`Error::Busy`] when no hashing slot frees up within the limits'
    /// `wait`; [`Error::Random`] when the system's random number generator
    /// fails; [`Error::Pepper`] when sealing under the pepper keyring
    /// fails; [`Error::OutOfPolicy`] `{ param: "m" }` when one hash at the
    /// policy's memory needs more than [`Limits::memory_budget`] (only
    /// with hand-made `Limits`: [`Limits::for_params`] always fits one);
    /// [`Error::Argon2`] (not expected with checked parameters).
    pub fn hash_bytes(&self, password: &[u8]) -> Result<PasswordHash, Error> {
        ready(self.hash_bytes_in(password, Mode::Blocking))
    }

    async fn hash_bytes_in(&self, password: &[u8], mode: Mode) -> Result<PasswordHash, Error> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(Error::PasswordTooLong);
        }
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|_| Error::Random)?;
        let input = Input {
            algorithm: Algorithm::Argon2id,
            version: Version::V0x13,
            params: self.params,
            password,
            salt: &salt,
            secret: &[],
            ad: &[],
        };
        let tag = self.tag(&input, HASH_LEN, mode).await?;
        self.finish(phc::encode(Algorithm::Argon2id, Version::V0x13, &self.params, &salt, &tag))
    }

    /// Verifies a password against a stored PHC string, and says whether to
    /// store an upgraded hash. For checks that are not a login (the current
    /// password before a change, say); a login is
    /// [`PasswordHasher::verify_login`], which also covers the missing account.
    ///
    /// The NFKC form is tried first; only if the input was not already
    /// NFKC and that fails, the raw bytes (a hash another system made from
    /// un-normalised input), which then asks for an upgrade.
    ///
    /// # Errors
    ///
    /// Errors are for the stored hash ([`Error::Malformed`],
    /// [`Error::Unsupported`], [`Error::PlaintextRefused`] for stored
    /// plaintext without the opt-in, [`Error::OutOfPolicy`] above the caps
    /// or the memory budget,
    /// [`Error::Pepper`] for a sealed value that does not open), an
    /// over-long password ([`Error::PasswordTooLong`]), or [`Error::Busy`];
    /// never for a wrong password. An upgrade is hashed as by
    /// [`PasswordHasher::hash_bytes`], with its errors.
    pub fn verify(&self, password: &SecretString, stored: &str) -> Result<Verification, Error> {
        ready(self.verify_in(password.expose_secret(), stored, Mode::Blocking))
    }

    pub(crate) async fn verify_in(&self, raw: &str, stored: &str, mode: Mode) -> Result<Verification, Error> {
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(Error::PasswordTooLong);
        }
        let normalized = normalize(raw)?;
        let candidate = Candidate { raw: raw.as_bytes(), normalized: normalized.as_bytes() };
        self.verify_any(candidate, stored, mode).await
    }

    /// Verifies raw bytes (no normalisation) against a stored hash, for
    /// passwords that are not text (a login with text passwords is
    /// [`PasswordHasher::verify_login`]).
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify`].
    pub fn verify_bytes(&self, password: &[u8], stored: &str) -> Result<Verification, Error> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(Error::PasswordTooLong);
        }
        ready(self.verify_any(Candidate { raw: password, normalized: password }, stored, Mode::Blocking))
    }

    /// Dispatches on the stored format: argon2 PHC, Django's `argon2$...`
    /// wrapping of it, or (feature `legacy`) an older scheme.
    async fn verify_any(&self, pw: Candidate<'_>, stored: &str, mode: Mode) -> Result<Verification, Error> {
        #[cfg(feature = "pepper")]
        if let Some(keyring) = &self.pepper {
            return match stored.strip_prefix(SEALED_PREFIX) {
                Some(_) => {
                    let (inner, current_key) = open_sealed(keyring, stored)?;
                    match self.verify_unpeppered(pw, &inner, mode).await? {
                        // Sealed under an older key: store it re-sealed.
                        Verification::Valid { upgrade: None } if !current_key => {
                            Ok(Verification::Valid { upgrade: Some(PasswordHash(seal(keyring, &inner)?)) })
                        }
                        other => Ok(other),
                    }
                }
                // Plain hashes from before the pepper: verify, then store sealed.
                None => match self.verify_unpeppered(pw, stored, mode).await? {
                    Verification::Valid { upgrade: None } => {
                        Ok(Verification::Valid { upgrade: Some(PasswordHash(seal(keyring, stored)?)) })
                    }
                    other => Ok(other),
                },
            };
        }
        self.verify_unpeppered(pw, stored, mode).await
    }

    /// A candidate against an unsealed (or opened) value, no pepper step.
    #[cfg(feature = "pepper")]
    async fn verify_inner(&self, raw: &str, inner: &str, mode: Mode) -> Result<Verification, Error> {
        let normalized = normalize(raw)?;
        let candidate = Candidate { raw: raw.as_bytes(), normalized: normalized.as_bytes() };
        self.verify_unpeppered(candidate, inner, mode).await
    }

    async fn verify_unpeppered(&self, pw: Candidate<'_>, stored: &str, mode: Mode) -> Result<Verification, Error> {
        match self.classify(stored)? {
            Stored::Phc { phc, force_upgrade } => self.verify_phc(&phc, pw, force_upgrade, mode).await,
            #[cfg(feature = "legacy")]
            Stored::Legacy(parsed) => self.verify_legacy(pw, parsed, mode).await,
            #[cfg(feature = "legacy")]
            Stored::Wrapped(wrapped) => self.verify_wrapped(pw, wrapped, mode).await,
        }
    }

    /// An unsealed stored value, parsed once and checked against the caps
    /// (`stored.rs`): one dispatch for [`PasswordHasher::verify`],
    /// [`PasswordHasher::inspect`] and [`PasswordHasher::check_stored`].
    fn classify(&self, stored: &str) -> Result<Stored, Error> {
        #[cfg(feature = "pepper")]
        if stored.starts_with(BOUND_PREFIX) {
            return Err(BOUND_REFUSED);
        }
        stored::parse(stored, &self.caps, self.plaintext_ok)
    }

    async fn verify_phc(
        &self,
        stored: &phc::Phc,
        pw: Candidate<'_>,
        force_upgrade: bool,
        mode: Mode,
    ) -> Result<Verification, Error> {
        if self.matches(stored, pw.normalized, mode).await? {
            return self.valid(stored, pw.normalized, force_upgrade, mode).await;
        }
        if pw.normalized != pw.raw && self.matches(stored, pw.raw, mode).await? {
            return self.valid(stored, pw.normalized, true, mode).await;
        }
        Ok(Verification::Invalid)
    }

    /// What a stored value is — scheme, public parameters, cost, whether a
    /// login would upgrade it — without computing anything (no salt, no
    /// digest): for a census of a table, or checking rows before an import.
    /// Sealed values are opened (under the pepper keyring) first.
    ///
    /// # Errors
    ///
    /// What [`PasswordHasher::verify`] would answer for the stored value
    /// before any work: [`Error::Malformed`], [`Error::Unsupported`],
    /// [`Error::PlaintextRefused`] (stored plaintext without
    /// [`PasswordHasher::accept_plaintext_for_legacy_use_only`]),
    /// [`Error::OutOfPolicy`] above the caps, or [`Error::Pepper`] for a
    /// sealed value that does not open.
    pub fn inspect(&self, stored: &str) -> Result<StoredInfo, Error> {
        #[cfg(feature = "pepper")]
        if let Some(keyring) = &self.pepper
            && stored.starts_with(SEALED_PREFIX)
        {
            let (inner, _) = open_sealed(keyring, stored)?;
            return self.classify(&inner).map(|parsed| parsed.info(&self.params));
        }
        self.classify(stored).map(|parsed| parsed.info(&self.params))
    }

    /// Checks that `stored` is a hash this hasher can verify, without
    /// computing anything: [`PasswordHasher::inspect`] without the answer.
    /// Every scheme's cost is checked against the caps here, so a row a
    /// login would refuse is refused at import.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::inspect`].
    pub fn check_stored(&self, stored: &str) -> Result<(), Error> {
        self.inspect(stored).map(drop)
    }

    async fn valid(
        &self,
        stored: &phc::Phc,
        normalized: &[u8],
        force_upgrade: bool,
        mode: Mode,
    ) -> Result<Verification, Error> {
        let upgrade = if stored.outdated(&self.params) || force_upgrade {
            Some(self.hash_bytes_in(normalized, mode).await?)
        } else {
            None
        };
        Ok(Verification::Valid { upgrade })
    }

    async fn matches(&self, stored: &phc::Phc, password: &[u8], mode: Mode) -> Result<bool, Error> {
        let input = Input {
            algorithm: stored.algorithm,
            version: stored.version,
            params: stored.params,
            password,
            salt: &stored.salt,
            secret: &[],
            ad: &[],
        };
        let tag = self.tag(&input, stored.hash.len(), mode).await?;
        Ok(guardrail_ct::eq(&tag, &stored.hash))
    }

    /// One argon2 computation as an engine job: its tag.
    async fn tag(&self, input: &Input<'_>, len: usize, mode: Mode) -> Result<Zeroizing<Vec<u8>>, Error> {
        match self.run(Job::argon2(input, len), mode).await? {
            Output::Tag(tag) => Ok(tag),
            Output::Flag(_) => Err(Error::TaskFailed),
        }
    }

    /// The engine's one entry point, blocking or awaited.
    pub(crate) async fn run(&self, job: Job, mode: Mode) -> Result<Output, Error> {
        match mode {
            Mode::Blocking => self.engine.run(job),
            #[cfg(feature = "tokio")]
            Mode::Async => self.engine.run_async(job).await,
        }
    }
}

/// How a flow (hash, verify) waits for the engine. The flows are written
/// once, as `async fn`s: the sync API drives them with [`ready`] in
/// `Blocking` mode, the async API (feature `tokio`) awaits them in `Async`
/// mode. Parsing and normalisation (microseconds) run on the caller's
/// thread or task either way; every computation is an engine job.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mode {
    /// Each engine call blocks this thread until its job is done.
    Blocking,
    /// Each engine call awaits its job's result.
    #[cfg(feature = "tokio")]
    Async,
}

/// Runs a `Mode::Blocking` flow to its end. In that mode no engine call
/// ever yields (each blocks the thread), so the first poll completes it.
fn ready<T>(flow: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    let mut flow = pin!(flow);
    match flow.as_mut().poll(&mut task::Context::from_waker(task::Waker::noop())) {
        task::Poll::Ready(result) => result,
        // Not reachable in Blocking mode; an error, never a panic.
        task::Poll::Pending => Err(Error::TaskFailed),
    }
}

/// NFKC, in a buffer wiped on drop, sized for the largest NFKC expansion
/// (18×, U+FDFA) so it never reallocates and leaves a copy behind.
fn normalize(password: &str) -> Result<Zeroizing<String>, Error> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::PasswordTooLong);
    }
    if is_nfkc(password) {
        return Ok(Zeroizing::new(password.to_owned()));
    }
    let mut out = Zeroizing::new(String::with_capacity(password.len() * 18));
    out.extend(password.nfkc());
    Ok(out)
}

/// What the unbound API answers for a value bound to its row.
#[cfg(feature = "pepper")]
const BOUND_REFUSED: Error = Error::Unsupported { what: "bound sealed hash (use the bound API with its binding)" };
