//! Usernames: RFC 8265 UsernameCaseMapped, plus the checks a sign-up form
//! needs that PRECIS leaves to the application.

use std::collections::BTreeSet;

use precis_profiles::{
    UsernameCaseMapped,
    precis_core::{Error as PrecisError, profile::PrecisFastInvocation},
};
use unicode_security::MixedScript;

use crate::{Error, Kind, Reason, validated_string_type};

/// A validated username in its canonical form, so two accounts cannot have
/// names that display alike.
///
/// The canonical form is RFC 8265's UsernameCaseMapped (width mapping of
/// full-/half-width characters, Unicode default case folding, NFC, the
/// RFC 5893 bidi rule, and the PRECIS IdentifierClass: letters, digits and
/// ASCII punctuation, no spaces or symbols). On top of that the default
/// [`UsernamePolicy`] refuses invisible characters, mixed-script names (a
/// Cyrillic `а` in an otherwise Latin `аdmin`), names shorter than 3 or
/// longer than 32 characters, and reserved names (`admin`, `root`,
/// `support`, ...).
///
/// ```
/// use guardrail_validate::Username;
/// let u: Username = "ＪａｎｅＤｏｅ".parse().unwrap(); // full-width
/// assert_eq!(u.as_str(), "janedoe");
/// assert_eq!("Admin".parse::<Username>().unwrap_err().code(), "reserved_name");
/// assert_eq!("p\u{0430}ypal".parse::<Username>().unwrap_err().code(), "mixed_script"); // Cyrillic а
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

validated_string_type!(Username);

impl Username {
    /// Parses with [`UsernamePolicy::default`].
    pub fn parse(input: &str) -> Result<Self, Error> {
        // Built once: canonicalising the reserved names is not free.
        static DEFAULT: std::sync::LazyLock<UsernamePolicy> = std::sync::LazyLock::new(UsernamePolicy::default);
        DEFAULT.parse(input)
    }

    /// The canonical form.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Input longer than this (in bytes) is refused before any Unicode work.
const MAX_INPUT: usize = 1024;

/// The names refused by default: accounts users could mistake for staff or
/// for the system, and names that break URLs or code that handles them.
pub const DEFAULT_RESERVED: &[&str] = &[
    "abuse",
    "admin",
    "administrator",
    "anonymous",
    "api",
    "root",
    "security",
    "staff",
    "support",
    "superuser",
    "sysadmin",
    "system",
    "help",
    "helpdesk",
    "hostmaster",
    "info",
    "mail",
    "moderator",
    "noc",
    "noreply",
    "no-reply",
    "null",
    "owner",
    "postmaster",
    "undefined",
    "webmaster",
    "www",
];

/// Length bounds and reserved names for [`Username`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernamePolicy {
    min_chars: usize,
    max_chars: usize,
    reserved: BTreeSet<String>,
}

impl Default for UsernamePolicy {
    /// 3..=32 characters, [`DEFAULT_RESERVED`].
    fn default() -> Self {
        Self::new(3, 32).with_reserved(DEFAULT_RESERVED.iter().copied())
    }
}

impl UsernamePolicy {
    /// A policy with these length bounds (in characters of the canonical
    /// form; clamped to 1..=256) and no reserved names.
    #[must_use]
    pub fn new(min_chars: usize, max_chars: usize) -> Self {
        let min_chars = min_chars.clamp(1, 256);
        Self { min_chars, max_chars: max_chars.clamp(min_chars, 256), reserved: BTreeSet::new() }
    }

    /// Adds reserved names. Each is canonicalised the same way as input, so
    /// `"Admin"` reserves `admin`, `ＡＤＭＩＮ` and `ADMIN`. Names that are
    /// not valid usernames cannot be entered anyway and are skipped.
    #[must_use]
    pub fn with_reserved<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        for name in names {
            if let Ok(canonical) = UsernameCaseMapped::enforce(name) {
                self.reserved.insert(canonical.into_owned());
            }
        }
        self
    }

    /// Parses and canonicalises a username under this policy.
    pub fn parse(&self, input: &str) -> Result<Username, Error> {
        self.check(input).map(Username).map_err(|r| Error::invalid(Kind::Username, r))
    }

    fn check(&self, input: &str) -> Result<String, Reason> {
        crate::precheck(input, MAX_INPUT)?;
        let canonical = UsernameCaseMapped::enforce(input).map_err(|e| match e {
            PrecisError::Invalid => Reason::Bidi,
            _ => Reason::InvalidChar,
        })?;
        // PRECIS enforcement is not always idempotent: `<` followed by
        // U+0338 passes the character checks, then NFC composes it into `≮`,
        // which does not. A canonical form must parse to itself.
        if UsernameCaseMapped::enforce(canonical.as_ref()).ok().as_deref() != Some(canonical.as_ref()) {
            return Err(Reason::InvalidChar);
        }
        if !canonical.as_ref().is_single_script() {
            return Err(Reason::MixedScript);
        }
        let chars = canonical.chars().count();
        if chars < self.min_chars {
            return Err(Reason::TooShort);
        }
        if chars > self.max_chars {
            return Err(Reason::TooLong);
        }
        if self.reserved.contains(canonical.as_ref()) {
            return Err(Reason::ReservedName);
        }
        Ok(canonical.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> &'static str {
        Username::parse(s).map_or_else(|e| e.code(), |_| "ok")
    }

    #[test]
    fn every_reason_code() {
        assert_eq!(code("jane_doe-42"), "ok");
        assert_eq!(code(""), "empty");
        assert_eq!(code(&"a".repeat(2000)), "too_long");
        assert_eq!(code(&"a".repeat(33)), "too_long");
        assert_eq!(code("ab"), "too_short");
        assert_eq!(code("jane\ndoe"), "control_char");
        assert_eq!(code("jane\u{200d}doe"), "invisible");
        assert_eq!(code("jane\u{202e}doe"), "invisible");
        assert_eq!(code("jane doe"), "invalid_char");
        assert_eq!(code("jane☃"), "invalid_char");
        assert_eq!(code("ab<\u{338}c"), "invalid_char"); // NFC makes it `≮`: not idempotent (found by fuzzing)
        assert_eq!(code("\u{5d0}abc"), "bidi"); // Hebrew letter then Latin: fails the bidi rule
        assert_eq!(code("аdmin"), "mixed_script"); // Cyrillic а
        assert_eq!(code("ROOT"), "reserved_name");
        assert_eq!(code("ｒｏｏｔ"), "reserved_name");
    }

    #[test]
    fn canonical_forms() {
        let canon = |s: &str| Username::parse(s).map(|u| u.as_str().to_owned()).unwrap_or_default();
        assert_eq!(canon("JaneDoe"), "janedoe");
        assert_eq!(canon("ＪａｎｅＤｏｅ"), "janedoe");
        assert_eq!(canon("Straße"), "straße");
        assert_eq!(canon("Ελένη"), "ελένη");
        assert_eq!(canon("山田太郎"), "山田太郎");
        assert_eq!(canon("さくら123"), "さくら123");
    }

    #[test]
    fn policy_is_configurable() {
        let p = UsernamePolicy::new(1, 8).with_reserved(["Ops"]);
        assert!(p.parse("x").is_ok());
        assert_eq!(p.parse("OPS").map_err(|e| e.code()).err(), Some("reserved_name"));
        assert!(p.parse("admin").is_ok());
        assert_eq!(p.parse("abcdefghi").map_err(|e| e.code()).err(), Some("too_long"));
    }
}
