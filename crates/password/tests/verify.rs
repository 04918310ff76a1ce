//! Verify-and-upgrade, normalisation, unknown users, hostile hashes, and
//! no secret in any output. Small parameters keep it fast; `kat.rs` runs
//! the real defaults.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code

use guardrail_password::{Error, Params, PasswordHasher, PasswordPolicy, Verification};
use guardrail_secret::SecretString;

fn hasher() -> PasswordHasher {
    PasswordHasher::new(Params::new(256, 2, 1).unwrap())
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

#[test]
fn round_trip_and_wrong_password() {
    let h = hasher();
    let stored = h.hash(&secret("tr0ub4dor&3 is not enough")).unwrap();
    assert_eq!(
        h.verify(&secret("tr0ub4dor&3 is not enough"), stored.as_str_for_storage()).unwrap(),
        Verification::Valid { upgrade: None }
    );
    assert_eq!(
        h.verify(&secret("tr0ub4dor&3 is not enougH"), stored.as_str_for_storage()).unwrap(),
        Verification::Invalid
    );
    assert_eq!(h.verify(&secret(""), stored.as_str_for_storage()).unwrap(), Verification::Invalid);
    // Salts are random: the same password hashes differently.
    assert_ne!(h.hash(&secret("same")).unwrap(), h.hash(&secret("same")).unwrap());
}

#[test]
fn weaker_stored_hashes_are_upgraded() {
    let old = PasswordHasher::new(Params::new(64, 1, 1).unwrap());
    let stored = old.hash(&secret("pw")).unwrap();
    let h = hasher();
    match h.verify(&secret("pw"), stored.as_str_for_storage()).unwrap() {
        Verification::Valid { upgrade: Some(new) } => {
            assert!(new.as_str_for_storage().starts_with("$argon2id$v=19$m=256,t=2,p=1$"));
            // The upgrade itself verifies and is current.
            assert_eq!(
                h.verify(&secret("pw"), new.as_str_for_storage()).unwrap(),
                Verification::Valid { upgrade: None }
            );
        }
        other => panic!("{other:?}"),
    }
    // A stronger stored hash (within the caps) is not downgraded.
    let strong = PasswordHasher::new(Params::new(512, 3, 1).unwrap()).hash(&secret("pw")).unwrap();
    assert_eq!(h.verify(&secret("pw"), strong.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
}

#[test]
fn passwords_are_nfkc_normalised_and_raw_hashes_still_verify() {
    let h = hasher();
    // "ﬁ" (U+FB01) is "fi" under NFKC; "é" composed or decomposed is one password.
    let stored = h.hash(&secret("ﬁle café")).unwrap();
    assert!(matches!(h.verify(&secret("file café"), stored.as_str_for_storage()).unwrap(), Verification::Valid { .. }));
    assert!(matches!(
        h.verify(&secret("file cafe\u{301}"), stored.as_str_for_storage()).unwrap(),
        Verification::Valid { .. }
    ));
    // A hash another system made from the raw, un-normalised bytes verifies,
    // and asks to be replaced by a hash of the normalised form.
    let raw = h.hash_bytes("ﬁle".as_bytes()).unwrap();
    match h.verify(&secret("ﬁle"), raw.as_str_for_storage()).unwrap() {
        Verification::Valid { upgrade: Some(new) } => {
            assert_eq!(
                h.verify(&secret("file"), new.as_str_for_storage()).unwrap(),
                Verification::Valid { upgrade: None }
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn login_without_an_account_is_invalid_after_a_verify() {
    for pw in ["", "anything", "ﬁle"] {
        // A fresh hasher each time: its peak memory shows what one call did.
        let h = hasher();
        assert_eq!(h.peak_in_flight_bytes(), 0);
        assert_eq!(h.verify_login(&secret(pw), None).unwrap(), Verification::Invalid);
        // The engine ran an argon2 job at the policy's memory: a hash's
        // work, as for a wrong password against a real account.
        assert_eq!(h.peak_in_flight_bytes(), h.params().memory_bytes(), "no hash for {pw:?}");
    }
    // With an account, it is `verify`: the right password is Valid, a wrong one Invalid.
    let h = hasher();
    let stored = h.hash(&secret("pw")).unwrap();
    let account = Some(stored.as_str_for_storage());
    assert_eq!(h.verify_login(&secret("pw"), account).unwrap(), Verification::Valid { upgrade: None });
    assert_eq!(h.verify_login(&secret("pW"), account).unwrap(), Verification::Invalid);
    // Errors are not folded into Invalid, with or without an account.
    let long = secret(&"x".repeat(guardrail_password::MAX_PASSWORD_BYTES + 1));
    assert!(matches!(h.verify_login(&long, None), Err(Error::PasswordTooLong)));
    assert!(matches!(h.verify_login(&secret("pw"), Some("not a hash")), Err(Error::Malformed { .. })));
}

#[test]
fn new_passwords_are_policy_checked() {
    let h = hasher();
    let policy = PasswordPolicy::default();
    let context = ["ana", "ana.lovelace@example.org"];
    match policy.check_new(secret("password"), &context) {
        Err(Error::Policy(v)) => assert!(v.codes().any(|c| c == "common_password"), "{v}"),
        other => panic!("a common password passed: {other:?}"),
    }
    match policy.check_new(secret("ana.lovelace-rides-horses"), &context) {
        Err(Error::Policy(v)) => assert!(v.codes().any(|c| c == "contains_context"), "{v}"),
        other => panic!("the user's own name passed: {other:?}"),
    }
    let canary = "correct horse battery staple";
    let checked = policy.check_new(secret(canary), &context).unwrap();
    assert!(!format!("{checked:?}").contains("horse"), "{checked:?}");
    let stored = h.hash_new(checked).unwrap();
    assert!(stored.as_str_for_storage().starts_with("$argon2id$v=19$m=256,t=2,p=1$"));
    let owned = stored.clone().into_string_for_storage();
    assert_eq!(owned, stored.as_str_for_storage());
    assert_eq!(h.verify_login(&secret(canary), Some(&owned)).unwrap(), Verification::Valid { upgrade: None });
}

#[test]
fn hostile_and_malformed_stored_hashes_are_errors() {
    let h = hasher();
    let pw = secret("pw");
    let cases = [
        ("", "malformed"),
        ("$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2g", "out of policy"),
        ("$argon2id$v=19$m=256,t=100000,p=1$c29tZXNhbHQ$aGFzaGhhc2g", "out of policy"),
        ("$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", "unsupported"), // yescrypt
        ("plaintext-password", "malformed"),
    ];
    for (stored, want) in cases {
        let err = h.verify(&pw, stored).unwrap_err().to_string();
        assert!(err.contains(want), "{stored}: {err}");
    }
    let long = secret(&"x".repeat(guardrail_password::MAX_PASSWORD_BYTES + 1));
    let stored = h.hash(&pw).unwrap();
    assert!(matches!(h.verify(&long, stored.as_str_for_storage()), Err(Error::PasswordTooLong)));
    assert!(matches!(h.hash(&long), Err(Error::PasswordTooLong)));
}

#[test]
fn no_secret_in_debug_or_errors() {
    let h = hasher();
    let canary = "canary-9d2f-password";
    let stored = h.hash(&secret(canary)).unwrap();
    let salt_and_tag: Vec<&str> = stored.as_str_for_storage().rsplitn(3, '$').take(2).collect();
    let rendered = format!("{stored:?} {h:?} {:?}", h.verify(&secret(canary), stored.as_str_for_storage()));
    assert!(rendered.len() < 2000, "Debug dumps the working memory: {} bytes", rendered.len());
    assert!(!rendered.contains(canary), "{rendered}");
    for part in salt_and_tag {
        assert!(!rendered.contains(part), "salt or tag in {rendered}");
    }
    let policy_err = PasswordPolicy::default().check(&secret(canary), &[]).err();
    assert!(!format!("{policy_err:?}").contains(canary));
}

#[test]
fn display_of_a_hash_hides_salt_and_tag() {
    let h = hasher();
    let stored = h.hash(&secret("pw")).unwrap();
    let text = stored.as_str_for_storage();
    let salt_and_tag: Vec<&str> = text.rsplitn(3, '$').take(2).collect();
    assert_eq!(salt_and_tag.len(), 2);
    // `info!(%hash)` and `{hash:?}` print the same masked head.
    assert_eq!(stored.to_string(), "$argon2id$v=19$m=256,t=2,p=1$…");
    assert_eq!(format!("{stored:?}"), "PasswordHash($argon2id$v=19$m=256,t=2,p=1$…)");
    for shown in [stored.to_string(), format!("{stored:?}"), format!("{stored:#?}")] {
        for part in &salt_and_tag {
            assert!(!shown.contains(part), "salt or tag in {shown}");
        }
    }
    // A sealed hash (pepper) shows its format only: no ciphertext.
    let keyring = guardrail_keys::Keyring::generate(guardrail_keys::Algorithm::Aes256Gcm).unwrap();
    let sealed = hasher().with_pepper(std::sync::Arc::new(keyring)).reseal(text).unwrap();
    let body = sealed.as_str_for_storage().strip_prefix("$guardrail-sealed$v1$").unwrap();
    assert_eq!(sealed.to_string(), "$guardrail-sealed$v1$…");
    assert_eq!(format!("{sealed:?}"), "PasswordHash($guardrail-sealed$v1$…)");
    assert!(!body.is_empty() && !format!("{sealed} {sealed:?}").contains(body));
}

#[test]
fn check_stored_parses_without_hashing() {
    let h = hasher();
    let stored = h.hash(&secret("pw")).unwrap();
    assert!(h.check_stored(stored.as_str_for_storage()).is_ok());
    assert!(h.check_stored("$2b$04$GMws5cBWcskZ.MMt2VQQ.usbIOs6Td6DwqZ5vLOJe7kCtBJBqrQoW").is_ok());
    assert!(h.check_stored("pbkdf2_sha256$600000$c2FsdA$ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=").is_ok());
    // Legacy costs are checked here too, not at the first login.
    assert!(matches!(
        h.check_stored("$2b$31$CjZv5qSFOh47i7gTL8DhaOq2z0/e6qcEIqA8AyyrDqyZ0i1nMbkUu"),
        Err(Error::OutOfPolicy { param: "cost", .. })
    ));
    assert!(matches!(h.check_stored("not a hash"), Err(Error::Malformed { .. } | Error::Unsupported { .. })));
    // Caps apply: an attacker-sized m is refused before anything is allocated.
    assert!(matches!(
        h.check_stored(
            "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
        ),
        Err(Error::OutOfPolicy { param: "m", .. })
    ));
    // The refusal names the parameter and its cap in its unit, never the stored value.
    let t_over = "$argon2id$v=19$m=65536,t=64,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let refused = h.check_stored(t_over).unwrap_err();
    assert!(matches!(refused, Error::OutOfPolicy { param: "t", cap: 32, unit: "passes" }), "{refused:?}");
    assert_eq!(refused.to_string(), "stored hash out of policy: t above the cap of 32 passes");
    // Django's argon2 default (m = 102,400 KiB), refused by the old caps, is admitted.
    let django = "argon2$argon2id$v=19$m=102400,t=2,p=8$U2FsdFNhbHRTYWx0U2FsdFNhbHRTYQ$GaZb45oqa54vRFyuhW2qlsFLp2/rtDIcd1mLvvQm4HM";
    let info = h.inspect(django).unwrap();
    assert_eq!((info.scheme, info.params.as_str(), info.upgrade_on_login), ("argon2id", "m=102400,t=2,p=8", true));
}
