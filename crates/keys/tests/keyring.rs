//! The AEAD keyring: round trips, associated data, every single-bit flip,
//! rotation, disabled keys, JSON and envelope storage, no key in Debug.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use guardrail_keys::{Algorithm, Error, Keyring, Status};
use guardrail_secret::{ExposeSecret, SecretSlice};
use proptest::prelude::*;

#[test]
fn round_trip_both_algorithms_and_associated_data() {
    for alg in [Algorithm::Aes256Gcm, Algorithm::ChaCha20Poly1305] {
        let k = Keyring::generate(alg).unwrap();
        for len in [0usize, 1, 64, 1024] {
            let msg = vec![0x5a; len];
            let sealed = k.seal(&msg, b"ctx").unwrap();
            assert_eq!(sealed.len(), 17 + len + 16);
            assert_eq!(k.open(&sealed, b"ctx").unwrap().expose_secret(), msg);
            assert!(matches!(k.open(&sealed, b"ctx2"), Err(Error::Decrypt)));
            assert!(matches!(k.open(&sealed, b""), Err(Error::Decrypt)));
        }
        // Same plaintext twice: different ciphertexts (fresh nonces).
        assert_ne!(k.seal(b"x", b"a").unwrap(), k.seal(b"x", b"a").unwrap());
    }
}

/// `seal` is the one door through which a caller's associated data comes
/// in (the envelope binds its own, fixed name): empty associated data is
/// refused on it whatever keyring it is called on — generated with either
/// algorithm, rotated to a new primary, loaded from JSON or from an
/// envelope — and for any plaintext, with `EmptyAssociatedData` and no
/// sealed bytes; the keyring is unchanged and still seals with named data.
#[test]
fn empty_associated_data_is_refused_on_seal() {
    let master = SecretSlice::from((1..=32).collect::<Vec<u8>>());
    let mut rotated = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let id = rotated.add_key(Algorithm::ChaCha20Poly1305).unwrap();
    rotated.promote(id).unwrap();
    let from_json = Keyring::from_json(&rotated.export_json_insecure_plaintext_keys()).unwrap();
    let from_envelope = Keyring::from_envelope(&rotated.to_envelope(&master).unwrap(), &master).unwrap();
    let keyrings = [
        Keyring::generate(Algorithm::Aes256Gcm).unwrap(),
        Keyring::generate(Algorithm::ChaCha20Poly1305).unwrap(),
        rotated,
        from_json,
        from_envelope,
    ];
    for (i, k) in keyrings.iter().enumerate() {
        let before: Vec<_> = k.keys().collect();
        for plaintext in [&b""[..], b"x", &[0x5a; 1024]] {
            assert!(matches!(k.seal(plaintext, b""), Err(Error::EmptyAssociatedData)), "keyring {i}");
        }
        assert_eq!(k.keys().collect::<Vec<_>>(), before, "keyring {i}");
        let sealed = k.seal(b"x", b"users:42:email").unwrap();
        assert_eq!(k.open(&sealed, b"users:42:email").unwrap().expose_secret(), b"x", "keyring {i}");
    }
    // The message names what is missing, not any value.
    assert_eq!(
        Error::EmptyAssociatedData.to_string(),
        "associated data must be named: seal refuses empty associated data"
    );
}

#[test]
fn every_single_bit_flip_fails() {
    let k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let sealed = k.seal(b"attack at dawn", b"orders").unwrap();
    for i in 0..sealed.len() {
        for bit in 0..8 {
            let mut t = sealed.clone();
            t[i] ^= 1 << bit;
            assert!(matches!(k.open(&t, b"orders"), Err(Error::Decrypt)), "flip {i}:{bit}");
        }
    }
    for cut in 0..sealed.len() {
        assert!(k.open(&sealed[..cut], b"orders").is_err());
    }
}

#[test]
fn staged_rotation() {
    let mut k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let old = k.seal(b"old", b"a").unwrap();
    let id2 = k.add_key(Algorithm::ChaCha20Poly1305).unwrap();
    assert_eq!(id2, 2);
    // Added but not primary: still seals with key 1.
    assert_eq!(k.seal(b"x", b"a").unwrap()[1..5], 1u32.to_be_bytes());
    k.promote(id2).unwrap();
    let new = k.seal(b"new", b"a").unwrap();
    assert_eq!(new[1..5], 2u32.to_be_bytes());
    assert_eq!(k.open(&old, b"a").unwrap().expose_secret(), b"old");
    assert!(k.disable(2).is_err(), "primary");
    k.disable(1).unwrap();
    assert!(k.open(&old, b"a").is_err(), "disabled key opened data");
    assert_eq!(k.open(&new, b"a").unwrap().expose_secret(), b"new");
    assert!(k.promote(1).is_err(), "disabled key promoted");
    let listed: Vec<_> = k.keys().map(|i| (i.id, i.status, i.primary)).collect();
    assert_eq!(listed, [(1, Status::Disabled, false), (2, Status::Enabled, true)]);
}

#[test]
fn json_and_envelope_storage() {
    let mut k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    k.add_key(Algorithm::ChaCha20Poly1305).unwrap();
    let sealed = k.seal(b"data", b"aad").unwrap();

    let json = k.export_json_insecure_plaintext_keys();
    let loaded = Keyring::from_json(&json).unwrap();
    assert_eq!(loaded.open(&sealed, b"aad").unwrap().expose_secret(), b"data");

    let master = SecretSlice::from((1..=32).collect::<Vec<u8>>());
    let envelope = k.to_envelope(&master).unwrap();
    assert!(!envelope.contains(&json[json.find("\"key\"").unwrap() + 8..][..20]), "key material in the envelope");
    let opened = Keyring::from_envelope(&envelope, &master).unwrap();
    assert_eq!(opened.open(&sealed, b"aad").unwrap().expose_secret(), b"data");
    assert!(matches!(
        Keyring::from_envelope(&envelope, &SecretSlice::from((2..=33).collect::<Vec<u8>>())),
        Err(Error::Decrypt)
    ));
    assert!(Keyring::from_envelope(&envelope, &SecretSlice::from(vec![9u8; 16])).is_err());

    for bad in ["", "{}", "{\"version\":1,\"primary\":1,\"keys\":[]}", "{\"version\":2,\"primary\":1,\"keys\":[]}"] {
        assert!(matches!(Keyring::from_json(bad), Err(Error::MalformedKeyring)), "{bad}");
    }
    let dup = r#"{"version":1,"primary":1,"keys":[{"id":1,"status":"enabled","algorithm":"AES256_GCM","key":"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="},{"id":1,"status":"enabled","algorithm":"AES256_GCM","key":"ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A="}]}"#;
    assert!(Keyring::from_json(dup).is_err());
    let disabled_primary =
        dup.replacen("\"status\":\"enabled\"", "\"status\":\"disabled\"", 1).replacen(",{\"id\":1", ",{\"id\":2", 1);
    assert!(Keyring::from_json(&disabled_primary).is_err());
}

#[test]
fn debug_shows_no_key_material() {
    let k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let json = k.export_json_insecure_plaintext_keys();
    let key_b64 = json.split("\"key\": \"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let rendered = format!("{k:?}");
    assert!(!rendered.contains(&key_b64) && rendered.contains("primary: true"), "{rendered}");
}

proptest! {
    #[test]
    fn seal_open_round_trips(msg in prop::collection::vec(any::<u8>(), 0..256), aad in prop::collection::vec(any::<u8>(), 1..32)) {
        let k = Keyring::generate(Algorithm::ChaCha20Poly1305).unwrap();
        let sealed = k.seal(&msg, &aad).unwrap();
        let opened = k.open(&sealed, &aad).unwrap();
        prop_assert_eq!(opened.expose_secret(), &msg);
    }

    #[test]
    fn opening_junk_never_panics(junk in prop::collection::vec(any::<u8>(), 0..128)) {
        guardrail_keys::fuzzing::check_keyring_open(&junk);
        guardrail_keys::fuzzing::check_keyring_json(&junk);
    }
}

const ZERO_B64: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn one_key_json(key_b64: &str) -> String {
    format!(
        r#"{{"version":1,"primary":1,"keys":[{{"id":1,"status":"enabled","algorithm":"AES256_GCM","key":"{key_b64}"}}]}}"#
    )
}

/// Issue 10, item 11: key material of all zero bytes is an unset or
/// placeholder key; it is refused wherever key material comes in.
#[test]
fn all_zero_keys_are_refused_on_load_and_import() {
    assert!(matches!(Keyring::from_json(&one_key_json(ZERO_B64)), Err(Error::PlaceholderKey)));
    // One differing bit is a key (the check is all bytes equal, nothing more).
    let mut one_bit = [0u8; 32];
    one_bit[31] = 1;
    let one_bit_b64 = guardrail_ct::base64::encode_string(&one_bit);
    assert!(Keyring::from_json(&one_key_json(&one_bit_b64)).is_ok());
    // A zero key that is neither primary nor enabled is refused too.
    let second = one_key_json(&one_bit_b64).replace(
        "}]}",
        &format!(r#"}},{{"id":2,"status":"disabled","algorithm":"CHACHA20_POLY1305","key":"{ZERO_B64}"}}]}}"#),
    );
    assert!(matches!(Keyring::from_json(&second), Err(Error::PlaceholderKey)));

    // The envelope's master key, both ways.
    let k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let zero_master = SecretSlice::from(vec![0u8; 32]);
    assert!(matches!(k.to_envelope(&zero_master), Err(Error::PlaceholderKey)));
    let good_master = SecretSlice::from((1..=32).collect::<Vec<u8>>());
    let envelope = k.to_envelope(&good_master).unwrap();
    assert!(matches!(Keyring::from_envelope(&envelope, &zero_master), Err(Error::PlaceholderKey)));
    // Wrong lengths were already refused, and still are.
    for len in [0, 16, 31, 33, 64] {
        let master = SecretSlice::from(vec![7u8; len]);
        assert!(matches!(Keyring::from_envelope(&envelope, &master), Err(Error::MasterKeyLength { len: 32 })), "{len}");
    }
}

#[test]
fn keyring_json_and_envelopes_at_their_caps_and_past_them() {
    use guardrail_keys::aead::{MAX_ENVELOPE_BYTES, MAX_JSON_BYTES};
    let json = one_key_json("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
    // JSON allows trailing whitespace: padded to the cap it still loads.
    let at_cap = format!("{json}{}", " ".repeat(MAX_JSON_BYTES - json.len()));
    assert!(Keyring::from_json(&at_cap).is_ok());
    let past = format!("{at_cap} ");
    let err = Keyring::from_json(&past).unwrap_err();
    assert!(matches!(err, Error::KeyringTooLarge { max } if max == MAX_JSON_BYTES));
    assert_eq!(err.to_string(), "keyring JSON is longer than the limit of 1048576 bytes");

    let master = SecretSlice::from((1..=32).collect::<Vec<u8>>());
    let envelope = Keyring::from_json(&json).unwrap().to_envelope(&master).unwrap();
    let at_cap = format!("{envelope}{}", " ".repeat(MAX_ENVELOPE_BYTES - envelope.len()));
    assert!(Keyring::from_envelope(&at_cap, &master).is_ok());
    let past = format!("{at_cap} ");
    assert!(
        matches!(Keyring::from_envelope(&past, &master), Err(Error::KeyringTooLarge { max }) if max == MAX_ENVELOPE_BYTES)
    );
}

#[test]
fn keyring_json_with_escapes_is_refused() {
    // Its own writer never escapes; an escape would be unescaped into a
    // buffer the parser frees unwiped (tests/zeroize_heap.rs).
    let json = one_key_json("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
    assert!(Keyring::from_json(&json).is_ok());
    let escaped = json.replace("\"key\":\"AQ", "\"key\":\"\\u0041Q");
    assert!(matches!(Keyring::from_json(&escaped), Err(Error::MalformedKeyring)));
    let escaped_status = json.replace("enabled", "\\u0065nabled");
    assert!(matches!(Keyring::from_json(&escaped_status), Err(Error::MalformedKeyring)));
}

#[test]
fn export_round_trips_every_key_byte_for_byte() {
    let mut k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    for _ in 0..20 {
        k.add_key(Algorithm::ChaCha20Poly1305).unwrap();
    }
    let json = k.export_json_insecure_plaintext_keys();
    let again = Keyring::from_json(&json).unwrap().export_json_insecure_plaintext_keys();
    assert_eq!(*json, *again);
    assert!(json.len() < 256 + 256 * 21, "the export outgrew its first buffer");
}

/// Issue 10, item 4: a keyring must never grow past what loads back. Keys
/// are added up to the cap: the first key that would not fit is refused
/// with `KeyringTooLarge` naming the cap, before the keyring changes, and
/// every state on the way (after any disable or promote too) exports to
/// JSON that loads, plain and sealed in an envelope.
#[test]
fn a_keyring_never_grows_past_what_loads_back() {
    use guardrail_keys::aead::{MAX_ENVELOPE_BYTES, MAX_JSON_BYTES};
    let master = SecretSlice::from((1..=32).collect::<Vec<u8>>());
    let loads_back = |k: &Keyring| {
        let json = k.export_json_insecure_plaintext_keys();
        assert!(json.len() <= MAX_JSON_BYTES, "{} bytes", json.len());
        let again = Keyring::from_json(&json).unwrap();
        assert_eq!(again.keys().collect::<Vec<_>>(), k.keys().collect::<Vec<_>>());
        let envelope = k.to_envelope(&master).unwrap();
        assert!(envelope.len() <= MAX_ENVELOPE_BYTES, "{} bytes", envelope.len());
        assert_eq!(Keyring::from_envelope(&envelope, &master).unwrap().keys().count(), k.keys().count());
    };
    let mut k = Keyring::generate(Algorithm::ChaCha20Poly1305).unwrap();
    let refused = loop {
        match k.add_key(Algorithm::ChaCha20Poly1305) {
            Ok(id) if id % 1000 == 0 => loads_back(&k),
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    assert!(matches!(refused, Error::KeyringTooLarge { max } if max == MAX_JSON_BYTES), "{refused:?}");
    assert_eq!(refused.to_string(), "keyring JSON is longer than the limit of 1048576 bytes");
    let count = k.keys().count();
    assert!((5_000..7_000).contains(&count), "{count} keys fit");
    // The refusal left the keyring as it was, and it is still full.
    assert!(matches!(k.add_key(Algorithm::Aes256Gcm), Err(Error::KeyringTooLarge { .. })));
    assert_eq!(k.keys().count(), count);
    loads_back(&k);
    // Near the cap: within one key of it.
    let json_len = k.export_json_insecure_plaintext_keys().len();
    assert!(MAX_JSON_BYTES - json_len < 200 + count, "{json_len} bytes: refused too early");
    // Every later change still fits: promote the newest (widest id), then
    // disable every other key (each one byte longer).
    let newest = k.keys().map(|i| i.id).max().unwrap();
    k.promote(newest).unwrap();
    let others: Vec<u32> = k.keys().filter(|i| i.id != newest).map(|i| i.id).collect();
    for id in others {
        k.disable(id).unwrap();
    }
    loads_back(&k);
}

/// A keyring loaded from compact JSON can hold more keys than fit
/// pretty-printed: every change to it is refused rather than written
/// past the cap.
#[test]
fn a_compact_keyring_too_large_to_export_refuses_changes() {
    use guardrail_keys::aead::MAX_JSON_BYTES;
    // Distinct material per id: duplicates are refused.
    let key = |id: u32, status: &str| {
        let mut material = [7u8; 32];
        material[..4].copy_from_slice(&id.to_le_bytes());
        let b64 = guardrail_ct::base64::encode_string(&material);
        format!(r#"{{"id":{id},"status":"{status}","algorithm":"AES256_GCM","key":"{b64}"}}"#)
    };
    // About 100 bytes a key compact, about 170 pretty.
    let keys: Vec<String> = (1..=8_000).map(|id| key(id, "enabled")).collect();
    let json = format!(r#"{{"version":1,"primary":1,"keys":[{}]}}"#, keys.join(","));
    assert!(json.len() <= MAX_JSON_BYTES);
    let mut k = Keyring::from_json(&json).unwrap();
    let too_large = |r: Result<_, Error>| matches!(r, Err(Error::KeyringTooLarge { max }) if max == MAX_JSON_BYTES);
    assert!(too_large(k.add_key(Algorithm::Aes256Gcm).map(drop)));
    assert!(too_large(k.disable(2)));
    assert!(too_large(k.promote(8_000)));
    assert_eq!(k.keys().count(), 8_000);
    assert_eq!(k.primary_id(), 1);
    assert!(k.keys().all(|i| i.status == Status::Enabled));
}

/// Issue 10, item 11 (hostile review): the placeholder check was all-zero
/// only; a key of one repeated byte of any value (0xFF, `A`, 0x01) is a
/// placeholder too, refused in keyring JSON and as the envelope's master
/// key, both ways; the message says why and holds no key material.
#[test]
fn keys_of_one_repeated_byte_are_refused_on_load_and_import() {
    for byte in [0x00u8, 0x01, 0x41, 0x7f, 0x80, 0xff] {
        let b64 = guardrail_ct::base64::encode_string(&[byte; 32]);
        let err = Keyring::from_json(&one_key_json(&b64)).unwrap_err();
        assert!(matches!(err, Error::PlaceholderKey), "{byte:#x}");
        assert_eq!(err.to_string(), "placeholder key: all bytes equal (all zero bytes, or one byte value repeated)");
        assert!(!err.to_string().contains(&b64[..8]));
        // As a disabled, non-primary second key too.
        let second = one_key_json("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=").replace(
            "}]}",
            &format!(r#"}},{{"id":2,"status":"disabled","algorithm":"CHACHA20_POLY1305","key":"{b64}"}}]}}"#),
        );
        assert!(matches!(Keyring::from_json(&second), Err(Error::PlaceholderKey)), "{byte:#x}");

        let k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
        let master = SecretSlice::from(vec![byte; 32]);
        assert!(matches!(k.to_envelope(&master), Err(Error::PlaceholderKey)), "{byte:#x}");
        let good = SecretSlice::from((1..=32).collect::<Vec<u8>>());
        let envelope = k.to_envelope(&good).unwrap();
        assert!(matches!(Keyring::from_envelope(&envelope, &master), Err(Error::PlaceholderKey)), "{byte:#x}");
    }
    // Two distinct byte values make a key (the check is no entropy estimate).
    let mut two = [0xffu8; 32];
    two[0] = 0xfe;
    assert!(Keyring::from_json(&one_key_json(&guardrail_ct::base64::encode_string(&two))).is_ok());
}

/// Issue 10, item 11 (hostile review): two ids holding the same key bytes
/// (a copied entry) are refused, whatever their algorithms and statuses;
/// the message names no id and no key.
#[test]
fn duplicate_key_material_in_one_keyring_is_refused() {
    let a = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    let b = "ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A=";
    let two = |second: &str, alg: &str, status: &str| {
        one_key_json(a)
            .replace("}]}", &format!(r#"}},{{"id":2,"status":"{status}","algorithm":"{alg}","key":"{second}"}}]}}"#))
    };
    assert!(Keyring::from_json(&two(b, "AES256_GCM", "enabled")).is_ok());
    for (alg, status) in [("AES256_GCM", "enabled"), ("CHACHA20_POLY1305", "enabled"), ("AES256_GCM", "disabled")] {
        let err = Keyring::from_json(&two(a, alg, status)).unwrap_err();
        assert!(matches!(err, Error::DuplicateKey), "{alg} {status}");
        assert_eq!(err.to_string(), "two keys in one keyring hold the same key material");
    }
    // Sealed in an envelope, the keyring inside is checked the same way.
    let master = SecretSlice::from((1..=32).collect::<Vec<u8>>());
    let k = Keyring::from_json(&two(b, "AES256_GCM", "enabled")).unwrap();
    assert!(Keyring::from_envelope(&k.to_envelope(&master).unwrap(), &master).is_ok());
}
