//! A short display label: a name people read (an API key's name, a device
//! name, a team name) that must not hide characters.

use unicode_normalization::UnicodeNormalization;

use crate::{Error, Kind, Reason, validated_string_type};

/// A short text shown to people, in NFC, with every character visible.
///
/// Refused: empty, over [`Label::MAX_CHARS`] characters (or a caller's
/// smaller bound, [`Label::parse_with_max`]), control characters, and
/// every hidden character — format characters (zero-width space and
/// joiners, bidi controls, BOM, soft hyphen, tags), default-ignorable code
/// points, every space but U+0020 (no-break, ideographic, U+2000..),
/// line and paragraph separators and U+2800 BRAILLE PATTERN BLANK — so two
/// labels that differ only by such characters cannot both be stored and
/// display alike. Leading or trailing U+0020 and runs of spaces are
/// refused too (`Reason::Invisible`): they are not seen either.
///
/// The checks hold for the input and for its NFC form, which is the form
/// handed back ([`Label::as_str`]). Unlike [`Username`](crate::Username),
/// a label may hold any visible character (symbols, spaces between words,
/// several scripts); it is not an identifier and is not compared by
/// confusable skeleton: two labels can still *look* alike (`paypal` and
/// `раураl`), so never use one as a key or for authorisation.
///
/// ```
/// use guardrail_validate::{Label, Reason};
///
/// let label = Label::parse("CI deploy key ☁")?;
/// assert_eq!(label.as_str(), "CI deploy key ☁");
/// let err = Label::parse("deploy\u{200B}key").unwrap_err();
/// assert_eq!(err.reason(), Some(Reason::Invisible));
/// assert_eq!(err.code(), "invisible");
/// # Ok::<(), guardrail_validate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(String);

validated_string_type!(Label);

impl Label {
    /// The default and largest bound, in characters (Unicode scalar values).
    pub const MAX_CHARS: usize = 128;

    /// Parses a label of at most [`Label::MAX_CHARS`] characters.
    ///
    /// # Errors
    /// [`Error`] of kind [`Kind::Label`] with reason `empty`, `too_long`,
    /// `control_char` or `invisible`; it never holds the input.
    pub fn parse(input: &str) -> Result<Self, Error> {
        Self::parse_with_max(input, Self::MAX_CHARS)
    }

    /// Parses a label of at most `max_chars` characters (counted on the NFC
    /// form; a bound over [`Label::MAX_CHARS`] is lowered to it).
    ///
    /// # Errors
    /// As [`Label::parse`].
    pub fn parse_with_max(input: &str, max_chars: usize) -> Result<Self, Error> {
        check(input, max_chars.min(Self::MAX_CHARS)).map(Label).map_err(|r| Error::invalid(Kind::Label, r))
    }

    /// The label, in NFC.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The label, in NFC.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A UTF-8 character is at most 4 bytes: the byte bound lets `precheck`
/// refuse huge input before any Unicode work.
fn check(input: &str, max_chars: usize) -> Result<String, Reason> {
    crate::precheck(input, max_chars.saturating_mul(4))?;
    let nfc: String = if input.is_ascii() { input.to_owned() } else { input.nfc().collect() };
    // NFC maps some characters to others (U+037E to `;`); the rules hold
    // for the form handed back too.
    if nfc.chars().any(char::is_control) {
        return Err(Reason::ControlChar);
    }
    if nfc.chars().any(crate::is_invisible) {
        return Err(Reason::Invisible);
    }
    if nfc.starts_with(' ') || nfc.ends_with(' ') || nfc.contains("  ") {
        return Err(Reason::Invisible);
    }
    if nfc.chars().count() > max_chars {
        return Err(Reason::TooLong);
    }
    Ok(nfc)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    #[test]
    fn visible_labels_are_kept_in_nfc() {
        for (typed, kept) in [
            ("prod key", "prod key"),
            ("Cl\u{e9} d\u{2019}\u{e9}quipe", "Cl\u{e9} d\u{2019}\u{e9}quipe"),
            // e + COMBINING ACUTE composes to é.
            ("cafe\u{301}", "caf\u{e9}"),
            ("ключ 🔑", "ключ 🔑"),
            ("\u{645}\u{641}\u{62a}\u{627}\u{62d}", "\u{645}\u{641}\u{62a}\u{627}\u{62d}"),
        ] {
            assert_eq!(Label::parse(typed).unwrap().as_str(), kept, "{typed:?}");
        }
    }

    #[test]
    fn hidden_characters_are_refused_anywhere() {
        let hidden = [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{AD}',
            '\u{202E}',
            '\u{202A}',
            '\u{2066}',
            '\u{200E}',
            '\u{200F}',
            '\u{61C}',
            '\u{180E}',
            '\u{34F}',
            '\u{FE0F}',
            '\u{E0041}',
            '\u{3164}',
            '\u{115F}',
            '\u{A0}',
            '\u{2007}',
            '\u{202F}',
            '\u{3000}',
            '\u{2028}',
            '\u{2029}',
            '\u{2800}',
        ];
        for c in hidden {
            for input in [format!("{c}key"), format!("ke{c}y"), format!("key{c}"), c.to_string()] {
                let err = Label::parse(&input).unwrap_err();
                assert_eq!(err.reason(), Some(Reason::Invisible), "U+{:04X}", u32::from(c));
                assert!(matches!(err, Error::Invalid { kind: Kind::Label, .. }));
            }
        }
    }

    #[test]
    fn controls_are_refused() {
        for input in ["a\nb", "a\rb", "a\tb", "a\u{7f}b", "a\u{85}b", "\u{1b}[31mred"] {
            assert_eq!(Label::parse(input).unwrap_err().reason(), Some(Reason::ControlChar), "{input:?}");
        }
    }

    #[test]
    fn spaces_that_do_not_show_are_refused() {
        for input in [" key", "key ", "a  b", " "] {
            assert_eq!(Label::parse(input).unwrap_err().reason(), Some(Reason::Invisible), "{input:?}");
        }
    }

    #[test]
    fn length_is_counted_in_characters_of_the_nfc_form() {
        assert_eq!(Label::parse("").unwrap_err().reason(), Some(Reason::Empty));
        assert!(Label::parse_with_max(&"é".repeat(64), 64).is_ok());
        assert_eq!(Label::parse_with_max(&"é".repeat(65), 64).unwrap_err().reason(), Some(Reason::TooLong));
        // 64 × (e + combining acute) is 128 characters in, 64 after NFC.
        assert!(Label::parse_with_max(&"e\u{301}".repeat(64), 64).is_ok());
        assert!(Label::parse(&"x".repeat(Label::MAX_CHARS)).is_ok());
        assert_eq!(Label::parse(&"x".repeat(Label::MAX_CHARS + 1)).unwrap_err().reason(), Some(Reason::TooLong));
        // A larger bound is lowered to MAX_CHARS.
        assert!(Label::parse_with_max(&"x".repeat(Label::MAX_CHARS + 1), usize::MAX).is_err());
        // Huge input is refused by its byte length first.
        assert_eq!(Label::parse(&"x".repeat(1 << 20)).unwrap_err().reason(), Some(Reason::TooLong));
    }

    #[test]
    fn the_canonical_form_parses_to_itself() {
        for input in ["cafe\u{301}", "\u{212B}ngstr\u{f6}m", "a;b\u{37E}", "k\u{212A}"] {
            let label = Label::parse(input).unwrap();
            assert_eq!(Label::parse(label.as_str()).unwrap(), label);
        }
    }
}
