//! How a command ends when it does not succeed: [`CliError`] carries the
//! exit code, and every message reaches the terminal through [`note`].

use std::{fmt, io, io::Write, process::ExitCode};

/// Why a command did not succeed; [`CliError::report`] turns it into the
/// exit code (the contract in the README and `--help`): 1 for a negative
/// verdict, 2 for everything else.
#[derive(Debug)]
pub(crate) enum CliError {
    /// A negative verdict: the password does not verify, a value was
    /// rejected, a key does not check, sealed text does not open. Exit 1
    /// with nothing on stderr: the command has printed its answer (or, for
    /// `keyring open`, deliberately nothing).
    Refused,
    /// The arguments or the input are not what the command takes: a
    /// password the policy refuses, a malformed stored hash, stdin past its
    /// cap, a keyring file that does not load. Exit 2, the message on stderr.
    Usage(String),
    /// The operation itself failed: a file that cannot be written or
    /// locked, the system RNG, the hasher. Exit 2, the message on stderr.
    Failed(String),
    /// Reading stdin or writing stdout failed. Exit 2, the error on stderr;
    /// a closed stdout (`| head`) is not worth a message: exit 0. A command
    /// with a verdict never gets here once its verdict is known: it goes
    /// through [`verdict`], so a closed stdout never turns a refusal into
    /// success.
    Io(io::Error),
}

/// How a command with a verdict ends once the verdict is known and its
/// answer was written (`written`): `refused` exits 1 whatever became of the
/// answer (on a closed stdout, silently); a positive verdict whose answer
/// met a closed stdout exits 0 silently, as plain output does. Any other
/// write error exits 2.
pub(crate) fn verdict(refused: bool, written: Result<(), CliError>) -> Result<(), CliError> {
    match written {
        Err(CliError::Io(e)) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Io(e)),
        Err(e @ (CliError::Usage(_) | CliError::Failed(_))) => Err(e),
        _ if refused => Err(CliError::Refused),
        _ => Ok(()),
    }
}

impl CliError {
    /// A usage error saying `message`.
    pub(crate) fn usage(message: impl fmt::Display) -> Self {
        Self::Usage(message.to_string())
    }

    /// A failure saying `message`.
    pub(crate) fn failed(message: impl fmt::Display) -> Self {
        Self::Failed(message.to_string())
    }

    /// Prints the message, if any, and gives the exit code.
    pub(crate) fn report(self) -> ExitCode {
        match self {
            Self::Refused => ExitCode::from(1),
            Self::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Self::Usage(message) | Self::Failed(message) => {
                note(message);
                ExitCode::from(2)
            }
            Self::Io(e) => {
                note(e);
                ExitCode::from(2)
            }
        }
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// Writes `guardrail: ` and `message` as one line to stderr. The message is
/// escaped as a log line: file names and other text from the caller (or
/// from the secret loader's errors, which name the path) may hold
/// controls, bidi overrides or hidden characters, and these become visible
/// escapes (`\u{202e}`), so a message cannot be reordered or forged.
/// A stderr that cannot be written to has nowhere to report it.
pub(crate) fn note(message: impl fmt::Display) {
    let line = guardrail_encode::log_line(&message.to_string()).into_owned();
    let _ = writeln!(io::stderr(), "guardrail: {line}");
}
