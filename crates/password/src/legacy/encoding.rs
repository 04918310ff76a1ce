//! Encodings the legacy formats share: decimal numbers, passlib's adapted
//! base64, standard base64 (padded and unpadded), hex, and crypt(3)'s
//! little-endian base 64. Every decoder names the part it was given on
//! failure, never the text.

use base64ct::{Base64, Base64Unpadded, Encoding};

use crate::Error;

/// The refusal of a malformed stored hash, naming `part` (never its text).
pub(crate) fn malformed(part: &'static str) -> Error {
    Error::Malformed { part }
}

/// A decimal number written as 1 to 10 ASCII digits (no sign, no spaces),
/// fitting a `u32`.
///
/// # Errors
///
/// [`Error::Malformed`] naming `part`.
pub(crate) fn number(s: &str, part: &'static str) -> Result<u32, Error> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(part));
    }
    s.parse().map_err(|_| malformed(part))
}

/// passlib's "adapted base64": the standard alphabet with `.` for `+`, no
/// padding.
///
/// # Errors
///
/// [`Error::Malformed`] naming `part`.
pub(crate) fn ab64_decode(s: &str, part: &'static str) -> Result<Vec<u8>, Error> {
    if s.contains('+') {
        return Err(malformed(part));
    }
    Base64Unpadded::decode_vec(&s.replace('.', "+")).map_err(|_| malformed(part))
}

/// Standard base64 (`+/`) with its `=` padding.
///
/// # Errors
///
/// [`Error::Malformed`] naming `part`.
pub(crate) fn b64_std_padded_decode(s: &str, part: &'static str) -> Result<Vec<u8>, Error> {
    Base64::decode_vec(s).map_err(|_| malformed(part))
}

/// Standard base64 (`+/`) without padding.
///
/// # Errors
///
/// [`Error::Malformed`] naming `part`.
pub(crate) fn b64_unpadded_decode(s: &str, part: &'static str) -> Result<Vec<u8>, Error> {
    Base64Unpadded::decode_vec(s).map_err(|_| malformed(part))
}

/// Hex in any case (upper, lower or mixed), decoded in constant time.
///
/// # Errors
///
/// [`Error::Malformed`] naming `part`.
pub(crate) fn hex_decode(s: &str, part: &'static str) -> Result<Vec<u8>, Error> {
    guardrail_ct::hex::decode_vec(s).map_err(|_| malformed(part))
}

/// Lower-case hex only (what `hexdigest()` writes), decoded in constant time.
///
/// # Errors
///
/// [`Error::Malformed`] naming `part`, also for an upper-case digit.
pub(crate) fn hex_lower(s: &str, part: &'static str) -> Result<Vec<u8>, Error> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(malformed(part));
    }
    hex_decode(s, part)
}

/// The crypt(3) alphabet of md5-crypt, sha-crypt, sha1-crypt and phpass.
pub(crate) const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Writes `count` crypt(3) base-64 characters of `value`, low bits first.
pub(crate) fn to64(out: &mut Vec<u8>, mut value: u32, count: usize) {
    for _ in 0..count {
        out.push(ITOA64.get((value & 0x3f) as usize).copied().unwrap_or(b'.'));
        value >>= 6;
    }
}

/// phpass's `encode64` (also NetBSD sha1crypt's): each group of up to 3
/// bytes, read little-endian, becomes one more character than it has bytes.
pub(crate) fn encode64_le(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let value = chunk.iter().rev().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        to64(&mut out, value, chunk.len() + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)] // test code

    use super::*;

    fn part(r: Result<Vec<u8>, Error>) -> &'static str {
        match r {
            Err(Error::Malformed { part }) => part,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn malformed_names_the_part() {
        assert!(matches!(malformed("salt"), Error::Malformed { part: "salt" }));
    }

    #[test]
    fn number_reads_digits_only_up_to_u32() {
        assert_eq!(number("0", "rounds").unwrap(), 0);
        assert_eq!(number("29000", "rounds").unwrap(), 29_000);
        assert_eq!(number("4294967295", "rounds").unwrap(), u32::MAX);
        for bad in ["", "+1", "-1", " 1", "1 ", "1e3", "4294967296", "00000000001", "١"] {
            assert!(matches!(number(bad, "rounds"), Err(Error::Malformed { part: "rounds" })), "{bad:?}");
        }
    }

    #[test]
    fn ab64_is_standard_base64_with_dot_for_plus_unpadded() {
        // passlib: ab64_encode(b"\xfb\xef\xff") == b"..//"; "hi" unpadded is "aGk".
        assert_eq!(ab64_decode("..//", "salt").unwrap(), vec![0xfb, 0xef, 0xff]);
        assert_eq!(ab64_decode("aGk", "salt").unwrap(), b"hi");
        assert_eq!(part(ab64_decode("++//", "salt")), "salt");
        assert_eq!(part(ab64_decode("aGk=", "hash")), "hash");
        assert_eq!(part(ab64_decode("a", "hash")), "hash");
    }

    #[test]
    fn standard_base64_padded_and_unpadded() {
        assert_eq!(b64_std_padded_decode("aGk=", "hash").unwrap(), b"hi");
        assert_eq!(b64_std_padded_decode("+/8=", "hash").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(part(b64_std_padded_decode("aGk", "hash")), "hash");
        assert_eq!(part(b64_std_padded_decode("-_8=", "hash")), "hash");
        assert_eq!(b64_unpadded_decode("aGk", "salt").unwrap(), b"hi");
        assert_eq!(part(b64_unpadded_decode("aGk=", "salt")), "salt");
    }

    #[test]
    fn hex_any_case_and_strict_lower() {
        assert_eq!(hex_decode("DEadbeef", "hash").unwrap(), vec![0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(hex_lower("deadbeef", "hash").unwrap(), vec![0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(part(hex_lower("DEADBEEF", "hash")), "hash");
        assert_eq!(part(hex_decode("abc", "hash")), "hash");
        assert_eq!(part(hex_decode("zz", "salt")), "salt");
    }

    #[test]
    fn crypt64_is_little_endian_with_the_crypt_alphabet() {
        let mut out = Vec::new();
        to64(&mut out, 0, 2);
        to64(&mut out, 63, 1);
        to64(&mut out, 64, 2);
        assert_eq!(out, b"..z./");
        // One byte gives two characters, three bytes four.
        assert_eq!(encode64_le(&[0x00]), b"..");
        assert_eq!(encode64_le(&[0xff, 0xff, 0xff]), b"zzzz");
        assert_eq!(encode64_le(&[1, 0, 0, 0]).len(), 6);
        assert_eq!(ITOA64.len(), 64);
    }
}
