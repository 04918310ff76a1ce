//! `guardrail api-key scan`: keys issued by `guardrail api-key new` and
//! planted in files are reported as `PATH:LINE: api key LOOKUP_ID` (the
//! lookup id `api-key new` printed), a key whose checksum is broken is
//! not, and no output ever holds a key's secret part.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

mod common;

use std::{path::Path, process::Output};

use common::{TempDir, guardrail, run, stdout};

/// A fresh key from the CLI: (the key, its lookup id).
fn issue(prefix: &str) -> (String, String) {
    let out = guardrail(&["api-key", "new", "--prefix", prefix]);
    assert!(out.status.success());
    let text = stdout(&out);
    let mut lines = text.lines();
    let key = lines.next().unwrap().to_owned();
    let lookup_id = lines.next().unwrap().split('\t').next().unwrap().to_owned();
    (key, lookup_id)
}

/// The key with its last checksum character changed.
fn broken(key: &str) -> String {
    let (body, last) = key.split_at(key.len() - 1);
    format!("{body}{}", if last == "0" { "1" } else { "0" })
}

/// Asserts neither stream holds any key's random part (everything after
/// its prefix's `_`).
fn assert_no_secret(out: &Output, keys: &[&str]) {
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for key in keys {
        let secret = &key[key.len() - 36..];
        assert!(!shown.contains(secret) && !shown.contains(&secret[..12]), "a key's secret part was printed");
    }
}

fn write(path: &Path, contents: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

fn scan(args: &[&str]) -> Output {
    let mut all = vec!["api-key", "scan"];
    all.extend_from_slice(args);
    guardrail(&all)
}

#[test]
fn planted_keys_are_found_by_lookup_id_and_line_and_broken_ones_are_not() {
    let dir = TempDir::new("scan-planted");
    let (svc, svc_id) = issue("authsvc_live");
    let (acme, acme_id) = issue("acme_live");
    let (other, other_id) = issue("other_test");
    let d = dir.path();
    write(&d.join("app/.env"), format!("DEBUG=1\n# prod\nAPI_KEY=\"{svc}\"\n").as_bytes());
    write(&d.join("app/config.json"), format!("{{\n  \"key\": \"{acme}\", \"backup\": \"x_{svc}\"\n}}\n").as_bytes());
    write(&d.join("b.txt"), format!("{}\nbroken {}\n{other}", broken(&svc), broken(&acme)).as_bytes());
    let root = d.display().to_string();
    let keys = [svc.as_str(), acme.as_str(), other.as_str()];

    // Default: the shipped prefix only.
    let out = scan(&[&root]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!("{root}/app/.env:3: api key {svc_id}\n{root}/app/config.json:2: api key {svc_id}\n")
    );
    assert!(out.stderr.is_empty());
    assert_no_secret(&out, &keys);

    // --prefix adds one; --any-prefix takes every valid prefix.
    let out = scan(&["--prefix", "acme_live", &root]);
    assert_eq!(
        stdout(&out),
        format!(
            "{root}/app/.env:3: api key {svc_id}\n{root}/app/config.json:2: api key {acme_id}\n\
             {root}/app/config.json:2: api key {svc_id}\n"
        )
    );
    let out = scan(&["--any-prefix", &root]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).ends_with(&format!("{root}/b.txt:3: api key {other_id}\n")), "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().count(), 4);
    assert_no_secret(&out, &keys);

    // Broken checksums only: nothing found, exit 0.
    let only_broken = d.join("only-broken.txt");
    write(&only_broken, format!("{}\n{}\n", broken(&svc), broken(&acme)).as_bytes());
    let out = scan(&["--any-prefix", &only_broken.display().to_string()]);
    assert_eq!((out.status.code(), out.stdout.len(), out.stderr.len()), (Some(0), 0, 0));
}

#[test]
fn stdin_is_scanned_as_dash() {
    let (svc, svc_id) = issue("authsvc_live");
    let input = format!("first line\ncurl -H 'Authorization: Bearer {svc}' https://api\n");
    let out = run(&["api-key", "scan", "-"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), format!("-:2: api key {svc_id}\n"));
    assert_no_secret(&out, &[&svc]);
    let out = run(&["api-key", "scan", "-"], b"no keys here\n");
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0));
}

#[test]
fn the_walk_skips_git_target_binary_files_and_symlinks() {
    let dir = TempDir::new("scan-walk");
    let (svc, svc_id) = issue("authsvc_live");
    let d = dir.path();
    let line = format!("KEY={svc}\n");
    write(&d.join(".git/config"), line.as_bytes());
    write(&d.join("target/debug/out.txt"), line.as_bytes());
    write(&d.join("nested/target/x.txt"), line.as_bytes());
    let mut binary = b"\x7fELF\0\0\0".to_vec();
    binary.extend_from_slice(line.as_bytes());
    write(&d.join("bin/app"), &binary);
    write(&d.join("deep/er/still.txt"), line.as_bytes());
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("deep"), d.join("link")).unwrap();
    let root = d.display().to_string();
    let out = scan(&[&root]);
    assert_eq!(out.status.code(), Some(1));
    // Only the regular text file outside the skipped directories.
    assert_eq!(stdout(&out), format!("{root}/deep/er/still.txt:1: api key {svc_id}\n"));
    // The binary file is named; the excluded directories and links are not.
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        stderr,
        format!("guardrail: {root}/bin/app: skipped: binary file (a NUL byte in the first 8000 bytes)\n")
    );
    // A file named on the command line is scanned even under target/.
    let out = scan(&[&d.join("target/debug/out.txt").display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn oversized_files_and_lines_are_skipped_and_named() {
    let dir = TempDir::new("scan-caps");
    let (svc, svc_id) = issue("authsvc_live");
    let d = dir.path();
    // A sparse file past the 64 MiB cap: skipped before any read.
    let big = d.join("big.bin");
    std::fs::File::create(&big).unwrap().set_len((64 << 20) + 1).unwrap();
    // A line past the 1 MiB cap: skipped; the next line is still read.
    let long = d.join("long.txt");
    write(&long, format!("{}{svc}\n{svc}\n", "x".repeat(1 << 20)).as_bytes());
    let out = scan(&[&big.display().to_string(), &long.display().to_string()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("big.bin: skipped, larger than 64 MiB (67108864 bytes)"), "{stderr}");
    assert!(stderr.contains("long.txt: line 1 skipped, longer than 1 MiB (1048576 bytes)"), "{stderr}");
    assert_eq!(stdout(&out), format!("{}:2: api key {svc_id}\n", long.display()));
    assert_eq!(out.status.code(), Some(1));
    // Nothing found but a line skipped: exit 2, not 0.
    let only_long = d.join("only-long.txt");
    write(&only_long, format!("{}\nshort\n", "x".repeat((1 << 20) + 1)).as_bytes());
    let out = scan(&[&only_long.display().to_string()]);
    assert_eq!((out.status.code(), out.stdout.len()), (Some(2), 0));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("only-long.txt: line 1 skipped"), "{stderr}");
    assert!(stderr.contains("no API key found, but not everything could be scanned: 1 file(s) or line(s) skipped"));
}

#[test]
fn skipped_binary_files_are_named_with_the_reason_and_exit_2_when_nothing_was_found() {
    let dir = TempDir::new("scan-binary");
    let (svc, _) = issue("authsvc_live");
    let d = dir.path();
    // A gzip-rotated log (gzip magic 1f 8b), UTF-16 with a byte order mark,
    // and a NUL-bearing file: each may hold a key the scan cannot see.
    write(&d.join("app.log.1.gz"), &[0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]);
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(format!("KEY={svc}\n").encode_utf16().flat_map(u16::to_le_bytes));
    write(&d.join("notes-utf16.txt"), &utf16);
    write(&d.join("blob.bin"), b"\0\0\0data");
    write(&d.join("clean.txt"), b"nothing here\n");
    let root = d.display().to_string();
    let out = scan(&[&root]);
    assert_eq!((out.status.code(), out.stdout.len()), (Some(2), 0));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for expected in [
        format!(
            "{root}/app.log.1.gz: skipped: binary file (gzip? use zcat {root}/app.log.1.gz | guardrail api-key scan -)"
        ),
        format!("{root}/notes-utf16.txt: skipped: UTF-16 text (use iconv -f UTF-16 -t UTF-8 "),
        format!("{root}/blob.bin: skipped: binary file (a NUL byte in the first 8000 bytes)"),
        "3 file(s) or line(s) skipped".to_owned(),
    ] {
        assert!(stderr.contains(&expected), "{expected:?} not in {stderr}");
    }
    assert!(!stderr.contains("clean.txt"), "{stderr}");
    assert_no_secret(&out, &[&svc]);
    // The clean file alone: exit 0, silent.
    let out = scan(&[&d.join("clean.txt").display().to_string()]);
    assert_eq!((out.status.code(), out.stdout.len(), out.stderr.len()), (Some(0), 0, 0));
}

#[test]
fn a_key_given_as_a_path_or_prefix_is_refused_without_echoing_it() {
    let dir = TempDir::new("scan-key-arg");
    let (svc, _) = issue("authsvc_live");
    let (acme, _) = issue("acme_live");
    let present = dir.path().join("present.txt");
    write(&present, b"nothing\n");
    let out = scan(&[&present.display().to_string(), &acme]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("guardrail: argument 2 looks like an API key, not a path: pass keys on stdin"), "{stderr}");
    assert!(!stderr.contains("acme_live"), "{stderr}");
    assert_no_secret(&out, &[&acme]);
    let out = scan(&["--prefix", "acme_live", "--prefix", &svc, &present.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr, "guardrail: --prefix value 2 looks like an API key, not a prefix: pass keys on stdin\n");
    assert_no_secret(&out, &[&svc]);
    // A missing path that is not a key is still named.
    let out = scan(&["no-such-file"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file: "));
}

#[test]
fn unreadable_paths_exit_2_naming_them_after_scanning_the_rest() {
    let dir = TempDir::new("scan-missing");
    let (svc, svc_id) = issue("authsvc_live");
    let present = dir.path().join("present.txt");
    write(&present, svc.as_bytes());
    let missing = dir.path().join("missing.txt");
    let out = scan(&[&missing.display().to_string(), &present.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), format!("{}:1: api key {svc_id}\n", present.display()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{}: ", missing.display())), "{stderr}");
    assert_no_secret(&out, &[&svc]);
    // A prefix that no key can have is a usage error.
    let out = scan(&["--prefix", "Not-A-Prefix", &present.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--prefix Not-A-Prefix: not a key prefix"));
}
