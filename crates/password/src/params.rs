use crate::Error;

/// Argon2id cost parameters: memory in KiB, passes, lanes.
///
/// Built through [`Params::new`], which checks them, or taken from the
/// named profiles. The default is [`Params::OWASP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Params {
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
}

impl Default for Params {
    /// [`Params::OWASP`].
    fn default() -> Self {
        Self::OWASP
    }
}

impl Params {
    /// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB (19456 KiB), t = 2, p = 1.
    pub const OWASP: Self = Self { m_cost: 19456, t_cost: 2, p_cost: 1 };
    /// RFC 9106 §4, second recommended option ("low memory"): m = 64 MiB, t = 3, p = 4.
    pub const RFC9106_LOW_MEMORY: Self = Self { m_cost: 65536, t_cost: 3, p_cost: 4 };
    /// The most lanes accepted (RFC 9106 allows 2^24 - 1; no machine uses more than this).
    pub const MAX_P_COST: u32 = 255;

    /// Checked parameters: `m_cost` memory in KiB, `t_cost` passes over
    /// it, `p_cost` lanes; `t_cost >= 1`, `1 <= p_cost <= 255`,
    /// `m_cost >= 8 * p_cost` (RFC 9106 §3.1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParams`] naming the first parameter (`"m"`, `"t"` or
    /// `"p"`) outside those bounds.
    pub fn new(m_cost: u32, t_cost: u32, p_cost: u32) -> Result<Self, Error> {
        if t_cost == 0 {
            return Err(Error::InvalidParams { name: "t" });
        }
        if p_cost == 0 || p_cost > Self::MAX_P_COST {
            return Err(Error::InvalidParams { name: "p" });
        }
        if u64::from(m_cost) < 8 * u64::from(p_cost) {
            return Err(Error::InvalidParams { name: "m" });
        }
        Ok(Self { m_cost, t_cost, p_cost })
    }

    /// Memory in KiB.
    #[must_use]
    pub const fn m_cost(&self) -> u32 {
        self.m_cost
    }

    /// Passes over memory.
    #[must_use]
    pub const fn t_cost(&self) -> u32 {
        self.t_cost
    }

    /// Lanes.
    #[must_use]
    pub const fn p_cost(&self) -> u32 {
        self.p_cost
    }

    /// Memory one hash with these parameters uses, in bytes.
    #[must_use]
    pub const fn memory_bytes(&self) -> usize {
        self.m_cost as usize * 1024
    }

    /// True when any parameter of `self` is below the policy's (less
    /// memory, fewer passes or fewer lanes), so a hash made with it should
    /// be re-hashed at the next successful login.
    #[must_use]
    pub const fn weaker_than(&self, policy: &Self) -> bool {
        self.m_cost < policy.m_cost || self.t_cost < policy.t_cost || self.p_cost < policy.p_cost
    }
}

/// The largest cost a stored hash may ask for, in every scheme alike (the
/// cost model of [`crate::Cost`]): memory in bytes and work in argon2 block
/// passes, plus argon2's structural limits. Checked while parsing, before
/// any memory is allocated or any job queued: a row written by an attacker
/// must not make a login allocate gigabytes or run for minutes.
///
/// The defaults admit every mainstream framework's default (libsodium
/// MODERATE's 256 MiB, bcrypt cost 14, Django's 1,000,000 PBKDF2-SHA256
/// iterations) and refuse what costs more than about a second on one core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Most memory one verify may need, bytes (argon2 m × 1024, scrypt
    /// 128·r·N).
    pub max_memory_bytes: u64,
    /// Most work one verify may take, argon2 block passes (argon2 m × t;
    /// other schemes through their measured factors).
    pub max_block_passes: u64,
    /// Most argon2 lanes.
    pub max_p_cost: u32,
    /// Longest argon2 salt, bytes.
    pub max_salt_len: usize,
    /// Longest argon2 tag, bytes.
    pub max_hash_len: usize,
}

impl Caps {
    /// The default memory cap: 256 MiB (libsodium MODERATE; the engine's
    /// default memory budget).
    pub const DEFAULT_MAX_MEMORY_BYTES: u64 = 256 << 20;
    /// The default work cap: 2,097,152 block passes (about 1 s on the
    /// reference core; bcrypt 14 admitted, 15 refused).
    pub const DEFAULT_MAX_BLOCK_PASSES: u64 = 2_097_152;

    /// The defaults, raised where the policy's own parameters need more:
    /// never below four times the policy's memory and four times its passes
    /// (at least 10) of earlier releases, so nothing they admitted for
    /// argon2 is refused; 16 lanes (or the policy's), 64-byte salts,
    /// 128-byte tags.
    #[must_use]
    pub fn for_policy(params: &Params) -> Self {
        let old_m_kib = u64::from(params.m_cost).saturating_mul(4);
        let old_t = u64::from(params.t_cost).saturating_mul(4).max(10);
        Self {
            max_memory_bytes: Self::DEFAULT_MAX_MEMORY_BYTES.max(old_m_kib.saturating_mul(1024)),
            max_block_passes: Self::DEFAULT_MAX_BLOCK_PASSES.max(old_m_kib.saturating_mul(old_t)),
            max_p_cost: params.p_cost.max(16),
            max_salt_len: 64,
            max_hash_len: 128,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_policy_never_admits_less_than_the_old_argon2_caps() {
        let owasp = Caps::for_policy(&Params::OWASP);
        assert_eq!(owasp.max_memory_bytes, Caps::DEFAULT_MAX_MEMORY_BYTES);
        assert_eq!(owasp.max_block_passes, Caps::DEFAULT_MAX_BLOCK_PASSES);
        // RFC 9106 low memory: old caps m <= 262,144 KiB, t <= 12.
        let low = Caps::for_policy(&Params::RFC9106_LOW_MEMORY);
        assert_eq!(low.max_memory_bytes, 262_144 * 1024);
        assert_eq!(low.max_block_passes, 262_144 * 12);
        assert_eq!((low.max_p_cost, low.max_salt_len, low.max_hash_len), (16, 64, 128));
    }
}
