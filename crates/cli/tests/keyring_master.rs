//! `guardrail keyring ... --master-key-file FILE` and `keyring rewrap`: the
//! keyring file as auth-service keeps it with `AUTH_SERVICE_MASTER_KEY_FILE`
//! set (an envelope, `Keyring::to_envelope`, under a 32-byte master key
//! written as 64 hex digits), read and written by the real binary.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Output,
};

#[allow(dead_code)] // uses guardrail, run, stdout and TempDir; not spawn or BIN
mod common;

use common::{TempDir, guardrail, run, stdout};
use guardrail_keys::{Algorithm, Error as KeysError, Keyring};
use guardrail_secret::{
    ExposeSecret, SecretSlice,
    store::{Mode, write_private},
};

/// Two distinct, non-placeholder master keys, as 64 hex digits.
const MASTER_A: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const MASTER_B: &str = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";

/// Writes `text` to `dir/name`, owner-only, and returns the path.
fn secret_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    write_private(&path, text.as_bytes(), Mode::CreateNew).unwrap();
    path
}

fn key(hex: &str) -> SecretSlice<u8> {
    guardrail_secret::decode_hex(hex).unwrap()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The base64 key material of `keyring`, to look for in output.
fn key_material(keyring: &Keyring) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&keyring.export_json_insecure_plaintext_keys()).unwrap();
    json["keys"].as_array().unwrap().iter().map(|k| k["key"].as_str().unwrap().to_owned()).collect()
}

/// Asserts that `out` exited `code` and that neither stream holds any of
/// `secrets`; returns stderr.
fn exits(out: &Output, code: i32, secrets: &[String]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for secret in secrets {
        assert!(
            !stderr.contains(secret.as_str()) && !stdout.contains(secret.as_str()),
            "key bytes in output: {stderr}"
        );
    }
    stderr
}

/// The secrets no output may show: both master keys (either case) and the
/// keyring's key material.
fn secrets(keyring: &Keyring) -> Vec<String> {
    let mut all = key_material(keyring);
    for m in [MASTER_A, MASTER_B] {
        all.extend([m.to_owned(), m.to_uppercase(), m[..16].to_owned()]);
    }
    all
}

/// A keyring written as auth-service writes it under a master key (the
/// same library call, `to_envelope`), with `MASTER_A` in `a.hex` and
/// `MASTER_B` in `b.hex` beside it.
struct Fixture {
    dir: TempDir,
    keyring: Keyring,
    path: PathBuf,
    a: PathBuf,
    b: PathBuf,
}

impl Fixture {
    fn new(name: &str) -> Self {
        let dir = TempDir::new(name);
        let keyring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
        let path = secret_file(dir.path(), "k.json", &keyring.to_envelope(&key(MASTER_A)).unwrap());
        let a = secret_file(dir.path(), "a.hex", &format!("{MASTER_A}\n"));
        let b = secret_file(dir.path(), "b.hex", MASTER_B);
        Self { dir, keyring, path, a, b }
    }

    fn k(&self) -> &str {
        s(&self.path)
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.path).unwrap()
    }

    fn list(&self, master: &Path) -> String {
        let out = guardrail(&["keyring", "list", "--keyring", self.k(), "--master-key-file", s(master)]);
        exits(&out, 0, &secrets(&self.keyring));
        stdout(&out)
    }

    /// Seals `plain` with `--master-key-file master`; the sealed text.
    fn seal(&self, master: &Path, plain: &[u8]) -> Vec<u8> {
        let out = run(&["keyring", "seal", "--keyring", self.k(), "--master-key-file", s(master), "--aad", "t"], plain);
        exits(&out, 0, &secrets(&self.keyring));
        out.stdout
    }

    /// `keyring open` with `--master-key-file master`.
    fn open(&self, master: &Path, sealed: &[u8]) -> Output {
        run(&["keyring", "open", "--keyring", self.k(), "--master-key-file", s(master), "--aad", "t"], sealed)
    }
}

#[test]
fn an_envelope_auth_service_writes_is_listed_rotated_disabled_and_seals_with_the_flag() {
    let f = Fixture::new("mk-ops");
    let secrets = secrets(&f.keyring);
    assert_eq!(f.list(&f.a), "1\tenabled\tprimary\n");
    let sealed = f.seal(&f.a, b"under key 1");
    let out = f.open(&f.a, &sealed);
    exits(&out, 0, &[]);
    assert_eq!(out.stdout, b"under key 1");

    exits(&guardrail(&["keyring", "rotate", "--keyring", f.k(), "--master-key-file", s(&f.a)]), 0, &secrets);
    assert_eq!(f.list(&f.a), "1\tenabled\t-\n2\tenabled\tprimary\n");
    // Still an envelope under the same master key, with both keys, 0600.
    let text = String::from_utf8(f.bytes()).unwrap();
    assert!(Keyring::from_json(&text).is_err(), "written as plaintext");
    let back = Keyring::from_envelope(&text, &key(MASTER_A)).unwrap();
    assert_eq!(back.keys().count(), 2);
    assert_eq!(back.open(&f.keyring.seal(b"x", b"ad").unwrap(), b"ad").unwrap().expose_secret(), b"x");
    assert_eq!(std::fs::metadata(&f.path).unwrap().permissions().mode() & 0o777, 0o600);
    let sealed2 = f.seal(&f.a, b"under key 2");

    let args = ["keyring", "disable", "--keyring", f.k(), "--master-key-file", s(&f.a), "--key-id", "1"];
    exits(&guardrail(&args), 0, &secrets);
    assert_eq!(f.list(&f.a), "1\tdisabled\t-\n2\tenabled\tprimary\n");
    exits(&f.open(&f.a, &sealed), 1, &[]);
    assert_eq!(f.open(&f.a, &sealed2).stdout, b"under key 2");
}

#[test]
fn new_with_a_master_key_writes_an_envelope_the_library_opens() {
    let dir = TempDir::new("mk-new");
    let a = secret_file(dir.path(), "a.hex", MASTER_A);
    let path = dir.path().join("k.json");
    let out = guardrail(&["keyring", "new", "--out", s(&path), "--master-key-file", s(&a)]);
    let stderr = exits(&out, 0, &secrets(&Keyring::generate(Algorithm::Aes256Gcm).unwrap()));
    assert!(stderr.contains("sealed under the master key in") && stderr.contains("a.hex"), "{stderr}");
    let text = std::fs::read_to_string(&path).unwrap();
    let k = Keyring::from_envelope(&text, &key(MASTER_A)).unwrap();
    assert_eq!(k.primary_id(), 1);
    for secret in key_material(&k) {
        assert!(!stderr.contains(&secret) && !text.contains(&secret), "key material in the clear");
    }
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn the_wrong_form_is_refused_saying_which() {
    let f = Fixture::new("mk-form");
    let secrets = secrets(&f.keyring);
    let before = f.bytes();
    let sealed = f.seal(&f.a, b"data");
    for args in [
        &["keyring", "list", "--keyring", f.k()][..],
        &["keyring", "rotate", "--keyring", f.k()],
        &["keyring", "disable", "--keyring", f.k(), "--key-id", "1"],
        &["keyring", "seal", "--keyring", f.k(), "--aad", "t"],
    ] {
        let stderr = exits(&run(args, b"data"), 2, &secrets);
        assert!(
            stderr.contains(&format!("{} is sealed under a master key: pass --master-key-file", f.k())),
            "{stderr}"
        );
    }
    // open keeps its contract: any failure exits 1 with no detail.
    let out = run(&["keyring", "open", "--keyring", f.k(), "--aad", "t"], &sealed);
    assert_eq!((out.status.code(), out.stdout.is_empty(), out.stderr.is_empty()), (Some(1), true, true));
    assert_eq!(f.bytes(), before, "the keyring changed");

    let plain = f.dir.path().join("plain.json");
    write_private(&plain, f.keyring.export_json_insecure_plaintext_keys().as_bytes(), Mode::CreateNew).unwrap();
    let plain_before = std::fs::read(&plain).unwrap();
    for sub in ["list", "rotate"] {
        let out = guardrail(&["keyring", sub, "--keyring", s(&plain), "--master-key-file", s(&f.a)]);
        let stderr = exits(&out, 2, &secrets);
        assert!(stderr.contains("plain.json is a plaintext keyring, not sealed under a master key"), "{stderr}");
    }
    assert_eq!(std::fs::read(&plain).unwrap(), plain_before);
}

#[test]
fn a_wrong_master_key_is_refused_and_nothing_is_written() {
    let f = Fixture::new("mk-wrong");
    let secrets = secrets(&f.keyring);
    let before = f.bytes();
    let c = secret_file(f.dir.path(), "c.hex", MASTER_A);
    for args in [
        &["keyring", "list", "--keyring", f.k(), "--master-key-file", s(&f.b)][..],
        &["keyring", "rotate", "--keyring", f.k(), "--master-key-file", s(&f.b)],
        &["keyring", "disable", "--keyring", f.k(), "--master-key-file", s(&f.b), "--key-id", "1"],
        &["keyring", "rewrap", "--keyring", f.k(), "--master-key-file", s(&f.b), "--new-master-key-file", s(&c)],
    ] {
        let stderr = exits(&guardrail(args), 2, &secrets);
        assert!(stderr.contains("does not open under the master key in") && stderr.contains("b.hex"), "{stderr}");
        assert_eq!(f.bytes(), before, "{args:?} changed the keyring");
    }
    // The same key in another file is no rotation of the master key.
    let args = ["keyring", "rewrap", "--keyring", f.k(), "--master-key-file", s(&f.a), "--new-master-key-file", s(&c)];
    let stderr = exits(&guardrail(&args), 2, &secrets);
    assert!(stderr.contains("c.hex holds the same master key as") && stderr.contains("a.hex"), "{stderr}");
    assert_eq!(f.bytes(), before);
}

#[test]
fn rewrap_moves_the_keyring_to_the_new_master_key_and_sealed_data_still_opens() {
    let f = Fixture::new("mk-rewrap");
    let secrets = secrets(&f.keyring);
    let sealed = f.seal(&f.a, b"sealed before");
    let listed = f.list(&f.a);

    let args =
        ["keyring", "rewrap", "--keyring", f.k(), "--master-key-file", s(&f.a), "--new-master-key-file", s(&f.b)];
    let stderr = exits(&guardrail(&args), 0, &secrets);
    assert!(stderr.contains("b.hex") && stderr.contains("a.hex") && stderr.contains("no longer opens"), "{stderr}");

    let text = String::from_utf8(f.bytes()).unwrap();
    assert!(matches!(Keyring::from_envelope(&text, &key(MASTER_A)), Err(KeysError::Decrypt)));
    let stderr = exits(&guardrail(&["keyring", "list", "--keyring", f.k(), "--master-key-file", s(&f.a)]), 2, &secrets);
    assert!(stderr.contains("does not open under the master key in"), "{stderr}");
    assert_eq!(f.list(&f.b), listed, "key ids changed");
    assert_eq!(f.open(&f.b, &sealed).stdout, b"sealed before");
    exits(&f.open(&f.a, &sealed), 1, &[]);
    assert_eq!(std::fs::metadata(&f.path).unwrap().permissions().mode() & 0o777, 0o600);
    let names: Vec<_> = std::fs::read_dir(f.dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 3, "a temporary file was left: {names:?}");
}

#[test]
fn rewrap_seals_a_plaintext_keyring() {
    let dir = TempDir::new("mk-wrap-plain");
    let k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let secrets = secrets(&k);
    let path = secret_file(dir.path(), "k.json", &k.export_json_insecure_plaintext_keys());
    let b = secret_file(dir.path(), "b.hex", MASTER_B);
    let sealed = guardrail_ct::base64url::encode_string(&k.seal(b"plain before", b"t").unwrap());

    exits(&guardrail(&["keyring", "rewrap", "--keyring", s(&path), "--new-master-key-file", s(&b)]), 0, &secrets);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(Keyring::from_json(&text).is_err());
    let back = Keyring::from_envelope(&text, &key(MASTER_B)).unwrap();
    assert_eq!(back.open(&k.seal(b"x", b"ad").unwrap(), b"ad").unwrap().expose_secret(), b"x");
    let stderr = exits(&guardrail(&["keyring", "list", "--keyring", s(&path)]), 2, &secrets);
    assert!(stderr.contains("is sealed under a master key: pass --master-key-file"), "{stderr}");
    let out =
        run(&["keyring", "open", "--keyring", s(&path), "--master-key-file", s(&b), "--aad", "t"], sealed.as_bytes());
    assert_eq!(exits(&out, 0, &[]), "");
    assert_eq!(out.stdout, b"plain before");
}

#[test]
fn a_placeholder_short_or_loose_master_key_file_is_refused_naming_it() {
    let f = Fixture::new("mk-bad");
    let secrets = secrets(&f.keyring);
    let before = f.bytes();
    let zero = secret_file(f.dir.path(), "zero.hex", &"00".repeat(32));
    let short = secret_file(f.dir.path(), "short.hex", "1111");
    let not_hex = secret_file(f.dir.path(), "nothex.hex", &"zz".repeat(32));
    let loose = secret_file(f.dir.path(), "loose.hex", MASTER_B);
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cases = [
        (&zero, "all zero bytes"),
        (&short, "expected 64 hex digits"),
        (&not_hex, "expected 64 hex digits"),
        (&loose, "0644"),
    ];
    for (master, reason) in cases {
        let name = master.file_name().unwrap().to_str().unwrap();
        let stderr =
            exits(&guardrail(&["keyring", "list", "--keyring", f.k(), "--master-key-file", s(master)]), 2, &secrets);
        assert!(stderr.contains(name) && stderr.contains(reason), "{stderr}");
        assert!(!stderr.contains("0000") && !stderr.contains("1111"), "key bytes: {stderr}");
        let args =
            ["keyring", "rewrap", "--keyring", f.k(), "--master-key-file", s(&f.a), "--new-master-key-file", s(master)];
        let stderr = exits(&guardrail(&args), 2, &secrets);
        assert!(stderr.contains(name) && stderr.contains(reason), "{stderr}");
        assert_eq!(f.bytes(), before, "rewrap to {name} changed the keyring");
        let out = f.dir.path().join(format!("new-{name}.json"));
        let stderr =
            exits(&guardrail(&["keyring", "new", "--out", s(&out), "--master-key-file", s(master)]), 2, &secrets);
        assert!(stderr.contains(name) && stderr.contains(reason), "{stderr}");
        assert!(!out.exists(), "a keyring was written under {name}");
    }
}
