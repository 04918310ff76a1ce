//! HKDF-SHA256 subkeys (RFC 5869) with a required context, so one master
//! key can serve several uses without two uses ever sharing a key.
//!
//! ```
//! use guardrail_secret::{ExposeSecret, SecretSlice};
//! let master = SecretSlice::from(vec![42u8; 32]);
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
/// input key material that is empty or all zero bytes (an unset key: every
/// subkey would be public); [`Error::TooLong`] for a `len` of 0 or past
/// 255 × 32 bytes.
pub fn derive(ikm: &SecretSlice<u8>, salt: &[u8], context: &[u8], len: usize) -> Result<SecretSlice<u8>, Error> {
    if context.is_empty() {
        return Err(Error::MissingContext);
    }
    crate::keyring::refuse_zero_key(ikm.expose_secret())?;
    if len == 0 || len > 255 * 32 {
        return Err(Error::TooLong { max: 255 * 32 });
    }
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm.expose_secret());
    let info = [context];
    let okm = prk.expand(&info, Len(len)).map_err(|_| Error::TooLong { max: 255 * 32 })?;
    let mut out = vec![0u8; len];
    okm.fill(&mut out).map_err(|_| Error::TooLong { max: 255 * 32 })?;
    Ok(SecretSlice::from(out))
}
