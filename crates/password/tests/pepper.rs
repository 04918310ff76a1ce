//! The pepper: stored hashes sealed under a keyring, verified through it,
//! re-sealed after rotation without any password, and plain hashes from
//! before the pepper still verifying (and asking to be sealed).
#![cfg(feature = "pepper")]
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::sync::Arc;

use guardrail_keys::{Algorithm, Keyring};
use guardrail_password::{Error, Params, PasswordHasher, Verification};
use guardrail_secret::SecretString;

fn params() -> Params {
    Params::new(256, 2, 1).unwrap()
}

#[test]
fn sealed_hashes_verify_and_hide_the_phc_string() {
    let keyring = Arc::new(Keyring::generate(Algorithm::Aes256Gcm).unwrap());
    let h = PasswordHasher::new(params()).with_pepper(keyring);
    let pw = SecretString::from("correct horse battery staple");
    let stored = h.hash(&pw).unwrap();
    assert!(stored.as_str_for_storage().starts_with("$guardrail-sealed$v1$"));
    assert!(!stored.as_str_for_storage().contains("argon2"), "the PHC string is visible");
    assert_eq!(h.verify(&pw, stored.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
    assert_eq!(h.verify(&SecretString::from("wrong"), stored.as_str_for_storage()).unwrap(), Verification::Invalid);
    assert_eq!(h.verify_login(&pw, None).unwrap(), Verification::Invalid);
    // inspect opens it: the inner argon2id at the policy, nothing to upgrade.
    let info = h.inspect(stored.as_str_for_storage()).unwrap();
    assert_eq!((info.scheme, info.params.as_str(), info.upgrade_on_login), ("argon2id", "m=256,t=2,p=1", false));
    // Without the keyring the stored value is useless.
    let other = PasswordHasher::new(params()).with_pepper(Arc::new(Keyring::generate(Algorithm::Aes256Gcm).unwrap()));
    assert!(matches!(other.verify(&pw, stored.as_str_for_storage()), Err(Error::Pepper)));
    assert!(matches!(other.inspect(stored.as_str_for_storage()), Err(Error::Pepper)));
}

#[test]
fn plain_hashes_verify_during_migration_and_ask_to_be_sealed() {
    let pw = SecretString::from("pw");
    let plain = PasswordHasher::new(params()).hash(&pw).unwrap();
    let h = PasswordHasher::new(params()).with_pepper(Arc::new(Keyring::generate(Algorithm::Aes256Gcm).unwrap()));
    match h.verify(&pw, plain.as_str_for_storage()).unwrap() {
        Verification::Valid { upgrade: Some(sealed) } => {
            assert!(sealed.as_str_for_storage().starts_with("$guardrail-sealed$v1$"));
            assert_eq!(h.verify(&pw, sealed.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rotation_reseals_offline_and_old_values_ask_for_a_reseal() {
    let mut keyring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let pw = SecretString::from("pw");
    let before = PasswordHasher::new(params())
        .with_pepper(Arc::new(Keyring::from_json(&keyring.export_json_insecure_plaintext_keys()).unwrap()));
    let stored = before.hash(&pw).unwrap();

    let new_id = keyring.add_key(Algorithm::ChaCha20Poly1305).unwrap();
    keyring.promote(new_id).unwrap();
    let after = PasswordHasher::new(params()).with_pepper(Arc::new(keyring));
    // Still verifies, and asks to be re-sealed under the new primary.
    let resealed_on_login = match after.verify(&pw, stored.as_str_for_storage()).unwrap() {
        Verification::Valid { upgrade: Some(new) } => new,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        after.verify(&pw, resealed_on_login.as_str_for_storage()).unwrap(),
        Verification::Valid { upgrade: None }
    );
    // Offline: no password needed.
    let resealed = after.reseal(stored.as_str_for_storage()).unwrap();
    assert_ne!(resealed, stored);
    assert_eq!(after.verify(&pw, resealed.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
}

#[test]
fn damaged_sealed_values_are_errors() {
    let h = PasswordHasher::new(params()).with_pepper(Arc::new(Keyring::generate(Algorithm::Aes256Gcm).unwrap()));
    let pw = SecretString::from("pw");
    for bad in ["$guardrail-sealed$v1$", "$guardrail-sealed$v1$!!!", "$guardrail-sealed$v1$AAAA"] {
        assert!(h.verify(&pw, bad).is_err(), "{bad}");
    }
    let big = format!("$guardrail-sealed$v1${}", "A".repeat(5000));
    assert!(matches!(h.verify(&pw, &big), Err(Error::OutOfPolicy { .. })));
}
