//! Random values from the operating system's CSPRNG (ring's `SystemRandom`).

use base64ct::{Base64UrlUnpadded, Encoding};
use guardrail_secret::SecretString;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::Error;

/// The least randomness a token may have, in bytes: 16 (128 bits).
pub const MIN_TOKEN_BYTES: usize = 16;
/// The default randomness of a token, in bytes: 32 (256 bits).
pub const DEFAULT_TOKEN_BYTES: usize = 32;
/// The most randomness a token may have, in bytes (a bound, not a
/// recommendation).
pub const MAX_TOKEN_BYTES: usize = 1024;

/// Fills `buf` from the system CSPRNG.
///
/// # Errors
///
/// [`Error::Random`] when the operating system's generator fails.
pub fn fill(buf: &mut [u8]) -> Result<(), Error> {
    SystemRandom::new().fill(buf).map_err(|_| Error::Random)
}

/// A URL-safe token (unpadded base64url) of `bytes` random bytes, as a
/// secret: session ids, password-reset and e-mail-confirmation tokens.
///
/// ```
/// use guardrail_secret::ExposeSecret;
/// let t = guardrail_token::random::token(32).unwrap();
/// assert_eq!(t.expose_secret().len(), 43);
/// assert!(guardrail_token::random::token(8).is_err()); // under 128 bits
/// ```
///
/// # Errors
///
/// [`Error::TooShort`] below [`MIN_TOKEN_BYTES`], [`Error::TooLong`] above
/// [`MAX_TOKEN_BYTES`], [`Error::Random`] when the generator fails.
pub fn token(bytes: usize) -> Result<SecretString, Error> {
    if bytes < MIN_TOKEN_BYTES {
        return Err(Error::TooShort { min: MIN_TOKEN_BYTES });
    }
    if bytes > MAX_TOKEN_BYTES {
        return Err(Error::TooLong { max: MAX_TOKEN_BYTES });
    }
    let mut raw = Zeroizing::new(vec![0u8; bytes]);
    fill(&mut raw)?;
    Ok(SecretString::from(Base64UrlUnpadded::encode_string(&raw)))
}

/// A uniformly random integer in `0..bound` without modulo bias
/// (rejection sampling: values in the last, partial multiple of `bound`
/// are drawn again).
///
/// ```
/// let die = guardrail_token::random::uniform(6).unwrap();
/// assert!(die < 6);
/// ```
///
/// # Errors
///
/// [`Error::EmptyRange`] for a `bound` of 0, [`Error::Random`] when the
/// generator fails.
pub fn uniform(bound: u64) -> Result<u64, Error> {
    if bound == 0 {
        return Err(Error::EmptyRange);
    }
    // The largest multiple of `bound` that fits: values at or above it would bias.
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let mut b = [0u8; 8];
        fill(&mut b)?;
        let v = u64::from_le_bytes(b);
        if v < zone {
            return Ok(v % bound);
        }
    }
}
