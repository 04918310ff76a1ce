//! HKDF-SHA256 subkeys (RFC 5869) with a required context, so one master
//! key can serve several uses without two uses ever sharing a key.
//!
//! ```
//! use guardrail_secret::{ExposeSecret, SecretSlice};
//! let master = SecretSlice::from((1..=32).collect::<Vec<u8>>());
//! let cookies = guardrail_token::hkdf::derive(&master, b"salt", b"cookie encryption v1", 32).unwrap();
//! let csrf = guardrail_token::hkdf::derive(&master, b"salt", b"csrf v1", 32).unwrap();
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

/// Derives `len` bytes (1..=255 × 32) from `ikm` with `salt` and a
/// non-empty `context` (HKDF's `info`).
///
/// # Errors
///
/// [`Error::MissingContext`] for an empty context; [`Error::ZeroKey`] for
/// input key material that is empty or a placeholder with every byte equal
/// (all zero bytes, all 0xFF, ...: an unset key, whose every subkey would
/// be public); [`Error::TooLong`] for a `len` of 0 or past
/// 255 × 32 bytes.
pub fn derive(ikm: &SecretSlice<u8>, salt: &[u8], context: &[u8], len: usize) -> Result<SecretSlice<u8>, Error> {
    if context.is_empty() {
        return Err(Error::MissingContext);
    }
    crate::keyring::refuse_placeholder_key(ikm.expose_secret())?;
    if len == 0 || len > 255 * 32 {
        return Err(Error::TooLong { max: 255 * 32 });
    }
    expand(ikm.expose_secret(), salt, context, len)
}

/// HKDF-SHA256 itself, after `derive`'s checks (the RFC 5869 vector's input
/// key, 22 × 0x0b, is a placeholder `derive` refuses: the unit test below
/// runs the vector here).
fn expand(ikm: &[u8], salt: &[u8], context: &[u8], len: usize) -> Result<SecretSlice<u8>, Error> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let info = [context];
    let okm = prk.expand(&info, Len(len)).map_err(|_| Error::TooLong { max: 255 * 32 })?;
    let mut out = vec![0u8; len];
    okm.fill(&mut out).map_err(|_| Error::TooLong { max: 255 * 32 })?;
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
