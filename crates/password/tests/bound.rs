//! Sealed hashes bound to their row (`$guardrail-sealed$v2$`, associated
//! data = "guardrail password hash v2\0" ‖ binding), and the data the
//! previous release wrote: `tests/data/sealed-v1-golden.txt`, v1 seals made
//! before binding existed (see `tests/data/README.md`).
#![cfg(feature = "pepper")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stdout)] // test code

use std::sync::Arc;

use guardrail_keys::Keyring;
use guardrail_password::{Params, PasswordHasher};
use guardrail_secret::SecretString;
use guardrail_testkit::vectors::{data_path, field, tamper_char};

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
