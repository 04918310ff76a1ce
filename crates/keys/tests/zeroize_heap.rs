//! Proof that keyring storage leaves no copy of key material in freed heap
//! memory (issue 10, item 6): loading keyring JSON, exporting it, and the
//! master-key envelope.
//!
//! This test binary installs guardrail-testkit's global allocator, which, while armed, scans
//! every block it is about to free for each key's raw bytes and for their
//! base64 (the form the JSON holds). A plain `String` holding the base64
//! is caught (the control, which shows the scan works).
//!
//! Out of scope, and kept outside the armed windows: dropping a `Keyring`
//! frees ring's key objects (`LessSafeKey`), which ring does not wipe.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)] // test code

use guardrail_keys::Keyring;
use guardrail_secret::{ExposeSecret, SecretSlice, SecretString};
use guardrail_testkit::{ScanningAllocator, freed_copies};

#[global_allocator]
static GLOBAL: ScanningAllocator = ScanningAllocator;

/// Two distinctive, non-zero keys.
fn key(seed: u8) -> [u8; 32] {
    std::array::from_fn(|i| seed ^ (i as u8).wrapping_mul(37) ^ 0xa5)
}

fn b64(bytes: &[u8]) -> String {
    guardrail_ct::base64::encode_string(bytes)
}

/// One test function: the allocator state is global, so the sections run
/// in sequence, never beside each other.
#[test]
fn keyring_storage_leaves_no_key_in_freed_memory() {
    let (k1, k2) = (key(1), key(2));
    let json = SecretString::from(format!(
        r#"{{"version":1,"primary":2,"keys":[{{"id":1,"status":"enabled","algorithm":"AES256_GCM","key":"{}"}},{{"id":2,"status":"enabled","algorithm":"CHACHA20_POLY1305","key":"{}"}}]}}"#,
        b64(&k1),
        b64(&k2)
    ));
    // What the scan looks for.
    let patterns = [k1.to_vec(), k2.to_vec(), b64(&k1).into_bytes(), b64(&k2).into_bytes()];

    // Control: the scan sees an ordinary String freed with a key's base64.
    let control = b64(&k1);
    let (hits, ()) = freed_copies(&patterns, || drop(control));
    assert!(hits >= 1, "the inspecting allocator failed to see a plain String");

    let (hits, keyring) = freed_copies(&patterns, || Keyring::from_json(json.expose_secret()).unwrap());
    assert_eq!(hits, 0, "from_json left {hits} copies");
    let sealed = keyring.seal(b"data", b"aad").unwrap();

    let (hits, ()) = freed_copies(&patterns, || {
        let exported = keyring.export_json_insecure_plaintext_keys();
        assert!(exported.contains(&*String::from_utf8_lossy(&patterns[2])));
        drop(exported);
    });
    assert_eq!(hits, 0, "export_json_insecure_plaintext_keys left {hits} copies");

    let master = SecretSlice::from(key(9).to_vec());
    let (hits, envelope) = freed_copies(&patterns, || keyring.to_envelope(&master).unwrap());
    assert_eq!(hits, 0, "to_envelope left {hits} copies");
    let (hits, opened) = freed_copies(&patterns, || Keyring::from_envelope(&envelope, &master).unwrap());
    assert_eq!(hits, 0, "from_envelope left {hits} copies");
    assert_eq!(opened.open(&sealed, b"aad").unwrap().expose_secret(), b"data");

    // Refused keyrings leave nothing either: the key material is read before
    // the refusal (bad primary, duplicate id, a third key too short).
    let text = json.expose_secret();
    let refused = [
        text.replace("\"primary\":2", "\"primary\":3"),
        text.replace("\"id\":2", "\"id\":1"),
        text.replace(
            "]}",
            &format!(r#",{{"id":3,"status":"enabled","algorithm":"AES256_GCM","key":"{}"}}]}}"#, b64(&k1[..16])),
        ),
    ];
    for (i, bad) in refused.iter().enumerate() {
        let bad = SecretString::from(bad.clone());
        let (hits, result) =
            freed_copies(&patterns, || Keyring::from_json(bad.expose_secret()).map(|_| ()).map_err(|_| ()));
        assert!(result.is_err(), "case {i} loaded");
        assert_eq!(hits, 0, "refused keyring {i} left {hits} copies");
    }

    // A key written with a JSON escape would be unescaped into the parser's
    // scratch buffer, which is freed unwiped: refused before parsing.
    let e1 = b64(&k1);
    let escaped = SecretString::from(text.replace(&e1, &format!("\\u{:04x}{}", e1.as_bytes()[0], &e1[1..])));
    let (hits, result) =
        freed_copies(&patterns, || Keyring::from_json(escaped.expose_secret()).map(|_| ()).map_err(|_| ()));
    assert_eq!(hits, 0, "an escaped key left {hits} copies");
    assert!(result.is_err(), "a keyring with an escape loaded");
}
