//! User-supplied relative paths that cannot leave their base directory.

use std::path::{Path, PathBuf};

use unicode_normalization::{UnicodeNormalization, is_nfc};

use crate::{Error, Kind, Reason, validated_string_type};

/// A relative path from an untrusted source (an upload's file name, an
/// archive entry, a URL segment) that names something *inside* a base
/// directory, on unix and on Windows.
///
/// Refused, each with its own [`Reason`]: `..` and dots-only segments
/// (`...`, `..;`), absolute, UNC, device and drive forms (`/x`, `\\server`,
/// `\\?\C:`, `C:x`), backslashes, NUL and other control characters,
/// hidden characters (`invisible`: format and default-ignorable
/// characters, U+2800 BRAILLE PATTERN BLANK, and every space but U+0020,
/// since a no-break space in a name looks like a plain one), Windows
/// reserved names with any extension (`CON`, `nul.tar.gz`, `COM1`,
/// `LPT¹`), characters Windows forbids (`< > : " | ? *`, so no alternate
/// data streams), segments ending in a dot or a space,
/// 8.3 short names (`PROGRA~1`), a leading `~`, `$` or `-`, percent- and
/// `%u`-encodings that decode to a separator, a dot segment, a control
/// character or invalid UTF-8 (at any depth of double encoding), and
/// Unicode look-alikes of `.`, `/`, `\` and `:` (full-width, division
/// slash, one-dot leader, yen and won signs, ...). Segments over 255 bytes
/// and paths over 4096 bytes are refused before any other work.
///
/// The canonical form drops `.` and empty segments and a trailing `/`
/// (`./a//b/` is `a/b`), and is otherwise the input, byte for byte.
///
/// # Unicode normalisation
///
/// A file system may or may not normalise names: on Linux `café` written
/// with `é` (NFC) and with `e` + U+0301 (NFD) are two different files,
/// macOS HFS+ stores NFD, and an application layer may apply NFC or NFKC
/// on its way to the disk. So the canonical form is *not* normalised (that
/// could name a different file than the one the user named); instead the
/// input must already be NFC (`not_nfc` otherwise: browsers and archive
/// tools send NFC names), and every rule above also holds for its NFKC
/// form and its NFD characters. No normalising layer downstream can turn
/// an accepted path into a refused one: `..` followed by U+037E GREEK
/// QUESTION MARK (NFC `;`) is `traversal` like `..;`, `a\u{387}b`
/// (NFKC U+00B7, a dot look-alike) is `lookalike`, `a≮b` (NFD `<` +
/// U+0338) is `reserved_char`, and `½.txt` (NFKC `1⁄2.txt`, a fraction
/// slash) is `lookalike`. Compatibility characters whose NFKC form passes
/// (`ﬁle.txt`, `Ａ.txt`) are kept as given.
///
/// ```
/// use guardrail_validate::RelativePath;
/// let p: RelativePath = "reports/2026/q3.pdf".parse().unwrap();
/// assert_eq!(p.join_to("/srv/uploads"), std::path::Path::new("/srv/uploads/reports/2026/q3.pdf"));
/// for bad in ["../etc/passwd", "/etc/passwd", "C:\\x", "CON.txt", "%2e%2e%2f", "．．／x", "a/b:stream"] {
///     assert!(bad.parse::<RelativePath>().is_err(), "{bad}");
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelativePath(String);

validated_string_type!(RelativePath);

impl RelativePath {
    /// The longest path, in bytes.
    pub const MAX_LEN: usize = 4096;
    /// The longest segment, in bytes (the usual file-system name limit).
    pub const MAX_SEGMENT_LEN: usize = 255;

    /// Parses a path given as text.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with [`Kind::Path`] and the [`Reason`] of the
    /// first rule the path breaks (`..`, an absolute or drive form, a
    /// control character, a reserved name, a length above the limits).
    pub fn parse(input: &str) -> Result<Self, Error> {
        check(input).map(Self).map_err(|r| Error::invalid(Kind::Path, r))
    }

    /// Parses a path given as raw bytes (a multipart file name, an archive
    /// entry): invalid UTF-8, including overlong encodings of `.` and `/`,
    /// is [`Reason::InvalidEncoding`].
    ///
    /// # Errors
    ///
    /// As [`RelativePath::parse`], and [`Reason::InvalidEncoding`] for bytes
    /// that are not UTF-8.
    pub fn from_bytes(input: &[u8]) -> Result<Self, Error> {
        if input.len() > Self::MAX_LEN {
            return Err(Error::invalid(Kind::Path, Reason::TooLong));
        }
        let text = std::str::from_utf8(input).map_err(|_| Error::invalid(Kind::Path, Reason::InvalidEncoding))?;
        Self::parse(text)
    }

    /// The canonical path, segments joined with `/`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments (never empty, `.` or `..`).
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// `base` joined with this path, segment by segment. Lexically it
    /// always stays under `base`; symbolic links inside `base` can still
    /// point out of it, which [`RelativePath::open_under`] prevents.
    #[must_use]
    pub fn join_to(&self, base: impl AsRef<Path>) -> PathBuf {
        let mut out = base.as_ref().to_path_buf();
        out.extend(self.segments());
        out
    }

    /// Opens the file for reading under `base`, refusing to follow any
    /// symbolic link or `..` out of `base` (capability-based resolution
    /// with `cap-std`: `openat2(RESOLVE_BENEATH)` on Linux, a checked
    /// component-by-component walk elsewhere).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] with the operating system's error: `base` or the file
    /// cannot be opened, or a symbolic link or `..` would leave `base`.
    #[cfg(feature = "cap-std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cap-std")))]
    pub fn open_under(&self, base: impl AsRef<Path>) -> Result<std::fs::File, Error> {
        let dir = open_base(base.as_ref())?;
        dir.open(&self.0).map(cap_std::fs::File::into_std).map_err(Error::Io)
    }

    /// Creates (or truncates) the file for writing under `base`, creating
    /// missing parent directories, with the same containment as
    /// [`RelativePath::open_under`].
    ///
    /// # Errors
    ///
    /// [`Error::Io`] with the operating system's error: `base`, a parent
    /// directory or the file cannot be opened or created, or a symbolic link
    /// or `..` would leave `base`.
    #[cfg(feature = "cap-std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cap-std")))]
    pub fn create_under(&self, base: impl AsRef<Path>) -> Result<std::fs::File, Error> {
        let dir = open_base(base.as_ref())?;
        if let Some((parent, _)) = self.0.rsplit_once('/') {
            dir.create_dir_all(parent).map_err(Error::Io)?;
        }
        dir.create(&self.0).map(cap_std::fs::File::into_std).map_err(Error::Io)
    }
}

#[cfg(feature = "cap-std")]
fn open_base(base: &Path) -> Result<cap_std::fs::Dir, Error> {
    cap_std::fs::Dir::open_ambient_dir(base, cap_std::ambient_authority()).map_err(Error::Io)
}

/// Windows device names, reserved with any extension and in any case
/// (Microsoft "Naming Files, Paths, and Namespaces"), including the
/// superscript-digit forms Windows also treats as devices.
const RESERVED_NAMES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6",
    "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7",
    "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// Characters that look like `.`, `/`, `\` or `:` but that NFKC does not
/// map to them (NFKC catches full-width and small forms).
const LOOKALIKES: &[char] = &[
    '\u{2215}', '\u{2216}', '\u{2044}', '\u{29f5}', '\u{29f8}', '\u{29f9}', '\u{a5}', '\u{20a9}', '\u{2236}',
    '\u{a789}', '\u{b7}', '\u{2027}', '\u{3002}', '\u{ff61}',
];

fn is_lookalike(c: char) -> bool {
    !c.is_ascii() && (LOOKALIKES.contains(&c) || std::iter::once(c).nfkc().any(|m| matches!(m, '.' | '/' | '\\' | ':')))
}

/// Characters Windows does not allow in names (besides the separators).
const WINDOWS_RESERVED: &[char] = &['<', '>', ':', '"', '|', '?', '*'];

fn check(input: &str) -> Result<String, Reason> {
    let canonical = check_form(input)?;
    if !input.is_ascii() {
        check_normal_forms(input)?;
    }
    Ok(canonical)
}

/// The rules hold for every form the input normalises to: all of them for
/// the NFKC form (which includes every NFC mapping to ASCII, such as
/// U+037E to `;` and U+212A to `K`), no Windows-reserved character in the
/// NFD form (`≮` decomposes to `<` + U+0338), and the input itself is NFC.
fn check_normal_forms(input: &str) -> Result<(), Reason> {
    let nfkc: String = input.nfkc().collect();
    if nfkc != input {
        check_form(&nfkc)?;
    }
    if input.nfd().any(|c| WINDOWS_RESERVED.contains(&c)) {
        return Err(Reason::ReservedChar);
    }
    if !is_nfc(input) {
        return Err(Reason::NotNfc);
    }
    Ok(())
}

/// Every rule, on one form of the input; returns the canonical path.
fn check_form(input: &str) -> Result<String, Reason> {
    crate::precheck(input, RelativePath::MAX_LEN)?;
    if input.chars().any(is_lookalike) {
        return Err(Reason::Lookalike);
    }
    let bytes = input.as_bytes();
    if matches!(bytes.first(), Some(b'/' | b'\\')) {
        return Err(Reason::Absolute);
    }
    if matches!(bytes, [drive, b':', ..] if drive.is_ascii_alphabetic()) {
        return Err(Reason::Absolute);
    }
    if input.contains('\\') {
        return Err(Reason::Backslash);
    }
    match bytes.first() {
        Some(b'~') => return Err(Reason::Home),
        Some(b'-') => return Err(Reason::LeadingDash),
        _ => {}
    }
    if input.contains('%') {
        check_encoded(input)?;
    }
    if input.contains(WINDOWS_RESERVED) {
        return Err(Reason::ReservedChar);
    }
    let mut segments = Vec::new();
    for segment in input.split('/') {
        if segment.is_empty() || segment == "." {
            continue;
        }
        check_segment(segment)?;
        segments.push(segment);
    }
    // The leading-character rules apply to what the path starts with once
    // `.` segments are gone (`./~x`, `./-rf`; found by fuzzing).
    match segments.first().and_then(|s| s.bytes().next()) {
        None => return Err(Reason::Empty),
        Some(b'~') => return Err(Reason::Home),
        Some(b'-') => return Err(Reason::LeadingDash),
        Some(_) => {}
    }
    Ok(segments.join("/"))
}

fn check_segment(segment: &str) -> Result<(), Reason> {
    if segment.len() > RelativePath::MAX_SEGMENT_LEN {
        return Err(Reason::TooLong);
    }
    // `..`, `...` (Windows trims trailing dots) and `..;` (servlet path
    // parameters) all climb.
    let before_params = segment.split(';').next().unwrap_or_default();
    if !before_params.is_empty() && before_params.bytes().all(|b| b == b'.') {
        return Err(Reason::Traversal);
    }
    if segment.ends_with(['.', ' ']) {
        return Err(Reason::TrailingDotOrSpace);
    }
    if segment.starts_with('$') {
        return Err(Reason::Variable);
    }
    let stem = segment.split('.').next().unwrap_or_default().trim_end_matches(' ');
    if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        return Err(Reason::ReservedName);
    }
    if segment.as_bytes().windows(2).any(|w| w.first() == Some(&b'~') && w.get(1).is_some_and(u8::is_ascii_digit)) {
        return Err(Reason::ShortName);
    }
    Ok(())
}

/// Decodes `%HH` (and refuses IIS-style `%uHHHH` outright) up to four times,
/// refusing the path if any layer decodes to something the plain rules
/// would refuse: a separator, a control or other hidden character
/// (`%C2%A0`, a no-break space), invalid UTF-8, or a dots-only segment.
fn check_encoded(input: &str) -> Result<(), Reason> {
    let mut layer = input.as_bytes().to_vec();
    for _ in 0..4 {
        if layer
            .windows(6)
            .any(|w| matches!(w, [b'%', b'u' | b'U', a, b, c, d] if [a, b, c, d].iter().all(|x| x.is_ascii_hexdigit())))
        {
            return Err(Reason::Encoded);
        }
        let decoded = percent_decode(&layer);
        if decoded == layer {
            return Ok(());
        }
        let Ok(text) = std::str::from_utf8(&decoded) else {
            return Err(Reason::Encoded);
        };
        let dots_only = text.split(['/', '\\']).any(|s| !s.is_empty() && s.bytes().all(|b| b == b'.'));
        if text.contains(['/', '\\'])
            || text.chars().any(crate::is_invisible)
            || dots_only
            || text.chars().any(is_lookalike)
        {
            return Err(Reason::Encoded);
        }
        layer = decoded;
    }
    // Still decoding after four layers: nobody encodes a file name that deeply.
    Err(Reason::Encoded)
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'%'
            && let (Some(h), Some(l)) =
                (input.get(i + 1).copied().and_then(hex), input.get(i + 2).copied().and_then(hex))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_code() {
        let cases = [
            ("dir/file.txt", "ok"),
            ("", "empty"),
            ("./", "empty"),
            (&"a/".repeat(3000), "too_long"),
            (&"a".repeat(256), "too_long"),
            ("a\0b", "control_char"),
            ("a\u{202e}txt.exe", "invisible"),
            ("．．／etc", "lookalike"),
            ("..\u{2215}etc", "lookalike"),
            ("/etc/passwd", "absolute"),
            ("\\\\server\\share", "absolute"),
            ("C:boot.ini", "absolute"),
            ("a\\b", "backslash"),
            ("~/.ssh/id_rsa", "home"),
            ("-rf", "leading_dash"),
            ("./-rf", "leading_dash"),
            ("././~a/b", "home"),
            ("%2e%2e%2fetc", "encoded"),
            ("%252e%252e%252f", "encoded"),
            ("%u002e%u002e", "encoded"),
            ("file.txt%00.jpg", "encoded"),
            ("..%c0%af", "encoded"),
            ("file.txt:hidden", "reserved_char"),
            ("a|b.txt", "reserved_char"),
            ("../x", "traversal"),
            ("a/../../b", "traversal"),
            ("...", "traversal"),
            ("..;/x", "traversal"),
            ("file.txt.", "trailing_dot_space"),
            ("dir /x", "trailing_dot_space"),
            ("$HOME/x", "variable"),
            ("nul.tar.gz", "reserved_name"),
            ("dir/Com1", "reserved_name"),
            ("con .txt", "reserved_name"),
            ("LPT\u{b9}", "reserved_name"),
            ("PROGRA~1/x", "short_name"),
        ];
        for (input, want) in cases {
            assert_eq!(code(input), want, "{input:?}");
        }
    }

    #[test]
    fn accepted_names_and_canonical_forms() {
        for ok in [
            "..foo",
            "foo..bar.txt",
            "...foo.txt",
            ".htaccess",
            "file%20name.txt",
            "100%.txt",
            "50%25off.txt",
            "café.txt",
            "\u{fb01}le.txt",
            "\u{ff21}.txt",
            "x\u{b2}.txt",
            "日本語/ファイル.txt",
            "emoji-😀.png",
            "com10.txt",
            "nul-results.csv",
            "con-tract.pdf",
        ] {
            assert_eq!(code(ok), "ok", "{ok:?}");
        }
        let canon = |s: &str| RelativePath::parse(s).map(|p| p.as_str().to_owned()).unwrap_or_default();
        assert_eq!(canon("./a//b/./c/"), "a/b/c");
        assert_eq!(canon("dir/"), "dir");
    }

    /// Issue 10 item 8, the minimal input and its kind: characters that
    /// NFC or NFKC turns into ASCII (or into a look-alike) are judged by
    /// what they become, and non-NFC input is refused.
    #[test]
    fn rules_hold_for_every_normal_form() {
        let cases = [
            ("..\u{37e}", "traversal"), // NFC `..;`
            ("..\u{37e}/etc/passwd", "traversal"),
            ("a/..\u{37e}/b", "traversal"),
            ("a\u{37e}b.txt", "not_nfc"),      // NFC `a;b.txt`: fine, but not the name given
            ("\u{212a}.txt", "not_nfc"),       // Kelvin sign, NFC `K`
            ("\u{2126}.txt", "not_nfc"),       // ohm sign, NFC Ω
            ("a\u{1fef}b", "not_nfc"),         // Greek varia, NFC `
            ("cafe\u{301}.txt", "not_nfc"),    // NFD
            ("a\u{387}b", "lookalike"),        // NFC U+00B7 middle dot
            ("a\u{2260}b", "ok"),              // ≠: NFD `=` + U+0338, harmless
            ("a\u{226e}b", "reserved_char"),   // ≮: NFD `<` + U+0338
            ("a\u{226f}b", "reserved_char"),   // ≯
            ("\u{bd}.txt", "lookalike"),       // ½: NFKC 1⁄2, a fraction slash
            ("a\u{fe55}b", "lookalike"),       // small colon, NFKC `:`
            ("\u{ff0e}\u{ff0e}", "lookalike"), // full-width dots
            ("\u{2025}", "lookalike"),         // two dot leader, NFKC `..`
            ("a\u{fe56}b", "reserved_char"),   // small question mark, NFKC `?`
            ("\u{fe6a}2e\u{fe6a}2e", "encoded"), // small percent signs, NFKC %2e%2e
            ("\u{ff5e}/x", "home"),            // full-width tilde, NFKC ~
            ("\u{fe63}rf", "leading_dash"),    // small hyphen-minus, NFKC -
            ("\u{ff04}HOME", "variable"),      // full-width dollar
            ("\u{ff23}\u{ff2f}\u{ff2e}.txt", "reserved_name"), // full-width CON
            ("file\u{2024}", "lookalike"),
            ("file\u{3000}", "invisible"), // ideographic space, NFKC ` `: a hidden character either way
            (&"\u{fdfa}".repeat(20), "too_long"), // 60 bytes, NFKC 660: over the segment limit
        ];
        for (input, want) in cases {
            assert_eq!(code(input), want, "{input:?}");
        }
    }

    /// Issue 10: hidden characters beyond the default-ignorable ones —
    /// spaces other than U+0020, format characters that are not ignorable,
    /// U+2800 — were accepted (`tests/hidden_chars.rs` checks them all).
    #[test]
    fn hidden_characters_of_every_kind() {
        for c in
            ['\u{a0}', '\u{3000}', '\u{2007}', '\u{202f}', '\u{2028}', '\u{2800}', '\u{600}', '\u{6dd}', '\u{13430}']
        {
            assert_eq!(code(&format!("a{c}b.txt")), "invisible", "U+{:04X}", u32::from(c));
        }
        assert_eq!(code("a%C2%A0b.txt"), "encoded"); // decodes to a no-break space
        assert_eq!(code("a%E2%A0%80b.txt"), "encoded");
        assert_eq!(code("a b.txt"), "ok");
        assert_eq!(code("a\u{2801}b.txt"), "ok"); // braille dot 1: visible
    }

    #[test]
    fn raw_bytes() {
        assert_eq!(
            RelativePath::from_bytes(b"\xc0\xae\xc0\xae/etc").map_err(|e| e.code()).err(),
            Some("invalid_encoding")
        );
        assert!(RelativePath::from_bytes(b"ok.txt").is_ok());
    }

    /// The reason code [`RelativePath::parse`] gives `s`, or `"ok"`.
    fn code(s: &str) -> &'static str {
        RelativePath::parse(s).map_or_else(|e| e.code(), |_| "ok")
    }
}
