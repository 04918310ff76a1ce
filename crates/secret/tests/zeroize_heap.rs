//! Proof that secrets leave no copy in freed heap memory.
//!
//! This test binary installs guardrail-testkit's global allocator, which, while armed, scans
//! every block it is about to free for a canary. A plain `String` holding
//! the canary is caught (the control, which shows the scan works); a
//! `SecretString`, and everything the loaders and decoders allocate on the
//! way to one, must not be.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)] // test code

use guardrail_secret::{ExposeSecret, SecretString, load};
use guardrail_testkit::ScanningAllocator;

const CANARY: &str = "ZQ-heap-canary-41c9e2-secret";

#[global_allocator]
static GLOBAL: ScanningAllocator = ScanningAllocator;

/// Runs `f` with the scan armed; returns how many freed blocks held the canary.
fn freed_copies(f: impl FnOnce()) -> usize {
    guardrail_testkit::freed_copies(&[CANARY], f).0
}

fn write_secret_file(dir: &std::path::Path, name: &str, contents: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// One test function: the allocator state is global, so the sections run
/// in sequence, never beside each other.
#[test]
fn no_secret_copy_is_freed_unwiped() {
    if std::env::var_os("GUARDRAIL_ZEROIZE_CHILD").is_some() {
        // Child process (see the end): the canary is in our environment.
        let hits = freed_copies(|| {
            let secret = load::from_env("GUARDRAIL_ZEROIZE_SECRET").unwrap();
            assert_eq!(secret.expose_secret(), CANARY);
            drop(secret);
        });
        assert_eq!(hits, 0, "from_env left {hits} copies");
        return;
    }

    // Control: the scan sees an ordinary String freed with the canary in it.
    let hits = freed_copies(|| drop(String::from(CANARY)));
    assert!(hits >= 1, "the inspecting allocator failed to see a plain String");

    let hits = freed_copies(|| {
        let secret = SecretString::from(String::from(CANARY));
        assert_eq!(secret.expose_secret().len(), CANARY.len());
        drop(secret);
    });
    assert_eq!(hits, 0, "SecretString left {hits} copies");

    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("plain", CANARY.as_bytes().to_vec()),
        ("newline", format!("{CANARY}\n").into_bytes()),
        ("crlf", format!("{CANARY}\r\n").into_bytes()),
        ("not-utf8", [CANARY.as_bytes(), &[0xff]].concat()),
        ("long", CANARY.repeat(500).into_bytes()),
    ];
    for (name, contents) in &files {
        let path = write_secret_file(dir.path(), name, contents);
        let hits = freed_copies(|| {
            let loaded = load::from_file(&path);
            if *name != "not-utf8" {
                assert!(loaded.as_ref().unwrap().expose_secret().starts_with(CANARY));
            }
            drop(loaded);
        });
        assert_eq!(hits, 0, "from_file({name}) left {hits} copies");
        let hits = freed_copies(|| drop(load::FileLoader::new().load_bytes(&path).unwrap()));
        assert_eq!(hits, 0, "load_bytes({name}) left {hits} copies");
    }

    // Too large for the cap after the size check passed (the loader has to
    // notice while reading): cap below the file's length with a grown file
    // is covered by `max_len` smaller than the canary.
    let path = write_secret_file(dir.path(), "capped", CANARY.as_bytes());
    let hits = freed_copies(|| assert!(load::FileLoader::new().max_len(8).load(&path).is_err()));
    assert_eq!(hits, 0);

    let hex = guardrail_ct::hex::encode_string(CANARY.as_bytes());
    let b64 = guardrail_ct::base64::encode_string(CANARY.as_bytes());
    let hits = freed_copies(|| {
        drop(guardrail_secret::decode_hex(&hex).unwrap());
        drop(guardrail_secret::decode_base64(&b64).unwrap());
        drop(guardrail_secret::decode_base64(&format!("{}!", &b64[..b64.len() - 4])));
    });
    assert_eq!(hits, 0, "decoders left {hits} copies");

    // Bounded reads of streams (stdin, lines): the buffers grow by hand and
    // are wiped, so a canary read through them is never freed as it is —
    // small and large inputs (the large one grows the buffer several
    // times), refused ones, and lines at and past the cap.
    let long = CANARY.repeat(2000); // 56 KB: past the first 8 KiB buffer
    let hits = freed_copies(|| {
        drop(guardrail_secret::read::to_end(CANARY.as_bytes(), 64).unwrap());
        drop(guardrail_secret::read::to_end(long.as_bytes(), long.len()).unwrap());
        assert!(guardrail_secret::read::to_end(long.as_bytes(), long.len() - 1).is_err());
    });
    assert_eq!(hits, 0, "read::to_end left {hits} copies");
    let lines = format!("{CANARY}\n{long}\n{CANARY}{CANARY}\n");
    let hits = freed_copies(|| {
        let mut reader = guardrail_secret::read::Lines::new(lines.as_bytes(), long.len());
        while !matches!(reader.next_line(), Ok(None)) {}
        drop(reader);
        let mut capped = guardrail_secret::read::Lines::new(lines.as_bytes(), CANARY.len());
        assert!(capped.next_line().unwrap().is_some());
        assert!(capped.next_line().is_err(), "a line past the cap was returned");
        drop(capped);
    });
    assert_eq!(hits, 0, "read::Lines left {hits} copies");

    // The environment loader, in a child process that has the variable.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "no_secret_copy_is_freed_unwiped", "--quiet"])
        .env("GUARDRAIL_ZEROIZE_CHILD", "1")
        .env("GUARDRAIL_ZEROIZE_SECRET", CANARY)
        .output()
        .unwrap();
    assert!(out.status.success(), "child: {}", String::from_utf8_lossy(&out.stdout));
}
