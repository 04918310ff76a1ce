//! API keys: `<prefix>_<30 random base62 characters><6-character checksum>`.
//!
//! - The prefix names the issuer and environment (`acme_live`), so a leaked
//!   key is recognised by secret scanners and by people.
//! - 30 base62 characters are 178 bits of randomness.
//! - The checksum (CRC-32 of everything before it, in base62) lets the
//!   server and scanners reject typos and junk before any database lookup.
//! - Only a [`StoredApiKey`] is stored: a short public lookup id and a
//!   digest, each derived with its own domain label. The key is shown to
//!   its owner once, at creation.
//! - Store keys under a [`DigestKey`] ([`ApiKeyIssuer::with_digest_key`],
//!   [`StoredApiKey::verify_keyed`]): the stored digest is then an
//!   HMAC-SHA256 under a key the database does not hold, so whoever can
//!   write the key table still cannot mint a key (they cannot compute the
//!   digest of a key they made up). The unkeyed form (a plain SHA-256,
//!   [`ApiKeyIssuer::new`] alone) lets any database writer mint a working
//!   key; it stays for tools that hold no server key and for stores made
//!   by earlier releases, which [`StoredApiKey::rekey`] converts.
//!
//! ```
//! use guardrail_token::{ApiKeyIssuer, ApiKey, DigestKey};
//! use guardrail_secret::ExposeSecret;
//!
//! let digest_key = DigestKey::generate().unwrap(); // a server secret, one per purpose
//! let issuer = ApiKeyIssuer::new("acme_live").unwrap().with_digest_key(digest_key.clone());
//! let (key, stored) = issuer.issue().unwrap();
//! // Show key.expose_secret() once; store stored.lookup_id() and stored.digest_hex().
//!
//! // On each request:
//! let presented = ApiKey::parse(key.expose_secret(), "acme_live").unwrap(); // format + checksum, no I/O
//! // ... fetch the row by presented.lookup_id() ...
//! assert!(stored.verify_keyed(&presented, &digest_key).is_ok()); // constant-time digest comparison
//! assert!(stored.verify(&presented).is_err(), "a keyed record is not an unkeyed one");
//! ```

use guardrail_secret::{ExposeSecret, SecretString};
use ring::digest::{Context, SHA256};
use zeroize::Zeroizing;

use crate::{DigestKey, Error, random};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Random characters per key (62^30 ≈ 2^178.6).
pub const RANDOM_CHARS: usize = 30;
/// Checksum characters (62^6 > 2^32).
pub const CHECKSUM_CHARS: usize = 6;
const LOOKUP_ID_BYTES: usize = 9;

fn valid_prefix(prefix: &str) -> bool {
    (1..=32).contains(&prefix.len())
        && prefix.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// CRC-32 of `body` as six base62 digits.
fn checksum(body: &str) -> [u8; CHECKSUM_CHARS] {
    let mut value = crc32fast::hash(body.as_bytes());
    let mut out = [b'0'; CHECKSUM_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET.get((value % 62) as usize).copied().unwrap_or(b'0');
        value /= 62;
    }
    out
}

/// The number six base62 digits spell (`None` for another character).
fn base62_value(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'A'..=b'Z' => d - b'A' + 10,
            b'a'..=b'z' => d - b'a' + 36,
            _ => return None,
        };
        Some(acc * 62 + u64::from(v))
    })
}

/// Domain-separated SHA-256 of the key: `label || 0x00 || key`.
fn derive(label: &str, key: &[u8]) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    ctx.update(label.as_bytes());
    ctx.update(&[0]);
    ctx.update(key);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// The label of a keyed API-key digest ([`DigestKey::digest`]'s first part).
const KEYED_LABEL: &[u8] = b"api-key";

/// Issues keys with one prefix, stored unkeyed or (with
/// [`ApiKeyIssuer::with_digest_key`], the way to store keys) under a
/// [`DigestKey`].
#[derive(Debug, Clone)]
pub struct ApiKeyIssuer {
    prefix: String,
    digest_key: Option<DigestKey>,
}

impl ApiKeyIssuer {
    /// An issuer for `prefix`: 1..=32 characters of `a-z`, `0-9`, `_`,
    /// starting with a letter (`acme_live`, `acme_test`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPrefix`] for any other prefix.
    pub fn new(prefix: &str) -> Result<Self, Error> {
        if !valid_prefix(prefix) {
            return Err(Error::InvalidPrefix);
        }
        Ok(Self { prefix: prefix.to_owned(), digest_key: None })
    }

    /// This issuer, its records' digests keyed by `digest_key`
    /// ([`StoredApiKey::verify_keyed`] checks them): a database writer
    /// cannot mint a key. Without it the digest is a plain SHA-256 of the
    /// key, which anyone who can write the key table can make for a key
    /// of their own.
    #[must_use]
    pub fn with_digest_key(self, digest_key: DigestKey) -> Self {
        Self { digest_key: Some(digest_key), ..self }
    }

    /// A new key (to show once) and what to store.
    ///
    /// # Errors
    ///
    /// [`Error::Random`] when the system's random number generator fails.
    pub fn issue(&self) -> Result<(SecretString, StoredApiKey), Error> {
        let mut body = Zeroizing::new(String::with_capacity(self.prefix.len() + 1 + RANDOM_CHARS + CHECKSUM_CHARS));
        body.push_str(&self.prefix);
        body.push('_');
        let mut filled = 0;
        let mut pool = Zeroizing::new([0u8; 64]);
        while filled < RANDOM_CHARS {
            random::fill(pool.as_mut_slice())?;
            // 248 = 4 × 62: bytes at or above it would bias the alphabet.
            for b in pool.iter().filter(|b| **b < 248).take(RANDOM_CHARS - filled) {
                body.push(char::from(ALPHABET.get(usize::from(*b % 62)).copied().unwrap_or(b'0')));
                filled += 1;
            }
        }
        let sum = checksum(&body);
        body.extend(sum.iter().map(|b| char::from(*b)));
        let key = ApiKey::parse(&body, &self.prefix)?;
        let stored = StoredApiKey::for_key(&key, self.digest_key.as_ref());
        Ok((SecretString::from(body.as_str().to_owned()), stored))
    }
}

/// A presented key that passed the format and checksum checks: a checked
/// view of the caller's text (the request header it came in), so checking
/// a key allocates and copies nothing — a copy would not remove the
/// original, only add one to wipe. Not `Clone`; its `Debug` shows only
/// the prefix and lookup id.
pub struct ApiKey<'a> {
    key: &'a str,
    prefix_len: usize,
}

impl std::fmt::Debug for ApiKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey").field("prefix", &self.prefix()).field("lookup_id", &self.lookup_id()).finish()
    }
}

impl<'a> ApiKey<'a> {
    /// Checks `prefix`, length, alphabet and checksum: cheap, no I/O, so
    /// junk is rejected before any lookup.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for every failure (wrong prefix, length,
    /// alphabet or checksum), one variant on purpose.
    pub fn parse(key: &'a str, prefix: &str) -> Result<Self, Error> {
        let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) else {
            return Err(Error::InvalidKey);
        };
        if !valid_prefix(prefix)
            || rest.len() != RANDOM_CHARS + CHECKSUM_CHARS
            || !rest.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::InvalidKey);
        }
        // The checksum covers only what the client sent (no secret of
        // ours), so an early-exit comparison leaks nothing.
        let (body, sum) = key.split_at(key.len() - CHECKSUM_CHARS);
        if base62_value(sum.as_bytes()) != Some(u64::from(crc32fast::hash(body.as_bytes()))) {
            return Err(Error::InvalidKey);
        }
        Ok(Self { key, prefix_len: prefix.len() })
    }

    /// Like [`ApiKey::parse`], taking the prefix from the key itself
    /// (everything before the final `_` and 36 characters): for tools and
    /// scanners that accept keys of any issuer.
    ///
    /// # Errors
    ///
    /// As [`ApiKey::parse`]: [`Error::InvalidKey`].
    pub fn parse_any_prefix(key: &'a str) -> Result<Self, Error> {
        let tail = 1 + RANDOM_CHARS + CHECKSUM_CHARS;
        let prefix = key.len().checked_sub(tail).and_then(|n| key.get(..n)).ok_or(Error::InvalidKey)?;
        Self::parse(key, prefix)
    }

    /// The prefix (public).
    #[must_use]
    pub fn prefix(&self) -> &str {
        self.key.get(..self.prefix_len).unwrap_or_default()
    }

    /// The public id to find the stored row by: 12 base64url characters of
    /// a domain-separated SHA-256 of the key (not a slice of the key, so it
    /// reveals none of its randomness).
    #[must_use]
    pub fn lookup_id(&self) -> String {
        let d = derive("gk-l1", self.expose_secret().as_bytes());
        guardrail_ct::base64url::encode_string(d.get(..LOOKUP_ID_BYTES).unwrap_or_default())
    }
}

/// The whole presented key (ASCII, checked by `parse`): the one exit of
/// the key's text, so a grep for `expose_secret` finds every use.
impl ExposeSecret<str> for ApiKey<'_> {
    fn expose_secret(&self) -> &str {
        self.key
    }
}

/// What the server stores for a key: the lookup id and the digest. Neither
/// lets anyone recover or use the key.
///
/// The digest is unkeyed (`SHA-256("gk-d1" ‖ 0 ‖ key)`, checked by
/// [`StoredApiKey::verify`]) or keyed (`DigestKey::digest(["api-key",
/// unkeyed])`, checked by [`StoredApiKey::verify_keyed`]); the record does
/// not say which, the verifier does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiKey {
    lookup_id: String,
    digest: [u8; 32],
}

/// The keyed digest of an unkeyed one.
fn keyed(digest_key: &DigestKey, unkeyed: &[u8; 32]) -> [u8; 32] {
    digest_key.digest(&[KEYED_LABEL, unkeyed])
}

impl StoredApiKey {
    fn for_key(key: &ApiKey<'_>, digest_key: Option<&DigestKey>) -> Self {
        let unkeyed = derive("gk-d1", key.expose_secret().as_bytes());
        let digest = digest_key.map_or(unkeyed, |k| keyed(k, &unkeyed));
        Self { lookup_id: key.lookup_id(), digest }
    }

    /// The keyed record of an unkeyed one (as stored by a release without
    /// a [`DigestKey`]): the same key verifies against the result with
    /// [`StoredApiKey::verify_keyed`]. Needs no key, only the record, so a
    /// migration converts every stored row in place.
    #[must_use]
    pub fn rekey(&self, digest_key: &DigestKey) -> Self {
        Self { lookup_id: self.lookup_id.clone(), digest: keyed(digest_key, &self.digest) }
    }

    /// Rebuilds a stored record from its columns.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedStored`] naming the column: a digest that is not 64
    /// hex digits, a lookup id that is not 12 base64url characters.
    pub fn from_parts(lookup_id: &str, digest_hex: &str) -> Result<Self, Error> {
        let mut digest = [0u8; 32];
        let decoded = guardrail_ct::hex::decode(digest_hex, &mut digest)
            .map_err(|_| Error::MalformedStored { part: "digest" })?;
        if decoded.len() != 32 {
            return Err(Error::MalformedStored { part: "digest" });
        }
        if lookup_id.len() != 12 || !lookup_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(Error::MalformedStored { part: "lookup_id" });
        }
        Ok(Self { lookup_id: lookup_id.to_owned(), digest })
    }

    /// The lookup id column.
    #[must_use]
    pub fn lookup_id(&self) -> &str {
        &self.lookup_id
    }

    /// The digest column, lower-case hex.
    #[must_use]
    pub fn digest_hex(&self) -> String {
        guardrail_ct::hex::encode_string(&self.digest)
    }

    /// `Ok` when `key` is the key this unkeyed record was made for; the
    /// digests are compared in constant time (a matching digest implies
    /// the matching lookup id). A keyed record never matches here.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for any mismatch, with no detail.
    pub fn verify(&self, key: &ApiKey<'_>) -> Result<(), Error> {
        self.compare(&derive("gk-d1", key.expose_secret().as_bytes()))
    }

    /// `Ok` when `key` is the key this record was made for under
    /// `digest_key` ([`ApiKeyIssuer::with_digest_key`] or
    /// [`StoredApiKey::rekey`]); constant time. An unkeyed record never
    /// matches here, so a row a database writer computed for a key of
    /// their own is refused.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for any mismatch, with no detail.
    pub fn verify_keyed(&self, key: &ApiKey<'_>, digest_key: &DigestKey) -> Result<(), Error> {
        self.compare(&keyed(digest_key, &derive("gk-d1", key.expose_secret().as_bytes())))
    }

    fn compare(&self, presented: &[u8; 32]) -> Result<(), Error> {
        if guardrail_ct::eq_array(presented, &self.digest) { Ok(()) } else { Err(Error::InvalidKey) }
    }
}
