//! Golden vectors of guardrail-token's own formats (`tests/data/`, see its
//! README): an API key with its lookup id and stored digest, and a signed
//! token made with a fixed MAC key at a fixed time, and a CSRF token of a
//! fixed MAC key and session. Each golden checks out
//! (the deterministic ones re-encode byte for byte) and each tampered twin
//! is refused. A format change cannot pass unnoticed.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stdout)] // test code

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use guardrail_keys::MacKeyring;
use guardrail_secret::{ExposeSecret, SecretSlice, SecretString};
use guardrail_testkit::vectors::{data_path, field, tamper_char};
use guardrail_token::{
    ApiKey, ApiKeyIssuer, DigestKey, Error, StoredApiKey,
    csrf::Csrf,
    signed::{Clock, Purpose, TokenSigner},
};

fn read(name: &str) -> String {
    guardrail_testkit::vectors::read_data(env!("CARGO_MANIFEST_DIR"), name)
}

fn data(name: &str) -> std::path::PathBuf {
    data_path(env!("CARGO_MANIFEST_DIR"), name)
}

struct PasswordReset;
impl Purpose for PasswordReset {
    const NAME: &'static str = "password_reset";
}

struct At(SystemTime);
impl Clock for At {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// A MAC keyring of the vector file's key id and key.
fn mac_keyring(text: &str) -> MacKeyring {
    let key = SecretSlice::from(guardrail_ct::hex::decode_vec(field(text, "mac_key_hex")).unwrap());
    MacKeyring::from_key(field(text, "key_id").parse().unwrap(), &key).unwrap()
}

/// A signer of the vector file's key id and key, at its clock.
fn signer(text: &str) -> TokenSigner<PasswordReset> {
    let keyring = mac_keyring(text);
    let now = UNIX_EPOCH + Duration::from_secs(field(text, "now_unix_seconds").parse().unwrap());
    TokenSigner::with_clock(keyring, Arc::new(At(now)))
}

#[test]
fn api_key_gives_its_lookup_id_and_digest() {
    let text = read("api-key.txt");
    let key = field(&text, "key");
    let parsed = ApiKey::parse(&key, &field(&text, "prefix")).unwrap();
    assert_eq!(parsed.lookup_id(), field(&text, "lookup_id"));
    let stored = StoredApiKey::from_parts(&field(&text, "lookup_id"), &field(&text, "digest_hex")).unwrap();
    assert_eq!(stored.lookup_id(), field(&text, "lookup_id"));
    assert_eq!(stored.digest_hex(), field(&text, "digest_hex"));
    assert!(stored.verify(&parsed).is_ok());
    assert!(ApiKey::parse_any_prefix(&key).is_ok());
}

#[test]
fn api_key_tampered_twin_is_refused() {
    let text = read("api-key.tampered.txt");
    assert!(matches!(ApiKey::parse(&field(&text, "key"), &field(&text, "prefix")), Err(Error::InvalidKey)));
}

/// A keyed vector file: its text, the key's text, the digest key and the
/// stored record (`digest_hex`).
fn keyed_vector(name: &str) -> (String, String, DigestKey, StoredApiKey) {
    let text = read(name);
    let key = field(&text, "key");
    let digest_key =
        DigestKey::new(&SecretSlice::from(guardrail_ct::hex::decode_vec(field(&text, "digest_key_hex")).unwrap()))
            .unwrap();
    let stored = StoredApiKey::from_parts(&field(&text, "lookup_id"), &field(&text, "digest_hex")).unwrap();
    (text, key, digest_key, stored)
}

/// The keyed digest (`HMAC-SHA256(key, len ‖ "api-key" ‖ len ‖ unkeyed)`)
/// was computed outside this crate (Python's `hmac`), so the vector checks
/// the format, not the code against itself.
#[test]
fn keyed_api_key_digest_and_rekey_give_the_vector() {
    let (text, key, digest_key, stored) = keyed_vector("api-key-keyed.txt");
    let parsed = ApiKey::parse(&key, &field(&text, "prefix")).unwrap();
    stored.verify_keyed(&parsed, &digest_key).unwrap();
    assert!(stored.verify(&parsed).is_err(), "a keyed record is no unkeyed one");
    let previous = StoredApiKey::from_parts(&field(&text, "lookup_id"), &field(&text, "unkeyed_digest_hex")).unwrap();
    assert_eq!(previous.rekey(&digest_key).digest_hex(), field(&text, "digest_hex"));
}

#[test]
fn keyed_api_key_tampered_twin_is_refused() {
    let (text, key, digest_key, stored) = keyed_vector("api-key-keyed.tampered.txt");
    let parsed = ApiKey::parse(&key, &field(&text, "prefix")).unwrap();
    assert!(matches!(stored.verify_keyed(&parsed, &digest_key), Err(Error::InvalidKey)));
}

#[test]
fn signed_token_is_made_byte_for_byte_and_verifies() {
    let text = read("signed-token.txt");
    let signer = signer(&text);
    let ttl = Duration::from_secs(field(&text, "ttl_seconds").parse().unwrap());
    assert_eq!(signer.sign(&field(&text, "subject"), ttl).unwrap(), field(&text, "token"));
    let verified = signer.verify(&field(&text, "token")).unwrap();
    assert_eq!(verified.subject(), field(&text, "subject"));
}

#[test]
fn signed_token_tampered_twin_is_refused() {
    let text = read("signed-token.tampered.txt");
    assert!(matches!(signer(&text).verify(&field(&text, "token")), Err(Error::InvalidToken)));
}

/// A CSRF vector file: its `Csrf` (key id and key), session and token.
fn csrf_vector(name: &str) -> (Csrf, SecretString, String) {
    let text = read(name);
    (Csrf::new(mac_keyring(&text)), SecretString::from(field(&text, "session")), field(&text, "token"))
}

/// The CSRF token of a session is an HMAC (no clock, no randomness): made
/// again byte for byte from the vector's key, and it verifies for its
/// session only.
#[test]
fn csrf_token_is_made_byte_for_byte_and_verifies() {
    let (csrf, session, token) = csrf_vector("csrf-token.txt");
    assert_eq!(csrf.token_for(&session), token);
    assert!(csrf.verify(&session, &token).is_ok());
    assert!(matches!(csrf.verify(&SecretString::from("another-session"), &token), Err(Error::InvalidToken)));
}

#[test]
fn csrf_token_tampered_twin_is_refused() {
    let (csrf, session, tampered) = csrf_vector("csrf-token.tampered.txt");
    assert!(matches!(csrf.verify(&session, &tampered), Err(Error::InvalidToken)));
}

/// Writes `csrf-token.txt` and its twin: `cargo test -p guardrail-token
/// --test golden -- --ignored write_golden_csrf_vector`. Deterministic, so
/// rerunning writes the same files (apart from a deliberate format change).
#[test]
#[ignore = "writes tests/data: run by hand to make new vectors"]
fn write_golden_csrf_vector() {
    let key_hex = guardrail_ct::hex::encode_string(&(0x50..0x70).collect::<Vec<u8>>());
    let header = format!("key_id: 3\nmac_key_hex: {key_hex}\nsession: session-id-from-the-cookie\n");
    let token = Csrf::new(mac_keyring(&header)).token_for(&SecretString::from("session-id-from-the-cookie"));
    // The twin: a character of the tag (not the last: its low bits are padding).
    for (name, token) in
        [("csrf-token.txt", token.clone()), ("csrf-token.tampered.txt", tamper_char(&token, token.len() - 5))]
    {
        std::fs::write(data(name), format!("{header}token: {token}\n")).unwrap();
    }
}

/// Writes the files above: `cargo test -p guardrail-token --test golden --
/// --ignored write_golden_vectors`. Run once; the committed files are the
/// vectors (rerunning issues a new random API key).
#[test]
#[ignore = "writes tests/data: run by hand to make new vectors"]
fn write_golden_vectors() {
    let (key, stored) = ApiKeyIssuer::new("acme_live").unwrap().issue().unwrap();
    let key = key.expose_secret();
    let body = |key: &str| {
        format!(
            "prefix: acme_live\nkey: {key}\nlookup_id: {}\ndigest_hex: {}\n",
            stored.lookup_id(),
            stored.digest_hex()
        )
    };
    std::fs::write(data("api-key.txt"), body(key)).unwrap();
    // A character of the random part.
    std::fs::write(data("api-key.tampered.txt"), body(&tamper_char(key, "acme_live_".len() + 5))).unwrap();

    let key_hex = guardrail_ct::hex::encode_string(&(0x20..0x40).collect::<Vec<u8>>());
    let header = format!(
        "purpose: password_reset\nkey_id: 7\nmac_key_hex: {key_hex}\nnow_unix_seconds: 1800000000\nttl_seconds: 3600\nsubject: user-42\n"
    );
    let token = signer(&header).sign("user-42", Duration::from_secs(3600)).unwrap();
    std::fs::write(data("signed-token.txt"), format!("{header}token: {token}\n")).unwrap();
    // A character of the tag (not the last: its low bits are padding).
    let tampered = tamper_char(&token, token.len() - 5);
    std::fs::write(data("signed-token.tampered.txt"), format!("{header}token: {tampered}\n")).unwrap();
    println!("wrote the golden token vectors");
}
