//! The per-context rules: which characters need escaping, and how.

use std::fmt::{self, Write};

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

/// Unicode characters that end a line or reorder text for a reader:
/// escaped in JavaScript (U+2028/U+2029 end a line in older engines) and in
/// logs (a bidi override can make a log line read as something else).
fn line_or_bidi_control(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

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
                c.is_control() || line_or_bidi_control(c)
            }
        }
        Context::UrlComponent => !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')),
        Context::CssString => {
            if c.is_ascii() {
                !c.is_ascii_alphanumeric()
            } else {
                c.is_control() || line_or_bidi_control(c)
            }
        }
        Context::LogLine => {
            if c.is_ascii() {
                c.is_ascii_control() || c == '\\'
            } else {
                c.is_control() || line_or_bidi_control(c)
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
        // JavaScript's `\uHHHH` (U+FFFF and below: every character it
        // escapes is) and Rust-style `\u{H..}` in logs.
        Context::JsString | Context::LogLine => match c {
            '\\' => out.write_str("\\\\"),
            '\t' => out.write_str("\\t"),
            '\n' => out.write_str("\\n"),
            '\r' => out.write_str("\\r"),
            _ if c.is_ascii() => write!(out, "\\x{u:02x}"),
            _ if context == Context::JsString && u <= 0xffff => write!(out, "\\u{u:04x}"),
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
static ASCII_TABLES: std::sync::LazyLock<[[bool; 128]; Context::ALL.len()]> = std::sync::LazyLock::new(|| {
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

/// What one undecodable character of raw input becomes: a space in HTML
/// (as the OWASP encoder treats a lone surrogate), U+FFFD elsewhere.
pub(crate) fn write_replacement<W: Write + ?Sized>(context: Context, out: &mut W) -> fmt::Result {
    match context {
        Context::Html | Context::HtmlAttribute => out.write_str(" "),
        _ => write_encoded(context, "\u{fffd}", out),
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
    }

    #[test]
    fn log_line_keeps_one_event_on_one_line() {
        assert_eq!(enc(Context::LogLine, "a\r\nb"), r"a\r\nb");
        assert_eq!(enc(Context::LogLine, "\x1b[31mred\x1b[0m"), r"\x1b[31mred\x1b[0m");
        assert_eq!(enc(Context::LogLine, "fake \\n escape"), r"fake \\n escape");
        assert_eq!(enc(Context::LogLine, "user\u{202e}nimda\u{2028}x\u{85}"), r"user\u{202e}nimda\u{2028}x\u{85}");
        assert_eq!(enc(Context::LogLine, "ok: naïve 日本 \"quoted\""), "ok: naïve 日本 \"quoted\"");
    }
}
