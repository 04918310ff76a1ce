//! Single-threaded time per default-profile verify (wrong password) through
//! guardrail and through the raw argon2 crate allocating per hash; the
//! Rust half of benches/libargon2/run.sh.
//!
//! Usage: verify-time ENCODED PASSWORD N
#![allow(clippy::print_stdout, clippy::print_stderr)] // a measuring tool

use std::time::Instant;

use guardrail_password::{PasswordHasher, Verification};
use guardrail_secret::SecretString;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(encoded), Some(password), Some(Ok(n))) =
        (args.get(1), args.get(2), args.get(3).map(|n| n.parse::<u32>()))
    else {
        eprintln!("usage: verify-time ENCODED PASSWORD N");
        std::process::exit(2);
    };
    let hasher = PasswordHasher::default();
    if !matches!(hasher.verify(&SecretString::from(password.as_str()), encoded), Ok(Verification::Valid { .. })) {
        eprintln!("verify-time: the hash does not verify");
        std::process::exit(1);
    }
    let wrong = SecretString::from("wrong password");
    let start = Instant::now();
    for _ in 0..n.max(1) {
        if !matches!(hasher.verify(&wrong, encoded), Ok(Verification::Invalid)) {
            std::process::exit(1);
        }
    }
    println!("guardrail {:.3}", start.elapsed().as_secs_f64() * 1000.0 / f64::from(n.max(1)));
}
