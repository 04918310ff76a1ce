#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod admission;
mod calibrate;
mod error;
mod hasher;
#[cfg(feature = "legacy")]
mod legacy;
mod params;
mod phc;
mod policy;
mod workers;

pub use calibrate::{Calibration, Step, calibrate};
pub use error::Error;
pub use hasher::{Limits, PasswordHash, PasswordHasher, Verification};
pub use params::{Caps, Params};
pub use policy::{PasswordPolicy, PolicyViolations, Violation};

/// The longest password `verify` and `hash` accept, in bytes: longer input
/// is an error, not work (NIST SP 800-63B-4 lets verifiers cap length; 4
/// KiB is far above any real password and any policy maximum).
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// Fuzzing oracle: the `password_phc` fuzz target and its corpus replay in
/// `cargo test` call this. Parsing any string with the default caps returns
/// (never panics, never allocates past the caps), and what parses encodes
/// back to a string that parses to the same hash.
#[doc(hidden)]
pub mod fuzzing {
    use crate::{Caps, Params, phc};

    /// `password_phc`
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
}
