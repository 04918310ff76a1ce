//! What a password looks like: the folded form (NFD without hidden
//! characters, UTS #39 skeleton of non-ASCII characters, lower case) the
//! policy judges beside the NFKC form.

use icu_properties::{
    CodePointMapData, CodePointSetData,
    props::{DefaultIgnorableCodePoint, GeneralCategory},
};
use unicode_normalization::UnicodeNormalization;

/// NFKC and lower case, for comparisons.
pub(super) fn fold(s: &str) -> String {
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
pub(super) fn invisible(c: char) -> bool {
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
pub(super) fn looks_like(nfkc: &str, mut emit: impl FnMut(char)) {
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
pub(super) fn looks_like_len(nfkc: &str) -> usize {
    let mut len = 0;
    looks_like(nfkc, |c| len += c.len_utf8());
    len
}

/// [`looks_like`] of the NFKC form of `s`, for the (non-secret) context words.
pub(super) fn looks_like_string(s: &str) -> String {
    let nfkc: String = s.nfkc().collect();
    let mut out = String::with_capacity(looks_like_len(&nfkc));
    looks_like(&nfkc, |c| out.push(c));
    out
}
