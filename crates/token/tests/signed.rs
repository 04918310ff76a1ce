//! Signed tokens, CSRF tokens, raw HMAC and HKDF: RFC 4231 and RFC 5869
//! vectors through our API, purposes, expiry, rotation, bit flips.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use guardrail_secret::{SecretSlice, SecretString};
use guardrail_token::{
    Error,
    csrf::Csrf,
    hkdf,
    signed::{Clock, MacKeyring, Purpose, TokenSigner},
};

struct Session;
impl Purpose for Session {
    const NAME: &'static str = "session";
}
struct PasswordReset;
impl Purpose for PasswordReset {
    const NAME: &'static str = "password_reset";
}

struct FixedClock(Mutex<SystemTime>);
impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// 32 bytes `byte ^ i` for i in 0..32: distinct for each `byte`, and never
/// one repeated byte (refused as a placeholder).
fn key(byte: u8) -> SecretSlice<u8> {
    SecretSlice::from(key_bytes(byte).to_vec())
}

fn key_bytes(byte: u8) -> [u8; 32] {
    std::array::from_fn(|i| byte ^ u8::try_from(i).unwrap())
}

/// The keys of the RFC 4231 (HMAC, 131 × 0xaa) and RFC 5869 (HKDF, 22 ×
/// 0x0b) vectors are one repeated byte: placeholders, refused. The vectors
/// themselves run in the unit tests of `src/signed.rs` and `src/hkdf.rs`,
/// past that check.
#[test]
fn rfc_vector_keys_are_placeholders_and_refused() {
    assert!(matches!(MacKeyring::from_key(1, &SecretSlice::from(vec![0xaa; 131])), Err(Error::ZeroKey)));
    let ikm = SecretSlice::from(vec![0x0b; 22]);
    let salt: Vec<u8> = (0x00..=0x0c).collect();
    let info: Vec<u8> = (0xf0..=0xf9).collect();
    assert!(matches!(hkdf::derive(&ikm, &salt, &info, 42), Err(Error::ZeroKey)));
    // The context check still comes first.
    assert!(matches!(hkdf::derive(&key(1), &salt, b"", 32), Err(Error::MissingContext)));
}

#[test]
fn purposes_do_not_mix() {
    let keyring = MacKeyring::from_key(1, &key(1)).unwrap();
    let reset = TokenSigner::<PasswordReset>::new(keyring.clone());
    let session = TokenSigner::<Session>::new(keyring);
    let token = reset.sign("user-7", Duration::from_secs(600)).unwrap();
    assert_eq!(reset.verify(&token).unwrap().subject(), "user-7");
    assert!(session.verify(&token).is_err());
}

#[test]
fn expired_tokens_fail() {
    let clock = Arc::new(FixedClock(Mutex::new(UNIX_EPOCH + Duration::from_secs(1_800_000_000))));
    let signer = TokenSigner::<Session>::with_clock(MacKeyring::from_key(1, &key(2)).unwrap(), clock.clone());
    let token = signer.sign("u", Duration::from_secs(60)).unwrap();
    assert!(signer.verify(&token).is_ok());
    *clock.0.lock().unwrap() += Duration::from_secs(59);
    assert!(signer.verify(&token).is_ok());
    *clock.0.lock().unwrap() += Duration::from_secs(1);
    assert!(signer.verify(&token).is_err(), "valid at its expiry instant");
    // Editing the expiry breaks the tag.
    let parts: Vec<&str> = token.split('.').collect();
    let extended =
        format!("{}.{}.{}.{}.{}", parts[0], parts[1], parts[2].parse::<u64>().unwrap() + 3600, parts[3], parts[4]);
    assert!(signer.verify(&extended).is_err());
}

#[test]
fn rotation_add_promote_disable() {
    let k1 = MacKeyring::from_key(1, &key(1)).unwrap();
    let old = TokenSigner::<Session>::new(k1.clone()).sign("u", Duration::from_secs(600)).unwrap();
    let k2 = k1.add(2, &key(2)).unwrap().promote(2).unwrap();
    let signer = TokenSigner::<Session>::new(k2.clone());
    let new = signer.sign("u", Duration::from_secs(600)).unwrap();
    assert!(new.starts_with("v1.2."));
    assert!(signer.verify(&old).is_ok(), "old key still enabled");
    let k3 = k2.disable(1).unwrap();
    let signer = TokenSigner::<Session>::new(k3.clone());
    assert!(signer.verify(&old).is_err(), "disabled key still verifies");
    assert!(signer.verify(&new).is_ok());
    assert!(k3.disable(2).is_err(), "the primary cannot be disabled");
    assert!(k3.add(2, &key(9)).is_err(), "duplicate id");
    assert!(MacKeyring::from_key(1, &SecretSlice::from(vec![1u8; 16])).is_err(), "short key");
}

#[test]
fn every_single_bit_flip_fails() {
    let signer = TokenSigner::<Session>::new(MacKeyring::from_key(1, &key(3)).unwrap());
    let token = signer.sign("user-123", Duration::from_secs(600)).unwrap();
    let bytes = token.as_bytes();
    let mut checked = 0;
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut t = bytes.to_vec();
            t[i] ^= 1 << bit;
            if let Ok(text) = String::from_utf8(t) {
                // Base64 has a few non-canonical spellings of the same bytes
                // only at the last character; ours refuses those too.
                assert!(signer.verify(&text).is_err(), "flip {i}:{bit} accepted: {text}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
}

#[test]
fn csrf_tokens_are_bound_to_the_session() {
    let csrf = Csrf::new(MacKeyring::from_key(1, &key(4)).unwrap());
    let session = SecretString::from("session-abc");
    let token = csrf.token_for(&session);
    assert!(csrf.verify(&session, &token).is_ok());
    assert!(csrf.verify(&SecretString::from("session-abd"), &token).is_err());
    assert!(csrf.verify(&session, "").is_err());
    assert!(csrf.verify(&session, &"A".repeat(500)).is_err());
    let other_key = Csrf::new(MacKeyring::from_key(1, &key(5)).unwrap());
    assert!(other_key.verify(&session, &token).is_err());
}

#[test]
fn keyring_debug_shows_ids_only() {
    let keyring = MacKeyring::from_key(7, &key(0x41)).unwrap();
    let rendered = format!("{keyring:?}");
    assert!(rendered.contains('7') && !rendered.contains("AAAA") && !rendered.contains("65, 65"), "{rendered}");
}

/// The documented layout, recomputed with ring directly: the tag is
/// HMAC-SHA256 over `"guardrail signed token v1" 0 purpose 0 kid 0 expiry 0 subject`,
/// for a short purpose name and a very long one.
#[test]
fn tag_layout_known_answer() {
    struct Long;
    impl Purpose for Long {
        const NAME: &'static str = concat!(
            "a-purpose-name-much-longer-than-any-real-one-to-reach-the-streamed-path-",
            "a-purpose-name-much-longer-than-any-real-one-to-reach-the-streamed-path-",
            "a-purpose-name-much-longer-than-any-real-one-to-reach-the-streamed-path-",
            "a-purpose-name-much-longer-than-any-real-one-to-reach-the-streamed-path-",
            "a-purpose-name-much-longer-than-any-real-one-to-reach-the-streamed-path-",
            "a-purpose-name-much-longer-than-any-real-one-to-reach-the-streamed-path-",
            "a-purpose-name-much-longer-than-any-real-one-to-reach-the-streamed-path-",
            "a-purpose-name-much-longer-than-any-real-one-to-reach-the-streamed-path-",
        );
    }
    fn check<P: Purpose>() {
        let clock = Arc::new(FixedClock(Mutex::new(UNIX_EPOCH + Duration::from_secs(1_800_000_000))));
        let signer = TokenSigner::<P>::with_clock(MacKeyring::from_key(3, &key(9)).unwrap(), clock);
        let token = signer.sign("user-42", Duration::from_secs(100)).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(&parts[..3], ["v1", "3", "1800000100"]);
        let message =
            [b"guardrail signed token v1\0".as_slice(), P::NAME.as_bytes(), b"\x003\x001800000100\0user-42"].concat();
        let expected = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes(9)), &message);
        let tag = guardrail_ct::base64url::decode_vec(parts[4]).unwrap();
        assert_eq!(tag, expected.as_ref());
        assert_eq!(signer.verify(&token).unwrap().subject(), "user-42");
    }
    check::<Session>();
    assert!(Long::NAME.len() > 512);
    check::<Long>();
}

/// Issue 10, item 11: all-zero key material is refused for MAC keys and
/// HKDF input, whatever its length; one non-zero byte is a key.
#[test]
fn all_zero_mac_keys_and_hkdf_inputs_are_refused() {
    for len in [32, 64, 131] {
        let zero = SecretSlice::from(vec![0u8; len]);
        assert!(matches!(MacKeyring::from_key(1, &zero), Err(Error::ZeroKey)), "{len}");
        assert!(matches!(MacKeyring::from_key(1, &key(1)).unwrap().add(2, &zero), Err(Error::ZeroKey)), "{len}");
        assert!(matches!(hkdf::derive(&zero, b"salt", b"ctx", 32), Err(Error::ZeroKey)), "{len}");
        let mut one_bit = vec![0u8; len];
        one_bit[len - 1] = 0x80;
        let one_bit = SecretSlice::from(one_bit);
        assert!(MacKeyring::from_key(1, &one_bit).is_ok());
        assert!(hkdf::derive(&one_bit, b"salt", b"ctx", 32).is_ok());
    }
    // Short keys were refused before, and still are (length first).
    assert!(matches!(MacKeyring::from_key(1, &SecretSlice::from(vec![0u8; 16])), Err(Error::TooShort { min: 32 })));
    let empty = SecretSlice::from(Vec::new());
    assert!(matches!(hkdf::derive(&empty, b"salt", b"ctx", 32), Err(Error::ZeroKey)));
}

/// Issue 10, item 11 (hostile review): MAC keys and HKDF input of one
/// repeated byte (any value) are placeholders, refused like all-zero ones.
#[test]
fn mac_keys_and_hkdf_inputs_of_one_repeated_byte_are_refused() {
    for byte in [0x01u8, 0x41, 0xaa, 0xff] {
        for len in [32, 64, 131] {
            let same = SecretSlice::from(vec![byte; len]);
            assert!(matches!(MacKeyring::from_key(1, &same), Err(Error::ZeroKey)), "{byte:#x} {len}");
            assert!(matches!(MacKeyring::from_key(1, &key(1)).unwrap().add(2, &same), Err(Error::ZeroKey)));
            assert!(matches!(hkdf::derive(&same, b"salt", b"ctx", 32), Err(Error::ZeroKey)), "{byte:#x} {len}");
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
    let k = MacKeyring::from_key(1, &key(1)).unwrap();
    let err = k.add(2, &key(1)).unwrap_err();
    assert!(matches!(err, Error::DuplicateKey));
    assert_eq!(err.to_string(), "two keys in one keyring hold the same key material");
    let mut padded = key_bytes(1).to_vec();
    padded.extend_from_slice(&[0, 0, 0]);
    assert!(matches!(k.add(2, &SecretSlice::from(padded)), Err(Error::DuplicateKey)));
    // After rotation too: the old key is still in the keyring.
    let k = k.add(2, &key(2)).unwrap().promote(2).unwrap();
    assert!(matches!(k.add(3, &key(1)), Err(Error::DuplicateKey)));
    assert!(k.add(3, &key(3)).is_ok());
}
