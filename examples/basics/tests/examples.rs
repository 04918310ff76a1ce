//! Every onboarding example runs to completion (each checks its own claims
//! with assertions) and prints none of the secrets it handles.
#![allow(clippy::unwrap_used)] // test code

use std::process::Command;

/// Runs one example; asserts it succeeds, that its output `shows` every
/// given text and `hides` every given secret; returns the output.
fn check(bin: &str, path: &str, shows: &[&str], hides: &[&str]) -> String {
    let out = Command::new(path).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{bin} failed: {stderr}");
    let out = format!("{stdout}{stderr}");
    for text in shows {
        assert!(out.contains(text), "{bin} does not show {text:?}: {out}");
    }
    for secret in hides {
        assert!(!out.contains(secret), "{bin} shows a secret: {out}");
    }
    out
}

#[test]
fn hash_and_verify() {
    check("hash-and-verify", env!("CARGO_BIN_EXE_hash-and-verify"), &["old hash upgraded"], &["correct horse"]);
}

#[test]
fn validate_request() {
    let (shows, hides) = (["refused: avatar_url: metadata"], ["169.254", "ada lovelace"]);
    check("validate-request", env!("CARGO_BIN_EXE_validate-request"), &shows, &hides);
}

#[test]
fn token_check() {
    let (shows, hides) = (["API key accepted"], ["acme_live_", "7bI1oYbqj1r8t0i5q2Yc0A"]);
    check("token-check", env!("CARGO_BIN_EXE_token-check"), &shows, &hides);
}

#[test]
fn keyring_seal() {
    check("keyring-seal", env!("CARGO_BIN_EXE_keyring-seal"), &["rotated from key 1 to key 2"], &["1985-12-10"]);
}

#[test]
fn encode_output() {
    let out = check("encode-output", env!("CARGO_BIN_EXE_encode-output"), &["&lt;img"], &[]);
    assert_eq!(out.lines().filter(|l| l.contains("authn_login_success")).count(), 1, "{out}");
}

#[test]
fn load_secret() {
    let out = check("load-secret", env!("CARGO_BIN_EXE_load-secret"), &["[REDACTED]"], &["3f9a0c1e"]);
    #[cfg(unix)]
    assert!(out.contains("refused at mode 0640") && out.contains("refused at mode 0602"), "{out}");
}
