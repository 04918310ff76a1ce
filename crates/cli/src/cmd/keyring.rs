//! `guardrail keyring ...`: manage an AEAD keyring file, seal and open
//! data with it.

use std::{
    io::{self, Write},
    path::{Path, PathBuf},
};

use clap::{Args, Subcommand};
use guardrail_keys::{Algorithm, Keyring, Status, aead::MAX_JSON_BYTES};
use guardrail_secret::{
    ExposeSecret,
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

/// `--keyring FILE`, the file every subcommand but `new` works on.
#[derive(Args, Debug)]
pub(crate) struct KeyringFile {
    /// The keyring file.
    #[arg(long = "keyring", value_name = "KEYRING")]
    path: PathBuf,
}

/// `guardrail keyring ...`.
#[derive(Subcommand, Debug)]
pub(crate) enum KeyringCommand {
    /// Create a keyring with one primary AES-256-GCM key (file mode 0600; never overwrites).
    New {
        /// The file to create.
        #[arg(long)]
        out: PathBuf,
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
}

/// Runs one `keyring` subcommand.
pub(crate) fn keyring(command: &KeyringCommand) -> Result<(), CliError> {
    match command {
        KeyringCommand::New { out } => new(out),
        KeyringCommand::Rotate { file } => rotate(&file.path),
        KeyringCommand::Disable { file, key_id } => disable(&file.path, *key_id),
        KeyringCommand::List { file } => list(&file.path),
        KeyringCommand::Seal { file, aad } => seal(&file.path, aad),
        KeyringCommand::Open { file, aad } => open(&file.path, aad),
    }
}

/// Creates `path` (owner-only) with one primary key; never overwrites.
fn new(path: &Path) -> Result<(), CliError> {
    let k = Keyring::generate(Algorithm::Aes256Gcm).map_err(CliError::failed)?;
    write(path, &k, Mode::CreateNew).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => CliError::usage(format_args!("{} exists; not overwriting", path.display())),
        _ => CliError::usage(format_args!("{}: {e}", path.display())),
    })?;
    note(format_args!("created {} (mode 0600) with primary key 1", path.display()));
    Ok(())
}

/// Adds a key and promotes it, under the update lock.
fn rotate(path: &Path) -> Result<(), CliError> {
    let _lock = lock(path)?;
    let mut k = load(path)?;
    // A keyring too full to load back once written is refused here
    // (KeyringTooLarge, naming the cap), before anything is written.
    let id = k
        .add_key(Algorithm::Aes256Gcm)
        .and_then(|id| k.promote(id).map(|()| id))
        .map_err(|e| CliError::usage(format_args!("{}: cannot add a key: {e}", path.display())))?;
    write(path, &k, Mode::Replace)
        .map_err(|e| CliError::failed(format_args!("{}: cannot write the rotated keyring: {e}", path.display())))?;
    note(format_args!("key {id} is now primary; older keys stay enabled until disabled"));
    Ok(())
}

/// Disables `key_id` (never the primary), under the update lock.
fn disable(path: &Path, key_id: u32) -> Result<(), CliError> {
    let _lock = lock(path)?;
    let mut k = load(path)?;
    k.disable(key_id)
        .map_err(|e| CliError::usage(format_args!("{}: cannot disable key {key_id}: {e}", path.display())))?;
    write(path, &k, Mode::Replace).map_err(|e| {
        CliError::failed(format_args!("{}: cannot write the keyring with key {key_id} disabled: {e}", path.display()))
    })
}

/// One line per key: id, status, "primary" or "-".
fn list(path: &Path) -> Result<(), CliError> {
    let k = load(path)?;
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
fn seal(path: &Path, aad: &str) -> Result<(), CliError> {
    if aad.is_empty() {
        return Err(CliError::usage(EMPTY_AAD));
    }
    let k = load(path)?;
    let input = read_stdin(MAX_SEAL_BYTES, Newline::Keep)?;
    let sealed = k.seal(input.expose_secret(), aad.as_bytes()).map_err(CliError::failed)?;
    writeln!(io::stdout(), "{}", guardrail_ct::base64url::encode_string(&sealed))?;
    Ok(())
}

/// Opens the sealed text on stdin. Any failure (the keyring, the text, the
/// key, the associated data) is refused with no detail; only stdin past
/// `MAX_OPEN_BYTES` is a usage error naming the cap, since the size of the
/// input says nothing about keys or plaintext.
fn open(path: &Path, aad: &str) -> Result<(), CliError> {
    let k = load(path).map_err(|_| CliError::Refused)?;
    let input = read_stdin(MAX_OPEN_BYTES, Newline::Keep)?;
    let plain = std::str::from_utf8(input.expose_secret())
        .ok()
        .and_then(|text| guardrail_ct::base64url::decode_vec(text.trim()).ok())
        .and_then(|sealed| k.open(&sealed, aad.as_bytes()).ok())
        .ok_or(CliError::Refused)?;
    io::stdout().write_all(plain.expose_secret())?;
    Ok(())
}

/// Loads a keyring file (owner-only, at most `MAX_JSON_BYTES`); an error
/// names the file.
fn load(path: &Path) -> Result<Keyring, CliError> {
    let text = FileLoader::new().max_len(MAX_JSON_BYTES).load(path).map_err(CliError::usage)?;
    Keyring::from_json(text.expose_secret()).map_err(|e| CliError::usage(format_args!("{}: {e}", path.display())))
}

/// Held from before the load until after the write of a rotate or disable:
/// two at once would both read the old file, and the second write would
/// drop the first one's change (a new key reported as primary, then lost).
fn lock(path: &Path) -> Result<UpdateLock, CliError> {
    lock_for_update(path).map_err(|e| CliError::failed(format_args!("{}: cannot lock for update: {e}", path.display())))
}

/// Writes a keyring file readable by its owner only: a new file, or an
/// atomic replacement of an existing one. On an error the file is as it
/// was (unless only the final directory sync failed, which the error says)
/// and no temporary file is left (`store::write_private`).
fn write(path: &Path, keyring: &Keyring, mode: Mode) -> io::Result<()> {
    write_private(path, keyring.export_json_insecure_plaintext_keys().as_bytes(), mode)
}
