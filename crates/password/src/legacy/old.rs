//! Verifying hashes from systems teams migrate away from, so users can log
//! in once more and be upgraded to argon2id on the spot. Verify only: the
//! hasher can never produce these.
//!
//! The primitives come from maintained crates (`bcrypt`, `pbkdf2`,
//! `scrypt`, `sha-crypt`, `md-5`, `sha1`, `sha2`); the format parsing is
//! ours, so every cost parameter is capped before any work is done (a
//! stored `rounds=999999999` must not stall a login).
//!
//! No scheme may take a candidate it cannot read whole: a variant that
//! shares what the scheme reads would verify, and the upgrade would store
//! it. bcrypt reads 72 bytes up to a NUL ([`bcrypt_reads_whole`]); HMAC-keyed
//! schemes cannot tell a trailing NUL (`hmac_key_unambiguous`). Each refusal
//! runs the scheme's whole computation first, so it costs what a wrong
//! password costs. A scheme added later with a limit of its own (des_crypt
//! reads 8 characters and 7 bits of each; it is not read today) must do
//! the same.

use base64ct::{Base64, Base64Unpadded, Encoding};
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use crate::Error;

/// The highest costs a stored legacy hash may ask for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LegacyCaps {
    pub(crate) bcrypt_cost: u32,
    pub(crate) pbkdf2_rounds: u32,
    pub(crate) sha_crypt_rounds: u32,
    pub(crate) sha1_crypt_rounds: u32,
    pub(crate) phpass_log2: u32,
    pub(crate) scrypt_log_n: u32,
    pub(crate) scrypt_r: u32,
    pub(crate) scrypt_p: u32,
}

impl LegacyCaps {
    pub(crate) const DEFAULT: Self = Self {
        bcrypt_cost: 14,              // ~1 s
        pbkdf2_rounds: 5_000_000,     // Django 2025 uses 1,000,000 for SHA-256
        sha_crypt_rounds: 2_000_000,  // passlib's defaults are 535,000 / 656,000
        sha1_crypt_rounds: 2_000_000, // passlib's default is 480,000
        phpass_log2: 20,              // WordPress uses 8, Drupal 15-16
        scrypt_log_n: 17,             // 128 MiB at r = 8
        scrypt_r: 16,
        scrypt_p: 4,
    };
}

/// The crypt(3) alphabet of md5-crypt, sha-crypt and phpass.
const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn malformed(part: &'static str) -> Error {
    Error::Malformed { part }
}

fn out_of_policy(param: &'static str, cap: u32, unit: &'static str) -> Error {
    crate::cost::over(param, u64::from(cap), unit)
}

fn number(s: &str, part: &'static str) -> Result<u32, Error> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(part));
    }
    s.parse().map_err(|_| malformed(part))
}

/// passlib's "adapted base64": standard alphabet with `.` for `+`, no padding.
fn ab64_decode(s: &str, part: &'static str) -> Result<Vec<u8>, Error> {
    Base64Unpadded::decode_vec(&s.replace('.', "+")).map_err(|_| malformed(part))
}

/// Whether a stored string is in a legacy format this module knows.
pub(crate) fn is_legacy(stored: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "$2a$",
        "$2b$",
        "$2y$",
        "$pbkdf2$",
        "$pbkdf2-sha256$",
        "$pbkdf2-sha512$",
        "$scrypt$",
        "$5$",
        "$6$",
        "$1$",
        "$apr1$",
        "$sha1$",
        "$P$",
        "$H$",
        "pbkdf2_sha256$",
        "pbkdf2_sha1$",
        "bcrypt_sha256$",
        "bcrypt$",
        "sha1$",
        "md5$",
    ];
    PREFIXES.iter().any(|p| stored.starts_with(p)) || ldap_scheme(stored).is_some()
}

fn ldap_scheme(stored: &str) -> Option<(&'static str, &str)> {
    let upper = stored.get(..6)?.to_ascii_uppercase();
    match upper.as_str() {
        "{SSHA}" => Some(("SSHA", stored.get(6..)?)),
        "{SMD5}" => Some(("SMD5", stored.get(6..)?)),
        _ => None,
    }
}

/// Memory verifying `stored` needs, in bytes, declared to the engine
/// before any work: scrypt's 128 × r × 2^ln (its V array), 0 for every
/// other scheme (a few KiB of state) and for a row over the caps or
/// malformed (refused before any work). A peek at the parameters only:
/// [`verify`] parses and checks them.
pub(crate) fn memory_bytes(stored: &str, caps: &LegacyCaps) -> usize {
    let Some(rest) = stored.strip_prefix("$scrypt$") else { return 0 };
    let (mut log_n, mut r) = (0u32, 0u32);
    for part in rest.split('$').next().unwrap_or_default().split(',') {
        if let Some(v) = part.strip_prefix("ln=") {
            log_n = v.parse().unwrap_or(u32::MAX);
        } else if let Some(v) = part.strip_prefix("r=") {
            r = v.parse().unwrap_or(u32::MAX);
        }
    }
    if log_n > caps.scrypt_log_n || r > caps.scrypt_r {
        return 0;
    }
    (128usize * r as usize) << log_n
}

/// Verifies `password` against a legacy `stored` hash. `Ok(false)` is a
/// wrong password; errors are for the stored string.
pub(crate) fn verify(password: &[u8], stored: &str, caps: &LegacyCaps) -> Result<bool, Error> {
    if let Some((scheme, rest)) = ldap_scheme(stored) {
        return ldap(password, scheme, rest);
    }
    if let Some(rest) = stored.strip_prefix("bcrypt_sha256$") {
        // Django: bcrypt over the hex SHA-256 of the password: 64 bytes,
        // no NUL, so bcrypt reads all of it and the password has no limit.
        // The hex is as good as the password for this hash: wiped on drop.
        let hex = zeroize::Zeroizing::new(guardrail_ct::hex::encode_string(&Sha256::digest(password)));
        return bcrypt_verify(hex.as_bytes(), rest, caps);
    }
    if let Some(rest) = stored.strip_prefix("bcrypt$") {
        return bcrypt_verify(password, rest, caps);
    }
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        return bcrypt_verify(password, stored, caps);
    }
    let fields: Vec<&str> = stored.split('$').collect();
    match fields.as_slice() {
        ["", "pbkdf2", rounds, salt, sum] => passlib_pbkdf2(Prf::Sha1, password, rounds, salt, sum, 20, caps),
        ["", "pbkdf2-sha256", rounds, salt, sum] => passlib_pbkdf2(Prf::Sha256, password, rounds, salt, sum, 32, caps),
        ["", "pbkdf2-sha512", rounds, salt, sum] => passlib_pbkdf2(Prf::Sha512, password, rounds, salt, sum, 64, caps),
        ["", "scrypt", params, salt, sum] => passlib_scrypt(password, params, salt, sum, caps),
        ["", "5" | "6", ..] => sha_crypt(password, stored, &fields, caps),
        ["", "1", salt, sum] => md5_crypt(password, b"$1$", salt, sum),
        ["", "apr1", salt, sum] => md5_crypt(password, b"$apr1$", salt, sum),
        ["", "sha1", rounds, salt, sum] => sha1_crypt(password, rounds, salt, sum, caps),
        ["", "P" | "H", _] => phpass(password, stored, caps),
        ["pbkdf2_sha256", iterations, salt, sum] => django_pbkdf2(Prf::Sha256, password, iterations, salt, sum, caps),
        ["pbkdf2_sha1", iterations, salt, sum] => django_pbkdf2(Prf::Sha1, password, iterations, salt, sum, caps),
        ["sha1", salt, hex] => Ok(salted_hex::<Sha1>(password, salt, hex)),
        ["md5", salt, hex] => Ok(salted_hex::<Md5>(password, salt, hex)),
        _ => Err(malformed("legacy format")),
    }
}

/// The most password bytes bcrypt reads: it keys Blowfish with the password
/// as a C string (NUL-terminated), cut at 72 bytes.
pub(crate) const BCRYPT_MAX_BYTES: usize = 72;

/// Whether bcrypt reads every byte of `password`, so that no other
/// password has the same key: at most [`BCRYPT_MAX_BYTES`] bytes and no
/// NUL. A longer candidate matches the hash of its first 72 bytes (what
/// pyca/bcrypt 5 refuses and Spring Security fixed as CVE-2025-22228). A
/// C implementation stops at the first NUL, so no stored hash covers the
/// bytes after one; and the `bcrypt` crate cycles `password ‖ NUL` over
/// the key, so `ab\0ab` keys Blowfish exactly like `ab`.
pub(crate) fn bcrypt_reads_whole(password: &[u8]) -> bool {
    password.len() <= BCRYPT_MAX_BYTES && !password.contains(&0)
}

/// Plain bcrypt in every spelling (`$2a$ $2b$ $2y$`, Django's `bcrypt$`),
/// and the inner bcrypt of Django's `bcrypt_sha256$`.
///
/// A candidate bcrypt cannot read whole ([`bcrypt_reads_whole`]) is never
/// a match. It is refused the way a wrong password is: bcrypt still runs,
/// at the stored cost, on the first 72 bytes, and only then is the answer
/// `false` — a fast refusal would tell the two apart by timing (Spring's
/// fix for CVE-2025-22228 did that: CVE-2025-22234).
fn bcrypt_verify(password: &[u8], stored: &str, caps: &LegacyCaps) -> Result<bool, Error> {
    let cost = number(stored.get(4..6).unwrap_or_default(), "cost")?;
    if cost > caps.bcrypt_cost {
        return Err(out_of_policy("cost", caps.bcrypt_cost, "log2 rounds"));
    }
    let whole = bcrypt_reads_whole(password);
    // What bcrypt would read anyway; given whole, the crate never truncates.
    let head = password.get(..BCRYPT_MAX_BYTES).unwrap_or(password);
    #[cfg(test)]
    tests::BCRYPT_RUNS.with(|runs| runs.set(runs.get() + 1));
    let matched = bcrypt::verify(head, stored).map_err(|_| malformed("bcrypt"))?;
    Ok(matched & whole)
}

/// Whether an HMAC keyed with `password` tells it apart from every shorter
/// password. HMAC pads a short key with zero bytes, so `pw` and `pw\0`
/// are the same key: PBKDF2 (passlib, Django), scrypt (its PBKDF2 steps)
/// and sha1-crypt would take `pw\0` for `pw`, and the upgrade would store
/// the variant. A candidate ending in NUL is therefore never a match; the
/// scheme's work is done all the same.
fn hmac_key_unambiguous(password: &[u8]) -> bool {
    password.last() != Some(&0)
}

/// The PBKDF2 pseudo-random functions legacy formats use.
#[derive(Clone, Copy)]
enum Prf {
    Sha1,
    Sha256,
    Sha512,
}

fn pbkdf2(prf: Prf, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    match prf {
        Prf::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, out),
        Prf::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, out),
        Prf::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, rounds, out),
    }
}

fn passlib_pbkdf2(
    prf: Prf,
    password: &[u8],
    rounds: &str,
    salt: &str,
    sum: &str,
    len: usize,
    caps: &LegacyCaps,
) -> Result<bool, Error> {
    let rounds = number(rounds, "rounds")?;
    if rounds > caps.pbkdf2_rounds {
        return Err(out_of_policy("rounds", caps.pbkdf2_rounds, "iterations"));
    }
    let salt = ab64_decode(salt, "salt")?;
    let expected = ab64_decode(sum, "hash")?;
    if expected.len() != len || rounds == 0 {
        return Err(malformed("hash"));
    }
    let mut out = vec![0u8; len];
    pbkdf2(prf, password, &salt, rounds, &mut out);
    Ok(guardrail_ct::eq(&out, &expected) & hmac_key_unambiguous(password))
}

fn django_pbkdf2(
    prf: Prf,
    password: &[u8],
    iterations: &str,
    salt: &str,
    sum: &str,
    caps: &LegacyCaps,
) -> Result<bool, Error> {
    let rounds = number(iterations, "iterations")?;
    if rounds > caps.pbkdf2_rounds {
        return Err(out_of_policy("iterations", caps.pbkdf2_rounds, "iterations"));
    }
    let expected = Base64::decode_vec(sum).map_err(|_| malformed("hash"))?;
    if expected.is_empty() || expected.len() > 64 || rounds == 0 {
        return Err(malformed("hash"));
    }
    let mut out = vec![0u8; expected.len()];
    pbkdf2(prf, password, salt.as_bytes(), rounds, &mut out);
    Ok(guardrail_ct::eq(&out, &expected) & hmac_key_unambiguous(password))
}

fn passlib_scrypt(password: &[u8], params: &str, salt: &str, sum: &str, caps: &LegacyCaps) -> Result<bool, Error> {
    let mut parts = params.split(',');
    let mut take = |key: &str| -> Result<u32, Error> {
        let part = parts.next().ok_or_else(|| malformed("params"))?;
        number(part.strip_prefix(key).and_then(|v| v.strip_prefix('=')).ok_or_else(|| malformed("params"))?, "params")
    };
    let (log_n, r, p) = (take("ln")?, take("r")?, take("p")?);
    if log_n > caps.scrypt_log_n {
        return Err(out_of_policy("ln", caps.scrypt_log_n, "log2 N"));
    }
    if r > caps.scrypt_r {
        return Err(out_of_policy("r", caps.scrypt_r, "block size"));
    }
    if p > caps.scrypt_p {
        return Err(out_of_policy("p", caps.scrypt_p, "lanes"));
    }
    let salt = ab64_decode(salt, "salt")?;
    let expected = ab64_decode(sum, "hash")?;
    if expected.is_empty() || expected.len() > 64 {
        return Err(malformed("hash"));
    }
    let log_n = u8::try_from(log_n).map_err(|_| malformed("params"))?;
    let params = scrypt::Params::new(log_n, r, p).map_err(|_| malformed("params"))?;
    let mut out = vec![0u8; expected.len()];
    scrypt::scrypt(password, &salt, &params, &mut out).map_err(|_| malformed("hash"))?;
    Ok(guardrail_ct::eq(&out, &expected) & hmac_key_unambiguous(password))
}

fn sha_crypt(password: &[u8], stored: &str, fields: &[&str], caps: &LegacyCaps) -> Result<bool, Error> {
    use password_hash::PasswordVerifier;
    if let Some(rounds) = fields.get(2).and_then(|f| f.strip_prefix("rounds="))
        && number(rounds, "rounds")? > caps.sha_crypt_rounds
    {
        return Err(out_of_policy("rounds", caps.sha_crypt_rounds, "rounds"));
    }
    match sha_crypt::ShaCrypt::default().verify_password(password, stored) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::PasswordInvalid) => Ok(false),
        Err(_) => Err(malformed("sha-crypt")),
    }
}

/// Writes `count` crypt(3) base-64 characters of `value`, low bits first.
fn to64(out: &mut Vec<u8>, mut value: u32, count: usize) {
    for _ in 0..count {
        out.push(ITOA64.get((value & 0x3f) as usize).copied().unwrap_or(b'.'));
        value >>= 6;
    }
}

/// phpass's `encode64` (also NetBSD sha1crypt's): each group of up to 3
/// bytes, read little-endian, becomes one more character than it has bytes.
fn encode64_le(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let value = chunk.iter().rev().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        to64(&mut out, value, chunk.len() + 1);
    }
    out
}

/// md5-crypt (Poul-Henning Kamp's `$1$`) and Apache's `$apr1$`, which
/// differ only in the magic string.
fn md5_crypt(password: &[u8], magic: &[u8], salt: &str, sum: &str) -> Result<bool, Error> {
    let salt = salt.as_bytes();
    if salt.len() > 8 || sum.len() != 22 {
        return Err(malformed("md5-crypt"));
    }
    let alternate = Md5::new().chain_update(password).chain_update(salt).chain_update(password).finalize();
    let mut ctx = Md5::new().chain_update(password).chain_update(magic).chain_update(salt);
    let mut remaining = password.len();
    while remaining > 0 {
        let n = remaining.min(16);
        ctx.update(alternate.get(..n).unwrap_or_default());
        remaining -= n;
    }
    let mut bits = password.len();
    while bits > 0 {
        if bits & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(password.get(..1).unwrap_or_default());
        }
        bits >>= 1;
    }
    let mut digest = ctx.finalize();
    for round in 0..1000 {
        let mut c = Md5::new();
        if round & 1 == 1 {
            c.update(password);
        } else {
            c.update(digest);
        }
        if round % 3 != 0 {
            c.update(salt);
        }
        if round % 7 != 0 {
            c.update(password);
        }
        if round & 1 == 1 {
            c.update(digest);
        } else {
            c.update(password);
        }
        digest = c.finalize();
    }
    let d = |i: usize| u32::from(digest.get(i).copied().unwrap_or(0));
    let mut out = Vec::with_capacity(22);
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        to64(&mut out, (d(a) << 16) | (d(b) << 8) | d(c), 4);
    }
    to64(&mut out, d(11), 2);
    Ok(guardrail_ct::eq(&out, sum.as_bytes()))
}

/// NetBSD's `$sha1$`: HMAC-SHA1 keyed with the password, iterated `rounds`
/// times over `salt$sha1$rounds`, output bytes transposed, crypt base 64.
fn sha1_crypt(password: &[u8], rounds_text: &str, salt: &str, sum: &str, caps: &LegacyCaps) -> Result<bool, Error> {
    use hmac::{KeyInit, Mac};
    type HmacSha1 = hmac::Hmac<Sha1>;
    let rounds = number(rounds_text, "rounds")?;
    if rounds > caps.sha1_crypt_rounds {
        return Err(out_of_policy("rounds", caps.sha1_crypt_rounds, "rounds"));
    }
    if rounds == 0 || salt.len() > 64 || sum.len() != 28 {
        return Err(malformed("sha1-crypt"));
    }
    let mac = HmacSha1::new_from_slice(password).map_err(|_| malformed("sha1-crypt"))?;
    let mut result = mac.clone().chain_update(format!("{salt}$sha1${rounds_text}").as_bytes()).finalize().into_bytes();
    for _ in 1..rounds {
        result = mac.clone().chain_update(result).finalize().into_bytes();
    }
    const ORDER: [usize; 21] = [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 17, 16, 15, 0, 19, 18];
    let transposed: Vec<u8> = ORDER.iter().map(|&i| result.get(i).copied().unwrap_or(0)).collect();
    Ok(guardrail_ct::eq(&encode64_le(&transposed), sum.as_bytes()) & hmac_key_unambiguous(password))
}

/// phpass portable hashes (`$P$` WordPress, `$H$` phpBB): iterated MD5.
fn phpass(password: &[u8], stored: &str, caps: &LegacyCaps) -> Result<bool, Error> {
    let bytes = stored.as_bytes();
    if bytes.len() != 34 {
        return Err(malformed("phpass"));
    }
    let log2 = bytes.get(3).and_then(|c| ITOA64.iter().position(|a| a == c)).ok_or_else(|| malformed("phpass"))? as u32;
    if log2 < 7 {
        return Err(malformed("phpass"));
    }
    if log2 > caps.phpass_log2 {
        return Err(out_of_policy("rounds", caps.phpass_log2, "log2 rounds"));
    }
    let salt = bytes.get(4..12).ok_or_else(|| malformed("phpass"))?;
    let mut digest = Md5::new().chain_update(salt).chain_update(password).finalize();
    for _ in 0..(1u32 << log2) {
        digest = Md5::new().chain_update(digest).chain_update(password).finalize();
    }
    Ok(guardrail_ct::eq(&encode64_le(&digest), bytes.get(12..).unwrap_or_default()))
}

fn salted_hex<D: Digest>(password: &[u8], salt: &str, hex: &str) -> bool {
    let digest = D::new().chain_update(salt.as_bytes()).chain_update(password).finalize();
    guardrail_ct::eq(guardrail_ct::hex::encode_string(&digest).as_bytes(), hex.to_ascii_lowercase().as_bytes())
}

fn ldap(password: &[u8], scheme: &str, encoded: &str) -> Result<bool, Error> {
    let raw = Base64::decode_vec(encoded).map_err(|_| malformed("ldap"))?;
    let digest_len = if scheme == "SSHA" { 20 } else { 16 };
    if raw.len() <= digest_len || raw.len() > digest_len + 64 {
        return Err(malformed("ldap"));
    }
    let (expected, salt) = raw.split_at(digest_len);
    let digest = if scheme == "SSHA" {
        Sha1::new().chain_update(password).chain_update(salt).finalize().to_vec()
    } else {
        Md5::new().chain_update(password).chain_update(salt).finalize().to_vec()
    };
    Ok(guardrail_ct::eq(&digest, expected))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use std::cell::Cell;

    use super::*;

    thread_local! {
        /// bcrypt computations run by this thread, counted by `bcrypt_verify`.
        pub(super) static BCRYPT_RUNS: Cell<usize> = const { Cell::new(0) };
    }

    /// `verify`, and how many bcrypt computations it ran.
    fn verify_counting(password: &[u8], stored: &str) -> (bool, usize) {
        let before = BCRYPT_RUNS.with(Cell::get);
        let ok = verify(password, stored, &LegacyCaps::DEFAULT).unwrap();
        (ok, BCRYPT_RUNS.with(Cell::get) - before)
    }

    /// `hash` made by the `bcrypt` crate, in every plain spelling guardrail reads.
    fn spellings(password: &[u8]) -> Vec<String> {
        let parts = bcrypt::hash_with_result(password, 4).unwrap();
        let mut out: Vec<String> = [bcrypt::Version::TwoA, bcrypt::Version::TwoB, bcrypt::Version::TwoY]
            .into_iter()
            .map(|v| parts.format_for_version(v))
            .collect();
        out.push(format!("bcrypt${}", parts.format_for_version(bcrypt::Version::TwoB))); // Django
        out
    }

    #[test]
    fn bcrypt_never_matches_a_candidate_longer_than_72_bytes() {
        let stored_pw = [b'a'; 72];
        let mut longer = stored_pw.to_vec();
        longer.push(b'X');
        for stored in spellings(&stored_pw) {
            // The crate alone takes the 73-byte variant: the fault.
            let plain = stored.strip_prefix("bcrypt$").unwrap_or(&stored);
            assert!(bcrypt::verify(&longer, plain).unwrap(), "{stored}: the crate truncates");
            assert_eq!(verify_counting(&stored_pw, &stored), (true, 1), "{stored}: 72 bytes is whole");
            // Refused, after the same one bcrypt run a wrong password costs.
            assert_eq!(verify_counting(&longer, &stored), (false, 1), "{stored}");
            assert_eq!(verify_counting(b"wrong password", &stored), (false, 1), "{stored}");
            assert_eq!(verify_counting(&[b'a'; 200], &stored), (false, 1), "{stored}");
        }
    }

    #[test]
    fn bcrypt_multibyte_boundary() {
        // "é" (C3 A9) straddles byte 72: the stored hash covers only C3.
        let mut straddling = vec![b'a'; 71];
        straddling.extend_from_slice("é".as_bytes());
        assert_eq!(straddling.len(), 73);
        for stored in spellings(&straddling) {
            // Even the password that was hashed: bcrypt never read its last byte.
            assert_eq!(verify_counting(&straddling, &stored), (false, 1), "{stored}");
        }
        let mut fits = vec![b'a'; 70];
        fits.extend_from_slice("é".as_bytes());
        assert_eq!(fits.len(), 72);
        for stored in spellings(&fits) {
            assert_eq!(verify_counting(&fits, &stored), (true, 1), "{stored}");
        }
    }

    #[test]
    fn bcrypt_never_matches_a_candidate_with_nul() {
        for stored in spellings(b"ab") {
            let plain = stored.strip_prefix("bcrypt$").unwrap_or(&stored);
            // The crate keys Blowfish with "ab\0" cycled: "ab\0ab" is the same key.
            assert!(bcrypt::verify(b"ab\0ab", plain).unwrap(), "{stored}: the crate's key cycle");
            assert_eq!(verify_counting(b"ab\0ab", &stored), (false, 1), "{stored}");
            assert_eq!(verify_counting(b"ab\0", &stored), (false, 1), "{stored}");
            assert_eq!(verify_counting(b"ab", &stored), (true, 1), "{stored}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Any password bcrypt stored from its first 72 bytes: the head
        /// verifies, the head plus any tail never does, each after one
        /// bcrypt run; a candidate holding a NUL never verifies.
        #[test]
        fn no_tail_past_72_bytes_and_no_nul_ever_verifies(
            head in proptest::collection::vec(1u8..=255, 72),
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
            cut in 0usize..72,
        ) {
            let stored = bcrypt::hash(&head, 4).unwrap();
            proptest::prop_assert_eq!(verify_counting(&head, &stored), (true, 1));
            let longer = [head.as_slice(), tail.as_slice()].concat();
            proptest::prop_assert_eq!(verify_counting(&longer, &stored), (false, 1));
            let mut with_nul = head.clone();
            if let Some(b) = with_nul.get_mut(cut) {
                *b = 0;
            }
            let short = head.get(..cut).unwrap_or_default();
            let nul_stored = bcrypt::hash(short, 4).unwrap();
            proptest::prop_assert_eq!(verify_counting(&with_nul, &nul_stored), (false, 1));
            proptest::prop_assert_eq!(verify_counting(&with_nul, &stored), (false, 1));
        }
    }

    #[test]
    fn bcrypt_sha256_reads_long_passwords_whole() {
        // Django's bcrypt_sha256 prehashes: long passwords are not truncated.
        let long = [b'a'; 100];
        let hex = guardrail_ct::hex::encode_string(&Sha256::digest(long));
        let stored = format!("bcrypt_sha256${}", bcrypt::hash(hex.as_bytes(), 4).unwrap());
        assert_eq!(verify_counting(&long, &stored), (true, 1));
        let mut other = long.to_vec();
        other.push(b'X');
        assert_eq!(verify_counting(&other, &stored), (false, 1));
    }

    #[test]
    fn hmac_keyed_schemes_never_match_a_trailing_nul() {
        // HMAC pads short keys with zeros: PBKDF2("pw") == PBKDF2("pw\0").
        let mut sum = [0u8; 32];
        pbkdf2(Prf::Sha256, b"pw", b"salt", 1000, &mut sum);
        let mut padded = [0u8; 32];
        pbkdf2(Prf::Sha256, b"pw\0", b"salt", 1000, &mut padded);
        assert_eq!(sum, padded, "the ambiguity this guards against");
        let django = format!("pbkdf2_sha256$1000$salt${}", Base64::encode_string(&sum));
        let passlib = format!(
            "$pbkdf2-sha256$1000${}${}",
            Base64Unpadded::encode_string(b"salt").replace('+', "."),
            Base64Unpadded::encode_string(&sum).replace('+', ".")
        );
        let caps = LegacyCaps::DEFAULT;
        for stored in [django, passlib] {
            assert!(verify(b"pw", &stored, &caps).unwrap(), "{stored}");
            assert!(!verify(b"pw\0", &stored, &caps).unwrap(), "{stored}");
            assert!(!verify(b"pw\0\0\0", &stored, &caps).unwrap(), "{stored}");
        }
        // A NUL inside is a different key, and does not match either.
        assert!(hmac_key_unambiguous(b"p\0w"));
    }
}
