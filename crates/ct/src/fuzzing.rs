//! Oracles for the fuzz targets and hooks for this workspace's own tests;
//! not a stable API (feature `fuzzing`, off by default). The `ct_*_decode`
//! fuzz targets and the corpus replay in `cargo test -p guardrail` call
//! these, so both check the same thing.

use crate::{base64, base64url, hex};

/// `ct_hex_decode`: decoding any input returns, and what decodes
/// re-encodes to the input, lower-cased.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn check_hex_decode(data: &[u8]) {
    if let Ok(bytes) = hex::decode_vec(data) {
        assert!(hex::encode_string(&bytes).as_bytes().eq_ignore_ascii_case(data));
    }
}

/// `ct_base64_decode`: decoding any input returns, and what decodes
/// re-encodes to exactly the input (the encoding is canonical).
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn check_base64_decode(data: &[u8]) {
    if let Ok(bytes) = base64::decode_vec(data) {
        assert_eq!(base64::encode_string(&bytes).as_bytes(), data);
    }
}

/// `ct_base64url_decode`: as [`check_base64_decode`], for the URL-safe
/// unpadded alphabet.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn check_base64url_decode(data: &[u8]) {
    if let Ok(bytes) = base64url::decode_vec(data) {
        assert_eq!(base64url::encode_string(&bytes).as_bytes(), data);
    }
}
