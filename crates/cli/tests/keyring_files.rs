//! The keyring file as `guardrail keyring new/rotate/disable` write it
//! (issue 10, item 5): a temporary file left by a killed run never blocks a
//! rotation, nothing but the keyring is left in its directory, a write cut
//! short leaves the old keyring whole and names the file, and rotations run
//! at the same time all land.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // test code (skips are printed)

use std::{ffi::OsString, os::unix::fs::PermissionsExt, path::Path, process::Command};

#[allow(dead_code)] // uses guardrail, BIN and TempDir; not run or stdout
mod common;

use common::{BIN, TempDir, guardrail};

fn names_in(dir: &Path) -> Vec<OsString> {
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    names
}

/// Runs `guardrail args` and asserts that it exits 0.
fn succeeds(args: &[&str]) {
    let out = guardrail(args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Writes a new keyring with `guardrail keyring new` to `dir/name` and
/// returns its path as text.
fn new_keyring(dir: &Path, name: &str) -> String {
    let path = dir.join(name).to_str().unwrap().to_owned();
    succeeds(&["keyring", "new", "--out", &path]);
    path
}

fn list(keyring: &str) -> String {
    let out = guardrail(&["keyring", "list", "--keyring", keyring]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_stale_temporary_file_does_not_block_rotate_or_disable() {
    let dir = TempDir::new("stale-temp");
    let k = &new_keyring(dir.path(), "k.json");
    // What a killed rotation of an earlier version left behind: it used to
    // fail every later rotation with "File exists".
    let stale = dir.path().join("k.json.tmp-guardrail");
    std::fs::write(&stale, b"{").unwrap();
    std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o600)).unwrap();

    succeeds(&["keyring", "rotate", "--keyring", k]);
    assert_eq!(list(k), "1\tenabled\t-\n2\tenabled\tprimary\n");
    succeeds(&["keyring", "disable", "--keyring", k, "--key-id", "1"]);
    assert_eq!(list(k), "1\tdisabled\t-\n2\tenabled\tprimary\n");

    assert_eq!(names_in(dir.path()), vec![OsString::from("k.json"), OsString::from("k.json.tmp-guardrail")]);
    assert_eq!(std::fs::metadata(k).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn new_rotate_and_disable_leave_only_the_keyring() {
    let dir = TempDir::new("only-keyring");
    let k = &new_keyring(dir.path(), "k.json");
    succeeds(&["keyring", "rotate", "--keyring", k]);
    succeeds(&["keyring", "disable", "--keyring", k, "--key-id", "1"]);
    assert_eq!(names_in(dir.path()), vec![OsString::from("k.json")]);
}

/// The disk is "full" (`ulimit -f 1`: one block per file, and SIGXFSZ
/// ignored so the write fails with EFBIG): rotate and new fail with exit 2
/// naming the file, the old keyring still loads unchanged, and no temporary
/// or partial file is left.
#[test]
fn a_write_cut_short_keeps_the_old_keyring_and_leaves_nothing() {
    let dir = TempDir::new("cut-short");
    let k = &new_keyring(dir.path(), "k.json");
    // Grow the keyring past one block, so that a rewrite cannot fit.
    for _ in 0..8 {
        succeeds(&["keyring", "rotate", "--keyring", k]);
    }
    let before = std::fs::read(k).unwrap();
    assert!(before.len() > 1024, "{} bytes", before.len());
    let limited = |args: &[&str]| {
        Command::new("sh")
            .arg("-c")
            .arg(r#"trap '' XFSZ; ulimit -f 1 && exec "$0" "$@""#)
            .arg(BIN)
            .args(args)
            .output()
            .unwrap()
    };

    let out = limited(&["keyring", "rotate", "--keyring", k]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("k.json") && stderr.contains("too large"), "{stderr}");
    assert_eq!(std::fs::read(k).unwrap(), before, "the old keyring is intact");
    assert_eq!(names_in(dir.path()), vec![OsString::from("k.json")]);

    let out = limited(&["keyring", "disable", "--keyring", k, "--key-id", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(k).unwrap(), before);
    assert_eq!(names_in(dir.path()), vec![OsString::from("k.json")]);
    assert!(list(k).starts_with("1\tenabled\t-\n"));
}

/// Two `rotate`s at once, ten times: every one of the twenty new keys is in
/// the file. Without the update lock both read the same file and the
/// second write dropped the first one's key (measured before the lock: 25
/// of 41 keys left after 20 such pairs, each run reporting success).
#[test]
fn concurrent_rotations_all_land() {
    let dir = TempDir::new("concurrent");
    let k = &new_keyring(dir.path(), "k.json");
    for _ in 0..10 {
        let children: Vec<_> = (0..2)
            .map(|_| {
                Command::new(BIN)
                    .args(["keyring", "rotate", "--keyring", k])
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut child in children {
            assert!(child.wait().unwrap().success());
        }
    }
    let listed = list(k);
    let ids: Vec<&str> = listed.lines().map(|l| l.split('\t').next().unwrap()).collect();
    let expected: Vec<String> = (1..=21).map(|i| i.to_string()).collect();
    assert_eq!(ids, expected, "{listed}");
    assert_eq!(names_in(dir.path()), vec![OsString::from("k.json")]);
}

/// Issue 10, item 4: a rotation never writes a keyring too large to load
/// back. A keyring filled to the cap through the library is refused by
/// `rotate` (exit 2, the file and the cap named), the file unchanged; a
/// `disable` on it still works and what it writes loads.
#[test]
fn rotate_refuses_a_full_keyring_before_writing() {
    use guardrail_keys::{Algorithm, Keyring, aead::MAX_JSON_BYTES};
    let dir = TempDir::new("full-keyring");
    let path = dir.path().join("k.json");
    let mut k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    while k.add_key(Algorithm::Aes256Gcm).is_ok() {}
    let json = k.export_json_insecure_plaintext_keys();
    guardrail_secret::store::write_private(&path, json.as_bytes(), guardrail_secret::store::Mode::CreateNew).unwrap();
    let keyring = path.to_str().unwrap();
    let count = list(keyring).lines().count();
    let before = std::fs::read(&path).unwrap();

    let out = guardrail(&["keyring", "rotate", "--keyring", keyring]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(keyring) && stderr.contains(&MAX_JSON_BYTES.to_string()), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the keyring changed");
    assert_eq!(names_in(dir.path()), [OsString::from("k.json")]);

    succeeds(&["keyring", "disable", "--keyring", keyring, "--key-id", "2"]);
    let listed = list(keyring);
    assert_eq!(listed.lines().count(), count);
    assert!(listed.lines().any(|l| l == "2\tdisabled\t-"), "{listed}");
}

/// The hostile review's scenario (issue 10, item 5): in a sticky
/// world-writable directory, another user (uid 65534) plants
/// `app.json` as a symlink to root's keyring elsewhere. `keyring list`
/// and `keyring rotate` run by root refuse it, naming the link's owner, and
/// the victim keyring is left byte for byte; root's own link there works.
#[test]
fn a_symlink_planted_by_another_user_in_a_sticky_directory_is_refused() {
    use std::os::unix::fs::{MetadataExt, lchown, symlink};
    let dir = TempDir::new("foreign-link");
    if std::fs::metadata(dir.path()).unwrap().uid() != 0 {
        println!("skipped: giving a symlink to another user needs root");
        return;
    }
    let victim_dir = dir.path().join("victim");
    std::fs::create_dir(&victim_dir).unwrap();
    let victim = &new_keyring(&victim_dir, "prod.json");
    let before = std::fs::read(victim).unwrap();
    let st = dir.path().join("st");
    std::fs::create_dir(&st).unwrap();
    std::fs::set_permissions(&st, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let link = st.join("app.json");
    symlink(victim, &link).unwrap();
    let l = link.to_str().unwrap();
    // Root's own link in the sticky directory is followed.
    assert_eq!(list(l), "1\tenabled\tprimary\n");

    lchown(&link, Some(65534), Some(65534)).unwrap();
    for args in [
        &["keyring", "list", "--keyring", l][..],
        &["keyring", "rotate", "--keyring", l],
        &["keyring", "disable", "--keyring", l, "--key-id", "1"],
    ] {
        let out = guardrail(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?} succeeded");
        assert!(stderr.contains("uid 65534") && stderr.contains("symlink"), "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read(victim).unwrap(), before, "the victim keyring is untouched");
    assert_eq!(names_in(&victim_dir), vec![OsString::from("prod.json")]);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
}

/// `keyring disable` of the primary key and of an unknown id: exit 2, the
/// file and the id named, and the reason as the README's changelog gives
/// it (before issue 11 both said "key id not usable for this operation").
#[test]
fn disabling_the_primary_or_an_unknown_id_names_the_reason() {
    let dir = TempDir::new("disable-messages");
    let k = &new_keyring(dir.path(), "k.json");
    for (id, reason) in [("1", "the primary key cannot be disabled"), ("7", "unknown key id")] {
        let out = guardrail(&["keyring", "disable", "--keyring", k, "--key-id", id]);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            format!("guardrail: {k}: cannot disable key {id}: {reason}\n")
        );
    }
    assert_eq!(list(k), "1\tenabled\tprimary\n", "a refused disable changed the keyring");
}
