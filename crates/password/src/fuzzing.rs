//! Oracles for the fuzz targets and hooks for this workspace's own tests;
//! not a stable API (feature `fuzzing`, off by default). The
//! `password_phc` and `legacy_*` fuzz targets and the corpus replay in
//! `cargo test -p guardrail` call these, so both check the same thing.

use crate::{Caps, Params, PasswordHasher, phc};

/// `password_phc`: parsing any string with the default caps returns (never
/// panics, never allocates past the caps), and what parses encodes back to
/// a string that parses to the same hash.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn phc(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let caps = Caps::for_policy(&Params::OWASP);
    if let Ok(parsed) = phc::parse(text, &caps) {
        assert!(parsed.params.m_cost() <= caps.max_m_cost && parsed.salt.len() <= caps.max_salt_len);
        let again = phc::encode(parsed.algorithm, parsed.version, &parsed.params, &parsed.salt, &parsed.hash);
        let reparsed = phc::parse(&again, &caps).ok();
        assert!(
            reparsed.is_some_and(|r| r.params == parsed.params && r.salt == parsed.salt && *r.hash == *parsed.hash)
        );
    }
}

/// `legacy_*` targets: `prefix` followed by the fuzzer's bytes, verified
/// with a fixed password under caps small enough to keep each run fast
/// (the default caps are checked by `tests/legacy.rs`). Any input
/// returns; none panics.
#[cfg(feature = "legacy")]
pub fn legacy(prefix: &str, data: &[u8]) {
    let Ok(rest) = std::str::from_utf8(data) else { return };
    let caps = crate::legacy::LegacyCaps {
        bcrypt_cost: 5,
        pbkdf2_rounds: 2000,
        sha_crypt_rounds: 5000,
        sha1_crypt_rounds: 2000,
        phpass_log2: 10,
        scrypt_log_n: 10,
        scrypt_r: 8,
        scrypt_p: 1,
    };
    let _ = crate::legacy::verify(b"password", &format!("{prefix}{rest}"), &caps);
}

/// Test hook: whether the hasher's pooled working buffers are wiped while
/// idle (the zeroize and admission tests wait for it).
#[must_use]
pub fn idle_buffers_wiped(hasher: &PasswordHasher) -> bool {
    hasher.admission.idle_buffers_wiped()
}
