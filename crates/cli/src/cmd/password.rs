//! `guardrail hash`, `verify` and `calibrate`: argon2id from the shell.

use std::{
    io::{self, Write},
    time::Duration,
};

use clap::{Args, ValueEnum};
use guardrail_password::{
    Calibration, Error as PasswordError, MAX_PASSWORD_BYTES, Params, PasswordHasher, PasswordPolicy, Step, Verification,
};
use guardrail_secret::{ExposeSecret, SecretSlice, SecretString};

use super::migrate::{CostArgs, SEALED_PREFIX};
use crate::{
    error::{CliError, verdict},
    input::{Newline, read_stdin},
};

/// A named parameter profile.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Profile {
    /// OWASP: m=19456 KiB, t=2, p=1.
    Owasp,
    /// RFC 9106 low-memory option: m=65536 KiB, t=3, p=4.
    #[value(name = "rfc9106-low")]
    Rfc9106Low,
}

impl Profile {
    pub(crate) const fn params(self) -> Params {
        match self {
            Self::Owasp => Params::OWASP,
            Self::Rfc9106Low => Params::RFC9106_LOW_MEMORY,
        }
    }
}

/// `guardrail hash`.
#[derive(Args, Debug)]
pub(crate) struct HashArgs {
    /// Parameter profile.
    #[arg(long, value_enum, default_value_t = Profile::Owasp)]
    profile: Profile,
    /// Skip the new-password policy (length, blocklist, zxcvbn guessability).
    #[arg(long)]
    no_policy: bool,
    /// Take stdin byte for byte.
    #[arg(long)]
    exact: bool,
}

/// `guardrail verify`. `Debug` hides the stored hash (salt and tag).
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The stored hash: argon2 PHC, a legacy format, or a wrapped hash.
    #[arg(long = "hash", value_name = "STRING")]
    stored: String,
    /// Take stdin byte for byte.
    #[arg(long)]
    exact: bool,
    #[command(flatten)]
    cost: CostArgs,
}

impl std::fmt::Debug for VerifyArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyArgs")
            .field("stored", &"[REDACTED]")
            .field("exact", &self.exact)
            .field("cost", &self.cost)
            .finish()
    }
}

/// `guardrail calibrate`.
#[derive(Args, Debug)]
pub(crate) struct CalibrateArgs {
    /// Target time per hash, milliseconds.
    #[arg(long, default_value_t = 50)]
    target_ms: u64,
    /// Memory ceiling per hash, MiB.
    #[arg(long, default_value_t = 64)]
    max_memory_mib: u32,
    /// Lanes (argon2's p).
    #[arg(long, default_value_t = 1)]
    lanes: u32,
}

/// Reads the password from stdin into a secret box, refusing more than the
/// hasher accepts, with one trailing newline removed unless `exact`.
fn read_password(exact: bool) -> Result<SecretSlice<u8>, CliError> {
    // Room for the newline that is removed; the length is checked after.
    let buf = read_stdin(MAX_PASSWORD_BYTES + 2, if exact { Newline::Keep } else { Newline::Trim })?;
    if buf.expose_secret().len() > MAX_PASSWORD_BYTES {
        return Err(CliError::usage(format_args!("password longer than the limit of {MAX_PASSWORD_BYTES} bytes")));
    }
    Ok(buf)
}

/// The password as a secret string when it is UTF-8 (and so normalised).
fn as_secret(password: &SecretSlice<u8>) -> Option<SecretString> {
    std::str::from_utf8(password.expose_secret()).ok().map(SecretString::from)
}

/// Hashes the password on stdin and prints the PHC string; a password the
/// policy refuses is a usage error naming the reasons, never the password.
pub(crate) fn hash(args: &HashArgs) -> Result<(), CliError> {
    let password = read_password(args.exact)?;
    let hasher = PasswordHasher::new(args.profile.params());
    let hashed = match (as_secret(&password), args.no_policy) {
        (Some(secret), false) => {
            let checked = PasswordPolicy::default().check_new(secret, &[]).map_err(|e| match e {
                PasswordError::Policy(v) => CliError::usage(format_args!("password refused by policy: {v}")),
                e => CliError::usage(e),
            })?;
            hasher.hash_new(checked)
        }
        (Some(secret), true) => hasher.hash(&secret),
        (None, true) => hasher.hash_bytes(password.expose_secret()),
        (None, false) => {
            return Err(CliError::usage("password is not valid UTF-8 (use --no-policy to hash raw bytes)"));
        }
    };
    let hashed = hashed.map_err(CliError::failed)?;
    // The stored form is this command's output (its `Display` masks the salt and tag).
    writeln!(io::stdout(), "{}", hashed.as_str_for_storage())?;
    Ok(())
}

/// Verifies the password on stdin: "valid", "valid needs-rehash" or
/// "invalid" (refused); a stored hash that cannot be used is a usage error
/// (a sealed one, which needs the service's pepper keyring, by its code
/// `sealed_needs_keyring`).
pub(crate) fn verify(args: &VerifyArgs) -> Result<(), CliError> {
    if args.stored.starts_with(SEALED_PREFIX) {
        return Err(CliError::usage(
            "sealed_needs_keyring: a sealed (peppered) stored hash is verified only by the service holding its pepper keyring",
        ));
    }
    let password = read_password(args.exact)?;
    let hasher = args.cost.hasher(Params::OWASP)?;
    let outcome = match as_secret(&password) {
        Some(secret) => hasher.verify(&secret, &args.stored),
        None => hasher.verify_bytes(password.expose_secret(), &args.stored),
    };
    let answer = match outcome.map_err(refused)? {
        Verification::Valid { upgrade: None } => "valid",
        Verification::Valid { upgrade: Some(_) } => "valid needs-rehash",
        Verification::Invalid => "invalid",
    };
    verdict(answer == "invalid", writeln!(io::stdout(), "{answer}").map_err(CliError::Io))
}

/// A stored hash `verify` cannot use, as a usage error: stored plaintext
/// by its code (`plaintext_refused`, the code `migrate` prints) and the
/// flag that admits it, anything else by the password crate's text.
fn refused(e: guardrail_password::Error) -> CliError {
    match e {
        guardrail_password::Error::PlaintextRefused => {
            CliError::usage("plaintext_refused: stored plaintext is verified only with --accept-plaintext-noop")
        }
        other => CliError::usage(other),
    }
}

/// Measures argon2id on this machine, showing each step on stderr, and
/// prints the parameters chosen (with a warning when they are weaker than
/// OWASP's minimum).
pub(crate) fn calibrate(args: &CalibrateArgs) -> Result<(), CliError> {
    let max_kib =
        args.max_memory_mib.checked_mul(1024).ok_or_else(|| CliError::usage("--max-memory-mib is too large"))?;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(100));
    bar.set_message(format!(
        "measuring argon2id at up to {} MiB for a {} ms target...",
        args.max_memory_mib, args.target_ms
    ));
    let result = guardrail_password::calibrate(Duration::from_millis(args.target_ms), max_kib, args.lanes, |step| {
        show_step(&bar, step);
    });
    bar.finish_and_clear();
    let Calibration { params: p, elapsed, meets_owasp, .. } = result.map_err(CliError::usage)?;
    writeln!(
        io::stdout(),
        "m={} t={} p={}  ({:.1} ms per hash)",
        p.m_cost(),
        p.t_cost(),
        p.p_cost(),
        elapsed.as_secs_f64() * 1000.0
    )?;
    if !meets_owasp {
        writeln!(
            io::stderr(),
            "warning: weaker than OWASP's minimum (19 MiB x 2 passes); raise the target or the ceiling"
        )?;
    }
    Ok(())
}

/// One calibration measurement, above the spinner (or, without a terminal,
/// where the bar and its println are hidden, straight to stderr).
fn show_step(bar: &indicatif::ProgressBar, step: &Step) {
    let line = format!(
        "  m={:>7} KiB t={:>2} p={} -> {:>6.1} ms",
        step.params.m_cost(),
        step.params.t_cost(),
        step.params.p_cost(),
        step.elapsed.as_secs_f64() * 1000.0
    );
    if bar.is_hidden() {
        // Progress only: a stderr that cannot be written to loses nothing.
        let _ = writeln!(io::stderr(), "{line}");
    } else {
        bar.println(line);
    }
}

#[cfg(test)]
mod tests {
    use super::{CostArgs, VerifyArgs};

    #[test]
    fn verify_args_debug_hides_the_stored_hash() {
        let stored =
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$dGFndGFndGFndGFndGFndGFndGFndGFndGFnZw".into();
        let shown = format!("{:?}", VerifyArgs { stored, exact: true, cost: CostArgs::default() });
        assert!(!shown.contains("c2FsdHNh") && !shown.contains("dGFndGFn") && !shown.contains("argon2id"), "{shown}");
        assert!(shown.contains("[REDACTED]") && shown.contains("exact: true"), "{shown}");
    }
}
