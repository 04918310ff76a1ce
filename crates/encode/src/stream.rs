//! Raw bytes in, encoded text out: for input that may not be UTF-8 (a CLI's
//! stdin, a file), in chunks of any size.

use std::{fmt, io};

use crate::{Context, escape};

/// Adapts an [`io::Write`] to the [`fmt::Write`] the encoders use, keeping
/// the I/O error that `fmt::Error` cannot carry.
pub(crate) struct IoAdapter<'a, W: io::Write + ?Sized> {
    inner: &'a mut W,
    error: Option<io::Error>,
}

impl<'a, W: io::Write + ?Sized> IoAdapter<'a, W> {
    pub(crate) fn new(inner: &'a mut W) -> Self {
        Self { inner, error: None }
    }

    pub(crate) fn into_error(self) -> io::Error {
        self.error.unwrap_or_else(|| io::Error::other("formatter error"))
    }
}

impl<W: io::Write + ?Sized> fmt::Write for IoAdapter<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.inner.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

/// Encodes a byte stream chunk by chunk.
///
/// Invalid UTF-8 is not an error. In a log line each byte that is not part
/// of a UTF-8 character becomes `\xHH` (the bytes `61 FF 62` log as `a\xffb`;
/// a real U+FFFD is `\u{fffd}`), so different byte strings never log alike; in a URL
/// component each such byte becomes `%HH`. Elsewhere each undecodable
/// sequence becomes one replacement: a space for HTML, as the OWASP encoder
/// does with a lone surrogate; U+FFFD in JavaScript and CSS strings, which
/// hold Unicode text only. A surrogate code point encoded as three bytes
/// (`ED A0..BF 80..BF`, as Java and Python's `surrogatepass` write one)
/// counts as one sequence. A sequence cut by a chunk boundary is carried
/// into the next chunk, so the output never depends on the chunking.
///
/// ```
/// use guardrail_encode::{Context, StreamEncoder};
/// let mut out = Vec::new();
/// let mut enc = StreamEncoder::new(Context::Html);
/// enc.write(b"<a>\xc3", &mut out).unwrap();   // 'é' split across chunks
/// enc.write(b"\xa9 \xed\xa0\x80!", &mut out).unwrap();
/// enc.finish(&mut out).unwrap();
/// assert_eq!(out, "&lt;a&gt;é  !".as_bytes());
/// ```
#[derive(Clone)]
pub struct StreamEncoder {
    context: Context,
    /// At most three bytes of an incomplete UTF-8 sequence.
    pending: Vec<u8>,
}

/// The context and how many bytes wait, never the bytes: they are part of
/// the text being encoded, which may be personal data or a secret.
impl fmt::Debug for StreamEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamEncoder")
            .field("context", &self.context)
            .field("pending_bytes", &self.pending.len())
            .finish()
    }
}

impl StreamEncoder {
    /// A new encoder for `context`.
    #[must_use]
    pub const fn new(context: Context) -> Self {
        Self { context, pending: Vec::new() }
    }

    /// Encodes one chunk into `out`; an incomplete UTF-8 sequence at its end
    /// waits for the next chunk.
    ///
    /// # Errors
    ///
    /// The [`io::Error`] of the first write to `out` that fails.
    pub fn write<W: io::Write + ?Sized>(&mut self, chunk: &[u8], out: &mut W) -> io::Result<()> {
        if self.pending.is_empty() {
            let kept = self.encode_complete(chunk, out)?;
            self.pending.extend_from_slice(kept);
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(chunk);
            let kept = self.encode_complete(&joined, out)?.to_vec();
            self.pending = kept;
        }
        Ok(())
    }

    /// Flushes what is left: an incomplete sequence at the very end is one
    /// replacement.
    ///
    /// # Errors
    ///
    /// The [`io::Error`] of the write to `out`, if it fails.
    pub fn finish<W: io::Write + ?Sized>(self, out: &mut W) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut adapter = IoAdapter::new(out);
        escape::write_invalid(self.context, &self.pending, &mut adapter).map_err(|_| adapter.into_error())
    }

    /// Encodes everything but a trailing incomplete sequence, which it returns.
    fn encode_complete<'b, W: io::Write + ?Sized>(&self, mut rest: &'b [u8], out: &mut W) -> io::Result<&'b [u8]> {
        let mut adapter = IoAdapter::new(out);
        let result = (|| {
            loop {
                match std::str::from_utf8(rest) {
                    Ok(text) => {
                        escape::write_encoded(self.context, text, &mut adapter)?;
                        return Ok(rest.get(rest.len()..).unwrap_or_default());
                    }
                    Err(e) => {
                        let (valid, after) = rest.split_at(e.valid_up_to());
                        escape::write_encoded(
                            self.context,
                            std::str::from_utf8(valid).unwrap_or_default(),
                            &mut adapter,
                        )?;
                        let skip = match (e.error_len(), after) {
                            (_, [0xed, 0xa0..=0xbf, 0x80..=0xbf, ..]) => 3,
                            // The start of an encoded surrogate, cut by the chunk
                            // boundary: wait for its last byte, as for any
                            // incomplete sequence, so chunking never changes output.
                            (_, [0xed, 0xa0..=0xbf]) | (None, _) => return Ok(after),
                            (Some(len), _) => len,
                        };
                        let (invalid, next) = after.split_at(skip.min(after.len()));
                        escape::write_invalid(self.context, invalid, &mut adapter)?;
                        rest = next;
                    }
                }
            }
        })();
        result.map_err(|fmt::Error| adapter.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(context: Context, chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        let mut enc = StreamEncoder::new(context);
        for c in chunks {
            enc.write(c, &mut out).unwrap_or_default();
        }
        enc.finish(&mut out).unwrap_or_default();
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn debug_shows_no_waiting_bytes() {
        let mut enc = StreamEncoder::new(Context::LogLine);
        let mut out = Vec::new();
        // The first two bytes of "€" (E2 82 AC) wait for the third.
        enc.write(b"\xe2\x82", &mut out).unwrap_or_default();
        let shown = format!("{enc:?}");
        assert_eq!(shown, "StreamEncoder { context: LogLine, pending_bytes: 2 }");
    }

    #[test]
    fn chunk_boundaries_do_not_change_the_output() {
        let input = "<é日本🙂'&>".as_bytes();
        let whole = stream(Context::Html, &[input]);
        for split in 0..=input.len() {
            let (a, b) = input.split_at(split);
            assert_eq!(stream(Context::Html, &[a, b]), whole, "split at {split}");
        }
    }

    #[test]
    fn invalid_sequences_become_one_replacement_each() {
        assert_eq!(stream(Context::Html, &[b"a\xffb\xed\xa0\x80c\xc3"]), "a b c ");
        assert_eq!(stream(Context::JsString, &[b"a\xffb\xc3"]), "a\u{fffd}b\u{fffd}");
        assert_eq!(stream(Context::CssString, &[b"a\xed\xa0\x80b"]), "a\u{fffd}b");
    }

    /// Issue 10, item 10: `admin\xff`, `admin\xfe` and `admin` + U+FFFD
    /// once all logged as `admin` + U+FFFD.
    #[test]
    fn log_and_url_escape_each_invalid_byte() {
        assert_eq!(
            stream(Context::LogLine, &[b"a\xff\xfeb\xc0\xafc\xed\xa0\x80d"]),
            r"a\xff\xfeb\xc0\xafc\xed\xa0\x80d"
        );
        assert_eq!(stream(Context::LogLine, &[b"admin\xff"]), r"admin\xff");
        assert_eq!(stream(Context::LogLine, &[b"admin\xfe"]), r"admin\xfe");
        assert_eq!(stream(Context::LogLine, &["admin\u{fffd}".as_bytes()]), r"admin\u{fffd}");
        // An incomplete sequence at the very end, and one cut by a boundary.
        assert_eq!(stream(Context::LogLine, &[b"x\xe2\x82"]), r"x\xe2\x82");
        assert_eq!(stream(Context::LogLine, &[b"x\xe2", b"\x82y"]), r"x\xe2\x82y");
        assert_eq!(stream(Context::UrlComponent, &[b"\xff\xe2\x82"]), "%FF%E2%82");
    }
}
