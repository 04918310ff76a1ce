//! ASP.NET Core Identity's `PasswordHasher` (`src/Identity/Extensions.Core/
//! src/PasswordHasher.cs`): a bare padded base64 blob, no prefix.
//!
//! - v2 (`IdentityV2`): `0x00 ‖ salt 16 ‖ subkey 32`, PBKDF2-HMAC-SHA1 at
//!   1000 iterations.
//! - v3 (`IdentityV3`): `0x01 ‖ prf ‖ iterations ‖ salt length ‖ salt ‖
//!   subkey`, the three header fields u32 big-endian; prf 0 HMAC-SHA1,
//!   1 HMAC-SHA256, 2 HMAC-SHA512; salt and subkey at least 16 bytes each
//!   (what `VerifyHashedPasswordV3` demands), the subkey the rest.
//!
//! Recognised by shape ([`by_shape`]) after every prefix: a string that is
//! not padded base64 of one of these headers is left to the other shapes.
//! The password is its UTF-8 bytes; the derived key is PBKDF2 with the
//! HMAC trailing-NUL rule of `pbkdf2.rs`.

use super::encoding::{b64_std_padded_decode, malformed};
use super::pbkdf2::{Pbkdf2, Prf, Shown, bounded_key_len, iterations, key_values};
use super::{Format, Parsed};
use crate::Error;

/// No prefix: ASP.NET is recognised by [`by_shape`].
pub(crate) const FORMATS: &[Format] = &[];

/// v2's salt length, bytes.
const V2_SALT: usize = 16;
/// v2's subkey length, bytes.
const V2_SUBKEY: usize = 32;
/// v2's iterations.
const V2_ITERATIONS: u32 = 1000;
/// v3's header: format marker, PRF, iterations, salt length.
const V3_HEADER: usize = 13;
/// The shortest salt and subkey v3 reads, bytes (128 bits).
const V3_MIN: usize = 16;

/// The ASP.NET Identity blob `stored` is, if it is one: `None` when it is
/// not padded base64 of a v2 blob (49 bytes, `0x00` first) or of a v3
/// header (`0x01` first, 13 bytes or more).
///
/// # Errors
///
/// Inside the `Some`: [`Error::Malformed`] for a v3 header whose salt or
/// subkey is too short or runs past the end (or zero iterations);
/// [`Error::Unsupported`] for a PRF v3 does not define.
pub(crate) fn by_shape(stored: &str) -> Option<Result<Parsed, Error>> {
    let blob = b64_std_padded_decode(stored, "hash").ok()?;
    match blob.as_slice() {
        [0x00, rest @ ..] if rest.len() == V2_SALT + V2_SUBKEY => Some(Ok(v2(rest))),
        [0x01, header @ ..] if header.len() >= V3_HEADER - 1 => Some(v3(&blob)),
        _ => None,
    }
}

/// v2 from the blob after its marker: salt 16 ‖ subkey 32.
fn v2(rest: &[u8]) -> Parsed {
    let (salt, subkey) = rest.split_at(V2_SALT.min(rest.len()));
    scheme_v2(salt.to_vec(), subkey.to_vec())
}

fn scheme_v2(salt: Vec<u8>, digest: Vec<u8>) -> Parsed {
    Box::new(Pbkdf2 {
        id: "aspnet-v2",
        param: "iterations",
        shown: Shown::Nothing,
        prf: Prf::Sha1,
        iterations: V2_ITERATIONS,
        len: V2_SUBKEY,
        salt,
        digest,
    })
}

/// A big-endian u32 at `at` in `blob`.
fn read_u32(blob: &[u8], at: usize) -> Option<u32> {
    let bytes = blob.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

/// v3's PRF code.
fn prf(code: u32) -> Result<Prf, Error> {
    match code {
        0 => Ok(Prf::Sha1),
        1 => Ok(Prf::Sha256),
        2 => Ok(Prf::Sha512),
        _ => Err(Error::Unsupported { what: "ASP.NET Identity v3 PRF" }),
    }
}

/// v3 from the whole blob, marker included.
fn v3(blob: &[u8]) -> Result<Parsed, Error> {
    let header = (read_u32(blob, 1), read_u32(blob, 5), read_u32(blob, 9));
    let (Some(code), Some(count), Some(salt_len)) = header else { return Err(malformed("header")) };
    let prf = prf(code)?;
    if count == 0 {
        return Err(malformed("iterations"));
    }
    let salt_end =
        usize::try_from(salt_len).ok().and_then(|n| n.checked_add(V3_HEADER)).ok_or_else(|| malformed("salt"))?;
    let salt = blob.get(V3_HEADER..salt_end).filter(|s| s.len() >= V3_MIN).ok_or_else(|| malformed("salt"))?;
    let subkey = blob.get(salt_end..).filter(|k| k.len() >= V3_MIN).ok_or_else(|| malformed("hash"))?;
    let len = bounded_key_len(subkey.len())?;
    Ok(scheme_v3(prf, count, len, salt.to_vec(), subkey.to_vec()))
}

fn scheme_v3(prf: Prf, iterations: u32, len: usize, salt: Vec<u8>, digest: Vec<u8>) -> Parsed {
    Box::new(Pbkdf2 {
        id: "aspnet-v3",
        param: "iterations",
        shown: Shown::PrfCountLen,
        prf,
        iterations,
        len,
        salt,
        digest,
    })
}

/// A derived key length written in decimal (`len=N`), at most
/// [`super::pbkdf2::MAX_KEY_LEN`]; a number too large for any integer is over the cap too.
///
/// # Errors
///
/// [`Error::Malformed`] naming `len` for anything but digits (or a leading
/// zero); [`Error::OutOfPolicy`] naming `len` above the cap.
fn key_len(text: &str) -> Result<usize, Error> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return Err(malformed("len"));
    }
    // Digits only: a value past u64 is still a length over the cap.
    let len = text.parse::<u64>().ok().and_then(|n| usize::try_from(n).ok()).unwrap_or(usize::MAX);
    bounded_key_len(len)
}

/// Rebuilds `aspnet-v2` (no parameters, salt 16) or `aspnet-v3`
/// (`prf=sha1|sha256|sha512,iterations=N,len=L`, salt and length ≥ 16,
/// length ≤ [`super::pbkdf2::MAX_KEY_LEN`], refused naming `len`).
pub(crate) fn from_public(id: &str, params: &str, salt: &[u8]) -> Option<Result<Parsed, Error>> {
    match id {
        "aspnet-v2" if params.is_empty() && salt.len() == V2_SALT => Some(Ok(scheme_v2(salt.to_vec(), Vec::new()))),
        "aspnet-v2" => Some(Err(malformed("params"))),
        "aspnet-v3" => Some(rebuild_v3(params, salt)),
        _ => None,
    }
}

fn rebuild_v3(params: &str, salt: &[u8]) -> Result<Parsed, Error> {
    let [prf, count, len] = key_values(params, ["prf", "iterations", "len"]).ok_or_else(|| malformed("params"))?;
    let prf = Prf::from_name(prf).ok_or_else(|| malformed("params"))?;
    // The length first: it sizes the key buffer, whatever the iterations.
    let len = key_len(len)?;
    let count = iterations(count, "params")?;
    if len < V3_MIN || salt.len() < V3_MIN {
        return Err(malformed("params"));
    }
    Ok(scheme_v3(prf, count, len, salt.to_vec(), Vec::new()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)] // test code

    use base64ct::{Base64, Encoding};

    use super::*;
    use crate::Caps;
    use crate::legacy::pbkdf2::tests::{LAYOUT, default_caps, replay, rows};

    #[test]
    fn every_aspnet_vector() {
        let mut all = rows(LAYOUT);
        all.retain(|row| row.family == "aspnet");
        // v2 (15 + 2), v3 SHA-1 (9 + 1), SHA-256 (9 + 2), SHA-512 (12 + 2).
        assert_eq!(all.len(), 52);
        assert!(all.iter().any(|row| row.expect == "refused:iterations"));
        assert!(replay(&all) > 30);
    }

    /// A v3 blob with `prf`, `count`, a salt of `salt_len` bytes (as the
    /// header says) and `body` bytes after the header.
    fn v3_blob(prf: u32, count: u32, salt_len: u32, body: usize) -> String {
        let mut blob = vec![0x01];
        for field in [prf, count, salt_len] {
            blob.extend_from_slice(&field.to_be_bytes());
        }
        blob.resize(V3_HEADER + body, 0x5a);
        Base64::encode_string(&blob)
    }

    fn parsed(stored: &str) -> Result<Parsed, Error> {
        match crate::legacy::parse(stored) {
            Some(result) => result,
            None => panic!("not recognised"),
        }
    }

    #[test]
    fn v3_headers_are_checked_before_any_work() {
        let caps = default_caps();
        // Default .NET 7+ (SHA-512, 100,000) admitted; the caps' own limit named.
        assert!(parsed(&v3_blob(2, 100_000, 16, 48)).unwrap().check(&caps).is_ok());
        for count in [2_000_000, u32::MAX] {
            let refused = parsed(&v3_blob(2, count, 16, 48)).unwrap().check(&caps);
            assert!(matches!(refused, Err(Error::OutOfPolicy { param: "iterations", .. })), "{count}");
        }
        // A long subkey costs each iteration once per PRF block.
        let one = parsed(&v3_blob(0, 10_000, 16, 36)).unwrap().cost().block_passes;
        let four = parsed(&v3_blob(0, 10_000, 16, 16 + 80)).unwrap().cost().block_passes;
        assert_eq!(four, 4 * one);
        assert!(matches!(parsed(&v3_blob(3, 1000, 16, 48)), Err(Error::Unsupported { .. })));
        assert!(matches!(parsed(&v3_blob(u32::MAX, 1000, 16, 48)), Err(Error::Unsupported { .. })));
        for (count, salt_len, body) in
            [(0, 16, 48), (1000, 15, 48), (1000, 16, 31), (1000, 40, 48), (1000, u32::MAX, 48)]
        {
            let stored = v3_blob(1, count, salt_len, body);
            assert!(matches!(parsed(&stored), Err(Error::Malformed { .. })), "{count} {salt_len} {body}");
        }
        // A header cut short is still ASP.NET's, and malformed.
        let short = Base64::encode_string(&[1, 0, 0, 0, 1, 0, 0, 0x27, 0x10, 0, 0, 0, 16]);
        assert!(matches!(parsed(&short), Err(Error::Malformed { .. })));
    }

    #[test]
    fn other_shapes_are_left_alone() {
        let v2_body = Base64::encode_string(&[0u8; 49]);
        assert!(by_shape(&v2_body).is_some());
        for other in [
            Base64::encode_string(&[0u8; 48]),              // v2 one byte short
            Base64::encode_string(&[0u8; 50]),              // v2 one byte long
            Base64::encode_string(&[1u8; 12]),              // shorter than a v3 header
            Base64::encode_string(&[2u8; 61]),              // no such format marker
            v2_body.trim_end_matches('=').to_string(),      // unpadded
            "5f4dcc3b5aa765d61d8327deb882cf99".to_string(), // bare MD5 hex
            // A layout row's v3 blob without its padding.
            "AQAAAAEAACcQAAAAEAEIDxYdJCsyOUBHTlVcY2o3+Yh6jGs3h2xzWGIbrH5x3gWvqKtVzHaL+WZTD1Vddg".to_string(),
            "ÄQAAAA==".to_string(),
            String::new(),
        ] {
            assert!(by_shape(&other).is_none());
        }
    }

    #[test]
    fn from_public_round_trips_and_refuses_what_the_id_does_not_take() {
        let rebuilt = from_public("aspnet-v3", "prf=sha512,iterations=100000,len=32", &[7; 16]).unwrap().unwrap();
        assert_eq!(rebuilt.public_params(), "prf=sha512,iterations=100000,len=32");
        for (id, params, salt) in [
            ("aspnet-v2", "", &[0u8; 15][..]),
            ("aspnet-v2", "iterations=1000", &[0u8; 16][..]),
            ("aspnet-v3", "prf=md5,iterations=1000,len=32", &[0u8; 16][..]),
            ("aspnet-v3", "prf=sha1,iterations=0,len=32", &[0u8; 16][..]),
            ("aspnet-v3", "prf=sha1,iterations=1000,len=8", &[0u8; 16][..]),
            ("aspnet-v3", "prf=sha1,iterations=1000,len=32", &[0u8; 8][..]),
            ("aspnet-v3", "iterations=1000,prf=sha1,len=32", &[0u8; 16][..]),
        ] {
            assert!(matches!(from_public(id, params, salt), Some(Err(Error::Malformed { .. }))), "{id} {params}");
        }
        assert!(from_public("django-pbkdf2-sha1", "iterations=1", b"s").is_none());
    }

    /// The review's hostile wrap: a v3 inner scheme whose public `len` asks
    /// for a 300 MB key, refused by name before any work.
    const HOSTILE_WRAP: &str = "$guardrail-wrap$v=1$aspnet-v3$prf=sha256,iterations=1,len=300000000$c2FsdHNhbHRzYWx0c2FsdA$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$";

    fn is_len_over_cap(result: Result<Parsed, Error>) -> bool {
        matches!(result, Err(Error::OutOfPolicy { param: "len", cap: 1024, unit: "bytes" }))
    }

    #[test]
    fn key_lengths_are_bounded_before_any_work() {
        let salt = [7u8; 16];
        for len in ["1025", "300000000", "4000000000", "4294967296", "99999999999999999999999"] {
            let params = format!("prf=sha256,iterations=1,len={len}");
            let result = from_public("aspnet-v3", &params, &salt).unwrap();
            let shown = match &result {
                Err(err) => format!("{err} {err:?}"),
                Ok(_) => panic!("admitted len={len}"),
            };
            assert!(is_len_over_cap(result), "{len}: {shown}");
            assert!(shown.contains("len") && !shown.contains(len) && !shown.contains("iterations"), "{shown}");
        }
        let params = "prf=sha256,iterations=1,len=1024";
        assert_eq!(from_public("aspnet-v3", params, &salt).unwrap().unwrap().public_params(), params);
        for len in ["", "-1", "0032", "3e8", "１０"] {
            let params = format!("prf=sha256,iterations=1,len={len}");
            let result = from_public("aspnet-v3", &params, &salt).unwrap();
            assert!(matches!(result, Err(Error::Malformed { part: "len" })), "{len:?}");
        }
        // A stored blob whose subkey is longer than the cap, by shape.
        assert!(is_len_over_cap(parsed(&v3_blob(1, 1, 16, 16 + 1025))));
        assert!(parsed(&v3_blob(1, 1, 16, 16 + 1024)).is_ok());
        // Wrapped: refused at parse, naming the length, under the default caps.
        let wrapped = format!("{HOSTILE_WRAP}{}", "A".repeat(43));
        let refused = crate::wrap::parse(&wrapped, &default_caps()).err();
        let refused = refused.map(|e| (matches!(e, Error::OutOfPolicy { param: "len", .. }), e.to_string()));
        assert!(refused.as_ref().is_some_and(|(named, text)| *named && !text.contains("300000000")), "{refused:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any text after any PBKDF2 or scrypt prefix, and any base64 blob
        /// with an ASP.NET marker, parses without a panic; what small caps
        /// admit costs no more than them and computes.
        #[test]
        fn hostile_input_never_panics(
            pick in 0usize..64,
            tail in "[0-9a-zA-Z$=,.+/{}_-]{0,100}",
            blob in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..100),
        ) {
            let families = [crate::legacy::pbkdf2::FORMATS, crate::legacy::scrypt::FORMATS];
            let prefixes: Vec<&str> = families.iter().flat_map(|f| f.iter().map(|f| f.prefix)).collect();
            let prefix = prefixes.get(pick % prefixes.len()).copied().unwrap_or_default();
            let raw = [&[(pick % 3) as u8][..], &blob].concat();
            let caps = Caps { max_memory_bytes: 1 << 20, max_block_passes: 2000, ..default_caps() };
            for stored in [format!("{prefix}{tail}"), Base64::encode_string(&raw)] {
                let Some(Ok(parsed)) = crate::legacy::parse(&stored) else { continue };
                if parsed.check(&caps).is_ok() {
                    let cost = parsed.cost();
                    proptest::prop_assert!(cost.memory_bytes <= caps.max_memory_bytes);
                    proptest::prop_assert!(cost.block_passes <= caps.max_block_passes);
                    proptest::prop_assert!(crate::legacy::matches(&*parsed, b"pw").is_ok());
                }
            }
        }
    }
}
