//! Known answers through our API: the Argon2 reference implementation's
//! encoded-string vectors (tests/data/argon2_test_c.tsv, from its test.c),
//! each with tampered twins that must not verify. RFC 9106 §5.1-5.3
//! (argon2d, argon2i, argon2id with a secret and associated data, which PHC
//! strings cannot carry) run through the engine, RustCrypto `argon2` and
//! every argon2-rust backend in `tests/differential.rs`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use guardrail_password::{Params, PasswordHasher, Verification};
use guardrail_secret::SecretString;

fn vectors() -> Vec<(String, String)> {
    include_str!("data/argon2_test_c.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (pw, enc) = l.split_once('\t').unwrap();
            (pw.to_owned(), enc.to_owned())
        })
        .collect()
}

#[test]
fn reference_vectors_verify_and_tampered_twins_do_not() {
    let hasher = PasswordHasher::default();
    let vectors = vectors();
    assert!(vectors.len() >= 20);
    for (password, encoded) in &vectors {
        let pw = SecretString::from(password.as_str());
        assert!(matches!(hasher.verify(&pw, encoded).unwrap(), Verification::Valid { .. }), "{encoded}");
        // Tampered twins: a wrong password, and a flipped tag character.
        let wrong = SecretString::from(format!("{password}!"));
        assert_eq!(hasher.verify(&wrong, encoded).unwrap(), Verification::Invalid, "{encoded}");
        let mut tampered = encoded.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(hasher.verify(&pw, &tampered).unwrap(), Verification::Invalid, "{tampered}");
    }
}

#[test]
fn reference_vectors_are_upgraded_to_the_policy() {
    // Every reference vector is weaker than OWASP's profile in some way
    // (argon2i, v=16, fewer passes or less memory): each asks for an upgrade.
    let hasher = PasswordHasher::default();
    for (password, encoded) in vectors() {
        match hasher.verify(&SecretString::from(password), &encoded).unwrap() {
            Verification::Valid { upgrade: Some(new) } => {
                assert!(new.as_str_for_storage().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{new}");
            }
            Verification::Valid { upgrade: None } => {
                assert!(encoded.starts_with("$argon2id$v=19$m=65536,t=2"), "{encoded} not upgraded");
            }
            Verification::Invalid => unreachable!("checked above"),
        }
    }
}

#[test]
fn our_hashes_verify_and_are_current() {
    let hasher = PasswordHasher::new(Params::new(1024, 2, 1).unwrap());
    let pw = SecretString::from("correct horse battery staple");
    let h = hasher.hash(&pw).unwrap();
    assert!(h.as_str_for_storage().starts_with("$argon2id$v=19$m=1024,t=2,p=1$"));
    assert_eq!(hasher.verify(&pw, h.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
}
