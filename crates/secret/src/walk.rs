//! The one path walk of the crate: resolves a path component by component
//! as the kernel does and checks every directory and symlink on the way
//! (see [`crate::load`]'s module docs for the rules). The loader, the
//! writer's replace target and the update lock all use it.

#[cfg(unix)]
use std::ffi::OsString;
use std::{io, path::Path};

use crate::Error;

/// Whether a file or directory owned by `owner` may hold or lead to a
/// secret of a process running as `euid`: its own, or root's (root can
/// replace any file anyway, so trusting it adds no one).
pub(crate) const fn owner_trusted(owner: u32, euid: u32) -> bool {
    owner == euid || owner == 0
}

/// Whether a directory with these permission bits keeps its entries
/// stable: not writable by group or others, or sticky (others may add
/// names to a sticky directory such as `/tmp`, but not rename or remove
/// someone else's).
pub(crate) const fn directory_mode_safe(mode: u32) -> bool {
    mode & 0o022 == 0 || mode & 0o1000 != 0
}

/// How [`resolve`] treats the directories it walks through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walk {
    /// The loader's walk: every directory a name is looked up in must be
    /// safe ([`check_directory`]), and the final component must exist.
    Load,
    /// The writers' walk ([`crate::store`]): only directories that hold a
    /// symlink met on the way are checked (the link's owner always is),
    /// and a missing final component named by the path itself (not by a
    /// link's target) is allowed: it is the file about to be created.
    Write,
}

/// The most symlinks one resolution follows (Linux's own limit).
const MAX_SYMLINKS: usize = 40;

/// Resolves `path` component by component, as the kernel would, and
/// checks every symlink it meets on the way (the final one, intermediate
/// ones, and those inside a link's target): a link must belong to this
/// process's effective user or to root, and the directory holding it must
/// pass [`check_directory`] (a link in a sticky directory such as `/tmp`
/// is fine only when it is ours or root's: one planted there by another
/// user is exactly the attack). Returns the path with every symlink
/// resolved, absolute. The one walk of the crate: the loader, the
/// writer's replace target and the update lock all use it.
///
/// `path` is the path as given, for errors.
#[cfg(unix)]
pub(crate) fn resolve(path: &Path, walk: Walk) -> Result<std::path::PathBuf, Error> {
    use std::{os::unix::fs::MetadataExt, path::Component};
    let euid = rustix::process::geteuid().as_raw();
    let io_err = |source| Error::Io { path: path.to_owned(), source };
    let start = if path.is_absolute() {
        path.to_path_buf()
    } else {
        // The working directory, as the kernel reports it, has no symlinks;
        // walking it checks its directories.
        std::env::current_dir().map_err(io_err)?.join(path)
    };
    // Components still to walk, last first; `true` for those that come
    // from a symlink's target.
    let mut todo: Vec<(OsString, bool)> =
        start.components().rev().map(|c| (c.as_os_str().to_os_string(), false)).collect();
    let mut cur = std::path::PathBuf::from("/");
    let mut cur_meta = std::fs::symlink_metadata(&cur).map_err(io_err)?;
    let mut followed = 0;
    while let Some((name, from_link)) = todo.pop() {
        match Path::new(&name).components().next() {
            Some(Component::RootDir | Component::Prefix(_)) => {
                cur = std::path::PathBuf::from("/");
                cur_meta = std::fs::symlink_metadata(&cur).map_err(io_err)?;
            }
            Some(Component::CurDir) | None => {}
            Some(Component::ParentDir) => {
                // `cur` has no symlinks, so its parent is the real `..`.
                cur.pop();
                cur_meta = std::fs::symlink_metadata(&cur).map_err(io_err)?;
            }
            Some(Component::Normal(_)) => {
                let next = cur.join(&name);
                let meta = match std::fs::symlink_metadata(&next) {
                    Ok(meta) => meta,
                    Err(e) if e.kind() == io::ErrorKind::NotFound && from_link => {
                        let source =
                            io::Error::new(io::ErrorKind::NotFound, "the symlink points to a file that does not exist");
                        return Err(io_err(source));
                    }
                    // The file a writer is about to create.
                    Err(e) if e.kind() == io::ErrorKind::NotFound && todo.is_empty() && walk == Walk::Write => {
                        return Ok(next);
                    }
                    Err(e) => return Err(io_err(e)),
                };
                if walk == Walk::Load || meta.file_type().is_symlink() {
                    check_directory(path, &cur, &cur_meta, euid)?;
                }
                if meta.file_type().is_symlink() {
                    if !owner_trusted(meta.uid(), euid) {
                        return Err(Error::UntrustedSymlink {
                            path: path.to_owned(),
                            link: next,
                            owner: meta.uid(),
                            euid,
                        });
                    }
                    followed += 1;
                    if followed > MAX_SYMLINKS {
                        return Err(io_err(io::Error::from_raw_os_error(libc::ELOOP)));
                    }
                    let target = std::fs::read_link(&next).map_err(io_err)?;
                    todo.extend(target.components().rev().map(|c| (c.as_os_str().to_os_string(), true)));
                } else {
                    cur = next;
                    cur_meta = meta;
                }
            }
        }
    }
    Ok(cur)
}

#[cfg(not(unix))]
pub(crate) fn resolve(path: &Path, walk: Walk) -> Result<std::path::PathBuf, Error> {
    // Windows ACLs and reparse points are not inspected; see the crate's
    // Security section.
    let io_err = |source| Error::Io { path: path.to_owned(), source };
    match std::fs::canonicalize(path) {
        Ok(real) => Ok(real),
        Err(e) if e.kind() == io::ErrorKind::NotFound && walk == Walk::Write => {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let name = path.file_name().ok_or_else(|| io_err(io::Error::from(io::ErrorKind::InvalidInput)))?;
            Ok(std::fs::canonicalize(parent).map_err(io_err)?.join(name))
        }
        Err(e) => Err(io_err(e)),
    }
}

/// Checks one directory a name is looked up in, as `sshd`'s `StrictModes`
/// does: it must belong to this process's effective user or root, and be
/// writable by no one else unless it is sticky ([`directory_mode_safe`]).
///
/// The walk goes top-down, so each directory is reached through
/// directories already found to be changeable only by this user or root,
/// and no one else can swap any of them between this check and the open.
#[cfg(unix)]
pub(crate) fn check_directory(path: &Path, dir: &Path, meta: &std::fs::Metadata, euid: u32) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    if !meta.is_dir() {
        let source = io::Error::new(io::ErrorKind::NotADirectory, "the path changed while it was checked");
        return Err(Error::Io { path: path.to_owned(), source });
    }
    if !owner_trusted(meta.uid(), euid) {
        return Err(Error::ForeignOwner { path: path.to_owned(), owned: dir.to_owned(), owner: meta.uid(), euid });
    }
    let mode = meta.mode() & 0o7777;
    if !directory_mode_safe(mode) {
        return Err(Error::InsecureDirectory { path: path.to_owned(), dir: dir.to_owned(), mode });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    /// The walk resolves like the kernel: `..` after a link applies to its
    /// target, relative targets are read from the link's directory, a loop
    /// stops, and only a writer may name a file that does not exist yet
    /// (never through a dangling link).
    #[cfg(unix)]
    #[test]
    fn the_walk_resolves_like_the_kernel() {
        use std::os::unix::fs::symlink;
        let top = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(top.path()).unwrap();
        std::fs::create_dir_all(real.join("a/b")).unwrap();
        std::fs::write(real.join("a/f"), b"x").unwrap();
        symlink("a/b", real.join("lb")).unwrap();
        // `lb/..` is `a`, not `top`.
        assert_eq!(resolve(&real.join("lb/../f"), Walk::Load).unwrap(), real.join("a/f"));
        assert_eq!(resolve(&real.join("./a//b/.."), Walk::Load).unwrap(), real.join("a"));
        assert_eq!(resolve(&real.join("a/new"), Walk::Write).unwrap(), real.join("a/new"));
        assert_eq!(resolve(&real.join("lb/new"), Walk::Write).unwrap(), real.join("a/b/new"));
        let missing = resolve(&real.join("a/new"), Walk::Load).unwrap_err();
        assert!(matches!(missing, Error::Io { ref source, .. } if source.kind() == io::ErrorKind::NotFound));
        symlink("gone", real.join("dangling")).unwrap();
        for walk in [Walk::Load, Walk::Write] {
            let e = resolve(&real.join("dangling"), walk).unwrap_err();
            assert!(matches!(&e, Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound), "{e}");
        }
        assert!(resolve(&real.join("missing/new"), Walk::Write).is_err(), "only the last component may be missing");
        symlink("loop2", real.join("loop1")).unwrap();
        symlink("loop1", real.join("loop2")).unwrap();
        let e = resolve(&real.join("loop1"), Walk::Load).unwrap_err();
        assert!(matches!(&e, Error::Io { source, .. } if source.raw_os_error() == Some(libc::ELOOP)), "{e}");
    }
}
