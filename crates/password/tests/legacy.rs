//! Legacy hashes (made by passlib and its bcrypt backend, tests/data/legacy.tsv)
//! verify, always with an argon2id upgrade; wrong passwords do not; hostile
//! cost parameters are refused before any work.
#![cfg(feature = "legacy")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code

use std::collections::BTreeSet;

use guardrail_password::{Caps, Error, Params, PasswordHasher, Verification};
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

/// Well-formed stored strings whose cost is above the default caps: each
/// refused naming the parameter and its cap (never a salt, digest or the
/// stored value), and before any job is queued (nothing ran).
#[test]
fn hostile_costs_are_refused_before_work() {
    let h = PasswordHasher::new(Params::OWASP);
    let pw = SecretString::from("pw");
    // 32 bytes in passlib's adapted base64 (pbkdf2) and plain unpadded base64 (scrypt).
    let (d32, b32) = ("ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1.f4CBgoM", "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM");
    let cases = [
        ("$2b$31$CjZv5qSFOh47i7gTL8DhaOq2z0/e6qcEIqA8AyyrDqyZ0i1nMbkUu".to_owned(), "cost"),
        (format!("$6$rounds=999999999$zTDW1gXfB102G3BN${}", "a".repeat(86)), "rounds"),
        (format!("$pbkdf2-sha256$1000000000$AAECAwQFBgcICQoLDA0ODw${d32}"), "rounds"),
        // The example: 3.4 s of PBKDF2-SHA512.
        (
            "$pbkdf2-sha512$5000000$AAECAwQFBgcICQoLDA0ODw$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0.Pw"
                .to_owned(),
            "rounds",
        ),
        ("pbkdf2_sha256$1000000000$AzohvjZDah0K$ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=".to_owned(), "iterations"),
        ("$P$S4btrA.QlKQwVGbfT8wKHnxGxW6rwh1".to_owned(), "rounds"),
        ("$sha1$4000000000$j248ZyfB$MqFYmfOv22QkFtZPZfj0XIFPFC/Y".to_owned(), "rounds"),
        (format!("$scrypt$ln=30,r=8,p=1$AAECAwQFBgcICQoLDA0ODw${b32}"), "ln"),
        (format!("$scrypt$ln=12,r=1000,p=1$AAECAwQFBgcICQoLDA0ODw${b32}"), "ln"),
        // The example: 256 MiB (within the memory cap) but 2.4 s of work.
        (format!("$scrypt$ln=17,r=16,p=4$AAECAwQFBgcICQoLDA0ODw${b32}"), "ln"),
    ];
    for (stored, param) in &cases {
        let refused = h.verify(&pw, stored);
        let Err(Error::OutOfPolicy { param: named, cap, unit }) = &refused else {
            panic!("{stored}: {refused:?}");
        };
        assert_eq!((named, *param), (param, *param), "{stored}");
        let message = refused.as_ref().map(drop).unwrap_err().to_string();
        assert!(message.ends_with(&format!("{param} above the cap of {cap} {unit}")), "{message}");
        for field in stored.split(['$', ',']).filter(|f| f.len() >= 8) {
            assert!(!message.contains(field), "{message}");
        }
        // inspect refuses it the same way.
        assert!(matches!(h.inspect(stored), Err(Error::OutOfPolicy { .. })), "{stored}");
    }
    assert_eq!(h.peak_in_flight(), 0, "a refused row queued a job");
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

/// `(stored, expect)` of every `right` row of the migrate vectors.
fn migrate_right_rows() -> Vec<(String, String)> {
    [
        include_str!("data/migrate/vectors.tsv"),
        include_str!("data/migrate/django50.tsv"),
        include_str!("data/migrate/layout.tsv"),
    ]
    .iter()
    .flat_map(|file| file.lines())
    .filter(|l| !l.starts_with('#') && !l.is_empty())
    .map(|l| l.split('\t').collect::<Vec<_>>())
    .filter(|f| f.len() == 8 && f[4] == "right")
    .map(|f| (f[6].to_owned(), f[7].to_owned()))
    .collect()
}

/// `inspect` over every family's rows at the default caps: no work (no
/// job ran), the scheme and its cost within the caps, no salt or digest in
/// the answer, legacy rows always upgraded; refused rows refused as
/// `verify` refuses them.
#[test]
fn inspect_describes_every_family_without_hashing() {
    let h = PasswordHasher::new(Params::OWASP);
    let caps = Caps::for_policy(&Params::OWASP);
    let mut schemes = BTreeSet::new();
    for (stored, expect) in migrate_right_rows() {
        match (expect.as_str(), h.inspect(&stored)) {
            ("valid", Ok(info)) => {
                assert!(info.cost.memory_bytes <= caps.max_memory_bytes, "{}", info.scheme);
                assert!(info.cost.block_passes <= caps.max_block_passes, "{}", info.scheme);
                assert!(!info.wrapped && !info.plaintext, "{}", info.scheme);
                if !info.scheme.starts_with("argon2") {
                    assert!(info.upgrade_on_login, "{}", info.scheme);
                }
                for field in stored.split(['$', '{', '}']).filter(|f| f.len() >= 8 && !f.contains('=')) {
                    assert!(!info.params.contains(field), "{}: {}", info.scheme, info.params);
                }
                schemes.insert(info.scheme);
            }
            ("refused:plaintext", Err(Error::PlaintextRefused)) => {}
            (refused, Err(Error::OutOfPolicy { param, .. })) if refused.strip_prefix("refused:") == Some(param) => {}
            (expect, other) => panic!("{expect}: {other:?}"),
        }
    }
    assert_eq!(h.peak_in_flight(), 0, "inspect ran a job");
    for id in [
        "argon2id",
        "argon2i",
        "django-pbkdf2-sha256",
        "django-scrypt",
        "passlib-bcrypt-sha256-v2",
        "sha512-crypt",
        "phpass",
        "spring-pbkdf2-v5_5",
        "aspnet-v3",
        "django-unsalted-md5",
    ] {
        assert!(schemes.contains(id), "{id} not in {schemes:?}");
    }
    assert!(schemes.len() >= 40, "{} schemes: {schemes:?}", schemes.len());
}

/// Framework defaults the old caps refused are admitted by the default
/// caps: Django's scrypt (N 2^14, r 8, p 5) and libsodium MODERATE
/// (256 MiB), described exactly.
#[test]
fn framework_defaults_are_admitted_and_described() {
    let h = PasswordHasher::new(Params::OWASP);
    let rows = migrate_right_rows();
    let find = |prefix: &str| rows.iter().find(|(s, _)| s.starts_with(prefix)).map(|(s, _)| s.clone()).unwrap();
    let django_scrypt = h.inspect(&find("scrypt$16384$")).unwrap();
    assert_eq!(django_scrypt.scheme, "django-scrypt");
    assert_eq!(django_scrypt.cost.memory_bytes, 128 * 8 * (16384 + 5 + 1), "128·r·(N + p + 1)");
    let moderate = h.inspect(&find("$argon2id$v=19$m=262144,t=3,p=1$")).unwrap();
    assert_eq!((moderate.scheme, moderate.params.as_str()), ("argon2id", "m=262144,t=3,p=1"));
    assert_eq!(moderate.cost, guardrail_password::Cost::argon2(262_144, 3));
    assert!(!moderate.upgrade_on_login, "stronger than OWASP in every parameter");
    let django_argon2 = h.inspect(&find("argon2$argon2id$")).unwrap();
    assert!(django_argon2.upgrade_on_login, "Django's wrapping is re-stored as ours");
}

/// Stored plaintext (`{noop}`, `{CLEARTEXT}`) is refused by name unless the
/// hasher opted in; then it verifies in constant time and is upgraded.
#[test]
fn plaintext_only_with_the_opt_in() {
    let pw = SecretString::from("correct horse");
    for stored in ["{noop}correct horse", "{CLEARTEXT}correct horse"] {
        let h = hasher();
        let refused = h.verify(&pw, stored);
        assert!(
            matches!(&refused, Err(e @ Error::PlaintextRefused) if e.to_string().contains("accept_plaintext_for_legacy_use_only")),
            "{refused:?}"
        );
        assert!(!refused.unwrap_err().to_string().contains("correct"));
        assert!(matches!(h.inspect(stored), Err(Error::PlaintextRefused)));
        let h = hasher().accept_plaintext_for_legacy_use_only();
        let info = h.inspect(stored).unwrap();
        assert!(info.plaintext && info.upgrade_on_login && info.params.is_empty(), "{info:?}");
        match h.verify(&pw, stored).unwrap() {
            Verification::Valid { upgrade: Some(new) } => {
                assert!(new.as_str_for_storage().starts_with("$argon2id$"));
            }
            other => panic!("{stored}: {other:?}"),
        }
        assert_eq!(h.verify(&SecretString::from("correct horse!"), stored).unwrap(), Verification::Invalid);
    }
}

/// A wrapped plaintext row is argon2id over the password, no longer
/// plaintext: it verifies (and is upgraded) without the opt-in, while the
/// raw `{noop}` row it came from is still refused, and wrapping it still
/// needs the opt-in.
#[test]
fn wrapped_plaintext_verifies_without_the_opt_in() {
    let (pw, raw) = (SecretString::from("correct horse"), "{noop}correct horse");
    let h = hasher();
    assert!(matches!(h.verify(&pw, raw), Err(Error::PlaintextRefused)), "the raw row needs the opt-in");
    assert!(matches!(h.wrap(raw), Err(Error::PlaintextRefused)), "wrapping plaintext needs the opt-in");
    let wrapped = hasher().accept_plaintext_for_legacy_use_only().wrap(raw).unwrap();
    let wrapped = wrapped.as_str_for_storage();
    assert!(wrapped.starts_with("$guardrail-wrap$v=1$plaintext$"), "{wrapped}");
    let info = h.inspect(wrapped).unwrap();
    assert!(info.wrapped && info.plaintext && info.upgrade_on_login, "{info:?}");
    match h.verify(&pw, wrapped).unwrap() {
        Verification::Valid { upgrade: Some(new) } => assert!(new.as_str_for_storage().starts_with("$argon2id$")),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.verify(&SecretString::from("correct horse!"), wrapped).unwrap(), Verification::Invalid);
}

/// A hasher whose work cap is `max_block_passes`, every other cap as usual.
fn capped(max_block_passes: u64) -> PasswordHasher {
    let params = Params::new(256, 2, 1).unwrap();
    PasswordHasher::new(params).caps(Caps { max_block_passes, ..Caps::for_policy(&params) })
}

fn refused_naming_work(outcome: Result<impl std::fmt::Debug, Error>, cap: u64) {
    match outcome {
        Err(Error::OutOfPolicy { param: "work", cap: named, unit: "block passes" }) => assert_eq!(named, cap),
        other => panic!("{other:?}"),
    }
}

/// Every sha-crypt round hashes the whole password: a row inspect admits
/// (10,000 rounds, 17,200 block passes) costs about 40 times more with a
/// 4000-byte candidate, and verify refuses that login before any job.
#[test]
fn a_long_password_is_counted_where_every_round_hashes_it() {
    let stored = "$6$rounds=10000$Kbnz3jWgchrn4HlU$4iiRrMOJc8JalN/2iJB96XtC9HthNzAcs8NS35Uiymf6jXDo6H4KOBJH9L7BglYYUNSFee8JHWxY2kswEmw9o.";
    let h = capped(50_000);
    assert!(h.inspect(stored).unwrap().cost.block_passes <= 50_000);
    refused_naming_work(h.verify(&SecretString::from("a".repeat(4000)), stored), 50_000);
    assert_eq!(h.peak_in_flight(), 0, "a refused login queued a job");
    assert!(matches!(h.verify(&SecretString::from("password"), stored), Ok(Verification::Valid { .. })));
}

/// A candidate whose NFKC form differs from its raw bytes runs the
/// computation twice: a stored pbkdf2-sha512 just under the cap refuses
/// such a login (U+FB01 `ﬁ`), while an ASCII one verifies.
#[test]
fn a_candidate_tried_in_two_forms_is_counted_twice() {
    // 1500 iterations: 2251 block passes, once.
    let stored = "$pbkdf2-sha512$1500$vHeutda6V8oZI0SI0drbew$2MOQAfiaom5hrh./gKf9Hm.JvmQqFCSvWD3xv3O7oK9F/M..TZFIiztJtfznQ7Pb1rRoy/C0KI7Crd8R0cSEXg";
    let h = capped(3000);
    assert!(h.inspect(stored).is_ok());
    refused_naming_work(h.verify(&SecretString::from("pass\u{FB01}word"), stored), 3000);
    assert!(matches!(h.verify(&SecretString::from("password"), stored), Ok(Verification::Valid { .. })));
}

/// A wrapped hash runs its inner scheme and its argon2id: each fitting
/// the cap is not enough, their sum must (inspect and verify alike).
#[test]
fn a_wrapped_hash_is_refused_when_its_parts_together_exceed_the_cap() {
    let legacy = "$pbkdf2-sha512$1500$vHeutda6V8oZI0SI0drbew$2MOQAfiaom5hrh./gKf9Hm.JvmQqFCSvWD3xv3O7oK9F/M..TZFIiztJtfznQ7Pb1rRoy/C0KI7Crd8R0cSEXg";
    // Inner 2251 block passes + argon2id 2048·1 = 4299.
    let wrapped = PasswordHasher::new(Params::new(2048, 1, 1).unwrap()).wrap(legacy).unwrap();
    let wrapped = wrapped.as_str_for_storage();
    let roomy = capped(5000);
    assert_eq!(roomy.inspect(wrapped).unwrap().cost.block_passes, 4299);
    assert!(matches!(roomy.verify(&SecretString::from("password"), wrapped), Ok(Verification::Valid { .. })));
    // Both forms of a `ﬁ` candidate: 8598, above 5000.
    refused_naming_work(roomy.verify(&SecretString::from("pass\u{FB01}word"), wrapped), 5000);
    let tight = capped(3000);
    refused_naming_work(tight.inspect(wrapped), 3000);
    refused_naming_work(tight.verify(&SecretString::from("password"), wrapped), 3000);
    assert_eq!(tight.peak_in_flight(), 0, "a refused login queued a job");
}
