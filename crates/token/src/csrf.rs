//! CSRF tokens bound to the session (the synchronizer-token pattern
//! without server-side storage): the token is an HMAC of the session id,
//! so it is valid for that session only and checked in constant time.
//!
//! ```
//! use guardrail_secret::SecretString;
//! use guardrail_keys::MacKeyring;
//! use guardrail_token::csrf::Csrf;
//! let csrf = Csrf::new(MacKeyring::generate().unwrap());
//! let session = SecretString::from("session-id-from-the-cookie");
//! let token = csrf.token_for(&session); // put in the page or a header
//! assert!(csrf.verify(&session, &token).is_ok());
//! assert!(csrf.verify(&SecretString::from("another-session"), &token).is_err());
//! ```

use base64ct::{Base64UrlUnpadded, Encoding};
use guardrail_secret::{ExposeSecret, SecretString};

use guardrail_keys::MacKeyring;

use crate::Error;

/// Issues and checks CSRF tokens.
#[derive(Debug, Clone)]
pub struct Csrf {
    keyring: MacKeyring,
}

fn message(session: &SecretString) -> Vec<u8> {
    let mut m = b"guardrail csrf v1\0".to_vec();
    m.extend_from_slice(session.expose_secret().as_bytes());
    m
}

impl Csrf {
    /// CSRF protection keyed by `keyring` (rotation as for signed tokens).
    #[must_use]
    pub fn new(keyring: MacKeyring) -> Self {
        Self { keyring }
    }

    /// The token for this session.
    #[must_use]
    pub fn token_for(&self, session: &SecretString) -> String {
        Base64UrlUnpadded::encode_string(&self.keyring.sign_raw(&message(session)))
    }

    /// `Ok` when `presented` is this session's token (any enabled key).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] for anything else: one variant, no detail.
    pub fn verify(&self, session: &SecretString, presented: &str) -> Result<(), Error> {
        if presented.len() > 128 {
            return Err(Error::InvalidToken);
        }
        let tag = Base64UrlUnpadded::decode_vec(presented).map_err(|_| Error::InvalidToken)?;
        self.keyring.verify_raw(&message(session), &tag).map_err(|_| Error::InvalidToken)
    }
}
