//! Bounded reads of stdin: every value is taken whole or refused, naming
//! the cap; nothing is ever cut short and used.

use std::io;

use zeroize::Zeroizing;

use crate::error::CliError;

/// All of stdin, at most `max` bytes (reading `max + 1` at most), in a
/// buffer wiped on drop. More is a usage error that names the limit.
pub(crate) fn read_stdin(max: usize) -> Result<Zeroizing<Vec<u8>>, CliError> {
    guardrail_secret::read::to_end(io::stdin().lock(), max).map_err(stdin_error)
}

/// A bounded read's error: an I/O error as it is, any other (past the cap)
/// a usage error naming stdin.
pub(crate) fn stdin_error(e: guardrail_secret::Error) -> CliError {
    match e {
        guardrail_secret::Error::Read(e) => CliError::Io(e),
        e => CliError::usage(format_args!("stdin: {e}")),
    }
}

/// Removes one trailing "\n" or "\r\n".
pub(crate) fn trim_newline(buf: &mut Zeroizing<Vec<u8>>) {
    let trim = if buf.ends_with(b"\r\n") { 2 } else { usize::from(buf.ends_with(b"\n")) };
    let keep = buf.len() - trim;
    buf.truncate(keep);
}
