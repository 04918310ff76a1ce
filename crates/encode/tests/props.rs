//! Property tests of every encoder's output invariants.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

use std::{borrow::Cow, io::Write};

use guardrail_encode::{Context, StreamEncoder, Writer};
use proptest::prelude::*;

fn input() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(guardrail_testkit::pieces::ENCODER_INPUT.to_vec());
    prop_oneof![any::<String>(), prop::collection::vec(tricky, 0..16).prop_map(|v| v.concat())]
}

const OUR_ENTITIES: [&str; 5] = ["&amp;", "&lt;", "&gt;", "&#34;", "&#39;"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn html_output_has_no_raw_markup(s in input()) {
        for ctx in [Context::Html, Context::HtmlAttribute] {
            let out = ctx.encode(&s);
            prop_assert!(!out.contains(['<', '>', '"', '\'']), "{out:?}");
            for (i, _) in out.match_indices('&') {
                prop_assert!(OUR_ENTITIES.iter().any(|e| out[i..].starts_with(e)), "stray & in {out:?}");
            }
            let stray_control = out.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}'));
            prop_assert!(!stray_control, "{:?}", out);
        }
    }

    #[test]
    fn js_output_cannot_end_a_string_or_a_block(s in input()) {
        let out = Context::JsString.encode(&s);
        prop_assert!(!out.contains(['"', '\'', '`', '<', '>', '&', '\n', '\r', '\u{2028}', '\u{2029}']), "{out:?}");
        let mut rest = out.as_ref();
        while let Some(i) = rest.find('\\') {
            let esc = &rest[i..];
            prop_assert!(["\\\\", "\\t", "\\n", "\\r", "\\x", "\\u"].iter().any(|p| esc.starts_with(p)), "{out:?}");
            rest = &esc[2..];
        }
    }

    #[test]
    fn url_component_output_is_unreserved_or_percent(s in input()) {
        let out = Context::UrlComponent.encode(&s);
        prop_assert!(out.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        // It decodes back to the input.
        let bytes = out.as_bytes();
        let mut decoded = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                decoded.push(u8::from_str_radix(&out[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
        prop_assert_eq!(String::from_utf8(decoded).unwrap(), s);
    }

    #[test]
    fn css_and_log_outputs_hold_no_controls(s in input()) {
        let css = Context::CssString.encode(&s);
        prop_assert!(css.chars().all(|c| c.is_ascii_alphanumeric() || c == '\\' || c == ' ' || (!c.is_ascii() && !c.is_control())), "{css:?}");
        let log = Context::LogLine.encode(&s);
        let stray = log.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}'));
        prop_assert!(!stray, "{:?}", log);
    }

    #[test]
    fn borrowed_exactly_when_unchanged_and_all_apis_agree(s in input()) {
        for ctx in Context::ALL {
            let cow = ctx.encode(&s);
            prop_assert_eq!(matches!(cow, Cow::Borrowed(_)), cow == s.as_str());
            let mut fmt_out = String::new();
            ctx.encode_to_fmt(&s, &mut fmt_out).unwrap();
            let mut io_out = Vec::new();
            ctx.encode_to_io(&s, &mut io_out).unwrap();
            let mut stream_out = Vec::new();
            let mut enc = StreamEncoder::new(ctx);
            for chunk in s.as_bytes().chunks(3) {
                enc.write(chunk, &mut stream_out).unwrap();
            }
            enc.finish(&mut stream_out).unwrap();
            let mut writer = Writer::new(ctx, Vec::new());
            for chunk in s.as_bytes().chunks(5) {
                writer.write_all(chunk).unwrap();
            }
            let writer_out = writer.finish().unwrap();
            prop_assert_eq!(&fmt_out, cow.as_ref());
            prop_assert_eq!(&String::from_utf8(io_out).unwrap(), cow.as_ref());
            prop_assert_eq!(&String::from_utf8(stream_out).unwrap(), cow.as_ref());
            prop_assert_eq!(&String::from_utf8(writer_out).unwrap(), cow.as_ref());
            prop_assert_eq!(&ctx.display(&s).to_string(), cow.as_ref());
        }
    }

    #[test]
    fn raw_bytes_never_panic(b in prop::collection::vec(prop_oneof![any::<u8>(), Just(0xed), Just(0xa0), Just(0x80)], 0..48)) {
        for ctx in Context::ALL {
            let mut out = Vec::new();
            let mut enc = StreamEncoder::new(ctx);
            enc.write(&b, &mut out).unwrap();
            enc.finish(&mut out).unwrap();
            prop_assert!(std::str::from_utf8(&out).is_ok());
            // Any split point gives the same output as the whole (a surrogate
            // cut after `ED A0` was once encoded differently: found by fuzzing).
            for split in 0..=b.len() {
                let (x, y) = b.split_at(split);
                let mut parts = Vec::new();
                let mut enc = StreamEncoder::new(ctx);
                enc.write(x, &mut parts).unwrap();
                enc.write(y, &mut parts).unwrap();
                enc.finish(&mut parts).unwrap();
                prop_assert_eq!(&parts, &out, "split at {}", split);
            }
        }
    }

    /// Issue 10, item 10: log encoding is one-to-one over arbitrary bytes
    /// (invalid UTF-8 included): decoding gives the bytes back, whole and
    /// split at every byte, so two different values never log alike.
    #[test]
    fn log_encoding_is_one_to_one_over_raw_bytes(
        b in prop::collection::vec(prop_oneof![
            any::<u8>(), Just(0xed), Just(0xa0), Just(0x80), Just(0xef), Just(0xbf), Just(0xbd), Just(b'\\'), Just(b'x')
        ], 0..48),
        s in input(),
    ) {
        let mut with_fffd = s.into_bytes();
        with_fffd.extend_from_slice("\u{fffd}".as_bytes());
        for bytes in [b, with_fffd] {
            let mut out = Vec::new();
            let mut enc = StreamEncoder::new(Context::LogLine);
            enc.write(&bytes, &mut out).unwrap();
            enc.finish(&mut out).unwrap();
            let out = String::from_utf8(out).unwrap();
            prop_assert!(!out.contains(char::REPLACEMENT_CHARACTER));
            prop_assert_eq!(guardrail_encode::fuzzing::decode_log(&out), Some(bytes.clone()));
            for split in 0..=bytes.len() {
                let (x, y) = bytes.split_at(split);
                let mut parts = Vec::new();
                let mut enc = StreamEncoder::new(Context::LogLine);
                enc.write(x, &mut parts).unwrap();
                enc.write(y, &mut parts).unwrap();
                enc.finish(&mut parts).unwrap();
                prop_assert_eq!(&parts, out.as_bytes(), "split at {}", split);
            }
            if let Ok(text) = std::str::from_utf8(&bytes) {
                prop_assert_eq!(Context::LogLine.encode(text), out.as_str());
            }
        }
    }

    /// Pairwise: two different byte strings never give the same log line
    /// (the decoder above could in principle be wrong in a way that hides
    /// a collision; this compares encodings directly).
    #[test]
    fn different_bytes_never_log_alike(
        a in prop::collection::vec(prop_oneof![any::<u8>(), Just(0xff), Just(0xfe), Just(b'\\')], 0..12),
        b in prop::collection::vec(prop_oneof![any::<u8>(), Just(0xff), Just(0xfe), Just(b'\\')], 0..12),
    ) {
        let enc = |bytes: &[u8]| {
            let mut out = Vec::new();
            let mut e = StreamEncoder::new(Context::LogLine);
            e.write(bytes, &mut out).unwrap();
            e.finish(&mut out).unwrap();
            out
        };
        prop_assert_eq!(a == b, enc(&a) == enc(&b));
    }

    /// URL components percent-encode each invalid byte: decoding gives the
    /// bytes back.
    #[test]
    fn url_encoding_round_trips_raw_bytes(b in prop::collection::vec(any::<u8>(), 0..48)) {
        let mut out = Vec::new();
        let mut enc = StreamEncoder::new(Context::UrlComponent);
        enc.write(&b, &mut out).unwrap();
        enc.finish(&mut out).unwrap();
        prop_assert_eq!(guardrail_encode::fuzzing::decode_url(std::str::from_utf8(&out).unwrap()), Some(b));
    }
}
