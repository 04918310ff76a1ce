//! `guardrail validate` on issue 10's minimal inputs for look-alike
//! usernames (item 2) and checks that ran before normalisation (item 8),
//! as a user types them: the value as an argument, or JSON lines on stdin.
#![allow(clippy::unwrap_used)] // test code

#[allow(dead_code)] // uses run and stdout only
mod common;

use common::{run, stdout};

#[test]
fn look_alike_usernames_are_refused() {
    for (name, line) in [
        ("adm\u{131}n", "reject\treserved_name\n"), // dotless ı: the reserved `admin`
        ("ADM\u{131}N", "reject\treserved_name\n"),
        ("adrnin", "reject\treserved_name\n"),
        ("\u{441}\u{43e}\u{441}\u{43e}", "reject\tconfusable\n"), // Cyrillic сосо
        ("jane@example.com", "reject\tat_sign\n"),
        ("jane", "ok\tjane\n"),
    ] {
        let out = run(&["validate", "username", name], b"");
        assert_eq!(stdout(&out), line, "{name:?}");
        assert_eq!(out.status.code(), Some(if line.starts_with("ok") { 0 } else { 1 }));
    }
}

#[test]
fn rules_hold_after_normalisation() {
    // `..` + U+037E GREEK QUESTION MARK is `..;` in NFC, refused like `..;`.
    let out =
        run(&["validate", "path", "--jsonl"], b"\"..\\u037e\"\n\"..;\"\n\"cafe\\u0301.txt\"\n\"caf\\u00e9.txt\"\n");
    assert_eq!(
        stdout(&out),
        "{\"code\":\"traversal\",\"ok\":false}\n{\"code\":\"traversal\",\"ok\":false}\n\
         {\"code\":\"not_nfc\",\"ok\":false}\n{\"canonical\":\"caf\u{e9}.txt\",\"ok\":true}\n"
    );
    // U+037E in an e-mail local part: NFC `;`, which the validator refuses.
    let out = run(&["validate", "email", "--eai", "--jsonl"], b"\"a\\u037eb@example.com\"\n\"a;b@example.com\"\n");
    assert_eq!(stdout(&out), "{\"code\":\"local_part\",\"ok\":false}\n{\"code\":\"local_part\",\"ok\":false}\n");
    assert_eq!(out.status.code(), Some(1));
}
