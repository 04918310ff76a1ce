//! Keyed digests of stored credentials (session tokens, API keys, reset
//! tokens).
//!
//! A server stores a credential only as a digest, found again by the digest
//! of what a client presents. An *unkeyed* digest (SHA-256 of the token)
//! lets anyone who can write the database mint a credential: they pick a
//! token, store its SHA-256, and present the token. A [`DigestKey`] makes
//! the stored value an HMAC-SHA256 ([RFC 2104], [FIPS 198-1]) under a key
//! the database does not hold, so a database writer can no longer mint one.
//!
//! The key is one 32-byte secret per purpose (derive one per purpose from a
//! root with [`guardrail_keys::hkdf::derive`]: a session digest must never
//! match an API-key digest). Replacing the key ends every credential stored
//! under it: there is no rotation window inside a `DigestKey`.
//!
//! [RFC 2104]: https://www.rfc-editor.org/rfc/rfc2104
//! [FIPS 198-1]: https://csrc.nist.gov/pubs/fips/198-1/final

use std::fmt;

use guardrail_secret::{ExposeSecret, SecretSlice};
use ring::hmac;

use crate::Error;

/// Length of a [`DigestKey`]'s secret and of every digest it makes, in bytes.
pub const DIGEST_KEY_BYTES: usize = 32;

/// An HMAC-SHA256 key that turns a credential into the value a server
/// stores (see the [module docs](self)).
///
/// `Debug` never shows the key.
#[derive(Clone)]
pub struct DigestKey(hmac::Key);

impl DigestKey {
    /// A key from a 32-byte secret (e.g. the output of
    /// [`guardrail_keys::hkdf::derive`] for one purpose).
    ///
    /// # Errors
    /// [`Error::TooShort`] / [`Error::TooLong`] when the secret is not
    /// exactly [`DIGEST_KEY_BYTES`] bytes.
    pub fn new(secret: &SecretSlice<u8>) -> Result<Self, Error> {
        let bytes = secret.expose_secret();
        if bytes.len() < DIGEST_KEY_BYTES {
            return Err(Error::TooShort { min: DIGEST_KEY_BYTES });
        }
        if bytes.len() > DIGEST_KEY_BYTES {
            return Err(Error::TooLong { max: DIGEST_KEY_BYTES });
        }
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, bytes)))
    }

    /// A fresh random key (tests, and stores that live only in memory).
    ///
    /// # Errors
    /// [`Error::Random`] when the system's random number generator fails.
    pub fn generate() -> Result<Self, Error> {
        let mut secret = zeroize::Zeroizing::new([0u8; DIGEST_KEY_BYTES]);
        crate::random::fill(secret.as_mut())?;
        Self::new(&SecretSlice::from(secret.to_vec()))
    }

    /// HMAC-SHA256 of `parts`, each length-prefixed (8 bytes, big-endian)
    /// so that no two different lists of parts give the same input.
    #[must_use]
    pub fn digest(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.0);
        for part in parts {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }
}

impl fmt::Debug for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DigestKey(..)")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    fn key(byte: u8) -> DigestKey {
        DigestKey::new(&SecretSlice::from(vec![byte; DIGEST_KEY_BYTES])).unwrap()
    }

    #[test]
    fn digest_is_hmac_sha256_of_the_length_prefixed_parts() {
        let k = key(7);
        let mut input = Vec::new();
        input.extend_from_slice(&3u64.to_be_bytes());
        input.extend_from_slice(b"abc");
        let expected = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &[7u8; 32]), &input);
        assert_eq!(k.digest(&[b"abc"]).as_slice(), expected.as_ref());
    }

    #[test]
    fn parts_are_not_ambiguous_and_keys_differ() {
        let k = key(1);
        assert_ne!(k.digest(&[b"ab", b"c"]), k.digest(&[b"a", b"bc"]));
        assert_ne!(k.digest(&[b"abc"]), key(2).digest(&[b"abc"]));
        assert_ne!(DigestKey::generate().unwrap().digest(&[b"x"]), DigestKey::generate().unwrap().digest(&[b"x"]));
    }

    #[test]
    fn wrong_lengths_are_refused_and_debug_hides_the_key() {
        assert!(matches!(DigestKey::new(&SecretSlice::from(vec![0u8; 31])), Err(Error::TooShort { min: 32 })));
        assert!(matches!(DigestKey::new(&SecretSlice::from(vec![0u8; 33])), Err(Error::TooLong { max: 32 })));
        assert_eq!(format!("{:?}", key(9)), "DigestKey(..)");
    }
}
