//! The one place a stored string is identified and parsed: argon2 PHC
//! (plain, or in Django's `argon2$` and Spring's `{argon2}` wrappings), a
//! wrapped legacy hash (`$guardrail-wrap$v=1$…`) and every legacy scheme
//! (feature `legacy`, one table in `legacy/mod.rs`). Each is parsed once
//! into a typed value and its cost checked against the caps here, before
//! any job is queued: a hostile row costs no admission. Sealed values
//! (`$guardrail-sealed$v1$…`) are opened by the hasher first.

use crate::{Caps, Cost, Error, Params, cost, phc};
#[cfg(feature = "legacy")]
use crate::{legacy, wrap};

/// The longest stored string looked at, bytes (a wrapped string carries an
/// argon2id PHC string after its inner scheme; everything else is shorter).
const MAX_STORED_LEN: usize = 2048;

/// Wrappings of an argon2 PHC string another system writes, re-stored in
/// our own form at the next login: the prefix, and what replaces it.
const ARGON2_WRAPPINGS: &[(&str, &str)] = &[
    // Django's Argon2PasswordHasher: `argon2` + the PHC string minus its `$`.
    ("argon2$", "$"),
    // Spring Security's DelegatingPasswordEncoder ids for Argon2PasswordEncoder.
    ("{argon2}", ""),
    ("{argon2@SpringSecurity_v5_8}", ""),
];

/// The scheme id of stored plaintext (`{noop}`, `{CLEARTEXT}`).
#[cfg(feature = "legacy")]
const PLAINTEXT: &str = "plaintext";

/// A parsed, cost-checked stored value.
pub(crate) enum Stored {
    /// argon2 in PHC form; `force_upgrade` for wrappings we re-store
    /// (Django's, Spring's).
    Phc {
        /// The parsed PHC string.
        phc: phc::Phc,
        /// Upgrade on a successful login whatever its parameters.
        force_upgrade: bool,
    },
    /// A legacy scheme (feature `legacy`).
    #[cfg(feature = "legacy")]
    Legacy(legacy::Parsed),
    /// A legacy scheme wrapped in argon2id (feature `legacy`).
    #[cfg(feature = "legacy")]
    Wrapped(wrap::Wrapped),
}

/// Identifies and parses `s` once, checking its cost against `caps`;
/// stored plaintext only when `plaintext_ok` (a wrapped plaintext row is
/// argon2id over the password, no longer plaintext: it needs no opt-in).
///
/// # Errors
///
/// [`Error::OutOfPolicy`] naming the parameter above `caps` (or `length`);
/// [`Error::Malformed`] naming the part; [`Error::Unsupported`] for a
/// format we recognise but do not verify; [`Error::PlaintextRefused`] for
/// raw plaintext without the opt-in.
pub(crate) fn parse(s: &str, caps: &Caps, plaintext_ok: bool) -> Result<Stored, Error> {
    if s.len() > MAX_STORED_LEN {
        return Err(cost::over("length", MAX_STORED_LEN as u64, "bytes"));
    }
    for &(prefix, replacement) in ARGON2_WRAPPINGS {
        if let Some(rest) = s.strip_prefix(prefix) {
            return Ok(Stored::Phc { phc: phc::parse(&format!("{replacement}{rest}"), caps)?, force_upgrade: true });
        }
    }
    #[cfg(feature = "legacy")]
    if let Some(stored) = parse_legacy(s, caps, plaintext_ok)? {
        return Ok(stored);
    }
    #[cfg(not(feature = "legacy"))]
    let _ = plaintext_ok;
    Ok(Stored::Phc { phc: phc::parse(s, caps)?, force_upgrade: false })
}

/// A wrapped or legacy stored string, parsed and checked; `None` when no
/// legacy format recognises it (then it is PHC or nothing we read).
#[cfg(feature = "legacy")]
fn parse_legacy(s: &str, caps: &Caps, plaintext_ok: bool) -> Result<Option<Stored>, Error> {
    if s.starts_with(wrap::PREFIX) {
        // Wrapped plaintext is argon2id over the password: it verifies
        // (and is upgraded) without the opt-in, which stays needed to
        // verify or wrap a raw plaintext row.
        let wrapped = wrap::parse(s, caps)?;
        return Ok(Some(Stored::Wrapped(wrapped)));
    }
    let Some(parsed) = legacy::parse(s) else { return Ok(None) };
    let parsed = parsed?;
    parsed.check(caps)?;
    refuse_plaintext(parsed.id(), plaintext_ok)?;
    Ok(Some(Stored::Legacy(parsed)))
}

#[cfg(feature = "legacy")]
fn refuse_plaintext(id: &str, plaintext_ok: bool) -> Result<(), Error> {
    if id == PLAINTEXT && !plaintext_ok {
        return Err(Error::PlaintextRefused);
    }
    Ok(())
}

/// What a stored hash is, without its salt or digest: what
/// [`crate::PasswordHasher::inspect`] answers (a census, an import check).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredInfo {
    /// The scheme's stable id: `argon2id`, `argon2i`, `argon2d` for argon2
    /// PHC (in any wrapping), `django-pbkdf2-sha256`, `bcrypt`,
    /// `spring-scrypt-v5_8`, … for legacy schemes (the inner scheme of a
    /// wrapped hash).
    pub scheme: &'static str,
    /// The public parameters, `k=v` comma-separated (`m=19456,t=2,p=1`
    /// for argon2; empty when the scheme id implies them all). Never the
    /// salt or the digest.
    pub params: String,
    /// What one verify costs (a wrapped hash: its inner scheme and its
    /// argon2id together).
    pub cost: Cost,
    /// Whether a successful login answers with an upgrade: always for a
    /// legacy or wrapped hash, for argon2 below the hasher's policy or in
    /// another system's wrapping.
    pub upgrade_on_login: bool,
    /// Whether it is a legacy hash wrapped in argon2id
    /// (`$guardrail-wrap$v=1$…`).
    pub wrapped: bool,
    /// Whether it is stored plaintext (`{noop}`, `{CLEARTEXT}`).
    pub plaintext: bool,
}

impl Stored {
    /// What this stored value is, against the hasher's `policy`.
    pub(crate) fn info(&self, policy: &Params) -> StoredInfo {
        match self {
            Self::Phc { phc, force_upgrade } => StoredInfo {
                scheme: phc.algorithm_name(),
                params: phc.params_text(),
                cost: phc.cost(),
                upgrade_on_login: *force_upgrade || phc.outdated(policy),
                wrapped: false,
                plaintext: false,
            },
            #[cfg(feature = "legacy")]
            Self::Legacy(parsed) => StoredInfo {
                scheme: parsed.id(),
                params: parsed.public_params(),
                cost: parsed.cost(),
                upgrade_on_login: true,
                wrapped: false,
                plaintext: parsed.id() == PLAINTEXT,
            },
            #[cfg(feature = "legacy")]
            Self::Wrapped(wrapped) => StoredInfo {
                scheme: wrapped.inner.id(),
                params: wrapped.inner.public_params(),
                cost: wrapped.inner.cost().saturating_add(wrapped.phc.cost()),
                upgrade_on_login: true,
                wrapped: true,
                plaintext: wrapped.inner.id() == PLAINTEXT,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHC: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM";

    fn caps() -> Caps {
        Caps::for_policy(&Params::OWASP)
    }

    fn info(s: &str) -> Result<StoredInfo, Error> {
        parse(s, &caps(), false).map(|stored| stored.info(&Params::OWASP))
    }

    #[test]
    fn argon2_in_every_wrapping_is_phc_and_upgrades() {
        let plain = info(PHC).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((plain.scheme, plain.params.as_str()), ("argon2id", "m=19456,t=2,p=1"));
        assert_eq!(plain.cost, Cost::argon2(19456, 2));
        assert!(!plain.upgrade_on_login && !plain.wrapped && !plain.plaintext);
        for wrapped in
            [format!("argon2{PHC}"), format!("{{argon2}}{PHC}"), format!("{{argon2@SpringSecurity_v5_8}}{PHC}")]
        {
            let info = info(&wrapped).unwrap_or_else(|e| unreachable!("{e}"));
            assert_eq!(info.scheme, "argon2id");
            assert!(info.upgrade_on_login, "{wrapped}");
        }
    }

    #[test]
    fn length_is_capped_first_and_named() {
        let long = "x".repeat(MAX_STORED_LEN + 1);
        assert!(matches!(info(&long), Err(Error::OutOfPolicy { param: "length", cap: 2048, unit: "bytes" })));
        assert!(matches!(info("{argon2}nope"), Err(Error::Malformed { .. })));
    }
}
