//! A MAC keyring: HMAC-SHA256 keys with ids and one primary — sign with
//! the primary, verify with any enabled key. Signed tokens and CSRF tokens
//! (guardrail-token) are built on it.
//!
//! Rotation, in the same words as the AEAD [`Keyring`](crate::Keyring):
//! [`MacKeyring::add_key`] (or [`MacKeyring::import_key`] for configured
//! material) → [`MacKeyring::promote`] → [`MacKeyring::disable`] the old
//! key once what it signed has expired.
//!
//! ```
//! use guardrail_keys::{MacKeyring, Status};
//!
//! let mut keyring = MacKeyring::generate().unwrap(); // key 1, primary
//! let tag = keyring.sign_raw(b"message");
//! let new_id = keyring.add_key().unwrap();
//! keyring.promote(new_id).unwrap();
//! assert!(keyring.verify_raw(b"message", &tag).is_ok()); // key 1 still verifies
//! keyring.disable(1).unwrap();
//! assert!(keyring.verify_raw(b"message", &tag).is_err());
//! assert_eq!(keyring.keys().map(|k| k.status).collect::<Vec<_>>(), [Status::Disabled, Status::Enabled]);
//! ```

use std::sync::Arc;

use guardrail_secret::{ExposeSecret, SecretSlice};
use ring::hmac;

use crate::{Error, KeyId, Status, rotation};

/// The shortest accepted key, in bytes: 256 bits (HMAC-SHA256's output
/// size is the floor; its block size is not required).
pub const MIN_KEY_BYTES: usize = 32;

/// One HMAC-SHA256 key with an id. Not `Debug`-printable beyond its id.
#[derive(Clone)]
struct MacKey {
    id: KeyId,
    status: Status,
    key: hmac::Key,
    /// HMAC of a fixed label under the key: equal for two keys that sign
    /// alike (the same bytes, or bytes that differ only by trailing zeros,
    /// which HMAC pads to the same block), so [`MacKeyring::import_key`]
    /// can refuse a duplicate without keeping the key bytes. Never printed.
    fingerprint: hmac::Tag,
}

/// What [`MacKeyring::keys`] lists: everything but the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacKeyInfo {
    /// The key id.
    pub id: KeyId,
    /// Enabled or disabled.
    pub status: Status,
    /// Whether new tags are made with it.
    pub primary: bool,
}

/// HMAC keys with ids and one primary; see the module docs. Cloning is
/// cheap (the keys are shared until one of the clones changes).
#[derive(Clone)]
pub struct MacKeyring {
    keys: Arc<Vec<MacKey>>,
    primary: KeyId,
}

impl std::fmt::Debug for MacKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MacKeyring").field("keys", &self.keys().collect::<Vec<_>>()).finish()
    }
}

impl MacKeyring {
    /// A keyring with one fresh random key (id 1, 32 bytes) as primary.
    ///
    /// # Errors
    ///
    /// [`Error::Random`] when the random number generator fails.
    pub fn generate() -> Result<Self, Error> {
        Ok(Self { keys: Arc::new(vec![random_key(1)?]), primary: 1 })
    }

    /// A keyring with one given key (configured material, loaded with
    /// guardrail-secret) as primary.
    ///
    /// # Errors
    ///
    /// [`Error::KeyTooShort`] for a key shorter than [`MIN_KEY_BYTES`]
    /// bytes, [`Error::PlaceholderKey`] for a placeholder key (every byte
    /// equal: all zero bytes, all 0xFF, ...).
    pub fn from_key(id: KeyId, key: &SecretSlice<u8>) -> Result<Self, Error> {
        Ok(Self { keys: Arc::new(vec![checked_key(id, key)?]), primary: id })
    }

    /// Adds a random (32-byte), enabled, non-primary key; returns its id,
    /// one past the largest in use.
    ///
    /// # Errors
    ///
    /// [`Error::KeyIdsExhausted`] when a key has the largest id;
    /// [`Error::Random`] when the random number generator fails.
    pub fn add_key(&mut self) -> Result<KeyId, Error> {
        let id = rotation::next_id(self.keys.iter().map(|k| k.id))?;
        let key = random_key(id)?;
        Arc::make_mut(&mut self.keys).push(key);
        Ok(id)
    }

    /// Adds a given key (configured material) as an enabled, non-primary
    /// key with the id `id`.
    ///
    /// # Errors
    ///
    /// [`Error::KeyIdTaken`] for an id already present,
    /// [`Error::DuplicateKey`] for key material that signs like a key
    /// already present, and the key errors of [`MacKeyring::from_key`];
    /// the keyring unchanged.
    pub fn import_key(&mut self, id: KeyId, key: &SecretSlice<u8>) -> Result<(), Error> {
        rotation::check_new_id(self.keys.iter().map(|k| k.id), id)?;
        let new = checked_key(id, key)?;
        if self.keys.iter().any(|k| k.fingerprint.as_ref() == new.fingerprint.as_ref()) {
            return Err(Error::DuplicateKey);
        }
        Arc::make_mut(&mut self.keys).push(new);
        Ok(())
    }

    /// Makes an enabled key the primary (new tags are made with it).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownKeyId`], [`Error::KeyDisabled`]; the keyring
    /// unchanged.
    pub fn promote(&mut self, id: KeyId) -> Result<(), Error> {
        rotation::check_promote(self.keys.iter().map(|k| (k.id, k.status)), id)?;
        self.primary = id;
        Ok(())
    }

    /// Disables a key (not the primary): what it signed no longer verifies.
    ///
    /// # Errors
    ///
    /// [`Error::PrimaryKey`] for the primary, [`Error::UnknownKeyId`]; the
    /// keyring unchanged.
    pub fn disable(&mut self, id: KeyId) -> Result<(), Error> {
        rotation::check_disable(self.keys.iter().map(|k| k.id), self.primary, id)?;
        for k in Arc::make_mut(&mut self.keys).iter_mut().filter(|k| k.id == id) {
            k.status = Status::Disabled;
        }
        Ok(())
    }

    /// The primary key's id.
    #[must_use]
    pub fn primary_id(&self) -> KeyId {
        self.primary
    }

    /// Every key's id, status and primary flag (the algorithm is always
    /// HMAC-SHA256).
    pub fn keys(&self) -> impl Iterator<Item = MacKeyInfo> + '_ {
        self.keys.iter().map(|k| MacKeyInfo { id: k.id, status: k.status, primary: k.id == self.primary })
    }

    /// HMAC-SHA256 of `message` with the primary key (32 bytes), for
    /// protocols that define their own message layout.
    #[must_use]
    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        self.keys
            .iter()
            .find(|k| k.id == self.primary)
            .map(|k| hmac::sign(&k.key, message).as_ref().to_vec())
            .unwrap_or_default()
    }

    /// Checks a tag against every enabled key, in constant time each.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTag`] when no enabled key made it.
    pub fn verify_raw(&self, message: &[u8], tag: &[u8]) -> Result<(), Error> {
        let mut enabled = self.keys.iter().filter(|k| k.status == Status::Enabled);
        if enabled.any(|k| hmac::verify(&k.key, message, tag).is_ok()) { Ok(()) } else { Err(Error::InvalidTag) }
    }

    /// Checks a tag against the enabled key `id` only (a message that names
    /// its key, as a signed token does), in constant time.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTag`] for an unknown or disabled key or a tag that
    /// key did not make: one variant, no detail.
    pub fn verify_raw_with(&self, id: KeyId, message: &[u8], tag: &[u8]) -> Result<(), Error> {
        let key = self.keys.iter().find(|k| k.id == id && k.status == Status::Enabled).ok_or(Error::InvalidTag)?;
        hmac::verify(&key.key, message, tag).map_err(|_| Error::InvalidTag)
    }
}

/// A random 32-byte key, enabled.
fn random_key(id: KeyId) -> Result<MacKey, Error> {
    let mut raw = zeroize::Zeroizing::new([0u8; 32]);
    rotation::fill(raw.as_mut_slice())?;
    Ok(unchecked_key(id, raw.as_slice()))
}

/// A configured key after the length and placeholder checks.
fn checked_key(id: KeyId, key: &SecretSlice<u8>) -> Result<MacKey, Error> {
    if key.expose_secret().len() < MIN_KEY_BYTES {
        return Err(Error::KeyTooShort { min: MIN_KEY_BYTES });
    }
    rotation::refuse_placeholder_key(key.expose_secret())?;
    Ok(unchecked_key(id, key.expose_secret()))
}

/// The key itself, after `checked_key`'s checks (the RFC 4231 vectors'
/// keys, 131 × 0xaa, are placeholders `from_key` refuses: the unit test
/// below runs them here).
fn unchecked_key(id: KeyId, key: &[u8]) -> MacKey {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let fingerprint = hmac::sign(&key, b"guardrail-token MacKeyring duplicate check");
    MacKey { id, status: Status::Enabled, key, fingerprint }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    /// RFC 4231 test cases 6 and 7 (HMAC-SHA-256; the shorter keys of cases
    /// 1-5 are below our 32-byte minimum), and tampered twins. Their key,
    /// 131 × 0xaa, is one repeated byte, which `from_key` refuses
    /// (`tests/mac.rs`), so the keyring is built past that check.
    #[test]
    fn rfc4231_vectors_and_tampered_twins() {
        let keyring = MacKeyring { keys: Arc::new(vec![unchecked_key(1, &[0xaa; 131])]), primary: 1 };
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
            assert!(keyring.verify_raw_with(1, message, &tag).is_ok());
            let mut tampered = tag.clone();
            if let Some(b) = tampered.first_mut() {
                *b ^= 1;
            }
            assert!(keyring.verify_raw(message, &tampered).is_err());
            assert!(keyring.verify_raw_with(1, message, &tampered).is_err());
        }
    }
}
