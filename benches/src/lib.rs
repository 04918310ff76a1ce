//! Shared helpers of guardrail's benches and timing-leak checks.
//!
//! `dudect`: a dudect-style leakage test (Reparaz, Balasch, Verbauwhede,
//! "Dude, is my code constant time?", DATE 2017): time many calls on two
//! classes of input, interleaved at random, and ask with Welch's t-test
//! whether the two timing distributions differ. |t| above 4.5 is the
//! customary threshold for "leaks"; below it, no leak was detected at this
//! sample size.
//!
//! `engines`: the argon2id engines the password measures compare (guardrail's
//! verify, argon2-rust's pooled `Hasher`, RustCrypto `argon2` with a reused
//! buffer), built once per parameter set.
#![forbid(unsafe_code)]

pub mod dudect;
pub mod engines;
