//! A closed stdout (`guardrail verify … | true`) never turns a refusal into
//! success: every command with a verdict exits 1 for a refused one, while a
//! positive verdict or plain output on a closed stdout exits 0 silently.
//!
//! Each run closes the read end of the child's stdout before writing its
//! stdin, and every command here writes only after reading all of stdin
//! (or, for `validate`, the first line), so the write always meets the
//! closed pipe.
#![allow(clippy::unwrap_used)] // test code

#[allow(dead_code)] // uses spawn, run, stdout and TempDir; not guardrail or BIN
mod common;

use std::io::Write;

use common::{TempDir, run, spawn, stdout};

/// Runs `guardrail args…` with its stdout closed before it reads `stdin`;
/// the exit code and stderr.
fn closed_stdout(args: &[&str], stdin: &[u8]) -> (Option<i32>, String) {
    let mut child = spawn(args);
    drop(child.stdout.take());
    let mut pipe = child.stdin.take().unwrap();
    // A child that exits before reading everything closes its stdin.
    let _ = pipe.write_all(stdin);
    drop(pipe);
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The exit code of `args` with a closed stdout equals `code`, with
/// nothing on stderr.
fn exits(args: &[&str], stdin: &[u8], code: i32) {
    assert_eq!(closed_stdout(args, stdin), (Some(code), String::new()), "{args:?}");
}

#[test]
fn verify_refused_on_a_closed_stdout_exits_1() {
    let hashed = run(&["hash", "--no-policy"], b"right password\n");
    let phc = stdout(&hashed).trim().to_owned();
    exits(&["verify", "--hash", &phc], b"wrong password", 1);
    exits(&["verify", "--hash", &phc], b"right password", 0);
    // "valid needs-rehash" (the Argon2 reference argon2i vector) and a wrong password against it.
    let reference = "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
    exits(&["verify", "--hash", reference, "--exact"], b"password", 0);
    exits(&["verify", "--hash", reference, "--exact"], b"passwort", 1);
}

#[test]
fn validate_refused_on_a_closed_stdout_exits_1() {
    for jsonl in [false, true] {
        let (bad, good): (&[u8], &[u8]) =
            if jsonl { (b"\"a@@b\"\n", b"\"a@example.com\"\n") } else { (b"a@@b\n", b"a@example.com\n") };
        let flag: &[&str] = if jsonl { &["--jsonl"] } else { &[] };
        let args = [&["validate", "email"][..], flag].concat();
        exits(&args, bad, 1);
        exits(&args, good, 0);
        // A rejection after an ok line; a rejection before the output
        // buffer's first flush (8 KiB) meets the closed pipe there.
        exits(&args, &[good, bad].concat(), 1);
        exits(&args, &[bad.to_vec(), good.repeat(2000)].concat(), 1);
        // The closed pipe stops the judging at that first flush: a rejection
        // after it is never read, so all verdicts known were ok.
        exits(&args, &[good.repeat(2000), bad.to_vec()].concat(), 0);
    }
    // A line past the cap is a rejection too (stderr names it).
    let (code, stderr) =
        closed_stdout(&["validate", "username"], &[vec![b'a'; (64 << 10) + 1], b"\n".to_vec()].concat());
    assert_eq!(code, Some(1), "{stderr}");
}

#[test]
fn api_key_check_refused_on_a_closed_stdout_exits_1() {
    let issued = stdout(&run(&["api-key", "new", "--prefix", "acme_live"], b""));
    let key = issued.lines().next().unwrap();
    exits(&["api-key", "check"], format!("{key}\n").as_bytes(), 0);
    exits(&["api-key", "check"], format!("{key}x\n").as_bytes(), 1);
}

#[test]
fn keyring_open_refused_on_a_closed_stdout_exits_1() {
    let dir = TempDir::new("closed-stdout");
    let f = &dir.path().join("k.json").to_str().unwrap().to_owned();
    let created = run(&["keyring", "new", "--out", f], b"");
    let sealed = run(&["keyring", "seal", "--keyring", f, "--aad", "a"], b"plaintext");
    assert_eq!((created.status.code(), sealed.status.code()), (Some(0), Some(0)));
    let sealed = stdout(&sealed);
    exits(&["keyring", "open", "--keyring", f, "--aad", "a"], sealed.as_bytes(), 0);
    exits(&["keyring", "open", "--keyring", f, "--aad", "b"], sealed.as_bytes(), 1);
}

#[test]
fn hash_refused_by_the_policy_on_a_closed_stdout_exits_2() {
    let (code, stderr) = closed_stdout(&["hash"], b"trustno1\n");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("policy"), "{stderr}");
    exits(&["hash", "--no-policy"], b"trustno1\n", 0);
}
