//! An AEAD keyring (Tink-style): keys with ids and a status, one primary,
//! staged rotation (add → promote → disable), and `seal`/`open` where the
//! caller never handles a nonce and must always name the associated data.
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
//! use guardrail_token::keyring::{Algorithm, Keyring};
//! let mut keyring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
//! let sealed = keyring.seal(b"card ending 4242", b"user:42/payment").unwrap();
//! assert_eq!(&*keyring.open(&sealed, b"user:42/payment").unwrap(), b"card ending 4242");
//! assert!(keyring.open(&sealed, b"user:43/payment").is_err()); // other associated data
//!
//! // Rotation: add, promote, and once old data is re-sealed, disable.
//! let new_id = keyring.add_key(Algorithm::ChaCha20Poly1305).unwrap();
//! keyring.promote(new_id).unwrap();
//! assert!(keyring.open(&sealed, b"user:42/payment").is_ok()); // the old key still opens
//! keyring.disable(1).unwrap();
//! assert!(keyring.open(&sealed, b"user:42/payment").is_err());
//! ```

use base64ct::{Base64, Encoding};
use guardrail_secret::{ExposeSecret, ExposeSecretMut, SecretBox, SecretSlice};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, random};

const VERSION: u8 = 1;
const HEADER: usize = 1 + 4 + 12;

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

/// Whether a key may open data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Opens data (and seals, if primary).
    Enabled,
    /// Opens nothing.
    Disabled,
}

struct Key {
    id: u32,
    status: Status,
    algorithm: Algorithm,
    material: SecretBox<[u8; 32]>,
    aead: LessSafeKey,
}

/// Refuses placeholder key material ([`Error::ZeroKey`]): empty, or every
/// byte equal to the first (all zero bytes, all 0xFF, 32 × `a`, ...), an
/// unset, placeholder or wiped key. Every byte is read (no early exit), so
/// the time taken says nothing about where a differing byte is.
pub(crate) fn refuse_placeholder_key(material: &[u8]) -> Result<(), Error> {
    let first = material.first().copied().unwrap_or(0);
    let folded = material.iter().fold(0u8, |acc, b| acc | (b ^ first));
    if std::hint::black_box(folded) == 0 { Err(Error::ZeroKey) } else { Ok(()) }
}

impl Key {
    fn new(id: u32, status: Status, algorithm: Algorithm, material: SecretBox<[u8; 32]>) -> Result<Self, Error> {
        refuse_placeholder_key(material.expose_secret())?;
        let unbound = UnboundKey::new(algorithm.ring(), material.expose_secret()).map_err(|_| Error::KeyId)?;
        Ok(Self { id, status, algorithm, material, aead: LessSafeKey::new(unbound) })
    }

    fn random(id: u32, algorithm: Algorithm) -> Result<Self, Error> {
        let mut material = SecretBox::new(Box::new([0u8; 32]));
        random::fill(material.expose_secret_mut())?;
        Self::new(id, Status::Enabled, algorithm, material)
    }
}

/// Opened plaintext: derefs to the bytes, wiped when dropped (a bulk
/// fill kept by `black_box`, at memset speed), `Debug` redacted.
pub struct Opened(Vec<u8>);

impl std::ops::Deref for Opened {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
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
    pub id: u32,
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
    primary: u32,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("keys", &self.keys().collect::<Vec<_>>()).finish()
    }
}

/// A key as the JSON holds it, when loading: the base64 is decoded
/// straight into a secret box (no `String` of it is ever made).
#[derive(serde::Deserialize)]
struct KeyIn {
    id: u32,
    status: Status,
    algorithm: Algorithm,
    key: Material,
}

#[derive(serde::Deserialize)]
struct KeyringIn {
    version: u8,
    primary: u32,
    keys: Vec<KeyIn>,
}

/// A key as the JSON holds it, when exporting: the base64 is written from a
/// stack buffer that is wiped after.
#[derive(serde::Serialize)]
struct KeyOut<'a> {
    id: u32,
    status: Status,
    algorithm: Algorithm,
    key: MaterialRef<'a>,
}

#[derive(serde::Serialize)]
struct KeyringOut<'a> {
    version: u8,
    primary: u32,
    keys: Vec<KeyOut<'a>>,
}

/// 32 bytes of key material, deserialized from standard base64.
struct Material(SecretBox<[u8; 32]>);

impl<'de> serde::Deserialize<'de> for Material {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Material;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("32 bytes in standard base64")
            }
            // Borrowed strings arrive here too (serde's default forwards).
            fn visit_str<E: serde::de::Error>(self, encoded: &str) -> Result<Material, E> {
                let mut decoded_len = 0;
                let material = SecretBox::<[u8; 32]>::init_with_mut(|bytes| {
                    decoded_len = Base64::decode(encoded, bytes).map_or(0, <[u8]>::len);
                });
                // Never the value: a static message.
                if decoded_len == 32 { Ok(Material(material)) } else { Err(E::custom("key is not 32 bytes of base64")) }
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Borrowed key material, serialized as standard base64.
struct MaterialRef<'a>(&'a SecretBox<[u8; 32]>);

impl serde::Serialize for MaterialRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = Zeroizing::new([0u8; 44]);
        let encoded = Base64::encode(self.0.expose_secret(), buf.as_mut_slice())
            .map_err(|_| serde::ser::Error::custom("key encoding failed"))?;
        serializer.serialize_str(encoded)
    }
}

/// An `io::Write` into a buffer that is wiped on drop and grown by hand
/// (the old buffer wiped), so serializing key material leaves no copy in
/// freed memory, as `serde_json::to_string` (which grows a plain `Vec`)
/// would.
struct WipingWriter(Zeroizing<Vec<u8>>);

impl std::io::Write for WipingWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let needed = self.0.len() + data.len();
        if needed > self.0.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(needed.max(self.0.capacity().saturating_mul(2))));
            bigger.extend_from_slice(&self.0);
            self.0 = bigger; // the old buffer is wiped as it drops
        }
        self.0.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Pretty JSON in a string wiped on drop, through [`WipingWriter`].
fn to_json_wiped(value: &impl serde::Serialize, capacity: usize) -> Result<Zeroizing<String>, Error> {
    let mut writer = WipingWriter(Zeroizing::new(Vec::with_capacity(capacity)));
    serde_json::to_writer_pretty(&mut writer, value).map_err(|_| Error::MalformedKeyring)?;
    // Moved out without a copy; the empty vector left behind holds nothing.
    match String::from_utf8(std::mem::take(&mut *writer.0)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            // Unreachable (serde_json writes UTF-8), but never free key bytes unwiped.
            e.into_bytes().zeroize();
            Err(Error::MalformedKeyring)
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct EnvelopeJson {
    version: u8,
    /// Base64 of the keyring's JSON sealed under the master key.
    sealed_keyring: String,
}

/// The associated data binding an envelope to its purpose.
const ENVELOPE_AAD: &[u8] = b"guardrail keyring envelope v1";
/// The longest keyring JSON accepted, in bytes (1 MiB).
pub const MAX_JSON_BYTES: usize = 1 << 20;
/// The longest envelope accepted, in bytes: the base64 of a sealed
/// keyring of [`MAX_JSON_BYTES`], and room for its JSON wrapping.
pub const MAX_ENVELOPE_BYTES: usize = (MAX_JSON_BYTES + HEADER + 16).div_ceil(3) * 4 + 256;

/// Refuses what the keyring's own writer never produces and the parser
/// could only handle by copying: JSON escapes. serde_json unescapes a string
/// into a scratch buffer that it frees unwiped, so a key written with an
/// escape would leave a copy behind.
fn refuse_escapes(json: &str) -> Result<(), Error> {
    if json.contains('\\') { Err(Error::MalformedKeyring) } else { Ok(()) }
}

/// The frame of [`Keyring::export_json_insecure_plaintext_keys`]'s pretty
/// JSON without its keys and primary id (checked against the real writer
/// by `exported_length_is_computed_exactly`).
const JSON_FRAME: &str = "{\n  \"version\": 1,\n  \"primary\": ,\n  \"keys\": [\n\n  ]\n}";
/// One key's frame in that JSON, without its id, status, algorithm and
/// base64 (44 characters for 32 bytes).
const JSON_KEY_FRAME: &str =
    "    {\n      \"id\": ,\n      \"status\": \"\",\n      \"algorithm\": \"\",\n      \"key\": \"\"\n    }";
/// The separator between two keys in that JSON.
const JSON_KEY_SEPARATOR: &str = ",\n";
/// The widest primary id in that JSON: `u32::MAX` has 10 digits.
const MAX_ID_DIGITS: usize = 10;

/// How many decimal digits `n` is written with.
const fn decimal_digits(mut n: u32) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

impl Status {
    /// Its name in the JSON (serde's `rename_all = "lowercase"`).
    const fn json_name(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
        }
    }
}

impl Algorithm {
    /// Its name in the JSON (serde's `rename`).
    const fn json_name(self) -> &'static str {
        match self {
            Self::Aes256Gcm => "AES256_GCM",
            Self::ChaCha20Poly1305 => "CHACHA20_POLY1305",
        }
    }
}

/// The bytes one key takes in the exported JSON, its separator included.
const fn exported_key_len(id: u32, status: Status, algorithm: Algorithm) -> usize {
    JSON_KEY_SEPARATOR.len()
        + JSON_KEY_FRAME.len()
        + decimal_digits(id)
        + status.json_name().len()
        + algorithm.json_name().len()
        + 44
}

/// Refuses a keyring whose exported JSON would be `len` bytes, past what
/// [`Keyring::from_json`] loads.
const fn refuse_past_cap(len: usize) -> Result<(), Error> {
    if len > MAX_JSON_BYTES { Err(Error::KeyringTooLarge { max: MAX_JSON_BYTES }) } else { Ok(()) }
}

impl Keyring {
    /// The exact length in bytes of
    /// [`Keyring::export_json_insecure_plaintext_keys`]'s JSON, computed
    /// without writing it, as it would be with `primary` as the primary id
    /// and `status_of` deciding each key's status.
    fn exported_len_with(&self, primary: u32, status_of: impl Fn(&Key) -> Status) -> usize {
        let keys: usize = self.keys.iter().map(|k| exported_key_len(k.id, status_of(k), k.algorithm)).sum();
        // `exported_key_len` counts a separator for every key; there is one fewer.
        JSON_FRAME.len() + decimal_digits(primary) + keys - JSON_KEY_SEPARATOR.len().min(keys)
    }

    /// The exported JSON's length if every key were disabled and the
    /// primary id were the widest: the most any later `promote` or
    /// `disable` can make it.
    fn exported_len_at_most(&self) -> usize {
        self.exported_len_with(u32::MAX, |_| Status::Disabled) - decimal_digits(u32::MAX) + MAX_ID_DIGITS
    }

    /// A keyring with one random key (id 1) as primary.
    pub fn generate(algorithm: Algorithm) -> Result<Self, Error> {
        Ok(Self { keys: vec![Key::random(1, algorithm)?], primary: 1 })
    }

    /// Adds a random, enabled, non-primary key; returns its id.
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
    /// would not fit, the keyring unchanged; [`Error::KeyId`] when the ids
    /// are used up; [`Error::Random`] when the random number generator
    /// fails.
    pub fn add_key(&mut self, algorithm: Algorithm) -> Result<u32, Error> {
        let id = self.keys.iter().map(|k| k.id).max().unwrap_or(0).checked_add(1).ok_or(Error::KeyId)?;
        refuse_past_cap(self.exported_len_at_most() + exported_key_len(id, Status::Disabled, algorithm))?;
        self.keys.push(Key::random(id, algorithm)?);
        Ok(id)
    }

    /// Makes an enabled key the primary.
    ///
    /// # Errors
    ///
    /// [`Error::KeyId`] for an id that is not an enabled key;
    /// [`Error::KeyringTooLarge`] when the exported JSON would no longer
    /// fit [`MAX_JSON_BYTES`] (only a keyring loaded from JSON written more
    /// compactly than this crate writes it can get there: keys added with
    /// [`Keyring::add_key`] leave room), the keyring unchanged.
    pub fn promote(&mut self, id: u32) -> Result<(), Error> {
        if !self.keys.iter().any(|k| k.id == id && k.status == Status::Enabled) {
            return Err(Error::KeyId);
        }
        refuse_past_cap(self.exported_len_with(id, |k| k.status))?;
        self.primary = id;
        Ok(())
    }

    /// Disables a key (not the primary): data it sealed no longer opens.
    ///
    /// # Errors
    ///
    /// [`Error::KeyId`] for the primary or an unknown id;
    /// [`Error::KeyringTooLarge`] as for [`Keyring::promote`], the keyring
    /// unchanged.
    pub fn disable(&mut self, id: u32) -> Result<(), Error> {
        if id == self.primary || !self.keys.iter().any(|k| k.id == id) {
            return Err(Error::KeyId);
        }
        refuse_past_cap(
            self.exported_len_with(self.primary, |k| if k.id == id { Status::Disabled } else { k.status }),
        )?;
        let key = self.keys.iter_mut().find(|k| k.id == id).ok_or(Error::KeyId)?;
        key.status = Status::Disabled;
        Ok(())
    }

    /// The primary key's id.
    #[must_use]
    pub fn primary_id(&self) -> u32 {
        self.primary
    }

    /// The id of the key that sealed `sealed` (read from its header; not
    /// authenticated until [`Keyring::open`] succeeds).
    #[must_use]
    pub fn sealed_key_id(sealed: &[u8]) -> Option<u32> {
        sealed.get(1..5).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes)
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
    pub fn seal(&self, plaintext: &[u8], associated_data: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self.keys.iter().find(|k| k.id == self.primary).ok_or(Error::KeyId)?;
        let mut nonce = [0u8; 12];
        random::fill(&mut nonce)?;
        let mut out = Vec::with_capacity(HEADER + plaintext.len() + 16);
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
            .map_err(|_| Error::Decrypt)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Authenticates and decrypts. Any failure — truncated, unknown
    /// version, unknown or disabled key, other associated data, a flipped
    /// bit — is the same [`Error::Decrypt`].
    pub fn open(&self, sealed: &[u8], associated_data: &[u8]) -> Result<Opened, Error> {
        if sealed.len() < HEADER + 16 || sealed.first() != Some(&VERSION) {
            return Err(Error::Decrypt);
        }
        let id = u32::from_be_bytes(sealed.get(1..5).and_then(|b| b.try_into().ok()).ok_or(Error::Decrypt)?);
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

    /// The keyring as JSON **with its key material in the clear**. Named so
    /// every call stands out in review: write it only to a file only the
    /// service can read, or use [`Keyring::to_envelope`].
    ///
    /// The JSON is written into a buffer wiped on drop, grown by hand, and
    /// each key's base64 from a wiped stack buffer: no copy of a key is
    /// left in freed memory (`tests/zeroize_heap.rs`).
    pub fn export_json_insecure_plaintext_keys(&self) -> Zeroizing<String> {
        let json = KeyringOut {
            version: 1,
            primary: self.primary,
            keys: self
                .keys
                .iter()
                .map(|k| KeyOut { id: k.id, status: k.status, algorithm: k.algorithm, key: MaterialRef(&k.material) })
                .collect(),
        };
        // About 170 bytes a key pretty-printed: one allocation in practice.
        to_json_wiped(&json, 256 + 256 * self.keys.len()).unwrap_or_default()
    }

    /// Loads a keyring from [`Keyring::export_json_insecure_plaintext_keys`]'s JSON.
    ///
    /// Each key's base64 is decoded straight into a secret box (no copy of
    /// it is made on the heap), and every check is made before any key is
    /// handed to ring.
    ///
    /// # Errors
    ///
    /// [`Error::KeyringTooLarge`] past [`MAX_JSON_BYTES`];
    /// [`Error::MalformedKeyring`] for anything else that is not such a
    /// keyring (not JSON, another version, no keys, a key that is not 32
    /// bytes of standard base64, a duplicate id, no enabled primary, a JSON
    /// escape anywhere — its own writer never makes one);
    /// [`Error::ZeroKey`] for a placeholder key (every byte equal: all zero
    /// bytes, all 0xFF, ...); [`Error::DuplicateKey`] for two keys with the
    /// same key material.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        if json.len() > MAX_JSON_BYTES {
            return Err(Error::KeyringTooLarge { max: MAX_JSON_BYTES });
        }
        refuse_escapes(json)?;
        let parsed: KeyringIn = serde_json::from_str(json).map_err(|_| Error::MalformedKeyring)?;
        if parsed.version != 1 || parsed.keys.is_empty() {
            return Err(Error::MalformedKeyring);
        }
        for (i, k) in parsed.keys.iter().enumerate() {
            if parsed.keys.get(..i).unwrap_or_default().iter().any(|e| e.id == k.id) {
                return Err(Error::MalformedKeyring);
            }
        }
        if !parsed.keys.iter().any(|k| k.id == parsed.primary && k.status == Status::Enabled) {
            return Err(Error::MalformedKeyring);
        }
        // Duplicates: a set of references to the boxed keys (no copy of any
        // key), so a keyring at the cap (about 10,000 keys) is one pass.
        // Checked on load only, not in constant time; the error does not
        // say which keys.
        let mut seen = std::collections::HashSet::with_capacity(parsed.keys.len());
        for k in &parsed.keys {
            refuse_placeholder_key(k.key.0.expose_secret())?;
            if !seen.insert(k.key.0.expose_secret()) {
                return Err(Error::DuplicateKey);
            }
        }
        drop(seen);
        let mut keys = Vec::with_capacity(parsed.keys.len());
        for k in parsed.keys {
            keys.push(Key::new(k.id, k.status, k.algorithm, k.key.0)?);
        }
        Ok(Self { keys, primary: parsed.primary })
    }

    /// The keyring sealed under a master key (32 bytes, loaded with
    /// guardrail-secret from a file or the environment): safe to store
    /// beside the data it protects.
    ///
    /// # Errors
    ///
    /// [`Error::TooShort`] for a master key that is not 32 bytes,
    /// [`Error::ZeroKey`] for a placeholder (every byte equal),
    /// [`Error::KeyringTooLarge`] when the keyring's JSON is past
    /// [`MAX_JSON_BYTES`] (its envelope could not be loaded back).
    pub fn to_envelope(&self, master_key: &SecretSlice<u8>) -> Result<String, Error> {
        let master = Self::master(master_key)?;
        let json = self.export_json_insecure_plaintext_keys();
        if json.len() > MAX_JSON_BYTES {
            return Err(Error::KeyringTooLarge { max: MAX_JSON_BYTES });
        }
        let sealed = master.seal(json.as_bytes(), ENVELOPE_AAD)?;
        serde_json::to_string_pretty(&EnvelopeJson { version: 1, sealed_keyring: Base64::encode_string(&sealed) })
            .map_err(|_| Error::MalformedKeyring)
    }

    /// Opens an envelope made by [`Keyring::to_envelope`].
    ///
    /// # Errors
    ///
    /// [`Error::Decrypt`] for a wrong master key (or a tampered envelope),
    /// [`Error::TooShort`] / [`Error::ZeroKey`] for a master key that is not
    /// 32 bytes or is a placeholder (every byte equal), [`Error::KeyringTooLarge`] past
    /// [`MAX_ENVELOPE_BYTES`], and the errors of [`Keyring::from_json`] for
    /// the keyring inside.
    pub fn from_envelope(json: &str, master_key: &SecretSlice<u8>) -> Result<Self, Error> {
        if json.len() > MAX_ENVELOPE_BYTES {
            return Err(Error::KeyringTooLarge { max: MAX_ENVELOPE_BYTES });
        }
        refuse_escapes(json)?;
        let envelope: EnvelopeJson = serde_json::from_str(json).map_err(|_| Error::MalformedKeyring)?;
        if envelope.version != 1 {
            return Err(Error::MalformedKeyring);
        }
        let sealed = Base64::decode_vec(&envelope.sealed_keyring).map_err(|_| Error::MalformedKeyring)?;
        let plain = Self::master(master_key)?.open(&sealed, ENVELOPE_AAD)?;
        Self::from_json(std::str::from_utf8(&plain).map_err(|_| Error::MalformedKeyring)?)
    }

    fn master(master_key: &SecretSlice<u8>) -> Result<Self, Error> {
        let bytes = master_key.expose_secret();
        if bytes.len() != 32 {
            return Err(Error::TooShort { min: 32 });
        }
        refuse_placeholder_key(bytes)?;
        // Copied straight into its box: no stack copy of the master key.
        let material = SecretBox::<[u8; 32]>::init_with_mut(|m| m.copy_from_slice(bytes));
        Ok(Self { keys: vec![Key::new(0, Status::Enabled, Algorithm::Aes256Gcm, material)?], primary: 0 })
    }
}

/// Fuzzing oracles: opening and loading arbitrary bytes return, never panic.
#[doc(hidden)]
pub mod fuzzing {
    use super::*;

    static KEYRING: std::sync::LazyLock<Option<Keyring>> = std::sync::LazyLock::new(|| {
        // A fixed key of the bytes 1..=32 (a key of one repeated byte would
        // be refused, and the oracle would silently test nothing).
        let json = r#"{"version":1,"primary":1,"keys":[{"id":1,"status":"enabled","algorithm":"AES256_GCM","key":"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="}]}"#;
        Keyring::from_json(json).ok()
    });

    /// `token_keyring_open`
    pub fn open(data: &[u8]) {
        if let Some(k) = KEYRING.as_ref() {
            assert!(k.open(data, b"fuzz").is_err() || data.len() >= HEADER + 16);
        }
    }

    /// `token_keyring_json`
    pub fn load_json(data: &[u8]) {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = Keyring::from_json(text);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    /// A keyring loaded from compact JSON: ids, statuses and algorithms
    /// chosen freely (the writer then pretty-prints it).
    fn keyring(primary: u32, keys: &[(u32, Status, Algorithm)]) -> Keyring {
        let keys: Vec<String> = keys
            .iter()
            .map(|(id, status, alg)| {
                // Distinct material per id (duplicates are refused), 44
                // base64 characters as every key.
                let mut material = [7u8; 32];
                material[..4].copy_from_slice(&id.to_le_bytes());
                format!(
                    r#"{{"id":{id},"status":"{}","algorithm":"{}","key":"{}"}}"#,
                    status.json_name(),
                    alg.json_name(),
                    Base64::encode_string(&material)
                )
            })
            .collect();
        Keyring::from_json(&format!(r#"{{"version":1,"primary":{primary},"keys":[{}]}}"#, keys.join(","))).unwrap()
    }

    #[test]
    fn exported_length_is_computed_exactly() {
        use Algorithm::{Aes256Gcm as A, ChaCha20Poly1305 as C};
        use Status::{Disabled as D, Enabled as E};
        type Keys = &'static [(u32, Status, Algorithm)];
        let cases: &[(u32, Keys)] = &[
            (1, &[(1, E, A)]),
            (1, &[(1, E, C)]),
            (9, &[(9, E, A), (10, D, C)]),
            (10, &[(9, D, A), (10, E, C), (11, E, A)]),
            (u32::MAX, &[(0, D, A), (u32::MAX, E, C), (123_456, D, C)]),
        ];
        for (primary, keys) in cases {
            let k = keyring(*primary, keys);
            let exported = k.export_json_insecure_plaintext_keys().len();
            assert_eq!(k.exported_len_with(k.primary, |k| k.status), exported, "{keys:?}");
            // The worst case is at least the real length, and is the real
            // length once every key is disabled and the primary is widest.
            assert!(k.exported_len_at_most() >= exported);
        }
        let all_disabled_widest = keyring(u32::MAX, &[(u32::MAX, E, A), (1, D, C), (22, D, A)]);
        let exported = all_disabled_widest.export_json_insecure_plaintext_keys().len();
        // One key (the primary) is still enabled: one byte short.
        assert_eq!(all_disabled_widest.exported_len_at_most(), exported + 1);
        // Also for a long generated keyring, the form every writer meets.
        let mut k = Keyring::generate(A).unwrap();
        for i in 0..300 {
            let id = k.add_key(if i % 2 == 0 { C } else { A }).unwrap();
            if i % 3 == 0 {
                k.disable(id).unwrap();
            }
        }
        k.promote(201).unwrap();
        assert_eq!(k.exported_len_with(k.primary, |k| k.status), k.export_json_insecure_plaintext_keys().len());
    }
}
