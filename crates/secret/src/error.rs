use std::{fmt, io, path::PathBuf};

/// Where a secret was being loaded from. Names the place, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// An environment variable, by name.
    Env(String),
    /// A file, by path.
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "environment variable {name}"),
            Self::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// Why a secret could not be loaded or decoded.
///
/// Messages name the variable or path and what was wrong with it; no
/// variant holds any byte of the secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The environment variable is not set.
    #[error("environment variable {name} is not set")]
    EnvMissing {
        /// The variable's name.
        name: String,
    },
    /// The name cannot be an environment variable (empty, or holds `=` or NUL).
    #[error("{name:?} is not a valid environment variable name")]
    InvalidEnvName {
        /// The name as given (a name, not a secret).
        name: String,
    },
    /// The secret is empty (after removing one trailing newline).
    #[error("secret in {origin} is empty")]
    Empty {
        /// Where it came from.
        origin: Origin,
    },
    /// The secret is not valid UTF-8.
    #[error("secret in {origin} is not valid UTF-8")]
    NotUtf8 {
        /// Where it came from.
        origin: Origin,
    },
    /// The path does not name a regular file (a directory, FIFO, socket or device).
    #[error("secret file {} is not a regular file", path.display())]
    NotRegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The file is larger than the loader's cap.
    #[error("secret file {} is larger than the {max} byte limit", path.display())]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// The cap in bytes.
        max: usize,
    },
    /// The file may be read or written by users other than its owner.
    #[error(
        "secret file {} has mode {mode:04o}: it is {}; a secret file must be neither readable nor writable by group or others (chmod 600)",
        path.display(),
        access_by_others(*mode)
    )]
    InsecurePermissions {
        /// The path.
        path: PathBuf,
        /// The permission bits.
        mode: u32,
    },
    /// The file, or a directory above it, belongs to a user other than this
    /// process's effective user and root (unix), so that user can replace
    /// the secret.
    #[error(
        "secret file {}: {} is owned by uid {owner}, not by this process's user (uid {euid}) or root",
        path.display(),
        if owned == path { "it".to_owned() } else { format!("directory {}", owned.display()) }
    )]
    ForeignOwner {
        /// The path of the secret file, as given.
        path: PathBuf,
        /// What has the wrong owner: the file itself (then equal to
        /// `path`) or a directory on the way to it.
        owned: PathBuf,
        /// Its owner's uid.
        owner: u32,
        /// This process's effective uid.
        euid: u32,
    },
    /// A directory on the way to the file may be written by group or others
    /// and is not sticky (unix): they could rename the file away and put
    /// their own in its place.
    #[error(
        "secret file {}: directory {} has mode {mode:04o}: others may replace files in it (chmod go-w, or the sticky bit)",
        path.display(),
        dir.display()
    )]
    InsecureDirectory {
        /// The path of the secret file, as given.
        path: PathBuf,
        /// The directory.
        dir: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A symlink met on the way to the file (the file itself, a directory
    /// on the way, or a link in a link's target) belongs to a user other
    /// than this process's effective user and root (unix): that user chose
    /// where it points, so it could make this process read or write a file
    /// of its choosing.
    #[error(
        "secret file {}: symlink {} is owned by uid {owner}, not by this process's user (uid {euid}) or root",
        path.display(),
        link.display()
    )]
    UntrustedSymlink {
        /// The path of the secret file, as given.
        path: PathBuf,
        /// The symlink.
        link: PathBuf,
        /// Its owner's uid.
        owner: u32,
        /// This process's effective uid.
        euid: u32,
    },
    /// The file has more than one name (hard links, unix): another name
    /// may sit in a directory someone else controls, who could then make
    /// this process take a file meant for something else as this secret.
    #[error(
        "secret file {} has {links} names (hard links): a secret file must have one (copy it, then remove the other names)",
        path.display()
    )]
    HardLinked {
        /// The path.
        path: PathBuf,
        /// Its link count (`st_nlink`).
        links: u64,
    },
    /// Opening or reading the file failed.
    #[error("cannot read secret file {}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's error (it never holds file contents).
        #[source]
        source: io::Error,
    },
    /// Decoding an encoded secret failed.
    #[error("cannot decode secret: {0}")]
    Decode(#[from] guardrail_ct::Error),
    /// A stream (stdin, a pipe, a file read as a stream) held more than
    /// the cap of a bounded read ([`crate::read`]); nothing of it was kept.
    #[error("input is longer than the limit of {max} bytes")]
    InputTooLarge {
        /// The cap in bytes.
        max: usize,
    },
    /// A line of line-oriented input is longer than the cap of
    /// [`crate::read::Lines`]; it was skipped, not truncated.
    #[error("line {line} is longer than the limit of {max} bytes")]
    LineTooLong {
        /// The line's 1-based number.
        line: usize,
        /// The cap in bytes.
        max: usize,
    },
    /// Reading a stream failed.
    #[error("cannot read input")]
    Read(#[source] io::Error),
}

/// "readable by its group, readable and writable by others": who besides
/// the owner may do what, from permission bits.
fn access_by_others(mode: u32) -> String {
    let mut parts = Vec::new();
    for (shift, who) in [(3, "its group"), (0, "others")] {
        let what = match (mode >> shift) & 0o6 {
            0o6 => "readable and writable",
            0o4 => "readable",
            0o2 => "writable",
            _ => continue,
        };
        parts.push(format!("{what} by {who}"));
    }
    if parts.is_empty() { "accessible to others".to_owned() } else { parts.join(", ") }
}
