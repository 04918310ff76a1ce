use std::{fmt, hash::Hash};

use secrecy::ExposeSecret;

/// Personal data that must be stored and sent, but never shown in logs.
///
/// `Debug` and `Display` print a mask (`j***@example.com`, `Al***`); serde
/// serialises and deserialises the real value unchanged, so it round-trips
/// through JSON and databases. The value is reached, as secrets are,
/// through [`ExposeSecret::expose_secret`].
///
/// ```
/// use guardrail_secret::{ExposeSecret, Pii};
/// let email = Pii::new(String::from("jane.doe@example.com"));
/// assert_eq!(format!("{email}"), "j***@example.com");
/// assert_eq!(format!("{email:?}"), "Pii(j***@example.com)");
/// assert_eq!(email.expose_secret(), "jane.doe@example.com");
/// ```
///
/// Reading one back: deserialise it (serde reads the real value), or open
/// a column sealed at rest (a guardrail-keys `Keyring`, associated data
/// naming the cell: `users:{id}:email`) and wrap the text in [`Pii::new`]
/// again; the guide's chapter on secrets shows both ("Reading a `Pii`
/// back").
///
/// `Pii` is not a secret: it is `Clone`, comparable with `==` and not
/// zeroized on drop. Use [`SecretString`](crate::SecretString) for
/// credentials.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Pii<T>(T);

impl<T> Pii<T> {
    /// Wraps a value.
    pub const fn new(value: T) -> Self {
        Self(value)
    }
}

impl<T> From<T> for Pii<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> ExposeSecret<T> for Pii<T> {
    fn expose_secret(&self) -> &T {
        &self.0
    }
}

impl<T: Mask> fmt::Display for Pii<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.mask(f)
    }
}

impl<T: Mask> fmt::Debug for Pii<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pii(")?;
        self.0.mask(f)?;
        f.write_str(")")
    }
}

/// How a value is shown when it must not be shown in full.
///
/// Implement it for your own personal-data types (phone numbers, account
/// numbers) to wrap them in [`Pii`].
pub trait Mask {
    /// Writes the masked form.
    ///
    /// # Errors
    ///
    /// The formatter's [`fmt::Error`], if writing to it fails.
    fn mask(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl Mask for str {
    fn mask(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        mask_text(self, f)
    }
}

impl Mask for String {
    fn mask(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        mask_text(self, f)
    }
}

impl Mask for Box<str> {
    fn mask(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        mask_text(self, f)
    }
}

impl<T: Mask + ?Sized> Mask for &T {
    fn mask(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).mask(f)
    }
}

impl<T: Mask> Mask for Option<T> {
    fn mask(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(v) => v.mask(f),
            None => f.write_str("None"),
        }
    }
}

/// The default mask for text.
///
/// - An e-mail address (`local@domain`) keeps the first character of the
///   local part and the domain: `j***@example.com`; a one-character local
///   part is masked whole (`***@example.com`), since keeping its first
///   character would show all of it.
/// - Other text keeps a prefix that grows with its length: nothing under 4
///   characters, 1 under 8, 2 from 8 on; then `***`. The length itself is
///   not shown.
/// - Control characters in what is kept are never written (a mask must not
///   forge log lines); they are replaced by `?`.
/// - Only characters a reader sees are kept: ASCII graphic characters and
///   letters and digits of any script (`char::is_alphanumeric`, less the
///   Hangul fillers, which are letters that draw nothing). Anything else
///   kept — a zero-width space, a bidi control such as U+202E, U+2800
///   BRAILLE PATTERN BLANK, a no-break space or U+0020 itself, a combining
///   mark — is written as `*`, so a mask can neither hide a character nor
///   reorder the rest of a log line. (This crate does not depend on
///   `guardrail-validate`; `crates/guardrail/tests/pii_mask_visible.rs`
///   checks every code point against its hidden-character set.)
///
/// # Errors
///
/// The formatter's [`fmt::Error`], if writing to it fails.
pub fn mask_text(text: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if let Some((local, domain)) = text.rsplit_once('@')
        && !local.is_empty()
        && !domain.is_empty()
    {
        // One character kept of a one-character local part would be all of it.
        let keep = usize::from(local.chars().nth(1).is_some());
        write_kept(f, local.chars().take(keep))?;
        f.write_str("***@")?;
        return write_kept(f, domain.chars());
    }
    let keep = match text.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    write_kept(f, text.chars().take(keep))?;
    f.write_str("***")
}

fn write_kept(f: &mut fmt::Formatter<'_>, chars: impl Iterator<Item = char>) -> fmt::Result {
    use fmt::Write;
    for c in chars {
        f.write_char(kept(c))?;
    }
    Ok(())
}

/// What a mask writes for a character it keeps: the character if a reader
/// sees it, `?` for a control, `*` for anything else.
pub(crate) fn kept(c: char) -> char {
    // Hangul choseong and jungseong fillers, Hangul filler, halfwidth
    // Hangul filler: the only letters (Lo) that are Default_Ignorable_Code_Point.
    const HANGUL_FILLERS: [char; 4] = ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}'];
    if c.is_control() {
        '?'
    } else if c.is_ascii_graphic() || (c.is_alphanumeric() && !HANGUL_FILLERS.contains(&c)) {
        c
    } else {
        '*'
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        let masked = [
            ("jane@example.com", "j***@example.com"),
            ("élodie@exämple.org", "é***@exämple.org"),
            ("abc", "***"),
            ("Alice", "A***"),
            ("+1 555 0100 200", "+1***"),
            ("", "***"),
            ("@example.com", "@e***"),
            ("x@y\nFAKE LOG LINE", "***@y?FAKE*LOG*LINE"),
            ("x@example.com", "***@example.com"),
            ("é@example.com", "***@example.com"),
            ("xy@example.com", "x***@example.com"),
        ];
        for (text, mask) in masked {
            assert_eq!(shown(text), mask);
        }
        assert_eq!(format!("{:?}", Pii::new(Some(String::from("Robert")))), "Pii(R***)");
    }

    /// A kept character that a reader cannot see, or that reorders the
    /// line (bidi controls), is written as `*`: the mask shows how many
    /// characters it kept, never an invisible one.
    #[test]
    fn hidden_characters_are_never_kept() {
        for hidden in
            ['\u{202E}', '\u{200B}', '\u{2800}', '\u{2066}', '\u{200F}', '\u{FEFF}', '\u{A0}', '\u{3164}', '\u{AD}']
        {
            let label = format!("U+{:04X}", u32::from(hidden));
            // Two hidden characters at the start of text of 8+ characters.
            assert_eq!(shown(&format!("{hidden}{hidden}secret-value")), "*****", "{label}");
            assert_eq!(shown(&format!("{hidden}Xsecret-value")), "*X***", "{label}");
            // The first character of an e-mail local part.
            assert_eq!(shown(&format!("{hidden}jane@example.com")), "****@example.com", "{label}");
            // The domain is kept whole, its hidden characters masked.
            assert_eq!(shown(&format!("jane@exa{hidden}mple.com")), "j***@exa*mple.com", "{label}");
            // Short text keeps one character.
            assert_eq!(shown(&format!("{hidden}abcd")), "****", "{label}");
            crate::fuzzing::check_mask(&format!("{hidden}jane@ex{hidden}ample.com"));
        }
        // Visible letters and digits of any script are kept.
        assert_eq!(shown("Ωmega-value"), "Ωm***");
        assert_eq!(shown("日本語のテキスト"), "日本***");
        assert_eq!(shown("٣٤ value here"), "٣٤***");
        // Spaces and combining marks are not kept either.
        assert_eq!(shown(" leading space"), "*l***");
        assert_eq!(shown("e\u{301}values"), "e****");
    }

    /// What `Display` shows of `text` wrapped in [`Pii`].
    fn shown(text: &str) -> String {
        Pii::new(text).to_string()
    }
}
