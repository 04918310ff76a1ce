//! Keyring JSON: the format [`Keyring::export_json_insecure_plaintext_keys`]
//! writes and [`Keyring::from_json`] loads, with no copy of a key left in
//! freed memory, and the exact length of that JSON computed without
//! writing it (so a keyring never grows past what loads back).

use base64ct::{Base64, Encoding};
use guardrail_secret::{ExposeSecret, SecretBox};
use zeroize::{Zeroize, Zeroizing};

use super::{Algorithm, Key, Keyring};
use crate::{Error, KeyId, Status, rotation::refuse_placeholder_key};

/// The longest keyring JSON accepted, in bytes (1 MiB).
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// A key as the JSON holds it, when loading: the base64 is decoded
/// straight into a secret box (no `String` of it is ever made).
#[derive(serde::Deserialize)]
struct KeyIn {
    id: KeyId,
    status: Status,
    algorithm: Algorithm,
    key: Material,
}

#[derive(serde::Deserialize)]
struct KeyringIn {
    version: u8,
    primary: KeyId,
    keys: Vec<KeyIn>,
}

/// A key as the JSON holds it, when exporting: the base64 is written from a
/// stack buffer that is wiped after.
#[derive(serde::Serialize)]
struct KeyOut<'a> {
    id: KeyId,
    status: Status,
    algorithm: Algorithm,
    key: MaterialRef<'a>,
}

#[derive(serde::Serialize)]
struct KeyringOut<'a> {
    version: u8,
    primary: KeyId,
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
///
/// `None` only if serde_json fails, which it cannot for the keyring's own
/// types written into memory (no I/O, string keys only, UTF-8 out): no
/// error variant is invented for it.
fn to_json_wiped(value: &impl serde::Serialize, capacity: usize) -> Option<Zeroizing<String>> {
    let mut writer = WipingWriter(Zeroizing::new(Vec::with_capacity(capacity)));
    serde_json::to_writer_pretty(&mut writer, value).ok()?;
    // Moved out without a copy; the empty vector left behind holds nothing.
    match String::from_utf8(std::mem::take(&mut *writer.0)) {
        Ok(text) => Some(Zeroizing::new(text)),
        Err(e) => {
            // Unreachable (serde_json writes UTF-8), but never free key bytes unwiped.
            e.into_bytes().zeroize();
            None
        }
    }
}

/// Refuses what the keyring's own writer never produces and the parser
/// could only handle by copying: JSON escapes. serde_json unescapes a string
/// into a scratch buffer that it frees unwiped, so a key written with an
/// escape would leave a copy behind.
pub(super) fn refuse_escapes(json: &str) -> Result<(), Error> {
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
    pub(super) const fn json_name(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
        }
    }
}

impl Algorithm {
    /// Its name in the JSON (serde's `rename`).
    pub(super) const fn json_name(self) -> &'static str {
        match self {
            Self::Aes256Gcm => "AES256_GCM",
            Self::ChaCha20Poly1305 => "CHACHA20_POLY1305",
        }
    }
}

/// The bytes one key takes in the exported JSON, its separator included.
pub(super) const fn exported_key_len(id: KeyId, status: Status, algorithm: Algorithm) -> usize {
    JSON_KEY_SEPARATOR.len()
        + JSON_KEY_FRAME.len()
        + decimal_digits(id)
        + status.json_name().len()
        + algorithm.json_name().len()
        + 44
}

/// Refuses a keyring whose exported JSON would be `len` bytes, past what
/// [`Keyring::from_json`] loads.
pub(super) const fn refuse_past_cap(len: usize) -> Result<(), Error> {
    if len > MAX_JSON_BYTES { Err(Error::KeyringTooLarge { max: MAX_JSON_BYTES }) } else { Ok(()) }
}

impl Keyring {
    /// The exact length in bytes of
    /// [`Keyring::export_json_insecure_plaintext_keys`]'s JSON, computed
    /// without writing it, as it would be with `primary` as the primary id
    /// and `status_of` deciding each key's status.
    pub(super) fn exported_len_with(&self, primary: KeyId, status_of: impl Fn(&Key) -> Status) -> usize {
        let keys: usize = self.keys.iter().map(|k| exported_key_len(k.id, status_of(k), k.algorithm)).sum();
        // `exported_key_len` counts a separator for every key; there is one fewer.
        JSON_FRAME.len() + decimal_digits(primary) + keys - JSON_KEY_SEPARATOR.len().min(keys)
    }

    /// The exported JSON's length if every key were disabled and the
    /// primary id were the widest: the most any later `promote` or
    /// `disable` can make it.
    pub(super) fn exported_len_at_most(&self) -> usize {
        self.exported_len_with(u32::MAX, |_| Status::Disabled) - decimal_digits(u32::MAX) + MAX_ID_DIGITS
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
        // Never `None` (see `to_json_wiped`); were it, the empty text would be
        // refused by `from_json`, never read as a keyring.
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
    /// [`Error::PlaceholderKey`] for a placeholder key (every byte equal: all zero
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
        // key), so a keyring at the cap (about 10,000 keys of compact JSON; 6,000 as this crate writes it) is one pass.
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    /// A keyring loaded from compact JSON: ids, statuses and algorithms
    /// chosen freely (the writer then pretty-prints it).
    fn keyring(primary: KeyId, keys: &[(u32, Status, Algorithm)]) -> Keyring {
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
