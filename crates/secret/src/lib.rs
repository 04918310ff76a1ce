#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod eq;
mod error;
#[cfg(feature = "fuzzing")]
#[cfg_attr(docsrs, doc(cfg(feature = "fuzzing")))]
pub mod fuzzing;
pub mod load;
mod pii;
pub mod read;
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub mod ser;
pub mod store;
mod walk;

pub use eq::SecretEq;
pub use error::{Error, Origin};
pub use pii::{Mask, Pii, mask_text};

/// The wrappers every secret lives in, re-exported from [`secrecy`]: a
/// secret is reached only through [`ExposeSecret::expose_secret`], its
/// `Debug` prints `[REDACTED]`, and it is zeroized on drop.
pub use secrecy::{CloneableSecret, ExposeSecret, ExposeSecretMut, SecretBox, SecretSlice, SecretString};

/// `SerializableSecret` is the per-type opt-in to serialising a
/// `SecretBox<T>`; for one field, see [`ser::expose_secret`].
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub use secrecy::SerializableSecret;

/// Re-exported from [`zeroize`] for types that hold secrets of their own.
pub use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Decodes a hex-encoded secret (for example a key from configuration) into
/// a [`SecretSlice`], in constant time and without leaving a copy behind.
///
/// ```
/// use guardrail_secret::{ExposeSecret, decode_hex};
/// let key = decode_hex("00ff").unwrap();
/// assert_eq!(key.expose_secret(), &[0x00, 0xff]);
/// ```
///
/// # Errors
///
/// [`Error::Decode`] for an odd length or a character outside `0-9a-fA-F`
/// (the error never holds the input).
pub fn decode_hex(encoded: &str) -> Result<SecretSlice<u8>, Error> {
    Ok(guardrail_ct::hex::decode_vec(encoded)?.into())
}

/// Decodes a standard, padded base64 secret into a [`SecretSlice`].
///
/// # Errors
///
/// [`Error::Decode`] for a length no encoding can have, a character outside
/// the alphabet, wrong padding or non-canonical bits.
pub fn decode_base64(encoded: &str) -> Result<SecretSlice<u8>, Error> {
    Ok(guardrail_ct::base64::decode_vec(encoded)?.into())
}

/// Decodes a URL-safe, unpadded base64 secret into a [`SecretSlice`].
///
/// # Errors
///
/// [`Error::Decode`] for a length no encoding can have, a character outside
/// the alphabet or non-canonical bits.
pub fn decode_base64url(encoded: &str) -> Result<SecretSlice<u8>, Error> {
    Ok(guardrail_ct::base64url::decode_vec(encoded)?.into())
}
