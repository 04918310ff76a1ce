//! API keys and random tokens: round trips, typo detection, constant-time
//! verification against the right record only, nothing secret in Debug.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use guardrail_secret::ExposeSecret;
use guardrail_token::{ApiKey, ApiKeyIssuer, DigestKey, Error, StoredApiKey, random};
use proptest::prelude::*;

#[test]
fn issue_parse_verify() {
    let issuer = ApiKeyIssuer::new("acme_live").unwrap();
    let (key, stored) = issuer.issue().unwrap();
    let text = key.expose_secret();
    assert!(text.starts_with("acme_live_"));
    assert_eq!(text.len(), "acme_live_".len() + 36);
    let parsed = ApiKey::parse(text, "acme_live").unwrap();
    assert_eq!(parsed.prefix(), "acme_live");
    assert_eq!(parsed.lookup_id(), stored.lookup_id());
    stored.verify(&parsed).unwrap();
    // The record survives a round trip through its columns.
    let reloaded = StoredApiKey::from_parts(stored.lookup_id(), &stored.digest_hex()).unwrap();
    reloaded.verify(&parsed).unwrap();
}

#[test]
fn every_single_character_change_is_caught_before_lookup() {
    let (key, _) = ApiKeyIssuer::new("acme_test").unwrap().issue().unwrap();
    let text = key.expose_secret().as_bytes().to_vec();
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
    for pos in 0..text.len() {
        for &c in alphabet {
            if c == text[pos] {
                continue;
            }
            let mut typo = text.clone();
            typo[pos] = c;
            let typo = String::from_utf8(typo).unwrap();
            assert!(matches!(ApiKey::parse(&typo, "acme_test"), Err(Error::InvalidKey)), "{pos} {}", c as char);
        }
    }
}

#[test]
fn a_key_verifies_only_against_its_own_record() {
    let issuer = ApiKeyIssuer::new("svc").unwrap();
    let (a, stored_a) = issuer.issue().unwrap();
    let (b, stored_b) = issuer.issue().unwrap();
    let a = ApiKey::parse(a.expose_secret(), "svc").unwrap();
    let b = ApiKey::parse(b.expose_secret(), "svc").unwrap();
    assert!(stored_a.verify(&a).is_ok() && stored_b.verify(&b).is_ok());
    assert!(matches!(stored_a.verify(&b), Err(Error::InvalidKey)));
    assert!(matches!(stored_b.verify(&a), Err(Error::InvalidKey)));
    assert_ne!(stored_a.lookup_id(), stored_b.lookup_id());
}

#[test]
fn wrong_prefix_and_junk_are_refused() {
    let (key, _) = ApiKeyIssuer::new("acme_live").unwrap().issue().unwrap();
    assert!(ApiKey::parse(key.expose_secret(), "acme_test").is_err());
    for junk in [
        "",
        "acme_live",
        "acme_live_",
        "acme_live_short",
        "ACME_live_x",
        "acme_live_ééééééééééééééééééééééééééééééééééééé",
    ] {
        assert!(ApiKey::parse(junk, "acme_live").is_err(), "{junk}");
    }
    for bad in ["", "Acme", "1acme", "acme-live", &"a".repeat(33)] {
        assert!(matches!(ApiKeyIssuer::new(bad), Err(Error::InvalidPrefix)), "{bad}");
    }
    assert!(StoredApiKey::from_parts("short", &"00".repeat(32)).is_err());
    assert!(StoredApiKey::from_parts("abcdefghijkl", "zz").is_err());
}

/// A keyed record verifies only under its key; an unkeyed record (what a
/// database writer can compute for a key they made up, or what an earlier
/// release stored) never verifies keyed until `rekey` converts it.
#[test]
fn keyed_records_verify_only_under_their_key_and_rekey_converts_unkeyed_ones() {
    let digest_key = DigestKey::generate().unwrap();
    let issuer = ApiKeyIssuer::new("acme_live").unwrap().with_digest_key(digest_key.clone());
    let (key, stored) = issuer.issue().unwrap();
    let parsed = ApiKey::parse(key.expose_secret(), "acme_live").unwrap();
    stored.verify_keyed(&parsed, &digest_key).unwrap();
    assert!(matches!(stored.verify(&parsed), Err(Error::InvalidKey)));
    assert!(matches!(stored.verify_keyed(&parsed, &DigestKey::generate().unwrap()), Err(Error::InvalidKey)));

    // A previous release's (unkeyed) record of another key.
    let (old_key, unkeyed) = ApiKeyIssuer::new("acme_live").unwrap().issue().unwrap();
    let old = ApiKey::parse(old_key.expose_secret(), "acme_live").unwrap();
    unkeyed.verify(&old).unwrap();
    assert!(matches!(unkeyed.verify_keyed(&old, &digest_key), Err(Error::InvalidKey)), "minted rows are refused");
    let rekeyed = unkeyed.rekey(&digest_key);
    assert_eq!(rekeyed.lookup_id(), unkeyed.lookup_id());
    assert_ne!(rekeyed.digest_hex(), unkeyed.digest_hex());
    rekeyed.verify_keyed(&old, &digest_key).unwrap();
    assert!(rekeyed.verify(&old).is_err());
    assert!(rekeyed.verify_keyed(&parsed, &digest_key).is_err(), "another key's record");
    // The keyed record is what the keyed issuer would have stored.
    let reloaded = StoredApiKey::from_parts(stored.lookup_id(), &stored.digest_hex()).unwrap();
    assert_eq!(reloaded, stored);
}

#[test]
fn nothing_secret_in_debug() {
    let (key, stored) = ApiKeyIssuer::new("acme_live").unwrap().issue().unwrap();
    let secret_part = &key.expose_secret()["acme_live_".len()..];
    let parsed = ApiKey::parse(key.expose_secret(), "acme_live").unwrap();
    let rendered = format!("{key:?} {parsed:?} {stored:?}");
    assert!(!rendered.contains(secret_part), "{rendered}");
}

#[test]
fn tokens_and_uniform_values() {
    assert!(matches!(random::token(15), Err(Error::TooShort { min: 16 })));
    assert!(matches!(random::token(2000), Err(Error::TooLong { .. })));
    let a = random::token(16).unwrap();
    let b = random::token(16).unwrap();
    assert_eq!(a.expose_secret().len(), 22);
    assert_ne!(a.expose_secret(), b.expose_secret());
    assert!(a.expose_secret().bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    assert!(random::uniform(0).is_err());
    let mut counts = [0u32; 6];
    for _ in 0..6000 {
        counts[random::uniform(6).unwrap() as usize] += 1;
    }
    // Each face near 1000 (a loose bound: a failure here is ~10 sigma).
    assert!(counts.iter().all(|&c| (700..1300).contains(&c)), "{counts:?}");
}

proptest! {
    #[test]
    fn parse_never_panics(s in ".{0,60}", prefix in "[a-z][a-z0-9_]{0,10}") {
        let _ = ApiKey::parse(&s, &prefix);
        guardrail_token::fuzzing::check_api_key_parse(s.as_bytes());
    }
}
