#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

use std::{borrow::Cow, fmt, io, str::FromStr};

mod escape;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod stream;
#[cfg(feature = "clap")]
mod value_enum;
mod writer;

pub use stream::StreamEncoder;
pub use writer::Writer;

/// Where an untrusted value is about to be written. Each context has its
/// own rules; a value encoded for one is not safe in another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Context {
    /// HTML text content, exactly as the OWASP Java Encoder's
    /// `Encode.forHtml`: `& < > " '` become `&amp; &lt; &gt; &#34; &#39;`;
    /// characters invalid in HTML/XML become a space.
    Html,
    /// A quoted HTML attribute value (`"..."` or `'...'`): the same rules as
    /// [`Context::Html`], which escape both quote characters.
    HtmlAttribute,
    /// The inside of a JavaScript string literal (`'...'`, `"..."` or a
    /// template literal), in a `<script>` block or an event-handler
    /// attribute: every ASCII character that is not a letter, digit or
    /// harmless punctuation becomes `\xHH`; line terminators and every
    /// other hidden character (the set [`Context::LogLine`] lists) become
    /// `\uHHHH` (a surrogate pair of them above U+FFFF).
    JsString,
    /// One URL component (a path segment or a query value): everything but
    /// RFC 3986 unreserved characters is percent-encoded as UTF-8.
    UrlComponent,
    /// The inside of a quoted CSS string: everything but letters, digits
    /// and non-ASCII text becomes a CSS hex escape `\HH `, and so does every
    /// hidden character (the set [`Context::LogLine`] lists).
    CssString,
    /// One log line: CR, LF, tab, other controls and terminal escape
    /// sequences become visible escapes (`\n`, `\x1b`), `\` becomes `\\`,
    /// and so does every character a reader cannot see, that looks like a
    /// plain space, or that changes how the line displays (`\u{200b}`), so
    /// one event is one line, escapes cannot be forged, and two values that
    /// print alike never log alike. Escaped beyond ASCII, from the Unicode
    /// Character Database (ICU4X's `icu_properties`):
    ///
    /// - General_Category **Cc**, controls: C1 controls U+0080..U+009F,
    ///   NEL U+0085 among them;
    /// - **Cf**, format characters: soft hyphen U+00AD, Arabic letter mark
    ///   U+061C, Mongolian vowel separator U+180E, zero-width space, ZWNJ,
    ///   ZWJ U+200B..U+200D, LRM/RLM U+200E/U+200F, bidi embeddings and
    ///   overrides U+202A..U+202E and isolates U+2066..U+2069, word joiner
    ///   and invisible operators U+2060..U+2064, BOM U+FEFF, interlinear
    ///   annotation U+FFF9..U+FFFB, the tags block U+E0000..U+E007F, and
    ///   the rest of Cf (Arabic number signs U+0600..U+0605, ...);
    /// - **Zs**, every space but U+0020: no-break space U+00A0, ogham space
    ///   U+1680, U+2000..U+200A, narrow no-break space U+202F, U+205F,
    ///   ideographic space U+3000; **Zl** U+2028 and **Zp** U+2029 (with Cc,
    ///   these hold every White_Space character);
    /// - **Default_Ignorable_Code_Point**: combining grapheme joiner U+034F,
    ///   Hangul fillers U+115F, U+1160, U+3164, U+FFA0, Khmer inherent
    ///   vowels U+17B4/U+17B5, Mongolian free variation selectors, variation
    ///   selectors U+FE00..U+FE0F and U+E0100..U+E01EF, and the unassigned
    ///   ignorable ranges (U+2065, U+FFF0..U+FFF8, U+E0000..U+E0FFF);
    /// - U+2800 BRAILLE PATTERN BLANK (So, but drawn as an empty cell).
    ///
    /// Every code point is checked against an independent copy of the
    /// database (`tests/hidden_chars.rs`).
    LogLine,
}

/// The name given to [`Context::from_str`] was not one of
/// `html | attr | js | url | css | log`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownContext;

impl fmt::Display for UnknownContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown encoding context (expected html, attr, js, url, css or log)")
    }
}

impl std::error::Error for UnknownContext {}

impl FromStr for Context {
    type Err = UnknownContext;

    /// The CLI's names: `html`, `attr`, `js`, `url`, `css`, `log`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|c| c.name() == name).ok_or(UnknownContext)
    }
}

impl Context {
    /// Every context, for tests and tools.
    pub const ALL: [Self; 6] =
        [Self::Html, Self::HtmlAttribute, Self::JsString, Self::UrlComponent, Self::CssString, Self::LogLine];

    /// The short name [`Context::from_str`] (and, with the `clap` feature,
    /// `clap::ValueEnum`) takes.
    const fn name(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::HtmlAttribute => "attr",
            Self::JsString => "js",
            Self::UrlComponent => "url",
            Self::CssString => "css",
            Self::LogLine => "log",
        }
    }

    /// Encodes `input` for this context. Borrows when nothing needs escaping.
    ///
    /// ```
    /// use guardrail_encode::Context;
    /// assert_eq!(Context::Html.encode("<b>'hi' & \"bye\"</b>"), "&lt;b&gt;&#39;hi&#39; &amp; &#34;bye&#34;&lt;/b&gt;");
    /// assert!(matches!(Context::Html.encode("plain text"), std::borrow::Cow::Borrowed(_)));
    /// ```
    #[must_use]
    pub fn encode(self, input: &str) -> Cow<'_, str> {
        match escape::next_escape(self, input, 0) {
            None => Cow::Borrowed(input),
            Some((first, _)) => {
                let mut out = String::with_capacity(input.len() + input.len() / 4 + 8);
                let (clean, rest) = input.split_at(first);
                out.push_str(clean);
                // Writing to a String cannot fail.
                let _ = escape::write_encoded(self, rest, &mut out);
                Cow::Owned(out)
            }
        }
    }

    /// Streams the encoding of `input` into a [`fmt::Write`] (a `String`, a
    /// `Formatter`), without an intermediate allocation.
    ///
    /// # Errors
    ///
    /// [`fmt::Error`] when `out` fails; what was written before stays written.
    pub fn encode_to_fmt<W: fmt::Write + ?Sized>(self, input: &str, out: &mut W) -> fmt::Result {
        escape::write_encoded(self, input, out)
    }

    /// Streams the encoding of `input` into an [`io::Write`] (a socket, a
    /// file, a response body).
    ///
    /// # Errors
    ///
    /// The [`io::Error`] of the first write to `out` that fails.
    pub fn encode_to_io<W: io::Write + ?Sized>(self, input: &str, out: &mut W) -> io::Result<()> {
        let mut adapter = stream::IoAdapter::new(out);
        match escape::write_encoded(self, input, &mut adapter) {
            Ok(()) => Ok(()),
            Err(fmt::Error) => Err(adapter.into_error()),
        }
    }

    /// A value that encodes `input` when formatted: `format!("<p>{}</p>", Context::Html.display(name))`.
    #[must_use]
    pub const fn display(self, input: &str) -> Encoded<'_> {
        Encoded { context: self, input }
    }
}

/// `input` encoded for `context` when displayed; see [`Context::display`].
#[derive(Debug, Clone, Copy)]
pub struct Encoded<'a> {
    context: Context,
    input: &'a str,
}

impl fmt::Display for Encoded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape::write_encoded(self.context, self.input, f)
    }
}

/// The one-context shorthands: `html(x)` is `Context::Html.encode(x)`.
macro_rules! shorthands {
    ($($(#[$doc:meta])* $name:ident => $context:ident;)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(input: &str) -> Cow<'_, str> {
            Context::$context.encode(input)
        }
    )*};
}

shorthands! {
    /// HTML text content (OWASP `Encode.forHtml`).
    ///
    /// ```
    /// assert_eq!(guardrail_encode::html("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
    /// ```
    html => Html;

    /// A quoted HTML attribute value (OWASP `Encode.forHtml`).
    ///
    /// ```
    /// assert_eq!(guardrail_encode::html_attr(r#"" onmouseover="x"#), "&#34; onmouseover=&#34;x");
    /// ```
    html_attr => HtmlAttribute;

    /// The inside of a JavaScript string literal.
    ///
    /// ```
    /// assert_eq!(guardrail_encode::js_string("</script><b>'"), r"\x3c\x2fscript\x3e\x3cb\x3e\x27");
    /// ```
    js_string => JsString;

    /// One URL component (path segment or query value).
    ///
    /// ```
    /// assert_eq!(guardrail_encode::url_component("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    /// ```
    url_component => UrlComponent;

    /// The inside of a quoted CSS string.
    ///
    /// ```
    /// assert_eq!(guardrail_encode::css_string("red;}</style>"), r"red\3b \7d \3c \2f style\3e ");
    /// ```
    css_string => CssString;

    /// One log line: no CR, LF, terminal escape, invisible character or space
    /// other than U+0020 survives (the full set: [`Context::LogLine`]).
    ///
    /// ```
    /// assert_eq!(guardrail_encode::log_line("bob\nERROR admin logged in\x1b[2J"), r"bob\nERROR admin logged in\x1b[2J");
    /// assert_eq!(guardrail_encode::log_line("user=admin\u{200b} logged in"), r"user=admin\u{200b} logged in");
    /// ```
    log_line => LogLine;
}
