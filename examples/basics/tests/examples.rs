//! Every onboarding example runs to completion (each checks its own claims
//! with assertions) and prints none of the secrets it handles.
#![allow(clippy::unwrap_used)] // test code

use std::process::Command;

fn run(bin: &str, path: &str) -> String {
    let out = Command::new(path).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{bin} failed: {stderr}");
    format!("{stdout}{stderr}")
}

#[test]
fn hash_and_verify() {
    let out = run("hash-and-verify", env!("CARGO_BIN_EXE_hash-and-verify"));
    assert!(out.contains("old hash upgraded"), "{out}");
    assert!(!out.contains("correct horse"), "{out}");
}

#[test]
fn validate_request() {
    let out = run("validate-request", env!("CARGO_BIN_EXE_validate-request"));
    assert!(out.contains("refused: avatar_url: metadata"), "{out}");
    assert!(!out.contains("169.254") && !out.contains("ada lovelace"), "{out}");
}

#[test]
fn token_check() {
    let out = run("token-check", env!("CARGO_BIN_EXE_token-check"));
    assert!(out.contains("API key accepted"), "{out}");
    assert!(!out.contains("acme_live_") && !out.contains("7bI1oYbqj1r8t0i5q2Yc0A"), "{out}");
}

#[test]
fn keyring_seal() {
    let out = run("keyring-seal", env!("CARGO_BIN_EXE_keyring-seal"));
    assert!(out.contains("rotated from key 1 to key 2"), "{out}");
    assert!(!out.contains("1985-12-10"), "{out}");
}

#[test]
fn encode_output() {
    let out = run("encode-output", env!("CARGO_BIN_EXE_encode-output"));
    assert!(out.contains("&lt;img"), "{out}");
    assert_eq!(out.lines().filter(|l| l.contains("authn_login_success")).count(), 1, "{out}");
}

#[test]
fn load_secret() {
    let out = run("load-secret", env!("CARGO_BIN_EXE_load-secret"));
    assert!(out.contains("[REDACTED]"), "{out}");
    assert!(!out.contains("3f9a0c1e"), "{out}");
    #[cfg(unix)]
    assert!(out.contains("refused at mode 0640") && out.contains("refused at mode 0602"), "{out}");
}
