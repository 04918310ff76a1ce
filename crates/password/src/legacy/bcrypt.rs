//! bcrypt in every wrapping the systems we migrate from store it in: one
//! [`Scheme`] whose [`Form`] says what bcrypt is given (the password or a
//! digest of it, [`Prehash`]) and which id it answers to.
//!
//! | stored | id | bcrypt is given |
//! |---|---|---|
//! | `$2a$` `$2b$` `$2y$` + cost + salt + checksum | `bcrypt` | the password |
//! | `bcrypt$` + the above (Django `BCryptPasswordHasher`) | `django-bcrypt` | the password |
//! | `{bcrypt}` + the above (Spring `BCryptPasswordEncoder`) | `spring-bcrypt` | the password |
//! | `{CRYPT}` + the above (passlib `ldap_bcrypt`) | `ldap-bcrypt` | the password |
//! | `bcrypt_sha256$` + the above (Django) | `django-bcrypt-sha256` | hex SHA-256 (64 characters) |
//! | `$bcrypt-sha256$2b,12$<salt>$<sum>` (passlib, v1) | `passlib-bcrypt-sha256-v1` | base64 SHA-256 (44) |
//! | `$bcrypt-sha256$v=2,t=2b,r=12$<salt>$<sum>` (passlib, v2) | `passlib-bcrypt-sha256-v2` | base64 HMAC-SHA256 keyed with the salt text (44) |
//! | `$wp` + `$2y$10$…` (WordPress 6.8) | `wordpress-bcrypt` | base64 HMAC-SHA384 keyed `wp-sha384` (64) |
//!
//! `$2a$ $2b$ $2y$` compute alike for what we admit (at most 72 bytes, no
//! NUL); `$2$` (no terminating NUL) and `$2x$` (crypt_blowfish's 8-bit
//! bug) are recognised and refused, named.
//!
//! The salt is the 22-character salt **text** (passlib v2 keys its HMAC
//! with it, and its last character's 4 unused bits are not in the 16
//! bytes, so the text is what rebuilds the scheme exactly); the digest is
//! the 31-character checksum text. The 72-byte / NUL rule
//! ([`bcrypt_reads_whole`]) applies where bcrypt is given the password;
//! the prehashed forms give it at most 64 base64 or hex characters, so
//! they read every password whole (their HMAC keys are fixed: the
//! password is the message, where a trailing NUL is not ambiguous).

use base64ct::{Base64, Base64Bcrypt, Encoding};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256, Sha384};
use zeroize::Zeroizing;

use super::{Format, Parsed, Scheme, encoding::malformed};
use crate::{
    Caps, Error,
    cost::{self, Cost, factor},
};

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

/// bcrypt's working memory: its Blowfish state (4 S-boxes of 256 words and
/// the P-array, ~4 KiB).
const MEMORY_BYTES: u64 = 4096;
/// The costs bcrypt defines (log2 of the key-schedule rounds).
const MIN_COST: u32 = 4;
const MAX_COST: u32 = 31;
/// Salt and checksum lengths, characters of bcrypt's base64.
const SALT_CHARS: usize = 22;
const SUM_CHARS: usize = 31;
/// bcrypt's base64 alphabet.
const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// What bcrypt is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prehash {
    /// The password itself (at most 72 bytes, up to a NUL).
    None,
    /// Django: the hex of SHA-256(password).
    Sha256Hex,
    /// passlib v1: standard padded base64 of SHA-256(password).
    Sha256Base64,
    /// passlib v2: standard padded base64 of HMAC-SHA256(key = the salt
    /// text as ASCII, message = the password).
    HmacSha256Salt,
    /// WordPress 6.8: standard padded base64 of HMAC-SHA384(key
    /// `wp-sha384`, message = the password).
    HmacSha384Wp,
}

/// Which stored form: the scheme id and the [`Prehash`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Plain,
    Django,
    Spring,
    Ldap,
    DjangoSha256,
    PasslibV1,
    PasslibV2,
    WordPress,
}

impl Form {
    /// Every form, for [`from_public`].
    const ALL: [Self; 8] = [
        Self::Plain,
        Self::Django,
        Self::Spring,
        Self::Ldap,
        Self::DjangoSha256,
        Self::PasslibV1,
        Self::PasslibV2,
        Self::WordPress,
    ];

    const fn id(self) -> &'static str {
        match self {
            Self::Plain => "bcrypt",
            Self::Django => "django-bcrypt",
            Self::Spring => "spring-bcrypt",
            Self::Ldap => "ldap-bcrypt",
            Self::DjangoSha256 => "django-bcrypt-sha256",
            Self::PasslibV1 => "passlib-bcrypt-sha256-v1",
            Self::PasslibV2 => "passlib-bcrypt-sha256-v2",
            Self::WordPress => "wordpress-bcrypt",
        }
    }

    const fn prehash(self) -> Prehash {
        match self {
            Self::Plain | Self::Django | Self::Spring | Self::Ldap => Prehash::None,
            Self::DjangoSha256 => Prehash::Sha256Hex,
            Self::PasslibV1 => Prehash::Sha256Base64,
            Self::PasslibV2 => Prehash::HmacSha256Salt,
            Self::WordPress => Prehash::HmacSha384Wp,
        }
    }
}

/// This family's rows of the prefix table.
pub(crate) const FORMATS: &[Format] = &[
    Format { prefix: "$2a$", any_case: false, parse: plain },
    Format { prefix: "$2b$", any_case: false, parse: plain },
    Format { prefix: "$2y$", any_case: false, parse: plain },
    Format { prefix: "$2$", any_case: false, parse: plain },
    Format { prefix: "$2x$", any_case: false, parse: plain },
    Format { prefix: "bcrypt$", any_case: false, parse: django },
    Format { prefix: "bcrypt_sha256$", any_case: false, parse: django_sha256 },
    Format { prefix: "{bcrypt}", any_case: false, parse: spring },
    Format { prefix: "{CRYPT}$2", any_case: true, parse: ldap },
    Format { prefix: "$wp$", any_case: false, parse: wordpress },
    Format { prefix: "$bcrypt-sha256$", any_case: false, parse: passlib },
];

fn plain(stored: &str) -> Result<Parsed, Error> {
    modular(Form::Plain, Some(stored))
}

fn django(stored: &str) -> Result<Parsed, Error> {
    modular(Form::Django, stored.strip_prefix("bcrypt$"))
}

fn django_sha256(stored: &str) -> Result<Parsed, Error> {
    modular(Form::DjangoSha256, stored.strip_prefix("bcrypt_sha256$"))
}

fn spring(stored: &str) -> Result<Parsed, Error> {
    modular(Form::Spring, stored.strip_prefix("{bcrypt}"))
}

fn ldap(stored: &str) -> Result<Parsed, Error> {
    // `{CRYPT}` in any case: seven ASCII bytes matched the prefix.
    modular(Form::Ldap, stored.get("{CRYPT}".len()..))
}

fn wordpress(stored: &str) -> Result<Parsed, Error> {
    modular(Form::WordPress, stored.strip_prefix("$wp"))
}

/// A modular crypt bcrypt string, `$2b$12$<22 salt><31 checksum>`, as `form`.
fn modular(form: Form, rest: Option<&str>) -> Result<Parsed, Error> {
    let rest = rest.ok_or_else(|| malformed("algorithm"))?;
    let (minor, rest) = rest.strip_prefix('$').and_then(|r| r.split_once('$')).ok_or_else(|| malformed("algorithm"))?;
    minor_supported(minor)?;
    let (cost, rest) = rest.split_once('$').ok_or_else(|| malformed("cost"))?;
    if cost.len() != 2 {
        return Err(malformed("cost"));
    }
    let cost = parse_cost(cost)?;
    let salt = rest.get(..SALT_CHARS).ok_or_else(|| malformed("salt"))?;
    let sum = rest.get(SALT_CHARS..).ok_or_else(|| malformed("hash"))?;
    if sum.len() != SUM_CHARS {
        return Err(malformed("hash"));
    }
    Ok(Box::new(Bcrypt::new(form, cost, salt, sum)?))
}

/// The minor versions we verify (`2a`, `2b`, `2y`); `2` and `2x` named.
fn minor_supported(minor: &str) -> Result<(), Error> {
    match minor {
        "2a" | "2b" | "2y" => Ok(()),
        "2" => Err(Error::Unsupported { what: "bcrypt $2$ (no terminating NUL): reset the account" }),
        "2x" => Err(Error::Unsupported { what: "bcrypt $2x$ (crypt_blowfish's 8-bit bug): reset the account" }),
        _ => Err(malformed("algorithm")),
    }
}

/// A cost of one or two decimal digits within bcrypt's 4..=31.
fn parse_cost(text: &str) -> Result<u32, Error> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("cost"));
    }
    let cost = text.parse().map_err(|_| malformed("cost"))?;
    if (MIN_COST..=MAX_COST).contains(&cost) { Ok(cost) } else { Err(malformed("cost")) }
}

/// passlib's `$bcrypt-sha256$`: `2b,12$<salt>$<sum>` (v1, `2a` or `2b`) or
/// `v=2,t=2b,r=12$<salt>$<sum>` (v2).
fn passlib(stored: &str) -> Result<Parsed, Error> {
    let rest = stored.strip_prefix("$bcrypt-sha256$").ok_or_else(|| malformed("algorithm"))?;
    let mut fields = rest.split('$');
    let (Some(params), Some(salt), Some(sum), None) = (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(malformed("bcrypt-sha256"));
    };
    let (form, minor, cost) = match params.strip_prefix("v=") {
        Some(v2) => {
            let mut parts = v2.split(',');
            let (Some(version), Some(minor), Some(rounds), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(malformed("params"));
            };
            if version != "2" {
                return Err(Error::Unsupported { what: "passlib bcrypt-sha256 version" });
            }
            let minor = minor.strip_prefix("t=").ok_or_else(|| malformed("params"))?;
            (Form::PasslibV2, minor, rounds.strip_prefix("r=").ok_or_else(|| malformed("params"))?)
        }
        None => {
            let (minor, rounds) = params.split_once(',').ok_or_else(|| malformed("params"))?;
            (Form::PasslibV1, minor, rounds)
        }
    };
    minor_supported(minor)?;
    if sum.len() != SUM_CHARS {
        return Err(malformed("hash"));
    }
    Ok(Box::new(Bcrypt::new(form, parse_cost(cost)?, salt, sum)?))
}

/// One bcrypt stored hash, parsed.
struct Bcrypt {
    form: Form,
    cost: u32,
    /// The salt text (22 characters of bcrypt's base64).
    salt: [u8; SALT_CHARS],
    /// The 16 salt bytes bcrypt uses (the text's unused bits dropped).
    raw_salt: [u8; 16],
    /// The checksum text (31 characters), empty when rebuilt by [`from_public`].
    digest: Vec<u8>,
}

impl Bcrypt {
    fn new(form: Form, cost: u32, salt: &str, sum: &str) -> Result<Self, Error> {
        let text: [u8; SALT_CHARS] = salt.as_bytes().try_into().map_err(|_| malformed("salt"))?;
        let raw_salt = decode_salt(&text).ok_or_else(|| malformed("salt"))?;
        if !sum.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(malformed("hash"));
        }
        Ok(Self { form, cost, salt: text, raw_salt, digest: sum.as_bytes().to_vec() })
    }

    /// What bcrypt is given for `password`.
    fn key(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let text = match self.form.prehash() {
            Prehash::None => return Ok(Zeroizing::new(password.to_vec())),
            Prehash::Sha256Hex => guardrail_ct::hex::encode_string(&Sha256::digest(password)),
            Prehash::Sha256Base64 => Base64::encode_string(&Sha256::digest(password)),
            Prehash::HmacSha256Salt => {
                let mac = hmac::Hmac::<Sha256>::new_from_slice(&self.salt).map_err(|_| malformed("salt"))?;
                Base64::encode_string(&mac.chain_update(password).finalize().into_bytes())
            }
            Prehash::HmacSha384Wp => {
                let mac = hmac::Hmac::<Sha384>::new_from_slice(b"wp-sha384").map_err(|_| malformed("hash"))?;
                Base64::encode_string(&mac.chain_update(password).finalize().into_bytes())
            }
        };
        // As good as the password for this hash: wiped on drop.
        Ok(Zeroizing::new(text.into_bytes()))
    }
}

/// The 16 bytes of a 22-character bcrypt salt. Its last character carries
/// 2 bits of the salt and 4 unused ones, which C bcrypt ignores: they are
/// cleared before the strict decoder sees them.
fn decode_salt(text: &[u8; SALT_CHARS]) -> Option<[u8; 16]> {
    let mut canonical = *text;
    let last = canonical.last_mut()?;
    let index = ALPHABET.iter().position(|a| a == last)?;
    *last = *ALPHABET.get(index & 0x30)?;
    let mut raw = [0u8; 16];
    let decoded = Base64Bcrypt::decode(canonical, &mut raw).ok()?;
    (decoded.len() == 16).then_some(raw)
}

/// Whether bcrypt at `log2` (2^log2 units at `milli` each) fits the caps.
fn admitted(caps: &Caps, log2: u32, milli: u64) -> bool {
    cost::check_work(caps, "cost", "log2 rounds", 1u64 << log2.min(63), milli).is_ok()
}

/// Refuses `2^log2` units of work at `milli` per unit above the caps,
/// naming `param` and the largest admitted log2 (unit "log2 rounds").
/// bcrypt's cost and phpass's rounds are both log2.
///
/// # Errors
///
/// [`Error::OutOfPolicy`] naming `param` and its largest admitted value.
pub(super) fn check_log2(caps: &Caps, param: &'static str, log2: u32, milli: u64) -> Result<(), Error> {
    if admitted(caps, log2, milli) {
        return Ok(());
    }
    let cap = (0..log2).rev().find(|c| admitted(caps, *c, milli)).unwrap_or(0);
    Err(cost::over(param, u64::from(cap), "log2 rounds"))
}

impl Scheme for Bcrypt {
    fn id(&self) -> &'static str {
        self.form.id()
    }

    fn public_params(&self) -> String {
        format!("cost={}", self.cost)
    }

    fn salt(&self) -> &[u8] {
        &self.salt
    }

    fn digest(&self) -> &[u8] {
        &self.digest
    }

    fn cost(&self) -> Cost {
        Cost::new(MEMORY_BYTES, Cost::work(1u64 << self.cost, factor::BCRYPT))
    }

    fn check(&self, caps: &Caps) -> Result<(), Error> {
        check_log2(caps, "cost", self.cost, factor::BCRYPT)
    }

    /// bcrypt at the stored cost and salt over the key (the password's
    /// first 72 bytes, or its prehash): the 31-character checksum text.
    /// A candidate bcrypt cannot read whole costs the same run; only
    /// [`Scheme::reads_whole`] refuses it, after.
    fn compute(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let key = self.key(password)?;
        let head = key.get(..BCRYPT_MAX_BYTES).unwrap_or(&key);
        #[cfg(test)]
        tests::BCRYPT_RUNS.with(|runs| runs.set(runs.get() + 1));
        let parts = bcrypt::hash_with_salt(head, self.cost, self.raw_salt).map_err(|_| malformed("bcrypt"))?;
        let whole = Zeroizing::new(parts.format_for_version(bcrypt::Version::TwoB));
        let sum = whole.as_bytes().get(whole.len().saturating_sub(SUM_CHARS)..).unwrap_or_default();
        Ok(Zeroizing::new(sum.to_vec()))
    }

    fn reads_whole(&self, password: &[u8]) -> bool {
        self.form.prehash() != Prehash::None || bcrypt_reads_whole(password)
    }
}

/// Rebuilds one of this family's schemes from its public parts: `cost=N`
/// and the 22-character salt text.
pub(crate) fn from_public(id: &str, params: &str, salt: &[u8]) -> Option<Result<Parsed, Error>> {
    let form = Form::ALL.into_iter().find(|form| form.id() == id)?;
    Some(rebuild(form, params, salt))
}

fn rebuild(form: Form, params: &str, salt: &[u8]) -> Result<Parsed, Error> {
    let cost = parse_cost(params.strip_prefix("cost=").ok_or_else(|| malformed("params"))?)?;
    let salt = std::str::from_utf8(salt).map_err(|_| malformed("salt"))?;
    Ok(Box::new(Bcrypt::new(form, cost, salt, "")?))
}

#[cfg(test)]
pub(super) mod tests;
