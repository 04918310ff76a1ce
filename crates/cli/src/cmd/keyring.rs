//! `guardrail keyring ...`: manage an AEAD keyring file, seal and open
//! data with it.

use std::{
    io::{self, Write},
    path::{Path, PathBuf},
};

use clap::{Args, Subcommand};
use guardrail_keys::{
    Algorithm, Error as KeysError, Keyring, Status,
    aead::{MAX_ENVELOPE_BYTES, MAX_JSON_BYTES},
};
use guardrail_secret::{
    ExposeSecret, SecretSlice, Zeroizing,
    load::FileLoader,
    store::{Mode, UpdateLock, lock_for_update, write_private},
};

use crate::{
    error::{CliError, note},
    input::{Newline, read_stdin},
};

/// The most `keyring seal` reads from stdin: 16 MiB.
const MAX_SEAL_BYTES: usize = 16 << 20;
/// The most `keyring open` reads, bytes: the sealed text of
/// `MAX_SEAL_BYTES` of plaintext (17 header and 16 tag bytes, unpadded
/// base64url), a CRLF.
const MAX_OPEN_BYTES: usize = (4 * (MAX_SEAL_BYTES + 33)).div_ceil(3) + 2;

/// Why `keyring seal --aad ''` is refused.
const EMPTY_AAD: &str = "keyring seal: --aad must name what the data is and whose (--aad users:42:email), not be empty";

/// Why a master key file is refused when it does not hold a key.
const MASTER_KEY_FORM: &str = "expected 64 hex digits (a 32-byte master key)";

/// `--master-key-file FILE`: the keyring file is an envelope sealed under
/// the master key in FILE, as auth-service's `AUTH_SERVICE_MASTER_KEY_FILE`.
#[derive(Args, Debug)]
pub(crate) struct MasterKeyFile {
    /// The keyring file is an envelope sealed under the master key in this
    /// file (64 hex digits, a 32-byte key; owner-only, like the keyring; all
    /// bytes equal refused), as auth-service's AUTH_SERVICE_MASTER_KEY_FILE.
    /// Without it the keyring file is plaintext JSON.
    #[arg(long = "master-key-file", value_name = "MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
}

/// `--keyring FILE [--master-key-file FILE]`, the file every subcommand
/// but `new` works on.
#[derive(Args, Debug)]
pub(crate) struct KeyringFile {
    /// The keyring file.
    #[arg(long = "keyring", value_name = "KEYRING")]
    path: PathBuf,
    #[command(flatten)]
    master: MasterKeyFile,
}

/// `guardrail keyring ...`.
#[derive(Subcommand, Debug)]
pub(crate) enum KeyringCommand {
    /// Create a keyring with one primary AES-256-GCM key (file mode 0600; never overwrites).
    New {
        /// The file to create.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        master: MasterKeyFile,
    },
    /// Add a new primary key; old keys stay enabled.
    Rotate {
        #[command(flatten)]
        file: KeyringFile,
    },
    /// Disable a key: data it sealed no longer opens.
    Disable {
        #[command(flatten)]
        file: KeyringFile,
        /// The key to disable (not the primary).
        #[arg(long)]
        key_id: u32,
    },
    /// One line per key: id, status, "primary" or "-".
    List {
        #[command(flatten)]
        file: KeyringFile,
    },
    /// Seal stdin (at most 16 MiB, 16777216 bytes; more: exit 2, naming
    /// the limit, nothing sealed); prints one line of base64url sealed text.
    /// --aad is required and must not be empty (else exit 2, nothing sealed).
    Seal {
        #[command(flatten)]
        file: KeyringFile,
        /// Associated data, required: what the data is and whose
        /// (users:42:email); the same must be given to open it.
        #[arg(long)]
        aad: String,
    },
    /// Open sealed text from stdin; prints the plaintext. Exit 1 on any failure, with no detail;
    /// stdin longer than any sealed text `seal` can print: exit 2, naming the limit.
    Open {
        #[command(flatten)]
        file: KeyringFile,
        /// The associated data it was sealed with (empty by default: what
        /// `seal` without --aad used before it required the flag).
        #[arg(long, default_value = "")]
        aad: String,
    },
    /// Re-seal the keyring under a new master key; key ids and keys unchanged.
    ///
    /// Rotates the master key: the envelope under --master-key-file (or a
    /// plaintext keyring, when it is left out) is replaced, atomically and
    /// under the lock rotate takes, by an envelope under
    /// --new-master-key-file. The keys inside do not change, so data sealed
    /// before still opens. The file written is read back: it must hold the
    /// same keyring under the new master key and no longer load under the
    /// old one (else exit 2). The same key in both files is refused.
    Rewrap {
        #[command(flatten)]
        file: KeyringFile,
        /// The new master key (64 hex digits, owner-only; a different key).
        #[arg(long, value_name = "NEW_MASTER_KEY_FILE")]
        new_master_key_file: PathBuf,
    },
}

/// Runs one `keyring` subcommand.
pub(crate) fn keyring(command: &KeyringCommand) -> Result<(), CliError> {
    match command {
        KeyringCommand::New { out, master } => new(&Store::new(out, master.master_key_file.as_deref())?),
        KeyringCommand::Rotate { file } => rotate(&file.store()?),
        KeyringCommand::Disable { file, key_id } => disable(&file.store()?, *key_id),
        KeyringCommand::List { file } => list(&file.store()?),
        KeyringCommand::Seal { file, aad } => seal(file, aad),
        KeyringCommand::Open { file, aad } => open(file, aad),
        KeyringCommand::Rewrap { file, new_master_key_file } => rewrap(&file.store()?, new_master_key_file),
    }
}

/// A master key and the file it was read from (errors name the file,
/// never the key).
struct Master<'a> {
    path: &'a Path,
    key: SecretSlice<u8>,
}

impl<'a> Master<'a> {
    /// Reads the master key as auth-service does (`AUTH_SERVICE_MASTER_KEY_FILE`):
    /// the file passes the secret loader's checks (owner-only, owned by this
    /// user or root, no writable directory on the way, at most 64 KiB), and
    /// holds 64 hex digits (surrounding whitespace trimmed). A key of one
    /// byte value repeated (all zero bytes) is refused here too, before any
    /// keyring is read or written under it.
    fn load(path: &'a Path) -> Result<Self, CliError> {
        let hex = FileLoader::new().load(path).map_err(CliError::usage)?;
        let key = guardrail_secret::decode_hex(hex.expose_secret().trim())
            .ok()
            .filter(|key| key.expose_secret().len() == 32)
            .ok_or_else(|| CliError::usage(format_args!("{}: {MASTER_KEY_FORM}", path.display())))?;
        let bytes = key.expose_secret();
        if bytes.first().is_some_and(|first| bytes.iter().all(|b| b == first)) {
            return Err(CliError::usage(format_args!("{}: {}", path.display(), KeysError::PlaceholderKey)));
        }
        Ok(Self { path, key })
    }
}

/// A keyring file and its form: plaintext JSON, or (with a master key) the
/// envelope of `Keyring::to_envelope`, as auth-service reads and writes it.
struct Store<'a> {
    path: &'a Path,
    master: Option<Master<'a>>,
}

impl KeyringFile {
    /// The keyring file, its master key (if any) read and checked.
    fn store(&self) -> Result<Store<'_>, CliError> {
        Store::new(&self.path, self.master.master_key_file.as_deref())
    }
}

impl<'a> Store<'a> {
    /// The keyring file `path`, an envelope under the master key in
    /// `master` when one is given (read and checked now).
    fn new(path: &'a Path, master: Option<&'a Path>) -> Result<Self, CliError> {
        Ok(Self { path, master: master.map(Master::load).transpose()? })
    }

    /// Loads the keyring (owner-only; at most `MAX_JSON_BYTES` as JSON,
    /// `MAX_ENVELOPE_BYTES` as an envelope). An error names the file and
    /// the reason; a keyring of the other form says which it is.
    fn load(&self) -> Result<Keyring, CliError> {
        let cap = if self.master.is_some() { MAX_ENVELOPE_BYTES } else { MAX_JSON_BYTES };
        let text = FileLoader::new().max_len(cap).load(self.path).map_err(CliError::usage)?;
        let text = text.expose_secret();
        let path = self.path.display();
        match &self.master {
            Some(master) => Keyring::from_envelope(text, &master.key).map_err(|e| match e {
                KeysError::MalformedKeyring if Keyring::from_json(text).is_ok() => CliError::usage(format_args!(
                    "{path} is a plaintext keyring, not sealed under a master key: leave out --master-key-file \
                     (or seal it with: guardrail keyring rewrap --keyring {path} --new-master-key-file FILE)"
                )),
                KeysError::Decrypt => CliError::usage(format_args!(
                    "{path} does not open under the master key in {} (another master key, or the file was altered)",
                    master.path.display()
                )),
                e => self.error(e),
            }),
            None => Keyring::from_json(text).map_err(|e| match e {
                KeysError::MalformedKeyring if text.contains("\"sealed_keyring\"") => {
                    CliError::usage(format_args!("{path} is sealed under a master key: pass --master-key-file"))
                }
                e => self.error(e),
            }),
        }
    }

    /// What the file holds for `keyring`: its JSON, or its envelope.
    fn contents(&self, keyring: &Keyring) -> Result<Zeroizing<String>, CliError> {
        match &self.master {
            None => Ok(keyring.export_json_insecure_plaintext_keys()),
            Some(master) => keyring.to_envelope(&master.key).map(Zeroizing::new).map_err(|e| self.error(e)),
        }
    }

    /// A refusal of the keys crate, naming the master key file when the
    /// master key is refused, else the keyring file.
    fn error(&self, e: KeysError) -> CliError {
        match (&self.master, e) {
            (Some(master), e @ (KeysError::PlaceholderKey | KeysError::MasterKeyLength { .. })) => {
                CliError::usage(format_args!("{}: {e}", master.path.display()))
            }
            (_, e) => CliError::usage(format_args!("{}: {e}", self.path.display())),
        }
    }

    /// ", sealed under the master key in FILE", or nothing.
    fn sealed_note(&self) -> String {
        self.master
            .as_ref()
            .map(|m| format!(", sealed under the master key in {}", m.path.display()))
            .unwrap_or_default()
    }
}

/// Creates the keyring file (owner-only) with one primary key; never
/// overwrites.
fn new(store: &Store<'_>) -> Result<(), CliError> {
    let path = store.path;
    let k = Keyring::generate(Algorithm::Aes256Gcm).map_err(CliError::failed)?;
    let contents = store.contents(&k)?;
    write_private(path, contents.as_bytes(), Mode::CreateNew).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => CliError::usage(format_args!("{} exists; not overwriting", path.display())),
        _ => CliError::usage(format_args!("{}: {e}", path.display())),
    })?;
    note(format_args!("created {} (mode 0600) with primary key 1{}", path.display(), store.sealed_note()));
    Ok(())
}

/// Adds a key and promotes it, under the update lock.
fn rotate(store: &Store<'_>) -> Result<(), CliError> {
    let path = store.path;
    let _lock = lock(path)?;
    let mut k = store.load()?;
    // A keyring too full to load back once written is refused here
    // (KeyringTooLarge, naming the cap), before anything is written.
    let id = k
        .add_key(Algorithm::Aes256Gcm)
        .and_then(|id| k.promote(id).map(|()| id))
        .map_err(|e| CliError::usage(format_args!("{}: cannot add a key: {e}", path.display())))?;
    write(store, &k, "the rotated keyring")?;
    note(format_args!("key {id} is now primary; older keys stay enabled until disabled"));
    Ok(())
}

/// Disables `key_id` (never the primary), under the update lock.
fn disable(store: &Store<'_>, key_id: u32) -> Result<(), CliError> {
    let path = store.path;
    let _lock = lock(path)?;
    let mut k = store.load()?;
    k.disable(key_id)
        .map_err(|e| CliError::usage(format_args!("{}: cannot disable key {key_id}: {e}", path.display())))?;
    write(store, &k, &format!("the keyring with key {key_id} disabled"))
}

/// One line per key: id, status, "primary" or "-".
fn list(store: &Store<'_>) -> Result<(), CliError> {
    let k = store.load()?;
    let mut out = io::stdout();
    for info in k.keys() {
        let status = if info.status == Status::Enabled { "enabled" } else { "disabled" };
        writeln!(out, "{}\t{status}\t{}", info.id, if info.primary { "primary" } else { "-" })?;
    }
    Ok(())
}

/// Seals all of stdin (at most `MAX_SEAL_BYTES`) under the primary key:
/// one line of base64url. Empty associated data (`--aad ''`) is a usage
/// error here, before anything is loaded or read (the keyring's `seal`
/// would refuse it too); clap refuses a missing `--aad` itself (exit 2,
/// naming the flag).
fn seal(file: &KeyringFile, aad: &str) -> Result<(), CliError> {
    if aad.is_empty() {
        return Err(CliError::usage(EMPTY_AAD));
    }
    let k = file.store()?.load()?;
    let input = read_stdin(MAX_SEAL_BYTES, Newline::Keep)?;
    let sealed = k.seal(input.expose_secret(), aad.as_bytes()).map_err(CliError::failed)?;
    writeln!(io::stdout(), "{}", guardrail_ct::base64url::encode_string(&sealed))?;
    Ok(())
}

/// Opens the sealed text on stdin. Any failure (the keyring, its master
/// key, the text, the key, the associated data) is refused with no detail;
/// only stdin past `MAX_OPEN_BYTES` is a usage error naming the cap, since
/// the size of the input says nothing about keys or plaintext.
fn open(file: &KeyringFile, aad: &str) -> Result<(), CliError> {
    let k = file.store().and_then(|store| store.load()).map_err(|_| CliError::Refused)?;
    let input = read_stdin(MAX_OPEN_BYTES, Newline::Keep)?;
    let plain = std::str::from_utf8(input.expose_secret())
        .ok()
        .and_then(|text| guardrail_ct::base64url::decode_vec(text.trim()).ok())
        .and_then(|sealed| k.open(&sealed, aad.as_bytes()).ok())
        .ok_or(CliError::Refused)?;
    io::stdout().write_all(plain.expose_secret())?;
    Ok(())
}

/// Re-seals the keyring under the master key in `new_master` (from
/// plaintext JSON when `store` has none), under the update lock, then
/// reads the file back: it must hold the same keyring under the new master
/// key, and no longer load the way it did.
fn rewrap(store: &Store<'_>, new_master: &Path) -> Result<(), CliError> {
    let path = store.path;
    let _lock = lock(path)?;
    let k = store.load()?;
    let new = Store { path, master: Some(Master::load(new_master)?) };
    if let (Some(old), Some(next)) = (&store.master, &new.master)
        && guardrail_ct::eq(old.key.expose_secret(), next.key.expose_secret())
    {
        return Err(CliError::usage(format_args!(
            "{} holds the same master key as {}: nothing to re-seal",
            new_master.display(),
            old.path.display()
        )));
    }
    write(&new, &k, "the re-sealed keyring")?;
    let same = new.load().is_ok_and(|back| {
        guardrail_ct::eq_str(&back.export_json_insecure_plaintext_keys(), &k.export_json_insecure_plaintext_keys())
    });
    if !same || store.load().is_ok() {
        return Err(CliError::failed(format_args!(
            "{}: written, but reading it back under {} did not give the same keyring, or the old form still loads",
            path.display(),
            new_master.display()
        )));
    }
    let old = store
        .master
        .as_ref()
        .map_or_else(|| "plaintext".to_owned(), |m| format!("the master key in {}", m.path.display()));
    note(format_args!(
        "{} is now sealed under the master key in {}; {old} no longer opens it (key ids and keys unchanged: sealed data still opens)",
        path.display(),
        new_master.display()
    ));
    Ok(())
}

/// Held from before the load until after the write of a rotate, disable
/// or rewrap: two at once would both read the old file, and the second
/// write would drop the first one's change (a new key reported as primary,
/// then lost).
fn lock(path: &Path) -> Result<UpdateLock, CliError> {
    lock_for_update(path).map_err(|e| CliError::failed(format_args!("{}: cannot lock for update: {e}", path.display())))
}

/// Replaces the keyring file, readable by its owner only, in its form
/// (JSON or envelope). On an error the file is as it was (unless only the
/// final directory sync failed, which the error says) and no temporary
/// file is left (`store::write_private`). A write error names the file and
/// `what` was being written.
fn write(store: &Store<'_>, keyring: &Keyring, what: &str) -> Result<(), CliError> {
    let contents = store.contents(keyring)?;
    write_private(store.path, contents.as_bytes(), Mode::Replace)
        .map_err(|e| CliError::failed(format_args!("{}: cannot write {what}: {e}", store.path.display())))
}
