//! Oracles for the fuzz targets and hooks for this workspace's own tests;
//! not a stable API (feature `fuzzing`, off by default). The `keys_*` fuzz
//! targets and the corpus replay in `cargo test -p guardrail` call these,
//! so both check the same thing.

use std::sync::LazyLock;

use crate::{
    Keyring,
    aead::{HEADER, TAG},
};

static KEYRING: LazyLock<Option<Keyring>> = LazyLock::new(|| {
    // A fixed key of the bytes 1..=32 (a key of one repeated byte would
    // be refused, and the oracle would silently test nothing).
    let json = r#"{"version":1,"primary":1,"keys":[{"id":1,"status":"enabled","algorithm":"AES256_GCM","key":"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="}]}"#;
    Keyring::from_json(json).ok()
});

/// `keys_keyring_open`: opening any bytes returns, and fails for anything
/// shorter than a header and a tag.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn check_keyring_open(data: &[u8]) {
    if let Some(k) = KEYRING.as_ref() {
        assert!(k.open(data, b"fuzz").is_err() || data.len() >= HEADER + TAG);
    }
}

/// `keys_keyring_json`: loading any text as keyring JSON returns.
pub fn check_keyring_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Keyring::from_json(text);
    }
}
