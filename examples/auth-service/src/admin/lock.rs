//! The lock file beside the database (`<AUTH_SERVICE_DB>.lock`): a
//! running server holds a shared advisory lock (`flock(2)`) on it for as
//! long as it runs (several servers on one database may); `rotate-key`
//! takes an exclusive one without waiting, so it refuses while any server
//! runs (a running server would go on using the old key). The file is
//! created owner-only (0600) when missing and never deleted: deleting it
//! would let a second holder lock a different inode.

use std::{
    fs::File,
    path::{Path, PathBuf},
};

use rustix::fs::{FlockOperation, flock};

/// `<db>.lock`.
#[must_use]
pub fn path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn open(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(path)
}

/// The server's shared lock on `db`'s lock file, held until the returned
/// file is dropped. Waits while a `rotate-key` holds the exclusive lock
/// (a rotation is one short transaction).
///
/// # Errors
/// The lock file cannot be created, opened or locked.
pub fn shared(db: &Path) -> std::io::Result<File> {
    let file = open(&path(db))?;
    flock(&file, FlockOperation::LockShared)?;
    Ok(file)
}

/// The exclusive lock `rotate-key` holds while it rotates; `Ok(None)` when
/// a server holds the shared lock (it is not waited for).
///
/// # Errors
/// The lock file cannot be created, opened or locked for another reason.
pub fn exclusive(db: &Path) -> std::io::Result<Option<File>> {
    let file = open(&path(db))?;
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Some(file)),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(None),
        Err(e) => Err(e.into()),
    }
}
