//! Issue 10 items 8 and 10, for validation: every character a reader
//! cannot see, that looks like a plain space, or that changes how text
//! displays is refused by every parser, wherever it stands in an otherwise
//! valid value.
//!
//! The oracle is guardrail-encode's data file (generated from PyPI's
//! `regex` module, an Unicode Character Database independent of the ICU4X
//! data the parsers use; see `crates/encode/tests/data/gen_hidden.py`),
//! read in place so both crates are held to the one list.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use std::ops::RangeInclusive;

use guardrail_validate::{Email, FetchUrl, HostName, Label, RelativePath, Username, fuzzing};

const ORACLE: &str = include_str!("../../encode/tests/data/hidden_chars.txt");

fn oracle() -> Vec<RangeInclusive<u32>> {
    let ranges: Vec<_> = ORACLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (first, last) = l.split_once("..").unwrap();
            u32::from_str_radix(first, 16).unwrap()..=u32::from_str_radix(last, 16).unwrap()
        })
        .collect();
    assert!(ranges.len() > 20, "oracle file read");
    ranges
}

fn hidden_chars() -> impl Iterator<Item = char> {
    oracle().into_iter().flatten().filter_map(char::from_u32)
}

fn in_oracle(ranges: &[RangeInclusive<u32>], c: char) -> bool {
    ranges.iter().any(|r| r.contains(&u32::from(c)))
}

/// The one set every parser uses is exactly the oracle's, on every code point.
#[test]
fn the_hidden_set_is_the_oracle_on_every_code_point() {
    let ranges = oracle();
    let mut differ = Vec::new();
    for c in (0..=0x10_ffff).filter_map(char::from_u32) {
        if fuzzing::is_invisible(c) != in_oracle(&ranges, c) {
            differ.push(format!("U+{:04X}", u32::from(c)));
        }
    }
    assert!(differ.is_empty(), "{} code points differ: {:?}", differ.len(), &differ[..differ.len().min(20)]);
}

/// What a parser says for a hidden character: `control_char` for a C0/C1
/// control (and for White_Space in a URL, which the raw checks refuse as
/// such), `invisible` for the rest; anything else, or `ok`, is a fault.
fn expect_refused(what: &str, c: char, result: Result<(), &'static str>, whitespace_is_control: bool) {
    let want =
        if c.is_control() || (whitespace_is_control && c.is_whitespace()) { "control_char" } else { "invisible" };
    assert_eq!(result, Err(want), "{what} with U+{:04X}", u32::from(c));
}

fn code<T>(r: Result<T, guardrail_validate::Error>) -> Result<(), &'static str> {
    r.map(drop).map_err(|e| e.code())
}

#[test]
fn every_hidden_character_is_refused_by_every_parser() {
    // The values without the character pass, so the character is the reason.
    assert!(RelativePath::parse("dir/ab.txt").is_ok());
    assert!(Email::parse_eai("ab@example.com").is_ok() && Email::parse_eai("ä@example.com").is_ok());
    assert!(Username::parse("abc").is_ok());
    assert!(FetchUrl::parse("https://example.com/ab?q=ab#ab").is_ok());
    assert!(HostName::parse("ab.example").is_ok());
    assert!(Label::parse("ab").is_ok());
    let base = FetchUrl::parse("https://example.com/").unwrap();
    let mut checked = 0;
    for c in hidden_chars() {
        expect_refused("path", c, code(RelativePath::parse(&format!("dir/a{c}b.txt"))), false);
        expect_refused("path end", c, code(RelativePath::parse(&format!("dir/ab.txt{c}"))), false);
        // Percent-encoded, it is what a decoding layer downstream would see.
        let encoded = percent(&format!("a{c}b.txt"));
        assert_eq!(code(RelativePath::parse(&encoded)), Err("encoded"), "{encoded}");
        expect_refused("e-mail local part", c, code(Email::parse_eai(&format!("a{c}b@example.com"))), false);
        expect_refused("e-mail local part, Unicode", c, code(Email::parse_eai(&format!("ä{c}@example.com"))), false);
        expect_refused("ASCII e-mail", c, code(Email::parse(&format!("a{c}b@example.com"))), false);
        expect_refused("username", c, code(Username::parse(&format!("a{c}bc"))), false);
        expect_refused("label", c, code(Label::parse(&format!("a{c}b"))), false);
        expect_refused("label start", c, code(Label::parse(&format!("{c}ab"))), false);
        expect_refused("URL path", c, code(FetchUrl::parse(&format!("https://example.com/a{c}b"))), true);
        expect_refused("URL query", c, code(FetchUrl::parse(&format!("https://example.com/ab?q={c}"))), true);
        expect_refused("URL fragment", c, code(FetchUrl::parse(&format!("https://example.com/ab#{c}"))), true);
        expect_refused("redirect", c, code(base.redirect(&format!("/a{c}b"))), true);
        // In a host name, ZWNJ and ZWJ are IDNA2008's to judge in context
        // (CONTEXTJ): refused here as `domain`/`syntax`, since no joining rule holds.
        let host = code(HostName::parse(&format!("a{c}b.example")));
        let url_host = code(FetchUrl::parse(&format!("https://a{c}b.example/")));
        if matches!(c, '\u{200c}' | '\u{200d}') {
            assert!(host.is_err() && url_host.is_err(), "joiner U+{:04X} in a host", u32::from(c));
        } else {
            expect_refused("host name", c, host, false);
            expect_refused("URL host", c, url_host, true);
        }
        checked += 1;
    }
    assert!(checked > 4000, "{checked} hidden characters checked");
}

/// Percent-encodes every non-ASCII or control byte.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_graphic() || b == b' ' { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}
