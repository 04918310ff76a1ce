//! The argon2id engines the password measures put side by side, each doing
//! the work of one verify of a wrong password (the full hash, then a
//! comparison that fails):
//!
//! - [`GuardrailVerify`]: `PasswordHasher::verify` against a stored hash,
//!   with everything guardrail adds (parsing, admission, its workers, the
//!   wipe guarantees);
//! - [`Argon2Rust`]: argon2-rust 1.1's pooled `Hasher`, its arena kept
//!   between hashes (the baseline of the password engine issue);
//! - [`RustCrypto`]: RustCrypto `argon2` 0.6 with one block buffer reused
//!   across hashes (`hash_password_into_with_memory`), or allocating per
//!   hash as its `hash_password_into` does.
//!
//! The same password, salt length and tag length for all, so the engines
//! differ only in how they fill and manage memory.

use guardrail_password::{PasswordHasher, Verification};
use guardrail_secret::SecretString;

/// What a setup or a verify of these engines can fail with (none is
/// expected; a measuring tool reports it and stops).
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The password every stored hash and tag is made from.
pub const PASSWORD: &str = "correct horse battery staple";
/// The wrong guess every arm verifies: close to [`PASSWORD`], so nothing
/// can answer early.
pub const WRONG: &str = "correct horse battery stapler";
/// The raw engines' salt (guardrail draws its own 16 random bytes).
const SALT: [u8; 16] = *b"0123456789abcdef";
/// The tag length guardrail stores.
const TAG_BYTES: usize = 32;

/// One argon2id parameter set: memory in KiB, passes, lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// A short name for reports.
    pub name: &'static str,
    /// Memory, KiB (argon2's m).
    pub m_kib: u32,
    /// Passes (argon2's t).
    pub t: u32,
    /// Lanes (argon2's p).
    pub p: u32,
}

impl Profile {
    /// OWASP's profile, guardrail's default: m=19456 KiB, t=2, p=1.
    pub const OWASP: Self = Self { name: "owasp", m_kib: 19456, t: 2, p: 1 };
    /// RFC 9106's low-memory option: m=65536 KiB, t=3, p=4.
    pub const RFC9106_LOW: Self = Self { name: "rfc9106-low", m_kib: 65536, t: 3, p: 4 };

    /// `m,t,p` (KiB, passes, lanes), as `AUTH_SERVICE_ARGON2` writes them;
    /// `None` unless three whole numbers.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(',').map(|part| part.trim().parse::<u32>().ok());
        let (Some(Some(m_kib)), Some(Some(t)), Some(Some(p)), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(Self { name: "custom", m_kib, t, p })
    }

    /// The memory one hash fills, MiB.
    #[must_use]
    pub fn memory_mib(&self) -> f64 {
        f64::from(self.m_kib) / 1024.0
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (m={} KiB, t={}, p={})", self.name, self.m_kib, self.t, self.p)
    }
}

/// guardrail's `verify` of [`WRONG`] against a stored hash of [`PASSWORD`],
/// through a `PasswordHasher::new` at the profile's parameters (its default
/// limits and memory budget).
#[derive(Debug)]
pub struct GuardrailVerify {
    hasher: PasswordHasher,
    stored: String,
    wrong: SecretString,
}

impl GuardrailVerify {
    /// The hasher and a stored hash (one hash at the profile's cost).
    ///
    /// # Errors
    ///
    /// The profile's parameters are refused, or hashing failed.
    pub fn new(profile: Profile) -> Result<Self, Error> {
        let params = guardrail_password::Params::new(profile.m_kib, profile.t, profile.p)?;
        let hasher = PasswordHasher::new(params);
        let stored = hasher.hash(&SecretString::from(PASSWORD))?.into_string_for_storage();
        Ok(Self { hasher, stored, wrong: SecretString::from(WRONG) })
    }

    /// The hasher, for what a tool reports about it.
    #[must_use]
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    /// One verify of the wrong password: `true` when it was refused (as it
    /// must be).
    ///
    /// # Errors
    ///
    /// The hasher's (`Busy` under contention).
    pub fn run(&self) -> Result<bool, Error> {
        Ok(matches!(self.hasher.verify(&self.wrong, &self.stored)?, Verification::Invalid))
    }
}

/// argon2-rust 1.1's pooled `Hasher` (arena kept, wiped, between hashes)
/// with a tag of [`PASSWORD`] to compare against.
pub struct Argon2Rust {
    hasher: argon2_rust::Hasher,
    expected: [u8; TAG_BYTES],
}

impl std::fmt::Debug for Argon2Rust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params = self.hasher.params();
        f.debug_struct("Argon2Rust").field("lanes", &params.lanes()).field("threads", &params.threads()).finish()
    }
}

impl Argon2Rust {
    /// A pooled hasher filling the profile's lanes on `threads` threads (the
    /// tag does not depend on `threads`), its arena sized by one first hash.
    ///
    /// # Errors
    ///
    /// argon2-rust refuses the parameters, or the first hash fails.
    pub fn new(profile: Profile, threads: u32) -> Result<Self, Error> {
        let params = argon2_rust::Params::builder()
            .memory(argon2_rust::params::Memory::kib(u64::from(profile.m_kib)))
            .passes(profile.t)
            .lanes(profile.p)
            .threads(threads)
            .build()?;
        let argon = argon2_rust::Argon2::new(argon2_rust::Algorithm::Argon2id, argon2_rust::Version::V0x13, params);
        let mut hasher = argon.hasher();
        let mut expected = [0u8; TAG_BYTES];
        hasher.hash_into(PASSWORD.as_bytes(), &SALT, &mut expected)?;
        Ok(Self { hasher, expected })
    }

    /// One verify of the wrong password: `true` when its tag differs (as it
    /// must).
    ///
    /// # Errors
    ///
    /// argon2-rust's (none expected once `new` succeeded).
    pub fn run(&mut self) -> Result<bool, Error> {
        let mut tag = [0u8; TAG_BYTES];
        self.hasher.hash_into(WRONG.as_bytes(), &SALT, &mut tag)?;
        Ok(!constant_time_eq::constant_time_eq(&tag, &self.expected))
    }
}

/// RustCrypto `argon2` 0.6, one thread, with a block buffer kept for reuse
/// and a tag of [`PASSWORD`] to compare against.
pub struct RustCrypto {
    argon: argon2::Argon2<'static>,
    blocks: Vec<argon2::Block>,
    expected: [u8; TAG_BYTES],
}

impl std::fmt::Debug for RustCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustCrypto").field("blocks", &self.blocks.len()).finish()
    }
}

impl RustCrypto {
    /// The hasher and its buffer (`m` blocks of 1 KiB).
    ///
    /// # Errors
    ///
    /// argon2 refuses the parameters, or the first hash fails.
    pub fn new(profile: Profile) -> Result<Self, Error> {
        let params = argon2::Params::new(profile.m_kib, profile.t, profile.p, Some(TAG_BYTES))?;
        let blocks = vec![argon2::Block::default(); params.block_count()];
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut engine = Self { argon, blocks, expected: [0u8; TAG_BYTES] };
        let mut expected = [0u8; TAG_BYTES];
        engine.argon.hash_password_into_with_memory(PASSWORD.as_bytes(), &SALT, &mut expected, &mut engine.blocks)?;
        engine.expected = expected;
        Ok(engine)
    }

    /// One verify of the wrong password in the reused buffer: `true` when
    /// its tag differs (as it must).
    ///
    /// # Errors
    ///
    /// argon2's (none expected once `new` succeeded).
    pub fn run(&mut self) -> Result<bool, Error> {
        let mut tag = [0u8; TAG_BYTES];
        self.argon.hash_password_into_with_memory(WRONG.as_bytes(), &SALT, &mut tag, &mut self.blocks)?;
        Ok(!constant_time_eq::constant_time_eq(&tag, &self.expected))
    }

    /// The same verify with a fresh buffer allocated (and freed) by argon2
    /// (`hash_password_into`), as a caller without a pool does.
    ///
    /// # Errors
    ///
    /// argon2's (none expected once `new` succeeded).
    pub fn run_allocating(&self) -> Result<bool, Error> {
        let mut tag = [0u8; TAG_BYTES];
        self.argon.hash_password_into(WRONG.as_bytes(), &SALT, &mut tag)?;
        Ok(!constant_time_eq::constant_time_eq(&tag, &self.expected))
    }
}

/// The argon2-rust compression backend this CPU runs (AVX-512, AVX2, SSE2,
/// NEON or scalar), and whether the CPU has AVX2 (RustCrypto's `argon2`
/// picks its AVX2 block function at run time too): one line for a report.
#[must_use]
pub fn backends() -> String {
    #[cfg(target_arch = "x86_64")]
    let avx2 = if std::arch::is_x86_feature_detected!("avx2") { "yes" } else { "no" };
    #[cfg(not(target_arch = "x86_64"))]
    let avx2 = "n/a (not x86-64)";
    format!("argon2-rust backend: {}; CPU has AVX2: {avx2}", argon2_rust::detected_backend())
}

/// Sorts `samples` and reads the `q` quantile (0 to 1) by nearest rank;
/// NaN for none.
#[must_use]
pub fn quantile(samples: &mut [f64], q: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let last = samples.len().saturating_sub(1);
    let rank = ((last as f64) * q.clamp(0.0, 1.0)).round() as usize;
    samples.get(rank.min(last)).copied().unwrap_or(f64::NAN)
}
