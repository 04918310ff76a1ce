//! Bounded reads of stdin: every value is taken whole or refused, naming
//! the cap; nothing is ever cut short and used. What is read goes into a
//! secrecy box at once, so every use of it is an `expose_secret()` call.

use std::io;

use guardrail_secret::SecretSlice;

use crate::error::CliError;

/// Whether one trailing newline is removed from what stdin gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Newline {
    /// Remove one trailing "\n" or "\r\n".
    Trim,
    /// Take stdin byte for byte.
    Keep,
}

/// All of stdin, at most `max` bytes (reading `max + 1` at most), with one
/// trailing newline removed when `newline` says so, in a secret box (wiped
/// on drop, like the read buffer it is copied from). More is a usage error
/// that names the limit.
pub(crate) fn read_stdin(max: usize, newline: Newline) -> Result<SecretSlice<u8>, CliError> {
    let buf = guardrail_secret::read::to_end(io::stdin().lock(), max).map_err(stdin_error)?;
    let keep = if newline == Newline::Trim { trimmed_len(&buf) } else { buf.len() };
    // A copy of exactly the bytes kept: `Vec::into_boxed_slice` could move
    // them to a smaller allocation and free the old one unwiped.
    Ok(SecretSlice::new(Box::from(buf.get(..keep).unwrap_or_default())))
}

/// A bounded read's error: an I/O error as it is, any other (past the cap)
/// a usage error naming stdin.
pub(crate) fn stdin_error(e: guardrail_secret::Error) -> CliError {
    match e {
        guardrail_secret::Error::Read(e) => CliError::Io(e),
        e => CliError::usage(format_args!("stdin: {e}")),
    }
}

/// The length of `buf` without one trailing "\n" or "\r\n".
fn trimmed_len(buf: &[u8]) -> usize {
    let trim = if buf.ends_with(b"\r\n") { 2 } else { usize::from(buf.ends_with(b"\n")) };
    buf.len() - trim
}

#[cfg(test)]
mod tests {
    use super::trimmed_len;

    #[test]
    fn one_trailing_newline_is_trimmed() {
        for (input, kept) in [(&b"pw\n"[..], 2), (b"pw\r\n", 2), (b"pw\n\n", 3), (b"pw\r", 3), (b"\n", 0), (b"", 0)] {
            assert_eq!(trimmed_len(input), kept, "{input:?}");
        }
    }
}
