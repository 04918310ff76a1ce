//! `guardrail migrate wrap` and `guardrail migrate census`: moving a user
//! table from another system, and learning first how exposed it is. Both
//! read JSON lines (`{"id":…,"hash":"…"}`) from a file or stdin, streaming.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use guardrail_password::{Caps, Params, PasswordHasher};

use super::password::Profile;
use crate::error::CliError;

mod attacker;
mod census;
mod lines;
mod wrap;

/// Sealed (peppered) stored hashes start with this: argon2id sealed under
/// the service's pepper keyring, which this CLI does not hold.
pub(crate) const SEALED_PREFIX: &str = "$guardrail-sealed$v1$";

/// `guardrail migrate …`.
#[derive(Subcommand, Debug)]
pub(crate) enum MigrateCommand {
    /// Wrap every legacy stored hash of a JSON-lines export in argon2id.
    ///
    /// Reads {"id":…,"hash":"…"} per line from FILE or stdin and writes
    /// each line in input order with only the hash replaced by
    /// "$guardrail-wrap$v=1$…" (every other byte as read, a last line
    /// without a newline left without one): the legacy
    /// hash's output becomes argon2id's input, so every account is
    /// memory-hard now; `guardrail verify` reads the wrapped hash and asks
    /// for a plain argon2id re-hash at the next login. argon2, already
    /// wrapped and sealed (peppered, "$guardrail-sealed$v1$…") hashes are
    /// kept as they are. A line that cannot be wrapped
    /// (malformed_json — not one JSON object, no scalar id, no string hash,
    /// id or hash twice —, line_too_long, unsupported_hash, malformed_hash,
    /// hash_over_caps, plaintext_refused, wrap_failed) is written
    /// unchanged and reported on stderr as "line N: <code>" — never the
    /// hash or the id. Exit 0 when every line was wrapped or kept, 1 when
    /// any was passed through, 2 on a usage or I/O error.
    Wrap(WrapArgs),
    /// Report what a JSON-lines export holds, per scheme and parameters.
    ///
    /// Accounts, share, share below the policy, memory and work per guess,
    /// the defender's time per guess (estimated on this machine) and an
    /// attacker's guesses per second on one RTX 4090 (public hashcat
    /// figures, each with its source). Sealed (peppered) hashes are their
    /// own group, "sealed": argon2id under the pepper, parameters unknown
    /// without the keyring. Nothing is hashed. Exit 0 (lines
    /// that cannot be read are counted by code), 2 on a usage or I/O error.
    Census(CensusArgs),
}

/// Runs one `migrate` subcommand.
pub(crate) fn migrate(command: &MigrateCommand) -> Result<(), CliError> {
    match command {
        MigrateCommand::Wrap(args) => wrap::wrap(args),
        MigrateCommand::Census(args) => census::census(args),
    }
}

/// The caps on stored hashes' cost, and the plaintext opt-in: `verify`,
/// `migrate wrap` and `migrate census` take them.
#[derive(Args, Debug, Clone, Copy, Default)]
pub(crate) struct CostArgs {
    /// The most memory a stored hash may need, MiB (default 256).
    #[arg(long, value_name = "N")]
    max_memory_mib: Option<u64>,
    /// The most work a stored hash may take, in argon2 block passes
    /// (one 1 KiB block filled once; default 2097152, about a second).
    #[arg(long, value_name = "N")]
    max_block_passes: Option<u64>,
    /// Accept plaintext stored passwords (Spring's {noop}, LDAP's
    /// {CLEARTEXT}); refused otherwise.
    #[arg(long)]
    accept_plaintext_noop: bool,
}

impl CostArgs {
    /// A hasher for `params` with these caps.
    ///
    /// # Errors
    ///
    /// A usage error for a memory cap too large to count in bytes.
    pub(crate) fn hasher(&self, params: Params) -> Result<PasswordHasher, CliError> {
        let mut caps = Caps::for_policy(&params);
        if let Some(mib) = self.max_memory_mib {
            caps.max_memory_bytes =
                mib.checked_mul(1 << 20).ok_or_else(|| CliError::usage("--max-memory-mib is too large"))?;
        }
        if let Some(passes) = self.max_block_passes {
            caps.max_block_passes = passes;
        }
        let hasher = PasswordHasher::new(params).caps(caps);
        Ok(if self.accept_plaintext_noop { hasher.accept_plaintext_for_legacy_use_only() } else { hasher })
    }
}

/// `guardrail migrate wrap`.
#[derive(Args, Debug)]
pub(crate) struct WrapArgs {
    /// The JSON-lines export; stdin when absent or "-".
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,
    /// Parameters of the argon2id wrap (and of the upgrades at login).
    #[arg(long, value_enum, default_value_t = Profile::Owasp)]
    profile: Profile,
    #[command(flatten)]
    cost: CostArgs,
}

impl WrapArgs {
    fn hasher(&self) -> Result<PasswordHasher, CliError> {
        self.cost.hasher(self.profile.params())
    }
}

/// `guardrail migrate census`.
#[derive(Args, Debug)]
pub(crate) struct CensusArgs {
    /// The JSON-lines export; stdin when absent or "-".
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,
    /// One JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// The policy the hashes are compared with.
    #[arg(long, value_enum, default_value_t = Profile::Owasp)]
    profile: Profile,
    #[command(flatten)]
    cost: CostArgs,
}
