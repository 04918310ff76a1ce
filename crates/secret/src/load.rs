//! Loading secrets from the environment and from files.
//!
//! Secrets do not belong in source, in argv (visible in `ps`) or in logs.
//! These loaders read them from the two places deployments put them, check
//! the file the way `ssh` checks a private key, and leave no copy of the
//! value in memory this crate frees.
//!
//! # What a secret file must pass (unix)
//!
//! [`FileLoader`] walks the path as given, component by component, the
//! way the kernel resolves it (every symlink followed, so Kubernetes'
//! `..data` links keep working), then opens what it resolved to:
//!
//! 1. every directory a name is looked up in — from `/` (or, for a relative
//!    path, from the root above the working directory) down to the one
//!    holding the real file, and every directory holding a symlink met on
//!    the way — must belong to this process's effective user or to root,
//!    and must not be writable by group or others unless it has the sticky
//!    bit (like `/tmp`, where others may add names but cannot rename or
//!    remove ours): whoever can write a directory can swap the file in it,
//!    so this is what makes the path stable from the check to the open;
//! 2. every symlink met (the file's own, one standing for a directory on
//!    the way, one inside another link's target) must belong to this
//!    process's effective user or to root. In a sticky directory such as
//!    `/tmp`, anyone may create a link, so a link planted there by another
//!    user would choose the file this process reads (or, through
//!    [`crate::store`], overwrites); `fs.protected_symlinks` stops that only
//!    where it is on. Ours or root's in a sticky directory is fine. The
//!    same walk resolves [`crate::store::write_private`]'s target and
//!    [`crate::store::lock_for_update`]'s directory;
//! 3. the real file is opened with `O_NOFOLLOW` (a symlink put in its place
//!    after the resolution is refused, not followed) and `O_NONBLOCK`, and
//!    every check below is made on the open descriptor (`fstat`), so the
//!    file checked is the file read;
//! 4. it must be a regular file;
//! 5. it must belong to this process's effective user, or to root (root can
//!    replace any file anyway, so trusting it adds no one; root-owned is
//!    what Kubernetes, Docker and systemd credentials hand out), as `ssh`
//!    and `sshd`'s `StrictModes` decide;
//! 6. neither group nor others may read or write it (any of `0o066`);
//!    [`FileLoader::allow_group_readable`] lets the group read, never
//!    write, and [`FileLoader::allow_others_to_read`] lets everyone read
//!    (for files that hold no secret but must not be changed by anyone
//!    else, such as a configuration file), never write;
//! 7. it must have one name (`st_nlink` 1). OpenSSH does not check this;
//!    guardrail does because a hard link passes every check above: another
//!    user who can see a root-owned 0600 file can (with
//!    `fs.protected_hardlinks` off) give it a second name in a sticky
//!    directory, and a root process told to load that name would take the
//!    other file's secret as its own. Secret files handed out by
//!    Kubernetes, Docker, systemd credentials and [`crate::store`] have one
//!    name; a file with two is refused ([`Error::HardLinked`]): copy it.
//!
//! Each refusal is its own [`Error`] variant naming the path and the mode
//! or owner, never the contents. [`FileLoader::open`] runs the same checks
//! for callers that read the file themselves (a keyring parser, a database).
//!
//! ```no_run
//! use guardrail_secret::load;
//! let db_password = load::from_file("/run/secrets/db_password")?;
//! let api_token = load::from_env("API_TOKEN")?;
//! # Ok::<(), guardrail_secret::Error>(())
//! ```

use std::{ffi::OsString, fs::File, io, path::Path};

use secrecy::{SecretSlice, SecretString};
use zeroize::{Zeroize, Zeroizing};

use crate::{
    Error, Origin,
    walk::{Walk, resolve},
};

/// Reads a secret from the environment variable `name`.
///
/// The value is taken as it is: no trimming.
///
/// The process environment itself keeps its copy of the value (removing
/// it needs `unsafe` under edition 2024); prefer files for long-lived
/// secrets.
///
/// # Errors
///
/// [`Error::InvalidEnvName`], [`Error::EnvMissing`], [`Error::Empty`],
/// [`Error::NotUtf8`] (the rejected bytes are wiped).
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
/// file of at most 64 KiB, owned by this process's user (or root), neither
/// readable nor writable by group or others, in directories only its owner
/// (or root) can change, UTF-8, one trailing newline (`\n` or `\r\n`)
/// removed.
///
/// # Errors
///
/// See [`FileLoader::load`].
pub fn from_file(path: impl AsRef<Path>) -> Result<SecretString, Error> {
    FileLoader::new().load(path)
}

/// Loads secrets from files, with checks a careless deployment fails loudly.
///
/// The file is opened first and every check is made on the open handle
/// (no race between check and read); the [module docs](self) list the
/// checks. A FIFO is opened non-blocking, so a path that names one is
/// refused instead of hanging the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLoader {
    max_len: usize,
    allow_group_readable: bool,
    allow_others_to_read: bool,
}

impl Default for FileLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl FileLoader {
    /// The default size cap, in bytes: 64 KiB.
    pub const DEFAULT_MAX_LEN: usize = 64 * 1024;

    /// A loader with the defaults: 64 KiB cap, owner-only permissions.
    #[must_use]
    pub const fn new() -> Self {
        Self { max_len: Self::DEFAULT_MAX_LEN, allow_group_readable: false, allow_others_to_read: false }
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
    /// Files readable by others, and files writable by anyone but their
    /// owner, are always refused.
    #[must_use]
    pub const fn allow_group_readable(mut self) -> Self {
        self.allow_group_readable = true;
        self
    }

    /// Accepts files that group and others may read (mode `0644`), for
    /// files that hold **no secret** but whose contents must come from
    /// their owner alone: a configuration file that says where the keys
    /// are and how strong the password hashes are, for instance. Every
    /// other check stays: a file group or others may write, one owned by
    /// another user than this process's (root excepted), one in a
    /// directory others may change, and a symlink swapped in after the
    /// path was resolved are refused. Never use it for a secret.
    #[must_use]
    pub const fn allow_others_to_read(mut self) -> Self {
        self.allow_others_to_read = true;
        self
    }

    /// Loads a UTF-8 secret, removing one trailing `\n` or `\r\n`.
    ///
    /// # Errors
    ///
    /// The checks of [`FileLoader::open`], then [`Error::TooLarge`],
    /// [`Error::Empty`], [`Error::NotUtf8`] or [`Error::Io`].
    pub fn load(&self, path: impl AsRef<Path>) -> Result<SecretString, Error> {
        let path = path.as_ref();
        let bytes = self.read_checked(path)?;
        exact_secret_string(bytes, || Origin::File(path.to_owned()))
    }

    /// Loads a binary secret (a raw key), byte for byte: nothing is trimmed.
    ///
    /// # Errors
    ///
    /// As [`FileLoader::load`], except that any bytes are accepted.
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

    /// Opens `path` for reading after every check of this loader (the
    /// [module docs](self) list them), without reading it: for callers that
    /// parse the file themselves. The checks are made on the returned
    /// handle, so what the caller reads from it is the file that passed.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] (missing, unreadable, a symlink loop, or its final
    /// component turned into a symlink after the path was resolved),
    /// [`Error::NotRegularFile`], [`Error::InsecureDirectory`],
    /// [`Error::ForeignOwner`], [`Error::UntrustedSymlink`],
    /// [`Error::InsecurePermissions`] or [`Error::HardLinked`].
    pub fn open(&self, path: impl AsRef<Path>) -> Result<File, Error> {
        self.open_checked(path.as_ref()).map(|(file, _)| file)
    }

    fn open_checked(&self, path: &Path) -> Result<(File, std::fs::Metadata), Error> {
        let io_err = |source| Error::Io { path: path.to_owned(), source };
        // Every symlink resolved once; from here on, only the real path is
        // used, and its final component is opened without following links.
        let real = resolve(path, Walk::Load)?;
        let file = open_nofollow(&real).map_err(io_err)?;
        let meta = file.metadata().map_err(io_err)?;
        if !meta.is_file() {
            return Err(Error::NotRegularFile { path: path.to_owned() });
        }
        self.check_permissions(path, &meta)?;
        Ok((file, meta))
    }

    fn read_raw(&self, path: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
        let io_err = |source| Error::Io { path: path.to_owned(), source };
        let (file, meta) = self.open_checked(path)?;
        let size_hint = usize::try_from(meta.len()).unwrap_or(usize::MAX);
        if size_hint > self.max_len {
            return Err(Error::TooLarge { path: path.to_owned(), max: self.max_len });
        }
        // The one bounded read of the workspace (at most `max_len + 1`
        // bytes); its errors are named after the file here.
        crate::read::to_end_sized(file, size_hint, self.max_len).map_err(|e| match e {
            Error::Read(source) => io_err(source),
            _ => Error::TooLarge { path: path.to_owned(), max: self.max_len },
        })
    }

    /// Owner and mode of the open file (its `fstat`).
    #[cfg(unix)]
    fn check_permissions(&self, path: &Path, meta: &std::fs::Metadata) -> Result<(), Error> {
        use std::os::unix::fs::MetadataExt;
        let euid = rustix::process::geteuid().as_raw();
        if !crate::walk::owner_trusted(meta.uid(), euid) {
            return Err(Error::ForeignOwner { path: path.to_owned(), owned: path.to_owned(), owner: meta.uid(), euid });
        }
        let mode = meta.mode() & 0o7777;
        if mode & self.forbidden_mode_bits() != 0 {
            return Err(Error::InsecurePermissions { path: path.to_owned(), mode });
        }
        // One name only: see the module docs (check 6).
        if meta.nlink() > 1 {
            return Err(Error::HardLinked { path: path.to_owned(), links: meta.nlink() });
        }
        Ok(())
    }

    /// The permission bits refused on the file: write for group and
    /// others always, read as this loader allows. Execute bits grant no
    /// access to the contents and are left alone.
    #[cfg_attr(not(unix), allow(dead_code))] // unix only: no mode bits elsewhere
    const fn forbidden_mode_bits(&self) -> u32 {
        if self.allow_others_to_read {
            0o022
        } else if self.allow_group_readable {
            0o026
        } else {
            0o066
        }
    }

    #[cfg(not(unix))]
    fn check_permissions(&self, _path: &Path, _meta: &std::fs::Metadata) -> Result<(), Error> {
        // Windows ACLs are not inspected; see the crate's Security section.
        Ok(())
    }
}

/// Opens for reading without following a final symlink, without blocking
/// on a FIFO and without becoming a controlling terminal.
#[cfg(unix)]
fn open_nofollow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_NOFOLLOW).open(path)
}

#[cfg(not(unix))]
fn open_nofollow(path: &Path) -> io::Result<File> {
    File::open(path)
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
    #![allow(clippy::unwrap_used)] // test code

    use super::*;
    use crate::walk::{directory_mode_safe, owner_trusted};
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
    fn owners_modes_and_directories_decided_like_openssh() {
        // (owner, euid, trusted)
        for (owner, euid, ok) in
            [(1000, 1000, true), (0, 1000, true), (0, 0, true), (65534, 1000, false), (1000, 0, false)]
        {
            assert_eq!(owner_trusted(owner, euid), ok, "owner {owner} euid {euid}");
        }
        // (mode, group may read, refused bits)
        for (mode, group, bad) in [
            (0o600, false, 0),
            (0o400, false, 0),
            (0o700, false, 0),
            (0o711, false, 0),
            (0o622, false, 0o022),
            (0o602, false, 0o002),
            (0o620, false, 0o020),
            (0o640, false, 0o040),
            (0o604, false, 0o004),
            (0o660, false, 0o060),
            (0o666, false, 0o066),
            (0o640, true, 0),
            (0o440, true, 0),
            (0o660, true, 0o020),
            (0o644, true, 0o004),
        ] {
            let loader = if group { FileLoader::new().allow_group_readable() } else { FileLoader::new() };
            assert_eq!(mode & loader.forbidden_mode_bits(), bad, "mode {mode:o} group-readable {group}");
        }
        // Files others may read but no one else may write (no secret in them).
        let public = FileLoader::new().allow_others_to_read();
        for (mode, bad) in [
            (0o600, 0),
            (0o644, 0),
            (0o444, 0),
            (0o640, 0),
            (0o755, 0),
            (0o664, 0o020),
            (0o646, 0o002),
            (0o622, 0o022),
            (0o666, 0o022),
        ] {
            assert_eq!(mode & public.forbidden_mode_bits(), bad, "mode {mode:o} others may read");
        }
        assert_eq!(public.allow_group_readable().forbidden_mode_bits(), 0o022, "the wider option wins");
        for (mode, ok) in [
            (0o700, true),
            (0o755, true),
            (0o711, true),
            (0o1777, true),
            (0o3775, true),
            (0o777, false),
            (0o775, false),
            (0o757, false),
            (0o2775, false),
        ] {
            assert_eq!(directory_mode_safe(mode), ok, "directory mode {mode:o}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_final_symlink_is_not_followed_after_resolution() {
        // What a symlink swapped in between `canonicalize` and the open
        // meets: `O_NOFOLLOW` refuses it.
        let (dir, target) = crate::store::in_tempdir("real");
        std::fs::write(&target, b"s").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_nofollow(&target).is_ok());
        let err = open_nofollow(&link).unwrap_err();
        // Linux says ELOOP; FreeBSD says EMLINK.
        assert!(matches!(err.raw_os_error(), Some(libc::ELOOP | libc::EMLINK)), "{err}");
    }

    #[test]
    fn env_names_are_checked_before_lookup() {
        for name in ["", "A=B", "A\0B"] {
            assert!(matches!(from_env(name), Err(Error::InvalidEnvName { .. })), "{name:?}");
        }
    }
}
