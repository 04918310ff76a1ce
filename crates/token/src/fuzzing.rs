//! Oracles for the fuzz targets and hooks for this workspace's own tests;
//! not a stable API (feature `fuzzing`, off by default). The `token_*` fuzz
//! targets and the corpus replay in `cargo test -p guardrail` call these,
//! so both check the same thing.

use std::sync::LazyLock;

use guardrail_keys::MacKeyring;
use guardrail_secret::SecretSlice;

use crate::{
    ApiKey,
    signed::{Purpose, TokenSigner},
};

/// `token_api_key`: parsing any text with any prefix returns, and a key
/// that parses has that prefix.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn check_api_key_parse(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Some((prefix, _)) = text.split_once('_')
        && let Ok(key) = ApiKey::parse(text, prefix)
    {
        assert_eq!(key.prefix(), prefix);
    }
}

struct Fuzz;
impl Purpose for Fuzz {
    const NAME: &'static str = "fuzz";
}

/// A keyring of the fixed key 1..=32. If it stops loading (a key of one
/// repeated byte is refused as a placeholder, say), the oracle panics on
/// its first input instead of silently testing nothing.
#[allow(clippy::expect_used)] // a fuzz oracle: the panic is the finding
static KEYRING: LazyLock<MacKeyring> = LazyLock::new(|| {
    MacKeyring::from_key(1, &SecretSlice::from((1..=32).collect::<Vec<u8>>()))
        .expect("the fuzz oracle's fixed MAC keyring must load")
});

/// `token_signed_verify`: verifying any text returns.
///
/// # Panics
///
/// When the oracle's fixed keyring does not load: the panic is the finding
/// the fuzz target reports.
pub fn check_signed_verify(data: &[u8]) {
    let signer = TokenSigner::<Fuzz>::new(KEYRING.clone()); // loaded (or panics) on every input
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = signer.verify(text);
    }
}
