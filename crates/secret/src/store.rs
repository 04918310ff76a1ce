//! Writing secrets to files readable by their owner only — the other half
//! of [`crate::load::FileLoader`], which refuses group- or other-readable
//! files.
//!
//! ```
//! use guardrail_secret::store::{Mode, write_private};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("key");
//! write_private(&path, b"not a real key", Mode::CreateNew).unwrap();
//! assert!(write_private(&path, b"again", Mode::CreateNew).is_err()); // never overwrites
//! write_private(&path, b"rotated", Mode::Replace).unwrap();        // atomic replace
//! # assert_eq!(std::fs::read(&path).unwrap(), b"rotated");
//! ```
//!
//! Symlinks: [`Mode::CreateNew`] never follows one (a path that is a
//! symlink, even a dangling one, already exists). [`Mode::Replace`] writes
//! *through* a symlink: the file it points to is replaced, atomically, by a
//! temporary file made in that file's own directory, and the link is left
//! as it was; a link whose target is missing is an error, never replaced by
//! a regular file. This matches the loader, which reads through symlinks,
//! so what a rotation writes is what the next load reads.

use std::{
    ffi::OsString,
    fs::OpenOptions,
    io::{self, Write},
    path::{Path, PathBuf},
};

/// How [`write_private`] treats an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fail with [`io::ErrorKind::AlreadyExists`] if the file exists.
    CreateNew,
    /// Replace the file atomically: a new owner-only file beside it, synced,
    /// then renamed over the old one (readers see the old or the new
    /// content, never a mix). Through a symlink, the file it points to is
    /// replaced and the link kept.
    Replace,
}

/// Writes `data` to `path` with mode 0600 on unix (the file is created
/// with that mode, never widened afterwards), synced to disk.
///
/// # Errors
///
/// The operating system's, which name no part of `data`: among them
/// [`io::ErrorKind::AlreadyExists`] for [`Mode::CreateNew`] on an existing
/// path (a symlink included), and [`io::ErrorKind::NotFound`] for
/// [`Mode::Replace`] through a symlink whose target is missing.
pub fn write_private(path: impl AsRef<Path>, data: &[u8], mode: Mode) -> io::Result<()> {
    let given = path.as_ref();
    let resolved;
    let path = match mode {
        Mode::CreateNew => given,
        Mode::Replace => {
            resolved = replace_target(given)?;
            resolved.as_path()
        }
    };
    let target = match mode {
        Mode::CreateNew => path.to_path_buf(),
        Mode::Replace => sibling_temp(path),
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = options.open(&target).and_then(|mut file| {
        file.write_all(data)?;
        file.sync_all()
    });
    match (mode, result) {
        (Mode::CreateNew, result) => result,
        (Mode::Replace, Ok(())) => std::fs::rename(&target, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&target);
        }),
        (Mode::Replace, Err(e)) => {
            if e.kind() != io::ErrorKind::AlreadyExists {
                let _ = std::fs::remove_file(&target);
            }
            Err(e)
        }
    }
}

/// The file [`Mode::Replace`] replaces: `path` itself, or, when `path` is a
/// symlink, the file it resolves to (so the temporary file lands in the
/// target's directory and the rename replaces the target, not the link).
fn replace_target(path: &Path) -> io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                io::Error::new(io::ErrorKind::NotFound, "the symlink points to a file that does not exist")
            } else {
                e
            }
        }),
        _ => Ok(path.to_path_buf()),
    }
}

/// `<path>.tmp-guardrail`: in the same directory, so the rename is atomic.
fn sibling_temp(path: &Path) -> PathBuf {
    let mut name = path.file_name().map_or_else(OsString::new, OsString::from);
    name.push(".tmp-guardrail");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    #[test]
    fn creates_owner_only_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        write_private(&path, b"one", Mode::CreateNew).unwrap();
        let err = write_private(&path, b"two", Mode::CreateNew).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // What the loader accepts back.
        let loaded = crate::load::from_file(&path).unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&loaded), "one");
    }

    #[test]
    fn replace_is_atomic_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        write_private(&path, b"one", Mode::CreateNew).unwrap();
        write_private(&path, b"two", Mode::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![OsString::from("k.json")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn create_new_never_follows_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        let link = dir.path().join("k.json");
        std::os::unix::fs::symlink(&target, &link).unwrap(); // dangling
        assert_eq!(write_private(&link, b"x", Mode::CreateNew).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        assert!(!target.exists(), "nothing was created through the link");
        std::fs::write(&target, b"old").unwrap();
        assert_eq!(write_private(&link, b"x", Mode::CreateNew).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
    }

    #[cfg(unix)]
    #[test]
    fn replace_writes_through_a_symlink_into_the_targets_directory() {
        use std::os::unix::fs::PermissionsExt;
        let links = tempfile::tempdir().unwrap();
        let real = tempfile::tempdir().unwrap();
        let target = real.path().join("k.json");
        write_private(&target, b"one", Mode::CreateNew).unwrap();
        let link = links.path().join("current.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        // A chain of two links resolves the same way.
        let link2 = links.path().join("alias.json");
        std::os::unix::fs::symlink(&link, &link2).unwrap();

        write_private(&link2, b"two", Mode::Replace).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is kept");
        assert!(std::fs::symlink_metadata(&link2).unwrap().file_type().is_symlink(), "the link is kept");
        assert_eq!(std::fs::read(&target).unwrap(), b"two", "the target got the new content");
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
        let in_links: Vec<_> = std::fs::read_dir(links.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(in_links.len(), 2, "no temporary beside the links: {in_links:?}");
        let in_real: Vec<_> = std::fs::read_dir(real.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(in_real, vec![OsString::from("k.json")]);
        let loaded = crate::load::from_file(&link).unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&loaded), "two");
    }

    #[cfg(unix)]
    #[test]
    fn replace_through_a_dangling_symlink_fails_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("k.json");
        std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
        let err = write_private(&link, b"x", Mode::Replace).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("symlink"), "{err}");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(!dir.path().join("gone").exists());
    }

    #[test]
    fn replace_into_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("k.json");
        assert_eq!(write_private(&path, b"x", Mode::Replace).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
