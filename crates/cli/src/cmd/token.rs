//! `guardrail token`: a random token, and `guardrail api-key`: issue and
//! check API keys.

use std::io::{self, Write};

use clap::{Args, Subcommand};
use guardrail_secret::ExposeSecret;
use guardrail_token::{ApiKey, ApiKeyIssuer};

use crate::{
    error::{CliError, note},
    input::{Newline, read_stdin},
};

/// The most `api-key check` reads from stdin, bytes.
const MAX_API_KEY_INPUT: usize = 1024;

/// What `api-key check KEY` says on stderr (the key is not in it).
const ARGV_WARNING: &str =
    "warning: a key given as an argument shows in the process list and in shell history; give it on stdin instead";

/// `guardrail token`.
#[derive(Args, Debug)]
pub(crate) struct TokenArgs {
    /// Bytes of randomness (at least 16).
    #[arg(long, default_value_t = 32)]
    bytes: usize,
}

/// `guardrail api-key ...`. `Debug` hides a key given as an argument.
#[derive(Subcommand)]
pub(crate) enum ApiKeyCommand {
    /// Issue a key. Line 1: the key (show it once); line 2: what to store,
    /// "lookup_id<TAB>sha256 digest in hex".
    ///
    /// The digest is unkeyed (this tool holds no server key): anyone who can
    /// write the key table can make one for a key they choose. A service that
    /// stores keys under a DigestKey stores StoredApiKey::rekey of it instead.
    New {
        /// Issuer and environment, e.g. acme_live.
        #[arg(long)]
        prefix: String,
    },
    /// Exit 0 when the key's prefix, alphabet, length and checksum are right, 1 otherwise.
    ///
    /// The key is read from stdin: `printf '%s\n' "$KEY" | guardrail api-key check`.
    /// One trailing newline is removed; stdin longer than 1024 bytes: exit 2,
    /// naming the limit.
    Check {
        /// Deprecated, kept for compatibility: a key given here shows in the
        /// process list (`ps`) and in shell history, and a warning on stderr
        /// says so. Leave it out and give the key on stdin.
        key: Option<String>,
    },
    /// Find API keys in files: prints "PATH:LINE: api key LOOKUP_ID" for each
    /// key whose checksum verifies (never the key). Exit 1 when any was found,
    /// 0 when none and nothing was skipped, 2 when a path could not be read
    /// or when none was found but a file or line was skipped (not everything
    /// could be scanned).
    ///
    /// Looks for authsvc_live keys and each --prefix (or, with --any-prefix,
    /// every valid prefix). Directories are walked (not .git or target, not
    /// following symbolic links). Skipped, each named on stderr with the
    /// reason: binary files (gzip: scan `zcat PATH` on stdin; UTF-16: convert
    /// with iconv; a NUL in the first 8000 bytes), files over 64 MiB, lines
    /// over 1 MiB. A PATH or --prefix that is a whole API key is refused
    /// without echoing it: pass keys on stdin.
    Scan(crate::cmd::scan::ScanArgs),
}

impl std::fmt::Debug for ApiKeyCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::New { prefix } => f.debug_struct("New").field("prefix", prefix).finish(),
            Self::Check { key } => f.debug_struct("Check").field("key", &key.as_ref().map(|_| "[REDACTED]")).finish(),
            Self::Scan(args) => f.debug_tuple("Scan").field(args).finish(),
        }
    }
}

/// Prints a URL-safe random token of `--bytes` bytes.
pub(crate) fn token(args: &TokenArgs) -> Result<(), CliError> {
    let token = guardrail_token::random::token(args.bytes).map_err(CliError::usage)?;
    writeln!(io::stdout(), "{}", token.expose_secret())?;
    Ok(())
}

/// Runs one `api-key` subcommand.
pub(crate) fn api_key(command: &ApiKeyCommand) -> Result<(), CliError> {
    match command {
        ApiKeyCommand::New { prefix } => new(prefix),
        ApiKeyCommand::Check { key } => check(key.as_deref()),
        ApiKeyCommand::Scan(args) => crate::cmd::scan::scan(args),
    }
}

/// Issues a key: the key on line 1 (shown once), what to store on line 2.
fn new(prefix: &str) -> Result<(), CliError> {
    let issuer = ApiKeyIssuer::new(prefix)
        .map_err(|e| CliError::usage(format_args!("{e}: use 1-32 of a-z, 0-9 and _, starting with a letter")))?;
    let (key, stored) = issuer.issue().map_err(CliError::failed)?;
    let mut out = io::stdout();
    writeln!(out, "{}", key.expose_secret())?;
    writeln!(out, "{}\t{}", stored.lookup_id(), stored.digest_hex())?;
    Ok(())
}

/// Checks a key's form (from stdin when `key` is left out): refused unless
/// its prefix, alphabet, length and checksum are right.
fn check(key: Option<&str>) -> Result<(), CliError> {
    let from_stdin;
    let key = match key {
        Some(key) => {
            note(ARGV_WARNING);
            key
        }
        None => {
            from_stdin = read_stdin(MAX_API_KEY_INPUT, Newline::Trim)?;
            // Not UTF-8: not a key.
            std::str::from_utf8(from_stdin.expose_secret()).unwrap_or_default()
        }
    };
    if key.is_empty() || ApiKey::parse_any_prefix(key).is_err() {
        return Err(CliError::Refused);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ApiKeyCommand;

    #[test]
    fn api_key_command_debug_hides_the_key() {
        let key = "acme_live_4xTqv9Wb2kRz7mNc1pLs8dHf3gJy6Qe0";
        let shown = format!("{:?}", ApiKeyCommand::Check { key: Some(key.into()) });
        assert!(!shown.contains("4xTqv9Wb") && !shown.contains("acme_live"), "{shown}");
        assert_eq!(shown, r#"Check { key: Some("[REDACTED]") }"#);
    }
}
