//! The envelope: a keyring's JSON sealed under a master key, safe to store
//! beside the data it protects.

use base64ct::{Base64, Encoding};
use guardrail_secret::{ExposeSecret, SecretBox, SecretSlice};

use super::{Algorithm, HEADER, Key, Keyring, MAX_JSON_BYTES, json::refuse_escapes};
use crate::{Error, Status, rotation::refuse_placeholder_key};

/// The longest envelope accepted, in bytes: the base64 of a sealed
/// keyring of [`MAX_JSON_BYTES`], and room for its JSON wrapping.
pub const MAX_ENVELOPE_BYTES: usize = (MAX_JSON_BYTES + HEADER + 16).div_ceil(3) * 4 + 256;

#[derive(serde::Deserialize)]
struct EnvelopeJson {
    version: u8,
    /// Base64 of the keyring's JSON sealed under the master key.
    sealed_keyring: String,
}

/// The associated data binding an envelope to its purpose.
const ENVELOPE_AAD: &[u8] = b"guardrail keyring envelope v1";

impl Keyring {
    /// The keyring sealed under a master key (32 bytes, loaded with
    /// guardrail-secret from a file or the environment): safe to store
    /// beside the data it protects.
    ///
    /// # Errors
    ///
    /// [`Error::MasterKeyLength`] for a master key that is not 32 bytes,
    /// [`Error::PlaceholderKey`] for a placeholder (every byte equal),
    /// [`Error::KeyringTooLarge`] when the keyring's JSON is past
    /// [`MAX_JSON_BYTES`] (its envelope could not be loaded back);
    /// [`Error::Seal`] / [`Error::Random`] / [`Error::KeySetup`] as for
    /// [`Keyring::seal`] and [`Keyring::generate`] (not expected).
    pub fn to_envelope(&self, master_key: &SecretSlice<u8>) -> Result<String, Error> {
        let master = Self::master(master_key)?;
        let json = self.export_json_insecure_plaintext_keys();
        if json.len() > MAX_JSON_BYTES {
            return Err(Error::KeyringTooLarge { max: MAX_JSON_BYTES });
        }
        let sealed = master.seal(json.as_bytes(), ENVELOPE_AAD)?;
        // Written by hand, as serde_json's pretty printer wrote
        // `EnvelopeJson` (golden `envelope.json`): base64 needs no escaping,
        // so there is no encoder to fail and no error to invent for it.
        Ok(format!("{{\n  \"version\": 1,\n  \"sealed_keyring\": \"{}\"\n}}", Base64::encode_string(&sealed)))
    }

    /// Opens an envelope made by [`Keyring::to_envelope`].
    ///
    /// # Errors
    ///
    /// [`Error::Decrypt`] for a wrong master key (or a tampered envelope),
    /// [`Error::MasterKeyLength`] / [`Error::PlaceholderKey`] for a master
    /// key that is not 32 bytes or is a placeholder (every byte equal),
    /// [`Error::KeyringTooLarge`] past [`MAX_ENVELOPE_BYTES`] bytes,
    /// [`Error::MalformedKeyring`] for an envelope that is not such JSON,
    /// and the errors of [`Keyring::from_json`] for the keyring inside.
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
        Self::from_json(std::str::from_utf8(plain.expose_secret()).map_err(|_| Error::MalformedKeyring)?)
    }

    /// A one-key keyring (id 0, AES-256-GCM) of the master key.
    fn master(master_key: &SecretSlice<u8>) -> Result<Self, Error> {
        let bytes = master_key.expose_secret();
        if bytes.len() != 32 {
            return Err(Error::MasterKeyLength { len: 32 });
        }
        refuse_placeholder_key(bytes)?;
        // Copied straight into its box: no stack copy of the master key.
        let material = SecretBox::<[u8; 32]>::init_with_mut(|m| m.copy_from_slice(bytes));
        Ok(Self { keys: vec![Key::new(0, Status::Enabled, Algorithm::Aes256Gcm, material)?], primary: 0 })
    }
}
