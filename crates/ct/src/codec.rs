//! Constant-time hex and base64, for encoding and decoding secrets.
//!
//! Table-lookup codecs leak the bytes they touch through the data cache;
//! these wrap [`base16ct`] and [`base64ct`], which decode with arithmetic
//! instead of lookups. What this layer adds: one error type that never
//! carries input, a length check before any work, and `*_vec` helpers that
//! allocate exactly once and wipe every scratch buffer they drop.

use crate::Error;

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};
#[cfg(feature = "alloc")]
use zeroize::Zeroizing;

/// Hexadecimal (base16): encodes lower-case, decodes either case.
pub mod hex {
    use super::*;

    /// Encodes `src` as lower-case hex into `dst`, which needs
    /// `2 * src.len()` bytes.
    ///
    /// # Errors
    ///
    /// [`Error::BufferTooSmall`] when `dst` is shorter than `2 * src.len()`
    /// bytes.
    ///
    /// ```
    /// let mut buf = [0u8; 8];
    /// assert_eq!(guardrail_ct::hex::encode(&[0xde, 0xad, 0xbe, 0xef], &mut buf), Ok("deadbeef"));
    /// ```
    pub fn encode<'a>(src: &[u8], dst: &'a mut [u8]) -> Result<&'a str, Error> {
        let need = src.len().checked_mul(2).ok_or(Error::BufferTooSmall)?;
        let dst = dst.get_mut(..need).ok_or(Error::BufferTooSmall)?;
        base16ct::lower::encode_str(src, dst).map_err(|_| Error::BufferTooSmall)
    }

    /// Encodes `src` as a lower-case hex `String`.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn encode_string(src: &[u8]) -> String {
        base16ct::lower::encode_string(src)
    }

    /// Decodes hex (upper, lower or mixed case) into the front of `dst`.
    ///
    /// # Errors
    ///
    /// Odd lengths are [`Error::InvalidLength`], a `dst` shorter than half
    /// the input is [`Error::BufferTooSmall`], anything outside `0-9a-fA-F`
    /// is [`Error::InvalidEncoding`]. On error `dst` may hold partial output.
    ///
    /// ```
    /// let mut key = [0u8; 2];
    /// assert_eq!(guardrail_ct::hex::decode("BEef", &mut key), Ok(&[0xbe, 0xef][..]));
    /// assert!(guardrail_ct::hex::decode("xyz!", &mut key).is_err());
    /// ```
    pub fn decode(src: impl AsRef<[u8]>, dst: &mut [u8]) -> Result<&[u8], Error> {
        let src = src.as_ref();
        let len = decoded_len(src)?;
        let dst = dst.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        base16ct::mixed::decode(src, dst).map_err(|_| Error::InvalidEncoding)
    }

    /// Decodes hex into a new vector of exactly the decoded length. Nothing
    /// is reallocated, and the buffer is wiped before it is dropped on error.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] for an odd length, [`Error::InvalidEncoding`]
    /// for anything outside `0-9a-fA-F`.
    #[cfg(feature = "alloc")]
    pub fn decode_vec(src: impl AsRef<[u8]>) -> Result<Vec<u8>, Error> {
        let src = src.as_ref();
        let mut out = Zeroizing::new(alloc::vec![0u8; decoded_len(src)?]);
        let len = decode(src, &mut out)?.len();
        debug_assert_eq!(len, out.len());
        Ok(core::mem::take(&mut *out))
    }

    /// The number of bytes `src` decodes to.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] when `src` has an odd length.
    pub fn decoded_len(src: impl AsRef<[u8]>) -> Result<usize, Error> {
        base16ct::decoded_len(src.as_ref()).map_err(|_| Error::InvalidLength)
    }
}

macro_rules! base64_module {
    ($(#[$doc:meta])* $name:ident, $encoding:ty, padded = $padded:expr, example = $example:literal) => {
        $(#[$doc])*
        pub mod $name {
            use super::*;
            use base64ct::Encoding as _;

            /// Encodes `src` into `dst`, returning the encoded text.
            ///
            /// # Errors
            ///
            /// A `dst` shorter than the encoding is [`Error::BufferTooSmall`].
            pub fn encode<'a>(src: &[u8], dst: &'a mut [u8]) -> Result<&'a str, Error> {
                <$encoding>::encode(src, dst).map_err(|_| Error::BufferTooSmall)
            }

            /// Encodes `src` as a new `String`.
            ///
            #[doc = concat!("```\nassert_eq!(guardrail_ct::", stringify!($name), "::encode_string(&[0xfb, 0xff]), \"", $example, "\");\n```")]
            #[cfg(feature = "alloc")]
            #[must_use]
            pub fn encode_string(src: &[u8]) -> String {
                <$encoding>::encode_string(src)
            }

            /// Decodes `src` into the front of `dst`.
            ///
            /// # Errors
            ///
            /// A length no encoding can have is [`Error::InvalidLength`]; a
            /// short `dst` is [`Error::BufferTooSmall`]; a character outside
            /// the alphabet, wrong padding or non-canonical trailing bits is
            /// [`Error::InvalidEncoding`]. On error `dst` may hold partial
            /// output.
            pub fn decode(src: impl AsRef<[u8]>, dst: &mut [u8]) -> Result<&[u8], Error> {
                let src = src.as_ref();
                check_length(src.len())?;
                <$encoding>::decode(src, dst).map_err(|e| match e {
                    base64ct::Error::InvalidEncoding => Error::InvalidEncoding,
                    // The input length was checked above, so the output is short.
                    base64ct::Error::InvalidLength => Error::BufferTooSmall,
                })
            }

            /// Decodes `src` into a new vector of exactly the decoded length.
            /// The scratch buffer is wiped before it is dropped, on success
            /// and on error.
            ///
            /// # Errors
            ///
            /// As [`decode`]: [`Error::InvalidLength`] for a length no
            /// encoding can have, [`Error::InvalidEncoding`] for a character
            /// outside the alphabet, wrong padding or non-canonical bits.
            #[cfg(feature = "alloc")]
            pub fn decode_vec(src: impl AsRef<[u8]>) -> Result<Vec<u8>, Error> {
                let src = src.as_ref();
                check_length(src.len())?;
                let mut scratch = Zeroizing::new(alloc::vec![0u8; max_decoded_len(src.len())]);
                let decoded = decode(src, &mut scratch)?;
                let mut out = Vec::with_capacity(decoded.len());
                out.extend_from_slice(decoded);
                Ok(out)
            }

            fn check_length(len: usize) -> Result<(), Error> {
                let valid = if $padded { len % 4 == 0 } else { len % 4 != 1 };
                if valid { Ok(()) } else { Err(Error::InvalidLength) }
            }
        }
    };
}

base64_module!(
    /// Standard base64 (RFC 4648 §4) with `=` padding.
    base64,
    base64ct::Base64,
    padded = true,
    example = "+/8="
);

base64_module!(
    /// URL-safe base64 (RFC 4648 §5) without padding: for tokens in URLs,
    /// cookies and headers.
    base64url,
    base64ct::Base64UrlUnpadded,
    padded = false,
    example = "-_8"
);

/// An upper bound on the decoded length of `len` base64 characters.
#[cfg(feature = "alloc")]
fn max_decoded_len(len: usize) -> usize {
    (len / 4) * 3 + (len % 4) * 3 / 4
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn hex_rejects_odd_length_and_bad_digits() {
        assert_eq!(hex::decode_vec("abc"), Err(Error::InvalidLength));
        assert_eq!(hex::decode_vec("zz"), Err(Error::InvalidEncoding));
        let mut small = [0u8; 1];
        assert_eq!(hex::decode("abcd", &mut small), Err(Error::BufferTooSmall));
        assert_eq!(hex::encode(&[1, 2], &mut small), Err(Error::BufferTooSmall));
    }

    #[test]
    fn base64_variants_reject_each_others_alphabets() {
        assert_eq!(base64::decode_vec("-_8="), Err(Error::InvalidEncoding));
        assert_eq!(base64url::decode_vec("+/8"), Err(Error::InvalidEncoding));
        assert_eq!(base64::decode_vec("+/8"), Err(Error::InvalidLength));
        assert_eq!(base64url::decode_vec("A"), Err(Error::InvalidLength));
    }

    #[test]
    fn base64_rejects_non_canonical_trailing_bits() {
        // "+/9=" decodes to the same bytes as "+/8=" if the low bits were ignored.
        assert_eq!(base64::decode_vec("+/9="), Err(Error::InvalidEncoding));
    }

    #[test]
    fn decode_vec_is_exactly_sized() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let round = base64::decode_vec(base64::encode_string(&data)).unwrap_or_default();
            assert_eq!(round, data);
            assert_eq!(round.capacity(), round.len());
        }
    }

    #[test]
    fn short_output_buffer_is_reported() {
        let mut small = [0u8; 1];
        assert_eq!(base64url::decode("AAAA", &mut small), Err(Error::BufferTooSmall));
        assert_eq!(base64::encode(&[1, 2], &mut small), Err(Error::BufferTooSmall));
    }
}
