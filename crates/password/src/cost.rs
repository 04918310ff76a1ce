//! One cost model for every stored hash: before any work, a parsed hash
//! states the memory it needs (bytes) and the time it takes, in **block
//! passes** — the time argon2 takes to fill one 1 KiB block once. argon2
//! m KiB × t passes is m·t block passes; every other primitive's work is
//! converted with a factor per unit (an iteration, a round, 2^cost) measured
//! by `cargo run --release -p guardrail-benches --bin cost-model`, which
//! prints the table pinned below.
//!
//! The caps ([`crate::Caps`]) bound both dimensions, so one knob admits or
//! refuses every scheme alike: a stored `$pbkdf2-sha512$5000000$…` costs
//! what its iterations cost, not what a per-scheme table allowed.

#[cfg(feature = "legacy")]
use crate::Caps;
use crate::Error;

/// What verifying one stored hash costs, stated before any work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cost {
    /// Working memory, bytes.
    pub memory_bytes: u64,
    /// Work, in argon2 block passes (one 1 KiB block filled once).
    pub block_passes: u64,
}

impl Cost {
    /// A cost of `memory_bytes` and `block_passes`.
    #[must_use]
    pub const fn new(memory_bytes: u64, block_passes: u64) -> Self {
        Self { memory_bytes, block_passes }
    }

    /// argon2 with `m_kib` KiB and `t` passes: m·1024 bytes, m·t block passes.
    #[must_use]
    pub const fn argon2(m_kib: u32, t: u32) -> Self {
        Self { memory_bytes: m_kib as u64 * 1024, block_passes: m_kib as u64 * t as u64 }
    }

    /// `units` of a primitive that costs `milli` thousandths of a block
    /// pass per unit (one of the `cost::factor` constants), saturating.
    #[must_use]
    pub const fn work(units: u64, milli: u64) -> u64 {
        let passes = units.saturating_mul(milli) / 1000;
        if passes == 0 { 1 } else { passes }
    }

    /// Both costs added, saturating (a verify that may run twice, a wrap's
    /// inner scheme plus its argon2id).
    #[must_use]
    pub const fn saturating_add(self, other: Self) -> Self {
        Self {
            memory_bytes: if self.memory_bytes > other.memory_bytes { self.memory_bytes } else { other.memory_bytes },
            block_passes: self.block_passes.saturating_add(other.block_passes),
        }
    }

    /// This cost run `runs` times one after another: the same memory (one
    /// job at a time), the work multiplied (saturating).
    #[must_use]
    pub const fn times(self, runs: u64) -> Self {
        Self { memory_bytes: self.memory_bytes, block_passes: self.block_passes.saturating_mul(runs) }
    }
}

#[cfg(feature = "legacy")]
/// Thousandths of a block pass per unit of each primitive, as measured by
/// `nice -n 10 cargo run --release -p guardrail-benches --bin cost-model`
/// (2026-11-30, the 2-core reference machine: one block pass 563.4 ns). A
/// machine without SHA extensions pays more for SHA-1/SHA-256 relative to
/// argon2: re-run the bench there and compare before raising caps.
pub(crate) mod factor {
    /// PBKDF2-HMAC-SHA1, per iteration.
    pub(crate) const PBKDF2_SHA1: u64 = 247;
    /// PBKDF2-HMAC-SHA256, per iteration.
    pub(crate) const PBKDF2_SHA256: u64 = 220;
    /// PBKDF2-HMAC-SHA512, per iteration.
    pub(crate) const PBKDF2_SHA512: u64 = 1501;
    /// scrypt, per unit of N·r·p.
    pub(crate) const SCRYPT: u64 = 590;
    /// bcrypt, per unit of 2^cost.
    pub(crate) const BCRYPT: u64 = 125_627;
    /// sha256-crypt, per round.
    pub(crate) const SHA256_CRYPT: u64 = 238;
    /// sha512-crypt, per round.
    pub(crate) const SHA512_CRYPT: u64 = 1720;
    /// sha1-crypt (HMAC-SHA1), per round.
    pub(crate) const SHA1_CRYPT: u64 = 226;
    /// One MD5 compression (phpass per 2^log2 iteration, md5-crypt per round).
    pub(crate) const MD5: u64 = 268;
    /// One plain digest of a short input (MD4, MD5, SHA-1, SHA-2; measured
    /// as one SHA-512, the dearest).
    pub(crate) const DIGEST: u64 = 815;
}

#[cfg(feature = "legacy")]
/// Refuses `units` of work at `milli` per unit when it exceeds the caps'
/// block passes, naming `param` and the largest admitted number of units
/// (in `unit`: "iterations", "rounds", …).
///
/// # Errors
///
/// [`Error::OutOfPolicy`] naming `param` and the cap in `unit`.
pub(crate) fn check_work(
    caps: &Caps,
    param: &'static str,
    unit: &'static str,
    units: u64,
    milli: u64,
) -> Result<(), Error> {
    if Cost::work(units, milli) <= caps.max_block_passes {
        return Ok(());
    }
    // The largest `units` with units·milli/1000 (rounded down) within the cap.
    let cap = caps.max_block_passes.saturating_add(1).saturating_mul(1000).saturating_sub(1) / milli.max(1);
    Err(over(param, cap, unit))
}

#[cfg(feature = "legacy")]
/// What one login against a legacy scheme costs in all, before any job is
/// queued: the scheme's cost for the longest candidate form
/// ([`crate::legacy::Scheme::cost_for`]) plus `outer` (a wrapped hash's
/// argon2id; [`Cost::default`] for none), run twice when the NFKC form
/// differs from the raw bytes (both are tried).
pub(crate) fn login(scheme: &dyn crate::legacy::Scheme, outer: Cost, normalized: &[u8], raw: &[u8]) -> Cost {
    let runs = if normalized == raw { 1 } else { 2 };
    scheme.cost_for(normalized.len().max(raw.len())).saturating_add(outer).times(runs)
}

#[cfg(feature = "legacy")]
/// Refuses a login (or a wrapped hash's inner scheme and argon2id together)
/// whose total cost is above `caps`: `cost.memory_bytes` is the largest
/// single job, `cost.block_passes` the sum of every job it runs. Each
/// parameter's own check (`Scheme::check`) stays at parse time; this is
/// the one check of the sum.
///
/// # Errors
///
/// [`Error::OutOfPolicy`] with `param: "memory"` (cap in bytes) or
/// `param: "work"` (cap in block passes).
pub(crate) fn check_login(caps: &Caps, cost: Cost) -> Result<(), Error> {
    if cost.memory_bytes > caps.max_memory_bytes {
        return Err(over("memory", caps.max_memory_bytes, "bytes"));
    }
    if cost.block_passes > caps.max_block_passes {
        return Err(over("work", caps.max_block_passes, "block passes"));
    }
    Ok(())
}

/// The refusal of a stored parameter above its cap. Never the stored value.
pub(crate) fn over(param: &'static str, cap: u64, unit: &'static str) -> Error {
    Error::OutOfPolicy { param, cap, unit }
}
