//! HKDF-SHA256 subkeys (RFC 5869) with a required context, so one master
//! key can serve several uses without two uses ever sharing a key.
//!
//! ```
//! use guardrail_secret::{ExposeSecret, SecretSlice};
//! let master = SecretSlice::from((1..=32).collect::<Vec<u8>>());
//! let cookies = guardrail_keys::hkdf::derive(&master, b"salt", b"cookie encryption v1", 32).unwrap();
//! let csrf = guardrail_keys::hkdf::derive(&master, b"salt", b"csrf v1", 32).unwrap();
//! assert_ne!(cookies.expose_secret(), csrf.expose_secret());
//! ```

use guardrail_secret::{ExposeSecret, SecretSlice};
use ring::hkdf;

use crate::Error;

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// The most bytes HKDF-SHA256 derives: 255 × 32.
pub const MAX_OUTPUT_BYTES: usize = 255 * 32;

/// Derives `len` bytes (1..=[`MAX_OUTPUT_BYTES`]) from `ikm` with `salt`
/// and a non-empty `context` (HKDF's `info`).
///
/// # Errors
///
/// [`Error::MissingContext`] for an empty context;
/// [`Error::PlaceholderKey`] for input key material that is empty or a
/// placeholder with every byte equal (all zero bytes, all 0xFF, ...: an
/// unset key, whose every subkey would be public); [`Error::OutputLength`]
/// for a `len` of 0 or past [`MAX_OUTPUT_BYTES`] bytes.
pub fn derive(ikm: &SecretSlice<u8>, salt: &[u8], context: &[u8], len: usize) -> Result<SecretSlice<u8>, Error> {
    if context.is_empty() {
        return Err(Error::MissingContext);
    }
    crate::rotation::refuse_placeholder_key(ikm.expose_secret())?;
    if len == 0 || len > MAX_OUTPUT_BYTES {
        return Err(Error::OutputLength { max: MAX_OUTPUT_BYTES });
    }
    expand(ikm.expose_secret(), salt, context, len)
}

/// HKDF-SHA256 itself, after `derive`'s checks (the RFC 5869 vector's input
/// key, 22 × 0x0b, is a placeholder `derive` refuses: the unit test below
/// runs the vector here).
fn expand(ikm: &[u8], salt: &[u8], context: &[u8], len: usize) -> Result<SecretSlice<u8>, Error> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let info = [context];
    let okm = prk.expand(&info, Len(len)).map_err(|_| Error::OutputLength { max: MAX_OUTPUT_BYTES })?;
    let mut out = vec![0u8; len];
    okm.fill(&mut out).map_err(|_| Error::OutputLength { max: MAX_OUTPUT_BYTES })?;
    Ok(SecretSlice::from(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    /// RFC 5869 test case 1 (HKDF-SHA-256), and its tampered twin.
    #[test]
    fn rfc5869_vector() {
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let okm = expand(&[0x0b; 22], &salt, &info, 42).unwrap();
        let expected = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
        assert_eq!(guardrail_ct::hex::encode_string(okm.expose_secret()), expected);
        let other = expand(&[0x0b; 22], &salt, info.get(1..).unwrap(), 42).unwrap();
        assert_ne!(guardrail_ct::hex::encode_string(other.expose_secret()), expected);
    }
}
