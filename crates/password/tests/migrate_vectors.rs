//! Replays every row of `tests/data/migrate/{vectors,django50,layout}.tsv`
//! (stored hashes written by Django, passlib, argon2-cffi, libsodium,
//! Spring Security, ASP.NET Core Identity, PHP, WordPress, node, Rails and
//! Laravel, or by their documented layouts; see that folder's README)
//! through the public API, at default caps: the right password is `valid`
//! and answered with a plain argon2id upgrade that verifies it, a wrong or
//! tampered row is `invalid`, and a row above the caps is refused naming
//! its parameter before any work.
//!
//! One `#[test]` per family, so the families run in parallel; each reports
//! every mismatch as `family scheme kind file:line: expected …, got …` —
//! never the password or the stored value.
#![cfg(feature = "legacy")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code: a panic is the failure report

use std::collections::BTreeSet;

use guardrail_password::{Caps, Error, Params, PasswordHasher, Verification};
use migrate_data::FILES;

mod migrate_data;

/// Every family in the files; each has its own test below.
const FAMILIES: &[&str] =
    &["django", "passlib", "argon2", "libsodium", "spring", "aspnet", "php", "wordpress", "node", "rails", "laravel"];

/// The formats the issue lists, as `(family, scheme, source fragment)` of
/// the files (the fragment tells apart two formats of one scheme, such as
/// argon2-cffi's old and new defaults). Each must have right, wrong and
/// tampered rows.
const ISSUE_FORMATS: &[(&str, &str, &str)] = &[
    // Django: every hasher of django.contrib.auth.hashers, and those 5.1 removed.
    ("django", "pbkdf2_sha256", "Django==5.2.19"),
    ("django", "pbkdf2_sha1", ""),
    ("django", "argon2", "(defaults)"),
    ("django", "argon2", "Type.I"),
    ("django", "bcrypt_sha256", ""),
    ("django", "bcrypt", ""),
    ("django", "scrypt", ""),
    ("django", "md5", ""),
    ("django", "sha1", ""),
    ("django", "unsalted_md5", ""),
    ("django", "unsalted_sha1", ""),
    // passlib: what CryptContext setups held.
    ("passlib", "bcrypt_sha256", ""),
    ("passlib", "bcrypt_sha256_v1", ""),
    ("passlib", "argon2", ""),
    ("passlib", "pbkdf2_sha1", ""),
    ("passlib", "pbkdf2_sha256", ""),
    ("passlib", "pbkdf2_sha512", ""),
    ("passlib", "sha256_crypt", ""),
    ("passlib", "sha512_crypt", ""),
    ("passlib", "sha1_crypt", ""),
    ("passlib", "md5_crypt", ""),
    ("passlib", "apr_md5_crypt", ""),
    ("passlib", "bcrypt", ""),
    ("passlib", "scrypt", ""),
    ("passlib", "phpass", ""),
    ("passlib", "phpass_H", ""),
    ("passlib", "atlassian_pbkdf2_sha1", ""),
    ("passlib", "ldap_md5", ""),
    ("passlib", "ldap_sha1", ""),
    ("passlib", "ldap_salted_md5", ""),
    ("passlib", "ldap_salted_sha1", ""),
    ("passlib", "ldap_salted_sha256", ""),
    ("passlib", "ldap_salted_sha512", ""),
    ("passlib", "ldap_hex_md5", ""),
    ("passlib", "ldap_hex_sha1", ""),
    ("passlib", "ldap_md5_crypt", ""),
    ("passlib", "ldap_sha1_crypt", ""),
    ("passlib", "ldap_sha256_crypt", ""),
    ("passlib", "ldap_sha512_crypt", ""),
    ("passlib", "ldap_bcrypt", ""),
    // PHP password_hash and WordPress.
    ("php", "bcrypt-2y", ""),
    ("php", "argon2i", ""),
    ("php", "argon2id", ""),
    ("wordpress", "phpass", ""),
    ("wordpress", "wp-bcrypt", ""),
    ("wordpress", "md5", ""),
    // Spring Security: every id PasswordEncoderFactories registers.
    ("spring", "{bcrypt}", ""),
    ("spring", "{argon2}", ""),
    ("spring", "{argon2@SpringSecurity_v5_8}", ""),
    ("spring", "{pbkdf2}", ""),
    ("spring", "{pbkdf2@SpringSecurity_v5_8}", ""),
    ("spring", "{scrypt}", ""),
    ("spring", "{scrypt@SpringSecurity_v5_8}", ""),
    ("spring", "{sha256}", ""),
    ("spring", "{SHA-256}", ""),
    ("spring", "{SHA-1}", ""),
    ("spring", "{MD5}", ""),
    ("spring", "{MD4}", ""),
    ("spring", "{ldap}", ""),
    ("spring", "{noop}", ""),
    // ASP.NET Core Identity v2 and v3, every PRF.
    ("aspnet", "v2", ""),
    ("aspnet", "v3-sha1", ""),
    ("aspnet", "v3-sha256", ""),
    ("aspnet", "v3-sha512", ""),
    // argon2 and bcrypt as other libraries write them.
    ("argon2", "argon2-cffi", "RFC_9106_LOW_MEMORY"),
    ("argon2", "argon2-cffi", "PRE_21_2"),
    ("argon2", "argon2-cffi-argon2i", ""),
    ("libsodium", "argon2id-interactive", ""),
    ("libsodium", "argon2id-moderate", ""),
    ("libsodium", "argon2id-sensitive", ""),
    ("libsodium", "argon2i-interactive", ""),
    ("libsodium", "argon2i-moderate", ""),
    ("libsodium", "argon2i-sensitive", ""),
    ("node", "node-argon2", ""),
    ("node", "bcrypt-2b", ""),
    ("node", "bcryptjs-2a", ""),
    ("rails", "bcrypt-2a", ""),
    ("laravel", "bcrypt-2y", ""),
];

/// One row of a vector file (the secrets stay in the row: never printed).
#[derive(Clone)]
struct Row {
    file: &'static str,
    line: usize,
    family: &'static str,
    scheme: &'static str,
    source: &'static str,
    kind: &'static str,
    password: Vec<u8>,
    stored: &'static str,
    expect: &'static str,
}

impl Row {
    /// Where the row is, for a failure report: no password, no stored value.
    fn name(&self) -> String {
        format!("{} {} {} {}:{}", self.family, self.scheme, self.kind, self.file, self.line)
    }
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (file, text) in FILES {
        for (index, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let f: Vec<&'static str> = line.split('\t').collect();
            assert_eq!(f.len(), 8, "{file}:{}: 8 columns", index + 1);
            rows.push(Row {
                file,
                line: index + 1,
                family: f[0],
                scheme: f[1],
                source: f[2],
                kind: f[4],
                password: guardrail_ct::hex::decode_vec(f[5]).unwrap(),
                stored: f[6],
                expect: f[7],
            });
        }
    }
    rows
}

/// The policy of every replay: cheap, so each upgrade costs little.
fn policy() -> Params {
    Params::new(256, 2, 1).unwrap()
}

/// The hash every upgrade must start with (the policy's).
const UPGRADE_PREFIX: &str = "$argon2id$v=19$m=256,t=2,p=1$";

/// What the hasher answered, in words that hold no secret.
fn describe(outcome: &Result<Verification, Error>) -> String {
    match outcome {
        Ok(Verification::Valid { upgrade: Some(_) }) => "valid (upgrade)".to_owned(),
        Ok(Verification::Valid { upgrade: None }) => "valid (no upgrade)".to_owned(),
        Ok(Verification::Invalid) => "invalid".to_owned(),
        Err(Error::OutOfPolicy { param, .. }) => format!("refused:{param}"),
        Err(Error::Unsupported { what }) => format!("unsupported ({what})"),
        Err(Error::Malformed { part }) => format!("malformed ({part})"),
        Err(other) => format!("error ({other})"),
    }
}

/// Whether a valid `stored` may be kept as it is (no upgrade): a plain
/// argon2id v=19 PHC string no weaker than the policy, with a salt of 16
/// bytes or more and a tag of 32 or more — what the hasher itself writes.
/// Everything else (legacy schemes, argon2i, prefixed wrappings such as
/// Django's `argon2$` or Spring's `{argon2}`, short tags) is upgraded.
fn kept_as_is(stored: &str) -> bool {
    let Some(rest) = stored.strip_prefix("$argon2id$v=19$") else { return false };
    let parts: Vec<&str> = rest.split('$').collect();
    let [params, salt, tag] = parts[..] else { return false };
    let value = |key: &str| {
        params.split(',').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse::<u32>().ok()).unwrap_or(0)
    };
    let policy = policy();
    // Unpadded base64: 4 characters per 3 bytes.
    let bytes = |b64: &str| b64.len() * 3 / 4;
    value("m") >= policy.m_cost()
        && value("t") >= policy.t_cost()
        && value("p") >= policy.p_cost()
        && bytes(salt) >= 16
        && bytes(tag) >= 32
}

/// Checks one row against `hasher`; `Err` says what differs (no secret).
fn check(hasher: &PasswordHasher, row: &Row) -> Result<(), String> {
    let outcome = hasher.verify_bytes(&row.password, row.stored);
    let got = describe(&outcome);
    let fail = |why: &str| Err(format!("{}: expected {}, got {got}{why}", row.name(), row.expect));
    match (row.expect, &outcome) {
        ("valid", Ok(Verification::Valid { upgrade: Some(new) })) => {
            let new = new.as_str_for_storage();
            if !new.starts_with(UPGRADE_PREFIX) {
                return fail(" — the upgrade is not a plain argon2id hash at the policy");
            }
            match hasher.verify_bytes(&row.password, new) {
                Ok(Verification::Valid { upgrade: None }) => Ok(()),
                again => fail(&format!(" — the upgrade then answered {}", describe(&again))),
            }
        }
        ("valid", Ok(Verification::Valid { upgrade: None })) if kept_as_is(row.stored) => Ok(()),
        ("valid", Ok(Verification::Valid { upgrade: None })) => fail(" — an upgrade was due"),
        ("invalid", Ok(Verification::Invalid)) => Ok(()),
        // Spring's `{noop}`: plaintext is refused unless the caller opts in.
        ("refused:plaintext", Err(Error::PlaintextRefused)) => Ok(()),
        (expect, Err(Error::OutOfPolicy { param, .. })) if expect.strip_prefix("refused:") == Some(*param) => Ok(()),
        _ => fail(""),
    }
}

/// Replays every row of `family` at default caps; fails listing every
/// mismatch.
fn replay(family: &str) {
    let hasher = PasswordHasher::new(policy());
    let rows: Vec<Row> = rows().into_iter().filter(|r| r.family == family).collect();
    assert!(!rows.is_empty(), "no rows for {family}");
    let mismatches: Vec<String> = rows.iter().filter_map(|row| check(&hasher, row).err()).collect();
    assert!(
        mismatches.is_empty(),
        "{family}: {} of {} rows differ:\n{}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n")
    );
}

#[test]
fn django() {
    replay("django");
}

#[test]
fn passlib() {
    replay("passlib");
}

#[test]
fn argon2() {
    replay("argon2");
}

#[test]
fn libsodium() {
    replay("libsodium");
}

#[test]
fn spring() {
    replay("spring");
}

#[test]
fn aspnet() {
    replay("aspnet");
}

#[test]
fn php() {
    replay("php");
}

#[test]
fn wordpress() {
    replay("wordpress");
}

#[test]
fn node() {
    replay("node");
}

#[test]
fn rails() {
    replay("rails");
}

#[test]
fn laravel() {
    replay("laravel");
}

#[test]
fn every_family_in_the_files_has_a_test() {
    let found: BTreeSet<&str> = rows().iter().map(|r| r.family).collect();
    let tested: BTreeSet<&str> = FAMILIES.iter().copied().collect();
    assert_eq!(found, tested, "a family without its #[test], or a test without rows");
}

#[test]
fn every_format_the_issue_lists_has_right_wrong_and_tampered_rows() {
    let rows = rows();
    let mut missing = Vec::new();
    for (family, scheme, fragment) in ISSUE_FORMATS {
        let kinds: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r.family == *family && r.scheme == *scheme && r.source.contains(fragment))
            .map(|r| r.kind)
            .collect();
        for kind in ["right", "wrong", "tampered"] {
            if !kinds.contains(kind) {
                missing.push(format!("{family} {scheme} [{fragment}] {kind}"));
            }
        }
    }
    assert!(missing.is_empty(), "formats the issue lists without rows:\n{}", missing.join("\n"));
    // No row expects `valid` for a wrong or tampered candidate.
    let valid_twins: Vec<String> =
        rows.iter().filter(|r| r.kind != "right" && r.expect == "valid").map(Row::name).collect();
    assert!(valid_twins.is_empty(), "{valid_twins:?}");
}

/// libsodium SENSITIVE (argon2id, m = 1 GiB, t = 4), refused by default
/// (`refused:m` in vectors.tsv), verifies once the caller raises the caps.
/// SLOW AND LARGE: two verifies of 1 GiB each (about 2 s apiece, run one
/// after the other), the right and the wrong row only; the tampered row
/// costs the same and shows nothing more.
#[test]
fn libsodium_sensitive_verifies_with_raised_caps() {
    let params = policy();
    let caps = Caps { max_memory_bytes: 1 << 30, max_block_passes: 4 << 20, ..Caps::for_policy(&params) };
    let hasher = PasswordHasher::new(params).caps(caps);
    let rows: Vec<Row> =
        rows().into_iter().filter(|r| r.scheme == "argon2id-sensitive" && r.kind != "tampered").collect();
    assert_eq!(rows.len(), 2, "the right and the wrong row of libsodium argon2id SENSITIVE");
    let mut mismatches = Vec::new();
    for row in &rows {
        assert_eq!(row.expect, "refused:m", "{}: refused at default caps", row.name());
        let raised = Row { expect: if row.kind == "right" { "valid" } else { "invalid" }, ..row.clone() };
        mismatches.extend(check(&hasher, &raised).err());
    }
    assert!(mismatches.is_empty(), "with raised caps:\n{}", mismatches.join("\n"));
}
