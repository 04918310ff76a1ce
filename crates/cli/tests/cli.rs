//! The `guardrail` binary as a user drives it: arguments, stdin, stdout,
//! exit codes.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)] // test code

#[allow(dead_code)] // uses run, stdout and TempDir; not guardrail or BIN
mod common;

use common::{TempDir, run, stdout};

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
        // A zero-width space (and every other hidden character) is escaped too.
        ("log", "user=admin\u{200b} logged in".as_bytes(), "user=admin\\u{200b} logged in"),
        // Invalid UTF-8 (a surrogate written by Java or Python) is one space in HTML.
        ("html", b"a\xed\xa0\x80b", "a b"),
        // In a log line each invalid byte is `\xHH` and a real U+FFFD is
        // escaped, so none of these print alike (issue 10, item 10).
        ("log", b"a\xff\xfeb\xc0\xafc\xed\xa0\x80d", "a\\xff\\xfeb\\xc0\\xafc\\xed\\xa0\\x80d"),
        ("log", "admin\u{fffd}".as_bytes(), "admin\\u{fffd}"),
        ("url", b"\xff", "%FF"),
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
    // Long enough and on no list, but guessable (zxcvbn score below 3).
    let guessable = run(&["hash"], b"passwordpassword\n");
    assert_eq!(guessable.status.code(), Some(2));
    let err = String::from_utf8(guessable.stderr).unwrap();
    assert!(err.contains("guessable") && !err.contains("passwordpassword"), "{err}");
}

#[test]
fn verify_never_takes_a_candidate_longer_than_bcrypt_reads() {
    // pyca/bcrypt 4.0.1 hashes of 72 × "a" (crates/password/tests/data/truncation.tsv).
    for stored in [
        "$2a$04$.t0mCBun05u5lybghhIzZe40HI2RxHYikdy7SzyZZq2lYmIOdglR.",
        "$2b$05$R2h.GwK175Y6jgSSaa9C7OjzywczTzerj/dK50aCZ35nSZlPuolY.",
        "$2y$04$Liyln9fDUBQmlr.L1YQ1SuPdvO.bMGYFXc9Ri8VhYd4XJG1ncF7Dy",
        "bcrypt$$2b$04$6/SlpKthHutmrIndJ8urBenstalEyCCYtuPXwYUXBouOliQqH7JAG",
    ] {
        let owner = run(&["verify", "--hash", stored], format!("{}\n", "a".repeat(72)).as_bytes());
        assert_eq!(stdout(&owner), "valid needs-rehash\n", "{stored}");
        for flags in [&[][..], &["--exact"][..]] {
            let args = [&["verify", "--hash", stored][..], flags].concat();
            let longer = run(&args, format!("{}X", "a".repeat(72)).as_bytes());
            assert_eq!((longer.status.code(), stdout(&longer)), (Some(1), "invalid\n".to_owned()), "{stored}");
        }
    }
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
    let dir = TempDir::new("keyring");
    let file = dir.path().join("keyring.json");
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
}

/// `keyring seal` requires `--aad` (issue 14): without it, or with an empty
/// one, it exits 2 naming the flag, prints nothing and never echoes the
/// plaintext. `open` is unchanged: without `--aad` it still opens what an
/// earlier release sealed with the old empty default (the golden vector of
/// guardrail-keys, `sealed-empty-ad.txt`, under its `keyring.json`).
#[test]
fn keyring_seal_needs_aad() {
    let golden = |name: &str| {
        std::fs::read_to_string(format!("{}/../keys/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };
    let dir = TempDir::new("seal-aad");
    let path = dir.path().join("golden.json");
    std::fs::write(&path, golden("keyring.json")).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let k = path.to_str().unwrap();

    for args in [&["keyring", "seal", "--keyring", k][..], &["keyring", "seal", "--keyring", k, "--aad", ""]] {
        let out = run(args, b"plaintext-42");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!((out.status.code(), out.stdout.is_empty()), (Some(2), true), "{args:?}: {err}");
        assert!(err.contains("--aad") && !err.contains("plaintext-42"), "{args:?}: {err}");
    }
    let named = stdout(&run(&["keyring", "seal", "--keyring", k, "--aad", "users:42:email"], b"plaintext-42"));
    let reopened = run(&["keyring", "open", "--keyring", k, "--aad", "users:42:email"], named.as_bytes());
    assert_eq!(stdout(&reopened), "plaintext-42");

    let vector = golden("sealed-empty-ad.txt");
    let field = |name: &str| vector.lines().find_map(|l| l.strip_prefix(name)).unwrap().to_owned();
    let sealed = guardrail_ct::base64url::encode_string(&guardrail_ct::hex::decode_vec(field("sealed_hex: ")).unwrap());
    let opened = run(&["keyring", "open", "--keyring", k], sealed.as_bytes());
    assert_eq!((opened.status.code(), stdout(&opened)), (Some(0), field("plaintext: ")));
    let other = run(&["keyring", "open", "--keyring", k, "--aad", "users:42:email"], sealed.as_bytes());
    assert_eq!(other.status.code(), Some(1));
}

/// Every bounded stdin read takes the value at its cap, refuses one byte
/// more with a message naming the cap (exit 2), and never uses a value cut
/// short (issue 10, item 4).
#[test]
fn keyring_seal_and_open_at_the_cap_and_past_it() {
    const CAP: usize = 16 << 20;
    let dir = TempDir::new("caps");
    let file = dir.path().join("keyring.json");
    let f = file.to_str().unwrap();
    assert_eq!(run(&["keyring", "new", "--out", f], b"").status.code(), Some(0));

    let at_cap = vec![0u8; CAP];
    let sealed = run(&["keyring", "seal", "--keyring", f, "--aad", "blob:1"], &at_cap);
    assert_eq!(sealed.status.code(), Some(0), "{}", String::from_utf8_lossy(&sealed.stderr));
    let opened = run(&["keyring", "open", "--keyring", f, "--aad", "blob:1"], &sealed.stdout);
    assert_eq!(opened.status.code(), Some(0));
    assert_eq!(opened.stdout.len(), CAP);
    assert!(opened.stdout == at_cap);

    // The issue's input: `head -c 16777217 /dev/zero | guardrail keyring seal`.
    let over = vec![0u8; CAP + 1];
    let refused = run(&["keyring", "seal", "--keyring", f, "--aad", "blob:1"], &over);
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty(), "sealed something");
    let err = String::from_utf8(refused.stderr).unwrap();
    assert!(err.contains("limit of 16777216 bytes"), "{err}");

    // Open: the longest sealed text seal prints (plus CRLF) is the cap.
    let mut longest = sealed.stdout.clone();
    assert_eq!(longest.pop(), Some(b'\n'));
    let open_cap = longest.len() + 2;
    let mut at_open_cap = longest.clone();
    at_open_cap.extend_from_slice(b"\r\n");
    assert_eq!(run(&["keyring", "open", "--keyring", f, "--aad", "blob:1"], &at_open_cap).stdout.len(), CAP);
    let mut past = longest;
    past.extend_from_slice(b"\r\n\n");
    assert_eq!(past.len(), open_cap + 1);
    let refused = run(&["keyring", "open", "--keyring", f, "--aad", "blob:1"], &past);
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty(), "opened something");
    let err = String::from_utf8(refused.stderr).unwrap();
    assert!(err.contains(&format!("limit of {open_cap} bytes")), "{err}");
}

#[test]
fn passwords_at_the_cap_and_past_it() {
    const CAP: usize = 4096;
    let at_cap = vec![b'p'; CAP];
    let hashed = run(&["hash", "--no-policy", "--exact"], &at_cap);
    assert_eq!(hashed.status.code(), Some(0), "{}", String::from_utf8_lossy(&hashed.stderr));
    let phc = stdout(&hashed).trim().to_owned();
    // The cap plus the one newline that is removed is still the cap.
    let mut with_newline = at_cap.clone();
    with_newline.extend_from_slice(b"\r\n");
    assert_eq!(stdout(&run(&["verify", "--hash", &phc], &with_newline)), "valid\n");
    for (args, input) in [
        (vec!["hash", "--no-policy", "--exact"], vec![b'p'; CAP + 1]),
        (vec!["hash", "--no-policy"], [vec![b'p'; CAP + 1], b"\n".to_vec()].concat()),
        (vec!["verify", "--hash", &phc, "--exact"], [at_cap.clone(), b"\n".to_vec()].concat()),
        (vec!["verify", "--hash", &phc], vec![b'p'; 100_000]),
    ] {
        let out = run(&args, &input);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("limit of 4096 bytes") || err.contains("limit of 4098 bytes"), "{args:?}: {err}");
    }
}

#[test]
fn api_key_check_reads_stdin_with_a_cap() {
    let issued = run(&["api-key", "new", "--prefix", "acme_live"], b"");
    let key = stdout(&issued).lines().next().unwrap().to_owned();
    assert_eq!(run(&["api-key", "check"], format!("{key}\n").as_bytes()).status.code(), Some(0));
    assert_eq!(run(&["api-key", "check"], &key.as_bytes()[..key.len() - 1]).status.code(), Some(1));
    assert_eq!(run(&["api-key", "check"], b"").status.code(), Some(1));
    assert_eq!(run(&["api-key", "check"], b"\xff\xfe").status.code(), Some(1));
    // At the cap: read and judged (not a key); past it: refused, naming it.
    assert_eq!(run(&["api-key", "check"], &[b'a'; 1024]).status.code(), Some(1));
    let over = run(&["api-key", "check"], &[b'a'; 1025]);
    assert_eq!(over.status.code(), Some(2));
    assert!(String::from_utf8(over.stderr).unwrap().contains("limit of 1024 bytes"));
    // A valid key followed by junk past the cap is not "the key, cut short".
    let padded = [key.as_bytes(), &[b' '; 1024][..]].concat();
    assert_eq!(run(&["api-key", "check"], &padded).status.code(), Some(2));
}

/// `api-key check KEY` (kept for compatibility) still judges the key, and
/// warns on stderr, without the key, that argv shows in `ps` and shell
/// history; the stdin form says nothing.
#[test]
fn api_key_check_from_argv_warns() {
    let key = stdout(&run(&["api-key", "new", "--prefix", "acme_live"], b"")).lines().next().unwrap().to_owned();
    for (arg, code) in [(key.clone(), 0), (format!("{key}x"), 1)] {
        let out = run(&["api-key", "check", &arg], b"");
        assert_eq!(out.status.code(), Some(code));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            stderr,
            "guardrail: warning: a key given as an argument shows in the process list and in shell history; \
             give it on stdin instead\n"
        );
        assert!(!stderr.contains(&key[10..]));
    }
    assert!(run(&["api-key", "check"], format!("{key}\n").as_bytes()).stderr.is_empty());
}

#[test]
fn validate_lines_at_the_cap_and_past_it() {
    const CAP: usize = 64 << 10;
    let mut input = vec![b'a'; CAP];
    input.push(b'\n');
    input.extend_from_slice(&vec![b'a'; CAP + 1]);
    input.extend_from_slice(b"\nalice\n");
    input.extend_from_slice(&vec![b'b'; 3 * CAP]); // last line, no newline
    let out = run(&["validate", "username"], &input);
    assert_eq!(out.status.code(), Some(1));
    // One verdict per line, the lines after a long one still judged.
    assert_eq!(stdout(&out), "reject\ttoo_long\nreject\ttoo_long\nok\talice\nreject\ttoo_long\n");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "guardrail: stdin: line 2 is longer than the limit of 65536 bytes\n\
         guardrail: stdin: line 4 is longer than the limit of 65536 bytes\n"
    );
    // --jsonl: a line past the cap is never parsed as a cut-short string.
    let mut json = b"\"".to_vec();
    json.extend_from_slice(&vec![b'a'; CAP]);
    json.extend_from_slice(b"\"\n\"bob\"\n");
    let out = run(&["validate", "username", "--jsonl"], &json);
    assert_eq!(stdout(&out), "{\"code\":\"too_long\",\"ok\":false}\n{\"canonical\":\"bob\",\"ok\":true}\n");
}

#[test]
fn encode_streams_past_every_cap() {
    // Encoding has no cap: 17 MiB (more than seal's 16 MiB) stream through.
    let input = vec![b'a'; 17 << 20];
    let out = run(&["encode", "html"], &input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.len(), input.len());
}

/// `chmod 622 k.json; guardrail keyring list --keyring k.json` (issue 10,
/// item 5): a keyring others may read or write (or that another user owns)
/// is refused by every command that loads it, naming the file and the
/// mode, and is left untouched.
#[cfg(unix)]
#[test]
#[allow(clippy::print_stdout)] // a skipped case is printed
fn keyring_files_others_may_read_or_write_are_refused() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = TempDir::new("keyring-modes");
    let file = dir.path().join("k.json");
    let f = file.to_str().unwrap();
    assert_eq!(run(&["keyring", "new", "--out", f], b"").status.code(), Some(0));
    let sealed = stdout(&run(&["keyring", "seal", "--keyring", f, "--aad", "x:1"], b"x"));
    let before = std::fs::read(&file).unwrap();
    for mode in [0o622, 0o602, 0o620, 0o640, 0o604, 0o660, 0o666, 0o644] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let list = run(&["keyring", "list", "--keyring", f], b"");
        let err = String::from_utf8_lossy(&list.stderr);
        assert_eq!(list.status.code(), Some(2), "list with mode {mode:o}: {err}");
        assert!(err.contains(f) && err.contains(&format!("{mode:04o}")), "{err}");
        for args in
            [&["keyring", "rotate", "--keyring", f][..], &["keyring", "disable", "--keyring", f, "--key-id", "1"]]
        {
            assert_eq!(run(args, b"").status.code(), Some(2), "{args:?} with mode {mode:o}");
        }
        assert_eq!(
            run(&["keyring", "seal", "--keyring", f, "--aad", "x:1"], b"x").status.code(),
            Some(2),
            "seal, mode {mode:o}"
        );
        let open = run(&["keyring", "open", "--keyring", f, "--aad", "x:1"], sealed.as_bytes());
        assert_eq!((open.status.code(), open.stdout.is_empty()), (Some(1), true), "open, mode {mode:o}");
        assert_eq!(std::fs::read(&file).unwrap(), before, "mode {mode:o}: the keyring was changed");
    }
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(run(&["keyring", "list", "--keyring", f], b"").status.code(), Some(0));

    if std::fs::metadata(&file).unwrap().uid() == 0 {
        std::os::unix::fs::chown(&file, Some(65534), Some(65534)).unwrap();
        let list = run(&["keyring", "list", "--keyring", f], b"");
        let err = String::from_utf8_lossy(&list.stderr);
        assert_eq!(list.status.code(), Some(2), "{err}");
        assert!(err.contains(f) && err.contains("uid 65534"), "{err}");
    } else {
        println!("skipped the foreign-owner case: giving a file to another user needs root");
    }
}

/// `keyring rotate` / `disable` through a symlink update the file it points
/// to (atomically, in that file's directory) and keep the link; `new`
/// never writes through a link, dangling or not.
#[cfg(unix)]
#[test]
fn keyring_rotate_and_disable_through_a_symlink_update_the_target() {
    use std::os::unix::fs::PermissionsExt;
    let real_dir = TempDir::new("keyring-real");
    let link_dir = TempDir::new("keyring-links");
    let real = real_dir.path().join("k.json");
    let link = link_dir.path().join("current.json");
    let (r, l) = (real.to_str().unwrap(), link.to_str().unwrap());
    assert_eq!(run(&["keyring", "new", "--out", r], b"").status.code(), Some(0));
    std::os::unix::fs::symlink(&real, &link).unwrap();

    assert_eq!(run(&["keyring", "rotate", "--keyring", l], b"").status.code(), Some(0));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "rotate replaced the link");
    assert_eq!(stdout(&run(&["keyring", "list", "--keyring", r], b"")), "1\tenabled\t-\n2\tenabled\tprimary\n");
    assert_eq!(run(&["keyring", "disable", "--keyring", l, "--key-id", "1"], b"").status.code(), Some(0));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "disable replaced the link");
    let listed = stdout(&run(&["keyring", "list", "--keyring", r], b""));
    assert!(listed.starts_with("1\tdisabled\t") && listed.ends_with("2\tenabled\tprimary\n"), "{listed}");
    assert_eq!(stdout(&run(&["keyring", "list", "--keyring", l], b"")), listed);
    assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o600);
    for dir in [real_dir.path(), link_dir.path()] {
        assert_eq!(std::fs::read_dir(dir).unwrap().count(), 1, "a stray file in {}", dir.display());
    }

    // A dangling link: `new` refuses to write through it, `rotate` fails
    // and leaves it a link.
    let dangling = link_dir.path().join("dangling.json");
    let missing = real_dir.path().join("missing.json");
    std::os::unix::fs::symlink(&missing, &dangling).unwrap();
    let d = dangling.to_str().unwrap();
    assert_eq!(run(&["keyring", "new", "--out", d], b"").status.code(), Some(2));
    assert_ne!(run(&["keyring", "rotate", "--keyring", d], b"").status.code(), Some(0));
    assert!(!missing.exists(), "a keyring was created through a dangling link");
    assert!(std::fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());
}

/// A keyring file whose key is all zero bytes is refused (issue 10, item
/// 11), and so is one past the 1 MiB cap (item 4), naming it.
#[test]
fn keyring_files_with_a_zero_key_or_past_the_cap_are_refused() {
    let dir = TempDir::new("zero");
    let write = |name: &str, contents: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path.to_str().unwrap().to_owned()
    };
    let json = |key: &str| {
        format!(
            r#"{{"version":1,"primary":1,"keys":[{{"id":1,"status":"enabled","algorithm":"AES256_GCM","key":"{key}"}}]}}"#
        )
    };
    let zero = write("zero.json", json("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").as_bytes());
    for args in
        [vec!["keyring", "list", "--keyring", &zero], vec!["keyring", "seal", "--keyring", &zero, "--aad", "x:1"]]
    {
        let out = run(&args, b"data");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("all zero bytes"), "{err}");
    }
    assert_eq!(run(&["keyring", "open", "--keyring", &zero], b"AAAA").status.code(), Some(1));
    // One repeated byte of any value is a placeholder too (all 0xFF here),
    // and so are two ids holding the same key.
    let ff = write("ff.json", json("//////////////////////////////////////////8=").as_bytes());
    let err = String::from_utf8(run(&["keyring", "list", "--keyring", &ff], b"").stderr).unwrap();
    assert!(err.contains("placeholder key: all bytes equal"), "{err}");
    let a = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    let dup = json(a)
        .replace("}]}", &format!(r#"}},{{"id":2,"status":"enabled","algorithm":"CHACHA20_POLY1305","key":"{a}"}}]}}"#));
    let dup = write("dup.json", dup.as_bytes());
    let out = run(&["keyring", "list", "--keyring", &dup], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("same key material") && !err.contains("AQIDBAUG"), "{err}");
    let good = json(a);
    let at_cap = write("cap.json", format!("{good}{}", " ".repeat((1 << 20) - good.len())).as_bytes());
    assert_eq!(run(&["keyring", "list", "--keyring", &at_cap], b"").status.code(), Some(0));
    let past = write("past.json", format!("{good}{}", " ".repeat((1 << 20) + 1 - good.len())).as_bytes());
    let out = run(&["keyring", "list", "--keyring", &past], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("1048576"), "{err}");
}
