//! An AEAD keyring (Tink-style): keys with ids and a status, one primary,
//! staged rotation (add → promote → disable, the vocabulary of
//! [`MacKeyring`](crate::MacKeyring) too), and `seal`/`open` where the
//! caller never handles a nonce and must always name the associated data
//! (`seal` refuses empty associated data with
//! [`Error::EmptyAssociatedData`]; `open` still takes it, for data sealed
//! by an earlier release).
//!
//! Ciphertext layout: `0x01` (version) ‖ key id (4 bytes, big-endian) ‖
//! nonce (12 random bytes) ‖ AEAD ciphertext and tag. The version and key
//! id are authenticated as associated data along with the caller's.
//!
//! Nonces are random 96-bit values, so a key must not seal more than 2^32
//! messages (NIST SP 800-38D §8.3): rotate well before that (a key per
//! year, or after a billion messages). We kept random nonces rather than a
//! per-message HKDF subkey because the subkey's two HMACs would cost more
//! than the encryption of a typical cookie.
//!
//! ```
//! use guardrail_keys::{Algorithm, Keyring};
//! use guardrail_secret::ExposeSecret;
//! let mut keyring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
//! let sealed = keyring.seal(b"card ending 4242", b"user:42/payment").unwrap();
//! assert_eq!(keyring.open(&sealed, b"user:42/payment").unwrap().expose_secret(), b"card ending 4242");
//! assert!(keyring.open(&sealed, b"user:43/payment").is_err()); // other associated data
//! assert!(matches!(keyring.seal(b"card ending 4242", b""), Err(guardrail_keys::Error::EmptyAssociatedData)));
//!
//! // Rotation: add, promote, and once old data is re-sealed, disable.
//! let new_id = keyring.add_key(Algorithm::ChaCha20Poly1305).unwrap();
//! keyring.promote(new_id).unwrap();
//! assert!(keyring.open(&sealed, b"user:42/payment").is_ok()); // the old key still opens
//! keyring.disable(1).unwrap();
//! assert!(keyring.open(&sealed, b"user:42/payment").is_err());
//! ```

use guardrail_secret::{ExposeSecret, ExposeSecretMut, SecretBox};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};

use crate::{Error, KeyId, Status, rotation};

mod envelope;
mod json;

pub use envelope::MAX_ENVELOPE_BYTES;
pub use json::MAX_JSON_BYTES;

const VERSION: u8 = 1;
/// The sealed header, in bytes: version (1), key id (4), nonce (12).
pub(crate) const HEADER: usize = 1 + 4 + 12;
/// The AEAD tag, in bytes.
pub(crate) const TAG: usize = 16;

/// The AEAD algorithms a key may use (both from ring, 256-bit keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Algorithm {
    /// AES-256-GCM.
    #[serde(rename = "AES256_GCM")]
    Aes256Gcm,
    /// ChaCha20-Poly1305.
    #[serde(rename = "CHACHA20_POLY1305")]
    ChaCha20Poly1305,
}

impl Algorithm {
    fn ring(self) -> &'static aead::Algorithm {
        match self {
            Self::Aes256Gcm => &aead::AES_256_GCM,
            Self::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
        }
    }
}

struct Key {
    id: KeyId,
    status: Status,
    algorithm: Algorithm,
    material: SecretBox<[u8; 32]>,
    aead: LessSafeKey,
}

impl Key {
    fn new(id: KeyId, status: Status, algorithm: Algorithm, material: SecretBox<[u8; 32]>) -> Result<Self, Error> {
        rotation::refuse_placeholder_key(material.expose_secret())?;
        // ring refuses only a key of the wrong length, which a 32-byte box is
        // not: nothing was parsed here, so a refusal is `KeySetup`, a bug.
        let unbound = UnboundKey::new(algorithm.ring(), material.expose_secret()).map_err(|_| Error::KeySetup)?;
        Ok(Self { id, status, algorithm, material, aead: LessSafeKey::new(unbound) })
    }

    fn random(id: KeyId, algorithm: Algorithm) -> Result<Self, Error> {
        let mut material = SecretBox::new(Box::new([0u8; 32]));
        rotation::fill(material.expose_secret_mut())?;
        Self::new(id, Status::Enabled, algorithm, material)
    }
}

/// Opened plaintext, wiped when dropped (a bulk fill kept by `black_box`,
/// at memset speed), `Debug` redacted. The bytes leave it only through
/// [`ExposeSecret::expose_secret`], the one greppable exit every secret of
/// this workspace has.
pub struct Opened(Vec<u8>);

impl ExposeSecret<[u8]> for Opened {
    fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        self.0.fill(0);
        std::hint::black_box(&self.0);
    }
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Opened([REDACTED; {} bytes])", self.0.len())
    }
}

/// What [`Keyring::keys`] lists: everything but the key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key id.
    pub id: KeyId,
    /// Enabled or disabled.
    pub status: Status,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Whether new data is sealed with it.
    pub primary: bool,
}

/// Keys with ids; see the module docs.
pub struct Keyring {
    keys: Vec<Key>,
    primary: KeyId,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("keys", &self.keys().collect::<Vec<_>>()).finish()
    }
}

impl Keyring {
    /// A keyring with one random key (id 1) as primary.
    ///
    /// # Errors
    ///
    /// [`Error::Random`] when the random number generator fails;
    /// [`Error::KeySetup`] if ring refused the key (cannot happen: see the
    /// variant).
    pub fn generate(algorithm: Algorithm) -> Result<Self, Error> {
        Ok(Self { keys: vec![Key::random(1, algorithm)?], primary: 1 })
    }

    /// Adds a random, enabled, non-primary key; returns its id, one past
    /// the largest in use.
    ///
    /// A keyring must stay loadable: its exported JSON must fit
    /// [`MAX_JSON_BYTES`] (about 6,000 keys), and so must its JSON after
    /// any later [`Keyring::promote`] or [`Keyring::disable`] (a disabled
    /// key's status is one byte longer, a primary id up to ten digits). A
    /// key that would break that is refused here, before the keyring
    /// changes, so a caller that writes the keyring after each change never
    /// writes a file [`Keyring::from_json`] (or, sealed,
    /// [`Keyring::from_envelope`]) refuses.
    ///
    /// # Errors
    ///
    /// [`Error::KeyringTooLarge`] (naming [`MAX_JSON_BYTES`]) when the key
    /// would not fit, the keyring unchanged; [`Error::KeyIdsExhausted`]
    /// when a key has the largest id; [`Error::Random`] when the random
    /// number generator fails; [`Error::KeySetup`] as for
    /// [`Keyring::generate`].
    pub fn add_key(&mut self, algorithm: Algorithm) -> Result<KeyId, Error> {
        let id = rotation::next_id(self.keys.iter().map(|k| k.id))?;
        json::refuse_past_cap(self.exported_len_at_most() + json::exported_key_len(id, Status::Disabled, algorithm))?;
        self.keys.push(Key::random(id, algorithm)?);
        Ok(id)
    }

    /// Makes an enabled key the primary (new data is sealed with it).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownKeyId`], [`Error::KeyDisabled`];
    /// [`Error::KeyringTooLarge`] when the exported JSON would no longer
    /// fit [`MAX_JSON_BYTES`] (only a keyring loaded from JSON written more
    /// compactly than this crate writes it can get there: keys added with
    /// [`Keyring::add_key`] leave room); the keyring unchanged.
    pub fn promote(&mut self, id: KeyId) -> Result<(), Error> {
        rotation::check_promote(self.keys.iter().map(|k| (k.id, k.status)), id)?;
        json::refuse_past_cap(self.exported_len_with(id, |k| k.status))?;
        self.primary = id;
        Ok(())
    }

    /// Disables a key (not the primary): data it sealed no longer opens.
    ///
    /// # Errors
    ///
    /// [`Error::PrimaryKey`] for the primary, [`Error::UnknownKeyId`];
    /// [`Error::KeyringTooLarge`] as for [`Keyring::promote`]; the keyring
    /// unchanged.
    pub fn disable(&mut self, id: KeyId) -> Result<(), Error> {
        rotation::check_disable(self.keys.iter().map(|k| k.id), self.primary, id)?;
        json::refuse_past_cap(
            self.exported_len_with(self.primary, |k| if k.id == id { Status::Disabled } else { k.status }),
        )?;
        for k in self.keys.iter_mut().filter(|k| k.id == id) {
            k.status = Status::Disabled;
        }
        Ok(())
    }

    /// The primary key's id.
    #[must_use]
    pub fn primary_id(&self) -> KeyId {
        self.primary
    }

    /// The id of the key that sealed `sealed` (read from its header; not
    /// authenticated until [`Keyring::open`] succeeds).
    #[must_use]
    pub fn sealed_key_id(sealed: &[u8]) -> Option<KeyId> {
        sealed.get(1..5).and_then(|b| b.try_into().ok()).map(KeyId::from_be_bytes)
    }

    /// Every key's id, status, algorithm and primary flag.
    pub fn keys(&self) -> impl Iterator<Item = KeyInfo> + '_ {
        self.keys.iter().map(|k| KeyInfo {
            id: k.id,
            status: k.status,
            algorithm: k.algorithm,
            primary: k.id == self.primary,
        })
    }

    /// Encrypts and authenticates `plaintext` with the primary key, binding
    /// `associated_data` (say what the data is and whose: `b"user:42/ssn"`).
    /// The result is `plaintext.len()` + 33 bytes long.
    ///
    /// Associated data must be named: empty associated data is refused, so
    /// a value sealed for one place cannot be opened in another that also
    /// forgot to name it. [`Keyring::open`] still takes empty associated
    /// data, so values sealed with it by an earlier release still open.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyAssociatedData`] when `associated_data` is empty
    /// (nothing is sealed); [`Error::Random`] when the random number
    /// generator fails (no nonce); [`Error::Seal`] when the AEAD refuses
    /// (not expected).
    pub fn seal(&self, plaintext: &[u8], associated_data: &[u8]) -> Result<Vec<u8>, Error> {
        if associated_data.is_empty() {
            return Err(Error::EmptyAssociatedData);
        }
        let key = self.keys.iter().find(|k| k.id == self.primary).ok_or(Error::Seal)?;
        let mut nonce = [0u8; 12];
        rotation::fill(&mut nonce)?;
        let mut out = Vec::with_capacity(HEADER + plaintext.len() + TAG);
        out.push(VERSION);
        out.extend_from_slice(&key.id.to_be_bytes());
        out.extend_from_slice(&nonce);
        let mut aad = Vec::with_capacity(5 + associated_data.len());
        aad.extend_from_slice(out.get(..5).unwrap_or_default());
        aad.extend_from_slice(associated_data);
        // Encrypt in place behind the header: one buffer, one copy.
        out.extend_from_slice(plaintext);
        let tag = key
            .aead
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad),
                out.get_mut(HEADER..).unwrap_or_default(),
            )
            .map_err(|_| Error::Seal)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Authenticates and decrypts. `associated_data` must be what the data
    /// was sealed with; empty associated data is accepted here (not by
    /// [`Keyring::seal`]) for data sealed with it by an earlier release.
    ///
    /// # Errors
    ///
    /// Any failure — truncated, unknown version, unknown or disabled key,
    /// other associated data, a flipped bit — is the same
    /// [`Error::Decrypt`].
    pub fn open(&self, sealed: &[u8], associated_data: &[u8]) -> Result<Opened, Error> {
        if sealed.len() < HEADER + TAG || sealed.first() != Some(&VERSION) {
            return Err(Error::Decrypt);
        }
        let id = Self::sealed_key_id(sealed).ok_or(Error::Decrypt)?;
        let key = self.keys.iter().find(|k| k.id == id && k.status == Status::Enabled).ok_or(Error::Decrypt)?;
        let nonce: [u8; 12] = sealed.get(5..HEADER).and_then(|b| b.try_into().ok()).ok_or(Error::Decrypt)?;
        let mut aad = Vec::with_capacity(5 + associated_data.len());
        aad.extend_from_slice(sealed.get(..5).unwrap_or_default());
        aad.extend_from_slice(associated_data);
        // Wrapped before decryption: whatever lands in it is wiped on drop.
        let mut body = Opened(sealed.get(HEADER..).unwrap_or_default().to_vec());
        let len = key
            .aead
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(&aad), &mut body.0)
            .map_err(|_| Error::Decrypt)?
            .len();
        body.0.truncate(len);
        Ok(body)
    }
}
