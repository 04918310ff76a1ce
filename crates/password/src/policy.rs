//! New-password policy after NIST SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0
//! §6.2: length in code points, a blocklist of common, expected and
//! compromised values (an exact-match list and zxcvbn's guessability
//! estimate), context words; no composition rules and no forced rotation.

use std::{collections::HashSet, fmt, sync::LazyLock};

use guardrail_secret::{ExposeSecret, SecretString};
use icu_properties::{
    CodePointMapData, CodePointSetData,
    props::{DefaultIgnorableCodePoint, GeneralCategory},
};
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
    /// protection from an offline slow-hash scenario" (fewer than 10¹⁰
    /// guesses is below it).
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

impl PasswordPolicy {
    /// zxcvbn's score (0..=4) of the first [`scored_chars`] characters of
    /// `nfkc`, with the context and service words as user inputs.
    fn score(&self, nfkc: &str, context: &[&str], budget: u64) -> u8 {
        let end = nfkc.char_indices().nth(scored_chars(nfkc, budget)).map_or(nfkc.len(), |(i, _)| i);
        let scored = nfkc.get(..end).unwrap_or(nfkc);
        let mut inputs: Vec<&str> = self.service_words.iter().map(String::as_str).collect();
        for word in context {
            inputs.push(word);
            if let Some((local, _)) = word.split_once('@') {
                inputs.push(local);
            }
        }
        // The words as they look too, for the folded form.
        let seen: Vec<String> = inputs.iter().map(|w| looks_like_string(w)).collect();
        inputs.extend(seen.iter().map(String::as_str));
        // Only the score leaves this function; the entropy (feedback and
        // matched pieces of the password) is dropped here.
        u8::from(zxcvbn::zxcvbn(scored, &inputs).score())
    }
}

/// zxcvbn 3.1.1's l33t table (`L33T_TABLE` in its `matching/mod.rs`):
/// each letter and the characters it may be written as.
const L33T_TABLE: [(char, &[char]); 12] = [
    ('a', &['4', '@']),
    ('b', &['8']),
    ('c', &['(', '{', '[', '<']),
    ('e', &['3']),
    ('g', &['6', '9']),
    ('i', &['1', '!', '|']),
    ('l', &['1', '|', '7']),
    ('o', &['0']),
    ('s', &['$', '5']),
    ('t', &['+', '7']),
    ('x', &['%']),
    ('z', &['2']),
];

/// The letters whose substitutes overlap (`1` and `|` for `i` and `l`, `7`
/// for `l` and `t`): only for these does zxcvbn's enumeration depend on the
/// order its hash map lists the letters in.
const SHARED_LETTERS: [char; 3] = ['i', 'l', 't'];

/// How many substitution maps zxcvbn's l33t matcher
/// (`enumerate_l33t_replacements` over `relevant_l33t_subtable`) yields for
/// a password holding exactly the l33t characters in `present`; 0 when it
/// holds none (zxcvbn then runs no l33t pass). zxcvbn walks the letters in
/// its hash map's (random) order; every letter without shared substitutes
/// multiplies the count by its number of substitutes present whatever the
/// order, and the count over `i`, `l`, `t` is the largest over their (at
/// most 6) orders, replayed with zxcvbn's own rule, so this is the most
/// any run can enumerate.
fn l33t_maps(present: &[char]) -> u64 {
    let relevant = |subs: &[char]| -> Vec<char> { subs.iter().copied().filter(|c| present.contains(c)).collect() };
    let mut independent: u64 = 1;
    let mut any = false;
    let mut shared: Vec<(char, Vec<char>)> = Vec::new();
    for (letter, subs) in L33T_TABLE {
        let subs = relevant(subs);
        if subs.is_empty() {
            continue;
        }
        any = true;
        if SHARED_LETTERS.contains(&letter) {
            shared.push((letter, subs));
        } else {
            independent = independent.saturating_mul(subs.len() as u64);
        }
    }
    if !any {
        return 0;
    }
    let orders: &[[usize; 3]] = &[[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    let most = orders
        .iter()
        .map(|order| {
            let letters = order.iter().filter_map(|&i| shared.get(i));
            enumerate_count(letters)
        })
        .max()
        .unwrap_or(1);
    independent.saturating_mul(most)
}

/// zxcvbn's `enumerate_l33t_replacements` step by step over `letters`
/// (in that order), counting the maps it yields: a substitute already
/// taken by an earlier letter forks the map in two (keep it, or give it to
/// this letter), any other extends it.
fn enumerate_count<'a>(letters: impl Iterator<Item = &'a (char, Vec<char>)>) -> u64 {
    let mut maps: Vec<Vec<(char, char)>> = vec![Vec::new()];
    for (letter, subs) in letters {
        let mut next = Vec::with_capacity(maps.len() * subs.len() * 2);
        for &sub in subs {
            for map in &maps {
                if let Some(taken) = map.iter().position(|&(c, _)| c == sub) {
                    let mut alternative = map.clone();
                    alternative.remove(taken);
                    alternative.push((sub, *letter));
                    next.push(map.clone());
                    next.push(alternative);
                } else {
                    let mut extended = map.clone();
                    extended.push((sub, *letter));
                    next.push(extended);
                }
            }
        }
        maps = next;
    }
    maps.len() as u64
}

/// The estimated work of zxcvbn on `chars` characters for which its l33t
/// matcher enumerates `maps` maps, in units of
/// [`PasswordPolicy::SCORE_WORK_BUDGET`]: a dictionary pass per map plus
/// about 6 for the rest, each `chars²`.
fn score_work(maps: u64, chars: usize) -> u64 {
    let n = chars as u64;
    maps.saturating_add(6).saturating_mul(n.saturating_mul(n))
}

/// How many leading characters of `nfkc` zxcvbn scores: the longest prefix
/// of at most [`PasswordPolicy::SCORED_CHARS`] whose [`score_work`] stays
/// within [`PasswordPolicy::SCORE_WORK_BUDGET`], and never fewer than
/// [`PasswordPolicy::MIN_SCORED_CHARS`] (or the whole, if shorter). Work
/// only grows with the prefix, so the first character that would pass the
/// budget ends it. Counted before zxcvbn runs: at most 100 characters and
/// one map count per new distinct l33t character (at most 20).
fn scored_chars(nfkc: &str, budget: u64) -> usize {
    let mut present: Vec<char> = Vec::new();
    let mut maps = 0;
    let mut chars = 0;
    for c in nfkc.chars().take(PasswordPolicy::SCORED_CHARS) {
        if !present.contains(&c) && L33T_TABLE.iter().any(|(_, subs)| subs.contains(&c)) {
            present.push(c);
            maps = l33t_maps(&present);
        }
        if chars >= PasswordPolicy::MIN_SCORED_CHARS && score_work(maps, chars + 1) > budget {
            break;
        }
        chars += 1;
    }
    chars
}

/// NFKC and lower case, for comparisons.
fn fold(s: &str) -> String {
    s.nfkc().flat_map(char::to_lowercase).collect()
}

/// A character a reader does not see as one of the text's own: a
/// Default_Ignorable_Code_Point (zero-width space and joiners, soft hyphen,
/// variation selectors, Hangul fillers), a format character (Cf: bidi
/// controls, U+2060), a nonspacing or enclosing mark (Mn, Me: accents and
/// overlays such as U+0335, which only decorate the letter under them),
/// and U+2800 BRAILLE PATTERN BLANK (So, but drawn as blank space).
fn hidden(c: char) -> bool {
    c == '\u{2800}'
        || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || matches!(
            CodePointMapData::<GeneralCategory>::new().get(c),
            GeneralCategory::Format | GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark
        )
}

/// A character with no ink of its own: [`hidden`] but for the marks
/// (scripts such as Devanagari and Thai write vowels with nonspacing marks,
/// so they count toward the length).
fn invisible(c: char) -> bool {
    hidden(c)
        && !matches!(
            CodePointMapData::<GeneralCategory>::new().get(c),
            GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark
        )
}

/// What `nfkc` looks like, one character at a time to `emit`: its NFD form
/// without [`hidden`] characters (so accents come off), each non-ASCII
/// character replaced by its UTS #39 confusable skeleton
/// ([`unicode_security::skeleton`]: Cyrillic `а` and Greek `ο` become Latin
/// `a`, `o`), then lower case. ASCII is kept as it is: the skeleton maps
/// `m` to `rn`, `d` to `cl`, `0` to `O` and `1` to `l`, which would turn the
/// words the blocklist and zxcvbn know into others (zxcvbn reads digits
/// as letters itself). Nothing is allocated on the heap unless a character
/// carries more than 4 combining marks (the normaliser's inline buffer then
/// spills; freed without a wipe, as the NFKC step's own buffer is).
fn looks_like(nfkc: &str, mut emit: impl FnMut(char)) {
    for c in nfkc.chars().nfd().filter(|&c| !hidden(c)) {
        if c.is_ascii() {
            emit(c.to_ascii_lowercase());
            continue;
        }
        let mut utf8 = [0u8; 4];
        for p in unicode_security::skeleton(c.encode_utf8(&mut utf8)).filter(|&p| !hidden(p)) {
            p.to_lowercase().for_each(&mut emit);
        }
    }
}

/// The length in bytes of what [`looks_like`] emits for `nfkc`.
fn looks_like_len(nfkc: &str) -> usize {
    let mut len = 0;
    looks_like(nfkc, |c| len += c.len_utf8());
    len
}

/// [`looks_like`] of the NFKC form of `s`, for the (non-secret) context words.
fn looks_like_string(s: &str) -> String {
    let nfkc: String = s.nfkc().collect();
    let mut out = String::with_capacity(looks_like_len(&nfkc));
    looks_like(&nfkc, |c| out.push(c));
    out
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

    /// zxcvbn's enumeration replayed in full over every order of every
    /// letter present (the independent reference `l33t_maps` shortcuts).
    fn maps_over_all_orders(present: &[char]) -> u64 {
        let table: Vec<(char, Vec<char>)> = L33T_TABLE
            .iter()
            .map(|(l, subs)| (*l, subs.iter().copied().filter(|c| present.contains(c)).collect::<Vec<_>>()))
            .filter(|(_, subs)| !subs.is_empty())
            .collect();
        if table.is_empty() {
            return 0;
        }
        fn permutations(items: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
            if k == items.len() {
                out.push(items.clone());
            }
            for i in k..items.len() {
                items.swap(k, i);
                permutations(items, k + 1, out);
                items.swap(k, i);
            }
        }
        let mut orders = Vec::new();
        permutations(&mut (0..table.len()).collect(), 0, &mut orders);
        orders.iter().map(|o| enumerate_count(o.iter().filter_map(|&i| table.get(i)))).max().unwrap_or(0)
    }

    const L33T_CHARS: &str = "4@8({[<3691!|70$5+%2";

    #[test]
    fn l33t_map_counts() {
        assert_eq!(l33t_maps(&[]), 0);
        assert_eq!(l33t_maps(&['4']), 1);
        assert_eq!(l33t_maps(&['4', '@']), 2);
        // `1` is both `i` and `l`: one map each.
        assert_eq!(l33t_maps(&['1']), 2);
        // Every l33t character: 2·1·4·1·2·1·2·1·1 (independent letters) × 25 (i, l, t).
        let all: Vec<char> = L33T_CHARS.chars().collect();
        assert_eq!(all.len(), 20);
        assert_eq!(l33t_maps(&all), 800);
        // The shortcut agrees with the full replay over every order, for
        // every subset of a set that holds all shared characters and two
        // independent letters (2^8 subsets; up to 5 letters, 120 orders).
        let sample: Vec<char> = "1!|7+4@(".chars().collect();
        for bits in 0u32..(1 << sample.len()) {
            let subset: Vec<char> =
                sample.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, c)| *c).collect();
            assert_eq!(l33t_maps(&subset), maps_over_all_orders(&subset), "{subset:?}");
        }
    }

    #[test]
    fn plain_text_is_scored_to_100_characters() {
        let words = "correct horse battery staple orbit lantern quiet velvet meadow copper ";
        let text: String = words.chars().cycle().take(128).collect();
        assert_eq!(scored_chars(&text, PasswordPolicy::SCORE_WORK_BUDGET), PasswordPolicy::SCORED_CHARS);
        assert_eq!(scored_chars("short", PasswordPolicy::SCORE_WORK_BUDGET), 5);
        assert_eq!(scored_chars("", PasswordPolicy::SCORE_WORK_BUDGET), 0);
        // A few l33t characters, as people type them: still all 100.
        let typed: String = "Tr0ub4dor&3 horse! battery$ ".chars().cycle().take(120).collect();
        assert!(l33t_maps(&typed.chars().collect::<Vec<_>>()) <= 16);
        assert_eq!(scored_chars(&typed, PasswordPolicy::SCORE_WORK_BUDGET), 100);
    }

    #[test]
    fn l33t_dense_input_is_scored_on_a_prefix_within_the_budget() {
        let dense: String = "p4$$w0rd!|1+7%2(@{[<368950".chars().cycle().take(4096).collect();
        let n = scored_chars(&dense, PasswordPolicy::SCORE_WORK_BUDGET);
        assert!(n >= PasswordPolicy::MIN_SCORED_CHARS, "{n}");
        assert!(n < 32, "{n}");
        let present: Vec<char> = dense.chars().take(n).filter(|c| L33T_CHARS.contains(*c)).collect();
        assert!(score_work(l33t_maps(&present), n) <= PasswordPolicy::SCORE_WORK_BUDGET);
        // The floor holds even where the budget would cut sooner, and its
        // own worst case (every l33t character in the first 16) is inside.
        let front: String = L33T_CHARS.chars().chain("abcdefgh".chars()).cycle().take(200).collect();
        let n = scored_chars(&front, PasswordPolicy::SCORE_WORK_BUDGET);
        assert!(n >= PasswordPolicy::MIN_SCORED_CHARS);
        let present: Vec<char> = front.chars().take(n).collect();
        assert!(score_work(l33t_maps(&present), n) <= PasswordPolicy::SCORE_WORK_BUDGET, "{n}");
        let floor: Vec<char> = L33T_CHARS.chars().take(PasswordPolicy::MIN_SCORED_CHARS).collect();
        assert!(score_work(l33t_maps(&floor), PasswordPolicy::MIN_SCORED_CHARS) <= PasswordPolicy::SCORE_WORK_BUDGET);
        // Both forms at the floor (each may pass its half there): the
        // worst 16 of the 20 l33t characters (every choice of 4 left out;
        // `4@({[<691!|7$5+2`) cost 206,336 units, so two such estimates
        // 412,672 — the documented excess over the budget (see
        // SCORE_WORK_BUDGET), measured at about 63 ms.
        let all: Vec<char> = L33T_CHARS.chars().collect();
        let mut worst_floor = 0;
        for left_out in 0u32..(1 << all.len()) {
            if left_out.count_ones() as usize != all.len() - PasswordPolicy::MIN_SCORED_CHARS {
                continue;
            }
            let kept: Vec<char> =
                all.iter().enumerate().filter(|(i, _)| left_out & (1 << i) == 0).map(|(_, c)| *c).collect();
            worst_floor = worst_floor.max(score_work(l33t_maps(&kept), PasswordPolicy::MIN_SCORED_CHARS));
        }
        assert_eq!(worst_floor, 206_336);
        assert!(worst_floor <= PasswordPolicy::SCORE_WORK_BUDGET);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// For any text: the prefix is within the budget (or at the floor),
        /// is the longest such, and never exceeds 100 characters.
        #[test]
        fn the_prefix_is_the_longest_within_the_budget(text in "[a-z4@8({\\[<3691!|70$5+%2 A-Z]{0,160}") {
            let n = scored_chars(&text, PasswordPolicy::SCORE_WORK_BUDGET);
            let len = text.chars().count();
            proptest::prop_assert!(n <= PasswordPolicy::SCORED_CHARS.min(len));
            proptest::prop_assert!(n >= PasswordPolicy::MIN_SCORED_CHARS.min(len));
            let work = |k: usize| {
                let present: Vec<char> = text.chars().take(k).collect();
                score_work(l33t_maps(&present), k)
            };
            proptest::prop_assert!(n <= PasswordPolicy::MIN_SCORED_CHARS || work(n) <= PasswordPolicy::SCORE_WORK_BUDGET);
            if n < PasswordPolicy::SCORED_CHARS.min(len) {
                proptest::prop_assert!(work(n + 1) > PasswordPolicy::SCORE_WORK_BUDGET);
            }
        }
    }

    #[test]
    fn letters_digits_and_separators_are_always_scored_to_100_characters() {
        // Every digit (8 of them are l33t) with any letters and `space . _ -`:
        // 8 maps at most, so 100 characters stay inside the budget and are
        // judged exactly as before the budget existed.
        let digits: Vec<char> = "0123456789 ._-abcdefghijklmnopqrstuvwxyz".chars().collect();
        assert_eq!(l33t_maps(&digits), 8);
        // With the symbols on a keyboard's digit row too (`!@#$%^&*()`): 56
        // maps, so such text may be cut (at 63 characters: 62 × 63² ≤ 250,000 < 62 × 64²).
        let row: Vec<char> = "0123456789!@#$%^&*()".chars().collect();
        assert_eq!(l33t_maps(&row), 56);
        let all_row: String = "a0b1c2d3e4f5g6h7i8j9!@#$%^&*()".chars().cycle().take(100).collect();
        assert_eq!(scored_chars(&all_row, PasswordPolicy::SCORE_WORK_BUDGET), 63);
        let typed: String = "dragon 2024.f00tb4ll_summer-1987 ".chars().cycle().take(100).collect();
        assert_eq!(scored_chars(&typed, PasswordPolicy::SCORE_WORK_BUDGET), 100);
        assert!(score_work(8, 100) <= PasswordPolicy::SCORE_WORK_BUDGET);
        // When both forms are scored, each on half the budget: at least 94.
        let text: String = "a0b1c2d3e4f5g6h7i8j9 ._-".chars().cycle().take(100).collect();
        assert_eq!(scored_chars(&text, PasswordPolicy::SCORE_WORK_BUDGET / 2), 94);
        assert_eq!(scored_chars(&typed, PasswordPolicy::SCORE_WORK_BUDGET / 2), 100);
    }

    #[test]
    fn a_prefix_can_score_higher_than_the_whole() {
        // Why the prefix is cut only past the budget: zxcvbn's score is not
        // monotone in the prefix. The whole is a word and a repeated l33t
        // word (score 1); its first 16 characters end inside the repeat.
        let whole = "dragonf00tb4llf00tb4ll";
        let prefix: String = whole.chars().take(16).collect();
        assert!(zxcvbn::zxcvbn(&prefix, &[]).score() > zxcvbn::zxcvbn(whole, &[]).score());
        assert_eq!(scored_chars(whole, PasswordPolicy::SCORE_WORK_BUDGET), whole.chars().count());
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
