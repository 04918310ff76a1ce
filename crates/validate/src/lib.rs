#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

use icu_properties::{
    CodePointMapData, CodePointSetData,
    props::{DefaultIgnorableCodePoint, GeneralCategory},
};

mod email;
mod error;
mod fetch_url;
#[cfg(feature = "fuzzing")]
#[cfg_attr(docsrs, doc(cfg(feature = "fuzzing")))]
pub mod fuzzing;
mod host;
mod label;
mod path;
#[cfg(feature = "validator")]
#[cfg_attr(docsrs, doc(cfg(feature = "validator")))]
pub mod rules;
mod username;

pub use email::Email;
pub use error::{Error, Kind, Reason};
pub use fetch_url::{AsyncResolve, FetchPolicy, FetchUrl, Resolve, SystemResolver, check_ip};
pub use host::HostName;
pub use label::Label;
pub use path::RelativePath;
pub use username::{DEFAULT_RESERVED, SKELETON_UNICODE_VERSION, Skeleton, Username, UsernamePolicy};

/// The conversions every validated type has, all through its parser:
/// `FromStr`, `TryFrom<String>`, `TryFrom<&str>`, `AsRef<str>`, `Display`
/// (the canonical form), and serde `Deserialize` (so a request body cannot
/// smuggle in an unchecked value) and `Serialize` (the canonical form).
macro_rules! validated_string_type {
    ($ty:ident) => {
        impl ::std::str::FromStr for $ty {
            type Err = $crate::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::Error;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::Error;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                // The error names the kind and reason code, never the value,
                // in the stable form `Error::from_serde_message` reads back.
                Self::parse(&raw).map_err(::serde::de::Error::custom)
            }
        }

        #[cfg(feature = "serde")]
        #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use validated_string_type;

/// Input longer than this, in bytes, is refused before any parsing or
/// Unicode work by the e-mail, host-name and username parsers (Unicode text
/// can be longer than its canonical A-label or NFC form, so this is above
/// each type's `MAX_LEN`).
pub(crate) const MAX_INPUT: usize = 1024;

/// The checks every parser makes first, cheapest first: size (before any
/// other work), emptiness, control characters, hidden characters
/// ([`is_invisible`]).
/// ASCII input skips the Unicode scans.
pub(crate) fn precheck(input: &str, max_len: usize) -> Result<(), Reason> {
    if input.len() > max_len {
        return Err(Reason::TooLong);
    }
    if input.is_empty() {
        return Err(Reason::Empty);
    }
    if input.is_ascii() {
        return if input.bytes().any(|b| b < 0x20 || b == 0x7f) { Err(Reason::ControlChar) } else { Ok(()) };
    }
    if input.chars().any(char::is_control) {
        return Err(Reason::ControlChar);
    }
    if input.chars().any(is_invisible) {
        return Err(Reason::Invisible);
    }
    Ok(())
}

/// Characters a reader cannot see, that look like a plain space, or that
/// change how text displays, from Unicode's own properties (ICU4X's
/// `icu_properties` compiled data, so the set follows the Unicode version
/// of that data, not a hand-kept list):
/// - General_Category Cc (controls), Cf (format: zero-width space and
///   joiners, bidi controls, soft hyphen, BOM, tags, the prepended
///   concatenation marks U+0600..U+0605 and U+110BD, the Egyptian
///   hieroglyph format controls U+13430.., ...);
/// - Zs, Zl, Zp (every space and separator: no-break space, ideographic
///   space, the U+2000 spaces, line and paragraph separators), except
///   U+0020 SPACE itself;
/// - Default_Ignorable_Code_Point (variation selectors, Hangul fillers,
///   combining grapheme joiner, Mongolian free variation selectors,
///   unassigned ignorables);
/// - U+2800 BRAILLE PATTERN BLANK (So, but drawn as an empty cell).
///
/// The same set as `guardrail-encode`'s log encoder escapes (the crates
/// share no code); `tests/hidden_chars.rs` checks every code point against
/// that crate's independent oracle file, generated from PyPI's `regex`.
pub(crate) fn is_invisible(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    match CodePointMapData::<GeneralCategory>::new().get(c) {
        GeneralCategory::Control
        | GeneralCategory::Format
        | GeneralCategory::SpaceSeparator
        | GeneralCategory::LineSeparator
        | GeneralCategory::ParagraphSeparator => true,
        // The only other categories with default-ignorable code points
        // (combining grapheme joiner and variation selectors, Hangul
        // fillers, unassigned ignorables; `tests::
        // default_ignorables_lie_in_the_categories_looked_up` checks every
        // code point): letters of most scripts skip the second lookup,
        // which took the check from about 1.3× to 2.5× the time of the
        // hand-written list it replaced.
        GeneralCategory::NonspacingMark | GeneralCategory::OtherLetter | GeneralCategory::Unassigned => {
            CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        }
        _ => c == '\u{2800}',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_invisible` looks Default_Ignorable_Code_Point up only for three
    /// categories; a Unicode update that puts one elsewhere fails here.
    #[test]
    fn default_ignorables_lie_in_the_categories_looked_up() {
        let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
        for c in (0..=0x10_ffff).filter_map(char::from_u32).filter(|&c| ignorable.contains(c)) {
            assert!(is_invisible(c), "U+{:04X}", u32::from(c));
        }
    }
}
