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
//! use guardrail_keys::MacKeyring;
//! use guardrail_token::signed::{Purpose, TokenSigner};
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
use guardrail_keys::MacKeyring;

use crate::Error;

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

    /// Hands `f` the message the tag covers: the domain label, purpose,
    /// key id, expiry and subject (NUL-separated; key id and expiry as
    /// canonical decimal text). Built on the stack when it fits in 512
    /// bytes (every token whose purpose name is under ~200 bytes), so
    /// verifying allocates nothing for it, as hashing the parts did.
    fn with_message<R>(kid: &str, expires: &str, subject: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
        use std::io::Write as _;
        let parts = [b"guardrail signed token v1".as_slice(), P::NAME.as_bytes(), kid.as_bytes(), expires.as_bytes()];
        let len = parts.iter().map(|p| p.len() + 1).sum::<usize>() + subject.len();
        let mut stack = [0u8; 512];
        let mut heap = Vec::new();
        let buf = match stack.get_mut(..len) {
            Some(buf) => buf,
            None => {
                heap.resize(len, 0);
                heap.as_mut_slice()
            }
        };
        let mut rest = &mut *buf;
        for part in parts {
            // Writes into a slice of exactly `len` bytes: cannot run short.
            let _ = rest.write_all(part).and_then(|()| rest.write_all(&[0]));
        }
        let _ = rest.write_all(subject);
        f(buf)
    }

    /// A token for `subject` (at most 256 bytes), valid for `ttl`, signed
    /// with the keyring's primary key.
    ///
    /// # Errors
    ///
    /// [`Error::TooLong`] for a subject past 256 bytes;
    /// [`Error::InvalidToken`] when the expiry is not representable (a
    /// clock before 1970, or a `ttl` past the end of time).
    pub fn sign(&self, subject: &str, ttl: Duration) -> Result<String, Error> {
        if subject.len() > MAX_SUBJECT {
            return Err(Error::TooLong { max: MAX_SUBJECT });
        }
        let kid = self.keyring.primary_id();
        let expires = self.clock.now().checked_add(ttl).ok_or(Error::InvalidToken)?;
        let expires = expires.duration_since(UNIX_EPOCH).map_err(|_| Error::InvalidToken)?.as_secs();
        let tag = Self::with_message(&kid.to_string(), &expires.to_string(), subject.as_bytes(), |m| {
            self.keyring.sign_raw(m)
        });
        Ok(format!(
            "v1.{kid}.{expires}.{}.{}",
            Base64UrlUnpadded::encode_string(subject.as_bytes()),
            Base64UrlUnpadded::encode_string(&tag)
        ))
    }

    /// Verifies purpose, key, tag and expiry.
    ///
    /// # Errors
    ///
    /// Every failure — malformed, another purpose, an unknown or disabled
    /// key, a bad tag, expired — is the same [`Error::InvalidToken`].
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
        let kid_value = kid.parse().ok()?;
        let expires: u64 = exp.parse().ok()?;
        // The subject and the presented tag are public (the client sent
        // them), so a table-driven decoder is safe here; the tag is checked
        // under the key the token names, in constant time (ring).
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
        Self::with_message(kid, exp, subject, |m| {
            self.keyring.verify_raw_with(kid_value, m, presented.get(..32)?).ok()
        })?;
        let expires_at = UNIX_EPOCH.checked_add(Duration::from_secs(expires))?;
        if self.clock.now() >= expires_at {
            return None;
        }
        Some(Verified { subject: std::str::from_utf8(subject).ok()?.to_owned(), expires_at })
    }
}
