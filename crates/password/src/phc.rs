//! The PHC string format for argon2, as libargon2 writes it:
//! `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, salt and hash in
//! unpadded standard base64. Parsed by hand so every limit is checked
//! before anything is decoded or allocated.

use base64ct::{Base64Unpadded, Encoding};
use zeroize::Zeroizing;

use crate::{
    Caps, Error, Params,
    engine::core::{Algorithm, Version},
};

/// The longest PHC string looked at.
const MAX_PHC_LEN: usize = 1024;
/// argon2's minimum salt (RFC 9106 §3.1) and tag (4 bytes) lengths.
const MIN_SALT_LEN: usize = 8;
const MIN_HASH_LEN: usize = 4;

#[derive(Debug)]
pub(crate) struct Phc {
    pub(crate) algorithm: Algorithm,
    pub(crate) version: Version,
    pub(crate) params: Params,
    pub(crate) salt: Vec<u8>,
    /// The stored tag: not secret like a password, but worth wiping.
    pub(crate) hash: Zeroizing<Vec<u8>>,
}

fn malformed(part: &'static str) -> Error {
    Error::Malformed { part }
}

/// A decimal `u32` as PHC writes it: digits only, no sign, no leading zero.
fn decimal(s: &str, part: &'static str) -> Result<u32, Error> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return Err(malformed(part));
    }
    s.parse().map_err(|_| malformed(part))
}

fn b64_len(encoded: &str, part: &'static str) -> Result<usize, Error> {
    // Unpadded base64: 4 characters per 3 bytes; a remainder of 1 is impossible.
    match encoded.len() % 4 {
        1 => Err(malformed(part)),
        r => Ok(encoded.len() / 4 * 3 + r.saturating_sub(1)),
    }
}

pub(crate) fn parse(s: &str, caps: &Caps) -> Result<Phc, Error> {
    if s.len() > MAX_PHC_LEN {
        return Err(crate::cost::over("length", MAX_PHC_LEN as u64, "bytes"));
    }
    let mut fields = s.split('$');
    if fields.next() != Some("") {
        return Err(malformed("prefix"));
    }
    let algorithm = match fields.next() {
        Some("argon2id") => Algorithm::Argon2id,
        Some("argon2i") => Algorithm::Argon2i,
        Some("argon2d") => Algorithm::Argon2d,
        Some(_) => return Err(Error::Unsupported { what: "algorithm" }),
        None => return Err(malformed("algorithm")),
    };
    let mut next = fields.next().ok_or_else(|| malformed("params"))?;
    // `v=` is optional: libargon2 before 1.3 wrote none, meaning version 0x10.
    let version = if let Some(v) = next.strip_prefix("v=") {
        let version = match decimal(v, "version")? {
            16 => Version::V0x10,
            19 => Version::V0x13,
            _ => return Err(Error::Unsupported { what: "version" }),
        };
        next = fields.next().ok_or_else(|| malformed("params"))?;
        version
    } else {
        Version::V0x10
    };
    let params = parse_params(next, caps)?;
    let salt_b64 = fields.next().ok_or_else(|| malformed("salt"))?;
    let hash_b64 = fields.next().ok_or_else(|| malformed("hash"))?;
    if fields.next().is_some() {
        return Err(malformed("trailing fields"));
    }
    let salt_len = b64_len(salt_b64, "salt")?;
    let hash_len = b64_len(hash_b64, "hash")?;
    if salt_len > caps.max_salt_len {
        return Err(crate::cost::over("salt", caps.max_salt_len as u64, "bytes"));
    }
    if hash_len > caps.max_hash_len {
        return Err(crate::cost::over("hash", caps.max_hash_len as u64, "bytes"));
    }
    if salt_len < MIN_SALT_LEN {
        return Err(malformed("salt"));
    }
    if hash_len < MIN_HASH_LEN {
        return Err(malformed("hash"));
    }
    let salt = Base64Unpadded::decode_vec(salt_b64).map_err(|_| malformed("salt"))?;
    let hash = Zeroizing::new(Base64Unpadded::decode_vec(hash_b64).map_err(|_| malformed("hash"))?);
    Ok(Phc { algorithm, version, params, salt, hash })
}

/// `m=..,t=..,p=..` in that order; `keyid` and `data` are not supported.
fn parse_params(s: &str, caps: &Caps) -> Result<Params, Error> {
    let mut parts = s.split(',');
    let mut take = |key: &'static str| -> Result<u32, Error> {
        let part = parts.next().ok_or_else(|| malformed("params"))?;
        let value = part.strip_prefix(key).and_then(|r| r.strip_prefix('=')).ok_or_else(|| malformed("params"))?;
        decimal(value, "params")
    };
    let (m, t, p) = (take("m")?, take("t")?, take("p")?);
    if let Some(extra) = parts.next() {
        return Err(if extra.starts_with("keyid=") || extra.starts_with("data=") {
            Error::Unsupported { what: "keyid/data parameters" }
        } else {
            malformed("params")
        });
    }
    // Caps first: nothing is allocated for a hostile row.
    check_cost(m, t, caps)?;
    if p > caps.max_p_cost {
        return Err(crate::cost::over("p", u64::from(caps.max_p_cost), "lanes"));
    }
    Params::new(m, t, p).map_err(|_| malformed("params"))
}

impl Phc {
    /// `argon2id`, `argon2i` or `argon2d`.
    pub(crate) const fn algorithm_name(&self) -> &'static str {
        algorithm_name(self.algorithm)
    }

    /// The parameters as PHC writes them: `m=..,t=..,p=..`.
    pub(crate) fn params_text(&self) -> String {
        format!("m={},t={},p={}", self.params.m_cost(), self.params.t_cost(), self.params.p_cost())
    }

    /// What verifying it costs: m KiB, m·t block passes.
    pub(crate) const fn cost(&self) -> crate::Cost {
        crate::Cost::argon2(self.params.m_cost(), self.params.t_cost())
    }

    /// Whether a hash made today under `policy` would differ: another
    /// algorithm or version, weaker parameters, a shorter salt or tag.
    pub(crate) fn outdated(&self, policy: &Params) -> bool {
        self.algorithm != Algorithm::Argon2id
            || self.version != Version::V0x13
            || self.params.weaker_than(policy)
            || self.salt.len() < crate::hasher::SALT_LEN
            || self.hash.len() < crate::hasher::HASH_LEN
    }
}

/// argon2 through the cost model: m KiB of memory, m·t block passes.
/// Memory refuses `m` (cap in KiB), work refuses `t` (cap in passes at the
/// stored `m`).
fn check_cost(m: u32, t: u32, caps: &Caps) -> Result<(), Error> {
    let cost = crate::Cost::argon2(m, t);
    if cost.memory_bytes > caps.max_memory_bytes {
        return Err(crate::cost::over("m", caps.max_memory_bytes / 1024, "KiB"));
    }
    if cost.block_passes > caps.max_block_passes {
        return Err(crate::cost::over("t", caps.max_block_passes / u64::from(m.max(1)), "passes"));
    }
    Ok(())
}

/// The PHC name of `algorithm`.
const fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Argon2d => "argon2d",
        Algorithm::Argon2i => "argon2i",
        Algorithm::Argon2id => "argon2id",
    }
}

pub(crate) fn encode(algorithm: Algorithm, version: Version, params: &Params, salt: &[u8], hash: &[u8]) -> String {
    let alg = algorithm_name(algorithm);
    let v = if version == Version::V0x10 { 16 } else { 19 };
    format!(
        "${alg}$v={v}$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        Base64Unpadded::encode_string(salt),
        Base64Unpadded::encode_string(hash)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> Caps {
        Caps::for_policy(&Params::OWASP)
    }

    fn err(s: &str) -> String {
        parse(s, &caps()).map_or_else(|e| e.to_string(), |_| "ok".into())
    }

    const GOOD: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

    #[test]
    fn parses_and_round_trips() {
        let phc = parse(GOOD, &caps()).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(phc.params, Params::OWASP);
        assert_eq!(encode(phc.algorithm, phc.version, &phc.params, &phc.salt, &phc.hash), GOOD);
        // No v= means version 0x10.
        let old = parse("$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA", &caps());
        assert_eq!(old.map(|p| p.version).ok(), Some(Version::V0x10));
    }

    #[test]
    fn malformed_and_hostile_strings_are_errors() {
        let cases = [
            ("", "malformed stored hash: algorithm"),
            ("argon2id$v=19", "malformed stored hash: prefix"),
            (
                "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
                "unsupported stored hash: algorithm",
            ),
            ("$argon2id$v=18$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2g", "unsupported stored hash: version"),
            ("$argon2id$v=19$m=019456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2g", "malformed stored hash: params"),
            ("$argon2id$v=19$t=2,m=19456,p=1$c29tZXNhbHQ$aGFzaGhhc2g", "malformed stored hash: params"),
            (
                "$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2g",
                "stored hash out of policy: m above the cap of 262144 KiB",
            ),
            (
                "$argon2id$v=19$m=19456,t=4000000,p=1$c29tZXNhbHQ$aGFzaGhhc2g",
                "stored hash out of policy: t above the cap of 107 passes",
            ),
            (
                "$argon2id$v=19$m=19456,t=2,p=200$c29tZXNhbHQ$aGFzaGhhc2g",
                "stored hash out of policy: p above the cap of 16 lanes",
            ),
            (
                "$argon2id$v=19$m=19456,t=2,p=1,keyid=YWJj$c29tZXNhbHQ$aGFzaGhhc2g",
                "unsupported stored hash: keyid/data parameters",
            ),
            ("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaGhhc2g", "malformed stored hash: salt"),
            ("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGE", "malformed stored hash: hash"),
            ("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2g$x", "malformed stored hash: trailing fields"),
            ("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbH!$aGFzaGhhc2g", "malformed stored hash: salt"),
            ("$argon2id$v=19$m=7,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2g", "malformed stored hash: params"),
        ];
        for &(input, want) in &cases {
            assert_eq!(err(input), want, "{input}");
        }
        let huge_salt = format!("$argon2id$v=19$m=19456,t=2,p=1${}$aGFzaGhhc2g", "A".repeat(200));
        assert_eq!(err(&huge_salt), "stored hash out of policy: salt above the cap of 64 bytes");
        assert_eq!(err(&"$".repeat(5000)), "stored hash out of policy: length above the cap of 1024 bytes");
    }
}
