//! The per-context rules: which characters need escaping, and how.

use std::fmt::{self, Write};

use std::{ops::RangeInclusive, sync::LazyLock};

use icu_properties::{
    CodePointMapData, CodePointSetData,
    props::{DefaultIgnorableCodePoint, GeneralCategory, GeneralCategoryGroup},
};

use crate::Context;

/// True for characters that XML 1.0 does not allow, or discourages as
/// "restricted" (XML 1.1), and that the OWASP Java Encoder therefore
/// replaces with a space: C0 controls but tab, LF and CR; DEL and the C1
/// controls but NEL (U+0085); the noncharacters U+FDD0..U+FDEF and
/// U+xFFFE/U+xFFFF of every plane. (Lone surrogates cannot occur in a
/// `str`; see `StreamEncoder` for raw bytes.)
fn invalid_in_html(c: char) -> bool {
    let u = u32::from(c);
    (u < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        || (0x7f..=0x84).contains(&u)
        || (0x86..=0x9f).contains(&u)
        || (0xfdd0..=0xfdef).contains(&u)
        || (u & 0xfffe) == 0xfffe
}

/// True for a character that a reader cannot see, that looks like a plain
/// space, or that changes how a line displays: General_Category Cc
/// (controls), Cf (format: zero-width space and joiners, bidi controls, soft
/// hyphen, BOM, tags, interlinear annotation, ...), Zs, Zl or Zp (every
/// space and separator; the White_Space characters are all among these),
/// or Default_Ignorable_Code_Point (variation selectors, Hangul fillers,
/// combining grapheme joiner, Mongolian vowel separator, unassigned
/// ignorables, ...), or U+2800 BRAILLE PATTERN BLANK (So, but drawn as an
/// empty cell); never U+0020 SPACE.
///
/// Escaped in logs (two values that print alike must not log alike),
/// JavaScript and CSS strings (U+2028/U+2029 end a line in older
/// JavaScript engines, and an invisible or reordering character makes the
/// generated source read as something it is not).
pub(crate) fn hidden(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    let u = u32::from(c);
    let table = &*HIDDEN;
    // Most text lies in 64-code-point chunks with nothing hidden: one bit.
    let chunk = u >> 6;
    let word = table.chunks.get(usize::try_from(chunk >> 6).unwrap_or(usize::MAX)).copied().unwrap_or(0);
    if (word >> (chunk & 63)) & 1 == 0 {
        return false;
    }
    let ranges = &table.ranges;
    ranges.get(ranges.partition_point(|r| *r.end() < u)).is_some_and(|r| r.contains(&u))
}

/// The code points [`hidden`] is true for beyond ASCII, built once from
/// ICU4X's `icu_properties` compiled data: sorted, disjoint ranges (about
/// 30), and one bit per 64-code-point chunk saying whether any range
/// touches it. Most characters are answered by the bit; the rest by a
/// binary search of the ranges. (On the `unicode` rows of `cargo bench -p
/// guardrail-benches --bench encode`, looking both properties up in ICU4X's
/// tries for each character took about 4× the time of the bidi-only check
/// this replaced; the ranges alone about 2×; ranges behind the chunk bits
/// about 1.3–1.6×, on a noisy 2-core machine.)
/// `tests/hidden_chars.rs` checks every code point against an independent
/// copy of the Unicode Character Database.
struct HiddenTable {
    ranges: Vec<RangeInclusive<u32>>,
    /// Bit `k % 64` of word `k / 64`: chunk `k` (code points `64k..64k+63`)
    /// holds a hidden character. 0x110000 / 64 / 64 = 272 words.
    chunks: Vec<u64>,
}

static HIDDEN: LazyLock<HiddenTable> = LazyLock::new(|| {
    let categories = [GeneralCategoryGroup::Control, GeneralCategoryGroup::Format, GeneralCategoryGroup::Separator]
        .into_iter()
        .fold(0, |mask, group| mask | u32::from(group));
    let mut ranges: Vec<RangeInclusive<u32>> = CodePointMapData::<GeneralCategory>::new()
        .iter_ranges_for_group(GeneralCategoryGroup::from(categories))
        .chain(CodePointSetData::new::<DefaultIgnorableCodePoint>().iter_ranges())
        .chain([0x2800..=0x2800])
        .filter(|r| *r.end() >= 0x80)
        .map(|r| (*r.start()).max(0x80)..=*r.end())
        .collect();
    ranges.sort_unstable_by_key(|r| *r.start());
    let mut merged: Vec<RangeInclusive<u32>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if *r.start() <= last.end().saturating_add(1) => {
                *last = *last.start()..=(*last.end()).max(*r.end());
            }
            _ => merged.push(r),
        }
    }
    let mut chunks = vec![0u64; 0x11_0000 / 64 / 64];
    for r in &merged {
        for chunk in (r.start() >> 6)..=(r.end() >> 6) {
            if let Some(word) = chunks.get_mut(usize::try_from(chunk >> 6).unwrap_or(usize::MAX)) {
                *word |= 1 << (chunk & 63);
            }
        }
    }
    HiddenTable { ranges: merged, chunks }
});

/// ASCII punctuation left as it is inside a JavaScript string: none of it
/// can end the string, a `<script>` block, an HTML attribute or an HTML
/// comment, or start an escape or a template substitution.
fn js_safe_ascii(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            ' ' | ','
                | '.'
                | ':'
                | ';'
                | '_'
                | '('
                | ')'
                | '!'
                | '?'
                | '@'
                | '#'
                | '%'
                | '+'
                | '*'
                | '['
                | ']'
                | '{'
                | '}'
                | '|'
                | '~'
                | '^'
        )
}

pub(crate) fn needs_escape(context: Context, c: char) -> bool {
    match context {
        Context::Html | Context::HtmlAttribute => matches!(c, '&' | '<' | '>' | '"' | '\'') || invalid_in_html(c),
        Context::JsString => {
            if c.is_ascii() {
                !js_safe_ascii(c)
            } else {
                hidden(c)
            }
        }
        Context::UrlComponent => !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')),
        Context::CssString => {
            if c.is_ascii() {
                !c.is_ascii_alphanumeric()
            } else {
                hidden(c)
            }
        }
        // U+FFFD too: a terminal draws each undecodable byte as U+FFFD, so a
        // real one must not look like the `\xHH` escape of an invalid byte
        // that `StreamEncoder` writes (`write_invalid`).
        Context::LogLine => {
            if c.is_ascii() {
                c.is_ascii_control() || c == '\\'
            } else {
                c == '\u{fffd}' || hidden(c)
            }
        }
    }
}

fn write_escape<W: Write + ?Sized>(context: Context, c: char, out: &mut W) -> fmt::Result {
    let u = u32::from(c);
    match context {
        Context::Html | Context::HtmlAttribute => out.write_str(match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&#34;",
            '\'' => "&#39;",
            _ => " ",
        }),
        // Backslash escapes both languages read the same way; beyond ASCII,
        // JavaScript's `\uHHHH` (a surrogate pair of them above U+FFFF, which
        // every engine reads, unlike ES2015's `\u{H..}`) and Rust-style
        // `\u{H..}` in logs.
        Context::JsString | Context::LogLine => match c {
            '\\' => out.write_str("\\\\"),
            '\t' => out.write_str("\\t"),
            '\n' => out.write_str("\\n"),
            '\r' => out.write_str("\\r"),
            _ if c.is_ascii() => write!(out, "\\x{u:02x}"),
            _ if context == Context::JsString => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units).iter() {
                    write!(out, "\\u{unit:04x}")?;
                }
                Ok(())
            }
            _ => write!(out, "\\u{{{u:x}}}"),
        },
        Context::UrlComponent => {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                write!(out, "%{b:02X}")?;
            }
            Ok(())
        }
        // NUL is not allowed in CSS; its replacement character is.
        Context::CssString => write!(out, "\\{:x} ", if u == 0 { 0xfffd } else { u }),
    }
}

/// `needs_escape` for every ASCII byte of every context, computed once
/// from `needs_escape` itself, so the common ASCII case is one table lookup
/// per byte.
static ASCII_TABLES: LazyLock<[[bool; 128]; Context::ALL.len()]> = LazyLock::new(|| {
    let mut tables = [[false; 128]; Context::ALL.len()];
    for (table, context) in tables.iter_mut().zip(Context::ALL) {
        for (b, slot) in (0u8..).zip(table.iter_mut()) {
            *slot = needs_escape(context, char::from(b));
        }
    }
    tables
});

fn table(context: Context) -> &'static [bool; 128] {
    let index = Context::ALL.iter().position(|c| *c == context).unwrap_or(0);
    ASCII_TABLES.get(index).unwrap_or(&[true; 128])
}

/// The byte offset and value of the first character at or after `from`
/// that needs escaping.
pub(crate) fn next_escape(context: Context, input: &str, mut from: usize) -> Option<(usize, char)> {
    let ascii = table(context);
    let bytes = input.as_bytes();
    loop {
        // The tight loop: skip clean ASCII bytes.
        let stop =
            bytes.get(from..)?.iter().position(|&b| b >= 0x80 || ascii.get(usize::from(b)).copied().unwrap_or(true))?;
        from += stop;
        let c = input.get(from..).and_then(|rest| rest.chars().next())?;
        if needs_escape(context, c) {
            return Some((from, c));
        }
        from += c.len_utf8();
    }
}

/// Writes `input` encoded for `context`: clean runs as slices, each
/// character that needs it as its escape.
pub(crate) fn write_encoded<W: Write + ?Sized>(context: Context, input: &str, out: &mut W) -> fmt::Result {
    let mut clean_from = 0;
    while let Some((i, c)) = next_escape(context, input, clean_from) {
        out.write_str(input.get(clean_from..i).unwrap_or_default())?;
        write_escape(context, c, out)?;
        clean_from = i + c.len_utf8();
    }
    out.write_str(input.get(clean_from..).unwrap_or_default())
}

/// What one undecodable sequence of raw input (`bytes`: one to three
/// bytes that are not UTF-8, as `str::from_utf8` splits them) becomes.
///
/// - Log lines: `\xHH` for each byte. Every byte below 0x80 is ASCII, so
///   `\xHH` with HH >= 80 can only be an invalid byte, and `\xHH` below 80
///   only an ASCII control: the encoding stays one-to-one (a real U+FFFD is
///   `\u{fffd}`), and it does not depend on how the bytes are grouped.
/// - URL components: `%HH` for each byte (percent-encoding is of bytes;
///   decoding gives the same bytes back).
/// - HTML text and attributes: one space, as the OWASP encoder writes for a
///   lone surrogate.
/// - JavaScript and CSS strings: one U+FFFD, as a browser's UTF-8 decoder
///   reads the sequence (a string in these languages is Unicode text, and
///   no escape of either can stand for a byte that is not).
pub(crate) fn write_invalid<W: Write + ?Sized>(context: Context, bytes: &[u8], out: &mut W) -> fmt::Result {
    match context {
        Context::Html | Context::HtmlAttribute => out.write_str(" "),
        Context::LogLine => bytes.iter().try_for_each(|b| write!(out, "\\x{b:02x}")),
        Context::UrlComponent => bytes.iter().try_for_each(|b| write!(out, "%{b:02X}")),
        Context::JsString | Context::CssString => write_encoded(context, "\u{fffd}", out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(context: Context, s: &str) -> String {
        context.encode(s).into_owned()
    }

    #[test]
    fn html_matches_owasp_for_html() {
        assert_eq!(enc(Context::Html, "&<>\"'"), "&amp;&lt;&gt;&#34;&#39;");
        assert_eq!(enc(Context::Html, "a\u{0}b\u{1}\u{8}\u{b}\u{c}\u{7f}\u{85}\u{9f}c"), "a b     \u{85} c");
        assert_eq!(enc(Context::Html, "\t\n\r"), "\t\n\r");
        assert_eq!(enc(Context::Html, "\u{fdd0}\u{fffe}\u{ffff}\u{1fffe}\u{10ffff}"), "     ");
        assert_eq!(enc(Context::Html, "é ü 日本 \u{a0}"), "é ü 日本 \u{a0}");
    }

    #[test]
    fn js_escapes_everything_that_ends_a_string_or_a_block() {
        assert_eq!(
            enc(Context::JsString, "'\"`\\/<>&=-$\u{2028}\u{2029}\u{0}"),
            r"\x27\x22\x60\\\x2f\x3c\x3e\x26\x3d\x2d\x24\u2028\u2029\x00"
        );
        assert_eq!(enc(Context::JsString, "line\nnext\ttab\r"), r"line\nnext\ttab\r");
        assert_eq!(enc(Context::JsString, "héllo, wörld (ok)!"), "héllo, wörld (ok)!");
        assert_eq!(enc(Context::JsString, "a\u{200b}\u{202e}\u{a0}\u{e0001}"), r"a\u200b\u202e\u00a0\udb40\udc01");
    }

    #[test]
    fn url_component_is_rfc3986_unreserved_only() {
        assert_eq!(enc(Context::UrlComponent, "AZaz09-._~"), "AZaz09-._~");
        assert_eq!(
            enc(Context::UrlComponent, " /?#[]@!$&'()*+,;=%"),
            "%20%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25"
        );
        assert_eq!(enc(Context::UrlComponent, "€"), "%E2%82%AC");
    }

    #[test]
    fn css_uses_hex_escapes_with_a_terminating_space() {
        assert_eq!(enc(Context::CssString, "a\"b'c\\d\ne\u{0}"), r"a\22 b\27 c\5c d\a e\fffd ");
        assert_eq!(enc(Context::CssString, "expression(alert(1))"), r"expression\28 alert\28 1\29 \29 ");
        assert_eq!(enc(Context::CssString, "a\u{200b}b\u{202e}"), r"a\200b b\202e ");
    }

    #[test]
    fn log_line_keeps_one_event_on_one_line() {
        assert_eq!(enc(Context::LogLine, "a\r\nb"), r"a\r\nb");
        assert_eq!(enc(Context::LogLine, "\x1b[31mred\x1b[0m"), r"\x1b[31mred\x1b[0m");
        assert_eq!(enc(Context::LogLine, "fake \\n escape"), r"fake \\n escape");
        assert_eq!(enc(Context::LogLine, "user\u{202e}nimda\u{2028}x\u{85}"), r"user\u{202e}nimda\u{2028}x\u{85}");
        assert_eq!(enc(Context::LogLine, "ok: naïve 日本 \"quoted\""), "ok: naïve 日本 \"quoted\"");
        assert_eq!(enc(Context::LogLine, "user=admin\u{200b} logged in"), r"user=admin\u{200b} logged in");
        assert_eq!(enc(Context::LogLine, "admin\u{fffd}"), r"admin\u{fffd}");
        assert_eq!(
            enc(Context::LogLine, "\u{a0}\u{ad}\u{feff}\u{2800}\u{3000}\u{e0001}"),
            r"\u{a0}\u{ad}\u{feff}\u{2800}\u{3000}\u{e0001}"
        );
    }
}
