/// What went wrong. Check failures carry no detail about the key. Key
/// and keyring errors are [`guardrail_keys::Error`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// A token shorter than 128 bits was asked for.
    #[error("tokens must have at least {min} bytes of randomness")]
    TooShort {
        /// The minimum, in bytes.
        min: usize,
    },
    /// A token longer than the limit was asked for.
    #[error("tokens may have at most {max} bytes of randomness")]
    TooLong {
        /// The maximum, in bytes.
        max: usize,
    },
    /// An API key prefix is not 1..=32 characters of `a-z`, `0-9` and `_`
    /// starting with a letter.
    #[error("invalid API key prefix")]
    InvalidPrefix,
    /// An empty range was asked of `random::uniform`.
    #[error("empty range")]
    EmptyRange,
    /// A stored API key record is malformed.
    #[error("malformed stored API key: {part}")]
    MalformedStored {
        /// Which part.
        part: &'static str,
    },
    /// A signed or CSRF token failed: malformed, another purpose, a
    /// disabled or unknown key, a bad tag, or expired. One variant on
    /// purpose.
    #[error("invalid token")]
    InvalidToken,
    /// The API key is malformed, has the wrong prefix or checksum, or does
    /// not match the stored digest. One variant on purpose: a caller
    /// learns nothing about which check failed.
    #[error("invalid API key")]
    InvalidKey,
}
