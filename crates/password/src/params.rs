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

/// The largest parameters a stored hash may ask for. Checked while parsing,
/// before any memory is allocated: a row written by an attacker must not
/// make a login allocate gigabytes or run for minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Largest memory, KiB.
    pub max_m_cost: u32,
    /// Most passes.
    pub max_t_cost: u32,
    /// Most lanes.
    pub max_p_cost: u32,
    /// Longest salt, bytes.
    pub max_salt_len: usize,
    /// Longest tag, bytes.
    pub max_hash_len: usize,
}

impl Caps {
    /// Four times the policy's memory and passes (room for a stronger past
    /// policy), 16 lanes, 64-byte salts, 128-byte tags.
    #[must_use]
    pub fn for_policy(params: &Params) -> Self {
        Self {
            max_m_cost: params.m_cost.saturating_mul(4),
            max_t_cost: params.t_cost.saturating_mul(4).max(10),
            max_p_cost: params.p_cost.max(16),
            max_salt_len: 64,
            max_hash_len: 128,
        }
    }

    /// The most memory a stored hash may need, bytes (WP-A: becomes a field).
    pub(crate) fn max_memory_bytes(&self) -> u64 {
        u64::from(self.max_m_cost) * 1024
    }

    /// The most work a stored hash may take, block passes (WP-A: becomes a field).
    pub(crate) fn max_block_passes(&self) -> u64 {
        u64::from(self.max_m_cost) * u64::from(self.max_t_cost)
    }
}
