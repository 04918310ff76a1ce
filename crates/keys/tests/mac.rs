//! The MAC keyring and HKDF: placeholder and duplicate keys refused,
//! rotation in the vocabulary the AEAD keyring shares (and its errors), no
//! key in Debug. (Moved from guardrail-token's `tests/signed.rs` with the
//! MAC keyring; the RFC 4231 and RFC 5869 vectors run in the unit tests of
//! `src/mac.rs` and `src/hkdf.rs`.)
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use guardrail_keys::{Algorithm, Error, KeyId, Keyring, MacKeyring, Status, aead::KeyInfo, hkdf, mac::MacKeyInfo};
use guardrail_secret::SecretSlice;
use guardrail_testkit::vectors::distinct_key as key_bytes;

/// `distinct_key(byte)` as a secret.
fn key(byte: u8) -> SecretSlice<u8> {
    SecretSlice::from(key_bytes(byte).to_vec())
}

/// The keys of the RFC 4231 (HMAC, 131 × 0xaa) and RFC 5869 (HKDF, 22 ×
/// 0x0b) vectors are one repeated byte: placeholders, refused. The vectors
/// themselves run in the unit tests of `src/mac.rs` and `src/hkdf.rs`,
/// past that check.
#[test]
fn rfc_vector_keys_are_placeholders_and_refused() {
    assert!(matches!(MacKeyring::from_key(1, &SecretSlice::from(vec![0xaa; 131])), Err(Error::PlaceholderKey)));
    let ikm = SecretSlice::from(vec![0x0b; 22]);
    let salt: Vec<u8> = (0x00..=0x0c).collect();
    let info: Vec<u8> = (0xf0..=0xf9).collect();
    assert!(matches!(hkdf::derive(&ikm, &salt, &info, 42), Err(Error::PlaceholderKey)));
    // The context check still comes first.
    assert!(matches!(hkdf::derive(&key(1), &salt, b"", 32), Err(Error::MissingContext)));
}

#[test]
fn keyring_debug_shows_ids_only() {
    let keyring = MacKeyring::from_key(7, &key(0x41)).unwrap();
    let rendered = format!("{keyring:?}");
    assert!(rendered.contains('7') && !rendered.contains("AAAA") && !rendered.contains("65, 65"), "{rendered}");
}

/// Issue 10, item 11: all-zero key material is refused for MAC keys and
/// HKDF input, whatever its length; one non-zero byte is a key.
#[test]
fn all_zero_mac_keys_and_hkdf_inputs_are_refused() {
    for len in [32, 64, 131] {
        let zero = SecretSlice::from(vec![0u8; len]);
        assert!(matches!(MacKeyring::from_key(1, &zero), Err(Error::PlaceholderKey)), "{len}");
        assert!(
            matches!(MacKeyring::from_key(1, &key(1)).unwrap().import_key(2, &zero), Err(Error::PlaceholderKey)),
            "{len}"
        );
        assert!(matches!(hkdf::derive(&zero, b"salt", b"ctx", 32), Err(Error::PlaceholderKey)), "{len}");
        let mut one_bit = vec![0u8; len];
        one_bit[len - 1] = 0x80;
        let one_bit = SecretSlice::from(one_bit);
        assert!(MacKeyring::from_key(1, &one_bit).is_ok());
        assert!(hkdf::derive(&one_bit, b"salt", b"ctx", 32).is_ok());
    }
    // Short keys were refused before, and still are (length first).
    assert!(matches!(MacKeyring::from_key(1, &SecretSlice::from(vec![0u8; 16])), Err(Error::KeyTooShort { min: 32 })));
    let empty = SecretSlice::from(Vec::new());
    assert!(matches!(hkdf::derive(&empty, b"salt", b"ctx", 32), Err(Error::PlaceholderKey)));
}

/// Issue 10, item 11 (hostile review): MAC keys and HKDF input of one
/// repeated byte (any value) are placeholders, refused like all-zero ones.
#[test]
fn mac_keys_and_hkdf_inputs_of_one_repeated_byte_are_refused() {
    for byte in [0x01u8, 0x41, 0xaa, 0xff] {
        for len in [32, 64, 131] {
            let same = SecretSlice::from(vec![byte; len]);
            assert!(matches!(MacKeyring::from_key(1, &same), Err(Error::PlaceholderKey)), "{byte:#x} {len}");
            assert!(matches!(
                MacKeyring::from_key(1, &key(1)).unwrap().import_key(2, &same),
                Err(Error::PlaceholderKey)
            ));
            assert!(matches!(hkdf::derive(&same, b"salt", b"ctx", 32), Err(Error::PlaceholderKey)), "{byte:#x} {len}");
        }
    }
    let mut two = vec![0xffu8; 32];
    two[5] = 0xfe;
    assert!(MacKeyring::from_key(1, &SecretSlice::from(two.clone())).is_ok());
    assert!(hkdf::derive(&SecretSlice::from(two), b"salt", b"ctx", 32).is_ok());
}

/// Issue 10, item 11 (hostile review): a MAC keyring refuses a second id
/// with the same key material, and key bytes that differ only by trailing
/// zeros (HMAC pads a key with zeros to its block, so they sign alike).
#[test]
fn duplicate_mac_keys_are_refused() {
    let mut k = MacKeyring::from_key(1, &key(1)).unwrap();
    let err = k.import_key(2, &key(1)).unwrap_err();
    assert!(matches!(err, Error::DuplicateKey));
    assert_eq!(err.to_string(), "two keys in one keyring hold the same key material");
    let mut padded = key_bytes(1).to_vec();
    padded.extend_from_slice(&[0, 0, 0]);
    assert!(matches!(k.import_key(2, &SecretSlice::from(padded)), Err(Error::DuplicateKey)));
    // After rotation too: the old key is still in the keyring.
    k.import_key(2, &key(2)).unwrap();
    k.promote(2).unwrap();
    assert!(matches!(k.import_key(3, &key(1)), Err(Error::DuplicateKey)));
    assert!(k.import_key(3, &key(3)).is_ok());
}

/// What a keyring lists: its keys and its primary.
fn aead_state(k: &Keyring) -> (Vec<KeyInfo>, KeyId) {
    (k.keys().collect(), k.primary_id())
}

/// What a MAC keyring lists: its keys and its primary.
fn mac_state(k: &MacKeyring) -> (Vec<MacKeyInfo>, KeyId) {
    (k.keys().collect(), k.primary_id())
}

/// The error of a call that must be refused, after asserting that the
/// keyring lists the same keys and primary as before it.
fn refused<K, S: PartialEq + std::fmt::Debug>(
    keyring: &mut K,
    state: fn(&K) -> S,
    call: impl FnOnce(&mut K) -> Result<(), Error>,
) -> Error {
    let before = state(keyring);
    let err = call(keyring).unwrap_err();
    assert_eq!(state(keyring), before, "a refused call changed the keyring");
    err
}

/// One rotation vocabulary: the AEAD keyring and the MAC keyring answer
/// the same steps (add → promote → disable) and the mistakes they share
/// with the same ids and the same error variants, each refused call leaving
/// the keyring's `keys()` and `primary_id()` as they were, and list their
/// keys alike. (Only the MAC keyring imports key material, so only it
/// answers `KeyIdTaken`: see the crate README, "What the two keyrings
/// share".)
#[test]
fn both_keyrings_rotate_alike() {
    let mut aead = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let mut mac = MacKeyring::generate().unwrap();
    assert_eq!((aead.primary_id(), mac.primary_id()), (1, 1));
    assert_eq!(aead.add_key(Algorithm::ChaCha20Poly1305).unwrap(), 2);
    assert_eq!(mac.add_key().unwrap(), 2);
    // Mistakes, each checked to leave the keyring as it was.
    type AeadCall = fn(&mut Keyring) -> Result<(), Error>;
    type MacCall = fn(&mut MacKeyring) -> Result<(), Error>;
    let shared: [(AeadCall, MacCall, &str); 3] = [
        (|k| k.promote(9), |k| k.promote(9), "UnknownKeyId"),
        (|k| k.disable(9), |k| k.disable(9), "UnknownKeyId"),
        (|k| k.disable(1), |k| k.disable(1), "PrimaryKey"),
    ];
    for (aead_call, mac_call, variant) in shared {
        assert_eq!(format!("{:?}", refused(&mut aead, aead_state, aead_call)), variant);
        assert_eq!(format!("{:?}", refused(&mut mac, mac_state, mac_call)), variant);
    }
    let taken = refused(&mut mac, mac_state, |k| k.import_key(2, &key(7)));
    assert!(matches!(taken, Error::KeyIdTaken));
    // The steps.
    aead.promote(2).unwrap();
    mac.promote(2).unwrap();
    aead.disable(1).unwrap();
    mac.disable(1).unwrap();
    assert!(matches!(refused(&mut aead, aead_state, |k| k.promote(1)), Error::KeyDisabled));
    assert!(matches!(refused(&mut mac, mac_state, |k| k.promote(1)), Error::KeyDisabled));
    // Disabling a disabled key changes nothing and is no error.
    aead.disable(1).unwrap();
    mac.disable(1).unwrap();
    let listed = [(1, Status::Disabled, false), (2, Status::Enabled, true)];
    assert_eq!(aead.keys().map(|k| (k.id, k.status, k.primary)).collect::<Vec<_>>(), listed);
    assert_eq!(mac.keys().map(|k| (k.id, k.status, k.primary)).collect::<Vec<_>>(), listed);
    // Errors name the mistake, never a key.
    assert_eq!(Error::UnknownKeyId.to_string(), "unknown key id");
    assert_eq!(Error::PrimaryKey.to_string(), "the primary key cannot be disabled");
}

/// A tag is checked under the key its message names, and only while that
/// key is enabled.
#[test]
fn verify_raw_with_uses_the_named_key_only() {
    let mut mac = MacKeyring::from_key(1, &key(1)).unwrap();
    mac.import_key(2, &key(2)).unwrap();
    let tag = mac.sign_raw(b"m");
    assert!(mac.verify_raw_with(1, b"m", &tag).is_ok());
    assert!(matches!(mac.verify_raw_with(2, b"m", &tag), Err(Error::InvalidTag)));
    assert!(matches!(mac.verify_raw_with(3, b"m", &tag), Err(Error::InvalidTag)));
    mac.promote(2).unwrap();
    mac.disable(1).unwrap();
    assert!(matches!(mac.verify_raw_with(1, b"m", &tag), Err(Error::InvalidTag)));
}
