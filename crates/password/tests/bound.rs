//! Sealed hashes bound to their row (`$guardrail-sealed$v2$`, associated
//! data = "guardrail password hash v2\0" ‖ binding), and the data the
//! previous release wrote: `tests/data/sealed-v1-golden.txt`, v1 seals made
//! before binding existed (see `tests/data/README.md`).
#![cfg(feature = "pepper")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stdout)] // test code

use std::sync::Arc;

use guardrail_keys::{Algorithm, Keyring};
use guardrail_password::{Error, HashBinding, Params, PasswordHash, PasswordHasher, SealState, Verification};
use guardrail_secret::SecretString;
use guardrail_testkit::vectors::{data_path, field, read_data, tamper_char};
use proptest::prelude::*;

const PW: &str = "correct horse battery staple";
const V1: &str = "$guardrail-sealed$v1$";
const V2: &str = "$guardrail-sealed$v2$";

fn small() -> Params {
    Params::new(64, 1, 1).unwrap()
}

fn keyring() -> Arc<Keyring> {
    Arc::new(Keyring::generate(Algorithm::Aes256Gcm).unwrap())
}

fn pw() -> SecretString {
    SecretString::from(PW)
}

fn row(id: u32) -> HashBinding {
    HashBinding::new(format!("test users.id={id}").as_bytes()).unwrap()
}

fn golden() -> String {
    read_data(env!("CARGO_MANIFEST_DIR"), "sealed-v1-golden.txt")
}

/// `Valid` with its upgrade, else a panic naming the outcome.
fn upgrade_of(outcome: Result<Verification, Error>) -> Option<PasswordHash> {
    match outcome {
        Ok(Verification::Valid { upgrade }) => upgrade,
        other => panic!("expected Valid, got {:?}", other.map_err(|e| e.to_string())),
    }
}

/// The golden's hasher: m=256 KiB, t=2, p=1, peppered with its keyring.
fn golden_hasher(text: &str) -> PasswordHasher {
    let keyring = Keyring::from_json(&field(text, "keyring_json")).unwrap();
    PasswordHasher::new(Params::new(256, 2, 1).unwrap()).with_pepper(Arc::new(keyring))
}

/// Writes `tests/data/sealed-v1-golden.txt` and its tampered twin with the
/// code of the day: `cargo test -p guardrail-password --test bound --
/// --ignored write_v1_golden`. Run once, before v2 existed; the committed
/// files are the vectors (rerunning makes a new salt and nonce, and would
/// no longer be "what the previous release wrote").
#[test]
#[ignore = "writes tests/data: run by hand to make new vectors"]
fn write_v1_golden() {
    // One AES-256-GCM key of the bytes 0x20..0x40 (id 7).
    let key = guardrail_ct::base64::encode_string(&(0x20..0x40).collect::<Vec<u8>>());
    let keyring_json = format!(
        r#"{{"version":1,"primary":7,"keys":[{{"id":7,"status":"enabled","algorithm":"AES256_GCM","key":"{key}"}}]}}"#
    );
    // Django's md5 of "correct horse battery staple" (tests/data/legacy.tsv).
    let legacy = "md5$uTEiRPOEYZhT$dbc47db7d74b72ec5adfdd3aaeb17e93";
    let header =
        format!("password: correct horse battery staple\nkeyring_json: {keyring_json}\nlegacy_plain: {legacy}\n");
    let hasher = golden_hasher(&header);
    let stored = hasher.hash(&SecretString::from("correct horse battery staple")).unwrap();
    let stored = stored.as_str_for_storage();
    let legacy_sealed = hasher.reseal(legacy).unwrap();
    let legacy_sealed = legacy_sealed.as_str_for_storage();
    assert!(stored.starts_with("$guardrail-sealed$v1$") && legacy_sealed.starts_with("$guardrail-sealed$v1$"));
    let path = |name| data_path(env!("CARGO_MANIFEST_DIR"), name);
    std::fs::write(path("sealed-v1-golden.txt"), format!("{header}stored: {stored}\nlegacy_sealed: {legacy_sealed}\n"))
        .unwrap();
    // A character in the middle of the sealed text (inside the ciphertext).
    let tampered = tamper_char(stored, "$guardrail-sealed$v1$".len() + 40);
    std::fs::write(path("sealed-v1-golden.tampered.txt"), format!("{header}stored: {tampered}\n")).unwrap();
    println!("wrote the v1 golden vectors");
}

#[test]
fn golden_v1_is_unchanged_for_the_unbound_api_and_rebinds() {
    let text = golden();
    let h = golden_hasher(&text);
    let stored = field(&text, "stored");
    assert_eq!(h.seal_state(&stored), SealState::SealedUnbound);
    assert_eq!(h.verify(&pw(), &stored).unwrap(), Verification::Valid { upgrade: None });
    let bound = h.bind(&stored, &row(42)).unwrap();
    let bound = bound.as_str_for_storage();
    assert!(bound.starts_with(V2) && h.seal_state(bound) == SealState::Bound);
    assert_eq!(h.verify_bound(&pw(), bound, &row(42)).unwrap(), Verification::Valid { upgrade: None });
    assert_eq!(h.verify_bound(&SecretString::from("wrong"), bound, &row(42)).unwrap(), Verification::Invalid);
    // Bob's row copied into alice's: bob's password does not log in there.
    assert_eq!(h.verify_bound(&pw(), bound, &row(43)).unwrap(), Verification::Invalid);
    assert_eq!(h.verify_login_bound(&pw(), Some((bound, &row(43)))).unwrap(), Verification::Invalid);
    // The unbound API cannot open it without its binding: a clear refusal.
    assert!(matches!(h.verify(&pw(), bound), Err(Error::Unsupported { .. })));
    assert!(matches!(h.check_stored(bound), Err(Error::Unsupported { .. })));
    assert!(matches!(h.reseal(bound), Err(Error::Unsupported { .. })));
    // Binding it again under its own binding keeps it; under another is refused.
    assert_eq!(h.bind(bound, &row(42)).unwrap().as_str_for_storage(), bound);
    assert!(matches!(h.bind(bound, &row(43)), Err(Error::Pepper)));
    // The tampered twin of the golden does not open, so it does not bind.
    let twin = field(&read_data(env!("CARGO_MANIFEST_DIR"), "sealed-v1-golden.tampered.txt"), "stored");
    assert!(matches!(h.bind(&twin, &row(42)), Err(Error::Pepper)));
}

#[test]
fn golden_v1_legacy_and_unsealed_values_rebind_and_verify() {
    let text = golden();
    let h = golden_hasher(&text);
    let plain_phc = PasswordHasher::new(Params::new(256, 2, 1).unwrap()).hash(&pw()).unwrap();
    for (what, stored) in [
        ("v1-sealed Django md5", field(&text, "legacy_sealed")),
        ("plain Django md5", field(&text, "legacy_plain")),
        ("plain argon2id", plain_phc.as_str_for_storage().to_owned()),
    ] {
        let bound = h.bind(&stored, &row(7)).unwrap();
        let bound = bound.as_str_for_storage();
        assert_eq!(h.seal_state(bound), SealState::Bound, "{what}");
        assert_eq!(h.verify_bound(&pw(), bound, &row(8)).unwrap(), Verification::Invalid, "{what}");
        // A legacy hash answers with an argon2id upgrade, bound to the same row.
        let upgrade = upgrade_of(h.verify_bound(&pw(), bound, &row(7)));
        assert_eq!(upgrade.is_some(), what.contains("md5"), "{what}");
        if let Some(upgrade) = upgrade {
            let upgrade = upgrade.as_str_for_storage();
            assert!(upgrade.starts_with(V2), "{what}");
            assert_eq!(h.verify_bound(&pw(), upgrade, &row(7)).unwrap(), Verification::Valid { upgrade: None });
            assert_eq!(h.verify_bound(&pw(), upgrade, &row(8)).unwrap(), Verification::Invalid);
        }
    }
    // Text no scheme reads is not bound (binding it would make nothing verify,
    // but an error tells the migration).
    assert!(h.bind("not a hash", &row(7)).is_err());
    assert!(h.bind("", &row(7)).is_err());
}

/// The v2 format as the interface states it: base64url of a keyring seal
/// whose associated data is the label, a NUL, then the binding's bytes.
#[test]
fn v2_associated_data_is_the_label_then_the_binding() {
    let keys = keyring();
    let h = PasswordHasher::new(small()).with_pepper(Arc::clone(&keys));
    let bound = h.bind(h.hash(&pw()).unwrap().as_str_for_storage(), &row(42)).unwrap();
    let sealed = guardrail_ct::base64url::decode_vec(bound.as_str_for_storage().strip_prefix(V2).unwrap()).unwrap();
    let inner = keys.open(&sealed, b"guardrail password hash v2\0test users.id=42").unwrap();
    let inner = String::from_utf8(guardrail_secret::ExposeSecret::expose_secret(&inner).to_vec()).unwrap();
    assert!(inner.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    assert!(keys.open(&sealed, b"guardrail password hash v1").is_err());
    assert!(keys.open(&sealed, b"guardrail password hash v2\0test users.id=4").is_err());
}

#[test]
fn every_tampered_twin_of_a_v2_value_is_refused_without_a_panic() {
    let h = PasswordHasher::new(small()).with_pepper(keyring());
    let bound = h.bind(h.hash(&pw()).unwrap().as_str_for_storage(), &row(1)).unwrap();
    let bound = bound.as_str_for_storage();
    for at in 0..bound.len() {
        let twin = tamper_char(bound, at);
        match h.verify_bound(&pw(), &twin, &row(1)) {
            Ok(Verification::Invalid)
            | Err(Error::Unbound | Error::Pepper | Error::Malformed { .. } | Error::Unsupported { .. }) => {}
            other => panic!("twin at {at}: {:?}", other.map_err(|e| e.to_string())),
        }
    }
}

#[test]
fn bound_verifies_refuse_unbound_values_unless_migrating() {
    let keys = keyring();
    let strict = PasswordHasher::new(small()).with_pepper(Arc::clone(&keys));
    let migrating = PasswordHasher::new(small()).with_pepper(Arc::clone(&keys)).accept_unbound_for_migration_only();
    let v1 = strict.hash(&pw()).unwrap();
    let phc = PasswordHasher::new(small()).hash(&pw()).unwrap();
    let legacy = field(&golden(), "legacy_plain");
    for stored in [v1.as_str_for_storage(), phc.as_str_for_storage(), &legacy] {
        assert_ne!(strict.seal_state(stored), SealState::Bound);
        assert!(matches!(strict.verify_bound(&pw(), stored, &row(5)), Err(Error::Unbound)));
        assert!(matches!(strict.verify_login_bound(&pw(), Some((stored, &row(5)))), Err(Error::Unbound)));
        // Migrating: it verifies, and the upgrade is bound to this row.
        let upgrade = upgrade_of(migrating.verify_bound(&pw(), stored, &row(5))).expect("an upgrade, bound");
        let upgrade = upgrade.as_str_for_storage();
        assert!(upgrade.starts_with(V2));
        assert_eq!(strict.verify_bound(&pw(), upgrade, &row(5)).unwrap(), Verification::Valid { upgrade: None });
        assert_eq!(strict.verify_bound(&pw(), upgrade, &row(6)).unwrap(), Verification::Invalid);
        assert_eq!(
            migrating.verify_bound(&SecretString::from("wrong"), stored, &row(5)).unwrap(),
            Verification::Invalid
        );
    }
    // Migration does not open another row's v2 value.
    let bound = strict.bind(v1.as_str_for_storage(), &row(5)).unwrap();
    assert_eq!(migrating.verify_bound(&pw(), bound.as_str_for_storage(), &row(6)).unwrap(), Verification::Invalid);
    // Garbage is Unbound (strict) or an error (migrating), never Valid.
    assert!(matches!(strict.verify_bound(&pw(), "md5$$x", &row(5)), Err(Error::Unbound)));
    assert!(migrating.verify_bound(&pw(), "md5$$x", &row(5)).is_err());
}

#[test]
fn bound_upgrades_keep_the_binding_for_old_params_and_old_keys() {
    let key = |id: u8| guardrail_ct::base64::encode_string(&guardrail_testkit::vectors::distinct_key(id));
    let entry = |id: u8| format!(r#"{{"id":{id},"status":"enabled","algorithm":"AES256_GCM","key":"{}"}}"#, key(id));
    let old = Keyring::from_json(&format!(r#"{{"version":1,"primary":1,"keys":[{}]}}"#, entry(1))).unwrap();
    let new =
        Keyring::from_json(&format!(r#"{{"version":1,"primary":2,"keys":[{},{}]}}"#, entry(1), entry(2))).unwrap();
    let before = PasswordHasher::new(small()).with_pepper(Arc::new(old));
    let after = PasswordHasher::new(small()).with_pepper(Arc::new(new));
    let stronger = PasswordHasher::new(Params::new(128, 1, 1).unwrap()).with_pepper(keyring());
    let bound = before.bind(before.hash(&pw()).unwrap().as_str_for_storage(), &row(9)).unwrap();
    let bound = bound.as_str_for_storage();
    // Sealed under key 1, the primary is now 2: a re-seal, same row.
    let resealed = upgrade_of(after.verify_bound(&pw(), bound, &row(9))).expect("a re-seal");
    assert!(resealed.as_str_for_storage().starts_with(V2));
    assert_eq!(
        after.verify_bound(&pw(), resealed.as_str_for_storage(), &row(9)).unwrap(),
        Verification::Valid { upgrade: None }
    );
    assert_eq!(after.verify_bound(&pw(), resealed.as_str_for_storage(), &row(10)).unwrap(), Verification::Invalid);
    // Params below the policy: a new hash, same row.
    let stronger_bound =
        stronger.bind(&PasswordHasher::new(small()).hash(&pw()).unwrap().into_string_for_storage(), &row(9)).unwrap();
    let rehash =
        upgrade_of(stronger.verify_bound(&pw(), stronger_bound.as_str_for_storage(), &row(9))).expect("a rehash");
    assert_eq!(
        stronger.verify_bound(&pw(), rehash.as_str_for_storage(), &row(9)).unwrap(),
        Verification::Valid { upgrade: None }
    );
    assert_eq!(stronger.verify_bound(&pw(), rehash.as_str_for_storage(), &row(10)).unwrap(), Verification::Invalid);
}

/// The work a call did, read from the hasher's counters: the most memory
/// its jobs held at once (a fresh hasher per call, one job at a time).
fn work_of(call: impl FnOnce(&PasswordHasher) -> Result<Verification, Error>) -> (usize, Result<Verification, Error>) {
    let h = PasswordHasher::new(small()).with_pepper(Arc::clone(&SHARED_KEYS));
    assert_eq!(h.peak_in_flight_bytes(), 0);
    let out = call(&h);
    (h.peak_in_flight_bytes(), out)
}

static SHARED_KEYS: std::sync::LazyLock<Arc<Keyring>> = std::sync::LazyLock::new(keyring);

#[test]
fn unbound_wrong_row_and_unknown_account_do_the_work_of_a_verify() {
    let maker = PasswordHasher::new(small()).with_pepper(Arc::clone(&SHARED_KEYS));
    let v1 = maker.hash(&pw()).unwrap().into_string_for_storage();
    let v2 = maker.bind(&v1, &row(1)).unwrap().into_string_for_storage();
    let phc = PasswordHasher::new(small()).hash(&pw()).unwrap().into_string_for_storage();
    let verify = small().memory_bytes();
    let (work, out) = work_of(|h| h.verify_bound(&pw(), &v2, &row(1)));
    assert_eq!((work, out.unwrap()), (verify, Verification::Valid { upgrade: None }), "the reference: a real verify");
    let (work, out) = work_of(|h| h.verify_bound(&pw(), &v2, &row(2)));
    assert_eq!((work, out.unwrap()), (verify, Verification::Invalid), "another row's hash");
    let (work, out) = work_of(|h| h.verify_login_bound(&pw(), None));
    assert_eq!((work, out.unwrap()), (verify, Verification::Invalid), "no account");
    for stored in [&v1, &phc, "md5$$x", ""] {
        let (work, out) = work_of(|h| h.verify_login_bound(&pw(), Some((stored, &row(1)))));
        assert!(matches!(out, Err(Error::Unbound)));
        assert_eq!(work, verify, "an unbound value costs a verify");
    }
}

/// The bound login keeps the login floor for every outcome (a floor is a
/// lower bound the hasher guarantees, so this cannot flake).
#[test]
fn bound_logins_keep_the_login_floor() {
    let floor = std::time::Duration::from_millis(40);
    let h =
        PasswordHasher::new(small()).with_pepper(keyring()).login_floor(guardrail_password::LoginFloor::Fixed(floor));
    let v1 = h.hash(&pw()).unwrap().into_string_for_storage();
    let v2 = h.bind(&v1, &row(1)).unwrap().into_string_for_storage();
    for (what, stored) in
        [("valid", Some(&v2)), ("another row", Some(&v2)), ("unbound", Some(&v1)), ("no account", None)]
    {
        let binding = if what == "another row" { row(2) } else { row(1) };
        let start = std::time::Instant::now();
        let out = h.verify_login_bound(&pw(), stored.map(|s| (s.as_str(), &binding)));
        assert!(start.elapsed() >= floor, "{what} answered before the floor");
        assert_eq!(matches!(out, Ok(Verification::Valid { .. })), what == "valid", "{what}");
    }
}

#[test]
fn without_a_pepper_the_bound_api_says_so() {
    let h = PasswordHasher::new(small());
    let phc = h.hash(&pw()).unwrap();
    assert!(matches!(h.bind(phc.as_str_for_storage(), &row(1)), Err(Error::PepperRequired)));
    assert!(matches!(h.verify_bound(&pw(), phc.as_str_for_storage(), &row(1)), Err(Error::PepperRequired)));
    assert!(matches!(h.verify_login_bound(&pw(), None), Err(Error::PepperRequired)));
}

#[test]
fn seal_state_reads_the_text_only() {
    let h = PasswordHasher::new(small());
    for (stored, state) in [
        ("$guardrail-sealed$v2$AQAAAAc", SealState::Bound),
        ("$guardrail-sealed$v2$", SealState::Bound),
        ("$guardrail-sealed$v1$AQAAAAc", SealState::SealedUnbound),
        ("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", SealState::Unsealed),
        ("md5$uTEiRPOEYZhT$dbc47db7d74b72ec5adfdd3aaeb17e93", SealState::Unsealed),
        ("$guardrail-sealed$v3$AQ", SealState::Unsealed),
        ("$guardrail-sealed$V2$AQ", SealState::Unsealed),
        ("garbage", SealState::Unsealed),
        ("", SealState::Unsealed),
    ] {
        assert_eq!(h.seal_state(stored), state, "{stored}");
    }
}

#[test]
fn bindings_are_1_to_256_bytes_and_debug_shows_none_of_them() {
    assert!(matches!(HashBinding::new(b""), Err(Error::InvalidBinding)));
    assert!(matches!(HashBinding::new(&[b'x'; 257]), Err(Error::InvalidBinding)));
    assert!(HashBinding::new(&[b'x'; 256]).is_ok());
    let binding = HashBinding::new(b"users.id=31337").unwrap();
    assert_eq!(format!("{binding:?}"), "HashBinding(14 bytes)");
}

/// No error of the bound API names the password, the binding or the stored text.
#[test]
fn errors_hold_no_password_binding_or_stored_text() {
    let canary_pw = SecretString::from("canary-password-Zq9");
    let canary_row = HashBinding::new(b"canary-binding-Kx7").unwrap();
    let h = PasswordHasher::new(small()).with_pepper(keyring());
    let v1 = h.hash(&canary_pw).unwrap().into_string_for_storage();
    let v2 = h.bind(&v1, &canary_row).unwrap().into_string_for_storage();
    let bare = PasswordHasher::new(small());
    let errors = [
        h.verify_bound(&canary_pw, &v1, &canary_row).unwrap_err(),
        h.verify_bound(&canary_pw, "canary-stored-Wp3", &canary_row).unwrap_err(),
        h.bind(&v2, &row(1)).unwrap_err(),
        h.bind("canary-stored-Wp3", &canary_row).unwrap_err(),
        h.verify(&canary_pw, &v2).unwrap_err(),
        h.verify_bound(&canary_pw, &tamper_char(&v2, 5), &canary_row).unwrap_err(),
        bare.verify_bound(&canary_pw, &v2, &canary_row).unwrap_err(),
        HashBinding::new(&[b'k'; 300]).unwrap_err(),
    ];
    let sealed_text = v2.strip_prefix(V2).unwrap();
    for e in errors {
        for shown in [e.to_string(), format!("{e:?}")] {
            for canary in ["canary", "Zq9", "Kx7", "Wp3", "kkkk", &sealed_text[..12], &v1[V1.len()..V1.len() + 12]] {
                assert!(!shown.contains(canary), "{canary:?} in {shown:?}");
            }
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn async_bound_verifies_match_the_sync_ones() {
    let h = Arc::new(PasswordHasher::new(small()).with_pepper(keyring()));
    let bound = h.bind(h.hash(&pw()).unwrap().as_str_for_storage(), &row(3)).unwrap().into_string_for_storage();
    let valid = h.verify_bound_async(pw(), bound.clone(), row(3)).await.unwrap();
    assert_eq!(valid, Verification::Valid { upgrade: None });
    assert_eq!(h.verify_bound_async(pw(), bound.clone(), row(4)).await.unwrap(), Verification::Invalid);
    let login = h.verify_login_bound_async(pw(), Some((bound.clone(), row(3)))).await.unwrap();
    assert_eq!(login, Verification::Valid { upgrade: None });
    assert_eq!(h.verify_login_bound_async(pw(), Some((bound, row(4)))).await.unwrap(), Verification::Invalid);
    assert_eq!(h.verify_login_bound_async(pw(), None).await.unwrap(), Verification::Invalid);
    let phc = PasswordHasher::new(small()).hash(&pw()).unwrap().into_string_for_storage();
    assert!(matches!(h.verify_login_bound_async(pw(), Some((phc, row(3)))).await, Err(Error::Unbound)));
}

/// Arbitrary stored text, alone or behind each seal prefix.
fn stored_text() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![Just(""), Just(V1), Just(V2), Just("$argon2id$"), Just("md5$")];
    (prefix, any::<String>()).prop_map(|(p, rest)| format!("{p}{rest}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// bind and the bound verifies never panic, and random text never logs in.
    #[test]
    fn bind_and_bound_verify_never_panic(stored in stored_text(), context in proptest::collection::vec(any::<u8>(), 1..300)) {
        let h = PasswordHasher::new(small()).with_pepper(Arc::clone(&SHARED_KEYS));
        let migrating = PasswordHasher::new(small()).with_pepper(Arc::clone(&SHARED_KEYS)).accept_unbound_for_migration_only();
        let binding = HashBinding::new(&context).unwrap_or_else(|_| row(0));
        let _ = h.bind(&stored, &binding);
        let _ = h.seal_state(&stored);
        let logged_in = |out: Result<Verification, Error>| matches!(out, Ok(Verification::Valid { .. }));
        prop_assert!(!logged_in(h.verify_bound(&pw(), &stored, &binding)));
        prop_assert!(!logged_in(migrating.verify_bound(&pw(), &stored, &binding)));
        prop_assert!(!logged_in(h.verify_login_bound(&pw(), Some((&stored, &binding)))));
    }
}
