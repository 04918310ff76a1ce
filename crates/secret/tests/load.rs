//! The secret loaders against real files, modes and environment variables.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)] // test code (skips are printed)

use std::{fs, path::Path};

use guardrail_secret::{Error, ExposeSecret, load, load::FileLoader};

fn write(dir: &Path, name: &str, contents: &[u8], mode: u32) -> std::path::PathBuf {
    let path = dir.join(name);
    let _ = fs::remove_file(&path); // a read-only earlier file of this name (non-root runs)
    fs::write(&path, contents).unwrap();
    #[cfg(unix)]
    chmod(&path, mode);
    let _ = mode;
    path
}

/// A new directory `name` in `parent`.
#[cfg(unix)]
fn subdir(parent: &Path, name: &str) -> std::path::PathBuf {
    let dir = parent.join(name);
    fs::create_dir(&dir).unwrap();
    dir
}

/// Sets the permission bits of `path` (a file or a directory).
#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
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
fn group_or_world_readable_or_writable_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [0o600, 0o400, 0o700, 0o200 | 0o400, 0o711] {
        let path = write(dir.path(), "ok", b"s", mode);
        assert!(loaded(&path).is_ok(), "mode {mode:o}");
    }
    // Writable by group or others: anyone could replace the key (the
    // issue's `chmod 622`), even when they cannot read it.
    for mode in [0o644, 0o640, 0o604, 0o444, 0o660, 0o622, 0o602, 0o620, 0o606, 0o666, 0o642] {
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
    // Group read may be allowed; group write never.
    for mode in [0o660, 0o620] {
        let path = write(dir.path(), "group-writable", b"s", mode);
        assert!(
            matches!(FileLoader::new().allow_group_readable().load(&path), Err(Error::InsecurePermissions { .. })),
            "mode {mode:o}"
        );
    }
    // A file with no secret in it (a configuration file) may be read by
    // anyone; written by its owner only, still.
    for mode in [0o644, 0o444, 0o640, 0o604, 0o600] {
        let path = write(dir.path(), "public", b"s", mode);
        assert!(FileLoader::new().allow_others_to_read().load(&path).is_ok(), "mode {mode:o}");
        assert!(FileLoader::new().allow_others_to_read().open(&path).is_ok(), "mode {mode:o}");
    }
    for mode in [0o664, 0o646, 0o622, 0o602, 0o620, 0o666] {
        let path = write(dir.path(), "public-writable", b"s", mode);
        assert!(
            matches!(FileLoader::new().allow_others_to_read().open(&path), Err(Error::InsecurePermissions { .. })),
            "mode {mode:o}"
        );
    }
    // The message says who may do what, never the contents.
    let path = write(dir.path(), "622", b"the-secret-value", 0o622);
    let msg = loaded(&path).unwrap_err().to_string();
    assert!(msg.contains("0622") && msg.contains("writable by its group, writable by others"), "{msg}");
    assert!(!msg.contains("the-secret-value"), "{msg}");
    let path = write(dir.path(), "640", b"s", 0o640);
    let msg = loaded(&path).unwrap_err().to_string();
    assert!(msg.contains("is readable by its group;"), "{msg}");
}

/// The uid of files this process creates: its effective uid.
#[cfg(unix)]
fn my_uid(dir: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    let probe = write(dir, "uid-probe", b"", 0o600);
    fs::metadata(probe).unwrap().uid()
}

/// `nobody`, for the foreign-owner tests: only root can give a file away.
#[cfg(unix)]
const NOBODY: u32 = 65534;

#[cfg(unix)]
#[test]
fn files_owned_by_another_user_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    if my_uid(dir.path()) != 0 {
        println!("skipped: giving a file to another user needs root");
        return;
    }
    let path = write(dir.path(), "foreign", b"s", 0o600);
    std::os::unix::fs::chown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
    match loaded(&path) {
        Err(e @ Error::ForeignOwner { owner: NOBODY, euid: 0, .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&path.display().to_string()) && msg.contains("uid 65534"), "{msg}");
        }
        other => panic!("foreign owner: {:?}", other.map(|_| ())),
    }
    // Read-only for its owner changes nothing; neither does a symlink.
    chmod(&path, 0o400);
    assert!(matches!(loaded(&path), Err(Error::ForeignOwner { .. })));
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    assert!(matches!(loaded(&link), Err(Error::ForeignOwner { .. })));
    // Back to root (this process): accepted.
    std::os::unix::fs::chown(&path, Some(0), Some(0)).unwrap();
    assert_eq!(loaded(&link).unwrap(), "s");
}

#[cfg(unix)]
#[test]
fn directories_others_can_change_are_refused() {
    let top = tempfile::tempdir().unwrap();
    let dir = subdir(top.path(), "secrets");
    let path = write(&dir, "key", b"s", 0o600);
    for (mode, ok) in [(0o700, true), (0o755, true), (0o1777, true), (0o777, false), (0o775, false), (0o757, false)] {
        chmod(&dir, mode);
        match loaded(&path) {
            Ok(_) => assert!(ok, "directory mode {mode:o} accepted"),
            Err(e @ Error::InsecureDirectory { .. }) => {
                assert!(!ok, "directory mode {mode:o} refused");
                let msg = e.to_string();
                assert!(msg.contains(&format!("{mode:04o}")) && msg.contains(&dir.display().to_string()), "{msg}");
            }
            Err(other) => panic!("directory mode {mode:o}: {other}"),
        }
    }
    // A writable directory higher up is refused too.
    chmod(&dir, 0o700);
    chmod(top.path(), 0o777);
    assert!(matches!(loaded(&path), Err(Error::InsecureDirectory { dir, .. }) if dir == top.path()));
    chmod(top.path(), 0o700);
    assert!(loaded(&path).is_ok());

    if my_uid(top.path()) != 0 {
        println!("skipped: giving a directory to another user needs root");
        return;
    }
    std::os::unix::fs::chown(&dir, Some(NOBODY), Some(NOBODY)).unwrap();
    match loaded(&path) {
        Err(Error::ForeignOwner { owned, owner: NOBODY, .. }) => assert_eq!(owned, dir),
        other => panic!("foreign directory: {:?}", other.map(|_| ())),
    }
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
fn symlinks_are_resolved_and_the_target_is_checked() {
    // Kubernetes mounts secrets as symlinks into a `..data` directory.
    let dir = tempfile::tempdir().unwrap();
    let data = subdir(dir.path(), "..2026_11_29");
    let target = write(&data, "real", b"s3cret\n", 0o600);
    std::os::unix::fs::symlink("..2026_11_29", dir.path().join("..data")).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink("..data/real", &link).unwrap();
    assert_eq!(loaded(&link).unwrap(), "s3cret");
    // The checks are the target's: its mode, and its own directory.
    for mode in [0o644, 0o622] {
        chmod(&target, mode);
        match loaded(&link) {
            Err(Error::InsecurePermissions { path, mode: m }) => {
                assert_eq!((path, m), (link.clone(), mode), "the error names the path as given");
            }
            other => panic!("mode {mode:o} through a link: {:?}", other.map(|_| ())),
        }
    }
    chmod(&target, 0o600);
    chmod(&data, 0o777);
    assert!(matches!(loaded(&link), Err(Error::InsecureDirectory { dir, .. }) if dir.ends_with("..2026_11_29")));
    chmod(&data, 0o755);
    // A dangling link is a missing file.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink("nowhere", &dangling).unwrap();
    assert!(
        matches!(loaded(&dangling), Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound)
    );
}

#[cfg(unix)]
#[test]
fn open_hands_back_the_checked_file() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "db", b"contents", 0o600);
    let mut text = String::new();
    FileLoader::new().open(&path).unwrap().read_to_string(&mut text).unwrap();
    assert_eq!(text, "contents");
    for mode in [0o644, 0o666, 0o602] {
        let bad = write(dir.path(), "bad-db", b"x", mode);
        assert!(matches!(FileLoader::new().open(&bad), Err(Error::InsecurePermissions { .. })), "mode {mode:o}");
    }
    assert!(matches!(FileLoader::new().open(dir.path()), Err(Error::NotRegularFile { .. })));
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

/// A symlink is followed only when its owner is this process's user or
/// root and the directory holding it is one only they can change: a link
/// planted in a sticky world-writable directory by another user (with
/// `fs.protected_symlinks` off) would make this process read the file of
/// that user's choosing. Intermediate links are checked the same way.
#[cfg(unix)]
#[test]
fn symlinks_are_trusted_only_from_their_owner_in_safe_directories() {
    use std::os::unix::fs::{lchown, symlink};
    let top = tempfile::tempdir().unwrap();
    let victim_dir = subdir(top.path(), "victim");
    let victim = write(&victim_dir, "prod.json", b"victim", 0o600);
    let st = subdir(top.path(), "st");

    // Our own link in a directory others may write without the sticky bit:
    // they could replace the link.
    chmod(&st, 0o777);
    let link = st.join("app.json");
    symlink(&victim, &link).unwrap();
    assert!(matches!(loaded(&link), Err(Error::InsecureDirectory { dir, .. }) if dir == st));
    // The same directory as the way to a real file (not a link) is refused too.
    let via_dir = top.path().join("via");
    symlink(&st, &via_dir).unwrap();
    assert!(matches!(loaded(&via_dir.join("app.json")), Err(Error::InsecureDirectory { dir, .. }) if dir == st));
    // Sticky: our own (or root's) link is fine.
    chmod(&st, 0o1777);
    assert_eq!(loaded(&link).unwrap(), "victim");

    if my_uid(top.path()) != 0 {
        println!("skipped: giving a symlink to another user needs root");
        return;
    }
    lchown(&link, Some(NOBODY), Some(NOBODY)).unwrap();
    match loaded(&link) {
        Err(e @ Error::UntrustedSymlink { owner: NOBODY, euid: 0, .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&link.display().to_string()) && msg.contains("uid 65534"), "{msg}");
            assert!(matches!(e, Error::UntrustedSymlink { link: ref l, .. } if *l == link));
        }
        other => panic!("foreign symlink: {:?}", other.map(|_| ())),
    }
    // Through a trusted link to the foreign one: still refused.
    let alias = top.path().join("alias.json");
    symlink(&link, &alias).unwrap();
    assert!(matches!(loaded(&alias), Err(Error::UntrustedSymlink { link: l, .. }) if l == link));
    // A foreign link as an intermediate directory component.
    let dir_link = st.join("dir");
    symlink(&victim_dir, &dir_link).unwrap();
    assert_eq!(loaded(&dir_link.join("prod.json")).unwrap(), "victim", "root's own link");
    lchown(&dir_link, Some(NOBODY), Some(NOBODY)).unwrap();
    assert!(
        matches!(loaded(&dir_link.join("prod.json")), Err(Error::UntrustedSymlink { link: l, .. }) if l == dir_link)
    );
    // `FileLoader::open` walks the same way.
    assert!(matches!(FileLoader::new().open(&link), Err(Error::UntrustedSymlink { .. })));
    // Back to root: accepted (Kubernetes' `..data` links are root's).
    lchown(&link, Some(0), Some(0)).unwrap();
    assert_eq!(loaded(&link).unwrap(), "victim");
}

/// A secret file with a second name is refused: the other name may be in
/// a directory someone else controls (a hard link to a root-owned 0600
/// file passes every owner and mode check).
#[cfg(unix)]
#[test]
fn hard_linked_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "key", b"s", 0o600);
    assert_eq!(loaded(&path).unwrap(), "s");
    let second = dir.path().join("second");
    fs::hard_link(&path, &second).unwrap();
    for p in [&path, &second] {
        match loaded(p) {
            Err(e @ Error::HardLinked { links: 2, .. }) => {
                assert!(e.to_string().contains("2 names"), "{e}");
            }
            other => panic!("hard link: {:?}", other.map(|_| ())),
        }
    }
    assert!(matches!(FileLoader::new().allow_others_to_read().open(&path), Err(Error::HardLinked { .. })));
    fs::remove_file(&second).unwrap();
    assert_eq!(loaded(&path).unwrap(), "s");
}
