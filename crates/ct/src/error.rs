/// Why a constant-time codec refused its input or output buffer.
///
/// No variant carries any byte of the input: the input is usually a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input holds a character outside the alphabet, bad padding, or
    /// non-canonical trailing bits.
    #[error("invalid encoding")]
    InvalidEncoding,
    /// The input's length cannot be a valid encoding (e.g. odd-length hex).
    #[error("invalid encoded length")]
    InvalidLength,
    /// The output buffer is too small for the result.
    #[error("output buffer too small")]
    BufferTooSmall,
}
