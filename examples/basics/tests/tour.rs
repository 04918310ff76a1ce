//! The tour (`cargo run -p guardrail-examples`) must succeed, and it must
//! not print any of the secrets it handles.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

#[test]
fn tour_runs_and_prints_no_secret() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tour")).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "tour failed: {stderr}");
    for secret in ["correct horse", "9f86d081", "q83vEjRWeJCrze8SNFZ4kA"] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "leaked {secret}");
    }
    assert!(stdout.contains("j***@example.com"), "{stdout}");
    assert!(stdout.contains("[REDACTED]"), "{stdout}");
    assert!(stdout.contains("check (constant time): true"), "{stdout}");
    assert!(stdout.contains("a forged token: false"), "{stdout}");
    #[cfg(unix)]
    assert!(stdout.contains("mode 0644"), "{stdout}");
    #[cfg(unix)]
    assert!(stdout.contains("and at mode 0622") && stdout.contains("writable by others"), "{stdout}");
}
