//! The `guardrail` binary as a user drives it: arguments, stdin, stdout,
//! exit codes.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)] // test code

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_guardrail"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Feed stdin from a thread: the child may fill its stdout pipe before it
    // has read all of its input.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A child that exits without reading (a usage error) closes the pipe.
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn validate_one_value() {
    let ok = run(&["validate", "email", "Jane@Example.COM"], b"");
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(stdout(&ok), "ok\tJane@example.com\n");
    let bad = run(&["validate", "url", "http://127.0.0.1/"], b"");
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(stdout(&bad), "reject\tloopback\n");
}

#[test]
fn validate_lines_from_stdin() {
    let out = run(&["validate", "path"], b"docs/a.txt\r\n../etc/passwd\n./x//y/\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "ok\tdocs/a.txt\nreject\ttraversal\nok\tx/y\n");
    let all_ok = run(&["validate", "username"], b"Alice\nbob_42\n");
    assert_eq!(all_ok.status.code(), Some(0));
    assert_eq!(stdout(&all_ok), "ok\talice\nok\tbob_42\n");
    // Raw bytes that are not UTF-8 (an overlong "..") are a verdict, not a crash.
    let raw = run(&["validate", "path"], b"\xc0\xae\xc0\xae/etc/passwd\n");
    assert_eq!(stdout(&raw), "reject\tinvalid_encoding\n");
}

#[test]
fn validate_jsonl_carries_control_characters() {
    let input = b"\"ok@example.com\"\n\"a@b.com\\r\\nBcc: x@y.z\"\nnot json\n";
    let out = run(&["validate", "email", "--jsonl"], input);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "{\"canonical\":\"ok@example.com\",\"ok\":true}\n{\"code\":\"control_char\",\"ok\":false}\n{\"code\":\"invalid_json\",\"ok\":false}\n"
    );
    // The rejected value is nowhere in the output.
    assert!(!stdout(&out).contains("Bcc"));
}

#[test]
fn eai_flag_accepts_utf8_local_parts() {
    assert_eq!(run(&["validate", "email", "josé@example.com"], b"").status.code(), Some(1));
    assert_eq!(run(&["validate", "email", "--eai", "josé@example.com"], b"").status.code(), Some(0));
}

#[test]
fn encode_each_context() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("html", b"<b>'x' & \"y\"</b>", "&lt;b&gt;&#39;x&#39; &amp; &#34;y&#34;&lt;/b&gt;"),
        ("attr", b"\" onclick=\"x", "&#34; onclick=&#34;x"),
        ("js", b"</script>", "\\x3c\\x2fscript\\x3e"),
        ("url", b"a b/c", "a%20b%2Fc"),
        ("css", b"}", "\\7d "),
        ("log", b"a\nb\x1b[0m", "a\\nb\\x1b[0m"),
        // Invalid UTF-8 (a surrogate written by Java or Python) is one space in HTML.
        ("html", b"a\xed\xa0\x80b", "a b"),
    ];
    for (context, input, want) in cases {
        let out = run(&["encode", context], input);
        assert_eq!(out.status.code(), Some(0), "{context}");
        assert_eq!(stdout(&out), *want, "{context}");
    }
}

#[test]
fn encode_streams_large_input() {
    let input = "<é>".repeat(100_000);
    let out = run(&["encode", "html"], input.as_bytes());
    assert_eq!(stdout(&out), "&lt;é&gt;".repeat(100_000));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["validate", "phone", "x"], b"").status.code(), Some(2));
    assert_eq!(run(&["encode", "sql"], b"").status.code(), Some(2));
    assert_eq!(run(&["frobnicate"], b"").status.code(), Some(2));
}

#[test]
fn hash_then_verify_round_trip() {
    let hashed = run(&["hash"], b"correct horse battery staple\n");
    assert_eq!(hashed.status.code(), Some(0), "{}", String::from_utf8_lossy(&hashed.stderr));
    let phc = stdout(&hashed).trim().to_owned();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    // One trailing newline (LF or CRLF) is removed; --exact keeps it.
    assert_eq!(stdout(&run(&["verify", "--hash", &phc], b"correct horse battery staple\r\n")), "valid\n");
    let exact = run(&["verify", "--hash", &phc, "--exact"], b"correct horse battery staple\n");
    assert_eq!((exact.status.code(), stdout(&exact)), (Some(1), "invalid\n".to_owned()));
    let wrong = run(&["verify", "--hash", &phc], b"correct horse battery stapler\n");
    assert_eq!((wrong.status.code(), stdout(&wrong)), (Some(1), "invalid\n".to_owned()));
}

#[test]
fn hash_applies_the_policy_unless_told_not_to() {
    let refused = run(&["hash"], b"trustno1\n");
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8(refused.stderr).unwrap();
    assert!(err.contains("too_short") && err.contains("common_password"), "{err}");
    assert!(!err.contains("trustno1"), "the password was echoed: {err}");
    assert_eq!(run(&["hash", "--no-policy"], b"trustno1\n").status.code(), Some(0));
}

#[test]
fn verify_reports_rehash_and_bad_hashes() {
    // The Argon2 reference implementation's argon2i vector (test.c).
    let reference = "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
    assert_eq!(stdout(&run(&["verify", "--hash", reference, "--exact"], b"password")), "valid needs-rehash\n");
    for bad in ["garbage", "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2g"] {
        let out = run(&["verify", "--hash", bad], b"password\n");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn calibrate_reports_each_step_and_the_result() {
    let out = run(&["calibrate", "--target-ms", "20", "--max-memory-mib", "4"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let result = stdout(&out);
    assert!(result.starts_with("m=") && result.contains(" t=") && result.contains("ms per hash"), "{result}");
    let progress = String::from_utf8(out.stderr).unwrap();
    assert!(progress.contains("m=   4096 KiB t= 1"), "{progress}");
    // A 4 MiB ceiling is weaker than OWASP: the tool says so.
    assert!(progress.contains("weaker than OWASP"), "{progress}");
    assert_eq!(run(&["calibrate", "--max-memory-mib", "0"], b"").status.code(), Some(2));
}

#[test]
fn token_and_api_keys() {
    let t = run(&["token"], b"");
    assert_eq!(t.status.code(), Some(0));
    assert_eq!(stdout(&t).trim().len(), 43);
    assert_eq!(stdout(&run(&["token", "--bytes", "16"], b"")).trim().len(), 22);
    assert_eq!(run(&["token", "--bytes", "8"], b"").status.code(), Some(2));

    let issued = run(&["api-key", "new", "--prefix", "acme_live"], b"");
    assert_eq!(issued.status.code(), Some(0));
    let text = stdout(&issued);
    let mut lines = text.lines();
    let key = lines.next().unwrap().to_owned();
    let (lookup, digest) = lines.next().unwrap().split_once('\t').unwrap();
    assert!(key.starts_with("acme_live_"));
    assert_eq!((lookup.len(), digest.len()), (12, 64));
    assert!(!digest.contains(&key[10..]));
    assert_eq!(run(&["api-key", "check", &key], b"").status.code(), Some(0));
    let mut typo = key.clone().into_bytes();
    let last = typo.len() - 1;
    typo[last] = if typo[last] == b'A' { b'B' } else { b'A' };
    assert_eq!(run(&["api-key", "check", &String::from_utf8(typo).unwrap()], b"").status.code(), Some(1));
    assert_eq!(run(&["api-key", "new", "--prefix", "Bad-Prefix"], b"").status.code(), Some(2));
}

#[test]
fn keyring_lifecycle_from_the_shell() {
    let dir = std::env::temp_dir().join(format!("guardrail-cli-keyring-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keyring.json");
    let f = file.to_str().unwrap();

    assert_eq!(run(&["keyring", "new", "--out", f], b"").status.code(), Some(0));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(run(&["keyring", "new", "--out", f], b"").status.code(), Some(2), "overwrote a keyring");

    let sealed = stdout(&run(&["keyring", "seal", "--keyring", f, "--aad", "user:42"], b"the secret"));
    assert_eq!(sealed.lines().count(), 1);
    let opened = run(&["keyring", "open", "--keyring", f, "--aad", "user:42"], sealed.as_bytes());
    assert_eq!((opened.status.code(), stdout(&opened)), (Some(0), "the secret".to_owned()));
    let wrong_aad = run(&["keyring", "open", "--keyring", f, "--aad", "user:43"], sealed.as_bytes());
    assert_eq!((wrong_aad.status.code(), stdout(&wrong_aad)), (Some(1), String::new()));
    assert!(wrong_aad.stderr.is_empty(), "open must fail with no detail");

    assert_eq!(run(&["keyring", "rotate", "--keyring", f], b"").status.code(), Some(0));
    assert_eq!(stdout(&run(&["keyring", "list", "--keyring", f], b"")), "1\tenabled\t-\n2\tenabled\tprimary\n");
    // Data sealed under key 1 still opens; after disabling key 1 it does not.
    assert_eq!(run(&["keyring", "open", "--keyring", f, "--aad", "user:42"], sealed.as_bytes()).status.code(), Some(0));
    assert_eq!(run(&["keyring", "disable", "--keyring", f, "--key-id", "1"], b"").status.code(), Some(0));
    assert_eq!(run(&["keyring", "open", "--keyring", f, "--aad", "user:42"], sealed.as_bytes()).status.code(), Some(1));
    assert_eq!(
        run(&["keyring", "disable", "--keyring", f, "--key-id", "2"], b"").status.code(),
        Some(2),
        "disabled the primary"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "rotation loosened the mode");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
