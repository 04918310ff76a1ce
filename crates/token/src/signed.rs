//! HMAC-SHA256 tokens bound to a purpose, with an expiry and a key id
//! (sessions, password reset, e-mail confirmation).
//!
//! A token is `v1.<key id>.<expiry unix seconds>.<subject, base64url>.<tag, base64url>`.
//! The tag covers a domain label, the purpose's name, the key id, the
//! expiry and the subject, so a password-reset token fails as a session
//! token, an edited expiry fails, and a token signed by a disabled key
//! fails. Purposes are types: a `TokenSigner<PasswordReset>` cannot verify
//! a session token at compile time, and any mix-up fails at run time.
//!
//! ```
//! use std::time::Duration;
//! use guardrail_token::signed::{MacKeyring, Purpose, TokenSigner};
//!
//! struct PasswordReset;
//! impl Purpose for PasswordReset { const NAME: &'static str = "password_reset"; }
//! struct Session;
//! impl Purpose for Session { const NAME: &'static str = "session"; }
//!
//! let keyring = MacKeyring::generate().unwrap();
//! let reset = TokenSigner::<PasswordReset>::new(keyring.clone());
//! let token = reset.sign("user-42", Duration::from_secs(3600)).unwrap();
//! assert_eq!(reset.verify(&token).unwrap().subject(), "user-42");
//! assert!(TokenSigner::<Session>::new(keyring).verify(&token).is_err());
//! ```

use std::{
    marker::PhantomData,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use base64ct::{Base64UrlUnpadded, Encoding};
use guardrail_secret::{ExposeSecret, SecretSlice};
use ring::hmac;

use crate::{Error, random};

/// A token purpose. Implement it on a unit struct per purpose; `NAME` is
/// bound into every tag, so make each one distinct.
pub trait Purpose {
    /// A stable name (`"session"`, `"password_reset"`).
    const NAME: &'static str;
}

/// Where "now" comes from: the system clock, or a fixed clock in tests.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// One HMAC-SHA256 key with an id. Not `Debug`-printable beyond its id.
struct MacKey {
    id: u32,
    enabled: bool,
    key: hmac::Key,
    /// HMAC of a fixed label under the key: equal for two keys that sign
    /// alike (the same bytes, or bytes that differ only by trailing zeros,
    /// which HMAC pads to the same block), so [`MacKeyring::add`] can refuse
    /// a duplicate without keeping the key bytes. Never printed.
    fingerprint: hmac::Tag,
}

/// HMAC keys with ids and one primary: sign with the primary, verify with
/// any enabled key. Rotation: [`MacKeyring::add`] a key, make it primary
/// with [`MacKeyring::promote`], and when old tokens have expired,
/// [`MacKeyring::disable`] the old key.
#[derive(Clone)]
pub struct MacKeyring {
    keys: Arc<Vec<MacKey>>,
    primary: u32,
}

impl std::fmt::Debug for MacKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<(u32, bool)> = self.keys.iter().map(|k| (k.id, k.enabled)).collect();
        f.debug_struct("MacKeyring").field("primary", &self.primary).field("keys(id, enabled)", &ids).finish()
    }
}

/// The shortest accepted key: 256 bits (HMAC-SHA256's block size is not
/// required, its output size is the floor).
pub const MIN_KEY_BYTES: usize = 32;

impl MacKeyring {
    /// A keyring with one fresh random key (id 1) as primary.
    pub fn generate() -> Result<Self, Error> {
        let mut raw = zeroize::Zeroizing::new([0u8; 32]);
        random::fill(raw.as_mut_slice())?;
        Self::from_key(1, &SecretSlice::from(raw.to_vec()))
    }

    /// A keyring with one given key (loaded with guardrail-secret) as primary.
    ///
    /// # Errors
    ///
    /// [`Error::TooShort`] for a key shorter than [`MIN_KEY_BYTES`],
    /// [`Error::ZeroKey`] for a placeholder key (every byte equal: all zero
    /// bytes, all 0xFF, ...).
    pub fn from_key(id: u32, key: &SecretSlice<u8>) -> Result<Self, Error> {
        let k = Self::make_key(id, key)?;
        Ok(Self { keys: Arc::new(vec![k]), primary: id })
    }

    fn make_key(id: u32, key: &SecretSlice<u8>) -> Result<MacKey, Error> {
        if key.expose_secret().len() < MIN_KEY_BYTES {
            return Err(Error::TooShort { min: MIN_KEY_BYTES });
        }
        crate::keyring::refuse_placeholder_key(key.expose_secret())?;
        Ok(Self::unchecked_key(id, key.expose_secret()))
    }

    /// The key itself, after `make_key`'s checks (the RFC 4231 vectors'
    /// keys, 131 × 0xaa, are placeholders `from_key` refuses: the unit test
    /// below runs them here).
    fn unchecked_key(id: u32, key: &[u8]) -> MacKey {
        let key = hmac::Key::new(hmac::HMAC_SHA256, key);
        let fingerprint = hmac::sign(&key, b"guardrail-token MacKeyring duplicate check");
        MacKey { id, enabled: true, key, fingerprint }
    }

    /// Adds an enabled, non-primary key. An id already present is refused.
    ///
    /// # Errors
    ///
    /// [`Error::KeyId`] for an id already present, [`Error::DuplicateKey`]
    /// for key material that signs like a key already present, and the key
    /// errors of [`MacKeyring::from_key`].
    pub fn add(&self, id: u32, key: &SecretSlice<u8>) -> Result<Self, Error> {
        if self.keys.iter().any(|k| k.id == id) {
            return Err(Error::KeyId);
        }
        let new = Self::make_key(id, key)?;
        if self.keys.iter().any(|k| k.fingerprint.as_ref() == new.fingerprint.as_ref()) {
            return Err(Error::DuplicateKey);
        }
        let mut keys: Vec<MacKey> = self.keys.iter().map(clone_key).collect();
        keys.push(new);
        Ok(Self { keys: Arc::new(keys), primary: self.primary })
    }

    /// Makes an enabled key the primary (new tokens are signed with it).
    pub fn promote(&self, id: u32) -> Result<Self, Error> {
        if !self.keys.iter().any(|k| k.id == id && k.enabled) {
            return Err(Error::KeyId);
        }
        Ok(Self { keys: Arc::new(self.keys.iter().map(clone_key).collect()), primary: id })
    }

    /// Disables a key: tokens it signed no longer verify. The primary
    /// cannot be disabled.
    pub fn disable(&self, id: u32) -> Result<Self, Error> {
        if id == self.primary || !self.keys.iter().any(|k| k.id == id) {
            return Err(Error::KeyId);
        }
        let keys = self.keys.iter().map(|k| MacKey { enabled: k.enabled && k.id != id, ..clone_key(k) }).collect();
        Ok(Self { keys: Arc::new(keys), primary: self.primary })
    }

    fn primary_key(&self) -> Option<&MacKey> {
        self.keys.iter().find(|k| k.id == self.primary)
    }

    fn enabled_key(&self, id: u32) -> Option<&MacKey> {
        self.keys.iter().find(|k| k.id == id && k.enabled)
    }

    /// HMAC-SHA256 of `message` with the primary key (for protocols that
    /// define their own message layout; tokens use [`TokenSigner`]).
    #[must_use]
    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        self.primary_key().map(|k| hmac::sign(&k.key, message).as_ref().to_vec()).unwrap_or_default()
    }

    /// Checks a raw tag against every enabled key, in constant time each.
    pub fn verify_raw(&self, message: &[u8], tag: &[u8]) -> Result<(), Error> {
        if self.keys.iter().filter(|k| k.enabled).any(|k| hmac::verify(&k.key, message, tag).is_ok()) {
            Ok(())
        } else {
            Err(Error::InvalidToken)
        }
    }
}

fn clone_key(k: &MacKey) -> MacKey {
    MacKey { id: k.id, enabled: k.enabled, key: k.key.clone(), fingerprint: k.fingerprint }
}

/// A verified token's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    subject: String,
    expires_at: SystemTime,
}

impl Verified {
    /// The subject the token was signed for (a user id, a session id).
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// When it expires.
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
}

/// Signs and verifies tokens of one purpose.
pub struct TokenSigner<P: Purpose> {
    keyring: MacKeyring,
    clock: Arc<dyn Clock>,
    purpose: PhantomData<fn() -> P>,
}

impl<P: Purpose> std::fmt::Debug for TokenSigner<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner").field("purpose", &P::NAME).field("keyring", &self.keyring).finish()
    }
}

/// The longest subject, in bytes, and the longest token looked at.
const MAX_SUBJECT: usize = 256;
const MAX_TOKEN: usize = 1024;

impl<P: Purpose> TokenSigner<P> {
    /// A signer using the system clock.
    #[must_use]
    pub fn new(keyring: MacKeyring) -> Self {
        Self::with_clock(keyring, Arc::new(SystemClock))
    }

    /// A signer with an injected clock (tests, simulations).
    #[must_use]
    pub fn with_clock(keyring: MacKeyring, clock: Arc<dyn Clock>) -> Self {
        Self { keyring, clock, purpose: PhantomData }
    }

    /// The tag over the domain label, purpose, key id, expiry and subject
    /// (NUL-separated; key id and expiry as canonical decimal text).
    fn tag(key: &hmac::Key, kid: &str, expires: &str, subject: &[u8]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(key);
        for part in [b"guardrail signed token v1".as_slice(), P::NAME.as_bytes(), kid.as_bytes(), expires.as_bytes()] {
            ctx.update(part);
            ctx.update(&[0]);
        }
        ctx.update(subject);
        ctx.sign()
    }

    /// A token for `subject`, valid for `ttl`, signed with the primary key.
    pub fn sign(&self, subject: &str, ttl: Duration) -> Result<String, Error> {
        if subject.len() > MAX_SUBJECT {
            return Err(Error::TooLong { max: MAX_SUBJECT });
        }
        let key = self.keyring.primary_key().ok_or(Error::KeyId)?;
        let expires = self.clock.now().checked_add(ttl).ok_or(Error::InvalidToken)?;
        let expires = expires.duration_since(UNIX_EPOCH).map_err(|_| Error::InvalidToken)?.as_secs();
        let tag = Self::tag(&key.key, &key.id.to_string(), &expires.to_string(), subject.as_bytes());
        Ok(format!(
            "v1.{}.{expires}.{}.{}",
            key.id,
            Base64UrlUnpadded::encode_string(subject.as_bytes()),
            Base64UrlUnpadded::encode_string(tag.as_ref())
        ))
    }

    /// Verifies purpose, key, tag and expiry. Every failure is the same
    /// [`Error::InvalidToken`].
    pub fn verify(&self, token: &str) -> Result<Verified, Error> {
        self.check(token).ok_or(Error::InvalidToken)
    }

    fn check(&self, token: &str) -> Option<Verified> {
        if token.len() > MAX_TOKEN {
            return None;
        }
        let mut parts = token.split('.');
        let (Some("v1"), Some(kid), Some(exp), Some(subject), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        // Canonical decimals only (no sign, no leading zero), so the text
        // that was signed is the text that is checked.
        let canonical =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s.len() == 1 || !s.starts_with('0'));
        if !canonical(kid) || !canonical(exp) {
            return None;
        }
        let key = self.keyring.enabled_key(kid.parse().ok()?)?;
        let expires: u64 = exp.parse().ok()?;
        // The subject and the presented tag are public (the client sent
        // them), so a table-driven decoder is safe here; only the tag we
        // compute is secret, and it is compared in constant time.
        let mut subject_buf = [0u8; MAX_SUBJECT + 2];
        if subject.len() > MAX_SUBJECT.div_ceil(3) * 4 {
            return None;
        }
        let n = URL_SAFE_NO_PAD.decode_slice(subject, &mut subject_buf).ok()?;
        let subject = subject_buf.get(..n)?;
        let mut presented = [0u8; 33];
        if tag.len() != 43 || URL_SAFE_NO_PAD.decode_slice(tag, &mut presented).ok()? != 32 {
            return None;
        }
        let expected = Self::tag(&key.key, kid, exp, subject);
        if !guardrail_ct::eq(expected.as_ref(), presented.get(..32)?) {
            return None;
        }
        let expires_at = UNIX_EPOCH.checked_add(Duration::from_secs(expires))?;
        if self.clock.now() >= expires_at {
            return None;
        }
        Some(Verified { subject: std::str::from_utf8(subject).ok()?.to_owned(), expires_at })
    }
}

/// Fuzzing oracle: verifying any text returns, never panics.
#[doc(hidden)]
pub fn check_verify(data: &[u8]) {
    struct Fuzz;
    impl Purpose for Fuzz {
        const NAME: &'static str = "fuzz";
    }
    static KEYRING: std::sync::LazyLock<Option<MacKeyring>> =
        std::sync::LazyLock::new(|| MacKeyring::from_key(1, &SecretSlice::from((1..=32).collect::<Vec<u8>>())).ok());
    if let (Ok(text), Some(keyring)) = (std::str::from_utf8(data), KEYRING.as_ref()) {
        let _ = TokenSigner::<Fuzz>::new(keyring.clone()).verify(text);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    /// RFC 4231 test cases 6 and 7 (HMAC-SHA-256; the shorter keys of cases
    /// 1-5 are below our 32-byte minimum), and tampered twins. Their key,
    /// 131 × 0xaa, is one repeated byte, which `from_key` refuses
    /// (`tests/signed.rs`), so the keyring is built past that check.
    #[test]
    fn rfc4231_vectors_and_tampered_twins() {
        let keyring = MacKeyring { keys: Arc::new(vec![MacKeyring::unchecked_key(1, &[0xaa; 131])]), primary: 1 };
        let cases: [(&[u8], &str); 2] = [
            (
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (message, expected) in cases {
            let tag = keyring.sign_raw(message);
            assert_eq!(guardrail_ct::hex::encode_string(&tag), expected);
            assert!(keyring.verify_raw(message, &tag).is_ok());
            let mut tampered = tag.clone();
            if let Some(b) = tampered.first_mut() {
                *b ^= 1;
            }
            assert!(keyring.verify_raw(message, &tampered).is_err());
        }
    }
}
