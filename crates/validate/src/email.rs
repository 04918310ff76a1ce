//! E-mail addresses: the practical subset of RFC 5321 that HTML5 forms and
//! mail providers accept, with IDNA2008 domains.

use unicode_normalization::UnicodeNormalization;

use crate::{Error, Kind, MAX_INPUT, Reason, validated_string_type};

/// A validated e-mail address, in canonical form: the local part as given
/// (NFC for UTF-8 local parts), `@`, the domain as lower-case A-labels.
///
/// Accepted: a dot-atom local part of at most 64 bytes (RFC 5321 §4.5.3.1.1)
/// using the RFC 5322 `atext` characters, and a domain of DNS labels
/// (IDNA2008 via UTS #46, Unicode domains converted to `xn--` A-labels), at
/// most 254 bytes in all (RFC 5321 §4.5.3.1.3 with its errata).
///
/// Refused, each with its own [`Reason`]: quoted local parts, comments,
/// address literals (`user@[192.0.2.1]`), control characters anywhere
/// (no header injection), leading/trailing/double dots, anything over
/// the limits. [`Email::parse_eai`] also accepts an UTF-8 local part (RFC
/// 6531), normalised to NFC.
///
/// ```
/// use guardrail_validate::Email;
/// let e: Email = "Jane.Doe+news@Bücher.Example".parse().unwrap();
/// assert_eq!(e.as_str(), "Jane.Doe+news@xn--bcher-kva.example");
/// assert_eq!(e.local_part(), "Jane.Doe+news");
/// assert_eq!(e.domain(), "xn--bcher-kva.example");
/// assert_eq!("bob@example.com\r\nBcc: all@example.com".parse::<Email>().unwrap_err().code(), "control_char");
/// ```
///
/// An address is personal data: `Debug` prints it masked,
/// `Email(J***@xn--bcher-kva.example)` (the local part's first character
/// and the domain; a one-character local part is not shown at all,
/// `Email(***@example.com)`), and with the default feature `pii` it is
/// [`guardrail_secret::Mask`], so `Pii<Email>` prints the same mask.
/// `Display` and [`Email::as_str`] give the address itself.
///
/// Equality compares the canonical address, whose local part keeps its
/// case; two accounts must not differ only by case: key them by
/// [`Email::uniqueness_key`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email {
    address: String,
    at: usize,
}

validated_string_type!(Email);

impl Email {
    /// The longest address, in bytes of the canonical form.
    pub const MAX_LEN: usize = 254;
    /// The longest local part, in bytes.
    pub const MAX_LOCAL_LEN: usize = 64;

    /// Parses an address whose local part is ASCII.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with [`Kind::Email`] and the [`Reason`] of the
    /// first rule the address breaks.
    pub fn parse(input: &str) -> Result<Self, Error> {
        parse(input, false).map_err(|r| Error::invalid(Kind::Email, r))
    }

    /// Parses an address whose local part may be UTF-8 (SMTPUTF8, RFC
    /// 6531), canonicalised to NFC. Only for systems whose mail path
    /// supports SMTPUTF8.
    ///
    /// The local part's rules and length limit hold for its NFC form (the
    /// one handed back) and for its NFKC form, so no normalising layer on
    /// the way (a mail server, a database collation) can turn an accepted
    /// local part into a refused one: U+037E GREEK QUESTION MARK (NFC `;`)
    /// and U+FF20 FULLWIDTH COMMERCIAL AT (NFKC `@`) are refused.
    ///
    /// An address is a login identity, so the local part's letters follow
    /// the same anti-spoofing rules as a domain's labels: one script (UTS
    /// #39 Highly Restrictive: Latin with Han and Kana, Han with Hangul
    /// pass), else [`Reason::MixedScript`] (`janе` with a Cyrillic `е`);
    /// no hidden mark (U+0307 on `i` or dotless `ı`, a repeated or fifth
    /// non-spacing mark on one letter), else [`Reason::Confusable`].
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with [`Kind::Email`] and the [`Reason`] of the
    /// first rule the address breaks.
    pub fn parse_eai(input: &str) -> Result<Self, Error> {
        parse(input, true).map_err(|r| Error::invalid(Kind::Email, r))
    }

    /// The canonical address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The part before the `@`, as given (case is significant to the receiving server).
    #[must_use]
    pub fn local_part(&self) -> &str {
        self.address.get(..self.at).unwrap_or_default()
    }

    /// The domain, as lower-case A-labels.
    #[must_use]
    pub fn domain(&self) -> &str {
        self.address.get(self.at + 1..).unwrap_or_default()
    }

    /// The key to hold unique (a database's unique index, a lookup at
    /// login), so that `Ada@example.com` and `ada@example.com` are one
    /// account: the local part lower-cased character by character
    /// (Unicode's default lowercase mapping, `char::to_lowercase`; ASCII
    /// by `to_ascii_lowercase`), then NFC, `@`, the domain (already
    /// lower-case A-labels). Nothing else is folded: dots and `+tags`
    /// stay, as they name different mailboxes at most providers. Send mail
    /// to [`Email::as_str`], the address as given.
    ///
    /// This is lower-casing, not Unicode full case folding: where the two
    /// differ, the keys differ. `STRASSE` and `straße` are two keys (full
    /// folding maps `ß` to `ss`), and so are `ΣΑΣ` (`σασ`) and `σας`
    /// (full folding maps the final `ς` to `σ`); `Kelvin` with U+212A
    /// KELVIN SIGN is NFC `K` already, one key with `kelvin`.
    ///
    /// ```
    /// use guardrail_validate::Email;
    /// let key = |s: &str| s.parse::<Email>().unwrap().uniqueness_key();
    /// assert_eq!(key("Ada.L+News@Example.COM"), "ada.l+news@example.com");
    /// assert_eq!(key("Ada@example.com"), key("ada@EXAMPLE.com"));
    /// assert_ne!(key("a.da@example.com"), key("ada@example.com"));
    /// ```
    #[must_use]
    pub fn uniqueness_key(&self) -> String {
        let local = self.local_part();
        let mut key: String = if local.is_ascii() {
            local.to_ascii_lowercase()
        } else {
            local.chars().flat_map(char::to_lowercase).nfc().collect()
        };
        key.push('@');
        key.push_str(self.domain());
        key
    }

    /// The masked form `Debug` and `Mask` print: the local part's first
    /// character (`*` unless a letter, digit or ASCII symbol) if it has
    /// more than one, `***@`, the domain (ASCII A-labels).
    fn write_masked(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut local = self.local_part().chars();
        if let (Some(first), Some(_)) = (local.next(), local.next()) {
            let shown = if first.is_ascii_graphic() || first.is_alphanumeric() { first } else { '*' };
            write!(f, "{shown}")?;
        }
        write!(f, "***@{}", self.domain())
    }
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Email(")?;
        self.write_masked(f)?;
        f.write_str(")")
    }
}

#[cfg(feature = "pii")]
#[cfg_attr(docsrs, doc(cfg(feature = "pii")))]
impl guardrail_secret::Mask for Email {
    fn mask(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_masked(f)
    }
}

/// RFC 5322 `atext` (ASCII letters, digits and these symbols).
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn parse(input: &str, utf8_local: bool) -> Result<Email, Reason> {
    match crate::precheck(input, MAX_INPUT) {
        Err(Reason::Invisible) if invisible_only_domain_joiners(input) => {}
        other => other?,
    }
    let (local, domain) = input.rsplit_once('@').ok_or(Reason::MissingAt)?;
    check_local(local, utf8_local)?;
    let local = if utf8_local && !local.is_ascii() { normalise_local(local)? } else { local.to_owned() };
    if local.len() > Email::MAX_LOCAL_LEN {
        return Err(Reason::TooLong);
    }
    let domain = check_domain(domain)?;
    let at = local.len();
    let mut address = String::with_capacity(local.len() + 1 + domain.len());
    address.push_str(&local);
    address.push('@');
    address.push_str(&domain);
    if address.len() > Email::MAX_LEN {
        return Err(Reason::TooLong);
    }
    Ok(Email { address, at })
}

fn check_local(local: &str, utf8_local: bool) -> Result<(), Reason> {
    if local.starts_with('"') || local.ends_with('"') {
        return Err(Reason::QuotedString);
    }
    if local.contains(['(', ')']) {
        return Err(Reason::Comment);
    }
    if local.is_empty() || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(Reason::LocalPart);
    }
    let allowed = |c: char| c == '.' || is_atext(c) || (utf8_local && !c.is_ascii() && !c.is_whitespace());
    if !local.chars().all(allowed) {
        return Err(Reason::LocalPart);
    }
    Ok(())
}

/// The canonical form of an UTF-8 local part, NFC, after checking that the
/// rules of [`check_local`] and the length limit hold for it and for its
/// NFKC form: NFC and NFKC map some characters to ASCII (U+037E to `;`,
/// U+FF0E to `.`, U+FE6B to `@`) that the rules refuse, and the rules ran
/// on the text as given.
fn normalise_local(local: &str) -> Result<String, Reason> {
    let nfc: String = local.nfc().collect();
    let nfkc: String = nfc.nfkc().collect();
    for form in [&nfc, &nfkc] {
        check_local(form, true)?;
        if form.chars().any(|c| c.is_control() || crate::is_invisible(c)) {
            return Err(Reason::LocalPart);
        }
        if form.len() > Email::MAX_LOCAL_LEN {
            return Err(Reason::TooLong);
        }
        // A login identity, like a host label: one script (UTS #39 Highly
        // Restrictive, the host labels' rule) and no hidden marks.
        if !crate::host::is_highly_restrictive(form) {
            return Err(Reason::MixedScript);
        }
        if crate::host::hides_a_mark(form) {
            return Err(Reason::Confusable);
        }
    }
    Ok(nfc)
}

/// Converts the domain to its canonical form (lower-case A-labels) with the
/// one host-name validator ([`crate::HostName`]: IDNA2008 with its
/// contextual rules, DNS lengths on the A-label form, the anti-spoofing
/// policy), after the e-mail-only refusals.
pub(crate) fn check_domain(domain: &str) -> Result<String, Reason> {
    if domain.starts_with('[') {
        return Err(Reason::DomainLiteral);
    }
    if domain.contains(['(', ')']) {
        return Err(Reason::Comment);
    }
    crate::host::from_input(domain)
}

/// `precheck` refuses invisible characters; the joiners IDNA2008 allows in
/// context (ZWNJ, ZWJ) may stand in the domain, where the host-name
/// validator checks their context. Anywhere else they stay refused.
fn invisible_only_domain_joiners(input: &str) -> bool {
    let domain_start = input.rfind('@').map_or(input.len(), |at| at + 1);
    input.char_indices().all(|(i, c)| !crate::is_invisible(c) || (i >= domain_start && crate::host::is_joiner(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_code() {
        for (input, want) in [
            ("user@example.com", "ok"),
            ("", "empty"),
            (&"a".repeat(2000), "too_long"),
            (&format!("{}@example.com", "a".repeat(65)), "too_long"),
            (&format!("{}@{}.com", "a".repeat(64), vec!["b".repeat(60); 4].join(".")), "too_long"),
            (&format!("a@{}.com", ["abcdefghij"; 25].join(".")), "domain"), // over 253: not a DNS name
            ("user@example.com\n", "control_char"),
            ("us\u{200b}er@example.com", "invisible"),
            ("user.example.com", "missing_at"),
            (".user@example.com", "local_part"),
            ("us..er@example.com", "local_part"),
            ("us er@example.com", "local_part"),
            ("@example.com", "local_part"),
            ("\"john doe\"@example.com", "quoted_string"),
            ("john(comment)@example.com", "comment"),
            ("user@[192.0.2.1]", "domain_literal"),
            ("user@-example.com", "domain"),
            ("user@exa_mple.com", "domain"),
            ("user@example..com", "domain"),
            ("user@192.0.2.1", "domain"),
            ("user@", "domain"),
            ("user@ｅｘａｍｐｌｅ.com", "domain"), // full-width
            ("user@example\u{3002}com", "domain"), // ideographic full stop
            ("user@xn--ls8h.example", "domain"),   // an emoji label
        ] {
            assert_eq!(code(input), want, "{input:?}");
        }
    }

    #[test]
    fn unicode_domains_become_a_labels() {
        let e = Email::parse("hans@MÜNCHEN.de").unwrap_or_else(|_| unreachable!());
        assert_eq!(e.as_str(), "hans@xn--mnchen-3ya.de");
        assert_eq!(Email::parse(e.as_str()).ok(), Some(e));
    }

    #[test]
    fn utf8_local_parts_only_in_eai_mode() {
        assert_eq!(code("josé@example.com"), "local_part");
        // NFD input is stored as NFC.
        let e = Email::parse_eai("jose\u{301}@example.com").unwrap_or_else(|_| unreachable!());
        assert_eq!(e.local_part(), "josé");
        assert!(Email::parse_eai("jo sé@example.com").is_err());
    }

    /// Issue 10 item 8 for the local part: the rules hold for the NFC form
    /// handed back and for the NFKC form.
    #[test]
    fn eai_local_part_rules_hold_for_every_normal_form() {
        let eai = |s: &str| Email::parse_eai(s).map_or_else(|e| e.code(), |_| "ok");
        for (input, want) in [
            ("a\u{37e}b@example.com", "local_part"), // Greek question mark, NFC `;`
            ("\u{37e}@example.com", "local_part"),
            ("a\u{ff20}b@example.com", "local_part"), // full-width @, NFKC `@`
            ("a\u{fe6b}b@example.com", "local_part"), // small commercial at
            ("a\u{ff0e}\u{ff0e}b@example.com", "local_part"), // full-width dots, NFKC `..`
            ("\u{ff0e}ab@example.com", "local_part"), // NFKC leading dot
            ("a\u{2025}b@example.com", "local_part"), // two dot leader, NFKC `..`
            ("a\u{ff0c}b@example.com", "local_part"), // full-width comma
            ("\u{ff02}ab\u{ff02}@example.com", "quoted_string"), // full-width quotes
            ("a\u{fe59}b\u{fe5a}@example.com", "comment"), // small parentheses
            ("a\u{2474}@example.com", "comment"),     // parenthesised digit one, NFKC (1)
            (&format!("{}@example.com", "\u{3300}".repeat(6)), "too_long"), // square apaato: 18 bytes, NFKC 72
            ("K\u{212a}@example.com", "ok"),          // Kelvin sign: NFC `K`, allowed
            ("\u{ff41}b@example.com", "ok"),          // full-width a: NFKC `a`, allowed
        ] {
            assert_eq!(eai(input), want, "{input:?}");
        }
        let e = Email::parse_eai("\u{212a}elvin@example.com").unwrap_or_else(|_| unreachable!());
        assert_eq!(e.local_part(), "Kelvin");
    }

    /// Issue 10: hidden characters that are not default-ignorable (format
    /// characters, spaces, U+2800) were accepted in an UTF-8 local part.
    #[test]
    fn eai_local_part_refuses_every_hidden_character() {
        let eai = |s: &str| Email::parse_eai(s).map_or_else(|e| e.code(), |_| "ok");
        for c in ['\u{2800}', '\u{600}', '\u{13430}', '\u{110bd}', '\u{a0}', '\u{3000}', '\u{205f}'] {
            assert_eq!(eai(&format!("a{c}b@example.com")), "invisible", "U+{:04X}", u32::from(c));
            assert_eq!(code(&format!("a{c}b@example.com")), "invisible", "U+{:04X}", u32::from(c));
        }
        assert_eq!(eai("a\u{2801}b@example.com"), "ok");
    }

    /// The mask shows the local part's first character only when there is
    /// more: a one-character local part is the whole of it.
    #[test]
    fn a_one_character_local_part_is_masked_whole() {
        let masked = |s: &str| format!("{:?}", Email::parse_eai(s).unwrap_or_else(|_| unreachable!()));
        assert_eq!(masked("a@example.com"), "Email(***@example.com)");
        assert_eq!(masked("é@bücher.example"), "Email(***@xn--bcher-kva.example)");
        assert_eq!(masked("e\u{301}@example.com"), "Email(***@example.com)", "one character once NFC");
        assert_eq!(masked("ab@example.com"), "Email(a***@example.com)");
    }

    /// `uniqueness_key` lower-cases; it is not full case folding, as its
    /// docs say.
    #[test]
    fn the_uniqueness_key_lower_cases_without_full_folding() {
        let key = |s: &str| Email::parse_eai(s).unwrap_or_else(|_| unreachable!()).uniqueness_key();
        assert_eq!(key("JOSÉ@example.com"), key("jose\u{301}@EXAMPLE.com"));
        assert_eq!(key("JOSÉ@example.com"), "josé@example.com");
        assert_eq!(key("\u{212a}elvin@example.com"), key("kelvin@example.com"));
        assert_eq!(key("ΣΑΣ@example.com"), "σασ@example.com", "char by char: no final sigma");
        assert_ne!(key("ΣΑΣ@example.com"), key("σας@example.com"), "full folding would join these");
        assert_eq!(key("STRASSE@example.com"), "strasse@example.com");
        assert_ne!(key("STRASSE@example.com"), key("straße@example.com"), "full folding would join these");
    }

    /// The reason code [`Email::parse`] gives `s`, or `"ok"`.
    fn code(s: &str) -> &'static str {
        Email::parse(s).map_or_else(|e| e.code(), |_| "ok")
    }
}
