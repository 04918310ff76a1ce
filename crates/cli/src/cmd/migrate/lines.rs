//! The input of `migrate wrap` and `migrate census`: JSON lines
//! (`{"id":…,"hash":"…"}`) from a file or stdin, read line by line with a
//! cap, so memory stays constant whatever the input. A line longer than the
//! cap is never buffered whole: its head is handed out and the rest copied
//! through (or skipped) in the reader's own chunks.

use std::{
    fs::File,
    io::{self, BufRead, BufReader, Read, Write},
    ops::Range,
    path::PathBuf,
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{
    Deserialize, Deserializer,
    de::{MapAccess, Visitor},
};
use serde_json::value::RawValue;

use crate::error::CliError;

/// The longest line read whole, bytes (a stored hash is under 2 KiB; an
/// id and JSON quoting leave room to spare).
pub(crate) const MAX_LINE_BYTES: usize = 16 * 1024;

/// What the reader found next.
pub(crate) enum Next {
    /// A whole line, without its `\n` (the last may have none:
    /// [`Lines::unterminated`]).
    Line(Vec<u8>),
    /// The first [`MAX_LINE_BYTES`] + 1 bytes of a longer line; the rest
    /// is still unread ([`Lines::copy_rest`]).
    TooLong(Vec<u8>),
    /// The end of the input.
    End,
}

/// Lines of at most `cap` bytes from `inner`, counting the bytes read for
/// the progress bar.
pub(crate) struct Lines<R> {
    inner: R,
    cap: usize,
    bar: ProgressBar,
    /// The input ended without a `\n` after the last line handed out.
    unterminated: bool,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `inner` of at most `cap` bytes, advancing `bar` by bytes.
    pub(crate) fn new(inner: R, cap: usize, bar: ProgressBar) -> Self {
        Self { inner, cap, bar, unterminated: false }
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.bar.inc(n as u64);
    }

    /// The next line.
    ///
    /// # Errors
    ///
    /// The reader's.
    pub(crate) fn next_line(&mut self) -> io::Result<Next> {
        let mut line = Vec::new();
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                if line.is_empty() {
                    return Ok(Next::End);
                }
                self.unterminated = true;
                return Ok(Next::Line(line));
            }
            let room = self.cap + 1 - line.len();
            match buf.iter().position(|&b| b == b'\n') {
                Some(at) if at <= self.cap - line.len() => {
                    line.extend_from_slice(buf.get(..at).unwrap_or_default());
                    self.consume(at + 1);
                    return Ok(Next::Line(line));
                }
                _ => {
                    let take = buf.len().min(room);
                    line.extend_from_slice(buf.get(..take).unwrap_or_default());
                    self.consume(take);
                    if line.len() > self.cap {
                        return Ok(Next::TooLong(line));
                    }
                }
            }
        }
    }

    /// Copies the rest of an over-long line, its `\n` included, to `out`
    /// in the reader's chunks (none when the input ends without one: the
    /// output is the input byte for byte).
    ///
    /// # Errors
    ///
    /// The reader's or the writer's.
    pub(crate) fn copy_rest(&mut self, out: &mut impl Write) -> io::Result<()> {
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                self.unterminated = true;
                return Ok(());
            }
            if let Some(at) = buf.iter().position(|&b| b == b'\n') {
                out.write_all(buf.get(..=at).unwrap_or_default())?;
                self.consume(at + 1);
                return Ok(());
            }
            let n = buf.len();
            out.write_all(buf)?;
            self.consume(n);
        }
    }

    /// Whether the input ended without a `\n` after the last line handed
    /// out (a line or the rest of an over-long one): its copy gets none.
    pub(crate) fn unterminated(&self) -> bool {
        self.unterminated
    }

    /// The progress bar (to print above it).
    pub(crate) fn bar(&self) -> &ProgressBar {
        &self.bar
    }
}

/// Opens `FILE`, or stdin for `-` or none, with a progress bar on stderr
/// (hidden when stderr is not a terminal): by bytes for a file, a spinner
/// for stdin.
///
/// # Errors
///
/// A file that cannot be opened: a usage error naming it.
pub(crate) fn open(path: Option<&PathBuf>) -> Result<Lines<Box<dyn BufRead>>, CliError> {
    let (reader, len): (Box<dyn Read>, Option<u64>) = match path {
        Some(p) if p.as_os_str() != "-" => {
            let file = File::open(p).map_err(|e| CliError::usage(format_args!("{}: {e}", p.display())))?;
            let len = file.metadata().ok().map(|m| m.len());
            (Box::new(file), len)
        }
        _ => (Box::new(io::stdin().lock()), None),
    };
    let bar = match len {
        Some(len) => ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    Ok(Lines::new(Box::new(BufReader::with_capacity(64 * 1024, reader)), MAX_LINE_BYTES, bar))
}

/// One input record: its stored hash and where its JSON string sits in
/// the line, so a wrapped line is the input with that span replaced and
/// every other byte (the id as written, other fields, spacing) kept.
pub(crate) struct Record {
    /// The stored hash, its JSON escapes decoded.
    pub(crate) hash: String,
    /// The byte range of the hash's JSON string, quotes included.
    pub(crate) span: Range<usize>,
}

impl Record {
    /// The line with the hash's JSON string replaced by `hash`'s; `None`
    /// when the span is not in `line` (never for a record read from it).
    pub(crate) fn replaced(&self, line: &[u8], hash: &str) -> Option<Vec<u8>> {
        let quoted = serde_json::to_string(hash).ok()?;
        let (head, tail) = (line.get(..self.span.start)?, line.get(self.span.end..)?);
        Some([head, quoted.as_bytes(), tail].concat())
    }
}

/// The fields of one line that matter: raw, as they sit in the line.
#[derive(Default)]
struct Fields<'a> {
    id: Option<&'a RawValue>,
    hash: Option<&'a RawValue>,
    /// `id` or `hash` given twice (which one is meant is ambiguous).
    duplicate: bool,
}

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut fields = Fields::default();
                while let Some(key) = map.next_key::<String>()? {
                    // Every value is read raw: checked, never re-written.
                    let value: &'de RawValue = map.next_value()?;
                    let slot = match key.as_str() {
                        "id" => &mut fields.id,
                        "hash" => &mut fields.hash,
                        _ => continue,
                    };
                    fields.duplicate |= slot.replace(value).is_some();
                }
                Ok(fields)
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// Reads `{"id":…,"hash":"…"}`; `None` for anything else: not one JSON
/// object, no id or one that is an object or array, no hash or one that
/// is not a string, `id` or `hash` twice. Other fields are allowed, and
/// nothing is re-serialised (an id of any size or form is left as written).
pub(crate) fn record(line: &[u8]) -> Option<Record> {
    let fields: Fields<'_> = serde_json::from_slice(line).ok()?;
    let (id, raw) = (fields.id?.get(), fields.hash?);
    if fields.duplicate || id.starts_with(['{', '[']) {
        return None;
    }
    let hash: String = serde_json::from_str(raw.get()).ok()?;
    // The raw value borrows from `line`: its offset is where it sits.
    let start = (raw.get().as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    let span = start..start.checked_add(raw.get().len())?;
    line.get(span.clone())?;
    Some(Record { hash, span })
}

/// A password crate error as the code printed for a line (never its text).
pub(crate) fn code(e: &guardrail_password::Error) -> &'static str {
    use guardrail_password::Error;
    match e {
        Error::PlaintextRefused => "plaintext_refused",
        Error::Unsupported { .. } => "unsupported_hash",
        Error::Malformed { .. } => "malformed_hash",
        Error::OutOfPolicy { .. } => "hash_over_caps",
        _ => "wrap_failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], cap: usize) -> Vec<String> {
        let mut reader = Lines::new(input, cap, ProgressBar::hidden());
        let mut out = Vec::new();
        loop {
            match reader.next_line() {
                Ok(Next::Line(l)) => {
                    let end = if reader.unterminated() { "" } else { "$" };
                    out.push(format!("line {}{end}", String::from_utf8_lossy(&l)));
                }
                Ok(Next::TooLong(head)) => {
                    let mut rest = Vec::new();
                    assert!(reader.copy_rest(&mut rest).is_ok());
                    out.push(format!("long {}+{}", head.len(), String::from_utf8_lossy(&rest)));
                }
                Ok(Next::End) | Err(_) => return out,
            }
        }
    }

    #[test]
    fn lines_up_to_the_cap_are_whole_longer_ones_are_copied_through() {
        assert_eq!(lines(b"ab\ncde\n\nf", 3), ["line ab$", "line cde$", "line $", "line f"]);
        assert_eq!(lines(b"abcd\nx\n", 3), ["long 4+\n", "line x$"]);
        assert_eq!(lines(b"abcdefg\nx", 3), ["long 4+efg\n", "line x"]);
        assert_eq!(lines(b"abcdefg", 3), ["long 4+efg"]);
        assert_eq!(lines(b"abcd", 3), ["long 4+"]);
        assert!(lines(b"", 3).is_empty());
    }

    #[test]
    fn records_need_an_id_scalar_and_a_hash_string() {
        let line = br#"{"id":42,"hash":"x","other":1}"#;
        let r = record(line);
        assert!(r.is_some_and(|r| r.hash == "x" && line.get(r.span) == Some(br#""x""#)));
        for bad in [
            &br#"{"id":{},"hash":"x"}"#[..],
            br#"{"hash":"x"}"#,
            br#"{"id":1,"hash":2}"#,
            br#"{"id":1,"hash":null}"#,
            br#"{"id":1,"hash":"x","hash":"y"}"#,
            br#"{"id":1,"id":2,"hash":"x"}"#,
            br#"{"id":1,"hash":"\ud800"}"#,
            br#"{"id":1,"hash":"x"} {}"#,
            b"[1]",
            b"{",
        ] {
            assert!(record(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn only_the_hash_is_replaced_byte_for_byte() {
        let line = r#" { "n":1e400, "id" : 123456789012345678901234567890, "hash" : "\u0024x\"", "é":"\u00e9\n" } "#;
        let want = line.replace(r#""\u0024x\"""#, r#""$new\u0001""#);
        let r = record(line.as_bytes());
        assert!(r.as_ref().is_some_and(|r| r.hash == "$x\""));
        let out = r.and_then(|r| r.replaced(line.as_bytes(), "$new\u{1}"));
        assert_eq!(out.as_deref(), Some(want.as_bytes()));
    }
}
