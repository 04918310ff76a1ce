//! Oracles for the fuzz targets and hooks for this workspace's own tests;
//! not a stable API (feature `fuzzing`, off by default). The `keys_*` fuzz
//! targets and the corpus replay in `cargo test -p guardrail` call these,
//! so both check the same thing.

use std::sync::LazyLock;

use crate::{
    Keyring,
    aead::{HEADER, TAG},
};

/// A fixed key of the bytes 1..=32. If it stops loading (a key of one
/// repeated byte is refused as a placeholder, say), the oracle panics on
/// its first input instead of silently testing nothing.
#[allow(clippy::expect_used)] // a fuzz oracle: the panic is the finding
static KEYRING: LazyLock<Keyring> = LazyLock::new(|| {
    let json = r#"{"version":1,"primary":1,"keys":[{"id":1,"status":"enabled","algorithm":"AES256_GCM","key":"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="}]}"#;
    Keyring::from_json(json).expect("the fuzz oracle's fixed keyring must load")
});

/// `keys_keyring_open`: opening any bytes returns, and fails for anything
/// shorter than a header and a tag.
///
/// # Panics
///
/// When the property does not hold for this input, or the oracle's fixed
/// keyring does not load: the panic is the finding the fuzz target reports.
pub fn check_keyring_open(data: &[u8]) {
    assert!(KEYRING.open(data, b"fuzz").is_err() || data.len() >= HEADER + TAG);
}

/// `keys_keyring_json`: loading any text as keyring JSON returns.
pub fn check_keyring_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Keyring::from_json(text);
    }
}
