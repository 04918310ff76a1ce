//! Golden vector of the peppered stored hash, `$guardrail-sealed$v1$...`
//! (`tests/data/sealed-hash.txt`, see `tests/data/README.md`): a PHC string
//! sealed under a fixed keyring verifies its password with no upgrade, and
//! its tampered twin (one character of the sealed text changed) is refused
//! with `Error::Pepper`. A format change cannot pass unnoticed.
#![cfg(feature = "pepper")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stdout)] // test code

use std::sync::Arc;

use guardrail_keys::Keyring;
use guardrail_password::{Error, Params, PasswordHasher, Verification};
use guardrail_secret::SecretString;
use guardrail_testkit::vectors::{data_path, field, read_data, tamper_char};

fn data(name: &str) -> std::path::PathBuf {
    data_path(env!("CARGO_MANIFEST_DIR"), name)
}

/// The hasher of the vector: m=256 KiB, t=2, p=1, peppered with its keyring.
fn hasher(text: &str) -> PasswordHasher {
    let keyring = Keyring::from_json(&field(text, "keyring_json")).unwrap();
    PasswordHasher::new(Params::new(256, 2, 1).unwrap()).with_pepper(Arc::new(keyring))
}

#[test]
fn sealed_hash_verifies_its_password() {
    let text = read_data(env!("CARGO_MANIFEST_DIR"), "sealed-hash.txt");
    let stored = field(&text, "stored");
    assert!(stored.starts_with("$guardrail-sealed$v1$"));
    let h = hasher(&text);
    let password = SecretString::from(field(&text, "password"));
    assert_eq!(h.verify(&password, &stored).unwrap(), Verification::Valid { upgrade: None });
    assert_eq!(h.verify(&SecretString::from("not the password"), &stored).unwrap(), Verification::Invalid);
    // Re-sealed (a fresh nonce), it still verifies.
    let resealed = h.reseal(&stored).unwrap();
    assert_eq!(h.verify(&password, resealed.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
}

/// The sealed value after the prefix, decoded: base64url without padding.
fn sealed_bytes(stored: &str) -> Vec<u8> {
    let encoded = stored.strip_prefix("$guardrail-sealed$v1$").unwrap();
    assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)), "base64url, unpadded");
    guardrail_ct::base64url::decode_vec(encoded).unwrap()
}

/// New hashes are written as the golden was: hashing the golden's password
/// with its hasher gives the same `$`-segments (`guardrail-sealed`, `v1`,
/// one base64url value), the same length, and sealed bytes with the same
/// header (`01` ‖ key id 5) and length; the salt and nonce are fresh.
#[test]
fn new_sealed_hash_has_the_golden_shape() {
    let text = read_data(env!("CARGO_MANIFEST_DIR"), "sealed-hash.txt");
    let golden = field(&text, "stored");
    let written = hasher(&text).hash(&SecretString::from(field(&text, "password"))).unwrap();
    let written = written.as_str_for_storage();
    let segments = |s: &str| s.split('$').map(str::len).collect::<Vec<_>>();
    assert_eq!(segments(written), segments(&golden));
    assert_eq!(written.split('$').take(3).collect::<Vec<_>>(), ["", "guardrail-sealed", "v1"]);
    let (golden_sealed, written_sealed) = (sealed_bytes(&golden), sealed_bytes(written));
    assert_eq!(written_sealed.len(), golden_sealed.len());
    assert_eq!(written_sealed[..5], golden_sealed[..5], "version and key id");
    assert_eq!(written_sealed[..5], [1, 0, 0, 0, 5]);
    assert_ne!(written, golden, "a fresh salt and nonce");
}

#[test]
fn sealed_hash_tampered_twin_is_refused() {
    let text = read_data(env!("CARGO_MANIFEST_DIR"), "sealed-hash.tampered.txt");
    let h = hasher(&text);
    let password = SecretString::from(field(&text, "password"));
    assert!(matches!(h.verify(&password, &field(&text, "stored")), Err(Error::Pepper)));
}

/// Writes the files above: `cargo test -p guardrail-password --test
/// golden_sealed -- --ignored write_golden_vectors`. Run once; the committed
/// files are the vectors (rerunning makes a new salt and nonce).
#[test]
#[ignore = "writes tests/data: run by hand to make new vectors"]
fn write_golden_vectors() {
    // One AES-256-GCM key of the bytes 0x60..0x80 (id 5).
    let key = guardrail_ct::base64::encode_string(&(0x60..0x80).collect::<Vec<u8>>());
    let keyring_json = format!(
        r#"{{"version":1,"primary":5,"keys":[{{"id":5,"status":"enabled","algorithm":"AES256_GCM","key":"{key}"}}]}}"#
    );
    let header = format!("password: correct horse battery staple\nkeyring_json: {keyring_json}\n");
    let stored = hasher(&header).hash(&SecretString::from("correct horse battery staple")).unwrap();
    let stored = stored.as_str_for_storage();
    std::fs::write(data("sealed-hash.txt"), format!("{header}stored: {stored}\n")).unwrap();
    // A character in the middle of the sealed text (inside the ciphertext).
    let tampered = tamper_char(stored, "$guardrail-sealed$v1$".len() + 40);
    std::fs::write(data("sealed-hash.tampered.txt"), format!("{header}stored: {tampered}\n")).unwrap();
    println!("wrote the golden sealed-hash vectors");
}
