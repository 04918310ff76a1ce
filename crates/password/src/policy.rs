//! New-password policy after NIST SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0
//! §6.2: length in code points, a blocklist of common, expected and
//! compromised values (an exact-match list and zxcvbn's guessability
//! estimate), context words; no composition rules and no forced rotation.

mod looks;
mod score;

use std::{collections::HashSet, fmt, sync::LazyLock};

use guardrail_secret::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::{Error, MAX_PASSWORD_BYTES};
use looks::{fold, invisible, looks_like, looks_like_len, looks_like_string};

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
    /// On the list of common passwords (case-insensitive, after NFKC), as
    /// typed or as it looks (hidden characters, accents and look-alike
    /// letters of other scripts folded away; see [`PasswordPolicy::check`]).
    Common,
    /// Contains the user name, the e-mail's local part or the service name,
    /// as typed or as it looks.
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
    /// protection from an offline slow-hash scenario" (an estimate of 10⁸
    /// to 10¹⁰ guesses; fewer than 10⁸ is below it).
    pub const DEFAULT_MIN_SCORE: u8 = 3;

    /// The most characters of a password zxcvbn sees: the first 100 (its
    /// cost grows faster than linearly with length; the crate itself stops
    /// there too). A password whose first 100 characters are guessable is
    /// refused whatever follows. Fewer are scored when the l33t characters
    /// they hold would make the estimate cost more than
    /// [`PasswordPolicy::SCORE_WORK_BUDGET`] (never fewer than
    /// [`PasswordPolicy::MIN_SCORED_CHARS`]).
    pub const SCORED_CHARS: usize = 100;

    /// The fewest characters zxcvbn sees when the password has that many:
    /// 16, one more than the default minimum length. Its worst case (the
    /// 16 l33t characters that give zxcvbn the most substitution maps) is
    /// well inside the budget.
    pub const MIN_SCORED_CHARS: usize = 16;

    /// The work one estimate may cost, in units of one substring lookup of
    /// one zxcvbn dictionary pass: `(maps + 6) × n²` for `n` characters
    /// holding l33t characters for which zxcvbn enumerates `maps`
    /// substitution maps (it runs a full dictionary pass per map; the plain
    /// passes and the rest of the estimate cost about 6 more). Measured
    /// (release, 2-core machine): 0.1–0.2 µs a unit, so 250,000 units is
    /// about 50 ms — two or three OWASP-profile argon2 hashes. A plain
    /// 100-character password costs 60,000 units and is scored whole; 100
    /// characters dense in l33t characters (800 maps) would cost 8 million
    /// units (about 1 s) and are scored on a shorter prefix instead. The
    /// budget is for the whole check: when the password's folded form (what
    /// it looks like, see [`PasswordPolicy::check`]) differs from its NFKC
    /// form other than in case, both are scored, each within half of it.
    /// The floor of [`PasswordPolicy::MIN_SCORED_CHARS`] holds for each
    /// form, so two estimates at the floor can cost up to 412,672 units
    /// (the 16 l33t characters with the most maps, `4@({[<691!|7$5+2`, then
    /// a homoglyph). Measured (release, `cargo bench -p guardrail-benches
    /// --bench password -- password_policy_check`, 2-core machine): worst
    /// case 47 ms for one form; both forms within their halves 44 ms
    /// (l33t-dense input, 4 KiB, a Cyrillic letter in front); both at the
    /// floor 63 ms.
    pub const SCORE_WORK_BUDGET: u64 = 250_000;

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
    /// The judgements hold for what the password looks like, not only for
    /// its code points: a zero-width space, soft hyphen, U+2800, a combining
    /// accent or overlay, or a Cyrillic `а` in place of a Latin `a` does not
    /// lift a refused password past any of them. Besides its NFKC form the
    /// check computes a folded form — NFD without Default_Ignorable code
    /// points, format characters (Cf), nonspacing and enclosing marks (Mn,
    /// Me) and U+2800; each non-ASCII character replaced by its UTS #39
    /// confusable skeleton; lower case — and refuses the password if either
    /// form is on the blocklist, contains a context word (itself compared
    /// in both forms), or scores below the minimum (the lower score
    /// counts). ASCII is not put through the skeleton (it maps `m` to `rn`
    /// and `0` to `O`, which would make known words unknown). The minimum
    /// length counts code points that are neither Default_Ignorable nor Cf
    /// nor U+2800 (marks count: Devanagari and Thai write vowels with them).
    ///
    /// Guessability ([`Violation::Guessable`]) is estimated with zxcvbn on
    /// a prefix of the NFKC form (at most [`PasswordPolicy::SCORED_CHARS`]
    /// characters), with the context words, the e-mail's local part and
    /// the service words as its user inputs; only for a password inside the
    /// length window and not already on the blocklist. Only the score is
    /// read: zxcvbn's feedback and match sequence hold pieces of the
    /// password and never reach an error.
    ///
    /// The estimate's cost grows with the square of the length times the
    /// number of l33t substitution maps zxcvbn tries (up to 800 for input
    /// dense in distinct l33t characters such as `4@8({[<3691!|7 0$5+%2`;
    /// unbounded, 100 such characters cost about 1 s). The prefix is the
    /// longest (≤ 100 characters, ≥ [`PasswordPolicy::MIN_SCORED_CHARS`])
    /// whose work, counted before zxcvbn runs, stays within
    /// [`PasswordPolicy::SCORE_WORK_BUDGET`] (half of it each when both
    /// forms are scored). Text of letters, digits and `space . _ -` (at
    /// most 8 maps) is scored to 100 characters when one form is (at least
    /// 94 when both are); only text holding many distinct l33t
    /// symbols is cut (with every digit and `!@#$%^&*()`: at 63). A cut
    /// prefix is judged on its own, and zxcvbn's score is not monotone in
    /// the prefix (`dragonf00tb4llf00tb4ll` scores 1, its first 16
    /// characters 3), so such a password could pass on its prefix where
    /// 100 characters would be refused; the budget is what bounds the cost
    /// any client can make one check take. Measured worst case (release):
    /// 47 ms for one form, 44 ms for both within their halves, 63 ms for
    /// both at the 16-character floor; plain text 0.3 ms at 15
    /// characters, 4–8 ms at 64, 9–20 ms at 100; the folding itself at
    /// most 10 ms (4 KiB of U+FDFA, 24,570 characters after NFKC).
    /// Call this where blocking work may run, not on an async executor's
    /// thread — async callers use
    /// `PasswordHasher::hash_new_async` (feature `tokio`), which checks and
    /// hashes on the hasher's workers. zxcvbn's own copies of the
    /// password are freed without a wipe (the crate offers no way to ask).
    /// The check's own copies (NFKC, lower case, folded form) are sized
    /// so they never reallocate and are wiped; the skeleton is computed a
    /// character at a time without a heap buffer, except that the Unicode
    /// normaliser's inline buffer spills to the heap for a character with
    /// more than 4 combining marks (freed without a wipe, as for NFKC).
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
        // What the password looks like (see `looks_like`), sized exactly by
        // a counting pass so it never reallocates either.
        let mut looks = Zeroizing::new(String::with_capacity(looks_like_len(&nfkc)));
        looks_like(&nfkc, |c| looks.push(c));
        let visible = nfkc.chars().filter(|&c| !invisible(c)).count();
        if chars.min(visible) < self.min_chars {
            violations.push(Violation::TooShort);
        }
        if chars > self.max_chars {
            violations.push(Violation::TooLong);
        }
        if self.blocklist && (BLOCKLIST.contains(folded.as_str()) || BLOCKLIST.contains(looks.as_str())) {
            violations.push(Violation::Common);
        }
        let user_words = context.iter().map(|w| w.split('@').next().unwrap_or(w));
        let mut words = self.service_words.iter().map(String::as_str).chain(user_words);
        if words.any(|w| {
            let (plain, seen) = (fold(w), looks_like_string(w));
            (plain.chars().count() >= 4 && folded.contains(&plain))
                || (seen.chars().count() >= 4 && looks.contains(&seen))
        }) {
            violations.push(Violation::ContainsContext);
        }
        let judged =
            !violations.iter().any(|v| matches!(v, Violation::TooShort | Violation::TooLong | Violation::Common));
        if self.min_score > 0 && judged {
            // The folded form is scored only when it differs from the NFKC
            // form other than in case; the budget is then split between
            // the two estimates so their sum stays within it.
            let both = looks.as_str() != folded.as_str();
            let budget = if both { Self::SCORE_WORK_BUDGET / 2 } else { Self::SCORE_WORK_BUDGET };
            let mut score = self.score(&nfkc, context, budget);
            if both && score >= self.min_score {
                score = score.min(self.score(&looks, context, budget));
            }
            if score < self.min_score {
                violations.push(Violation::Guessable);
            }
        }
        if violations.is_empty() { Ok(()) } else { Err(Error::Policy(PolicyViolations(violations))) }
    }
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

    /// The hostile review's variants: one hidden character, homoglyph or
    /// mark in a refused password.
    const REVIEW_VARIANTS: &[&str] = &[
        "pass\u{200b}wordpassword",                 // zero-width space
        "pass\u{ad}wordpassword",                   // soft hyphen
        "pass\u{2800}wordpassword",                 // braille blank
        "pass\u{2060}wordpassword",                 // word joiner (Cf)
        "pass\u{fe0f}wordpassword",                 // variation selector
        "p\u{430}sswordpassword",                   // Cyrillic а
        "passw\u{43e}rdpassword",                   // Cyrillic о
        "p\u{430}ssw\u{43e}rdp\u{430}ssw\u{43e}rd", // several
        "pas\u{15b}wordpassword",                   // ś, precomposed
        "pass\u{301}wordpassword",                  // combining acute
        "pas\u{335}swordpassword",                  // combining short stroke overlay
        "p\u{335}a\u{335}s\u{335}s\u{335}wordpassword",
        "\u{202e}passwordpassword", // bidi override
    ];

    #[test]
    fn hidden_characters_and_homoglyphs_do_not_lift_a_refused_password() {
        let p = PasswordPolicy::default();
        assert_eq!(codes(&p, "passwordpassword", &[]), ["guessable"]);
        for pw in REVIEW_VARIANTS {
            assert_eq!(codes(&p, pw, &[]), ["guessable"], "{}", pw.escape_unicode());
        }
    }

    #[test]
    fn hidden_characters_and_homoglyphs_do_not_pass_the_blocklist() {
        let p = PasswordPolicy::with_mfa();
        assert_eq!(codes(&p, "password123", &[]), ["common_password"]);
        for pw in [
            "p\u{200b}assword123",
            "p\u{ad}assword123",
            "p\u{2800}assword123",
            "p\u{430}ssword123",
            "pa\u{301}ssword123",
            "\u{440}assword123", // Cyrillic р
            "qwerty\u{200d}uiop",
            "sun\u{455}hine", // Cyrillic ѕ
        ] {
            assert_eq!(codes(&p, pw, &[]), ["common_password"], "{}", pw.escape_unicode());
        }
        // The review's example: not on the list, but no longer lifted past
        // the estimate either.
        let single = PasswordPolicy::default();
        assert_eq!(codes(&single, "password1234567", &[]), ["guessable"]);
        assert_eq!(codes(&single, "p\u{200b}assword1234567", &[]), ["guessable"]);
    }

    #[test]
    fn hidden_characters_and_homoglyphs_do_not_hide_context_words() {
        let p = PasswordPolicy::default().service_words(["Acme"]);
        // A Cyrillic letter inside the password, or inside the user name.
        for (pw, user) in [
            ("J\u{430}neDoe-likes-long-passwords", "janedoe"),
            ("Jane\u{200b}Doe-likes-long-passwords", "janedoe"),
            ("Jane\u{301}Doe-likes-long-passwords", "janedoe"),
            ("JaneDoe-likes-long-passwords", "j\u{430}nedoe"),
            ("my \u{430}cme passphrase is long", "bob"),
            ("my ac\u{2060}me passphrase is long", "bob"),
        ] {
            assert_eq!(codes(&p, pw, &[user]), ["contains_context"], "{}", pw.escape_unicode());
        }
        // An e-mail local part with a homoglyph.
        assert_eq!(
            codes(&p, "xx-jane.doe.1990-long-enough", &["jd", "j\u{430}ne.doe@example.com"]),
            ["contains_context"]
        );
    }

    #[test]
    fn hidden_characters_do_not_pad_the_length() {
        let p = PasswordPolicy::default();
        // 14 visible characters and a zero-width space: too short.
        assert!(codes(&p, "Xq7#vL2!mR9@tK\u{200b}", &[]).contains(&"too_short"));
        assert!(codes(&p, "Xq7#vL2!mR9@tK4", &[]).is_empty());
    }

    #[test]
    fn strong_passwords_in_other_scripts_and_with_accents_pass() {
        let p = PasswordPolicy::default();
        for pw in [
            "naïve-crème-brûlée-déjà-vu",
            "Ψηφίδα-κλεψύδρα-ανεμώνη-ζέφυρος", // Greek words
            "ξζψθλμπφχωσδγβ-ρνκτ",             // random Greek, 20 characters
            "щёлкжэюфцяьзбйгхвшъ",             // random Cyrillic
            "Сковорода-ёжик-вьюга-шмель",      // Cyrillic words
            "日本語のパスワードはとても長いです",
            "Tr\u{e4}umerei über Brücken 1987!",
        ] {
            assert!(codes(&p, pw, &[]).is_empty(), "{pw}");
        }
    }

    /// Every hidden character of one kind, for the property below.
    const HIDDEN: &[char] = &[
        '\u{200b}',
        '\u{200c}',
        '\u{200d}',
        '\u{2060}',
        '\u{ad}',
        '\u{2800}',
        '\u{fe0f}',
        '\u{feff}',
        '\u{180e}',
        '\u{115f}',
        '\u{3164}',
        '\u{202e}',
        '\u{2066}',
        '\u{301}',
        '\u{335}',
        '\u{20dd}',
        '\u{e0041}',
    ];

    /// Refused passwords, for the property below.
    const REFUSED: &[&str] = &[
        "passwordpassword",
        "iloveyouiloveyou",
        "qwertyuiopasdfghjkl",
        "1234567890123456",
        "p@ssw0rdp@ssw0rd",
        "kestrelkestrelkestrel",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Inserting any hidden character anywhere into a refused password
        /// keeps it refused.
        #[test]
        fn a_hidden_character_never_lifts_a_refusal(
            pw in proptest::sample::select(REFUSED),
            at in 0usize..32,
            hidden in proptest::sample::select(HIDDEN),
        ) {
            let p = PasswordPolicy::default();
            proptest::prop_assert!(!codes(&p, pw, &[]).is_empty());
            let at = at % (pw.chars().count() + 1);
            let variant: String = pw.chars().take(at).chain(std::iter::once(hidden)).chain(pw.chars().skip(at)).collect();
            proptest::prop_assert_eq!(codes(&p, &variant, &[]), codes(&p, pw, &[]), "{}", variant.escape_unicode());
        }
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
