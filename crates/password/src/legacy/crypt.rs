//! The crypt(3) family: modular crypt strings and their LDAP `{CRYPT}`
//! form, one [`Scheme`] whose [`Kind`] says which computation runs.
//!
//! | stored | id | cost |
//! |---|---|---|
//! | `$5$[rounds=N$]<salt ≤16>$<43>` | `sha256-crypt` | N rounds (5000 when absent) |
//! | `$6$[rounds=N$]<salt ≤16>$<86>` | `sha512-crypt` | N rounds (5000 when absent) |
//! | `$1$<salt ≤8>$<22>` | `md5-crypt` | 1000 MD5 rounds, fixed |
//! | `$apr1$<salt ≤8>$<22>` (Apache) | `apr1-md5-crypt` | 1000 MD5 rounds, fixed |
//! | `$sha1$<N>$<salt ≤64>$<28>` (NetBSD) | `sha1-crypt` | N HMAC-SHA1 rounds |
//! | `$P$` / `$H$` + log2 + 8 salt + 22 (phpass: WordPress, phpBB) | `phpass` | 2^log2 MD5 rounds |
//! | `{CRYPT}` + any of the above (passlib `ldap_*_crypt`) | `ldap-` + its id | as the inner scheme |
//!
//! (`{CRYPT}$2…` is bcrypt: `bcrypt.rs` holds that longer prefix.) The
//! salt is the salt text and the digest the checksum text, both in the
//! crypt alphabet as stored (their trailing bits are not canonical).
//! public parameters: `rounds=N` (phpass: N is log2), none for md5-crypt.
//!
//! DES-based crypt is recognised and refused, naming it: `des_crypt`
//! reads 8 characters and 7 bits of each, so its hash cannot prove a
//! password; the account needs a reset. So are `bsdi_crypt`,
//! `bigcrypt`/`crypt16` and Sun's `$md5$`.

use zeroize::Zeroizing;

use super::{
    Format, Parsed, Scheme,
    encoding::{ITOA64, malformed, number},
};
use crate::{
    Caps, Error,
    cost::{self, Cost, factor},
};

mod compute;

/// Which computation a crypt string names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sha256,
    Sha512,
    Md5,
    Apr1,
    Sha1,
    Phpass,
}

impl Kind {
    const ALL: [Self; 6] = [Self::Sha256, Self::Sha512, Self::Md5, Self::Apr1, Self::Sha1, Self::Phpass];

    /// The scheme id, plain or in its LDAP `{CRYPT}` form.
    const fn id(self, ldap: bool) -> &'static str {
        match (self, ldap) {
            (Self::Sha256, false) => "sha256-crypt",
            (Self::Sha256, true) => "ldap-sha256-crypt",
            (Self::Sha512, false) => "sha512-crypt",
            (Self::Sha512, true) => "ldap-sha512-crypt",
            (Self::Md5, false) => "md5-crypt",
            (Self::Md5, true) => "ldap-md5-crypt",
            (Self::Apr1, false) => "apr1-md5-crypt",
            (Self::Apr1, true) => "ldap-apr1-md5-crypt",
            (Self::Sha1, false) => "sha1-crypt",
            (Self::Sha1, true) => "ldap-sha1-crypt",
            (Self::Phpass, false) => "phpass",
            (Self::Phpass, true) => "ldap-phpass",
        }
    }

    /// Admitted rounds (phpass: log2), longest salt, checksum length.
    const fn limits(self) -> (u32, u32, usize, usize) {
        match self {
            Self::Sha256 => (ROUNDS_MIN, ROUNDS_MAX, 16, 43),
            Self::Sha512 => (ROUNDS_MIN, ROUNDS_MAX, 16, 86),
            Self::Md5 | Self::Apr1 => (MD5_ROUNDS, MD5_ROUNDS, 8, 22),
            Self::Sha1 => (1, u32::MAX, 64, 28),
            Self::Phpass => (7, 30, 8, 22),
        }
    }

    /// Thousandths of a block pass per round.
    const fn factor(self) -> u64 {
        match self {
            Self::Sha256 => factor::SHA256_CRYPT,
            Self::Sha512 => factor::SHA512_CRYPT,
            Self::Md5 | Self::Apr1 | Self::Phpass => factor::MD5,
            Self::Sha1 => factor::SHA1_CRYPT,
        }
    }

    /// Hash blocks 42 consecutive rounds compress (42: the rounds' rules
    /// repeat with 2, 3 and 7) for a `salt`-byte salt and a `len`-byte
    /// password, from the input each round hashes:
    /// - sha-crypt round i: the previous digest (32 / 64 bytes) and the
    ///   password (one first, the other last, by i's parity), the salt when
    ///   i % 3 ≠ 0, the password again when i % 7 ≠ 0; SHA-256 in 64-byte
    ///   blocks with 9 bytes of padding, SHA-512 in 128 with 17;
    /// - md5-crypt / apr1: the same rule with MD5 (16-byte digest, 64-byte
    ///   blocks, 9 bytes of padding);
    /// - phpass: MD5 of the previous digest (16) ‖ the password;
    /// - sha1-crypt: HMAC-SHA1 keyed once (`compute::sha1_crypt` clones the
    ///   keyed state each round, the key is never re-hashed) over the
    ///   20-byte previous result: two compressions whatever the password.
    fn cycle_blocks(self, salt: u64, len: u64) -> u64 {
        let (digest, block, pad) = match self {
            Self::Sha256 => (32, 64, 9),
            Self::Sha512 => (64, 128, 17),
            Self::Md5 | Self::Apr1 => (16, 64, 9),
            Self::Phpass => return 42u64.saturating_mul(len.saturating_add(16 + 9).div_ceil(64)),
            Self::Sha1 => return 42 * 2,
        };
        (0..42u64)
            .map(|i| {
                let salted = if i % 3 == 0 { 0 } else { salt };
                let twice = if i % 7 == 0 { 0 } else { len };
                len.saturating_add(twice).saturating_add(digest + pad + salted).div_ceil(block)
            })
            .fold(0, u64::saturating_add)
    }

    /// Blocks hashed once, before the rounds, that grow with the password:
    /// sha-crypt's P sequence hashes it `len` times (len² bytes) and its
    /// A / B digests and bit loop about 16 more times (len < 2^13);
    /// md5-crypt's first two digests about 4 times; phpass's first digest
    /// once; sha1-crypt hashes a key longer than SHA-1's 64-byte block once.
    fn once_blocks(self, len: u64) -> u64 {
        match self {
            Self::Sha256 => len.saturating_mul(len.saturating_add(16)).div_ceil(64),
            Self::Sha512 => len.saturating_mul(len.saturating_add(16)).div_ceil(128),
            Self::Md5 | Self::Apr1 => len.saturating_mul(4).div_ceil(64),
            Self::Phpass => len.div_ceil(64),
            Self::Sha1 if len > 64 => len.saturating_add(9).div_ceil(64),
            Self::Sha1 => 0,
        }
    }

    /// The blocks of 42 units at the length [`Kind::factor`] was measured
    /// with (benches' `cost_model.rs`: a 28-byte password, a 16-byte salt);
    /// md5-crypt's factor is one MD5 compression (phpass's round).
    fn measured_blocks(self) -> u64 {
        match self {
            Self::Md5 | Self::Apr1 => 42,
            _ => self.cycle_blocks(16, 28),
        }
    }
}

/// sha-crypt's rounds: 5000 unless `rounds=` says otherwise, within these.
const ROUNDS_DEFAULT: u32 = 5000;
const ROUNDS_MIN: u32 = 1000;
const ROUNDS_MAX: u32 = 999_999_999;
/// md5-crypt's fixed rounds.
const MD5_ROUNDS: u32 = 1000;

/// This family's rows of the prefix table.
pub(crate) const FORMATS: &[Format] = &[
    Format { prefix: "$5$", any_case: false, parse: plain },
    Format { prefix: "$6$", any_case: false, parse: plain },
    Format { prefix: "$1$", any_case: false, parse: plain },
    Format { prefix: "$apr1$", any_case: false, parse: plain },
    Format { prefix: "$sha1$", any_case: false, parse: plain },
    Format { prefix: "$P$", any_case: false, parse: plain },
    Format { prefix: "$H$", any_case: false, parse: plain },
    Format { prefix: "$md5$", any_case: false, parse: plain },
    Format { prefix: "$md5,", any_case: false, parse: plain },
    Format { prefix: "_", any_case: false, parse: plain },
    Format { prefix: "{CRYPT}", any_case: true, parse: ldap },
];

fn plain(stored: &str) -> Result<Parsed, Error> {
    crypt(stored, false)
}

fn ldap(stored: &str) -> Result<Parsed, Error> {
    // `{CRYPT}` in any case: seven ASCII bytes matched the prefix.
    let inner = stored.get("{CRYPT}".len()..).ok_or_else(|| malformed("algorithm"))?;
    crypt(inner, true)
}

/// Parses a crypt string (without `{CRYPT}`) by its leading identifier.
fn crypt(s: &str, ldap: bool) -> Result<Parsed, Error> {
    let scheme = if let Some(rest) = s.strip_prefix("$5$") {
        sha(Kind::Sha256, rest, ldap)?
    } else if let Some(rest) = s.strip_prefix("$6$") {
        sha(Kind::Sha512, rest, ldap)?
    } else if let Some(rest) = s.strip_prefix("$1$") {
        md5_crypt(Kind::Md5, rest, ldap)?
    } else if let Some(rest) = s.strip_prefix("$apr1$") {
        md5_crypt(Kind::Apr1, rest, ldap)?
    } else if let Some(rest) = s.strip_prefix("$sha1$") {
        sha1(rest, ldap)?
    } else if let Some(rest) = s.strip_prefix("$P$").or_else(|| s.strip_prefix("$H$")) {
        phpass(rest, ldap)?
    } else {
        return Err(des_family(s));
    };
    Ok(Box::new(scheme))
}

/// The refusal of a crypt string we recognise but do not verify (DES
/// based, Sun MD5), or of one we do not recognise at all.
fn des_family(s: &str) -> Error {
    let crypt64 = s.bytes().all(|b| ITOA64.contains(&b));
    if s.starts_with("$md5$") || s.starts_with("$md5,") {
        Error::Unsupported { what: "sun_md5_crypt: reset the account" }
    } else if s.len() == 20 && s.starts_with('_') && s.bytes().skip(1).all(|b| ITOA64.contains(&b)) {
        Error::Unsupported { what: "bsdi_crypt (DES): reset the account" }
    } else if s.len() == 13 && crypt64 {
        Error::Unsupported { what: "des_crypt reads 8 characters: reset the account" }
    } else if s.len() > 13 && (s.len() - 13).is_multiple_of(11) && crypt64 {
        Error::Unsupported { what: "bigcrypt/crypt16 (DES): reset the account" }
    } else {
        malformed("algorithm")
    }
}

/// `[rounds=N$]<salt>$<sum>` after `$5$` / `$6$`.
fn sha(kind: Kind, rest: &str, ldap: bool) -> Result<Crypt, Error> {
    let (rounds, rest) = match rest.strip_prefix("rounds=") {
        Some(tail) => {
            let (n, tail) = tail.split_once('$').ok_or_else(|| malformed("rounds"))?;
            (number(n, "rounds")?, tail)
        }
        None => (ROUNDS_DEFAULT, rest),
    };
    let [salt, sum] = fields(rest)?;
    Crypt::new(kind, ldap, rounds, salt, Some(sum))
}

/// `<salt>$<sum>` after `$1$` / `$apr1$`.
fn md5_crypt(kind: Kind, rest: &str, ldap: bool) -> Result<Crypt, Error> {
    let [salt, sum] = fields(rest)?;
    Crypt::new(kind, ldap, MD5_ROUNDS, salt, Some(sum))
}

/// `<rounds>$<salt>$<sum>` after `$sha1$`. The rounds text is hashed, so
/// only its canonical spelling (no leading zero) is read.
fn sha1(rest: &str, ldap: bool) -> Result<Crypt, Error> {
    let [rounds, salt, sum] = fields(rest)?;
    if rounds.starts_with('0') {
        return Err(malformed("rounds"));
    }
    Crypt::new(Kind::Sha1, ldap, number(rounds, "rounds")?, salt, Some(sum))
}

/// `<log2 char><8 salt><22 sum>` after `$P$` / `$H$`.
fn phpass(rest: &str, ldap: bool) -> Result<Crypt, Error> {
    let log2 =
        rest.bytes().next().and_then(|c| ITOA64.iter().position(|a| *a == c)).ok_or_else(|| malformed("rounds"))?;
    let salt = rest.get(1..9).ok_or_else(|| malformed("salt"))?;
    let sum = rest.get(9..).ok_or_else(|| malformed("hash"))?;
    Crypt::new(Kind::Phpass, ldap, u32::try_from(log2).map_err(|_| malformed("rounds"))?, salt, Some(sum))
}

/// Exactly `N` `$`-separated fields.
fn fields<const N: usize>(s: &str) -> Result<[&str; N], Error> {
    let parts: Vec<&str> = s.split('$').collect();
    parts.try_into().map_err(|_| malformed("fields"))
}

/// One parsed crypt string.
struct Crypt {
    kind: Kind,
    ldap: bool,
    /// Rounds (phpass: their log2).
    rounds: u32,
    /// The salt text, crypt alphabet.
    salt: Vec<u8>,
    /// The checksum text, crypt alphabet; empty when rebuilt by [`from_public`].
    digest: Vec<u8>,
}

impl Crypt {
    /// Checks every part against `kind`'s limits; `sum` is `None` when
    /// rebuilt from public parts.
    fn new(kind: Kind, ldap: bool, rounds: u32, salt: &str, sum: Option<&str>) -> Result<Self, Error> {
        let (min, max, salt_max, sum_len) = kind.limits();
        if !(min..=max).contains(&rounds) {
            return Err(malformed("rounds"));
        }
        let crypt64 = |s: &str| s.bytes().all(|b| ITOA64.contains(&b));
        let salt_ok = if kind == Kind::Phpass { salt.len() == salt_max } else { salt.len() <= salt_max };
        if !salt_ok || !crypt64(salt) {
            return Err(malformed("salt"));
        }
        let digest = match sum {
            Some(sum) if sum.len() == sum_len && crypt64(sum) => sum.as_bytes().to_vec(),
            Some(_) => return Err(malformed("hash")),
            None => Vec::new(),
        };
        Ok(Self { kind, ldap, rounds, salt: salt.as_bytes().to_vec(), digest })
    }

    /// The work units: rounds, or 2^log2 for phpass.
    fn units(&self) -> u64 {
        match self.kind {
            Kind::Phpass => 1u64 << self.rounds.min(63),
            _ => u64::from(self.rounds),
        }
    }
}

impl Scheme for Crypt {
    fn id(&self) -> &'static str {
        self.kind.id(self.ldap)
    }

    fn public_params(&self) -> String {
        match self.kind {
            Kind::Md5 | Kind::Apr1 => String::new(),
            _ => format!("rounds={}", self.rounds),
        }
    }

    fn salt(&self) -> &[u8] {
        &self.salt
    }

    fn digest(&self) -> &[u8] {
        &self.digest
    }

    fn cost(&self) -> Cost {
        Cost::new(0, Cost::work(self.units(), self.kind.factor()))
    }

    /// Every round but sha1-crypt's hashes the password: the units' blocks
    /// for this length ([`Kind::cycle_blocks`], [`Kind::once_blocks`])
    /// over the blocks the factor was measured with, never below
    /// [`Scheme::cost`].
    fn cost_for(&self, password_len: usize) -> Cost {
        let (salt, len) = (self.salt.len() as u64, u64::try_from(password_len).unwrap_or(u64::MAX));
        let blocks = self
            .units()
            .saturating_mul(self.kind.cycle_blocks(salt, len))
            .saturating_add(self.kind.once_blocks(len).saturating_mul(42));
        let passes = Cost::work(blocks, self.kind.factor()) / self.kind.measured_blocks().max(1);
        Cost::new(0, passes.max(self.cost().block_passes))
    }

    fn check(&self, caps: &Caps) -> Result<(), Error> {
        match self.kind {
            Kind::Phpass => super::bcrypt::check_log2(caps, "rounds", self.rounds, factor::MD5),
            _ => cost::check_work(caps, "rounds", "rounds", self.units(), self.kind.factor()),
        }
    }

    fn compute(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let text = match self.kind {
            Kind::Sha256 => sha_crypt_text(password, &self.salt, self.rounds, false)?,
            Kind::Sha512 => sha_crypt_text(password, &self.salt, self.rounds, true)?,
            Kind::Md5 => compute::md5_crypt(password, b"$1$", &self.salt),
            Kind::Apr1 => compute::md5_crypt(password, b"$apr1$", &self.salt),
            Kind::Sha1 => compute::sha1_crypt(password, &self.salt, self.rounds)?,
            Kind::Phpass => compute::phpass(password, &self.salt, self.rounds),
        };
        Ok(Zeroizing::new(text))
    }

    /// sha1-crypt keys HMAC with the password, which pads a short key with
    /// zeros: `pw` and `pw\0` are the same key, so a candidate ending in
    /// NUL never matches. The others hash the password as a message.
    fn reads_whole(&self, password: &[u8]) -> bool {
        self.kind != Kind::Sha1 || password.last() != Some(&0)
    }
}

/// sha256-crypt / sha512-crypt (the `sha-crypt` crate) as checksum text:
/// the raw output transposed as the spec orders it, crypt base 64.
fn sha_crypt_text(password: &[u8], salt: &[u8], rounds: u32, sha512: bool) -> Result<Vec<u8>, Error> {
    /// Output byte order of the final encoding (the spec's `b64_from_24bit` calls).
    const ORDER_256: [usize; 32] = [
        20, 10, 0, 11, 1, 21, 2, 22, 12, 23, 13, 3, 14, 4, 24, 5, 25, 15, 26, 16, 6, 17, 7, 27, 8, 28, 18, 29, 19, 9,
        30, 31,
    ];
    const ORDER_512: [usize; 64] = [
        42, 21, 0, 1, 43, 22, 23, 2, 44, 45, 24, 3, 4, 46, 25, 26, 5, 47, 48, 27, 6, 7, 49, 28, 29, 8, 50, 51, 30, 9,
        10, 52, 31, 32, 11, 53, 54, 33, 12, 13, 55, 34, 35, 14, 56, 57, 36, 15, 16, 58, 37, 38, 17, 59, 60, 39, 18, 19,
        61, 40, 41, 20, 62, 63,
    ];
    let params = sha_crypt::Params::new(rounds).map_err(|_| malformed("rounds"))?;
    let raw: Zeroizing<Vec<u8>> = Zeroizing::new(if sha512 {
        sha_crypt::sha512_crypt(password, salt, params).to_vec()
    } else {
        sha_crypt::sha256_crypt(password, salt, params).to_vec()
    });
    let order: &[usize] = if sha512 { &ORDER_512 } else { &ORDER_256 };
    let transposed: Zeroizing<Vec<u8>> =
        Zeroizing::new(order.iter().map(|&i| raw.get(i).copied().unwrap_or(0)).collect());
    Ok(super::encoding::encode64_le(&transposed))
}

/// Rebuilds one of this family's schemes from its public parts: its
/// `rounds=N` (none for md5-crypt) and its salt text.
pub(crate) fn from_public(id: &str, params: &str, salt: &[u8]) -> Option<Result<Parsed, Error>> {
    let (kind, ldap) =
        Kind::ALL.into_iter().flat_map(|k| [(k, false), (k, true)]).find(|(k, ldap)| k.id(*ldap) == id)?;
    Some(rebuild(kind, ldap, params, salt))
}

fn rebuild(kind: Kind, ldap: bool, params: &str, salt: &[u8]) -> Result<Parsed, Error> {
    let rounds = match kind {
        Kind::Md5 | Kind::Apr1 if params.is_empty() => MD5_ROUNDS,
        Kind::Md5 | Kind::Apr1 => return Err(malformed("params")),
        _ => number(params.strip_prefix("rounds=").ok_or_else(|| malformed("params"))?, "params")?,
    };
    let salt = std::str::from_utf8(salt).map_err(|_| malformed("salt"))?;
    Ok(Box::new(Crypt::new(kind, ldap, rounds, salt, None)?))
}

#[cfg(test)]
mod tests;
