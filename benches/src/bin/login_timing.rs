//! Timing check for account enumeration: a login for an unknown user
//! (`verify_login` with no stored hash) against a login with a wrong
//! password for a real user (`verify_login` with its stored hash), at the
//! default OWASP profile.
//! Welch's t-test over interleaved measurements; |t| < 4.5 passes.
//!
//! As a control, the same test against a "fast reject" (returning without
//! hashing for unknown users, the bug this guards against) must leak.
//!
//! Then the same for a legacy bcrypt account (cost 4): a candidate longer
//! than the 72 bytes bcrypt reads (refused, never valid) against a wrong
//! 72-byte password; the control refuses the long one without hashing
//! (Spring's CVE-2025-22234) and must leak.
//!
//! With `--legacy FILE` (a vectors file, `tests/data/migrate/vectors.tsv`
//! format), instead: each scheme's default-parameter row against an
//! unknown user under a login floor, and without it (`login_timing/legacy.rs`).
//!
//! Usage: cargo run --release -p guardrail-benches --bin login-timing [-- --measurements N] [--legacy FILE]
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line report

#[path = "login_timing/legacy.rs"]
mod legacy;

use guardrail_benches::dudect::{Report, measure};
use guardrail_password::{PasswordHasher, Verification};
use guardrail_secret::SecretString;

const PASS_T: f64 = 4.5;

/// The value of `result`, or the error printed and exit status 1.
fn or_exit<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("login-timing: {e}");
        std::process::exit(1);
    })
}

/// Prints one comparison: each class's mean time in ms (`width` columns)
/// and the largest |t|.
fn print_pair(prefix: &str, classes: [&str; 2], width: usize, report: &Report) {
    println!(
        "{prefix}{} {:>width$.2} ms   {} {:>width$.2} ms   max |t| = {:.2}  {}",
        classes[0],
        report.mean_ns[0] / 1e6,
        classes[1],
        report.mean_ns[1] / 1e6,
        report.max_t,
        if report.max_t < PASS_T { "ok: no difference detected" } else { "LEAK" }
    );
}

/// `--measurements N` (default 2000, at least 200; with `--legacy`: default
/// 40, at least 10) and `--legacy FILE`; usage and exit 2 on anything else.
fn parse_args() -> (Option<usize>, Option<String>) {
    let (mut measurements, mut legacy) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--measurements", Some(n)) if n.parse::<usize>().is_ok_and(|n| n >= 10) => measurements = n.parse().ok(),
            ("--legacy", Some(file)) => legacy = Some(file),
            _ => usage(),
        }
    }
    (measurements, legacy)
}

fn usage() -> ! {
    eprintln!(
        "usage: login-timing [--measurements N] [--legacy FILE]   (N: default 2000, at least 200; with --legacy default 40, at least 10)"
    );
    std::process::exit(2);
}

fn main() {
    let (measurements, legacy) = parse_args();
    if let Some(file) = legacy {
        let pass = legacy::run(&file, measurements.unwrap_or(40));
        std::process::exit(if pass { 0 } else { 1 });
    }
    let measurements = measurements.unwrap_or(2000);
    if measurements < 200 {
        usage();
    }
    let hasher = PasswordHasher::default();
    let stored = or_exit(hasher.hash(&SecretString::from("the real user's password")));
    let attempt = SecretString::from("an attacker's guess");
    // Class 0: the account exists, wrong password. Class 1: no such account.
    let login = |class: &usize| -> bool {
        let account = if *class == 0 { Some(stored.as_str_for_storage()) } else { None };
        let outcome = hasher.verify_login(&attempt, account);
        matches!(outcome, Ok(Verification::Invalid))
    };
    println!("login-timing: {measurements} logins at m=19456 KiB, t=2, p=1 (about {} s)", measurements * 16 / 1000);
    let ours = measure(measurements, 1, &mut 0usize, |c, class| *c = class, login);
    print_pair("", ["wrong password", "unknown user"], 8, &ours);
    // Control: the mistake of skipping the hash for unknown users.
    let fast_reject = |class: &usize| -> bool {
        if *class == 1 {
            return true;
        }
        matches!(hasher.verify_login(&attempt, Some(stored.as_str_for_storage())), Ok(Verification::Invalid))
    };
    let control = measure(measurements.min(400), 1, &mut 0usize, |c, class| *c = class, fast_reject);
    println!("control (unknown users skip hashing): max |t| = {:.2} (must be > {PASS_T})", control.max_t);
    // bcrypt: an over-long candidate is refused at the cost of a wrong password.
    let bcrypt_stored = or_exit(bcrypt::hash([b'a'; 72], 4));
    let wrong_72 = SecretString::from("b".repeat(72));
    let over_long = SecretString::from(format!("{}X", "a".repeat(72)));
    let bcrypt_login = |class: &usize| -> bool {
        let candidate = if *class == 0 { &wrong_72 } else { &over_long };
        matches!(hasher.verify_login(candidate, Some(&bcrypt_stored)), Ok(Verification::Invalid))
    };
    let refusal = measure(measurements, 1, &mut 0usize, |c, class| *c = class, bcrypt_login);
    print_pair("bcrypt cost 4: ", ["wrong password", "73-byte candidate"], 6, &refusal);
    let fast_refusal = |class: &usize| -> bool {
        if *class == 1 {
            return true;
        }
        matches!(hasher.verify_login(&wrong_72, Some(&bcrypt_stored)), Ok(Verification::Invalid))
    };
    let refusal_control = measure(measurements.min(400), 1, &mut 0usize, |c, class| *c = class, fast_refusal);
    println!("control (over-long candidates skip bcrypt): max |t| = {:.2} (must be > {PASS_T})", refusal_control.max_t);
    let pass =
        ours.max_t < PASS_T && control.max_t > PASS_T && refusal.max_t < PASS_T && refusal_control.max_t > PASS_T;
    println!(
        "login-timing: unknown user vs wrong password max |t| = {:.2}, bcrypt over-long vs wrong {:.2} (pass < {PASS_T}); controls |t| = {:.2}, {:.2}: {}",
        ours.max_t,
        refusal.max_t,
        control.max_t,
        refusal_control.max_t,
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        std::process::exit(1);
    }
}
