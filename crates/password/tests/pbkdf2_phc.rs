//! The PHC strings the RustCrypto `pbkdf2` crate (0.13, its
//! `password_hash::PasswordHasher` impl) writes —
//! `$pbkdf2-sha256$i=600000,l=32$<B64 salt>$<B64 hash>` — verify, always
//! with an argon2id upgrade; wrong passwords do not; malformed strings and
//! hostile costs are refused by name, before any work, without panicking.
//!
//! `tests/data/pbkdf2_phc.tsv` is written by that crate: re-run the generator
//! with
//! `cargo test -p guardrail-password --features legacy --test pbkdf2_phc -- --ignored write_vectors`;
//! `vectors_are_what_pbkdf2_writes` fails if the file and the crate disagree.
#![cfg(feature = "legacy")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code

use guardrail_password::{Error, Params, PasswordHasher, Verification};
use guardrail_secret::SecretString;
use pbkdf2::password_hash::PasswordHasher as _;
use pbkdf2::{Algorithm, Pbkdf2};

const VECTORS: &str = include_str!("data/pbkdf2_phc.tsv");

/// What the generator hashes: (scheme id, algorithm, iterations, key
/// bytes, password, salt). Salts are fixed so the file is reproducible;
/// the crate's API takes the salt as given (`hash_password_with_salt`).
type Input = (&'static str, Algorithm, u32, usize, &'static str, &'static [u8]);

const INPUTS: &[Input] = &[
    // The crate's defaults: `Pbkdf2::SHA256` / `Pbkdf2::SHA512` (OWASP's 600,000 / 210,000, 32 bytes).
    ("rustcrypto-pbkdf2-sha256", Algorithm::Pbkdf2Sha256, 600_000, 32, "password", b"guardrail-salt-1"),
    (
        "rustcrypto-pbkdf2-sha512",
        Algorithm::Pbkdf2Sha512,
        210_000,
        32,
        "correct horse battery staple",
        b"guardrail-salt-2",
    ),
    // The crate's own test input (pbkdf2-0.13.0/src/phc.rs): 4096 iterations, 40 bytes, 36-byte salt.
    (
        "rustcrypto-pbkdf2-sha256",
        Algorithm::Pbkdf2Sha256,
        4096,
        40,
        "passwordPASSWORDpassword",
        b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
    ),
    // The smallest the crate writes: 1000 iterations, 10 bytes, an 8-byte salt; non-ASCII.
    ("rustcrypto-pbkdf2-sha256", Algorithm::Pbkdf2Sha256, 1000, 10, "pässwörd 🔑", b"8bytes!!"),
    // The largest: 64 bytes (two SHA-256 blocks), a 48-byte salt.
    ("rustcrypto-pbkdf2-sha256", Algorithm::Pbkdf2Sha256, 2000, 64, "Tr0ub4dor&3", &[0xA5; 48]),
    ("rustcrypto-pbkdf2-sha512", Algorithm::Pbkdf2Sha512, 10_000, 64, "пароль-密码", b"guardrail-salt-6"),
    ("rustcrypto-pbkdf2-sha512", Algorithm::Pbkdf2Sha512, 1000, 33, "a", b"\x00\x01\x02\x03\xfe\xff+/+/"),
    // The crate hashes the empty password, and it verifies (a password policy is for new passwords).
    ("rustcrypto-pbkdf2-sha256", Algorithm::Pbkdf2Sha256, 1000, 32, "", b"guardrail-salt-8"),
];

/// The vectors file, from the crate: one `id\tpassword hex\tstored` row per input.
fn generate() -> String {
    let mut out = String::from(
        "# Written by the RustCrypto pbkdf2 crate 0.13.0 (PasswordHasher::hash_password_with_salt),\n\
         # tests/pbkdf2_phc.rs `write_vectors`. Columns: scheme id, password (hex of UTF-8), stored.\n",
    );
    for &(id, algorithm, rounds, len, password, salt) in INPUTS {
        let params = pbkdf2::Params::new_with_output_len(rounds, len).unwrap();
        let stored = Pbkdf2::new(algorithm, params).hash_password_with_salt(password.as_bytes(), salt).unwrap();
        out.push_str(&format!("{id}\t{}\t{stored}\n", guardrail_ct::hex::encode_string(password.as_bytes())));
    }
    out
}

#[test]
#[ignore = "writes tests/data/pbkdf2_phc.tsv"]
fn write_vectors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pbkdf2_phc.tsv");
    std::fs::write(path, generate()).unwrap();
}

#[test]
fn vectors_are_what_pbkdf2_writes() {
    assert_eq!(VECTORS, generate());
}

fn rows() -> Vec<(&'static str, String, &'static str)> {
    let rows: Vec<_> = VECTORS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let [id, hex, stored] = l.split('\t').collect::<Vec<_>>()[..] else { panic!("row {l}") };
            (id, String::from_utf8(guardrail_ct::hex::decode_vec(hex).unwrap()).unwrap(), stored)
        })
        .collect();
    assert_eq!(rows.len(), INPUTS.len());
    rows
}

fn hasher() -> PasswordHasher {
    PasswordHasher::new(Params::new(256, 2, 1).unwrap())
}

#[test]
fn every_vector_verifies_upgrades_and_refuses_a_wrong_password() {
    let h = hasher();
    let mut checked = 0;
    for (id, password, stored) in rows() {
        assert!(stored.starts_with("$pbkdf2-sha") && stored.contains("$i="), "{stored}");
        match h.verify(&SecretString::from(password.clone()), stored) {
            Ok(Verification::Valid { upgrade: Some(new) }) => {
                let new = new.as_str_for_storage().to_owned();
                assert!(new.starts_with("$argon2id$v=19$m=256,t=2,p=1$"), "{id}");
                let again = h.verify(&SecretString::from(password.clone()), &new).unwrap();
                assert_eq!(again, Verification::Valid { upgrade: None }, "{id}");
            }
            other => panic!("{stored}: {other:?}"),
        }
        let mut shorter = password.clone();
        shorter.pop();
        for wrong in [format!("{password}!"), shorter, password.to_uppercase()] {
            if wrong != password && !wrong.is_empty() {
                let outcome = h.verify(&SecretString::from(wrong), stored).unwrap();
                assert_eq!(outcome, Verification::Invalid, "{stored} took a wrong password");
            }
        }
        // HMAC pads its key with zeros: the NUL-extended twin derives the same key, and is refused.
        let twin = h.verify_bytes(format!("{password}\0").as_bytes(), stored).unwrap();
        assert_eq!(twin, Verification::Invalid, "{stored}");
        checked += 1;
    }
    assert_eq!(checked, INPUTS.len());
}

#[test]
fn inspect_names_the_scheme_and_its_parameters() {
    let h = hasher();
    let expected = [
        ("rustcrypto-pbkdf2-sha256", "iterations=600000,len=32"),
        ("rustcrypto-pbkdf2-sha512", "iterations=210000,len=32"),
        ("rustcrypto-pbkdf2-sha256", "iterations=4096,len=40"),
        ("rustcrypto-pbkdf2-sha256", "iterations=1000,len=10"),
        ("rustcrypto-pbkdf2-sha256", "iterations=2000,len=64"),
        ("rustcrypto-pbkdf2-sha512", "iterations=10000,len=64"),
        ("rustcrypto-pbkdf2-sha512", "iterations=1000,len=33"),
        ("rustcrypto-pbkdf2-sha256", "iterations=1000,len=32"),
    ];
    for ((id, _, stored), (scheme, params)) in rows().into_iter().zip(expected) {
        let info = h.inspect(stored).unwrap();
        assert_eq!((info.scheme, info.params.as_str(), id), (scheme, params, scheme), "{stored}");
        assert!(info.upgrade_on_login && !info.wrapped && !info.plaintext, "{stored}");
    }
    // Two SHA-256 blocks cost twice one at the same count.
    let one = h.inspect(rows()[3].2).unwrap().cost; // l=10, 1000
    let two = h.inspect(&rows()[4].2.replace("i=2000", "i=1000")).unwrap().cost; // l=64, 1000
    assert_eq!(two.block_passes, 2 * one.block_passes);
}

#[test]
fn wrapped_in_argon2id_it_still_verifies() {
    let h = hasher();
    let (_, password, stored) = &rows()[2];
    let wrapped = h.wrap(stored).unwrap();
    let wrapped = wrapped.as_str_for_storage();
    let info = h.inspect(wrapped).unwrap();
    assert_eq!(
        (info.scheme, info.params.as_str(), info.wrapped),
        ("rustcrypto-pbkdf2-sha256", "iterations=4096,len=40", true)
    );
    assert!(matches!(
        h.verify(&SecretString::from(password.clone()), wrapped),
        Ok(Verification::Valid { upgrade: Some(_) })
    ));
    assert_eq!(h.verify(&SecretString::from(format!("{password}!")), wrapped).unwrap(), Verification::Invalid);
}

/// `stored` with its field `n` (`$`-separated) replaced by `with`.
fn with_field(stored: &str, n: usize, with: &str) -> String {
    let mut fields: Vec<&str> = stored.split('$').collect();
    fields[n] = with;
    fields.join("$")
}

#[test]
fn malformed_strings_are_refused_by_name() {
    let h = hasher();
    let base = rows()[2].2; // $pbkdf2-sha256$i=4096,l=40$<salt 36>$<hash 40>
    let salt = base.split('$').nth(3).unwrap();
    let hash = base.split('$').nth(4).unwrap();
    let cases: Vec<(String, Error)> = vec![
        (with_field(base, 2, "l=40"), Error::Malformed { part: "params" }),
        (with_field(base, 2, "i=4096"), Error::Malformed { part: "params" }),
        (with_field(base, 2, "l=40,i=4096"), Error::Malformed { part: "params" }),
        (with_field(base, 2, "i=4096,l=40,x=1"), Error::Malformed { part: "params" }),
        (with_field(base, 2, "iterations=4096,len=40"), Error::Malformed { part: "params" }),
        (with_field(base, 2, "v=19,i=4096,l=40"), Error::Malformed { part: "params" }),
        (with_field(base, 2, "i=0,l=40"), Error::Malformed { part: "i" }),
        (with_field(base, 2, "i=999,l=40"), Error::Malformed { part: "i" }),
        (with_field(base, 2, "i=-1,l=40"), Error::Malformed { part: "i" }),
        (with_field(base, 2, "i=99999999999,l=40"), Error::Malformed { part: "i" }),
        (with_field(base, 2, "i=4096,l=0"), Error::Malformed { part: "l" }),
        (with_field(base, 2, "i=4096,l=9"), Error::Malformed { part: "l" }),
        (with_field(base, 2, "i=4096,l=65"), Error::Malformed { part: "l" }),
        (with_field(base, 2, "i=4096,l=4294967295"), Error::Malformed { part: "l" }),
        (with_field(base, 2, "i=4096,l=32"), Error::Malformed { part: "hash" }),
        (with_field(base, 3, &salt.replace('c', "!")), Error::Malformed { part: "salt" }),
        (with_field(base, 3, &format!("{salt}=")), Error::Malformed { part: "salt" }),
        (with_field(base, 3, "c2FsdA"), Error::Malformed { part: "salt" }), // 4 bytes
        (with_field(base, 3, &"A".repeat(70)), Error::Malformed { part: "salt" }), // 52 bytes
        (with_field(base, 4, &hash.replace('+', ".")), Error::Malformed { part: "hash" }), // passlib's ab64
        (with_field(base, 4, &hash[..hash.len() - 1]), Error::Malformed { part: "hash" }),
        (with_field(base, 4, ""), Error::Malformed { part: "hash" }),
        (format!("{base}$"), Error::Malformed { part: "legacy format" }),
        (base.rsplit_once('$').unwrap().0.to_owned(), Error::Malformed { part: "legacy format" }),
        (with_field(base, 1, "pbkdf2"), Error::Unsupported { what: "PBKDF2-SHA1 PHC string" }),
    ];
    for (stored, expected) in &cases {
        let got = h.verify(&SecretString::from("passwordPASSWORDpassword".to_owned()), stored);
        assert_eq!(got.as_ref().err().map(ToString::to_string), Some(expected.to_string()), "{stored}");
        assert_eq!(h.inspect(stored).err().map(|e| e.to_string()), Some(expected.to_string()), "{stored}");
        let shown = format!("{:?}", got.err());
        assert!(!shown.contains(salt) && !shown.contains(&hash[..8]), "{shown}");
    }
    // An algorithm id no family knows is not ours at all: refused as the PHC reader refuses it.
    let unknown = with_field(base, 1, "pbkdf2-sha384");
    let err = h.verify(&SecretString::from("x".to_owned()), &unknown).unwrap_err();
    assert!(matches!(err, Error::Malformed { .. } | Error::Unsupported { .. }), "{err:?}");
}

#[test]
fn iterations_above_the_cap_are_refused_before_any_work() {
    let h = hasher();
    let base = rows()[0].2; // i=600000
    let hostile = with_field(base, 2, "i=4294967295,l=32");
    let started = std::time::Instant::now();
    let err = h.verify(&SecretString::from("password".to_owned()), &hostile).unwrap_err();
    assert!(matches!(err, Error::OutOfPolicy { param: "i", unit: "iterations", .. }), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "refused after {:?}", started.elapsed());
    // The cap is passlib's: the same count refused in both forms, under each form's name.
    let passlib = "$pbkdf2-sha256$4294967295$WIux1tp7b82ZkzKmNEZIKQ$P8ORAaBjAprOHsuUyEgfrsWOGKF7e4uGvvPpAG.IJwE";
    let err = h.inspect(passlib).unwrap_err();
    assert!(matches!(err, Error::OutOfPolicy { param: "rounds", unit: "iterations", .. }), "{err:?}");
}

#[test]
fn passlibs_form_under_the_same_prefix_still_verifies() {
    // tests/data/legacy.tsv, passlib 1.7.4: "password".
    let stored = "$pbkdf2-sha256$2000$WIux1tp7b82ZkzKmNEZIKQ$P8ORAaBjAprOHsuUyEgfrsWOGKF7e4uGvvPpAG.IJwE";
    let h = hasher();
    assert_eq!(h.inspect(stored).unwrap().scheme, "passlib-pbkdf2-sha256");
    assert!(matches!(h.verify(&SecretString::from("password".to_owned()), stored), Ok(Verification::Valid { .. })));
    assert_eq!(h.verify(&SecretString::from("Password".to_owned()), stored).unwrap(), Verification::Invalid);
}
