//! The crate's one error type: configuration refused at construction.
//! Request-time failures are [`Problem`](crate::Problem)s, not errors.

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
}
