//! The secret loaders against real files, modes and environment variables.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::{fs, path::Path};

use guardrail_secret::{Error, ExposeSecret, load, load::FileLoader};

fn write(dir: &Path, name: &str, contents: &[u8], mode: u32) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, contents).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }
    let _ = mode;
    path
}

fn loaded(path: &Path) -> Result<String, Error> {
    load::from_file(path).map(|s| s.expose_secret().to_owned())
}

#[test]
fn one_trailing_newline_is_removed_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[u8], &str)] = &[
        (b"s3cret", "s3cret"),
        (b"s3cret\n", "s3cret"),
        (b"s3cret\r\n", "s3cret"),
        (b"s3cret\n\n", "s3cret\n"),
        (b" s3cret \n", " s3cret "),
        (b"multi\nline\n", "multi\nline"),
        ("pässwörd\n".as_bytes(), "pässwörd"),
    ];
    for (i, (contents, want)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("s{i}"), contents, 0o600);
        assert_eq!(loaded(&path).unwrap(), *want, "case {i}");
    }
}

#[test]
fn missing_empty_and_non_utf8_files_have_distinct_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    match load::from_file(&missing) {
        Err(Error::Io { path, source }) => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("missing file: {:?}", other.map(|_| ())),
    }
    for contents in [&b""[..], b"\n", b"\r\n"] {
        let path = write(dir.path(), "empty", contents, 0o600);
        assert!(matches!(loaded(&path), Err(Error::Empty { .. })), "{contents:?}");
    }
    let path = write(dir.path(), "latin1", b"caf\xe9\n", 0o600);
    assert!(matches!(loaded(&path), Err(Error::NotUtf8 { .. })));
}

#[test]
fn size_cap_is_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let at_cap = write(dir.path(), "at", &vec![b'a'; FileLoader::DEFAULT_MAX_LEN], 0o600);
    assert_eq!(loaded(&at_cap).unwrap().len(), FileLoader::DEFAULT_MAX_LEN);
    let over = write(dir.path(), "over", &vec![b'a'; FileLoader::DEFAULT_MAX_LEN + 1], 0o600);
    assert!(matches!(loaded(&over), Err(Error::TooLarge { max: 65536, .. })));
    let small = FileLoader::new().max_len(4);
    assert!(matches!(small.load(&at_cap), Err(Error::TooLarge { max: 4, .. })));
    let four = write(dir.path(), "four", b"abcd", 0o600);
    assert_eq!(small.load(&four).unwrap().expose_secret(), "abcd");
}

#[test]
fn binary_secrets_are_loaded_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let raw = [0u8, 0xff, b'\n', 0x80, b'\n'];
    let path = write(dir.path(), "key.bin", &raw, 0o400);
    assert_eq!(FileLoader::new().load_bytes(&path).unwrap().expose_secret(), &raw);
    let empty = write(dir.path(), "empty.bin", b"", 0o600);
    assert!(matches!(FileLoader::new().load_bytes(&empty), Err(Error::Empty { .. })));
}

#[test]
fn directories_are_not_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(loaded(dir.path()), Err(Error::NotRegularFile { .. })));
}

#[cfg(unix)]
#[test]
fn group_or_world_readable_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [0o600, 0o400, 0o700, 0o200 | 0o400] {
        let path = write(dir.path(), "ok", b"s", mode);
        assert!(loaded(&path).is_ok(), "mode {mode:o}");
    }
    for mode in [0o644, 0o640, 0o604, 0o444, 0o660] {
        let path = write(dir.path(), "bad", b"s", mode);
        match loaded(&path) {
            Err(e @ Error::InsecurePermissions { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains(&format!("{mode:04o}")), "{msg}");
                assert!(msg.contains(&path.display().to_string()), "{msg}");
            }
            other => panic!("mode {mode:o}: {:?}", other.map(|_| ())),
        }
    }
    let group = write(dir.path(), "group", b"s", 0o640);
    assert!(FileLoader::new().allow_group_readable().load(&group).is_ok());
    let world = write(dir.path(), "world", b"s", 0o644);
    assert!(FileLoader::new().allow_group_readable().load(&world).is_err());
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    // Opening a FIFO for reading blocks until a writer appears, unless the
    // loader opens it non-blocking: a hang here is the failure.
    assert!(matches!(loaded(&fifo), Err(Error::NotRegularFile { .. })));
    assert!(matches!(
        loaded(Path::new("/dev/zero")),
        Err(Error::NotRegularFile { .. } | Error::InsecurePermissions { .. })
    ));
}

#[cfg(unix)]
#[test]
fn symlinks_to_regular_files_are_followed() {
    // Kubernetes mounts secrets as symlinks into a `..data` directory.
    let dir = tempfile::tempdir().unwrap();
    let target = write(dir.path(), "real", b"s3cret\n", 0o600);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert_eq!(loaded(&link).unwrap(), "s3cret");
}

/// Environment variables are read in a child process: setting one in this
/// multi-threaded test binary would need `unsafe`.
#[test]
fn env_loader_in_a_child_process() {
    if let Ok(expect) = std::env::var("GUARDRAIL_TEST_EXPECT") {
        let got = load::from_env("GUARDRAIL_TEST_SECRET");
        match expect.as_str() {
            "value" => assert_eq!(got.unwrap().expose_secret(), "from the environment"),
            "missing" => assert!(matches!(got, Err(Error::EnvMissing { .. }))),
            "empty" => assert!(matches!(got, Err(Error::Empty { .. }))),
            other => panic!("unknown expectation {other}"),
        }
        return;
    }
    let exe = std::env::current_exe().unwrap();
    for (expect, value) in [("value", Some("from the environment")), ("missing", None), ("empty", Some(""))] {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args(["--exact", "env_loader_in_a_child_process", "--quiet"])
            .env("GUARDRAIL_TEST_EXPECT", expect)
            .env_remove("GUARDRAIL_TEST_SECRET");
        if let Some(v) = value {
            cmd.env("GUARDRAIL_TEST_SECRET", v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "child case {expect}: {}", String::from_utf8_lossy(&out.stdout));
    }
}
