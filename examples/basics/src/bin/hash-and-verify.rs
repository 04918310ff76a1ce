//! Hash a password at sign-up; check it at login and store the upgrade
//! when guardrail asks for one — from async code, as a web handler would
//! (the `tokio` feature: every hash runs on the hasher's own workers,
//! never on the executor's thread).
//!
//! `cargo run -p guardrail-examples --bin hash-and-verify`
#![allow(clippy::print_stdout)] // an example that shows its results

use std::sync::Arc;

use guardrail::{
    password::{Params, PasswordHasher, PasswordPolicy, Verification},
    secret::SecretString,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // In a service: `PasswordHasher::default()` (OWASP: m=19456 KiB, t=2, p=1),
    // built once and shared by the handlers (it bounds how many hashes run at once).
    let hasher = Arc::new(PasswordHasher::default());
    let policy = PasswordPolicy::single_factor();

    // Sign-up: the policy (NIST SP 800-63B-4) with the user's own words, then
    // the hash; both are jobs on the hasher's workers.
    let password = SecretString::from("correct horse battery staple");
    let context = ["ada@example.com", "ada"];
    let stored = hasher.hash_new_async(&policy, &context, password.clone()).await?;
    // What goes into the users table; `{stored}` would print it masked.
    let stored = stored.into_string_for_storage();
    println!("stored at sign-up: {}…", stored.get(..30).unwrap_or_default());
    let weak = hasher.hash_new_async(&policy, &context, SecretString::from("ada-password")).await;
    println!("weak password refused: {}", weak.err().map(|e| e.to_string()).unwrap_or_default());

    // Login: the account's stored hash, or None. The outcome is #[must_use]
    // and carries the upgrade: match it.
    match hasher.verify_login_async(password.clone(), Some(stored.clone())).await? {
        Verification::Valid { upgrade: None } => println!("login ok, hash current"),
        Verification::Valid { upgrade: Some(_) } => return Err("a fresh hash asked for an upgrade".into()),
        Verification::Invalid => return Err("the right password was refused".into()),
    }
    let wrong = SecretString::from("correct horse battery stapler");
    let outcome = hasher.verify_login_async(wrong, Some(stored)).await?;
    assert_eq!(outcome, Verification::Invalid);
    println!("wrong password refused");

    // A hash from years ago, made with weaker parameters: valid, and an upgrade comes back.
    let old = PasswordHasher::new(Params::new(4096, 1, 1)?).hash(&password)?.into_string_for_storage();
    match hasher.verify_login_async(password.clone(), Some(old)).await? {
        Verification::Valid { upgrade: Some(new_hash) } => {
            // Store new_hash in place of the old one, then log the user in.
            let new_hash = new_hash.into_string_for_storage();
            println!("old hash upgraded to: {}…", new_hash.get(..30).unwrap_or_default());
        }
        other => return Err(format!("expected an upgrade, got {other:?}").into()),
    }

    // No account with this login: the same call with None does the same work
    // and answers the same way (Busy is still an Err: answer 503, not 401).
    let outcome = hasher.verify_login_async(password, None).await?;
    assert_eq!(outcome, Verification::Invalid);
    println!("unknown user: same work, same answer");

    // CLIs and batch jobs (no executor to block) use the sync forms:
    // `policy.check_new(..)` then `hasher.hash_new(..)`, and `hasher.verify_login(..)`.
    Ok(())
}
