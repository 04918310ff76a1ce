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
//! so what a rotation writes is what the next load reads; and like the
//! loader (the same walk), a symlink owned by another user than this
//! process's and root, or held by a directory others may change (a link
//! planted in `/tmp` by someone else), is refused, never written through.
//!
//! Crashes and power loss: both modes write a temporary file with an
//! unpredictable name (`O_EXCL`, 0600) in the final directory, `fsync` it,
//! rename it into place and `fsync` the directory; a failed write removes
//! it. So the file is either the old one or the whole new one, a rotation
//! that returned `Ok` survives a power cut, and a temporary file left by a
//! killed process never blocks the next write.

use std::{
    io::{self, Write},
    path::{Path, PathBuf},
};

/// How [`write_private`] treats an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fail with [`io::ErrorKind::AlreadyExists`] if the file exists. The
    /// new file appears whole or not at all: written and synced under a
    /// temporary name, then linked into place without ever replacing a file.
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
/// Both modes write a temporary file first and give it its final name only
/// once it is complete and synced, so a crash or a failed write never
/// leaves a partial file under `path`:
///
/// - the temporary file is created in the directory the file ends up in
///   (the rename is atomic), with an unpredictable name
///   (`<name>.<random>.tmp-guardrail`), `O_CREAT | O_EXCL` and mode 0600,
///   so a temporary file left by a crash never blocks a later write, and
///   nothing planted under a guessed name is ever followed or reused;
/// - its content is `fsync`ed before the rename, and the directory is
///   `fsync`ed after it (unix), so after a power loss the file holds the new
///   content, never the old one or none;
/// - on any error the temporary file is removed.
///
/// A temporary file can only be left behind when the process dies between
/// creating and renaming it; it is owner-only, never read by guardrail, and
/// safe to delete.
///
/// # Errors
///
/// The operating system's, which name no part of `data`: among them
/// [`io::ErrorKind::AlreadyExists`] for [`Mode::CreateNew`] on an existing
/// path (a symlink included), [`io::ErrorKind::NotFound`] for
/// [`Mode::Replace`] through a symlink whose target is missing or into a
/// directory that does not exist, [`io::ErrorKind::InvalidInput`] for a
/// path with no file name (`/`, `dir/..`), and
/// [`io::ErrorKind::PermissionDenied`] for a symlink on the way (the final
/// one for [`Mode::Replace`], any before it for both modes) that belongs to
/// another user than this process's and root, or sits in a directory
/// others may change, as the loader refuses ([`crate::load`], check 2). An error from syncing the
/// directory says so: the file was then already in place, but its new name
/// may not survive a power loss.
pub fn write_private(path: impl AsRef<Path>, data: &[u8], mode: Mode) -> io::Result<()> {
    let given = path.as_ref();
    // Checked on the path as given: `dir/..` names no file, whatever it
    // resolves to.
    let given_name = given
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file"))?;
    let path = match mode {
        // The final component is never followed: a link, even a dangling
        // one, is a name that exists, and the final no-clobber rename
        // refuses it. Symlinks on the way to its directory are checked.
        Mode::CreateNew => {
            let parent = match given.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            resolve_checked(parent)?.join(given_name)
        }
        Mode::Replace => resolve_checked(given)?,
    };
    if mode == Mode::CreateNew && std::fs::symlink_metadata(&path).is_ok() {
        // Early answer only; the no-clobber rename below is what decides.
        return Err(io::Error::from(io::ErrorKind::AlreadyExists));
    }
    let name =
        path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file"))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut prefix = name.to_os_string();
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp-guardrail").rand_bytes(12);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    // From here on, dropping `temp` (any `?` below) deletes the temporary
    // file; only a successful persist keeps it, under its final name.
    let mut temp = builder.tempfile_in(dir)?;
    temp.as_file_mut().write_all(data)?;
    temp.as_file().sync_all()?;
    match mode {
        Mode::CreateNew => temp.persist_noclobber(&path),
        Mode::Replace => temp.persist(&path),
    }
    .map_err(|e| e.error)?; // `e.file` is dropped, so the temporary file is removed
    sync_dir(dir)
}

/// `fsync`s `dir`, so a rename or create in it survives a power loss.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io::Error::new(e.kind(), format!("the file was written, but syncing its directory failed: {e}")))
}

/// Not done off unix: Windows has no `fsync` of a directory.
#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps)] // same signature as the unix version
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// An exclusive advisory lock held for a read-modify-write of a secret file
/// (load, change, [`write_private`] with [`Mode::Replace`]); released when
/// dropped. See [`lock_for_update`].
#[derive(Debug)]
#[must_use = "the lock is released as soon as this is dropped"]
pub struct UpdateLock {
    #[cfg(unix)]
    _dir: std::fs::File,
}

/// Waits for, then takes, an exclusive advisory lock (`flock(2)`) on the
/// directory of the file `path` resolves to (through symlinks, like
/// [`Mode::Replace`]), so that two cooperating processes updating the same
/// file one after the other each see the other's change: without it, two
/// `keyring rotate` at once both read the old file and the second rename
/// drops the first one's new key.
///
/// The directory is locked rather than the file because a replace renames a
/// new file over the old one: a lock on the old file would not stop a
/// process that opens the new one. Advisory only: it orders the writers
/// that take it (the `guardrail` CLI does), not others; on filesystems
/// without `flock` on directories (NFS) it fails rather than pretending.
/// Not done off unix (the lock is then empty).
///
/// # Errors
///
/// The operating system's: the directory cannot be opened (among them
/// [`io::ErrorKind::NotFound`]) or locked, [`io::ErrorKind::NotFound`]
/// for a symlink whose target is missing, and
/// [`io::ErrorKind::PermissionDenied`] for an untrusted symlink on the way,
/// as [`write_private`].
pub fn lock_for_update(path: impl AsRef<Path>) -> io::Result<UpdateLock> {
    let path = resolve_checked(path.as_ref())?;
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let dir = std::fs::File::open(dir)?;
        rustix::fs::flock(&dir, rustix::fs::FlockOperation::LockExclusive)?;
        Ok(UpdateLock { _dir: dir })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(UpdateLock {})
    }
}

/// The file [`Mode::Replace`] replaces and [`lock_for_update`] locks:
/// `path` with every symlink resolved (so the temporary file lands in the
/// target's directory and the rename replaces the target, not the link),
/// by the loader's walk ([`crate::load`]), which refuses a symlink owned by
/// another user than this process's and root, or held by a directory
/// others may change. Such a refusal is [`io::ErrorKind::PermissionDenied`]
/// with the loader's message.
fn resolve_checked(path: &Path) -> io::Result<PathBuf> {
    crate::walk::resolve(path, crate::walk::Walk::Write).map_err(|e| match e {
        crate::Error::Io { source, .. } => source,
        other => io::Error::new(io::ErrorKind::PermissionDenied, other.to_string()),
    })
}

/// The load module's tests make their files the same way.
#[cfg(test)]
pub(crate) use tests::in_tempdir;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // test code (skips are printed)

    use std::ffi::OsString;

    use guardrail_testkit::names_in;

    use super::*;

    #[test]
    fn creates_owner_only_and_never_overwrites() {
        let (_dir, path) = in_tempdir("k.json");
        write_private(&path, b"one", Mode::CreateNew).unwrap();
        let err = write_private(&path, b"two", Mode::CreateNew).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        #[cfg(unix)]
        assert_eq!(mode_of(&path), 0o600);
        // What the loader accepts back.
        let loaded = crate::load::from_file(&path).unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&loaded), "one");
    }

    #[test]
    fn replace_is_atomic_and_leaves_no_temporary() {
        let (dir, path) = in_tempdir("k.json");
        write_private(&path, b"one", Mode::CreateNew).unwrap();
        write_private(&path, b"two", Mode::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(names_in(dir.path()).unwrap(), vec![OsString::from("k.json")]);
        #[cfg(unix)]
        assert_eq!(mode_of(&path), 0o600);
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
        let links = tempfile::tempdir().unwrap();
        let (real, target) = in_tempdir("k.json");
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
        assert_eq!(mode_of(&target), 0o600);
        let in_links = names_in(links.path()).unwrap();
        assert_eq!(in_links.len(), 2, "no temporary beside the links: {in_links:?}");
        assert_eq!(names_in(real.path()).unwrap(), vec![OsString::from("k.json")]);
        let loaded = crate::load::from_file(&link).unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&loaded), "two");
    }

    #[cfg(unix)]
    #[test]
    fn replace_through_a_dangling_symlink_fails_and_keeps_the_link() {
        let (dir, link) = in_tempdir("k.json");
        std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
        let err = write_private(&link, b"x", Mode::Replace).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("symlink"), "{err}");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(!dir.path().join("gone").exists());
    }

    #[test]
    fn create_new_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        write_private(dir.path().join("k.json"), b"one", Mode::CreateNew).unwrap();
        assert_eq!(names_in(dir.path()).unwrap(), vec![OsString::from("k.json")]);
    }

    /// A crash of an earlier version left `<file>.tmp-guardrail` behind
    /// (and blocked every later rotation with "File exists"); a crash of
    /// this one may leave `<file>.<random>.tmp-guardrail`. Neither blocks a
    /// write, and neither is followed when it is a symlink.
    #[test]
    fn a_stale_temporary_never_blocks_a_write() {
        let (dir, path) = in_tempdir("k.json");
        write_private(&path, b"one", Mode::CreateNew).unwrap();
        let stale_fixed = dir.path().join("k.json.tmp-guardrail");
        let stale_random = dir.path().join("k.json.AAAAAAAAAAAA.tmp-guardrail");
        std::fs::write(&stale_fixed, b"half a keyring").unwrap();
        std::fs::write(&stale_random, b"half a keyring").unwrap();
        write_private(&path, b"two", Mode::Replace).unwrap();
        write_private(&path, b"three", Mode::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        let other = dir.path().join("other.json");
        std::fs::write(dir.path().join("other.json.tmp-guardrail"), b"stale").unwrap();
        write_private(&other, b"new", Mode::CreateNew).unwrap();
        assert_eq!(std::fs::read(&other).unwrap(), b"new");
        // Nothing else was created, and the stale files are left as they were.
        assert_eq!(names_in(dir.path()).unwrap().len(), 5, "{:?}", names_in(dir.path()).unwrap());
        assert_eq!(std::fs::read(&stale_fixed).unwrap(), b"half a keyring");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_planted_under_the_old_temporary_name_is_not_followed() {
        let (dir, path) = in_tempdir("k.json");
        let (_outside, victim) = in_tempdir("victim");
        std::fs::write(&victim, b"untouched").unwrap();
        write_private(&path, b"one", Mode::CreateNew).unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("k.json.tmp-guardrail")).unwrap();
        write_private(&path, b"two", Mode::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read(&victim).unwrap(), b"untouched");
    }

    /// The rename fails (the target is a directory): the temporary file,
    /// already written and synced, is removed and the error comes back.
    #[test]
    fn a_failed_replace_leaves_no_temporary() {
        let (dir, path) = in_tempdir("k.json");
        std::fs::create_dir(&path).unwrap();
        assert!(write_private(&path, b"secret bytes", Mode::Replace).is_err());
        assert_eq!(names_in(dir.path()).unwrap(), vec![OsString::from("k.json")]);
        assert!(path.is_dir());
    }

    /// A file others could read is replaced by an owner-only one: the new
    /// file never inherits the old one's mode.
    #[cfg(unix)]
    #[test]
    fn replace_makes_a_loose_file_owner_only() {
        let (dir, path) = in_tempdir("k.json");
        std::fs::write(&path, b"old").unwrap();
        chmod(&path, 0o644);
        write_private(&path, b"new", Mode::Replace).unwrap();
        assert_eq!(mode_of(&path), 0o600);
        // Replace of a file that did not exist creates it owner-only too.
        let fresh = dir.path().join("fresh.json");
        write_private(&fresh, b"new", Mode::Replace).unwrap();
        assert_eq!(mode_of(&fresh), 0o600);
    }

    #[test]
    fn a_path_without_a_file_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        for path in [sub.join(".."), PathBuf::new()] {
            let err = write_private(&path, b"x", Mode::Replace).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{}: {err}", path.display());
        }
        assert_eq!(
            write_private(sub.join(".."), b"x", Mode::CreateNew).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        assert_eq!(names_in(dir.path()).unwrap(), vec![OsString::from("sub")]);
        assert!(names_in(&sub).unwrap().is_empty());
    }

    /// A second lock on the same file waits until the first is dropped,
    /// whether it is taken through the file or through a symlink to it.
    #[cfg(unix)]
    #[test]
    fn update_locks_on_one_file_exclude_each_other() {
        use std::sync::mpsc;
        let real = tempfile::tempdir().unwrap();
        let links = tempfile::tempdir().unwrap();
        let path = real.path().join("k.json");
        write_private(&path, b"one", Mode::CreateNew).unwrap();
        let link = links.path().join("k.json");
        std::os::unix::fs::symlink(&path, &link).unwrap();

        let first = lock_for_update(&path).unwrap();
        let (tx, rx) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let second = lock_for_update(&link).unwrap();
            tx.send(()).unwrap();
            drop(second);
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(300)).is_err(),
            "a second lock was granted while the first was held"
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the second lock after the first was dropped");
        waiter.join().unwrap();
        // Other files' directories are not locked.
        let other = tempfile::tempdir().unwrap();
        let _held = lock_for_update(&path).unwrap();
        drop(lock_for_update(other.path().join("k.json")).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn update_lock_errors() {
        let (dir, link) = in_tempdir("k.json");
        std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
        assert_eq!(lock_for_update(&link).unwrap_err().kind(), io::ErrorKind::NotFound);
        let missing = dir.path().join("missing").join("k.json");
        assert_eq!(lock_for_update(missing).unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    /// The writers walk the path like the loader: a symlink owned by
    /// another user, or held by a directory others may change, is never
    /// followed, by [`Mode::Replace`], [`Mode::CreateNew`] (links on the way
    /// to its directory) or [`lock_for_update`]; the target is left alone.
    #[cfg(unix)]
    #[test]
    fn writers_refuse_untrusted_symlinks() {
        use std::os::unix::fs::{lchown, symlink};
        let top = tempfile::tempdir().unwrap();
        let victim_dir = top.path().join("victim");
        std::fs::create_dir(&victim_dir).unwrap();
        let victim = victim_dir.join("prod.json");
        write_private(&victim, b"victim", Mode::CreateNew).unwrap();
        let st = top.path().join("st");
        std::fs::create_dir(&st).unwrap();
        let link = st.join("app.json");
        symlink(&victim, &link).unwrap();
        let dir_link = top.path().join("st-dir");
        symlink(&victim_dir, &dir_link).unwrap();

        // Our link, in a directory others may write (not sticky).
        chmod(&st, 0o777);
        let refused = |e: io::Error| {
            assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
            e.to_string()
        };
        let msg = refused(write_private(&link, b"attacker", Mode::Replace).unwrap_err());
        assert!(msg.contains("0777"), "{msg}");
        refused(lock_for_update(&link).unwrap_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"victim");
        // Sticky: our own link is written through.
        chmod(&st, 0o1777);
        write_private(&link, b"two", Mode::Replace).unwrap();
        drop(lock_for_update(&link).unwrap());
        assert_eq!(std::fs::read(&victim).unwrap(), b"two");

        if rustix::process::geteuid().as_raw() != 0 {
            println!("skipped: giving a symlink to another user needs root");
            return;
        }
        lchown(&link, Some(65534), Some(65534)).unwrap();
        lchown(&dir_link, Some(65534), Some(65534)).unwrap();
        let msg = refused(write_private(&link, b"attacker", Mode::Replace).unwrap_err());
        assert!(msg.contains("uid 65534") && msg.contains("symlink"), "{msg}");
        refused(lock_for_update(&link).unwrap_err());
        refused(write_private(dir_link.join("prod.json"), b"attacker", Mode::Replace).unwrap_err());
        refused(write_private(dir_link.join("new.json"), b"attacker", Mode::CreateNew).unwrap_err());
        refused(lock_for_update(dir_link.join("prod.json")).unwrap_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"two");
        assert_eq!(names_in(&victim_dir).unwrap(), vec![OsString::from("prod.json")]);
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is left as it was");
    }

    #[test]
    fn replace_into_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("k.json");
        assert_eq!(write_private(&path, b"x", Mode::Replace).unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    /// A new temporary directory and the path of `name` in it (nothing is
    /// created there); the directory is removed when the guard drops.
    pub(crate) fn in_tempdir(name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        (dir, path)
    }

    /// The permission bits of `path`.
    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// Sets the permission bits of `path` (a file or a directory).
    #[cfg(unix)]
    fn chmod(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}
