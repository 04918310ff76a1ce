//! Bounded reads of streams: stdin, pipes, files, line-oriented input.
//!
//! Every read here takes at most `max + 1` bytes from its source for one
//! value: a value of `max` bytes is accepted, one byte more is refused with
//! an error that names the cap ([`Error::InputTooLarge`],
//! [`Error::LineTooLong`]), and a truncated value is never handed on. The
//! buffers are wiped when dropped and grown by hand (the old buffer is
//! wiped, never left to the allocator), so a secret read this way leaves
//! no copy in freed memory.
//!
//! ```
//! use guardrail_secret::{Error, read};
//! let input: &[u8] = b"0123456789";
//! assert_eq!(&*read::to_end(input, 10).unwrap(), input);
//! assert!(matches!(read::to_end(input, 9), Err(Error::InputTooLarge { max: 9 })));
//!
//! let mut lines = read::Lines::new(&b"short\nmuch too long\nok"[..], 5);
//! assert_eq!(lines.next_line().unwrap(), Some(&b"short"[..]));
//! assert!(matches!(lines.next_line(), Err(Error::LineTooLong { line: 2, max: 5 })));
//! assert_eq!(lines.next_line().unwrap(), Some(&b"ok"[..])); // the reader went on
//! assert_eq!(lines.next_line().unwrap(), None);
//! ```

use std::io::{self, BufRead, Read};

use zeroize::Zeroizing;

use crate::Error;

/// The first buffer of a read without a size hint: small inputs stay small.
const FIRST_CHUNK: usize = 8 * 1024;

/// Reads `reader` to its end, at most `max` bytes, into a buffer wiped on
/// drop.
///
/// At most `max + 1` bytes are read: one byte past the cap is enough to
/// know the input is too large, and the rest is left unread.
///
/// # Errors
///
/// [`Error::InputTooLarge`] (naming `max`, in bytes) when the input is
/// longer than `max` bytes; what was read is wiped. [`Error::Read`] when
/// the reader fails.
pub fn to_end(reader: impl Read, max: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    to_end_sized(reader, FIRST_CHUNK, max)
}

/// [`to_end`] with the expected size (a file's length): the buffer is
/// allocated once for `size_hint` bytes and one spare, so a value that
/// matches its hint is never reallocated.
///
/// # Errors
///
/// As [`to_end`].
pub fn to_end_sized(mut reader: impl Read, size_hint: usize, max: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    // One spare byte lets the read see end-of-file (or the byte past the
    // cap) without growing.
    let mut buf = Zeroizing::new(vec![0u8; size_hint.min(max).saturating_add(1)]);
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            if filled > max {
                return Err(Error::InputTooLarge { max });
            }
            let bigger_len = filled.saturating_mul(2).min(max.saturating_add(1));
            let mut bigger = Zeroizing::new(Vec::with_capacity(bigger_len));
            bigger.extend_from_slice(&buf); // `buf` is full: `filled == buf.len()`
            bigger.resize(bigger_len, 0);
            buf = bigger; // the old buffer is wiped as it drops
        }
        let Some(spare) = buf.get_mut(filled..) else {
            break;
        };
        match reader.read(spare) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Read(e)),
        }
    }
    if filled > max {
        return Err(Error::InputTooLarge { max });
    }
    buf.truncate(filled);
    Ok(buf)
}

/// Line-oriented input with a cap on each line's length.
///
/// A line is everything up to a `\n` (not included) or the end of the
/// input; the cap counts every other byte of it, a `\r` before the `\n`
/// included. A line longer than the cap is refused with
/// [`Error::LineTooLong`] (its 1-based number and the cap) and skipped
/// without being buffered: the reader reads on to the next `\n` in the
/// reader's own chunks, keeping nothing, so the next call returns the next
/// line. Whether to go on after a long line or to stop is the caller's
/// choice. Memory stays at `max` bytes plus the reader's buffer, however
/// long a line is.
///
/// The line buffer is reused from line to line and wiped when the reader
/// drops.
pub struct Lines<R> {
    inner: R,
    max: usize,
    buf: Zeroizing<Vec<u8>>,
    number: usize,
}

impl<R> std::fmt::Debug for Lines<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the line: it may hold anything the input held.
        f.debug_struct("Lines").field("max", &self.max).field("line", &self.number).finish_non_exhaustive()
    }
}

impl<R: BufRead> Lines<R> {
    /// Reads lines of at most `max` bytes each from `inner`.
    pub fn new(inner: R, max: usize) -> Self {
        Self { inner, max, buf: Zeroizing::new(Vec::with_capacity(max.min(FIRST_CHUNK))), number: 0 }
    }

    /// The cap on a line's length, in bytes.
    #[must_use]
    pub fn max(&self) -> usize {
        self.max
    }

    /// The 1-based number of the line last returned or refused (0 before
    /// the first).
    #[must_use]
    pub fn line_number(&self) -> usize {
        self.number
    }

    /// The next line without its `\n`, or `None` at the end of the input.
    ///
    /// # Errors
    ///
    /// [`Error::LineTooLong`] for a line longer than the cap (it has been
    /// skipped; call again for the next line). [`Error::Read`] when the
    /// reader fails (stop there: where the reader stands is unknown).
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, Error> {
        self.buf.clear();
        let mut too_long = false;
        let mut started = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::Read(e)),
            };
            if chunk.is_empty() {
                if !started {
                    return Ok(None);
                }
                break;
            }
            started = true;
            let newline = chunk.iter().position(|&b| b == b'\n');
            let body = chunk.get(..newline.unwrap_or(chunk.len())).unwrap_or_default();
            if !too_long {
                if body.len() > self.max - self.buf.len() {
                    too_long = true;
                } else {
                    push_wiped(&mut self.buf, body, self.max);
                }
            }
            let used = body.len() + usize::from(newline.is_some());
            self.inner.consume(used);
            if newline.is_some() {
                break;
            }
        }
        self.number += 1;
        if too_long {
            return Err(Error::LineTooLong { line: self.number, max: self.max });
        }
        Ok(Some(&self.buf))
    }
}

/// Appends `bytes` (the caller keeps the total within `limit`), growing the
/// buffer by hand so the old one is wiped instead of freed as it is.
fn push_wiped(buf: &mut Zeroizing<Vec<u8>>, bytes: &[u8], limit: usize) {
    let needed = buf.len() + bytes.len();
    if needed > buf.capacity() {
        let capacity = buf.capacity().saturating_mul(2).max(needed).min(limit.max(needed));
        let mut bigger = Zeroizing::new(Vec::with_capacity(capacity));
        bigger.extend_from_slice(buf);
        *buf = bigger; // the old buffer is wiped as it drops
    }
    buf.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

    use super::*;

    /// A reader that hands out one byte per call: every boundary case of
    /// the loops is met.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn to_end_accepts_the_cap_and_refuses_one_byte_more() {
        for max in [0usize, 1, 7, 8 * 1024, 8 * 1024 + 1, 70_000] {
            let at_cap = vec![b'x'; max];
            assert_eq!(to_end(&at_cap[..], max).unwrap().len(), max);
            assert_eq!(to_end(Trickle(&at_cap), max).unwrap().len(), max);
            assert_eq!(to_end_sized(&at_cap[..], max, max).unwrap().len(), max);
            // A hint smaller or larger than the truth changes nothing.
            assert_eq!(to_end_sized(&at_cap[..], 1, max).unwrap().len(), max);
            assert_eq!(to_end_sized(&at_cap[..], usize::MAX, max).unwrap().len(), max);
            let over = vec![b'x'; max + 1];
            assert!(matches!(to_end(&over[..], max), Err(Error::InputTooLarge { max: m }) if m == max));
            assert!(matches!(to_end(Trickle(&over), max), Err(Error::InputTooLarge { .. })));
            assert!(matches!(to_end_sized(&over[..], 0, max), Err(Error::InputTooLarge { .. })));
        }
    }

    #[test]
    fn to_end_reads_at_most_one_byte_past_the_cap() {
        let input = vec![7u8; 1000];
        let mut reader = &input[..];
        assert!(to_end(&mut reader, 100).is_err());
        assert_eq!(reader.len(), 1000 - 101, "read more than max + 1 bytes");
    }

    #[test]
    fn the_error_names_the_cap_with_its_unit() {
        let e = to_end(&b"abc"[..], 2).unwrap_err();
        assert_eq!(e.to_string(), "input is longer than the limit of 2 bytes");
        let mut lines = Lines::new(&b"abc"[..], 2);
        let e = lines.next_line().unwrap_err();
        assert_eq!(e.to_string(), "line 1 is longer than the limit of 2 bytes");
    }

    #[test]
    fn lines_at_the_cap_and_past_it() {
        let max = 5;
        let input = b"12345\n123456\n\n1234\r\n12345";
        for small_buffer in [false, true] {
            let boxed: Box<dyn BufRead> =
                if small_buffer { Box::new(io::BufReader::with_capacity(1, &input[..])) } else { Box::new(&input[..]) };
            let mut lines = Lines::new(boxed, max);
            assert_eq!(lines.next_line().unwrap(), Some(&b"12345"[..]));
            assert!(matches!(lines.next_line(), Err(Error::LineTooLong { line: 2, max: 5 })));
            assert_eq!(lines.next_line().unwrap(), Some(&b""[..]));
            assert_eq!(lines.next_line().unwrap(), Some(&b"1234\r"[..]));
            assert_eq!(lines.next_line().unwrap(), Some(&b"12345"[..]), "last line, no newline");
            assert_eq!(lines.line_number(), 5);
            assert_eq!(lines.next_line().unwrap(), None);
            assert_eq!(lines.next_line().unwrap(), None);
        }
        // A last line past the cap with no newline.
        let mut lines = Lines::new(&b"123456"[..], max);
        assert!(matches!(lines.next_line(), Err(Error::LineTooLong { line: 1, .. })));
        assert_eq!(lines.next_line().unwrap(), None);
    }

    /// An endless-looking line, generated as it is read: skipping it must
    /// not buffer it (the line buffer never grows past the cap).
    #[test]
    fn a_huge_line_is_skipped_without_being_buffered() {
        struct Huge {
            left: u64,
            tail: &'static [u8],
        }
        impl Read for Huge {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.left > 0 {
                    let n = out.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
                    out[..n].fill(b'a');
                    self.left -= n as u64;
                    return Ok(n);
                }
                let n = out.len().min(self.tail.len());
                out[..n].copy_from_slice(&self.tail[..n]);
                self.tail = &self.tail[n..];
                Ok(n)
            }
        }
        let reader = io::BufReader::new(Huge { left: 16 << 20, tail: b"\nnext\n" });
        let mut lines = Lines::new(reader, 1024);
        assert!(matches!(lines.next_line(), Err(Error::LineTooLong { line: 1, max: 1024 })));
        assert!(lines.buf.capacity() <= 1024, "the long line was buffered");
        assert_eq!(lines.next_line().unwrap(), Some(&b"next"[..]));
    }

    #[test]
    fn read_errors_are_reported() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("boom"))
            }
        }
        assert!(matches!(to_end(Failing, 10), Err(Error::Read(_))));
        assert!(matches!(Lines::new(io::BufReader::new(Failing), 10).next_line(), Err(Error::Read(_))));
    }
}
