//! Host names: the one validator behind every type that holds one
//! ([`crate::Email`] domains, [`crate::FetchUrl`] hosts, [`HostName`]).
//!
//! Every check runs on one canonical form, decided once: lower-case
//! A-labels (`xn--…`), no root dot, at most 253 bytes, labels of 1 to 63
//! bytes (RFC 1035 §2.3.4; the limits apply to the A-label form, which is
//! what DNS carries). A name with no valid canonical form (an empty label,
//! several trailing dots, a label over 63 bytes) is refused.
//!
//! A name is accepted when it is a valid IDNA2008 name (RFC 5891 §5.4):
//! every label an LDH label or an A-label whose U-label is NFC, has no
//! hyphen in the third and fourth position, no hyphen at either end, does
//! not begin with a combining mark, and whose every code point is PVALID
//! under RFC 5892, or CONTEXTJ / CONTEXTO with its Appendix A rule
//! satisfied; the whole name obeys the bidi rule (RFC 5893). On top of
//! IDNA2008, guardrail's anti-spoofing policy refuses (see
//! `docs/src/validation.md`):
//! - a U-label character outside UTS #39's General Security Profile
//!   (`Identifier_Status=Allowed`): obsolete, limited-use, technical and
//!   uncommon scripts and characters, which fonts render poorly or alike;
//! - a label that mixes scripts beyond UTS #39's Highly Restrictive level
//!   (`exаmple` with a Cyrillic `а`): [`Reason::MixedScript`];
//! - a label with a mark a reader cannot see (UTS #39 §5.4): U+0307 dot
//!   above on `i`, `j` or another soft-dotted letter or on dotless `ı`
//!   (`admi̇n` displays as `admin`), the same non-spacing mark twice over
//!   one letter, or more than four: [`Reason::Confusable`];
//! - when a name is typed in (e-mail domains, [`HostName::parse`]): any
//!   compatibility character UTS #46 would map to something else
//!   (full-width `ｇｍａｉｌ`, the ideographic full stops `。．｡`), because
//!   text filters and readers see a different string from the one stored.

use icu_properties::{
    CodePointMapData, CodePointSetData,
    props::{
        CanonicalCombiningClass, DefaultIgnorableCodePoint, GeneralCategory, HangulSyllableType, JoiningType,
        NoncharacterCodePoint, Script, SoftDotted, WhiteSpace,
    },
};
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use unicode_normalization::{UnicodeNormalization, is_nfc};
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

use crate::{Error, Kind, MAX_INPUT, Reason, validated_string_type};

/// A host name in its canonical form: lower-case LDH labels and A-labels,
/// no trailing dot, at most [`HostName::MAX_LEN`] bytes.
///
/// Built only by [`HostName::parse`], which applies the same rules as the
/// domain of an [`Email`](crate::Email) and the host of a
/// [`FetchUrl`](crate::FetchUrl): IDNA2008 with its contextual rules, DNS
/// length limits on the A-label form, and guardrail's anti-spoofing policy
/// (module docs above, `docs/src/validation.md`). A single label is a valid
/// host name; whether it is a *public* name is the caller's policy
/// (`FetchUrl` refuses it).
///
/// ```
/// use guardrail_validate::HostName;
/// let h: HostName = "Bücher.Example".parse().unwrap();
/// assert_eq!(h.as_str(), "xn--bcher-kva.example");
/// // U+00B7 MIDDLE DOT is allowed only between two `l` (RFC 5892 A.3).
/// assert_eq!("paypal\u{b7}com.example".parse::<HostName>().unwrap_err().code(), "domain");
/// assert!("l\u{b7}l.example".parse::<HostName>().is_ok());
/// // Empty labels have no canonical form.
/// assert_eq!("a..b".parse::<HostName>().unwrap_err().code(), "domain");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostName(String);

validated_string_type!(HostName);

impl HostName {
    /// The longest name, in bytes of the canonical (A-label) form, without
    /// the root dot (RFC 1035 §2.3.4: 255 octets on the wire).
    pub const MAX_LEN: usize = 253;
    /// The longest label, in bytes of its A-label form.
    pub const MAX_LABEL_LEN: usize = 63;

    /// Parses a host name typed by a user (no trailing dot, no IP address).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with [`Kind::Host`] and [`Reason::TooLong`],
    /// [`Reason::Empty`], [`Reason::ControlChar`], [`Reason::Invisible`]
    /// (an invisible character other than the joiners IDNA2008 allows in
    /// context), [`Reason::MixedScript`] or [`Reason::Domain`] (anything
    /// else the rules above refuse).
    pub fn parse(input: &str) -> Result<Self, Error> {
        let invalid = |r| Error::invalid(Kind::Host, r);
        if input.len() > MAX_INPUT {
            return Err(invalid(Reason::TooLong));
        }
        if input.is_empty() {
            return Err(invalid(Reason::Empty));
        }
        if input.chars().any(char::is_control) {
            return Err(invalid(Reason::ControlChar));
        }
        if input.chars().any(|c| crate::is_invisible(c) && !is_joiner(c)) {
            return Err(invalid(Reason::Invisible));
        }
        from_input(input).map(Self).map_err(invalid)
    }

    /// The canonical name: lower-case LDH labels and A-labels.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name for display, with each A-label decoded to its U-label.
    #[must_use]
    pub fn to_unicode(&self) -> String {
        idna::domain_to_unicode(&self.0).0
    }
}

/// ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER: invisible, yet IDNA2008
/// allows them where they change how a word is written (CONTEXTJ).
pub(crate) const fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200c}' | '\u{200d}')
}

/// A name as a user types it (an e-mail domain, a configured host) to its
/// canonical form. No trailing dot: that is a URL's business
/// ([`url_host`]).
pub(crate) fn from_input(input: &str) -> Result<String, Reason> {
    if input.is_empty() || input.ends_with('.') {
        return Err(Reason::Domain);
    }
    if input.len() > MAX_INPUT {
        return Err(Reason::TooLong);
    }
    // Spelling policy: UTS #46 maps compatibility characters (full-width
    // letters, the ideographic full stops) to ASCII; refused, so the text a
    // filter or a reader sees is the name that is stored.
    let mapped_dot = |c: char| matches!(c, '\u{3002}' | '\u{ff0e}' | '\u{ff61}');
    if input.chars().any(|c| mapped_dot(c) || (!c.is_ascii() && !std::iter::once(c).nfkc().eq(std::iter::once(c)))) {
        return Err(Reason::Domain);
    }
    let ascii = if input.is_ascii() { input.to_ascii_lowercase() } else { to_ascii(input)? };
    check_canonical(&ascii)?;
    Ok(ascii)
}

/// UTS #46 ToASCII, non-transitional (IDNA2008's treatment of ß, ς and the
/// joiners), STD3 ASCII rules, hyphen checks, DNS lengths; the same mapping
/// the `url` crate applies, with the stricter checks.
pub(crate) fn to_ascii(input: &str) -> Result<String, Reason> {
    Uts46::new()
        .to_ascii(input.as_bytes(), AsciiDenyList::STD3, Hyphens::Check, DnsLength::Verify)
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| Reason::Domain)
}

/// The host of a parsed URL (the `url` crate's ASCII form) to the name every
/// check compares: one trailing root dot is removed (`example.com.` and
/// `example.com` name the same host); the rest must already be canonical.
/// Only refuses, never maps: the host checked is the host connected to.
pub(crate) fn url_host(host: &str) -> Result<&str, Reason> {
    let name = host.strip_suffix('.').unwrap_or(host);
    check_canonical(name)?;
    Ok(name)
}

/// Checks a name in canonical form: ASCII, lower case, DNS lengths, LDH
/// labels, every A-label a valid IDNA2008 U-label, the policy on top.
pub(crate) fn check_canonical(name: &str) -> Result<(), Reason> {
    if name.len() > HostName::MAX_LEN || !name.is_ascii() {
        return Err(Reason::Domain);
    }
    let mut has_a_label = false;
    for label in name.split('.') {
        let bytes = label.as_bytes();
        let ldh = bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if bytes.is_empty() || bytes.len() > HostName::MAX_LABEL_LEN || !ldh {
            return Err(Reason::Domain);
        }
        if bytes.first() == Some(&b'-') || bytes.last() == Some(&b'-') {
            return Err(Reason::Domain);
        }
        if bytes.get(2..4) == Some(b"--") {
            // A reserved LDH label: only XN-labels are defined (RFC 5890 §2.3.1).
            let ulabel = label.strip_prefix("xn--").ok_or(Reason::Domain)?;
            check_a_label(ulabel)?;
            has_a_label = true;
        }
    }
    // The top-level label is never a number (RFC 3696 §2): `1.2.3.4` is an
    // address literal without its brackets, not a name. "Number" as the
    // WHATWG URL parser's ends-in-a-number check reads it, which takes
    // `8.0xe` for the IPv4 address 8.0.0.14: all digits, or `0x` and hex.
    if name.rsplit('.').next().is_none_or(is_number) {
        return Err(Reason::Domain);
    }
    // UTS #46 validity of the decoded labels (disallowed and mapped code
    // points, joiners) and the bidi rule, which spans labels: the canonical
    // form must come back unchanged.
    if has_a_label && to_ascii(name)? != name {
        return Err(Reason::Domain);
    }
    Ok(())
}

/// A label the WHATWG URL parser reads as a number (its IPv4 parser's
/// ends-in-a-number check, on a lower-case label): decimal digits, or `0x`
/// followed by hex digits (none at all included).
fn is_number(label: &str) -> bool {
    match label.strip_prefix("0x") {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => label.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// An A-label (without `xn--`): Punycode that decodes to a non-ASCII
/// U-label and encodes back to itself, and that U-label valid.
fn check_a_label(punycode: &str) -> Result<(), Reason> {
    let ulabel = idna::punycode::decode_to_string(punycode).ok_or(Reason::Domain)?;
    if ulabel.is_ascii() || idna::punycode::encode_str(&ulabel).as_deref() != Some(punycode) {
        return Err(Reason::Domain);
    }
    check_u_label(&ulabel)
}

/// RFC 5891 §5.4 on a U-label, then guardrail's policy.
pub(crate) fn check_u_label(label: &str) -> Result<(), Reason> {
    let chars: Vec<char> = label.chars().collect();
    if chars.is_empty() || !is_nfc(label) {
        return Err(Reason::Domain);
    }
    // §4.2.3.1: hyphens; §4.2.3.2: no leading combining mark.
    if chars.first() == Some(&'-')
        || chars.last() == Some(&'-')
        || (chars.get(2) == Some(&'-') && chars.get(3) == Some(&'-'))
    {
        return Err(Reason::Domain);
    }
    if chars.first().is_some_and(|c| is_mark(*c)) {
        return Err(Reason::Domain);
    }
    for (i, c) in chars.iter().enumerate() {
        let ok = match derived_property(*c) {
            Property::Pvalid => true,
            Property::ContextJ => context_j(&chars, i),
            Property::ContextO => context_o(&chars, i),
            Property::Disallowed => false,
        };
        if !ok {
            return Err(Reason::Domain);
        }
    }
    // Anti-spoofing policy, beyond IDNA2008. The joiners passed CONTEXTJ
    // above (the unicode-security data does not list them as allowed).
    if !chars.iter().all(|c| c.is_ascii() || is_joiner(*c) || c.identifier_allowed()) {
        return Err(Reason::Domain);
    }
    if !is_highly_restrictive(label) {
        return Err(Reason::MixedScript);
    }
    if hides_a_mark(label) {
        return Err(Reason::Confusable);
    }
    Ok(())
}

/// UTS #39 §5.2's Highly Restrictive level, on the characters of `text`
/// that UTS #39 allows in identifiers (the others, such as the joiners,
/// ASCII symbols or emoji, carry no script a reader could mistake): one
/// script, or Latin with Han and Kana, Han with Bopomofo, or Han with
/// Hangul. The one script rule for every identity value: host labels,
/// the UTF-8 local part of [`crate::Email::parse_eai`] (usernames use the
/// stricter single-script rule).
pub(crate) fn is_highly_restrictive(text: &str) -> bool {
    let scripted: String = text.chars().filter(|c| c.identifier_allowed()).collect();
    scripted.as_str().detect_restriction_level() <= RestrictionLevel::HighlyRestrictive
}

/// A non-spacing mark (gc=Mn) or enclosing mark (gc=Me): UTS #39 §5.4's
/// "nonspacing marks", which draw over or under their base.
pub(crate) fn is_nonspacing_mark(c: char) -> bool {
    matches!(
        CodePointMapData::<GeneralCategory>::new().get(c),
        GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark
    )
}

/// UTS #39 §5.4 (Optional Detection), on the NFD form of `text`: a mark a
/// reader cannot see, so the text displays like another one. True for
///
/// - U+0307 COMBINING DOT ABOVE on a soft-dotted letter (`Soft_Dotted`:
///   `i`, `j`, `і`, `ј`, ...) or on dotless `ı` / `ȷ`: `admi̇n` and `admı̇n`
///   display as `admin` (the case folding of `İ` is `i` + U+0307, so
///   `ADMİN` folds to it);
/// - the same non-spacing mark twice over one base (`é` + U+0301 draws
///   one accent over another);
/// - more than four non-spacing marks over one base.
///
/// The same sequence-tracking as ICU's `USPOOF_INVISIBLE` check, plus the
/// soft-dotted rule.
pub(crate) fn hides_a_mark(text: &str) -> bool {
    if text.is_ascii() {
        return false;
    }
    let soft_dotted = CodePointSetData::new::<SoftDotted>();
    let mut dotted_base = false;
    let mut marks: Vec<char> = Vec::new();
    for c in text.nfd() {
        if !is_nonspacing_mark(c) {
            dotted_base = soft_dotted.contains(c) || matches!(c, '\u{131}' | '\u{237}');
            marks.clear();
            continue;
        }
        if (dotted_base && c == '\u{307}') || marks.contains(&c) || marks.len() >= 4 {
            return true;
        }
        marks.push(c);
    }
    false
}

/// RFC 5892's derived property values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Property {
    Pvalid,
    ContextJ,
    ContextO,
    Disallowed,
}

/// RFC 5892 §3, computed from the Unicode data the crate is built with
/// (as IANA's tables are computed for each Unicode version). The
/// *Unstable* category (§2.3, NFKC_Casefold changes the code point) is
/// approximated here by NFKC and lower-casing; [`check_canonical`] adds
/// UTS #46 validity, whose mapping is NFKC_Casefold, so nothing unstable
/// gets through.
fn derived_property(c: char) -> Property {
    // §2.6 Exceptions.
    match c {
        '\u{df}' | '\u{3c2}' | '\u{6fd}' | '\u{6fe}' | '\u{f0b}' | '\u{3007}' => return Property::Pvalid,
        '\u{b7}' | '\u{375}' | '\u{5f3}' | '\u{5f4}' | '\u{30fb}' | '\u{660}'..='\u{669}' | '\u{6f0}'..='\u{6f9}' => {
            return Property::ContextO;
        }
        '\u{640}' | '\u{7fa}' | '\u{302e}' | '\u{302f}' | '\u{3031}'..='\u{3035}' | '\u{303b}' => {
            return Property::Disallowed;
        }
        _ => {}
    }
    // §2.7 BackwardCompatible: empty. §2.5 LDH.
    if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
        return Property::Pvalid;
    }
    // §2.8 JoinControl.
    if is_joiner(c) {
        return Property::ContextJ;
    }
    let gc = CodePointMapData::<GeneralCategory>::new().get(c);
    // §2.11 Unassigned, §2.3 Unstable (approximated, see above).
    if gc == GeneralCategory::Unassigned
        || !std::iter::once(c).nfkc().eq(std::iter::once(c))
        || !c.to_lowercase().eq(std::iter::once(c))
    {
        return Property::Disallowed;
    }
    // §2.4 IgnorableProperties, §2.10 IgnorableBlocks (Combining Diacritical
    // Marks for Symbols, Musical Symbols, Ancient Greek Musical Notation),
    // §2.9 OldHangulJamo.
    if CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || CodePointSetData::new::<WhiteSpace>().contains(c)
        || CodePointSetData::new::<NoncharacterCodePoint>().contains(c)
        || matches!(c, '\u{20d0}'..='\u{20ff}' | '\u{1d100}'..='\u{1d24f}')
        || matches!(
            CodePointMapData::<HangulSyllableType>::new().get(c),
            HangulSyllableType::LeadingJamo | HangulSyllableType::VowelJamo | HangulSyllableType::TrailingJamo
        )
    {
        return Property::Disallowed;
    }
    // §2.1 LetterDigits.
    match gc {
        GeneralCategory::LowercaseLetter
        | GeneralCategory::UppercaseLetter
        | GeneralCategory::OtherLetter
        | GeneralCategory::DecimalNumber
        | GeneralCategory::ModifierLetter
        | GeneralCategory::NonspacingMark
        | GeneralCategory::SpacingMark => Property::Pvalid,
        _ => Property::Disallowed,
    }
}

fn is_mark(c: char) -> bool {
    matches!(
        CodePointMapData::<GeneralCategory>::new().get(c),
        GeneralCategory::NonspacingMark | GeneralCategory::SpacingMark | GeneralCategory::EnclosingMark
    )
}

fn is_virama(c: Option<&char>) -> bool {
    c.is_some_and(|c| CodePointMapData::<CanonicalCombiningClass>::new().get(*c) == CanonicalCombiningClass::Virama)
}

fn script(c: Option<&char>) -> Option<Script> {
    c.map(|c| CodePointMapData::<Script>::new().get(*c))
}

/// RFC 5892 Appendix A.1 (ZERO WIDTH NON-JOINER) and A.2 (ZERO WIDTH JOINER).
fn context_j(label: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).and_then(|b| label.get(b));
    if is_virama(before) {
        return true;
    }
    if label.get(i) != Some(&'\u{200c}') {
        return false; // ZWJ: the virama rule only
    }
    // (Joining_Type:{L,D})(Joining_Type:T)*\u200C(Joining_Type:T)*(Joining_Type:{R,D})
    let jt = |c: &char| CodePointMapData::<JoiningType>::new().get(*c);
    let (head, tail) = (label.get(..i).unwrap_or_default(), label.get(i + 1..).unwrap_or_default());
    let left = head.iter().rev().find(|c| jt(c) != JoiningType::Transparent).map(jt);
    let right = tail.iter().find(|c| jt(c) != JoiningType::Transparent).map(jt);
    matches!(left, Some(JoiningType::LeftJoining | JoiningType::DualJoining))
        && matches!(right, Some(JoiningType::RightJoining | JoiningType::DualJoining))
}

/// RFC 5892 Appendix A.3 to A.9.
fn context_o(label: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).and_then(|b| label.get(b));
    let after = label.get(i + 1);
    match label.get(i) {
        // A.3 MIDDLE DOT: between two `l`.
        Some('\u{b7}') => before == Some(&'l') && after == Some(&'l'),
        // A.4 GREEK LOWER NUMERAL SIGN (KERAIA): followed by Greek.
        Some('\u{375}') => script(after) == Some(Script::Greek),
        // A.5, A.6 HEBREW PUNCTUATION GERESH and GERSHAYIM: preceded by Hebrew.
        Some('\u{5f3}' | '\u{5f4}') => script(before) == Some(Script::Hebrew),
        // A.7 KATAKANA MIDDLE DOT: the label holds Hiragana, Katakana or Han.
        Some('\u{30fb}') => {
            label.iter().any(|c| matches!(script(Some(c)), Some(Script::Hiragana | Script::Katakana | Script::Han)))
        }
        // A.8 ARABIC-INDIC DIGITS: not mixed with Extended Arabic-Indic digits.
        Some('\u{660}'..='\u{669}') => !label.iter().any(|c| matches!(c, '\u{6f0}'..='\u{6f9}')),
        // A.9 EXTENDED ARABIC-INDIC DIGITS: not mixed with Arabic-Indic digits.
        Some('\u{6f0}'..='\u{6f9}') => !label.iter().any(|c| matches!(c, '\u{660}'..='\u{669}')),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_j_rules() {
        for (name, want) in [
            // A.1/A.2: after a virama (U+094D DEVANAGARI SIGN VIRAMA).
            ("\u{915}\u{94d}\u{200d}\u{937}", "ok"),
            ("\u{915}\u{94d}\u{200c}\u{937}", "ok"),
            ("\u{915}\u{200d}\u{937}", "domain"),
            ("\u{200d}\u{937}", "domain"),
            ("\u{915}\u{94d}\u{200d}", "ok"), // the rule only looks back
            // A.1: between a left/dual-joining and a right/dual-joining letter,
            // transparent marks (U+064E FATHA) skipped.
            ("\u{628}\u{64a}\u{200c}\u{628}\u{64a}", "ok"),
            ("\u{628}\u{64e}\u{200c}\u{64e}\u{628}", "ok"),
            ("\u{627}\u{200c}\u{628}", "domain"), // ALEF is right-joining: nothing joins on its left
            ("\u{628}\u{200c}", "domain"),
            ("\u{200c}\u{628}", "domain"),
            // ZWJ has no joining-type rule.
            ("\u{628}\u{200d}\u{628}", "domain"),
            // Joiners elsewhere (ASCII context) are refused.
            ("pay\u{200c}pal.com", "domain"),
        ] {
            assert_eq!(code(name), want, "{name:?}");
        }
    }

    #[test]
    fn context_o_rules() {
        for (name, want) in [
            // A.3 MIDDLE DOT
            ("l\u{b7}l", "ok"),
            ("paypal\u{b7}com", "domain"),
            ("a\u{b7}l", "domain"),
            ("l\u{b7}a", "domain"),
            ("\u{b7}l", "domain"),
            ("l\u{b7}", "domain"),
            // A.4 KERAIA: the rule is checked below; the policy refuses
            // the character anyway (not Identifier_Status=Allowed in UTS #39).
            ("\u{3b1}\u{375}\u{3b2}", "domain"),
            // A.5, A.6 GERESH, GERSHAYIM
            ("\u{5d0}\u{5f3}\u{5d1}", "ok"),
            ("\u{5d0}\u{5f4}\u{5d1}", "ok"),
            ("a\u{5f3}\u{5d1}", "domain"),
            ("\u{5f4}\u{5d1}", "domain"),
            // A.7 KATAKANA MIDDLE DOT
            ("\u{30fb}\u{3041}", "ok"),
            ("\u{30a1}\u{30fb}\u{30a1}", "ok"),
            ("\u{30fb}\u{4e08}", "ok"),
            ("\u{30fb}", "domain"),
            // A.8, A.9 Arabic-Indic and Extended Arabic-Indic digits
            ("\u{628}\u{660}\u{628}", "ok"),
            ("\u{628}\u{6f0}\u{628}", "ok"),
            ("\u{628}\u{660}\u{6f0}", "domain"),
            ("\u{628}\u{6f1}\u{661}", "domain"),
        ] {
            assert_eq!(code(name), want, "{name:?}");
        }
        let keraia = |s: &str| context_o(&s.chars().collect::<Vec<_>>(), 1);
        assert!(keraia("\u{3b1}\u{375}\u{3b2}"));
        assert!(!keraia("\u{3b1}\u{375}s"));
        assert!(!keraia("\u{3b1}\u{375}"));
    }

    #[test]
    fn derived_property_exceptions_and_categories() {
        assert_eq!(derived_property('a'), Property::Pvalid);
        assert_eq!(derived_property('\u{df}'), Property::Pvalid);
        assert_eq!(derived_property('\u{640}'), Property::Disallowed); // ARABIC TATWEEL
        assert_eq!(derived_property('\u{302e}'), Property::Disallowed);
        assert_eq!(derived_property('\u{b7}'), Property::ContextO);
        assert_eq!(derived_property('\u{200c}'), Property::ContextJ);
        assert_eq!(derived_property('A'), Property::Disallowed); // unstable: maps to `a`
        assert_eq!(derived_property('\u{ff41}'), Property::Disallowed); // full-width a
        assert_eq!(derived_property('\u{2764}'), Property::Disallowed); // a symbol (So)
        assert_eq!(derived_property('_'), Property::Disallowed);
        assert_eq!(derived_property('\u{1100}'), Property::Disallowed); // old Hangul jamo
        assert_eq!(derived_property('\u{20d0}'), Property::Disallowed); // ignorable block
        assert_eq!(derived_property('\u{378}'), Property::Disallowed); // unassigned
    }

    #[test]
    fn canonical_form_and_lengths() {
        assert_eq!(HostName::parse("WWW.Example.COM").map(|h| h.0).ok().as_deref(), Some("www.example.com"));
        assert_eq!(code("a..b"), "domain");
        assert_eq!(code(".a"), "domain");
        assert_eq!(code("a."), "domain");
        assert_eq!(code(&"a".repeat(63)), "ok");
        assert_eq!(code(&"a".repeat(64)), "domain");
        assert_eq!(code(&["a"; 127].join(".")), "ok"); // 253 bytes
        assert_eq!(code(&format!("{}.a", ["a"; 127].join("."))), "domain"); // 255 bytes
        // The limits hold for the A-label form: 60 labels `ơa` are 239
        // bytes typed and 599 as A-labels.
        let typed = ["\u{1a1}a"; 60].join(".");
        assert!(typed.len() <= HostName::MAX_LEN);
        assert_eq!(code(&typed), "domain");
        assert_eq!(code(&["\u{1a1}a"; 600].join(".")), "too_long"); // the fuzzer's input, over the input cap
        assert_eq!(code(&"\u{fc}".repeat(60)), "domain"); // one U-label over 63 bytes as an A-label
        assert_eq!(code("r3---sn.example"), "domain"); // a reserved LDH label that is not an A-label
        assert_eq!(code("xn--example-"), "domain"); // decodes to ASCII
        assert_eq!(code("xn---9uc"), "domain"); // does not re-encode to itself
        assert_eq!(code("1.2.3.4"), "domain");
        // The last label is no number to the WHATWG URL parser either.
        assert_eq!(code("8.0Xe"), "domain"); // the fuzzer's input: 8.0.0.14 in a URL
        assert_eq!(code("a.0x"), "domain");
        assert_eq!(code("a.0xg"), "ok");
        assert_eq!(code("0x1f.com"), "ok");
        assert_eq!(code("exa_mple.com"), "domain");
    }

    #[test]
    fn url_host_strips_one_root_dot_only() {
        assert_eq!(url_host("example.com."), Ok("example.com"));
        assert_eq!(url_host("example.com"), Ok("example.com"));
        assert_eq!(url_host("example.com.."), Err(Reason::Domain));
        assert_eq!(url_host("a..b"), Err(Reason::Domain));
        assert_eq!(url_host("."), Err(Reason::Domain));
        assert_eq!(url_host(""), Err(Reason::Domain));
    }

    #[test]
    fn anti_spoofing_policy() {
        assert_eq!(code("ex\u{430}mple.com"), "mixed_script"); // Cyrillic а among Latin
        // Highly Restrictive combinations stay allowed: Latin with Han and
        // Kana, Han with Hangul.
        assert_eq!(code("\u{65e5}\u{672c}go.jp"), "ok");
        assert_eq!(code("\u{30c6}\u{30b9}\u{30c8}\u{6f22}\u{5b57}abc.jp"), "ok");
        assert_eq!(code("\u{d55c}\u{6f22}.kr"), "ok");
        assert_eq!(code("\u{3b1}bc.com"), "mixed_script"); // Greek with Latin
        assert_eq!(code("\u{ff47}mail.com"), "domain"); // full-width g
        assert_eq!(code("example\u{3002}com"), "domain"); // ideographic full stop
        assert_eq!(code("xn--ls8h.example"), "domain"); // an emoji label
        assert_eq!(code("admi\u{307}n.com"), "confusable"); // i + dot above displays as admin
        assert_eq!(code("adm\u{131}\u{307}n.com"), "confusable"); // dotless ı + dot above
        assert_eq!(code("cafe\u{301}\u{301}.com"), "confusable"); // the same accent twice
        assert_eq!(code("caf\u{e9}.com"), "ok");
        assert_eq!(code("\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}"), "ok"); // пример.рф
    }

    /// The reason code [`HostName::parse`] gives `s`, or `"ok"`.
    fn code(s: &str) -> &'static str {
        HostName::parse(s).map_or_else(|e| e.code(), |_| "ok")
    }
}
