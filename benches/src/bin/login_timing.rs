//! Timing check for account enumeration: a login for an unknown user
//! (`verify_unknown_user`) against a login with a wrong password for a
//! real user (`verify` against a stored hash), at the default OWASP profile.
//! Welch's t-test over interleaved measurements; |t| < 4.5 passes.
//!
//! As a control, the same test against a "fast reject" (returning without
//! hashing for unknown users, the bug this guards against) must leak.
//!
//! Usage: cargo run --release -p guardrail-benches --bin login-timing [-- --measurements N]
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line report

use guardrail_benches::dudect::measure;
use guardrail_password::{PasswordHasher, Verification};
use guardrail_secret::SecretString;

const PASS_T: f64 = 4.5;

fn main() {
    let mut measurements = 2000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().map(|v| v.parse::<usize>())) {
            ("--measurements", Some(Ok(n))) if n >= 200 => measurements = n,
            _ => {
                eprintln!("usage: login-timing [--measurements N]   (default 2000, at least 200)");
                std::process::exit(2);
            }
        }
    }
    let hasher = PasswordHasher::default();
    let stored = match hasher.hash(&SecretString::from("the real user's password")) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("login-timing: {e}");
            std::process::exit(1);
        }
    };
    let attempt = SecretString::from("an attacker's guess");
    // Class 0: the account exists, wrong password. Class 1: no such account.
    let login = |class: &usize| -> bool {
        let outcome =
            if *class == 0 { hasher.verify(&attempt, stored.as_str()) } else { hasher.verify_unknown_user(&attempt) };
        matches!(outcome, Ok(Verification::Invalid))
    };
    println!("login-timing: {measurements} logins at m=19456 KiB, t=2, p=1 (about {} s)", measurements * 16 / 1000);
    let ours = measure(measurements, 1, &mut 0usize, |c, class| *c = class, login);
    println!(
        "wrong password {:>8.2} ms   unknown user {:>8.2} ms   max |t| = {:.2}  {}",
        ours.mean_ns[0] / 1e6,
        ours.mean_ns[1] / 1e6,
        ours.max_t,
        if ours.max_t < PASS_T { "ok: no difference detected" } else { "LEAK" }
    );
    // Control: the mistake of skipping the hash for unknown users.
    let fast_reject = |class: &usize| -> bool {
        if *class == 1 {
            return true;
        }
        matches!(hasher.verify(&attempt, stored.as_str()), Ok(Verification::Invalid))
    };
    let control = measure(measurements.min(400), 1, &mut 0usize, |c, class| *c = class, fast_reject);
    println!("control (unknown users skip hashing): max |t| = {:.2} (must be > {PASS_T})", control.max_t);
    let pass = ours.max_t < PASS_T && control.max_t > PASS_T;
    println!(
        "login-timing: unknown user vs wrong password max |t| = {:.2} (pass < {PASS_T}); control |t| = {:.2}: {}",
        ours.max_t,
        control.max_t,
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        std::process::exit(1);
    }
}
