//! The PHC string form the RustCrypto `pbkdf2` crate (0.13) writes with its
//! `password_hash::PasswordHasher` impl:
//! `$pbkdf2-sha256$i=<iterations>,l=<key bytes>$<B64 salt>$<B64 hash>` and
//! `$pbkdf2-sha512$…`. B64 is the PHC string format's base64: the standard
//! alphabet (`+/`) without padding
//! (<https://github.com/P-H-C/phc-string-format/blob/master/phc-sf-spec.md#b64>),
//! not passlib's adapted alphabet (`.` for `+`) of the
//! `$pbkdf2-sha256$<rounds>$…` form, which shares the prefix.
//!
//! Read exactly what the crate writes (`pbkdf2-0.13.0/src/params.rs`,
//! `phc-0.6.1/src/salt.rs`): both parameters, `i` then `l`; `i` at least
//! 1000 (`Params::MIN_ROUNDS`); `l` 10 to 64 bytes
//! (`MIN_OUTPUT_LENGTH`, `MAX_OUTPUT_LENGTH`) and the hash exactly `l`
//! bytes; the salt 8 to 48 bytes (`Salt::MIN_LENGTH`, `MAX_LENGTH`). The
//! crate's own verifier also takes a missing parameter as its default
//! (600,000 iterations, 32 bytes); a string it never writes is refused
//! here. The iteration count is capped like passlib's (`Pbkdf2::check`).

use zeroize::Zeroizing;

use super::super::encoding::{b64_unpadded_decode, malformed, number};
use super::super::{Parsed, Scheme};
use super::{Pbkdf2, Prf, Shown, key_values, passlib};
use crate::cost::Cost;
use crate::{Caps, Error};

/// The fewest iterations the crate writes or verifies (`Params::MIN_ROUNDS`).
const MIN_ITERATIONS: u32 = 1000;
/// The derived key lengths the crate writes, bytes.
const KEY_LEN: std::ops::RangeInclusive<usize> = 10..=64;
/// The salt lengths the crate writes, bytes.
const SALT_LEN: std::ops::RangeInclusive<usize> = 8..=48;

/// The crate's algorithm identifier, its PRF and our scheme id.
fn ident(ident: &str) -> Option<(Prf, &'static str)> {
    match ident {
        "pbkdf2-sha256" => Some((Prf::Sha256, "rustcrypto-pbkdf2-sha256")),
        "pbkdf2-sha512" => Some((Prf::Sha512, "rustcrypto-pbkdf2-sha512")),
        _ => None,
    }
}

/// A `$pbkdf2…$` string: this PHC form when its parameter field is `k=v`
/// (passlib's is a bare decimal), else passlib's.
///
/// # Errors
///
/// As [`parse`] or passlib's parser.
pub(in crate::legacy) fn or_passlib(stored: &str) -> Result<Parsed, Error> {
    match stored.split('$').nth(2) {
        Some(field) if field.contains('=') => parse(stored),
        _ => passlib(stored),
    }
}

/// `$pbkdf2-sha256$i=N,l=M$<B64 salt>$<B64 hash>`.
///
/// # Errors
///
/// [`Error::Malformed`] naming the part (`algorithm`, `params`, `i`, `l`,
/// `salt`, `hash`); [`Error::Unsupported`] for `$pbkdf2$` (PBKDF2-SHA1,
/// which pbkdf2 0.13 does not write).
fn parse(stored: &str) -> Result<Parsed, Error> {
    let fields: Vec<&str> = stored.split('$').collect();
    let ["", alg, params, salt, hash] = fields.as_slice() else { return Err(malformed("legacy format")) };
    if *alg == "pbkdf2" {
        return Err(Error::Unsupported { what: "PBKDF2-SHA1 PHC string" });
    }
    let (prf, id) = ident(alg).ok_or_else(|| malformed("algorithm"))?;
    let (iterations, len) = parse_params(params, ["i", "l"])?;
    let salt = b64_unpadded_decode(salt, "salt")?;
    if !SALT_LEN.contains(&salt.len()) {
        return Err(malformed("salt"));
    }
    let digest = b64_unpadded_decode(hash, "hash")?;
    if digest.len() != len {
        return Err(malformed("hash"));
    }
    Ok(Box::new(Phc(Pbkdf2 { id, param: "i", shown: Shown::Nothing, prf, iterations, len, salt, digest })))
}

/// `i=N,l=M` (or [`Scheme::public_params`]' `iterations=N,len=M`, named
/// by `keys`): the iteration count and the key length, bytes.
fn parse_params(params: &str, keys: [&str; 2]) -> Result<(u32, usize), Error> {
    let [i, l] = key_values(params, keys).ok_or_else(|| malformed("params"))?;
    let iterations = number(i, "i")?;
    if iterations < MIN_ITERATIONS {
        return Err(malformed("i"));
    }
    let len = usize::try_from(number(l, "l")?).map_err(|_| malformed("l"))?;
    if !KEY_LEN.contains(&len) {
        return Err(malformed("l"));
    }
    Ok((iterations, len))
}

/// One parsed PHC string: PBKDF2 with its public parameters named as
/// ASP.NET v3's are (`iterations=600000,len=32`: `i` and `l`), which the
/// census (`guardrail migrate census`) reads.
struct Phc(Pbkdf2);

impl Scheme for Phc {
    fn id(&self) -> &'static str {
        self.0.id
    }

    fn public_params(&self) -> String {
        format!("iterations={},len={}", self.0.iterations, self.0.len)
    }

    fn salt(&self) -> &[u8] {
        self.0.salt()
    }

    fn digest(&self) -> &[u8] {
        self.0.digest()
    }

    fn cost(&self) -> Cost {
        self.0.cost()
    }

    fn check(&self, caps: &Caps) -> Result<(), Error> {
        self.0.check(caps)
    }

    fn compute(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.0.compute(password)
    }

    fn reads_whole(&self, password: &[u8]) -> bool {
        self.0.reads_whole(password)
    }
}

/// Rebuilds a `rustcrypto-pbkdf2-*` scheme from its public parts (the
/// wrapped format's inner scheme), digest empty.
pub(in crate::legacy) fn from_public(id: &str, params: &str, salt: &[u8]) -> Option<Result<Parsed, Error>> {
    let (prf, id) = ["pbkdf2-sha256", "pbkdf2-sha512"].into_iter().filter_map(ident).find(|(_, known)| *known == id)?;
    Some(parse_params(params, ["iterations", "len"]).and_then(|(iterations, len)| {
        if !SALT_LEN.contains(&salt.len()) {
            return Err(malformed("salt"));
        }
        let salt = salt.to_vec();
        let pbkdf2 = Pbkdf2 { id, param: "i", shown: Shown::Nothing, prf, iterations, len, salt, digest: Vec::new() };
        Ok(Box::new(Phc(pbkdf2)) as Parsed)
    }))
}
