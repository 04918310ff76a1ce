//! Offline work on stored values bound to their row (feature `pepper`):
//! what an operator's command does to a whole table without any user's
//! password — a census of what it holds ([`PasswordHasher::inspect_bound`],
//! [`StoredInfo::label`]), which keyring key sealed each value
//! ([`PasswordHasher::sealed_key_id`]), re-sealing under the primary key
//! ([`PasswordHasher::reseal_bound`]) and wrapping a legacy hash in
//! argon2id ([`PasswordHasher::wrap_bound`], feature `legacy`). None of
//! them ever returns the inner hash.

use guardrail_keys::{KeyId, Keyring};

use super::{
    PasswordHash, PasswordHasher,
    bound::{HashBinding, SealState},
    sealing::{BOUND_PREFIX, SEALED_PREFIX, open_bound, open_sealed, seal_bound},
};
use crate::{Error, StoredInfo};

impl StoredInfo {
    /// A one-line label of the scheme and its public parameters, as
    /// `guardrail migrate census` groups them: `argon2id m=19456,t=2,p=1`,
    /// `bcrypt cost=10`, `django-pbkdf2-sha256 iterations=600000`; a
    /// wrapped legacy hash ends in ` (wrapped in argon2id)`. Never the salt
    /// or the digest.
    #[must_use]
    pub fn label(&self) -> String {
        let mut label = self.scheme.to_owned();
        if !self.params.is_empty() {
            label.push(' ');
            label.push_str(&self.params);
        }
        if self.wrapped {
            label.push_str(" (wrapped in argon2id)");
        }
        label
    }
}

impl PasswordHasher {
    /// The id of the keyring key a sealed stored value (v1 or bound v2) was
    /// sealed under, read from its header without opening it (not
    /// authenticated until it opens); `None` for an unsealed value or one
    /// too damaged to carry a header. Lets an operator prove an old key
    /// seals no row before disabling it.
    #[must_use]
    pub fn sealed_key_id(stored: &str) -> Option<KeyId> {
        let encoded = stored.strip_prefix(BOUND_PREFIX).or_else(|| stored.strip_prefix(SEALED_PREFIX))?;
        // The header is in the first 8 characters (6 bytes); decoding only
        // them bounds the work whatever the value's length.
        let head = encoded.get(..8)?;
        let bytes = guardrail_ct::base64url::decode_vec(head).ok()?;
        Keyring::sealed_key_id(&bytes)
    }

    /// [`PasswordHasher::inspect`] for a value bound to its row: a v2 value
    /// is opened under `binding` first; a v1 seal or an unsealed value is
    /// inspected as [`PasswordHasher::inspect`] does.
    ///
    /// # Errors
    ///
    /// [`Error::PepperRequired`] without a pepper keyring; [`Error::Pepper`]
    /// when a sealed value does not open (a disabled or unknown key, or a
    /// v2 value sealed for another binding); otherwise as
    /// [`PasswordHasher::inspect`].
    pub fn inspect_bound(&self, stored: &str, binding: &HashBinding) -> Result<StoredInfo, Error> {
        let keyring = self.pepper.as_ref().ok_or(Error::PepperRequired)?;
        match self.seal_state(stored) {
            SealState::Bound => {
                let (inner, _) = open_bound(keyring, stored, binding)?.ok_or(Error::Pepper)?;
                self.classify(&inner).map(|parsed| parsed.info(&self.params))
            }
            SealState::SealedUnbound | SealState::Unsealed => self.inspect(stored),
        }
    }

    /// Re-seals a sealed stored value under the pepper keyring's primary
    /// key, keeping its form: a v2 value stays bound to `binding`, a v1
    /// value stays v1 ([`PasswordHasher::reseal`]). No password, no argon2.
    ///
    /// # Errors
    ///
    /// [`Error::PepperRequired`] without a pepper keyring;
    /// [`Error::Unbound`] for an unsealed value (nothing to re-seal:
    /// [`PasswordHasher::bind`] is a migration decision, not a rotation);
    /// [`Error::Pepper`] when the value does not open under an enabled key
    /// (or, v2, not under `binding`); [`Error::Malformed`] or
    /// [`Error::OutOfPolicy`] for a damaged or oversized value.
    pub fn reseal_bound(&self, stored: &str, binding: &HashBinding) -> Result<PasswordHash, Error> {
        let keyring = self.pepper.as_ref().ok_or(Error::PepperRequired)?;
        match self.seal_state(stored) {
            SealState::Bound => {
                let (inner, _) = open_bound(keyring, stored, binding)?.ok_or(Error::Pepper)?;
                seal_bound(keyring, &inner, binding).map(PasswordHash)
            }
            SealState::SealedUnbound => {
                open_sealed(keyring, stored)?;
                self.reseal(stored)
            }
            SealState::Unsealed => Err(Error::Unbound),
        }
    }

    /// [`PasswordHasher::wrap`] for a value bound to its row: a v2 value
    /// holding a legacy hash is opened under `binding`, wrapped in argon2id
    /// at this hasher's parameters (one argon2id computation) and sealed v2
    /// under `binding` again; the wrapped hash verifies with the user's
    /// original password. `Ok(None)` when there is nothing to wrap: the
    /// inner hash is already argon2 or wrapped (a second call wraps
    /// nothing).
    ///
    /// # Errors
    ///
    /// [`Error::PepperRequired`] without a pepper keyring;
    /// [`Error::Unbound`] for a v1 seal or an unsealed value (bind it
    /// first); [`Error::Pepper`] when it does not open under `binding`;
    /// otherwise as [`PasswordHasher::wrap`].
    #[cfg(feature = "legacy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "legacy")))]
    pub fn wrap_bound(&self, stored: &str, binding: &HashBinding) -> Result<Option<PasswordHash>, Error> {
        let keyring = self.pepper.as_ref().ok_or(Error::PepperRequired)?;
        if self.seal_state(stored) != SealState::Bound {
            return Err(Error::Unbound);
        }
        let (inner, _) = open_bound(keyring, stored, binding)?.ok_or(Error::Pepper)?;
        let wrapped = self.wrap(&inner)?;
        if wrapped.as_str_for_storage() == inner {
            return Ok(None);
        }
        // `wrap` sealed it v1 under the pepper: bind it to the row.
        self.bind(wrapped.as_str_for_storage(), binding).map(Some)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use std::sync::Arc;

    use guardrail_keys::Algorithm;

    use super::*;
    use crate::Params;

    fn hasher(keyring: Keyring) -> PasswordHasher {
        PasswordHasher::new(Params::new(256, 1, 1).unwrap()).with_pepper(Arc::new(keyring))
    }

    #[test]
    fn key_ids_labels_and_reseal_keep_the_binding() {
        let mut keyring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
        let first = keyring.primary_id();
        let h = hasher(Keyring::from_json(&keyring.export_json_insecure_plaintext_keys()).unwrap());
        let row = HashBinding::new(b"users.id=1").unwrap();
        let plain = PasswordHasher::new(Params::new(256, 1, 1).unwrap()).hash_bytes(b"pw").unwrap();
        let v2 = h.bind(plain.as_str_for_storage(), &row).unwrap();
        assert_eq!(PasswordHasher::sealed_key_id(v2.as_str_for_storage()), Some(first));
        assert_eq!(PasswordHasher::sealed_key_id(plain.as_str_for_storage()), None);
        assert_eq!(PasswordHasher::sealed_key_id("$guardrail-sealed$v2$!"), None);
        let info = h.inspect_bound(v2.as_str_for_storage(), &row).unwrap();
        assert_eq!(info.label(), "argon2id m=256,t=1,p=1");
        let other = HashBinding::new(b"users.id=2").unwrap();
        assert!(matches!(h.inspect_bound(v2.as_str_for_storage(), &other), Err(Error::Pepper)));

        let second = keyring.add_key(Algorithm::Aes256Gcm).unwrap();
        keyring.promote(second).unwrap();
        let rotated = hasher(keyring);
        let resealed = rotated.reseal_bound(v2.as_str_for_storage(), &row).unwrap();
        assert_eq!(PasswordHasher::sealed_key_id(resealed.as_str_for_storage()), Some(second));
        assert_eq!(rotated.seal_state(resealed.as_str_for_storage()), SealState::Bound);
        assert!(rotated.reseal_bound(v2.as_str_for_storage(), &other).is_err(), "another row's seal");
        assert!(matches!(rotated.reseal_bound(plain.as_str_for_storage(), &row), Err(Error::Unbound)));
        let verified = rotated.verify_bound(&"pw".into(), resealed.as_str_for_storage(), &row).unwrap();
        assert!(matches!(verified, crate::Verification::Valid { .. }));
    }

    #[cfg(feature = "legacy")]
    #[test]
    fn wrap_bound_wraps_a_legacy_hash_once_and_it_still_verifies() {
        let h = hasher(Keyring::generate(Algorithm::Aes256Gcm).unwrap());
        let row = HashBinding::new(b"users.id=7").unwrap();
        // bcrypt cost 4 of "password" (the import tests' row).
        let bcrypt = "$2b$04$GMws5cBWcskZ.MMt2VQQ.usbIOs6Td6DwqZ5vLOJe7kCtBJBqrQoW";
        let stored = h.bind(bcrypt, &row).unwrap();
        assert_eq!(h.inspect_bound(stored.as_str_for_storage(), &row).unwrap().label(), "bcrypt cost=4");
        let wrapped = h.wrap_bound(stored.as_str_for_storage(), &row).unwrap().unwrap();
        let info = h.inspect_bound(wrapped.as_str_for_storage(), &row).unwrap();
        assert!(info.wrapped && info.label() == "bcrypt cost=4 (wrapped in argon2id)", "{}", info.label());
        assert!(h.wrap_bound(wrapped.as_str_for_storage(), &row).unwrap().is_none(), "not wrapped twice");
        let verified = h.verify_bound(&"password".into(), wrapped.as_str_for_storage(), &row).unwrap();
        assert!(matches!(verified, crate::Verification::Valid { .. }));
        assert!(matches!(h.wrap_bound(bcrypt, &row), Err(Error::Unbound)));
    }
}
