//! Key material: the AEAD keyring file and the keys sealed under it.
//!
//! - The keyring (`AUTH_SERVICE_KEYRING`) is the file `guardrail keyring
//!   new` writes, so the rotation runbook of the guide applies unchanged
//!   (`guardrail keyring rotate`, restart, re-seal, `disable`). With
//!   `AUTH_SERVICE_MASTER_KEY_FILE` set it is instead an envelope sealed
//!   under that master key (a KMS-held or mounted secret in production).
//! - Missing on first start, it is generated and written owner-only (0600);
//!   the loader refuses, as `ssh` does, a file group or others may read or
//!   write, one owned by another user than the service's (root excepted),
//!   and one in a directory others may change; the master key file too.
//! - The keyring file is read with the cap of its form: 1 MiB
//!   (`MAX_JSON_BYTES`) for plaintext JSON, `MAX_ENVELOPE_BYTES` for an
//!   envelope. A master key of all zero bytes is refused, naming its file
//!   and the reason, before a keyring is written under it.
//! - The keyring seals the password hashes (the pepper), the CSRF MAC key
//!   and the credential MAC root (the keys session, API-key and reset
//!   token digests are made under), both stored in the database sealed
//!   under it: the database alone reveals none of them.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use guardrail::{
    keys::{
        Algorithm, Error as KeysError, Keyring, MacKeyring,
        aead::{MAX_ENVELOPE_BYTES, MAX_JSON_BYTES},
        hkdf,
    },
    secret::{
        ExposeSecret, SecretSlice,
        load::FileLoader,
        store::{Mode, write_private},
    },
    token::{DigestKey, random},
};

use crate::db::{self, Db, DbError};

/// Associated data binding the sealed CSRF key to its use.
pub(crate) const CSRF_KEY_AAD: &[u8] = b"auth-service csrf mac key v1";
/// The row the sealed CSRF key is stored under.
pub(crate) const CSRF_KEY_NAME: &str = "csrf_mac_v1";
/// Associated data binding the sealed credential MAC root to its use.
pub(crate) const CREDENTIAL_ROOT_AAD: &[u8] = b"auth-service credential mac root v1";
/// The row the sealed credential MAC root is stored under.
pub(crate) const CREDENTIAL_ROOT_NAME: &str = "credential_mac_v1";
/// HKDF salt of the credential keys (fixed: the root is already random).
const CREDENTIAL_SALT: &[u8] = b"auth-service credential keys";

/// Why key material could not be loaded or created. Names files and
/// reasons, never key bytes.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The keyring or master key file could not be read or is refused.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A sealed service key (named by its `service_keys` row) does not
    /// open under this keyring.
    #[error(
        "the service key {0} in the database does not open under this keyring (another keyring, or its key disabled)"
    )]
    SealedKey(&'static str),
    /// The random number generator or a key operation failed.
    #[error("key operation failed")]
    Crypto,
}

/// What start-up did about the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringOrigin {
    /// Loaded from an existing file.
    Loaded,
    /// Generated and written (mode 0600) on this start.
    Created,
}

fn file_error(path: &Path, reason: impl ToString) -> KeyError {
    KeyError::File { path: path.to_path_buf(), reason: reason.to_string() }
}

/// The master key, when the keyring file is an envelope: 32 bytes, hex.
fn master_key(path: &Path) -> Result<SecretSlice<u8>, KeyError> {
    let hex = FileLoader::new().load(path).map_err(|e| file_error(path, e))?;
    let key = guardrail::secret::decode_hex(hex.expose_secret().trim())
        .map_err(|_| file_error(path, "expected 64 hex digits (a 32-byte key)"))?;
    if key.expose_secret().len() != 32 {
        return Err(file_error(path, "expected 64 hex digits (a 32-byte key)"));
    }
    Ok(key)
}

/// A refusal of the master key itself (all zero bytes, or not 32 bytes),
/// named after its file; anything else after the keyring file.
fn envelope_error(path: &Path, master_path: &Path, e: KeysError) -> KeyError {
    match e {
        KeysError::PlaceholderKey | KeysError::MasterKeyLength { .. } => file_error(master_path, e),
        e => file_error(path, e),
    }
}

/// Loads the keyring, or creates it if the file does not exist.
///
/// The file is read with the cap of its form: a plaintext keyring's
/// [`MAX_JSON_BYTES`], an envelope's [`MAX_ENVELOPE_BYTES`] (larger: the
/// base64 of the sealed JSON), so every keyring `guardrail keyring` and
/// [`Keyring::add_key`] can produce loads.
///
/// # Errors
/// [`KeyError::File`] when the keyring or master key file is refused,
/// cannot be read, written or parsed, or does not open under the master
/// key (naming the file and the reason); [`KeyError::Crypto`] when a new
/// key cannot be generated.
pub fn load_or_create_keyring(
    path: &Path,
    master_key_file: Option<&Path>,
) -> Result<(Keyring, KeyringOrigin), KeyError> {
    let master = master_key_file.map(|p| master_key(p).map(|key| (p, key))).transpose()?;
    match std::fs::symlink_metadata(path) {
        Ok(_) => {
            let cap = if master.is_some() { MAX_ENVELOPE_BYTES } else { MAX_JSON_BYTES };
            let text = FileLoader::new().max_len(cap).load(path).map_err(|e| file_error(path, e))?;
            let keyring = match &master {
                Some((master_path, master)) => Keyring::from_envelope(text.expose_secret(), master)
                    .map_err(|e| envelope_error(path, master_path, e))?,
                None => Keyring::from_json(text.expose_secret()).map_err(|e| file_error(path, e))?,
            };
            Ok((keyring, KeyringOrigin::Loaded))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let keyring = Keyring::generate(Algorithm::Aes256Gcm).map_err(|_| KeyError::Crypto)?;
            let written = match &master {
                // A master key of all zero bytes is refused here, naming its
                // file and the reason (never its bytes), before anything is
                // written.
                Some((master_path, master)) => guardrail::secret::Zeroizing::new(
                    keyring.to_envelope(master).map_err(|e| envelope_error(path, master_path, e))?,
                ),
                None => keyring.export_json_insecure_plaintext_keys(),
            };
            write_private(path, written.as_bytes(), Mode::CreateNew).map_err(|e| file_error(path, e))?;
            Ok((keyring, KeyringOrigin::Created))
        }
        Err(e) => Err(file_error(path, e)),
    }
}

/// A 32-byte service key stored in `service_keys` under `name`, sealed
/// under the keyring with `aad`: opened, or generated, sealed and stored
/// on first start (another process starting at once may win: whichever row
/// exists is used). With [`Reseal::Yes`] (the server's start, `reseal`) a
/// key sealed under an older keyring key is re-sealed under the primary,
/// so the old one can be disabled; with [`Reseal::No`] (the other admin
/// commands) nothing is written: a missing key is an error.
fn sealed_service_key(
    db: &Db,
    keyring: &Keyring,
    name: &'static str,
    aad: &[u8],
    reseal: Reseal,
) -> Result<SecretSlice<u8>, KeyError> {
    if reseal == Reseal::Yes && db.call_blocking(|c| db::service_key(c, name))?.is_none() {
        let mut key = guardrail::secret::Zeroizing::new([0u8; 32]);
        random::fill(key.as_mut_slice()).map_err(|_| KeyError::Crypto)?;
        let sealed = keyring.seal(key.as_slice(), aad).map_err(|_| KeyError::Crypto)?;
        db.call_blocking(|c| db::insert_service_key(c, name, &sealed))?;
    }
    let sealed = db.call_blocking(|c| db::service_key(c, name))?.ok_or(KeyError::SealedKey(name))?;
    let opened = keyring.open(&sealed, aad).map_err(|_| KeyError::SealedKey(name))?;
    if reseal == Reseal::Yes && Keyring::sealed_key_id(&sealed) != Some(keyring.primary_id()) {
        let resealed = keyring.seal(opened.expose_secret(), aad).map_err(|_| KeyError::Crypto)?;
        db.call_blocking(|c| db::replace_service_key(c, name, &resealed))?;
    }
    Ok(SecretSlice::from(opened.expose_secret().to_vec()))
}

/// Whether loading a service key may write it: generate a missing one,
/// re-seal one sealed under an older keyring key under the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reseal {
    /// The server's start and the `reseal` command.
    Yes,
    /// The other admin commands: read only.
    No,
}

/// The CSRF MAC key: opened from the database, or generated, sealed and
/// stored on first start (re-sealed under the primary key, see [`Reseal`]).
///
/// # Errors
/// [`KeyError::SealedKey`] when the stored key does not open under this
/// keyring, [`KeyError::Db`] when storage fails, [`KeyError::Crypto`] when
/// a key cannot be generated or sealed.
pub fn csrf_keyring(db: &Db, keyring: &Arc<Keyring>) -> Result<MacKeyring, KeyError> {
    csrf_keyring_with(db, keyring, Reseal::Yes)
}

/// [`csrf_keyring`], re-sealing as `reseal` says.
///
/// # Errors
/// As [`csrf_keyring`]; with [`Reseal::No`] a missing key is
/// [`KeyError::SealedKey`].
pub fn csrf_keyring_with(db: &Db, keyring: &Arc<Keyring>, reseal: Reseal) -> Result<MacKeyring, KeyError> {
    let key = sealed_service_key(db, keyring, CSRF_KEY_NAME, CSRF_KEY_AAD, reseal)?;
    MacKeyring::from_key(1, &key).map_err(|_| KeyError::Crypto)
}

/// The keys stored credentials are digested under (HMAC-SHA256, see
/// [`DigestKey`]): the database holds only `key.digest(credential)`, so
/// whoever can write it cannot mint a session, an API key or a reset token.
/// The same key tags each row to its account (`db/tag.rs`, distinct
/// labels), so they cannot re-point one they hold either. One purpose
/// each, derived from one root; `Debug` shows no key.
#[derive(Debug, Clone)]
pub struct CredentialKeys {
    /// Session tokens (`sessions.digest`, `sessions.tag`).
    pub session: DigestKey,
    /// API keys (`api_keys.digest`, `api_keys.tag`).
    pub api_key: DigestKey,
    /// Password-reset tokens (`reset_tokens.digest`, `reset_tokens.tag`).
    pub reset: DigestKey,
}

/// The credential digest keys: one 32-byte root, generated once and
/// stored in `service_keys` sealed under the keyring (like the CSRF key),
/// and a key per purpose derived from it with HKDF-SHA256 (contexts
/// `session v1`, `api-key v1`, `reset v1`). Rotating the keyring re-seals
/// the root and changes no digest; replacing the root would end every
/// session, API key and reset token.
///
/// # Errors
/// [`KeyError::SealedKey`] when the stored root does not open under this
/// keyring, [`KeyError::Db`] when storage fails, [`KeyError::Crypto`] when
/// a key cannot be generated, sealed or derived.
pub fn credential_keys(db: &Db, keyring: &Arc<Keyring>) -> Result<CredentialKeys, KeyError> {
    credential_keys_with(db, keyring, Reseal::Yes)
}

/// [`credential_keys`], re-sealing as `reseal` says.
///
/// # Errors
/// As [`credential_keys`]; with [`Reseal::No`] a missing root is
/// [`KeyError::SealedKey`].
pub fn credential_keys_with(db: &Db, keyring: &Arc<Keyring>, reseal: Reseal) -> Result<CredentialKeys, KeyError> {
    let root = sealed_service_key(db, keyring, CREDENTIAL_ROOT_NAME, CREDENTIAL_ROOT_AAD, reseal)?;
    let purpose = |context: &[u8]| {
        let derived = hkdf::derive(&root, CREDENTIAL_SALT, context, 32).map_err(|_| KeyError::Crypto)?;
        DigestKey::new(&derived).map_err(|_| KeyError::Crypto)
    };
    Ok(CredentialKeys {
        session: purpose(b"session v1")?,
        api_key: purpose(b"api-key v1")?,
        reset: purpose(b"reset v1")?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

    use super::*;

    /// A key file `name` in `dir` holding `hex`, written owner-only.
    fn key_file(dir: &Path, name: &str, hex: &str) -> PathBuf {
        let path = dir.join(name);
        write_private(&path, hex.as_bytes(), Mode::CreateNew).unwrap();
        path
    }

    #[test]
    fn created_once_owner_only_then_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let (first, origin) = load_or_create_keyring(&path, None).unwrap();
        assert_eq!(origin, KeyringOrigin::Created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let (second, origin) = load_or_create_keyring(&path, None).unwrap();
        assert_eq!(origin, KeyringOrigin::Loaded);
        let sealed = first.seal(b"x", b"ad").unwrap();
        assert_eq!(second.open(&sealed, b"ad").unwrap().expose_secret(), b"x");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_keyring_or_master_key_others_can_read_or_write() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        load_or_create_keyring(&path, None).unwrap();
        let before = std::fs::read(&path).unwrap();
        for mode in [0o644, 0o622, 0o602, 0o640, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = load_or_create_keyring(&path, None).unwrap_err().to_string();
            assert!(err.contains("k.json") && err.contains(&format!("{mode:04o}")), "{err}");
            assert_eq!(std::fs::read(&path).unwrap(), before, "not replaced");
        }
        let master = key_file(dir.path(), "master.hex", &"0123456789abcdef".repeat(4));
        std::fs::set_permissions(&master, std::fs::Permissions::from_mode(0o622)).unwrap();
        let err = load_or_create_keyring(&dir.path().join("k2.json"), Some(&master)).unwrap_err().to_string();
        assert!(err.contains("master.hex") && err.contains("0622"), "{err}");
    }

    #[test]
    fn envelope_under_a_master_key() {
        let dir = tempfile::tempdir().unwrap();
        let master = key_file(dir.path(), "master.hex", &"0123456789abcdef".repeat(4));
        let path = dir.path().join("k.json");
        let (k, _) = load_or_create_keyring(&path, Some(&master)).unwrap();
        assert!(load_or_create_keyring(&path, None).is_err(), "an envelope is not a plaintext keyring");
        let (again, origin) = load_or_create_keyring(&path, Some(&master)).unwrap();
        assert_eq!(origin, KeyringOrigin::Loaded);
        assert_eq!(again.open(&k.seal(b"x", b"test").unwrap(), b"test").unwrap().expose_secret(), b"x");
        let short = key_file(dir.path(), "short.hex", "1111");
        assert!(load_or_create_keyring(&dir.path().join("k2.json"), Some(&short)).is_err());
    }

    /// Issue 10, item 11: an all-zero master key is refused with its real
    /// reason, naming its file, never its bytes; on first start nothing is
    /// written.
    #[test]
    fn an_all_zero_master_key_is_refused_naming_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let zero = key_file(dir.path(), "zero.hex", &"00".repeat(32));
        let path = dir.path().join("k.json");
        let err = load_or_create_keyring(&path, Some(&zero)).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(&err, KeyError::File { path: p, .. } if *p == zero), "{msg}");
        assert!(msg.contains("zero.hex") && msg.contains("all zero bytes"), "{msg}");
        assert!(!msg.contains("0000"), "key bytes in the message: {msg}");
        assert!(!path.exists(), "a keyring was written under a zero key");

        // An envelope made under a real key, opened with a zero one.
        let master = key_file(dir.path(), "master.hex", &"0123456789abcdef".repeat(4));
        load_or_create_keyring(&path, Some(&master)).unwrap();
        let msg = load_or_create_keyring(&path, Some(&zero)).unwrap_err().to_string();
        assert!(msg.contains("zero.hex") && msg.contains("all zero bytes"), "{msg}");
    }

    /// Issue 10, item 4: each form is read with its own cap. A keyring
    /// filled to what `add_key` allows loads as plaintext JSON and as an
    /// envelope (larger than the JSON cap, which was applied to both before);
    /// one byte past each cap is refused naming it.
    #[test]
    fn each_form_loads_up_to_its_own_cap() {
        let dir = tempfile::tempdir().unwrap();
        let mut full = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
        while full.add_key(Algorithm::ChaCha20Poly1305).is_ok() {}
        let count = full.keys().count();

        let plain = dir.path().join("plain.json");
        let json = full.export_json_insecure_plaintext_keys();
        write_private(&plain, json.as_bytes(), Mode::CreateNew).unwrap();
        let (k, origin) = load_or_create_keyring(&plain, None).unwrap();
        assert_eq!((k.keys().count(), origin), (count, KeyringOrigin::Loaded));
        let past = format!("{}{}", &*json, " ".repeat(MAX_JSON_BYTES + 1 - json.len()));
        write_private(&plain, past.as_bytes(), Mode::Replace).unwrap();
        let msg = load_or_create_keyring(&plain, None).unwrap_err().to_string();
        assert!(msg.contains("plain.json") && msg.contains(&MAX_JSON_BYTES.to_string()), "{msg}");

        let master_file = key_file(dir.path(), "master.hex", &"0123456789abcdef".repeat(4));
        let master = master_key(&master_file).unwrap();
        let sealed = dir.path().join("sealed.json");
        let envelope = full.to_envelope(&master).unwrap();
        assert!(
            envelope.len() > MAX_JSON_BYTES,
            "{} bytes: the test needs an envelope past the JSON cap",
            envelope.len()
        );
        write_private(&sealed, envelope.as_bytes(), Mode::CreateNew).unwrap();
        let (k, _) = load_or_create_keyring(&sealed, Some(&master_file)).unwrap();
        assert_eq!(k.keys().count(), count);
        let past = format!("{envelope}{}", " ".repeat(MAX_ENVELOPE_BYTES + 1 - envelope.len()));
        write_private(&sealed, past.as_bytes(), Mode::Replace).unwrap();
        let msg = load_or_create_keyring(&sealed, Some(&master_file)).unwrap_err().to_string();
        assert!(msg.contains("sealed.json") && msg.contains(&MAX_ENVELOPE_BYTES.to_string()), "{msg}");
    }

    #[test]
    fn csrf_key_survives_restarts_and_needs_the_keyring() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        let (k, _) = load_or_create_keyring(&dir.path().join("k.json"), None).unwrap();
        let k = Arc::new(k);
        let a = csrf_keyring(&db, &k).unwrap();
        let b = csrf_keyring(&db, &k).unwrap();
        assert_eq!(a.sign_raw(b"m"), b.sign_raw(b"m"));
        let (other, _) = load_or_create_keyring(&dir.path().join("other.json"), None).unwrap();
        assert!(matches!(csrf_keyring(&db, &Arc::new(other)), Err(KeyError::SealedKey(_))));

        // Rotation: the next start re-seals under the new primary, after
        // which the old key can be disabled without losing the CSRF key.
        let mut rotated = Arc::try_unwrap(k).unwrap();
        let new = rotated.add_key(Algorithm::Aes256Gcm).unwrap();
        rotated.promote(new).unwrap();
        let old = rotated.keys().find(|k| k.id != new).unwrap().id;
        let mut rotated = Arc::new(rotated);
        let c = csrf_keyring(&db, &rotated).unwrap();
        Arc::get_mut(&mut rotated).unwrap().disable(old).unwrap();
        let d = csrf_keyring(&db, &rotated).unwrap();
        assert_eq!(c.sign_raw(b"m"), d.sign_raw(b"m"));
        assert_eq!(a.sign_raw(b"m"), d.sign_raw(b"m"));
    }

    /// The credential keys survive restarts and keyring rotation (the
    /// root is re-sealed, the digests stay), differ by purpose, differ from
    /// another database's, and need this keyring.
    #[test]
    fn credential_keys_are_stable_per_purpose_and_need_the_keyring() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        let (k, _) = load_or_create_keyring(&dir.path().join("k.json"), None).unwrap();
        let mut k = Arc::new(k);
        let a = credential_keys(&db, &k).unwrap();
        let m: &[&[u8]] = &[b"m"];
        let digests = |keys: &CredentialKeys| [keys.session.digest(m), keys.api_key.digest(m), keys.reset.digest(m)];
        let first = digests(&a);
        assert!(first[0] != first[1] && first[1] != first[2] && first[0] != first[2], "one key per purpose");
        assert_eq!(digests(&credential_keys(&db, &k).unwrap()), first);

        let rotated = Arc::get_mut(&mut k).unwrap();
        let new = rotated.add_key(Algorithm::Aes256Gcm).unwrap();
        rotated.promote(new).unwrap();
        let old = rotated.keys().find(|key| key.id != new).unwrap().id;
        assert_eq!(digests(&credential_keys(&db, &k).unwrap()), first, "re-sealed, same root");
        Arc::get_mut(&mut k).unwrap().disable(old).unwrap();
        assert_eq!(digests(&credential_keys(&db, &k).unwrap()), first, "the old keyring key is no longer needed");

        let (other, _) = load_or_create_keyring(&dir.path().join("other.json"), None).unwrap();
        let msg = credential_keys(&db, &Arc::new(other)).unwrap_err().to_string();
        assert!(msg.contains("credential_mac_v1"), "{msg}");
        let db2 = Db::open(&dir.path().join("t2.db")).unwrap();
        assert_ne!(digests(&credential_keys(&db2, &k).unwrap()), first, "a root per database");
    }
}
