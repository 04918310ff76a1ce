//! Hash a password at sign-up; verify it at login and store the upgrade
//! when guardrail asks for one.
//!
//! `cargo run -p guardrail-examples --bin hash-and-verify`
#![allow(clippy::print_stdout)] // an example that shows its results

use guardrail::{
    password::{Params, PasswordHasher, PasswordPolicy, Verification},
    secret::SecretString,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // In a service: `PasswordHasher::default()` (OWASP: m=19456 KiB, t=2, p=1),
    // built once and shared (it bounds how many hashes run at once).
    let hasher = PasswordHasher::default();

    // Sign-up: check the policy (NIST SP 800-63B-4) with the user's own words, then hash.
    let password = SecretString::from("correct horse battery staple");
    PasswordPolicy::single_factor().check(&password, &["ada@example.com", "ada"])?;
    let stored = hasher.hash(&password)?; // store stored.as_str() in the users table
    println!("stored at sign-up: {}…", stored.as_str().get(..30).unwrap_or_default());

    // Login: a `#[must_use]` result — there is no way to ignore the outcome.
    match hasher.verify(&password, stored.as_str())? {
        Verification::Valid { upgrade: None } => println!("login ok, hash current"),
        Verification::Valid { upgrade: Some(_) } => return Err("a fresh hash asked for an upgrade".into()),
        Verification::Invalid => return Err("the right password was refused".into()),
    }
    let wrong = SecretString::from("correct horse battery stapler");
    assert_eq!(hasher.verify(&wrong, stored.as_str())?, Verification::Invalid);
    println!("wrong password refused");

    // A hash from years ago, made with weaker parameters: valid, and an upgrade comes back.
    let old = PasswordHasher::new(Params::new(4096, 1, 1)?).hash(&password)?;
    match hasher.verify(&password, old.as_str())? {
        Verification::Valid { upgrade: Some(new_hash) } => {
            // Store new_hash in place of the old one, then log the user in.
            println!("old hash upgraded to: {}…", new_hash.as_str().get(..30).unwrap_or_default());
        }
        other => return Err(format!("expected an upgrade, got {other:?}").into()),
    }

    // No account with this login: do the same work, answer the same way.
    assert_eq!(hasher.verify_unknown_user(&password)?, Verification::Invalid);
    println!("unknown user: same work, same answer");
    Ok(())
}
