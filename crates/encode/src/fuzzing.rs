//! Oracles for the fuzz targets and hooks for this workspace's own tests;
//! not a stable API (feature `fuzzing`, off by default). The `encode_*`
//! fuzz targets and the corpus replay in `cargo test -p guardrail` call
//! these, so both check the same thing.

use crate::{Context, StreamEncoder};

/// Encodes arbitrary bytes (whole, and split in two at a byte chosen by
/// the input) and asserts the context's invariants on the output.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn check(context: Context, data: &[u8]) {
    let mut whole = Vec::new();
    let mut enc = StreamEncoder::new(context);
    assert!(enc.write(data, &mut whole).is_ok());
    assert!(enc.finish(&mut whole).is_ok());
    let split = usize::from(data.first().copied().unwrap_or(0)).min(data.len());
    let (a, b) = data.split_at(split);
    let mut parts = Vec::new();
    let mut enc = StreamEncoder::new(context);
    assert!(enc.write(a, &mut parts).is_ok() && enc.write(b, &mut parts).is_ok());
    assert!(enc.finish(&mut parts).is_ok());
    assert_eq!(whole, parts);
    let out = String::from_utf8(whole).unwrap_or_default();
    match context {
        Context::Html | Context::HtmlAttribute => assert!(!out.contains(['<', '>', '"', '\''])),
        Context::JsString => {
            assert!(!out.contains(['<', '>', '"', '\'', '`', '&', '\n', '\r']));
            assert!(!out.chars().any(crate::escape::hidden));
        }
        Context::CssString => assert!(!out.chars().any(crate::escape::hidden)),
        Context::LogLine => {
            assert!(!out.chars().any(|c| c == '\u{fffd}' || crate::escape::hidden(c)));
            // One-to-one: the log line gives back exactly the bytes.
            assert_eq!(decode_log(&out).as_deref(), Some(data));
        }
        Context::UrlComponent => {
            assert!(out.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            assert_eq!(decode_url(&out).as_deref(), Some(data));
        }
    }
}

/// Reverses [`Context::LogLine`] (and a log [`StreamEncoder`]'s `\xHH`
/// for invalid bytes): `\\`, `\n`, `\r`, `\t`, `\xHH` (a byte),
/// `\u{H..}` (a character). `None` for anything the encoder never
/// writes: a stray `\`, a raw control or hidden character, a raw U+FFFD.
/// For tests: a log line is for reading, not for parsing back.
#[must_use]
pub fn decode_log(encoded: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if crate::escape::needs_escape(Context::LogLine, c) {
                return None;
            }
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            continue;
        }
        match chars.next()? {
            '\\' => out.push(b'\\'),
            'n' => out.push(b'\n'),
            'r' => out.push(b'\r'),
            't' => out.push(b'\t'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                let b = u8::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == 2)?;
                // ASCII below 0x80 is escaped only when it must be.
                if b < 0x80
                    && (!crate::escape::needs_escape(Context::LogLine, char::from(b))
                        || matches!(b, b'\\' | b'\n' | b'\r' | b'\t'))
                {
                    return None;
                }
                out.push(b);
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let c = char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?;
                if c.is_ascii() || !crate::escape::needs_escape(Context::LogLine, c) {
                    return None;
                }
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Percent-decodes a [`Context::UrlComponent`] output (`None` for a
/// stray or malformed `%`).
#[must_use]
pub fn decode_url(encoded: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(encoded.len());
    let mut bytes = encoded.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    Some(out)
}
