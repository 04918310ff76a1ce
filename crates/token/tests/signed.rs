//! Signed tokens, CSRF tokens, raw HMAC and HKDF: RFC 4231 and RFC 5869
//! vectors through our API, purposes, expiry, rotation, bit flips.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use guardrail_secret::{ExposeSecret, SecretSlice, SecretString};
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

fn key(byte: u8) -> SecretSlice<u8> {
    SecretSlice::from(vec![byte; 32])
}

/// RFC 4231 test cases 6 and 7 (HMAC-SHA-256; the shorter keys of cases
/// 1-5 are below our 32-byte minimum).
#[test]
fn rfc4231_vectors_and_tampered_twins() {
    let keyring = MacKeyring::from_key(1, &SecretSlice::from(vec![0xaa; 131])).unwrap();
    let cases: [(&[u8], &str); 2] = [
        (b"Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (
            b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ),
    ];
    for (message, expected) in cases {
        let tag = keyring.sign_raw(message);
        assert_eq!(guardrail_ct::hex::encode_string(&tag), expected);
        assert!(keyring.verify_raw(message, &tag).is_ok());
        let mut tampered = tag.clone();
        tampered[0] ^= 1;
        assert!(keyring.verify_raw(message, &tampered).is_err());
    }
}

/// RFC 5869 test case 1 (HKDF-SHA-256), and its tampered twin.
#[test]
fn rfc5869_vector() {
    let ikm = SecretSlice::from(vec![0x0b; 22]);
    let salt: Vec<u8> = (0x00..=0x0c).collect();
    let info: Vec<u8> = (0xf0..=0xf9).collect();
    let okm = hkdf::derive(&ikm, &salt, &info, 42).unwrap();
    let expected = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
    assert_eq!(guardrail_ct::hex::encode_string(okm.expose_secret()), expected);
    let other = hkdf::derive(&ikm, &salt, &info[1..], 42).unwrap();
    assert_ne!(guardrail_ct::hex::encode_string(other.expose_secret()), expected);
    assert!(hkdf::derive(&ikm, &salt, b"", 32).is_err());
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
        let expected = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[9u8; 32]), &message);
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
