//! New-password policy after NIST SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0
//! §6.2: length in code points, a blocklist, context words; no
//! composition rules and no forced rotation.

use std::{collections::HashSet, fmt, sync::LazyLock};

use guardrail_secret::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::{Error, MAX_PASSWORD_BYTES};

/// The 30,000 most common passwords (zxcvbn's list, MIT; see `data/README.md`).
static BLOCKLIST: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../data/common-passwords.txt").lines().filter(|l| !l.is_empty()).collect());

/// One reason a new password is refused, with a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Violation {
    /// Fewer code points than the policy's minimum.
    TooShort,
    /// More code points than the policy's maximum.
    TooLong,
    /// On the list of common passwords (case-insensitive, after NFKC).
    Common,
    /// Contains the user name, the e-mail's local part or the service name.
    ContainsContext,
}

impl Violation {
    /// `too_short`, `too_long`, `common_password`, `contains_context`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::Common => "common_password",
            Self::ContainsContext => "contains_context",
        }
    }
}

/// Every violation of one password, in a fixed order. Holds codes only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyViolations(Vec<Violation>);

impl PolicyViolations {
    /// The violations.
    #[must_use]
    pub fn violations(&self) -> &[Violation] {
        &self.0
    }

    /// The codes, for an API response.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|v| v.code())
    }
}

impl fmt::Display for PolicyViolations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<&str> = self.codes().collect();
        f.write_str(&codes.join(", "))
    }
}

/// Rules for *new* passwords (sign-up, change, reset). Verification never
/// applies them: a stored password is checked against its hash only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    min_chars: usize,
    max_chars: usize,
    blocklist: bool,
    service_words: Vec<String>,
}

impl Default for PasswordPolicy {
    /// [`PasswordPolicy::single_factor`].
    fn default() -> Self {
        Self::single_factor()
    }
}

impl PasswordPolicy {
    /// NIST SP 800-63B-4 for a password used alone: 15..=128 code points,
    /// blocklist on.
    #[must_use]
    pub fn single_factor() -> Self {
        Self { min_chars: 15, max_chars: 128, blocklist: true, service_words: Vec::new() }
    }

    /// For a password that is one factor of MFA: at least 8 code points.
    #[must_use]
    pub fn with_mfa() -> Self {
        Self { min_chars: 8, ..Self::single_factor() }
    }

    /// Length bounds in code points (after NFKC); the maximum is at least
    /// 64 (NIST SHOULD) and the bytes stay under [`MAX_PASSWORD_BYTES`].
    #[must_use]
    pub fn length(mut self, min_chars: usize, max_chars: usize) -> Self {
        self.min_chars = min_chars.max(1);
        self.max_chars = max_chars.max(64).max(self.min_chars);
        self
    }

    /// Adds words every password of this service must not contain (its
    /// name, its domain).
    #[must_use]
    pub fn service_words<'a>(mut self, words: impl IntoIterator<Item = &'a str>) -> Self {
        self.service_words.extend(words.into_iter().map(fold));
        self
    }

    /// Checks a new password. `context` holds the user's own words: user
    /// name, e-mail address (its local part is used), display name. Words
    /// shorter than 4 characters are ignored.
    pub fn check(&self, password: &SecretString, context: &[&str]) -> Result<(), Error> {
        let raw = password.expose_secret();
        let mut violations = Vec::new();
        if raw.len() > MAX_PASSWORD_BYTES {
            violations.push(Violation::TooLong);
            return Err(Error::Policy(PolicyViolations(violations)));
        }
        // NFKC once: its length in code points, then its lower case.
        let nfkc: Zeroizing<String> = Zeroizing::new(raw.nfkc().collect());
        let chars = nfkc.chars().count();
        let folded: Zeroizing<String> = Zeroizing::new(nfkc.chars().flat_map(char::to_lowercase).collect());
        if chars < self.min_chars {
            violations.push(Violation::TooShort);
        }
        if chars > self.max_chars {
            violations.push(Violation::TooLong);
        }
        if self.blocklist && BLOCKLIST.contains(folded.as_str()) {
            violations.push(Violation::Common);
        }
        let user_words = context.iter().map(|w| fold(w.split('@').next().unwrap_or(w)));
        let mut words = self.service_words.iter().cloned().chain(user_words);
        if words.any(|w| w.chars().count() >= 4 && folded.contains(&w)) {
            violations.push(Violation::ContainsContext);
        }
        if violations.is_empty() { Ok(()) } else { Err(Error::Policy(PolicyViolations(violations))) }
    }
}

/// NFKC and lower case, for comparisons.
fn fold(s: &str) -> String {
    s.nfkc().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(policy: &PasswordPolicy, pw: &str, context: &[&str]) -> Vec<&'static str> {
        match policy.check(&SecretString::from(pw), context) {
            Ok(()) => vec![],
            Err(Error::Policy(v)) => v.codes().collect(),
            Err(e) => vec![if matches!(e, Error::Busy) { "busy" } else { "other" }],
        }
    }

    #[test]
    fn nist_rules() {
        let p = PasswordPolicy::default();
        assert!(codes(&p, "correct horse battery staple", &[]).is_empty());
        assert_eq!(codes(&p, "short", &[]), ["too_short"]);
        assert_eq!(codes(&p, &"x".repeat(129), &[]), ["too_long"]);
        // Length is in code points, after NFKC: 15 CJK characters are enough.
        assert!(codes(&p, "日本語のパスワードはとても長いです", &[]).is_empty());
        // No composition rules: all lower case is fine.
        assert!(codes(&p, "alllowercaseletters", &[]).is_empty());
    }

    #[test]
    fn blocklist_is_case_insensitive_after_nfkc() {
        let p = PasswordPolicy::with_mfa();
        assert_eq!(codes(&p, "password", &[]), ["common_password"]);
        assert_eq!(codes(&p, "PassWord", &[]), ["common_password"]);
        assert_eq!(codes(&p, "ｐａｓｓｗｏｒｄ", &[]), ["common_password"]); // full-width
        assert_eq!(codes(&p, "qwertyuiop", &[]), ["common_password"]);
        assert!(BLOCKLIST.len() >= 10_000);
    }

    #[test]
    fn context_words() {
        let p = PasswordPolicy::default().service_words(["Acme"]);
        assert_eq!(codes(&p, "my acme password is long", &[]), ["contains_context"]);
        assert_eq!(codes(&p, "JaneDoe-likes-long-passwords", &["janedoe", "jane@example.com"]), ["contains_context"]);
        assert_eq!(codes(&p, "xx-jane.doe.1990-long-enough", &["jd", "jane.doe@example.com"]), ["contains_context"]);
        assert!(codes(&p, "a perfectly fine passphrase", &["bob", "bo@x.io"]).is_empty());
        assert_eq!(codes(&p, "acme", &["acme"]), ["too_short", "contains_context"]);
    }
}
