//! Loading secrets from the environment and from files.
//!
//! Secrets do not belong in source, in argv (visible in `ps`) or in logs.
//! These loaders read them from the two places deployments put them, check
//! the file the way `ssh` checks a private key, and leave no copy of the
//! value in memory this crate frees.
//!
//! ```no_run
//! use guardrail_secret::load;
//! let db_password = load::from_file("/run/secrets/db_password")?;
//! let api_token = load::from_env("API_TOKEN")?;
//! # Ok::<(), guardrail_secret::Error>(())
//! ```

use std::{
    ffi::OsString,
    fs::File,
    io::{self, Read},
    path::Path,
};

use secrecy::{SecretSlice, SecretString};
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Origin};

/// Reads a secret from the environment variable `name`.
///
/// Errors: [`Error::InvalidEnvName`], [`Error::EnvMissing`],
/// [`Error::Empty`], [`Error::NotUtf8`] (the rejected bytes are wiped).
/// The value is taken as it is: no trimming.
///
/// The process environment itself keeps its copy of the value (removing
/// it needs `unsafe` under edition 2024); prefer files for long-lived
/// secrets.
pub fn from_env(name: &str) -> Result<SecretString, Error> {
    if name.is_empty() || name.contains(['=', '\0']) {
        return Err(Error::InvalidEnvName { name: name.to_owned() });
    }
    from_env_value(name, std::env::var_os(name))
}

/// The checks of [`from_env`] on a value already read.
fn from_env_value(name: &str, value: Option<OsString>) -> Result<SecretString, Error> {
    let origin = || Origin::Env(name.to_owned());
    let value = value.ok_or_else(|| Error::EnvMissing { name: name.to_owned() })?;
    match value.into_string() {
        Ok(text) if text.is_empty() => Err(Error::Empty { origin: origin() }),
        Ok(text) => Ok(exact_secret_string(Zeroizing::new(text.into_bytes()), origin)?),
        Err(raw) => {
            wipe_os_string(raw);
            Err(Error::NotUtf8 { origin: origin() })
        }
    }
}

#[cfg(unix)]
fn wipe_os_string(raw: OsString) {
    use std::os::unix::ffi::OsStringExt;
    raw.into_vec().zeroize();
}

#[cfg(not(unix))]
fn wipe_os_string(raw: OsString) {
    // No portable way to reach the bytes; best effort is to drop them.
    drop(raw);
}

/// Reads a secret text file with the default [`FileLoader`]: a regular
/// file of at most 64 KiB, not readable by group or others, UTF-8, one
/// trailing newline (`\n` or `\r\n`) removed.
pub fn from_file(path: impl AsRef<Path>) -> Result<SecretString, Error> {
    FileLoader::new().load(path)
}

/// Loads secrets from files, with checks a careless deployment fails loudly.
///
/// The file is opened first and every check is made on the open handle
/// (no race between check and read). A FIFO is opened non-blocking, so a
/// path that names one is refused instead of hanging the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLoader {
    max_len: usize,
    allow_group_readable: bool,
}

impl Default for FileLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl FileLoader {
    /// The default size cap: 64 KiB.
    pub const DEFAULT_MAX_LEN: usize = 64 * 1024;

    /// A loader with the defaults: 64 KiB cap, owner-only permissions.
    #[must_use]
    pub const fn new() -> Self {
        Self { max_len: Self::DEFAULT_MAX_LEN, allow_group_readable: false }
    }

    /// Sets the size cap in bytes (before newline trimming).
    #[must_use]
    pub const fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Accepts files readable by their group (mode `0640`/`0440`), for
    /// platforms that hand secrets to a service through a dedicated group,
    /// such as Kubernetes volumes with `fsGroup` and `defaultMode: 0440`.
    /// Files readable by others are always refused.
    #[must_use]
    pub const fn allow_group_readable(mut self) -> Self {
        self.allow_group_readable = true;
        self
    }

    /// Loads a UTF-8 secret, removing one trailing `\n` or `\r\n`.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<SecretString, Error> {
        let path = path.as_ref();
        let bytes = self.read_checked(path)?;
        exact_secret_string(bytes, || Origin::File(path.to_owned()))
    }

    /// Loads a binary secret (a raw key), byte for byte: nothing is trimmed.
    pub fn load_bytes(&self, path: impl AsRef<Path>) -> Result<SecretSlice<u8>, Error> {
        let path = path.as_ref();
        let bytes = self.read_raw(path)?;
        if bytes.is_empty() {
            return Err(Error::Empty { origin: Origin::File(path.to_owned()) });
        }
        Ok(SecretSlice::from(exact_copy(&bytes)))
    }

    /// Reads the file and removes one trailing newline.
    fn read_checked(&self, path: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut bytes = self.read_raw(path)?;
        let newline = if bytes.ends_with(b"\r\n") { 2 } else { usize::from(bytes.ends_with(b"\n")) };
        let keep = bytes.len() - newline;
        // Truncating leaves the bytes in spare capacity; `Zeroizing` wipes
        // the whole capacity on drop.
        bytes.truncate(keep);
        if bytes.is_empty() {
            return Err(Error::Empty { origin: Origin::File(path.to_owned()) });
        }
        Ok(bytes)
    }

    fn read_raw(&self, path: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
        let io_err = |source| Error::Io { path: path.to_owned(), source };
        let file = open_nonblocking(path).map_err(io_err)?;
        let meta = file.metadata().map_err(io_err)?;
        if !meta.is_file() {
            return Err(Error::NotRegularFile { path: path.to_owned() });
        }
        self.check_permissions(path, &meta)?;
        let size_hint = usize::try_from(meta.len()).unwrap_or(usize::MAX);
        if size_hint > self.max_len {
            return Err(Error::TooLarge { path: path.to_owned(), max: self.max_len });
        }
        read_capped(file, size_hint, self.max_len).map_err(|e| match e {
            ReadError::TooLarge => Error::TooLarge { path: path.to_owned(), max: self.max_len },
            ReadError::Io(source) => io_err(source),
        })
    }

    #[cfg(unix)]
    fn check_permissions(&self, path: &Path, meta: &std::fs::Metadata) -> Result<(), Error> {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        let forbidden = if self.allow_group_readable { 0o004 } else { 0o044 };
        if mode & forbidden != 0 {
            return Err(Error::InsecurePermissions { path: path.to_owned(), mode });
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_permissions(&self, _path: &Path, _meta: &std::fs::Metadata) -> Result<(), Error> {
        // Windows ACLs are not inspected; see the crate's Security section.
        Ok(())
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

enum ReadError {
    TooLarge,
    Io(io::Error),
}

/// Reads at most `max` bytes into one buffer sized from the file's length,
/// so the secret is normally never reallocated. If the file grew since it
/// was measured, the buffer is grown by hand: the old one is wiped.
fn read_capped(mut file: File, size_hint: usize, max: usize) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    // One spare byte lets the read see end-of-file without growing.
    let mut buf = Zeroizing::new(vec![0u8; size_hint.min(max).saturating_add(1)]);
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            if filled > max {
                return Err(ReadError::TooLarge);
            }
            let bigger_len = filled.saturating_mul(2).min(max.saturating_add(1));
            let mut bigger = Zeroizing::new(Vec::with_capacity(bigger_len));
            bigger.extend_from_slice(&buf); // `buf` is full: `filled == buf.len()`
            bigger.resize(bigger_len, 0);
            buf = bigger; // the old buffer is wiped as it drops
        }
        let Some(spare) = buf.get_mut(filled..) else {
            break;
        };
        match file.read(spare) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
    if filled > max {
        return Err(ReadError::TooLarge);
    }
    buf.truncate(filled);
    Ok(buf)
}

/// A copy of `bytes` in a vector whose capacity is exactly its length, so
/// that converting it into a boxed secret does not reallocate (a
/// reallocation would free a copy without wiping it).
fn exact_copy(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes);
    out
}

/// Checks UTF-8 and moves the bytes into a [`SecretString`] with no copy
/// left behind: the source is wiped when it drops, the result is exact.
fn exact_secret_string(bytes: Zeroizing<Vec<u8>>, origin: impl Fn() -> Origin) -> Result<SecretString, Error> {
    if std::str::from_utf8(&bytes).is_err() {
        return Err(Error::NotUtf8 { origin: origin() });
    }
    match String::from_utf8(exact_copy(&bytes)) {
        Ok(text) => Ok(SecretString::from(text)),
        Err(e) => {
            // Unreachable (checked above), but never drop secret bytes unwiped.
            e.into_bytes().zeroize();
            Err(Error::NotUtf8 { origin: origin() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn env_value_checks() {
        let ok = from_env_value("X", Some(OsString::from("v"))).map(|s| s.expose_secret().to_owned());
        assert_eq!(ok.ok().as_deref(), Some("v"));
        assert!(matches!(from_env_value("X", None), Err(Error::EnvMissing { .. })));
        assert!(matches!(from_env_value("X", Some(OsString::new())), Err(Error::Empty { .. })));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let bad = OsString::from_vec(vec![0xff, 0xfe]);
            assert!(matches!(from_env_value("X", Some(bad)), Err(Error::NotUtf8 { .. })));
        }
    }

    #[test]
    fn env_names_are_checked_before_lookup() {
        for name in ["", "A=B", "A\0B"] {
            assert!(matches!(from_env(name), Err(Error::InvalidEnvName { .. })), "{name:?}");
        }
    }
}
