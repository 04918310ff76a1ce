//! Legacy hashes (made by passlib and its bcrypt backend, tests/data/legacy.tsv)
//! verify, always with an argon2id upgrade; wrong passwords do not; hostile
//! cost parameters are refused before any work.
#![cfg(feature = "legacy")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code

use std::collections::BTreeSet;

use guardrail_password::{Error, Params, PasswordHasher, Verification};
use guardrail_secret::SecretString;

fn rows() -> Vec<(String, Vec<u8>, String)> {
    include_str!("data/legacy.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), guardrail_ct::hex::decode_vec(f[1]).unwrap(), f[2].to_owned())
        })
        .collect()
}

fn hasher() -> PasswordHasher {
    PasswordHasher::new(Params::new(256, 2, 1).unwrap())
}

/// Plain bcrypt (not the prehashing bcrypt_sha256) of a password longer
/// than the 72 bytes bcrypt reads.
fn truncated_by_bcrypt(scheme: &str, password: &[u8]) -> bool {
    scheme.starts_with("bcrypt-") && password.len() > 72
}

#[test]
fn every_legacy_scheme_verifies_and_is_upgraded() {
    let h = hasher();
    let mut schemes = BTreeSet::new();
    for (scheme, password, stored) in rows() {
        let pw = SecretString::from(String::from_utf8(password.clone()).unwrap());
        let outcome = h.verify(&pw, &stored);
        if truncated_by_bcrypt(&scheme, &password) {
            // The stored hash covers only the first 72 bytes (what the
            // generator hashed): even the owner's password is not told
            // apart from others, so it is never valid (a reset is needed).
            assert_eq!(outcome.unwrap(), Verification::Invalid, "{scheme} {stored}");
        } else {
            match outcome {
                Ok(Verification::Valid { upgrade: Some(new) }) => {
                    assert!(new.as_str_for_storage().starts_with("$argon2id$v=19$m=256,t=2,p=1$"), "{scheme}");
                    assert_eq!(h.verify(&pw, new.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
                }
                other => panic!("{scheme} {stored}: {other:?}"),
            }
        }
        // Tampered twin: another password.
        let wrong = SecretString::from(format!("{}!", String::from_utf8(password).unwrap()));
        assert_eq!(h.verify(&wrong, &stored).unwrap(), Verification::Invalid, "{scheme} accepted a wrong password");
        schemes.insert(scheme);
    }
    assert!(schemes.len() >= 20, "{schemes:?}");
}

/// tests/data/truncation.tsv: hashes of long passwords made by pyca/bcrypt
/// 4.0.1 (which truncates at 72 bytes) and passlib, candidates the
/// framework itself accepts, and the answer guardrail must give.
#[test]
fn truncating_schemes_never_take_a_variant() {
    let h = hasher();
    let mut framework_fooled = 0;
    let mut schemes = BTreeSet::new();
    for line in include_str!("data/truncation.tsv").lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let (scheme, candidate, framework, want, stored) = (f[0], f[2], f[3], f[4], f[5]);
        let candidate = guardrail_ct::hex::decode_vec(candidate).unwrap();
        let text = String::from_utf8(candidate.clone()).unwrap();
        let outcome = h.verify(&SecretString::from(text.clone()), stored).unwrap();
        assert_eq!(matches!(outcome, Verification::Valid { .. }), want == "valid", "{scheme} {stored} {}", f[2]);
        if unicode_normalization::is_nfkc(&text) {
            // The raw-bytes entry point gives the same answer.
            assert_eq!(
                matches!(h.verify_bytes(&candidate, stored).unwrap(), Verification::Valid { .. }),
                want == "valid",
                "{scheme} {stored}"
            );
        }
        if framework == "True" && want == "invalid" {
            framework_fooled += 1;
        }
        schemes.insert(scheme);
    }
    // The vectors show the fault in the real framework, in every spelling.
    assert!(framework_fooled >= 40, "{framework_fooled}");
    for s in ["bcrypt-2a", "bcrypt-2b", "bcrypt-2y", "django-bcrypt", "django-bcrypt-sha256", "passlib-scrypt"] {
        assert!(schemes.contains(s), "{s}");
    }
}

#[test]
fn hostile_costs_are_refused_before_work() {
    let h = hasher();
    let pw = SecretString::from("pw");
    let cases = [
        "$2b$31$CjZv5qSFOh47i7gTL8DhaOq2z0/e6qcEIqA8AyyrDqyZ0i1nMbkUu",
        "$6$rounds=999999999$zTDW1gXfB102G3BN$sQQRALBaeeAzyTPjITkjUHR7x.o",
        "$pbkdf2-sha256$1000000000$xZiztlZK6Z2zdg4BgDAGQA$WxVQ3EemwRSc4CsTK",
        "pbkdf2_sha256$1000000000$AzohvjZDah0K$Aw8TUHAotLDZlvJRL5hWyH4NREvF",
        "$P$z4btrA.QlKQwVGbfT8wKHnxGxW6rwh1",
        "$sha1$4000000000$j248ZyfB$MqFYmfOv22QkFtZPZfj0XIFPFC/Y",
        "$scrypt$ln=30,r=8,p=1$AoDwvjem1JpTao2xdq4Vwg$ijLxjVQXNZAKLwK",
        "$scrypt$ln=10,r=1000,p=1$AoDwvjem1JpTao2xdq4Vwg$ijLxjVQXNZAKLwK",
    ];
    for stored in cases {
        assert!(matches!(h.verify(&pw, stored), Err(Error::OutOfPolicy { .. })), "{stored}");
    }
}

#[test]
fn malformed_legacy_strings_are_errors_not_panics() {
    let h = hasher();
    let pw = SecretString::from("pw");
    for stored in [
        "$2b$",
        "$2b$xx$abc",
        "$1$",
        "$1$salt",
        "$apr1$toolongsalt$x",
        "$P$",
        "$H$short",
        "{SSHA}",
        "{SSHA}!!!!",
        "{SMD5}QQ==",
        "pbkdf2_sha256$",
        "pbkdf2_sha256$abc$salt$hash",
        "$pbkdf2$10$salt",
        "$scrypt$ln=10$a$b",
        "sha1$salt",
        "md5$",
        "$5$rounds=1$s$h",
        "$6$",
        "bcrypt_sha256$",
        "argon2$garbage",
    ] {
        assert!(h.verify(&pw, stored).is_err(), "{stored}");
    }
}

/// Plain bcrypt wrapped for storage — sealed under the pepper keyring (by
/// `reseal`, as an import under a pepper stores it), or Django's `bcrypt$`
/// — refuses an over-long candidate like the bare string does.
#[cfg(feature = "pepper")]
#[test]
fn wrapped_bcrypt_never_takes_a_candidate_longer_than_72_bytes() {
    use guardrail_keys::{Algorithm, Keyring};
    let keyring = std::sync::Arc::new(Keyring::generate(Algorithm::Aes256Gcm).unwrap());
    let h = hasher().with_pepper(keyring);
    // pyca/bcrypt 4.0.1 hashes of 72 × "a" (tests/data/truncation.tsv).
    for plain in [
        "$2b$05$R2h.GwK175Y6jgSSaa9C7OjzywczTzerj/dK50aCZ35nSZlPuolY.",
        "bcrypt$$2b$04$6/SlpKthHutmrIndJ8urBenstalEyCCYtuPXwYUXBouOliQqH7JAG",
    ] {
        let sealed = h.reseal(plain).unwrap();
        for stored in [plain, sealed.as_str_for_storage()] {
            let owner = SecretString::from("a".repeat(72));
            assert!(matches!(h.verify(&owner, stored).unwrap(), Verification::Valid { .. }), "{stored}");
            let longer = SecretString::from(format!("{}X", "a".repeat(72)));
            assert_eq!(h.verify(&longer, stored).unwrap(), Verification::Invalid, "{stored}");
            assert_eq!(h.verify_bytes(&[b'a'; 73], stored).unwrap(), Verification::Invalid, "{stored}");
        }
    }
}
