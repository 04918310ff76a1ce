//! A five-minute tour of guardrail for new engineers:
//! `cargo run -p guardrail-examples`.
//!
//! It walks through what the crates landed so far do, printing what a
//! service would see. Nothing it prints contains a secret: the tour's own
//! test (`tests/tour.rs`) checks that.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program that talks to its user

use std::process::ExitCode;

use guardrail::{
    ct,
    prelude::*,
    secret::{
        self, load,
        store::{Mode, write_private},
    },
};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Our errors name what was wrong, never the secret.
            eprintln!("tour failed: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct LoginRequest {
    email: Pii<String>,
    password: SecretString,
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    println!("guardrail tour\n");

    // 1. Secrets from a file, the way a deployment hands them over.
    let dir = tempfile::tempdir()?;
    let key_path = dir.path().join("session_key");
    // Owner-only from the start: `fs::write` then `chmod` would leave it
    // world-readable for a moment.
    write_private(&key_path, b"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n", Mode::CreateNew)?;
    let key_hex = load::from_file(&key_path)?;
    let key = secret::decode_hex(key_hex.expose_secret())?;
    println!("1. loaded a {}-byte key from {} (mode 0600)", key.expose_secret().len(), key_path.display());
    println!("   Debug of the key: {key:?}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644))?;
        match load::from_file(&key_path) {
            Err(e) => println!("   the same file at mode 0644 is refused: {e}"),
            Ok(_) => return Err("a world-readable secret file was accepted".into()),
        }
        // Writable by others is refused too, even when they cannot read it:
        // they could replace the key.
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o622))?;
        match load::from_file(&key_path) {
            Err(e) => println!("   and at mode 0622: {e}"),
            Ok(_) => return Err("a world-writable secret file was accepted".into()),
        }
    }

    // 2. A request body with personal data and a password.
    let body = r#"{"email":"jane.doe@example.com","password":"correct horse battery staple"}"#;
    let request: LoginRequest = serde_json::from_str(body)?;
    println!("\n2. a login request, logged with {{:?}}: {request:?}");
    println!("   the e-mail still serialises in full for storage: {}", serde_json::to_string(&request.email)?);
    // The one place the password leaves its box: measuring it, as a policy check would.
    let length = request.password.expose_secret().chars().count();
    println!("   the password is {length} characters long; only expose_secret() reaches it");

    // 3. Constant-time comparison of a token a client presented.
    let csrf_expected = SecretString::from("q83vEjRWeJCrze8SNFZ4kA");
    let presented = "q83vEjRWeJCrze8SNFZ4kA";
    println!("\n3. CSRF token check (constant time): {}", csrf_expected.secret_eq(presented));
    println!("   a forged token: {}", csrf_expected.secret_eq("q83vEjRWeJCrze8SNFZ4kB"));
    let tag = [0x42u8; 32];
    println!("   MAC tags as arrays: {}", ct::eq_array(&tag, &[0x42u8; 32]));

    println!("\nNext: the guide in docs/ (mdBook) and `cargo test --workspace --locked`.");
    Ok(())
}
