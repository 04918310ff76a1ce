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
    /// content, never a mix).
    Replace,
}

/// Writes `data` to `path` with mode 0600 on unix (the file is created
/// with that mode, never widened afterwards), synced to disk.
///
/// Errors are the operating system's; they name no part of `data`.
pub fn write_private(path: impl AsRef<Path>, data: &[u8], mode: Mode) -> io::Result<()> {
    let path = path.as_ref();
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

    #[test]
    fn replace_into_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("k.json");
        assert_eq!(write_private(&path, b"x", Mode::Replace).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
