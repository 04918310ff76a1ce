//! Shared helpers of guardrail's benches and timing-leak checks.
//!
//! `dudect`: a dudect-style leakage test (Reparaz, Balasch, Verbauwhede,
//! "Dude, is my code constant time?", DATE 2017): time many calls on two
//! classes of input, interleaved at random, and ask with Welch's t-test
//! whether the two timing distributions differ. |t| above 4.5 is the
//! customary threshold for "leaks"; below it, no leak was detected at this
//! sample size.
#![forbid(unsafe_code)]

pub mod dudect;
