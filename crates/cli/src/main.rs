//! `guardrail`: the command-line face of the guardrail crates.
//!
//! Secrets are read from stdin, not argv (it shows in `ps` and shell
//! history); the one argv form kept for compatibility, `api-key check
//! KEY`, warns on stderr. Exit codes: 0 success, 1 a negative verdict (rejected, invalid),
//! 2 a usage error or a failure ([`error::CliError`] carries them).
//!
//! This file declares the commands and dispatches; each subcommand is one
//! function in `cmd/`, over the libraries.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod error;
mod input;

use cmd::{encode, keyring, migrate, password, token, validate};
use error::CliError;

#[derive(Parser, Debug)]
#[command(name = "guardrail", version, about = "Vetted security primitives from the command line", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Hash a password read from stdin (never from the command line).
    ///
    /// One trailing "\n" (or "\r\n") is removed, nothing else; with --exact
    /// stdin is taken byte for byte. Prints the PHC string. A password the
    /// policy refuses: exit 2, the reason codes on stderr. A password longer
    /// than 4096 bytes: exit 2, naming the limit (it is never cut short).
    Hash(password::HashArgs),
    /// Verify a password read from stdin against a stored hash.
    ///
    /// Prints "valid" or "valid needs-rehash" (exit 0) or "invalid" (exit 1);
    /// a malformed, unsupported or out-of-policy hash exits 2 with the
    /// reason on stderr. Reads argon2, every legacy format of the password
    /// crate and wrapped hashes ("guardrail migrate wrap").
    Verify(password::VerifyArgs),
    /// Move a user table from another system: wrap its hashes, count them.
    #[command(subcommand)]
    Migrate(migrate::MigrateCommand),
    /// Choose argon2id parameters for this machine (RFC 9106 §4: memory
    /// first, then passes), showing each measurement.
    Calibrate(password::CalibrateArgs),
    /// Print a URL-safe random token from the system CSPRNG.
    Token(token::TokenArgs),
    /// Issue or check API keys.
    #[command(subcommand)]
    ApiKey(token::ApiKeyCommand),
    /// Manage an AEAD keyring file and seal or open data with it.
    #[command(subcommand)]
    Keyring(keyring::KeyringCommand),
    /// Validate untrusted input: one verdict per value.
    ///
    /// With VALUE: one verdict. Without: one value per stdin line.
    /// Output, one line per value: "ok", a tab and the canonical form, or "reject", a tab and the code;
    /// with --jsonl each stdin line is a JSON string and each output line is
    /// {"ok":true,"canonical":"..."} or {"ok":false,"code":"..."}.
    /// Exit 0 when all were ok, 1 when any was rejected, 2 on a usage error.
    /// A closed stdout stops the judging: exit 1 when any value judged so
    /// far was rejected, else 0.
    /// A stdin line longer than 65536 bytes is not cut: its verdict is
    /// "reject", a tab and "too_long", stderr names the line and the limit,
    /// and the next line is read.
    Validate(validate::ValidateArgs),
    /// Encode all of stdin for an output context and write it to stdout.
    ///
    /// html and attr give exactly what the OWASP Java Encoder's Encode.forHtml gives.
    Encode(encode::EncodeArgs),
}

fn main() -> ExitCode {
    match run(&Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

/// Runs one command.
fn run(command: &Command) -> Result<(), CliError> {
    match command {
        Command::Hash(args) => password::hash(args),
        Command::Verify(args) => password::verify(args),
        Command::Migrate(command) => migrate::migrate(command),
        Command::Calibrate(args) => password::calibrate(args),
        Command::Token(args) => token::token(args),
        Command::ApiKey(command) => token::api_key(command),
        Command::Keyring(command) => keyring::keyring(command),
        Command::Validate(args) => validate::validate(args),
        Command::Encode(args) => encode::encode(args),
    }
}
