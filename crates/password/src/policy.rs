//! New-password policy after NIST SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0
//! §6.2: length in code points, a blocklist of common, expected and
//! compromised values (an exact-match list and zxcvbn's guessability
//! estimate), context words; no composition rules and no forced rotation.

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
    /// Easy to guess: zxcvbn's estimate (common words, repeats, sequences,
    /// keyboard walks, dates, substitutions, the context words) scores it
    /// below the policy's minimum ([`PasswordPolicy::min_score`]).
    Guessable,
}

impl Violation {
    /// `too_short`, `too_long`, `common_password`, `contains_context`, `guessable`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::Common => "common_password",
            Self::ContainsContext => "contains_context",
            Self::Guessable => "guessable",
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
    min_score: u8,
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
    /// blocklist on, zxcvbn score at least [`PasswordPolicy::DEFAULT_MIN_SCORE`].
    #[must_use]
    pub fn single_factor() -> Self {
        Self {
            min_chars: 15,
            max_chars: 128,
            blocklist: true,
            min_score: Self::DEFAULT_MIN_SCORE,
            service_words: Vec::new(),
        }
    }

    /// The default minimum zxcvbn score: 3, "safely unguessable: moderate
    /// protection from an offline slow-hash scenario" (fewer than 10¹⁰
    /// guesses is below it).
    pub const DEFAULT_MIN_SCORE: u8 = 3;

    /// How many characters of a password zxcvbn sees: the first 100 (its
    /// cost grows faster than linearly with length; the crate itself stops
    /// there too). A password whose first 100 characters are guessable is
    /// refused whatever follows.
    pub const SCORED_CHARS: usize = 100;

    /// The lowest zxcvbn score (0..=4) a new password may have; 0 turns the
    /// estimate off (the exact-match blocklist stays). Values above 4 are 4.
    /// zxcvbn's scores are bands of estimated guesses: below 10³, 10⁶,
    /// 10⁸, 10¹⁰, and above.
    #[must_use]
    pub fn min_score(mut self, score: u8) -> Self {
        self.min_score = score.min(4);
        self
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
    ///
    /// Guessability ([`Violation::Guessable`]) is estimated with zxcvbn on
    /// the NFKC form's first [`PasswordPolicy::SCORED_CHARS`] characters,
    /// with the context words, the e-mail's local part and the service
    /// words as its user inputs; only for a password inside the length
    /// window and not already on the blocklist. Only the score is read:
    /// zxcvbn's feedback and match sequence hold pieces of the password and
    /// never reach an error. The estimate's cost grows faster than linearly
    /// with length (measured: about 0.3 ms at 15 characters, 8 ms at 64,
    /// 20 ms at 100 — one argon2 hash; input dense in l33t characters far
    /// more, up to about 1 s at 100): call this where blocking work may
    /// run, not on an async executor's thread — async callers use
    /// `PasswordHasher::hash_new_async` (feature `tokio`), which checks and
    /// hashes on the hasher's workers. zxcvbn's own copies of the
    /// password are freed without a wipe (the crate offers no way to ask).
    ///
    /// # Errors
    ///
    /// [`Error::Policy`] with every violation, by code; never the password.
    pub fn check(&self, password: &SecretString, context: &[&str]) -> Result<(), Error> {
        let raw = password.expose_secret();
        let mut violations = Vec::new();
        if raw.len() > MAX_PASSWORD_BYTES {
            violations.push(Violation::TooLong);
            return Err(Error::Policy(PolicyViolations(violations)));
        }
        // NFKC once: its length in code points, then its lower case. Each
        // buffer is sized for the largest expansion (NFKC 18×, lower case
        // 3× in UTF-8) so it never reallocates and leaves a copy behind.
        let mut nfkc = Zeroizing::new(String::with_capacity(raw.len().saturating_mul(18)));
        nfkc.extend(raw.nfkc());
        let chars = nfkc.chars().count();
        let mut folded = Zeroizing::new(String::with_capacity(nfkc.len().saturating_mul(3)));
        folded.extend(nfkc.chars().flat_map(char::to_lowercase));
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
        let judged =
            !violations.iter().any(|v| matches!(v, Violation::TooShort | Violation::TooLong | Violation::Common));
        if self.min_score > 0 && judged && self.score(&nfkc, context) < self.min_score {
            violations.push(Violation::Guessable);
        }
        if violations.is_empty() { Ok(()) } else { Err(Error::Policy(PolicyViolations(violations))) }
    }
}

impl PasswordPolicy {
    /// zxcvbn's score (0..=4) of the first [`PasswordPolicy::SCORED_CHARS`]
    /// characters of `nfkc`, with the context and service words as user inputs.
    fn score(&self, nfkc: &str, context: &[&str]) -> u8 {
        let end = nfkc.char_indices().nth(Self::SCORED_CHARS).map_or(nfkc.len(), |(i, _)| i);
        let scored = nfkc.get(..end).unwrap_or(nfkc);
        let mut inputs: Vec<&str> = self.service_words.iter().map(String::as_str).collect();
        for word in context {
            inputs.push(word);
            if let Some((local, _)) = word.split_once('@') {
                inputs.push(local);
            }
        }
        // Only the score leaves this function; the entropy (feedback and
        // matched pieces of the password) is dropped here.
        u8::from(zxcvbn::zxcvbn(scored, &inputs).score())
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

    #[test]
    fn long_guessable_passwords_are_refused() {
        let p = PasswordPolicy::default();
        // The input: 16 characters, on no list, a repeated word.
        assert_eq!(codes(&p, "passwordpassword", &[]), ["guessable"]);
        for pw in [
            "iloveyouiloveyou",     // repeated phrase
            "qwertyuiopasdfghjkl",  // keyboard walk
            "1234567890123456",     // sequence
            "aaaaaaaaaaaaaaaaaaaa", // repeat
            "Password12345678",     // word + sequence, capitalised
            "p@ssw0rdp@ssw0rd",     // substitutions
            "letmeinletmeinletmein",
            "ｐａｓｓｗｏｒｄｐａｓｓｗｏｒｄ", // full-width: judged after NFKC
        ] {
            assert_eq!(codes(&p, pw, &[]), ["guessable"], "{pw}");
        }
        // Passphrases and long random-looking strings pass.
        for pw in ["correct horse battery staple", "日本語のパスワードはとても長いです", "xx-jane.doe.1990-long-enough"]
        {
            assert!(codes(&p, pw, &[]).is_empty(), "{pw}");
        }
    }

    #[test]
    fn context_words_are_zxcvbn_user_inputs() {
        // Reversed, so no substring check sees it: only the estimate does.
        let p = PasswordPolicy::default();
        assert!(codes(&p, "rehtaefgniwlertsek", &[]).is_empty());
        assert_eq!(codes(&p, "rehtaefgniwlertsek", &["kestrelwingfeather"]), ["guessable"]);
        assert_eq!(codes(&p, "rehtaefgniwlertsek", &["kestrelwingfeather@example.com"]), ["guessable"]);
        let service = PasswordPolicy::default().service_words(["kestrelwingfeather"]);
        assert_eq!(codes(&service, "rehtaefgniwlertsek", &[]), ["guessable"]);
    }

    #[test]
    fn the_minimum_score_is_configurable() {
        assert_eq!(PasswordPolicy::default().min_score, PasswordPolicy::DEFAULT_MIN_SCORE);
        let off = PasswordPolicy::default().min_score(0);
        assert!(codes(&off, "passwordpassword", &[]).is_empty());
        // The exact-match list stays on with the estimate off.
        assert_eq!(codes(&PasswordPolicy::with_mfa().min_score(0), "password", &[]), ["common_password"]);
        // Score 3 ("alllowercaseletters", ~10^9.8 guesses) passes 3, not 4.
        assert!(codes(&PasswordPolicy::default(), "alllowercaseletters", &[]).is_empty());
        assert_eq!(codes(&PasswordPolicy::default().min_score(4), "alllowercaseletters", &[]), ["guessable"]);
        assert_eq!(PasswordPolicy::default().min_score(9).min_score, 4);
    }

    #[test]
    fn only_the_first_100_characters_are_scored() {
        let p = PasswordPolicy::default();
        // 100 guessable characters, then 28 random ones: refused.
        let pw = format!("{}{}", "a".repeat(PasswordPolicy::SCORED_CHARS), "Xq7#vL2!mR9@tK4$wZ8%nB3^cJ6&");
        assert_eq!(pw.chars().count(), 128);
        assert_eq!(codes(&p, &pw, &[]), ["guessable"]);
        // Counted in characters, not bytes: 100 multibyte characters are cut cleanly.
        let cjk = format!("{}{}", "語".repeat(99), "日本");
        assert!(matches!(codes(&p, &cjk, &[]).as_slice(), [] | ["guessable"]));
    }

    #[test]
    fn refusals_never_hold_the_password() {
        let p = PasswordPolicy::default();
        let result = p.check(&SecretString::from("kestrelkestrelkestrel"), &["someone"]);
        assert_eq!(codes(&p, "kestrelkestrelkestrel", &["someone"]), ["guessable"]);
        for shown in [format!("{result:?}"), result.map_err(|e| e.to_string()).err().unwrap_or_default()] {
            assert!(!shown.contains("kestrel"), "{shown}");
            assert!(shown.contains("guessable") || shown.contains("Guessable"), "{shown}");
        }
    }
}
