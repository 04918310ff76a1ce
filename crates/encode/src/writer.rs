//! An [`io::Write`] that encodes: `io::copy(&mut input, &mut writer)`.

use std::{fmt, io};

use crate::{Context, StreamEncoder};

/// Encodes everything written to it for one [`Context`] and writes the
/// encoding to `inner`: a [`StreamEncoder`] behind the [`io::Write`]
/// interface, so `io::copy` (or `write!`) can stream any source through it.
///
/// Bytes are taken as [`StreamEncoder`] takes them: invalid UTF-8 is not an
/// error, and a UTF-8 sequence cut by the end of one `write` waits for the
/// next, so the output never depends on how the input was split.
/// [`flush`](io::Write::flush) flushes `inner` but keeps such a waiting
/// sequence (at most 3 bytes) back; [`finish`](Writer::finish) writes it
/// as the context's replacement for an incomplete sequence and hands
/// `inner` back.
///
/// ```
/// use std::io::{self, Write};
/// use guardrail_encode::{Context, Writer};
///
/// let mut input: &[u8] = b"<a href='x'>\xc3"; // 'é' cut short...
/// let mut w = Writer::new(Context::Html, Vec::new());
/// io::copy(&mut input, &mut w)?;
/// w.write_all(b"\xa9</a>")?; // ...and completed by the next write
/// assert_eq!(w.finish()?, "&lt;a href=&#39;x&#39;&gt;é&lt;/a&gt;".as_bytes());
/// # Ok::<(), io::Error>(())
/// ```
///
/// Dropping a `Writer` without calling `finish` writes the waiting
/// sequence too, as `BufWriter` flushes on drop, but ignores any error in
/// doing so; call `finish` to see it. After a write fails, what reached
/// `inner` is a prefix of the encoding, and the writer should not be used
/// again.
pub struct Writer<W: io::Write> {
    context: Context,
    encoder: StreamEncoder,
    /// `None` only once [`Writer::finish`] has taken it back, when nothing
    /// is left to write.
    inner: Option<W>,
}

impl<W: io::Write> Writer<W> {
    /// A writer that encodes for `context` into `inner`.
    #[must_use]
    pub const fn new(context: Context, inner: W) -> Self {
        Self { context, encoder: StreamEncoder::new(context), inner: Some(inner) }
    }

    /// Writes an incomplete UTF-8 sequence left at the very end (one
    /// replacement, as [`StreamEncoder::finish`]) and returns `inner`,
    /// which is not flushed.
    ///
    /// # Errors
    ///
    /// The [`io::Error`] of the write to `inner`, if it fails.
    pub fn finish(mut self) -> io::Result<W> {
        self.write_pending()?;
        self.inner.take().ok_or_else(taken)
    }

    /// Writes a waiting incomplete sequence; the encoder starts afresh.
    fn write_pending(&mut self) -> io::Result<()> {
        let encoder = std::mem::replace(&mut self.encoder, StreamEncoder::new(self.context));
        encoder.finish(self.inner.as_mut().ok_or_else(taken)?)
    }
}

/// Unreachable: `inner` is taken only by `finish`, which consumes the
/// writer. An error rather than a panic all the same.
fn taken() -> io::Error {
    io::Error::other("the encoding writer was already finished")
}

impl<W: io::Write> io::Write for Writer<W> {
    /// Encodes all of `buf` (it always reports `buf.len()`), keeping back
    /// only a trailing incomplete UTF-8 sequence.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let inner = self.inner.as_mut().ok_or_else(taken)?;
        self.encoder.write(buf, inner)?;
        Ok(buf.len())
    }

    /// Flushes `inner`; a waiting incomplete sequence stays waiting, since
    /// the next write may complete it.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.as_mut().ok_or_else(taken)?.flush()
    }
}

impl<W: io::Write> Drop for Writer<W> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            // As `BufWriter` does: an error here has nowhere to go.
            let _ = self.write_pending();
        }
    }
}

/// Shows the context only: what waits to be encoded may be part of a
/// secret, and `inner` need not be `Debug`.
impl<W: io::Write> fmt::Debug for Writer<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer").field("context", &self.context).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// `input` written in the given pieces, then finished.
    fn written(context: Context, pieces: &[&[u8]]) -> Vec<u8> {
        let mut w = Writer::new(context, Vec::new());
        for p in pieces {
            w.write_all(p).unwrap_or_default();
        }
        w.finish().unwrap_or_default()
    }

    /// The same bytes given to a `StreamEncoder` in one chunk.
    fn whole(context: Context, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = StreamEncoder::new(context);
        enc.write(input, &mut out).unwrap_or_default();
        enc.finish(&mut out).unwrap_or_default();
        out
    }

    #[test]
    fn io_copy_encodes_everything() {
        let input = "<p title=\"x\">é & 日本 🙂</p>".repeat(2000);
        let mut w = Writer::new(Context::Html, Vec::new());
        let copied = io::copy(&mut input.as_bytes(), &mut w).unwrap_or_default();
        assert_eq!(copied, u64::try_from(input.len()).unwrap_or_default());
        assert_eq!(w.finish().unwrap_or_default(), crate::html(&input).as_bytes());
    }

    /// Valid and invalid sequences split at every byte between two writes
    /// give what one chunk gives, in every context.
    #[test]
    fn any_split_between_writes_gives_the_same_output() {
        let input: &[u8] = b"a\xc3\xa9\xe6\x97\xa5\xf0\x9f\x99\x82<\xff\xed\xa0\x80\xe2\x82x\xc0\xaf\xf0\x9f\x99";
        for context in Context::ALL {
            let want = whole(context, input);
            for split in 0..=input.len() {
                let (a, b) = input.split_at(split);
                assert_eq!(written(context, &[a, b]), want, "{context:?} split at {split}");
            }
            let bytes: Vec<&[u8]> = input.chunks(1).collect();
            assert_eq!(written(context, &bytes), want, "{context:?} one byte per write");
        }
    }

    #[test]
    fn invalid_utf8_split_across_writes() {
        // A surrogate encoded as three bytes, cut after its first and second.
        assert_eq!(written(Context::Html, &[b"a\xed", b"\xa0", b"\x80b"]), b"a b");
        assert_eq!(written(Context::LogLine, &[b"a\xed", b"\xa0", b"\x80b"]), br"a\xed\xa0\x80b");
        // An invalid continuation after a cut: each byte judged once.
        assert_eq!(written(Context::LogLine, &[b"x\xe2", b"\x28y"]), br"x\xe2(y");
        assert_eq!(written(Context::UrlComponent, &[b"\xf0\x9f", b"\x99"]), b"%F0%9F%99");
        assert_eq!(written(Context::JsString, &[b"\xf0\x9f", b"\x99"]), "\u{fffd}".as_bytes());
    }

    #[test]
    fn flush_keeps_an_incomplete_sequence_waiting() {
        let mut w = Writer::new(Context::LogLine, Vec::new());
        w.write_all(b"caf\xc3").unwrap_or_default();
        w.flush().unwrap_or_default();
        w.write_all(b"\xa9\n").unwrap_or_default();
        assert_eq!(w.finish().unwrap_or_default(), "café\\n".as_bytes());
    }

    #[test]
    fn drop_writes_what_is_waiting() {
        let mut out = Vec::new();
        {
            let mut w = Writer::new(Context::LogLine, &mut out);
            w.write_all(b"end\xe2\x82").unwrap_or_default();
        }
        assert_eq!(out, br"end\xe2\x82");
    }

    /// An `inner` that accepts `room` bytes, then fails.
    struct Full {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.got.extend_from_slice(buf.get(..n).unwrap_or_default());
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn errors_from_inner_are_returned() {
        let mut w = Writer::new(Context::Html, Full { room: 3, got: Vec::new() });
        let err = w.write_all(b"<<<<").err().map(|e| e.kind());
        assert_eq!(err, Some(io::ErrorKind::StorageFull));
        // What reached `inner` is a prefix of the encoding.
        assert_eq!(w.finish().map(|full| full.got).unwrap_or_default(), b"&lt");
        // Room for "ok"; the replacement of the waiting byte does not fit.
        let mut w = Writer::new(Context::Html, Full { room: 2, got: Vec::new() });
        assert!(w.write_all(b"ok\xc3").is_ok());
        assert_eq!(w.finish().err().map(|e| e.kind()), Some(io::ErrorKind::StorageFull));
    }

    #[test]
    fn debug_shows_no_content() {
        let mut w = Writer::new(Context::LogLine, Vec::new());
        w.write_all(b"secret\xe2\x82").unwrap_or_default();
        let shown = format!("{w:?}");
        assert_eq!(shown, "Writer { context: LogLine, .. }");
    }
}
