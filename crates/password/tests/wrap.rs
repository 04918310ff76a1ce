//! Wrap now, upgrade later (`PasswordHasher::wrap`): every `right` row of
//! `tests/data/migrate/{vectors,layout,django50}.tsv` that verifies wraps
//! into `$guardrail-wrap$v=1$…` (or, already argon2, is kept as it is);
//! the wrapped hash verifies the right password with an upgrade to plain
//! argon2id and refuses a wrong password and a tampered tag. The golden
//! rows of `tests/data/migrate/wrapped.tsv` (fixed argon2id salts through
//! the `fuzzing` hook `wrap_with_salt`) pin the format byte for byte: a
//! later release must keep reading them. Malformed wrapped strings are
//! errors naming a part, never a panic.
//!
//! Reports name the file, line and scheme, never a password or a stored value.
#![cfg(feature = "legacy")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code: a panic is the failure report

use guardrail_password::{Caps, Error, Params, PasswordHash, PasswordHasher, Verification};
use guardrail_secret::SecretString;
use migrate_data::FILES;

mod migrate_data;

const GOLDEN: &str = include_str!("data/migrate/wrapped.tsv");

const PREFIX: &str = "$guardrail-wrap$v=1$";

/// Small argon2id parameters for the wraps and upgrades (the inner schemes
/// run at their framework defaults); the caps stay the default policy's.
fn hasher() -> PasswordHasher {
    PasswordHasher::new(Params::new(256, 1, 1).unwrap()).caps(Caps::for_policy(&Params::OWASP))
}

/// One `right` row that verifies: where it is, its scheme, password, stored hash.
struct Row {
    at: String,
    scheme: String,
    password: Vec<u8>,
    stored: String,
}

fn right_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (name, text) in FILES {
        for (n, line) in text.lines().enumerate() {
            let f: Vec<&str> = line.split('\t').collect();
            if line.starts_with('#') || f.len() != 8 || f[4] != "right" || f[7] != "valid" {
                continue;
            }
            let password = guardrail_ct::hex::decode_vec(f[5]).unwrap();
            let scheme = format!("{} {}", f[0], f[1]);
            rows.push(Row { at: format!("{name}:{}", n + 1), scheme, password, stored: f[6].to_owned() });
        }
    }
    rows
}

fn verify(hasher: &PasswordHasher, password: &[u8], stored: &str) -> Result<Verification, Error> {
    match std::str::from_utf8(password) {
        Ok(text) => hasher.verify(&SecretString::from(text), stored),
        Err(_) => hasher.verify_bytes(password, stored),
    }
}

/// The wrapped string with one character of its argon2id tag changed.
fn tampered(wrapped: &str) -> String {
    let mut bytes = wrapped.as_bytes().to_vec();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// What went wrong with one wrapped row, if anything.
fn check_wrapped(hasher: &PasswordHasher, row: &Row, wrapped: &str) -> Option<String> {
    if !wrapped.starts_with(PREFIX) {
        return Some("not in the wrapped format".into());
    }
    match verify(hasher, &row.password, wrapped) {
        Ok(Verification::Valid { upgrade: Some(up) }) => {
            let plain = up.as_str_for_storage();
            if !plain.starts_with("$argon2id$v=19$m=256,t=1,p=1$") {
                return Some("upgrade is not plain argon2id at the policy".into());
            }
            if !matches!(verify(hasher, &row.password, plain), Ok(Verification::Valid { upgrade: None })) {
                return Some("upgrade does not verify the password".into());
            }
        }
        other => return Some(format!("right password: {:?}", other.map(|v| matches!(v, Verification::Invalid)))),
    }
    let mut wrong = row.password.clone();
    wrong.push(b'!');
    if !matches!(verify(hasher, &wrong, wrapped), Ok(Verification::Invalid)) {
        return Some("wrong password not invalid".into());
    }
    if !matches!(verify(hasher, &row.password, &tampered(wrapped)), Ok(Verification::Invalid)) {
        return Some("tampered tag not invalid".into());
    }
    None
}

/// Every right row wraps (or, argon2 already, is kept) and the wrap
/// verifies as a login would; the rows run on two threads.
#[test]
fn every_right_row_wraps_and_verifies() {
    let rows = right_rows();
    let reports: Vec<Report> = std::thread::scope(|s| {
        let halves: Vec<_> = rows.chunks(rows.len().div_ceil(2)).map(|half| s.spawn(|| wrap_rows(half))).collect();
        halves.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all = Report::default();
    for r in reports {
        (all.wrapped, all.kept) = (all.wrapped + r.wrapped, all.kept + r.kept);
        all.failures.extend(r.failures);
    }
    assert!(all.failures.is_empty(), "{} failures:\n{}", all.failures.len(), all.failures.join("\n"));
    assert!(all.wrapped * 2 > rows.len(), "most right rows are legacy and wrap: {} of {}", all.wrapped, rows.len());
}

/// What became of some rows.
#[derive(Default)]
struct Report {
    wrapped: usize,
    kept: usize,
    failures: Vec<String>,
}

fn wrap_rows(rows: &[Row]) -> Report {
    let hasher = hasher();
    let mut report = Report::default();
    for row in rows {
        match hasher.wrap(&row.stored).map(PasswordHash::into_string_for_storage) {
            Ok(same) if same == row.stored => report.kept += 1,
            Ok(w) => match check_wrapped(&hasher, row, &w) {
                None => report.wrapped += 1,
                Some(why) => report.failures.push(format!("{} {}: {why}", row.at, row.scheme)),
            },
            Err(e) => report.failures.push(format!("{} {}: wrap: {e}", row.at, row.scheme)),
        }
    }
    report
}

/// `wrapped.tsv`: `stored<TAB>salt_hex<TAB>wrapped<TAB>password_hex`; the
/// hook with that salt gives `wrapped` byte for byte, and `wrapped`
/// verifies the password (the release's promise to read what it wrote).
#[test]
fn golden_wraps_are_byte_for_byte() {
    let hasher = hasher();
    let mut rows = 0;
    for (n, line) in GOLDEN.lines().enumerate().filter(|(_, l)| !l.starts_with('#') && !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "wrapped.tsv:{}: four columns", n + 1);
        let salt = guardrail_ct::hex::decode_vec(f[1]).unwrap();
        let password = guardrail_ct::hex::decode_vec(f[3]).unwrap();
        let got = hasher.wrap_with_salt(f[0], &salt).map(PasswordHash::into_string_for_storage);
        assert!(got.as_deref().ok() == Some(f[2]), "wrapped.tsv:{}: wrap differs", n + 1);
        let answer = verify(&hasher, &password, f[2]);
        assert!(matches!(answer, Ok(Verification::Valid { upgrade: Some(_) })), "wrapped.tsv:{}: no verify", n + 1);
        rows += 1;
    }
    assert!(rows >= 10, "wrapped.tsv has {rows} rows");
}

/// The fixed argon2id salt of the golden rows.
const GOLDEN_SALT: &[u8; 16] = b"guardrail-golden";

/// The schemes of the golden rows: the last right row of each (a cheap one).
const GOLDEN_SCHEMES: &[&str] = &[
    "django md5",
    "django unsalted_md5",
    "django pbkdf2_sha256",
    "django scrypt",
    "passlib bcrypt_sha256",
    "passlib sha512_crypt",
    "passlib phpass",
    "passlib ldap_salted_sha1",
    "passlib atlassian_pbkdf2_sha1",
    "spring {MD5}",
    "spring {pbkdf2}",
    "aspnet v2",
    "aspnet v3-sha256",
    "wordpress wp-bcrypt",
];

/// Prints the golden rows (`cargo test -p guardrail-password --test wrap
/// -- --ignored --nocapture print_golden`), for a new format version only:
/// the committed rows are the promise and never change.
#[test]
#[ignore = "prints tests/data/migrate/wrapped.tsv rows"]
#[allow(clippy::print_stdout)] // printing the rows is what it is for
fn print_golden() {
    let hasher = hasher();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    for scheme in GOLDEN_SCHEMES {
        let row = right_rows().into_iter().rev().find(|r| r.scheme == *scheme).unwrap();
        let wrapped = hasher.wrap_with_salt(&row.stored, GOLDEN_SALT).unwrap().into_string_for_storage();
        println!("{}\t{}\t{wrapped}\t{}", row.stored, hex(GOLDEN_SALT), hex(&row.password));
    }
}

/// Malformed or hostile wrapped strings are errors, never a panic, and
/// never `Valid`.
#[test]
fn malformed_wrapped_strings_are_errors() {
    let hasher = hasher();
    let tail = "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
    let cases = [
        PREFIX.to_owned(),
        format!("{PREFIX}$$"),
        format!("{PREFIX}django-md5$"),
        format!("{PREFIX}django-md5$$"),
        format!("{PREFIX}django-md5$$!!{tail}"),
        format!("{PREFIX}no-such-scheme$$c2FsdA{tail}"),
        format!("{PREFIX}django-md5$$c2FsdA$argon2i$v=19$m=256,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub"),
        format!("{PREFIX}django-md5$$c2FsdA$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA"),
        format!("{PREFIX}django-md5$$c2FsdA{tail}$extra"),
        format!("{PREFIX}django-md5$$c2FsdA{}", "$".repeat(4000)),
    ];
    for (i, case) in cases.iter().enumerate() {
        let answer = verify(&hasher, b"password", case);
        assert!(answer.is_err(), "case {i}: not an error");
        assert!(hasher.wrap(case).is_err(), "case {i}: wrap kept a malformed wrapped string");
    }
}

/// Under a pepper keyring the wrap is sealed (`$guardrail-sealed$v1$`), a
/// sealed value is kept as it is, and the sealed wrap verifies with a
/// sealed upgrade; without the keyring it does not open.
#[test]
fn wraps_are_sealed_under_the_pepper() {
    use std::sync::Arc;

    use guardrail_keys::{Algorithm, Keyring};

    let keyring = Arc::new(Keyring::generate(Algorithm::Aes256Gcm).unwrap());
    let peppered = hasher().with_pepper(keyring);
    let row = right_rows().into_iter().find(|r| r.scheme == "django md5").unwrap();
    let sealed = peppered.wrap(&row.stored).unwrap().into_string_for_storage();
    assert!(sealed.starts_with("$guardrail-sealed$v1$"));
    assert_eq!(peppered.wrap(&sealed).unwrap().into_string_for_storage(), sealed, "kept");
    match verify(&peppered, &row.password, &sealed) {
        Ok(Verification::Valid { upgrade: Some(up) }) => {
            assert!(up.as_str_for_storage().starts_with("$guardrail-sealed$v1$"));
        }
        other => panic!("sealed wrap: {:?}", other.map(|v| matches!(v, Verification::Invalid))),
    }
    assert!(matches!(verify(&peppered, b"wrong", &sealed), Ok(Verification::Invalid)));
    assert!(verify(&hasher(), &row.password, &sealed).is_err());
}
