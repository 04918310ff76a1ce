//! Signed tokens and CSRF tokens: purposes, expiry, rotation, bit flips,
//! the tag layout. (The MAC keyring's and HKDF's own tests moved with them
//! to guardrail-keys, `tests/mac.rs`.)
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use guardrail_keys::MacKeyring;
use guardrail_secret::{SecretSlice, SecretString};
use guardrail_testkit::vectors::distinct_key as key_bytes;
use guardrail_token::{
    csrf::Csrf,
    signed::{Clock, Purpose, TokenSigner},
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

/// `distinct_key(byte)` as a secret.
fn key(byte: u8) -> SecretSlice<u8> {
    SecretSlice::from(key_bytes(byte).to_vec())
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
    let mut keyring = MacKeyring::from_key(1, &key(1)).unwrap();
    let old = TokenSigner::<Session>::new(keyring.clone()).sign("u", Duration::from_secs(600)).unwrap();
    keyring.import_key(2, &key(2)).unwrap();
    keyring.promote(2).unwrap();
    let signer = TokenSigner::<Session>::new(keyring.clone());
    let new = signer.sign("u", Duration::from_secs(600)).unwrap();
    assert!(new.starts_with("v1.2."));
    assert!(signer.verify(&old).is_ok(), "old key still enabled");
    keyring.disable(1).unwrap();
    let signer = TokenSigner::<Session>::new(keyring.clone());
    assert!(signer.verify(&old).is_err(), "disabled key still verifies");
    assert!(signer.verify(&new).is_ok());
    assert!(keyring.disable(2).is_err(), "the primary cannot be disabled");
    assert!(keyring.import_key(2, &key(9)).is_err(), "duplicate id");
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
