//! The computations of md5-crypt (and Apache's apr1), NetBSD's sha1-crypt
//! and phpass, each giving its checksum text (crypt base 64). Parameters
//! arrive checked by `Crypt::new` (salt lengths, rounds); nothing here
//! indexes or panics on any input.

use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;

use crate::{
    Error,
    legacy::encoding::{encode64_le, malformed, to64},
};

/// md5-crypt (Poul-Henning Kamp's `$1$`) and Apache's `$apr1$`, which
/// differ only in the magic string: 22 characters.
pub(super) fn md5_crypt(password: &[u8], magic: &[u8], salt: &[u8]) -> Vec<u8> {
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
    out
}

/// NetBSD's `$sha1$`: HMAC-SHA1 keyed with the password, iterated `rounds`
/// times over `salt$sha1$rounds`, output bytes transposed: 28 characters.
///
/// # Errors
///
/// [`Error::Malformed`] if HMAC refuses the key (it takes any length).
pub(super) fn sha1_crypt(password: &[u8], salt: &[u8], rounds: u32) -> Result<Vec<u8>, Error> {
    const ORDER: [usize; 21] = [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 17, 16, 15, 0, 19, 18];
    let mac = hmac::Hmac::<Sha1>::new_from_slice(password).map_err(|_| malformed("sha1-crypt"))?;
    let message = [salt, format!("$sha1${rounds}").as_bytes()].concat();
    let mut result = mac.clone().chain_update(&message).finalize().into_bytes();
    for _ in 1..rounds {
        result = mac.clone().chain_update(result).finalize().into_bytes();
    }
    let transposed: Vec<u8> = ORDER.iter().map(|&i| result.get(i).copied().unwrap_or(0)).collect();
    Ok(encode64_le(&transposed))
}

/// phpass portable hashes (`$P$` WordPress, `$H$` phpBB): MD5 of salt ‖
/// password, then 2^log2 times MD5 of digest ‖ password: 22 characters.
pub(super) fn phpass(password: &[u8], salt: &[u8], log2: u32) -> Vec<u8> {
    let mut digest = Md5::new().chain_update(salt).chain_update(password).finalize();
    for _ in 0..(1u64 << log2.min(63)) {
        digest = Md5::new().chain_update(digest).chain_update(password).finalize();
    }
    encode64_le(&digest)
}
