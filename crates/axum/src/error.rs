//! The crate's one error type: configuration refused at construction, and
//! the one error a request body reports when its deadline passes
//! ([`Error::BodyTimeout`]). Other request-time failures are
//! [`Problem`](crate::Problem)s, not errors.

/// A configuration this crate refuses (a bound named, never a value from
/// a request).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A duration is out of its range (zero, or above its maximum, or the
    /// idle timeout longer than the absolute one).
    #[error("{name} is out of range")]
    DurationOutOfRange {
        /// The parameter's name.
        name: &'static str,
    },
    /// A number is out of its range.
    #[error("{name} is out of range")]
    OutOfRange {
        /// The parameter's name.
        name: &'static str,
    },
    /// More connections were asked for than the process may open files
    /// (its soft open-file limit, less the descriptors kept for the rest of
    /// the process).
    #[error(
        "max_connections {max_connections} is over the open-file limit {open_files} less the {reserved} kept for the process (raise the limit, ulimit -n, or lower max_connections)"
    )]
    TooManyConnections {
        /// The connections asked for.
        max_connections: usize,
        /// The process's soft open-file limit (`RLIMIT_NOFILE`).
        open_files: u64,
        /// The descriptors kept for the rest of the process.
        reserved: u64,
    },
    /// A request body did not arrive whole before its deadline (the
    /// server's body timeout): [`Json`](crate::Json) answers it with 408
    /// [`Problem::request_timeout`](crate::Problem::request_timeout).
    #[error("the request body did not arrive in time")]
    BodyTimeout,
}
