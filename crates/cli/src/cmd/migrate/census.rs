//! `guardrail migrate census`: what a JSON-lines export holds, per scheme
//! and parameter set — accounts, share, share below the policy, what one
//! guess costs the defender (estimated on this machine) and how many
//! guesses one attacker GPU makes (public figures, `attacker.rs`). Each
//! line is inspected, never hashed, so a census of millions is quick.

use std::{
    collections::BTreeMap,
    io::{self, Write},
};

use guardrail_password::{Cost, PasswordHasher};
use serde_json::json;

use super::{
    CensusArgs, SEALED_PREFIX, attacker,
    lines::{self, Next},
};
use crate::error::CliError;

/// The most groups reported one by one; later ones go to `other`.
const MAX_GROUPS: usize = 10_000;

/// The params column of the sealed group: what the CLI can tell of it.
const SEALED_PARAMS: &str = "argon2id under the pepper; parameters need the keyring";
/// What the sealed group's below-policy share means.
const SEALED_NOTE: &str = "sealed (peppered) hashes are argon2id under the service's pepper: not below policy as far as the CLI can tell (their parameters need the keyring)";

/// One (scheme, params) group.
struct Group {
    accounts: u64,
    below_policy: u64,
    cost: Cost,
    wrapped: bool,
}

/// Every line's group or refusal code.
#[derive(Default)]
struct Census {
    total: u64,
    groups: BTreeMap<(String, String), Group>,
    /// Sealed (peppered) hashes: their own group, parameters unknown.
    sealed: u64,
    refused: BTreeMap<&'static str, u64>,
}

impl Census {
    fn add(&mut self, hasher: &PasswordHasher, line: Option<&[u8]>) {
        self.total += 1;
        let Some(line) = line else { return *self.refused.entry("line_too_long").or_default() += 1 };
        let Some(record) = lines::record(line) else { return *self.refused.entry("malformed_json").or_default() += 1 };
        if record.hash.starts_with(SEALED_PREFIX) {
            return self.sealed += 1;
        }
        let info = match hasher.inspect(&record.hash) {
            Ok(info) => info,
            Err(e) => return *self.refused.entry(lines::code(&e)).or_default() += 1,
        };
        let mut key = (info.scheme.to_owned(), info.params.clone());
        if self.groups.len() >= MAX_GROUPS && !self.groups.contains_key(&key) {
            key = ("other".into(), String::new());
        }
        let group = self.groups.entry(key).or_insert(Group {
            accounts: 0,
            below_policy: 0,
            cost: info.cost,
            wrapped: info.wrapped,
        });
        group.accounts += 1;
        group.below_policy += u64::from(info.upgrade_on_login);
    }

    fn share(&self, n: u64) -> f64 {
        if self.total == 0 { 0.0 } else { n as f64 / self.total as f64 }
    }

    /// Groups by accounts, most first (then by scheme and params).
    fn sorted(&self) -> Vec<(&(String, String), &Group)> {
        let mut groups: Vec<_> = self.groups.iter().collect();
        groups.sort_by(|a, b| b.1.accounts.cmp(&a.1.accounts).then_with(|| a.0.cmp(b.0)));
        groups
    }

    fn below_policy(&self) -> u64 {
        self.groups.values().map(|g| g.below_policy).sum()
    }
}

fn defender_ms(hasher: &PasswordHasher, cost: Cost) -> f64 {
    hasher.estimated_time(cost).as_secs_f64() * 1000.0
}

/// The report as one JSON object.
fn to_json(census: &Census, hasher: &PasswordHasher) -> serde_json::Value {
    let mut groups: Vec<_> = census
        .sorted()
        .into_iter()
        .map(|((scheme, params), g)| {
            let figure = attacker::figure(scheme, params, g.wrapped);
            json!({
                "scheme": scheme, "params": params, "accounts": g.accounts, "share": census.share(g.accounts),
                "below_policy": g.below_policy as f64 / g.accounts.max(1) as f64, "memory_bytes": g.cost.memory_bytes,
                "block_passes": g.cost.block_passes, "defender_ms": defender_ms(hasher, g.cost),
                "attacker_guesses_per_s": figure.guesses_per_s, "attacker_source": figure.source,
            })
        })
        .collect();
    if census.sealed > 0 {
        groups.push(json!({
            "scheme": "sealed", "params": SEALED_PARAMS, "accounts": census.sealed,
            "share": census.share(census.sealed), "below_policy": 0.0, "memory_bytes": null,
            "block_passes": null, "defender_ms": null, "attacker_guesses_per_s": null,
            "attacker_source": SEALED_NOTE,
        }));
    }
    json!({
        "total": census.total, "below_policy": census.share(census.below_policy()),
        "defender_source": "estimated on this machine from one argon2id measurement (PasswordHasher::estimated_time)",
        "groups": groups, "refused": census.refused,
    })
}

/// The report as a table for a person.
fn to_text(census: &Census, hasher: &PasswordHasher, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "{} accounts, {} refused", census.total, census.refused.values().sum::<u64>())?;
    writeln!(
        out,
        "{:<28} {:<36} {:>9} {:>7} {:>7} {:>9} {:>12} {:>11} {:>14}",
        "scheme", "params", "accounts", "share", "below", "memory", "block passes", "defender", "attacker/GPU"
    )?;
    let mut sources = Vec::new();
    for ((scheme, params), g) in census.sorted() {
        let figure = attacker::figure(scheme, params, g.wrapped);
        let guesses = figure.guesses_per_s.map_or_else(|| "-".into(), |g| format!("{g:.3e}/s"));
        let index = sources.iter().position(|s| *s == figure.source).unwrap_or_else(|| {
            sources.push(figure.source.clone());
            sources.len() - 1
        });
        writeln!(
            out,
            "{scheme:<28} {params:<36} {:>9} {:>6.1}% {:>6.1}% {:>5} KiB {:>12} {:>8.1} ms {:>10} [{}]",
            g.accounts,
            census.share(g.accounts) * 100.0,
            if g.accounts == 0 { 0.0 } else { g.below_policy as f64 / g.accounts as f64 * 100.0 },
            g.cost.memory_bytes / 1024,
            g.cost.block_passes,
            defender_ms(hasher, g.cost),
            guesses,
            index + 1
        )?;
    }
    if census.sealed > 0 {
        let (n, share) = (census.sealed, census.share(census.sealed) * 100.0);
        writeln!(
            out,
            "{:<28} {SEALED_PARAMS:<36} {n:>9} {share:>6.1}% {:>6.1}% {:>9} {:>12} {:>11} {:>14}",
            "sealed", 0.0, "-", "-", "-", "-"
        )?;
    }
    for (code, n) in &census.refused {
        writeln!(out, "refused: {code} {n}")?;
    }
    writeln!(
        out,
        "{:.1} % of accounts below policy (upgraded at their next login)",
        census.share(census.below_policy()) * 100.0
    )?;
    writeln!(out, "defender: time per guess estimated on this machine (PasswordHasher::estimated_time)")?;
    if census.sealed > 0 {
        writeln!(out, "sealed: {SEALED_NOTE}")?;
    }
    for (i, source) in sources.iter().enumerate() {
        writeln!(out, "[{}] attacker guesses/s per RTX 4090: {source}", i + 1)?;
    }
    Ok(())
}

/// `guardrail migrate census [FILE|-] [--json]`.
pub(crate) fn census(args: &CensusArgs) -> Result<(), CliError> {
    let hasher = args.cost.hasher(args.profile.params())?;
    let mut input = lines::open(args.input.as_ref())?;
    let mut census = Census::default();
    loop {
        match input.next_line()? {
            Next::Line(line) => census.add(&hasher, Some(&line)),
            Next::TooLong(_) => {
                input.copy_rest(&mut io::sink())?;
                census.add(&hasher, None);
            }
            Next::End => break,
        }
    }
    input.bar().finish_and_clear();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.json {
        writeln!(out, "{}", to_json(&census, &hasher))?;
    } else {
        to_text(&census, &hasher, &mut out)?;
    }
    out.flush()?;
    Ok(())
}
